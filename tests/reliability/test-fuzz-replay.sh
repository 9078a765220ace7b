#!/bin/bash
# Every fuzz target on its whole corpus and on every input that once broke
# it (fuzz/regressions/TARGET/), built as ordinary programs: a crash, a
# sanitizer report (--enable-sanitizers) or a broken invariant fails.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
passed=0 failures=0
for t in domxml profile config mdevctl ledger nvidia-types sysfs-values pci-addr uuid; do
        inputs=()
        for dir in "$top_srcdir/fuzz/corpus/$t" "$top_srcdir/fuzz/regressions/$t"; do
                [ -d "$dir" ] && inputs+=("$dir"/*)
        done
        if [ "${#inputs[@]}" = 0 ]; then
                echo "FAIL: $t: no corpus" >&2
                failures=$((failures + 1))
        elif "$top_builddir/fuzz/replay-$t" "${inputs[@]}" >/dev/null; then
                passed=$((passed + 1))
        else
                for f in "${inputs[@]}"; do
                        "$top_builddir/fuzz/replay-$t" "$f" >/dev/null 2>&1 || echo "FAIL: $t: $f" >&2
                done
                failures=$((failures + 1))
        fi
done
echo "$passed passed, $failures failed"
[ "$failures" = 0 ]
