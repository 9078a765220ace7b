#!/bin/bash
# 64 hook processes prepare 64 domains at once against 32 free instances:
# exactly 32 succeed, no device is leased twice, and releasing them all
# leaves the host as it started.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
N=${VGPU_STRESS_DOMAINS:-64}
fresh pool32
printf '{"lock_wait_ms": 30000}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
profile port '{"mdev_type": {"name": "Single port serial"}}'
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT
host_inventory >"$X/before"

for i in $(seq 1 $N); do
        d=$(printf '5e1d2c3b-4a59-4687-9a8b-%012d' $i)
        u=$(printf '3b0e1c2d-0000-4000-8000-%012d' $i)
        domain vm$i $d "<vgpu:mdev uuid='$u' profile='port'/>" $u >"$X/vm$i.xml"
done
start=$(date +%s%N)
declare -A pids
for i in $(seq 1 $N); do
        hook_bg "$X/vm$i.xml" /dev/null "$X/err$i" vm$i prepare begin -
        pids[$i]=$!
done
for i in $(seq 1 $N); do
        set +e
        wait ${pids[$i]}
        echo $? >"$X/rc$i"
        set -e
        proc_gone ${pids[$i]}
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
ok=$(cat "$X"/rc* | grep -c "^0$" || true)
echo "# $N concurrent prepares against 32 instances: $ok succeeded in $ms ms"
check "exactly 32 prepares succeed (got $ok)" [ "$ok" = 32 ]
check "every refusal says why" [ "$(cat "$X"/err* | grep -c 'no parent has a free Single port serial instance\|cannot create mdev')" = $((N - 32)) ]
check "32 leases" [ "$(lease_count)" = 32 ]
check "32 devices" [ "$(ls "$ROOT/sys/bus/mdev/devices" | wc -l)" = 32 ]
check "no device leased twice" [ "$(leases | grep '"device"' | sort | uniq -d | wc -l)" = 0 ]
for i in $(seq 1 $N); do
        if [ "$(cat "$X/rc$i")" = 0 ]; then
                u=$(printf '3b0e1c2d-0000-4000-8000-%012d' $i)
                mdev_exists $u || fail "vm$i succeeded but has no device"
        fi
done
for i in $(seq 1 $N); do
        hook_bg "$X/vm$i.xml" /dev/null /dev/null vm$i release end -
done
wait
host_inventory >"$X/after"
check "releasing all leaves the host as it started" cmp -s "$X/before" "$X/after"
check "and the ledger empty" [ "$(lease_count)" = 0 ]
finish
