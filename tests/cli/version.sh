# oneshot --version says which BLAS kernels run and why, and oneshot never
# runs OpenBLAS's slow fallback when the CPU can run better kernels.  The
# contract is checked on this CPU as it is (with OPENBLAS_CORETYPE as the
# environment has it), then for other machines by standing in for the
# CPU's flags and OpenBLAS's detection (ONESHOT_CPU_FLAGS,
# ONESHOT_BLAS_DETECTED).
. "$(dirname "$0")/lib.inc"
fallback='Prescott|Core2|Penryn|Dunnington|Nehalem|Atom|Banias|Katmai|Coppermine|Northwood|Sandybridge|generic|unknown'
out=$($ONESHOT --version) || fail "--version exited $?"
printf '%s\n' "$out" | grep -q '^oneshot [0-9][0-9.]*$' || fail "no version line: $out"
blas=$(printf '%s\n' "$out" | grep '^BLAS: ') || fail "no BLAS line: $out"
printf '%s\n' "$out" | grep -Eq '^MPI: (built in \(.+\)|not built in \(make MPI=1 builds it in\))$' || fail "no MPI line: $out"
core=$(printf '%s\n' "$blas" | sed -E 's/.*, core ([A-Za-z0-9]+).*/\1/')
# why: one of the four reasons
printf '%s\n' "$blas" | grep -Eq '\((chosen by oneshot: OpenBLAS took this CPU for [A-Za-z0-9]+; it runs [A-Za-z0-9]+ kernels|OPENBLAS_CORETYPE=[A-Za-z0-9]+ set by the user|detected by OpenBLAS|OpenBLAS.s generic kernels: this CPU has neither AVX2 nor AVX-512)\)$' ||
    fail "the BLAS line does not say why: $blas"
user=${OPENBLAS_CORETYPE:-}
if [ -n "$user" ]; then
    printf '%s\n' "$blas" | grep -q "OPENBLAS_CORETYPE=$user set by the user" || fail "user's OPENBLAS_CORETYPE=$user not honoured: $blas"
elif grep -qw avx2 /proc/cpuinfo; then
    printf '%s\n' "$core" | grep -Eqix "$fallback" && fail "a fallback kernel ($core) on a CPU with AVX2: $blas"
fi
# with the variable unset and set, whatever the environment had
out=$(env -u OPENBLAS_CORETYPE $ONESHOT --version | grep '^BLAS: ')
if grep -qw avx2 /proc/cpuinfo; then
    printf '%s\n' "$out" | grep -Eqi "core ($fallback)[ ,(]" && fail "unset: fallback kernels on a CPU with AVX2: $out"
fi
out=$(OPENBLAS_CORETYPE=Haswell $ONESHOT --version)
printf '%s\n' "$out" | grep -q 'core Haswell (OPENBLAS_CORETYPE=Haswell set by the user)' || fail "user's OPENBLAS_CORETYPE overridden: $out"
out=$(OPENBLAS_CORETYPE=Prescott $ONESHOT --version)
printf '%s\n' "$out" | grep -q 'core Prescott (OPENBLAS_CORETYPE=Prescott set by the user)' || fail "user's Prescott overridden: $out"

# other machines (what OpenBLAS detects stood in for; the kernels are only
# named by --version, never run, so any x86-64 CPU can play any of them)
AVX2='fpu sse sse2 ssse3 sse4_1 sse4_2 avx fma avx2'
AVX512="$AVX2 avx512f avx512dq avx512cd avx512bw avx512vl"
machine() { # FLAGS DETECTED [VAR=VALUE...]: the BLAS line on such a machine
    local flags=$1 det=$2
    shift 2
    env -u OPENBLAS_CORETYPE ONESHOT_CPU_FLAGS="$flags" ONESHOT_BLAS_DETECTED="$det" "$@" $ONESHOT --version | grep '^BLAS: '
}
out=$(machine "$AVX512" Prescott)
printf '%s\n' "$out" | grep -q 'core SkylakeX (chosen by oneshot: OpenBLAS took this CPU for Prescott; it runs SkylakeX kernels)' || fail "AVX-512 Xeon taken for Prescott: $out"
out=$(machine "$AVX2" Prescott)
printf '%s\n' "$out" | grep -q 'core Haswell (chosen by oneshot: OpenBLAS took this CPU for Prescott; it runs Haswell kernels)' || fail "AVX2 CPU taken for Prescott: $out"
out=$(machine "$AVX512 avx512_bf16" Cooperlake)
printf '%s\n' "$out" | grep -q '(detected by OpenBLAS)' || fail "Zen 5 recognised as Cooperlake: $out"
printf '%s\n' "$out" | grep -q 'chosen by oneshot' && fail "Zen 5: oneshot overrode OpenBLAS: $out"
out=$(machine "fpu sse sse2 sse3" Nehalem)
printf '%s\n' "$out" | grep -q 'neither AVX2 nor AVX-512' || fail "SSE-only CPU: $out"
out=$(machine "$AVX512" Prescott OPENBLAS_CORETYPE=Haswell)
printf '%s\n' "$out" | grep -q 'core Haswell (OPENBLAS_CORETYPE=Haswell set by the user)' || fail "a user's value on a Xeon taken for Prescott: $out"
out=$(machine "$AVX512" Prescott ONESHOT_NO_REEXEC=1)
printf '%s\n' "$out" | grep -q 'chosen by oneshot' && fail "ONESHOT_NO_REEXEC=1 ignored: $out"
printf '%s\n' "$out" | grep -q 'ONESHOT_NO_REEXEC is set' || fail "ONESHOT_NO_REEXEC=1: no reason given: $out"
exit 0
