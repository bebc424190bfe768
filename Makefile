# oneshot: one-shot, hardware-aware neural architecture search workbench.
# Plain make: all check asan fuzz install uninstall clean deps.
# `make MPI=1` builds with MPI (mpicc) into build-mpi: src/par_mpi.c instead
# of src/par_serial.c, so that `mpirun -np N oneshot groundtruth` farms out.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
DATADIR  = $(PREFIX)/share/oneshot

CC      ?= cc
# The binary is built where it runs (from source, like llama.cpp): -march=native
# lets the kernels use the machine's vector units.  Override with ARCHFLAGS=.
ARCHFLAGS ?= -march=native
OPTFLAGS  ?= -O3 -ffp-contract=fast
CFLAGS  ?= -g
WARN     = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter
CURSES  := $(shell pkg-config --exists ncursesw 2>/dev/null && echo ncursesw || echo ncurses)
PKGS     = openblas zlib yaml-0.1 lua5.4 $(CURSES)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The layers, each compiled with what it may include and no more:
#   src/  the engine: -Isrc and the engine's libraries (no Lua, no curses)
#   lua/  the Lua glue: adds -Ilua and Lua's headers
#   exp/  the experiment layer: src/, lua/'s C headers (not Lua's), -Iexp
#   ui/   the front ends: everything, curses included
# (tests/cli/layers.sh also checks the #include lines.)
ENGINE_PKG := $(shell pkg-config --cflags openblas zlib yaml-0.1 2>/dev/null)
LUA_PKG    := $(shell pkg-config --cflags lua5.4 2>/dev/null)
UI_PKG     := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
BASE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPTFLAGS) $(ARCHFLAGS) \
              -fopenmp $(WARN)
ENGINE_CFLAGS = $(BASE_CFLAGS) $(ENGINE_PKG) -Isrc $(CFLAGS)
LUA_CFLAGS    = $(BASE_CFLAGS) $(ENGINE_PKG) $(LUA_PKG) -Isrc -Ilua $(CFLAGS)
EXP_CFLAGS    = $(BASE_CFLAGS) $(ENGINE_PKG) -Isrc -Ilua -Iexp $(CFLAGS)
ALL_CFLAGS    = $(BASE_CFLAGS) $(UI_PKG) -Isrc -Ilua -Iexp -Iui $(CFLAGS)
LDLIBS   = $(PKG_LIBS) -fopenmp -lm -lpthread

# MPI=1: the MPI compiler wrapper builds everything (Open MPI's or MPICH's
# mpicc), and src/par_mpi.c replaces src/par_serial.c (src/par.h)
MPI     ?= 0
MPICC   ?= mpicc
ifeq ($(MPI),1)
CC       = $(MPICC)
BUILD   ?= build-mpi
PAR_NOT  = src/par_serial.c
else
PAR_NOT  = src/par_mpi.c
endif
BUILD   ?= build
VERSION  = 0.1.0

ENGINE_SRC = $(filter-out $(PAR_NOT),$(wildcard src/*.c))
LUA_SRC    = $(wildcard lua/*.c)
EXP_SRC    = $(wildcard exp/*.c)
UI_SRC     = $(wildcard ui/*.c)
TEST_SRC   = $(wildcard tests/test_*.c)
ENGINE_OBJ = $(ENGINE_SRC:%.c=$(BUILD)/%.o)
LUA_OBJ    = $(LUA_SRC:%.c=$(BUILD)/%.o)
EXP_OBJ    = $(EXP_SRC:%.c=$(BUILD)/%.o)
UI_OBJ     = $(UI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN   = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
LIBS       = $(BUILD)/libexp.a $(BUILD)/libonelua.a $(BUILD)/liboneshot.a

# clang, its runtimes (libFuzzer) and LLVM's OpenMP build the fuzz harnesses;
# Open MPI builds and runs the MPI binary that make check tests too
DEBIAN_PKGS = libopenblas-dev liblua5.4-dev libyaml-dev libncurses-dev zlib1g-dev \
              dataset-fashion-mnist pkg-config gcc make tmux mandoc \
              clang libclang-rt-14-dev libomp-dev libopenmpi-dev openmpi-bin

# libFuzzer harnesses, one per parser: tests/fuzz/fuzz_NAME.c, with its seed
# corpus in tests/fuzz/NAME/seeds and the inputs of fixed bugs in
# tests/fuzz/NAME/regressions.  Built with clang into FUZZ_BUILD.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
# what `make asan` gives each harness (CI): a replay of the seeds and
# regressions, then this many seconds of fuzzing
FUZZ_CI_SECONDS ?= 4
FUZZ_BUILD    = build-fuzz
FUZZ_NAMES    = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN      = $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz/fuzz_%)
FUZZ_SANITIZE = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined

.PHONY: all check unit asan fuzz fuzz-build fuzz-bins install uninstall clean deps bench run mpi FORCE

all: oneshot

# copied whenever it differs, so that ./oneshot is the build last made
# (`make MPI=1`, then `make`, gives the serial binary back)
oneshot: $(BUILD)/oneshot FORCE
	@cmp -s $< $@ || { echo "cp $< $@"; cp $< $@.tmp && mv -f $@.tmp $@; }

$(BUILD)/oneshot: $(UI_OBJ) $(LIBS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) $(LDFLAGS)

$(BUILD)/liboneshot.a: $(ENGINE_OBJ)
	rm -f $@
	ar rcs $@ $^

# lua/ holds the Lua glue; it links above the engine (ui -> exp -> lua -> src)
$(BUILD)/libonelua.a: $(LUA_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libexp.a: $(EXP_OBJ)
	rm -f $@
	ar rcs $@ $^

DEFS = -DONESHOT_VERSION='"$(VERSION)"' -MMD -MP

$(BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ENGINE_CFLAGS) $(DEFS) -c -o $@ $<

$(BUILD)/lua/%.o: lua/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LUA_CFLAGS) $(DEFS) -c -o $@ $<

$(BUILD)/exp/%.o: exp/%.c
	@mkdir -p $(dir $@)
	$(CC) $(EXP_CFLAGS) $(DEFS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEFS) -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(BUILD)/tests/check.o $(LIBS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) $(LDFLAGS)

# A harness: its file, the shared helpers and the libraries (the run
# directory's CSV reader is in exp/).  The fuzz build's objects carry
# FUZZ_SANITIZE; the link adds libFuzzer's main.
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/fuzz.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) $(LDFLAGS)

$(BUILD)/tests/fuzz/%.o: ALL_CFLAGS += -DFUZZ_TOP='"$(CURDIR)"'

# Installs whichever Debian packages are missing (needs root or sudo).
deps:
	@missing=""; for p in $(DEBIAN_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	else echo "all dependencies are installed"; fi

# Unit tests and CLI tests, with OPENBLAS_CORETYPE as set and the other way;
# the last line is "N passed, N failed, N skipped".
check: all $(TEST_BIN) $(BUILD)/tests/diskshim.so mpi
	@tests/run.sh $(BUILD) --both-blas

# The MPI binary, build-mpi/oneshot, and the tests of src/par.h and
# src/dptrain.h built with MPI, that tests/cli/farm.sh and tests/cli/dp.sh
# run under mpirun; without mpicc they are not
# built and those tests are skipped.
mpi:
	@if command -v $(MPICC) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory MPI=1 BUILD=build-mpi build-mpi/oneshot build-mpi/tests/test_par build-mpi/tests/test_dptrain; \
	else echo "$(MPICC) is not installed (make deps installs it): the MPI tests are skipped"; \
	  rm -f build-mpi/oneshot build-mpi/tests/test_par build-mpi/tests/test_dptrain; fi

# A disk that fills up or is slow, preloaded by tests/cli/diskfull.sh and
# tests/cli/kill.sh (test code only; no CFLAGS: a sanitizer's runtime cannot
# be preloaded after the program).
$(BUILD)/tests/diskshim.so: tests/diskshim.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -shared -fPIC -O2 -g $(WARN) -o $@ $<

# The unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=build-asan OPTFLAGS=-O1 \
	  CFLAGS="-g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" $(patsubst $(BUILD)/%,build-asan/%,$(TEST_BIN)) \
	  build-asan/oneshot
	@$(MAKE) --no-print-directory fuzz-build
	@ASAN_OPTIONS=detect_leaks=1 FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_CI_SECONDS) \
	  tests/run.sh build-asan --unit-only asan tests/cli/run.sh

# The fuzz harnesses.  Without clang (or without libFuzzer) nothing is built
# and FUZZ_BUILD/fuzz/SKIPPED says why: the harnesses are then counted as
# skipped, never as passed.
fuzz-build:
	@mkdir -p $(FUZZ_BUILD)/fuzz; rm -f $(FUZZ_BUILD)/fuzz/SKIPPED; \
	if ! command -v $(FUZZ_CC) >/dev/null 2>&1; then \
	  echo "$(FUZZ_CC) is not installed (make deps installs it)" > $(FUZZ_BUILD)/fuzz/SKIPPED; \
	elif ! printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' | \
	    $(FUZZ_CC) -x c -fsanitize=fuzzer,address,undefined -o $(FUZZ_BUILD)/fuzz/probe - 2>/dev/null; then \
	  echo "$(FUZZ_CC) cannot link libFuzzer (make deps installs libclang-rt-14-dev)" > $(FUZZ_BUILD)/fuzz/SKIPPED; \
	fi; \
	rm -f $(FUZZ_BUILD)/fuzz/probe; \
	if [ -f $(FUZZ_BUILD)/fuzz/SKIPPED ]; then echo "fuzz harnesses not built: $$(cat $(FUZZ_BUILD)/fuzz/SKIPPED)"; \
	else $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPTFLAGS=-O1 \
	  CFLAGS="-g -fno-omit-frame-pointer $(FUZZ_SANITIZE)" LDFLAGS="-fsanitize=fuzzer,address,undefined" \
	  fuzz-bins; fi

# (run by fuzz-build with the fuzz build's settings)
fuzz-bins: $(FUZZ_BIN)
	@:

# Runs every harness for FUZZ_SECONDS seconds (one at a time, one process
# each) after replaying its seeds and regressions; the corpora grow in
# FUZZ_BUILD/fuzz/corpus.  Ends with "N passed, N failed, N skipped".
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BUILD)

# The main job: the default experiment end to end (a fair supernet of the
# fmnist space, then a search), into examples/runs/quick[.N].
run: all
	./oneshot run examples/quick.yaml

bench: all
	bench/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)/spaces \
	  $(DESTDIR)$(DATADIR)/devices
	install -d $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)/lua $(DESTDIR)$(DATADIR)/examples
	install -m 755 oneshot $(DESTDIR)$(BINDIR)/oneshot
	install -m 644 man/oneshot.1 $(DESTDIR)$(MANDIR)/man1/oneshot.1
	install -m 644 man/oneshot.yaml.5 $(DESTDIR)$(MANDIR)/man5/oneshot.yaml.5
	install -m 644 man/oneshot-lua.7 $(DESTDIR)$(MANDIR)/man7/oneshot-lua.7
	install -m 644 man/oneshot-tutorial.7 $(DESTDIR)$(MANDIR)/man7/oneshot-tutorial.7
	install -m 644 spaces/*.lua spaces/*.truth.csv $(DESTDIR)$(DATADIR)/spaces/
	install -m 644 examples/*.yaml examples/*.lua $(DESTDIR)$(DATADIR)/examples/
	install -d $(DESTDIR)$(DATADIR)/examples/tour
	install -m 644 examples/tour/*.yaml examples/tour/*.lua $(DESTDIR)$(DATADIR)/examples/tour/
	install -m 644 lua/*.lua $(DESTDIR)$(DATADIR)/lua/
	install -m 644 devices/*.yaml $(DESTDIR)$(DATADIR)/devices/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/oneshot $(DESTDIR)$(MANDIR)/man1/oneshot.1 \
	  $(DESTDIR)$(MANDIR)/man5/oneshot.yaml.5 $(DESTDIR)$(MANDIR)/man7/oneshot-lua.7 \
	  $(DESTDIR)$(MANDIR)/man7/oneshot-tutorial.7
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-mpi $(FUZZ_BUILD) oneshot

# keep test objects: no "rm" after the test summary
.SECONDARY:

-include $(wildcard $(BUILD)/src/*.d $(BUILD)/lua/*.d $(BUILD)/exp/*.d $(BUILD)/ui/*.d $(BUILD)/tests/*.d \
                     $(BUILD)/tests/fuzz/*.d)
