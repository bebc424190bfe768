# oneshot: one-shot, hardware-aware neural architecture search workbench.
# Plain make: all check asan install uninstall clean deps.

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
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPTFLAGS) $(ARCHFLAGS) \
             -fopenmp $(WARN) $(PKG_CFLAGS) -Isrc -Ilua $(CFLAGS)
LDLIBS   = $(PKG_LIBS) -fopenmp -lm -lpthread

BUILD   ?= build
VERSION  = 0.1.0

ENGINE_SRC = $(wildcard src/*.c)
LUA_SRC    = $(wildcard lua/*.c)
UI_SRC     = $(wildcard ui/*.c)
TEST_SRC   = $(wildcard tests/test_*.c)
ENGINE_OBJ = $(ENGINE_SRC:%.c=$(BUILD)/%.o)
LUA_OBJ    = $(LUA_SRC:%.c=$(BUILD)/%.o)
UI_OBJ     = $(UI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN   = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

DEBIAN_PKGS = libopenblas-dev liblua5.4-dev libyaml-dev libncurses-dev zlib1g-dev \
              dataset-fashion-mnist pkg-config gcc make tmux

.PHONY: all check unit asan install uninstall clean deps bench run

all: oneshot

oneshot: $(BUILD)/oneshot
	cp $< $@.tmp && mv -f $@.tmp $@

$(BUILD)/oneshot: $(UI_OBJ) $(BUILD)/libonelua.a $(BUILD)/liboneshot.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) $(LDFLAGS)

$(BUILD)/liboneshot.a: $(ENGINE_OBJ)
	rm -f $@
	ar rcs $@ $^

# lua/ holds the Lua glue; it links above the engine (ui -> lua -> src)
$(BUILD)/libonelua.a: $(LUA_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DONESHOT_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(BUILD)/tests/check.o $(BUILD)/libonelua.a $(BUILD)/liboneshot.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS) $(LDFLAGS)

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
check: all $(TEST_BIN) $(BUILD)/tests/diskshim.so
	@tests/run.sh $(BUILD) --both-blas

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
	@ASAN_OPTIONS=detect_leaks=1 tests/run.sh build-asan --unit-only asan tests/cli/run.sh

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
	install -m 644 spaces/*.lua spaces/*.truth.csv $(DESTDIR)$(DATADIR)/spaces/
	install -m 644 examples/*.yaml examples/*.lua $(DESTDIR)$(DATADIR)/examples/
	install -m 644 lua/*.lua $(DESTDIR)$(DATADIR)/lua/
	install -m 644 devices/*.yaml $(DESTDIR)$(DATADIR)/devices/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/oneshot $(DESTDIR)$(MANDIR)/man1/oneshot.1 \
	  $(DESTDIR)$(MANDIR)/man5/oneshot.yaml.5 $(DESTDIR)$(MANDIR)/man7/oneshot-lua.7
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan oneshot

# keep test objects: no "rm" after the test summary
.SECONDARY:

-include $(wildcard $(BUILD)/src/*.d $(BUILD)/lua/*.d $(BUILD)/ui/*.d $(BUILD)/tests/*.d)
