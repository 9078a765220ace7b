#!/bin/bash
# Concurrency (issue 10).  Rounds of hook processes, all at once in random
# order, against a small pool: each domain that holds its vGPU releases it,
# each that does not prepares — and domains come in clones (several share
# one mdev UUID), so they race for the same device as well as for room.
# After every round: no UUID held by two domains (0 double allocations),
# the ledger holds exactly the successful prepares (0 lost leases, none
# extra), one device per holder, a sentence for every refusal.  Then a lock
# holder stopped (SIGSTOP) under the ledger lock: the others give up within
# the bounded wait, prepare with a sentence, the other ops with exit 0; and
# a holder killed under the lock never blocks anyone.
# VGPU_RACE_DOMAINS (64), VGPU_RACE_ROUNDS (3), VGPU_RACE_POOL (12) and
# VGPU_RACE_CLONES (4 domains a UUID) size it; `make stress` runs 256 domains.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh"
N=${VGPU_RACE_DOMAINS:-64}
ROUNDS=${VGPU_RACE_ROUNDS:-3}
POOL=${VGPU_RACE_POOL:-12}
CLONES=${VGPU_RACE_CLONES:-4}
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-race-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT

# A host with one mdev parent whose pool has room for $POOL instances.
pool_host() {
        [ -n "${ROOT:-}" ] && rm -rf "$ROOT"
        ROOT=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
        printf 'node 0 cpus=0-1\nmdev-pool mtty size=%d\nmdev-parent mtty pool=mtty\n%s\n' "$1" \
                'mdev-type mtty mtty-1 name="Single port serial" api=vfio-pci cost=1' >"$X/pool.host"
        "$FAKEHOST" "$X/pool.host" "$ROOT" >/dev/null
        mkdir -p "$ROOT/etc/vgpu-hook/profiles.d" "$ROOT/run/libvirt/qemu"
        printf '{"lock_wait_ms": 60000, "release_retries": 0}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
        export VGPU_HOOK_ROOT="$ROOT"
        profile port '{"mdev_type": {"name": "Single port serial"}}'
}
dom_uuid() { printf '5e1d2c3b-4a59-4687-9a8b-%012d' "$1"; }
mdev_of() { printf '3b0e1c2d-0000-4000-8000-%012d' $(((($1 - 1) / CLONES) + 1)); }

pool_host "$POOL"
host_inventory >"$X/before"
for i in $(seq 1 "$N"); do
        domain vm$i "$(dom_uuid $i)" "<vgpu:mdev uuid='$(mdev_of $i)' profile='port'/>" "$(mdev_of $i)" >"$X/vm$i.xml"
        echo 0 >"$X/holds$i"
done

# One round: everyone at once, in random order.
round() {
        local i op
        declare -A pids
        for i in $(shuf -i 1-"$N"); do
                if [ "$(cat "$X/holds$i")" = 1 ]; then op="release end"; else op="prepare begin"; fi
                echo "$op" >"$X/op$i"
                hook_bg "$X/vm$i.xml" /dev/null "$X/err$i" vm$i $op -
                pids[$i]=$!
        done
        for i in $(seq 1 "$N"); do
                set +e
                wait "${pids[$i]}"
                echo $? >"$X/rc$i"
                set -e
                proc_gone "${pids[$i]}"
        done
}

# After a round: who holds what, against the ledger and the host.
verify() {
        local i held=0 doubles lost=0 extra sentences=0 refused=0 exits=0
        : >"$X/holders"
        for i in $(seq 1 "$N"); do
                rc=$(cat "$X/rc$i")
                if [ "$(cat "$X/op$i")" = "release end" ]; then
                        [ "$rc" = 0 ] || exits=$((exits + 1))
                        echo 0 >"$X/holds$i"
                elif [ "$rc" = 0 ]; then
                        echo 1 >"$X/holds$i"
                else
                        [ "$rc" = 1 ] || exits=$((exits + 1))
                        refused=$((refused + 1))
                        [ "$(wc -l <"$X/err$i")" = 1 ] && grep -q '^vgpu-hook: .*is leased to domain\|^vgpu-hook: no parent has a free\|^vgpu-hook: mdev .* is still being released' "$X/err$i" &&
                                sentences=$((sentences + 1))
                fi
                if [ "$(cat "$X/holds$i")" = 1 ]; then
                        held=$((held + 1))
                        echo "$(dom_uuid $i) $(mdev_of $i)" >>"$X/holders"
                fi
        done
        leases | tr -d ' \n' | sed 's/},{/}\n{/g' |
                sed -n 's/.*"domain_uuid":"\([^"]*\)".*"device":"\([^"]*\)".*/\1 \2/p' | sort >"$X/leased"
        sort -o "$X/holders" "$X/holders"
        doubles=$(awk '{ print $2 }' "$X/holders" | sort | uniq -d | wc -l)
        lost=$(comm -23 "$X/holders" "$X/leased" | wc -l)
        extra=$(comm -13 "$X/holders" "$X/leased" | wc -l)
        echo "# round $1: $held holding, $refused refused, $(ls "$ROOT/sys/bus/mdev/devices" | wc -l) devices"
        check "round $1: exit statuses (prepare 0 or 1, release 0): $exits wrong" [ "$exits" = 0 ]
        check "round $1: 0 double allocations ($doubles)" [ "$doubles" = 0 ]
        check "round $1: 0 lost leases ($lost)" [ "$lost" = 0 ]
        check "round $1: no lease beyond the holders ($extra)" [ "$extra" = 0 ]
        check "round $1: one device per holder" [ "$(ls "$ROOT/sys/bus/mdev/devices" | wc -l)" = "$held" ]
        check "round $1: at most the pool ($held <= $POOL)" [ "$held" -le "$POOL" ]
        check "round $1: every refusal is one sentence ($sentences of $refused)" [ "$sentences" = "$refused" ]
        check "round $1: all leases prepared" not grep -q '"state": "\(pending\|releasing\)"' <(leases)
}

start=$(date +%s%N)
for r in $(seq 1 "$ROUNDS"); do
        round
        verify "$r"
done
# the last round: everyone releases
for i in $(seq 1 "$N"); do echo 1 >"$X/holds$i"; done
round
verify last
ms=$(((($(date +%s%N) - start)) / 1000000))
echo "# $N domains ($CLONES a UUID), pool of $POOL, $ROUNDS rounds + a release round: $((N * (ROUNDS + 1))) hook processes in $ms ms"
host_inventory >"$X/after"
check "releasing all leaves the host as it started" cmp -s "$X/before" "$X/after"
check "and the ledger empty" [ "$(lease_count)" = 0 ]

# ---- a lock holder stopped under the ledger lock -------------------------------------
fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
printf '{"lock_wait_ms": 500, "release_retries": 0}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
U1=$(mdev_of 1) U2=$(mdev_of $((CLONES + 1))) D1=$(dom_uuid 1) D2=$(dom_uuid 2)
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/a.xml"
domain vm2 $D2 "<vgpu:mdev uuid='$U2' profile='t4-4q'/>" $U2 >"$X/b.xml"
baseline
# prepare's first fault point is its reserve: the rename of the ledger, under the lock
VGPU_KSHIM_FAIL=1:SIGSTOP hook_bg "$X/a.xml" "$X/o1" "$X/e1" vm1 prepare begin -
STOPPED=$!
wait_stopped $STOPPED
check "the stopped prepare holds the ledger lock" not flock -n "$ROOT/run/vgpu-hook/ledger.lock" true
timed() { # OP... : run the hook for vm2, time it
        local t=$(date +%s%N)
        hook "$X/b.xml" vm2 "$@" -
        ms=$((($(date +%s%N) - t) / 1000000))
}
timed prepare begin
check "prepare gives up within the bounded wait ($ms ms)" [ "$rc" = 1 -a "$ms" -ge 500 -a "$ms" -lt 2500 ]
check "prepare says so in one sentence" grep -q "^vgpu-hook: the lease ledger is unusable (/run/vgpu-hook/ledger.lock: still locked by another process)" <<<"$err"
check "prepare says so in one sentence (2)" [ "$(wc -l <<<"$err")" = 1 ]
for op in "started begin" "release end" "reconnect begin"; do
        timed $op
        check "$op gives up within the bounded wait, exit 0 ($ms ms)" [ "$rc" = 0 -a "$ms" -lt 2500 ]
done
start=$(date +%s%N)
set +e
"$VGPUCTL" reconcile --root "$ROOT" >/dev/null 2>"$X/err"
rc=$?
set -e
ms=$((($(date +%s%N) - start) / 1000000))
check "reconcile gives up within the bounded wait, exit 1 ($ms ms)" [ "$rc" = 1 -a "$ms" -lt 2500 ]
check "nothing was created meanwhile" not mdev_exists $U2
kill -CONT $STOPPED
set +e
wait $STOPPED
rc=$?
set -e
proc_gone $STOPPED
check "once continued, the stopped prepare finishes ($(cat "$X/e1"))" [ "$rc" = 0 ]
check "once continued, the stopped prepare finishes (2)" mdev_exists $U1
invariants "after the stopped lock holder"
hook "$X/a.xml" vm1 release end -

# ---- a lock holder killed under the lock never blocks ---------------------------------
printf '{"lock_wait_ms": 5000, "release_retries": 0}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
n=$(cat "$ROOT/.fakehost/count")
VGPU_KSHIM_FAIL=$((n + 1)):SIGKILL hook "$X/a.xml" vm1 prepare begin -
check "the holder was killed under the lock" [ "$rc" = 137 ]
timed prepare begin
check "the next prepare goes ahead at once ($ms ms, $err)" [ "$rc" = 0 -a "$ms" -lt 2500 ]
invariants "after a killed lock holder"
hook "$X/b.xml" vm2 release end -
hook "$X/a.xml" vm1 release end -
check "all released" [ "$(lease_count)" = 0 ]
finish
