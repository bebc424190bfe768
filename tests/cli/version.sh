# oneshot --version names the BLAS kernels, and picks the fast ones by itself.
. "$(dirname "$0")/lib.inc"
out=$($ONESHOT --version) || fail "--version exited $?"
printf '%s\n' "$out" | grep -q '^oneshot [0-9][0-9.]*$' || fail "no version line: $out"
if grep -q ' avx512f ' /proc/cpuinfo && grep -q ' avx512bw ' /proc/cpuinfo; then
    printf '%s\n' "$out" | grep -q 'core SkylakeX (chosen by oneshot' || fail "AVX-512 CPU without SkylakeX kernels: $out"
fi
# a value the user set is never overridden
out=$(OPENBLAS_CORETYPE=Haswell $ONESHOT --version)
printf '%s\n' "$out" | grep -q 'core Haswell (OPENBLAS_CORETYPE=Haswell set by the user)' || fail "user's OPENBLAS_CORETYPE overridden: $out"
out=$(ONESHOT_NO_REEXEC=1 $ONESHOT --version)
printf '%s\n' "$out" | grep -q 'chosen by oneshot' && fail "ONESHOT_NO_REEXEC=1 ignored: $out"
exit 0
