#!/bin/bash
# Allocation failure, in the way of jansson's test_memory_funcs: one prepare
# of a vGPU, run once to count its allocations (from the hook's main() on,
# libraries included), then again with each of them failing in turn
# (tests/reliability/failmalloc.c).  Every time the hook must either fail cleanly (exit
# 1, one sentence on stderr, host and ledger as they were) or, where the
# failure was absorbed, succeed fully; never crash.  CHAOS_FIRST/CHAOS_LAST
# pick a range of allocations, CHAOS_MAX_BROKEN (20) stops early.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
if [ -n "$ASAN_RUNTIME" ] || [ -n "${VGPU_TEST_VALGRIND:-}" ]; then
        echo "ASan and valgrind bring their own malloc: skipped"
        exit 77
fi
FAILMALLOC="$top_builddir/tests/reliability/.libs/libfailmalloc.so"
U1=3b0e1c2d-0000-4000-8000-00000000aa01
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT

fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm1.xml"
mkdir -p "$ROOT/proc/$BASHPID" && cp "/proc/$BASHPID/stat" "$ROOT/proc/$BASHPID/stat"

# prepare N: the hook with the Nth allocation failing (0: none); sets rc.
prepare() {
        set +e
        rm -f "$X/where"
        VGPU_FAILMALLOC=$1 VGPU_FAILMALLOC_COUNT="$X/count" VGPU_FAILMALLOC_WHERE="$X/where" \
                LD_PRELOAD="$FAILMALLOC:$KSHIM" \
                "$HOOK" vm1 prepare begin - <"$X/vm1.xml" >"$X/out" 2>"$X/err"
        rc=$?
        set -e
}
# What a prepare may change: the host's mdevs and the ledger's leases.
state() {
        ls "$ROOT/sys/bus/mdev/devices"
        cat "$ROOT/run/vgpu-hook/ledger.json" 2>/dev/null | grep -c '"domain_uuid"' || true
}
undo() { LD_PRELOAD="$KSHIM" "$HOOK" vm1 release end - <"$X/vm1.xml" >/dev/null 2>&1; }

state >"$X/before"
prepare 0
check "dry run succeeds ($(cat "$X/err"))" [ "$rc" = 0 ]
state >"$X/prepared"
undo
total=$(cat "$X/count")
echo "# one prepare makes $total allocations"
check "released to where it started" cmp -s "$X/before" <(state)

failed=0 absorbed=0 loader=0 broken=0
for n in $(seq "${CHAOS_FIRST:-1}" "${CHAOS_LAST:-$total}"); do
        prepare "$n"
        state >"$X/after"
        if [ "$rc" = 1 ] && [ "$(wc -l <"$X/err")" = 1 ] && grep -q '^vgpu-hook: ' "$X/err" &&
                cmp -s "$X/before" "$X/after"; then
                failed=$((failed + 1))
                cat "$X/err" >>"$X/sentences"
        elif [ "$rc" = 127 ] && grep -qx 'out of memory' "$X/err" && grep -qx dlopen "$X/where" 2>/dev/null &&
                cmp -s "$X/before" "$X/after"; then
                # glibc's ld.so, loading the module (libxml2 brings ICU and
                # libstdc++), exits at once when it cannot grow its table of
                # unique symbols (elf/dl-lookup.c): before any work, nothing
                # changed, and libvirt still refuses the start.
                loader=$((loader + 1))
        elif [ "$rc" = 0 ] && [ ! -s "$X/err" ] && cmp -s "$X/prepared" "$X/after"; then
                absorbed=$((absorbed + 1))
                undo || fail "release after allocation $n failed (exit $?)"
        else
                broken=$((broken + 1))
                fail "allocation $n of $total: exit $rc, stderr '$(head -c 300 "$X/err")', state $(tr '\n' ' ' <"$X/after")"
                undo || true
                [ "$broken" -ge "${CHAOS_MAX_BROKEN:-20}" ] && break
        fi
done
echo "# $total allocations failed in turn: $failed clean refusals, $absorbed absorbed without harm," \
        "$loader fatal in glibc's dynamic loader, $broken broken"
echo "# the refusals said:"
sed 's/^/#   /' "$X/sentences" 2>/dev/null | sort | uniq -c | sort -rn
check "no allocation failure breaks the hook" [ "$broken" = 0 ]
finish
