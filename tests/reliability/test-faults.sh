#!/bin/bash
# Fault injection (issue 10).  A counting run records every fault point of a
# scenario — each sysfs store (the kernel emulation) and each ledger rename
# (libkfault) of prepare, started, reconnect, release and reconcile.  Then
# the scenario is run again for each point and each fault in turn: the
# kernel's errnos and EIO at stores, EIO and ENOSPC at renames, SIGKILL
# before and after every point.  A point the fault run does not reach fails.
# After every op the invariant checker (tests/harness/vgpu-invariants.c) confirms:
# every device the tool created has a lease, no prepared or active lease
# points at a missing device, no device the tool did not create was removed;
# started, release and reconnect exit 0 (prepare 0, or 1 with a sentence).
# Then libvirtd restarts and `vgpuctl reconcile` must bring the host back to
# where the fault-free run ends.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh"

U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
D2=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02
M1=6a7e1c2d-0000-4000-8000-000000000001 # present on the samples preset: not ours
HAND=3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 # present on the t4 preset: not ours
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-faults-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT
CASE=
FAULT=
runs=0

points() { cat "$ROOT/.fakehost/count" 2>/dev/null || echo 0; }

# (Each setup takes the baseline first: mdevs there before are not the tool's.)

# Was the process just run killed by the planned fault, at one of its own points?
killed_here() { # RC POINTS-BEFORE POINTS-AFTER
        local n=${FAULT%%:*} kind=${FAULT#*:}
        [ "$1" = 137 ] && [ "${kind#SIGKILL}" != "$kind" ] && [ "$n" -gt "$2" ] && [ "$n" -le "$3" ]
}

# op XML NAME OP SUBOP: one hook run, its exit status checked, then the invariants
op() {
        local before after
        before=$(points)
        hook "$@"
        after=$(points)
        if killed_here "$rc" "$before" "$after"; then
                :
        elif [ "$3" = prepare ] && [ "$rc" = 1 ]; then
                [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [ -n "$err" ] || fail "$CASE: prepare failed without one sentence: $err"
        elif [ "$rc" != 0 ]; then
                fail "$CASE: $3 $4 exited $rc ($err)"
        fi
        invariants "$CASE: after $3"
}

# reconcile_op: vgpuctl reconcile as an op (a device it cannot free is exit 1)
reconcile_op() {
        local before after
        before=$(points)
        set +e
        vgpuctl reconcile --root "$ROOT" >"$X/out" 2>"$X/err"
        rc=$?
        set -e
        after=$(points)
        killed_here "$rc" "$before" "$after" || [ "$rc" = 0 ] || [ "$rc" = 1 ] ||
                fail "$CASE: reconcile exited $rc ($(cat "$X/err"))"
        invariants "$CASE: after reconcile"
}

# vfxml NAME UUID METADATA BUS:SLOT.FN...: a domain XML with managed='no' PCI hostdevs
vfxml() {
        local name=$1 uuid=$2 meta=$3 a
        shift 3
        printf "<domain type='kvm'><name>%s</name><uuid>%s</uuid><metadata><vgpu:devices %s>%s</vgpu:devices></metadata><devices>\n" \
                "$name" "$uuid" "xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'" "$meta"
        for a in "$@"; do
                printf "<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x%s' slot='0x%s' function='0x%s'/></source></hostdev>\n" \
                        "${a%%:*}" "$(cut -d: -f2 <<<"$a" | cut -d. -f1)" "${a##*.}"
        done
        printf "</devices></domain>\n"
}

# ---- the scenarios: NAME_setup builds the host, NAME_cycle runs what libvirt would --------

# Two mdevs created (one with an attr), one present that is not ours; the whole life cycle.
lifecycle_setup() {
        fresh samples
        baseline
        profile serial '{"mdev_type": {"name": "Single port serial"}, "attrs": [{"uevent": "change"}]}'
        domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='serial'/><vgpu:mdev uuid='$U2' type='mdpy-vga'/>" \
                $U1 $U2 $M1 >"$X/vm1.xml"
}
lifecycle_cycle() {
        op "$X/vm1.xml" vm1 prepare begin -
        if [ "$rc" = 0 ]; then
                fake_qemu vm1 $D1
                op "$X/vm1.xml" vm1 started begin -
                op "$X/vm1.xml" vm1 reconnect begin -
                qemu_exit vm1
        fi
        op "$X/vm1.xml" vm1 release end -
}

# Two NVIDIA vendor-VFIO VFs typed at prepare, cleared at release.
vendorvfio_setup() {
        fresh l40
        baseline
        profile l40-4q '{"nvidia_vgpu_type": "NVIDIA L40-4Q"}'
        vfxml vm1 $D1 "<vgpu:vf address='0000:c1:00.4' profile='l40-4q'/><vgpu:vf address='0000:c1:00.5' profile='l40-4q'/>" \
                c1:00.4 c1:00.5 >"$X/vm1.xml"
}
vendorvfio_cycle() { lifecycle_cycle; }

# Two MIG-backed vGPUs in one GPU instance: instance, type and vgpu_params stores at prepare (issue 22).
vendormig_setup() {
        fresh h200
        baseline
        profile mig35 '{"nvidia_vgpu_type": "NVIDIA H200X-2-35C", "gpu_instance_id": 1, "vgpu_params": "frame_rate_limiter=0"}'
        vfxml vm1 $D1 "<vgpu:vf address='0000:81:00.4' profile='mig35'/><vgpu:vf address='0000:81:00.5' profile='mig35'/>" \
                81:00.4 81:00.5 >"$X/vm1.xml"
}
vendormig_cycle() { lifecycle_cycle; }

# The second create finds the shared pool full: the first is rolled back.
rollback_setup() {
        fresh gvtg
        baseline
        profile gvtg-1 '{"mdev_type": {"name": "GVTg_V5_1"}}'
        domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='gvtg-1'/><vgpu:mdev uuid='$U2' profile='gvtg-1'/>" \
                $U1 $U2 >"$X/vm1.xml"
}
rollback_cycle() {
        op "$X/vm1.xml" vm1 prepare begin -
        op "$X/vm1.xml" vm1 release end -
}

# A VM whose QEMU died left its vGPU: the next prepare reclaims it.
dead_vm() {
        fresh t4
        baseline
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm1.xml"
        domain vm2 $D2 "<vgpu:mdev uuid='$U2' profile='t4-4q'/>" $U2 >"$X/vm2.xml"
        hook "$X/vm1.xml" vm1 prepare begin -
        fake_qemu vm1 $D1
        hook "$X/vm1.xml" vm1 started begin -
        qemu_exit vm1
}
reclaim_setup() { dead_vm; }
reclaim_cycle() {
        op "$X/vm2.xml" vm2 prepare begin -
        [ "$rc" = 0 ] && op "$X/vm2.xml" vm2 started begin -
        op "$X/vm2.xml" vm2 release end -
}

# A user retries at once: the domain's next prepare must succeed on whatever
# the faulted one left (its own leases, half-made devices), release or not.
retry_setup() { lifecycle_setup; }
retry_cycle() {
        op "$X/vm1.xml" vm1 prepare begin -
        points >"$X/faultable" # only the first prepare's points are faulted
        op "$X/vm1.xml" vm1 prepare begin -
        [ "$rc" = 0 ] || fail "$CASE: the next prepare failed: $err"
        op "$X/vm1.xml" vm1 release end -
}

# The ledger is damaged while a vGPU VM runs (issue 25): libvirtd restarts
# (reconnect sets it aside and re-adopts), the next vGPU VM starts, the first
# is destroyed and frees what the hook made for it (a derived UUID), never
# the hand-written mdev its XML also names.  A kill at any step of the rebuild
# leaves vm1's mdev to its next hook: its release adopts it by its XML.
rebuild_setup() {
        fresh t4
        baseline
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        O1=$("$top_builddir/tests/harness/vgpu-uuid5" $D1 0)
        O2=$("$top_builddir/tests/harness/vgpu-uuid5" $D2 0)
        domain vm1 $D1 "<vgpu:mdev uuid='$O1' profile='t4-4q'/>" $O1 $HAND >"$X/vm1.xml"
        domain vm2 $D2 "<vgpu:mdev uuid='$O2' profile='t4-4q'/>" $O2 >"$X/vm2.xml"
        hook "$X/vm1.xml" vm1 prepare begin -
        fake_qemu vm1 $D1
        hook "$X/vm1.xml" vm1 started begin -
        printf '{"version": 1, "leases": [{"domain_uuid": 7' >"$ROOT/run/vgpu-hook/ledger.json"
        export VGPU_INVARIANTS_ADOPTABLE=$O1
}
rebuild_cycle() {
        libvirtd_restarted
        op "$X/vm1.xml" vm1 reconnect begin -
        op "$X/vm2.xml" vm2 prepare begin -
        qemu_exit vm1
        op "$X/vm1.xml" vm1 release end -
        op "$X/vm2.xml" vm2 release end -
        [ -e "$ROOT"/run/vgpu-hook/ledger.json.damaged-* ] || fail "$CASE: the damaged ledger was not kept"
}

# A release that cannot free its mdev (a process holds the IOMMU group):
# the parent is quarantined (quarantine.json, a new file beside the ledger:
# its rename is a fault point); once let go, reconcile frees the mdev and
# lifts the quarantine (issue 25).  A fault at any step leaves what the next
# reconcile finishes.
quarantine_setup() { lifecycle_setup; }
quarantine_cycle() {
        op "$X/vm1.xml" vm1 prepare begin -
        if [ "$rc" = 0 ]; then
                fake_qemu vm1 $D1
                op "$X/vm1.xml" vm1 started begin -
                qemu_exit vm1
                mkdir -p "$ROOT/.fakehost/held"
                : >"$ROOT/.fakehost/held/$(basename "$(readlink "$ROOT/sys/bus/mdev/devices/$U1/iommu_group")")"
        fi
        op "$X/vm1.xml" vm1 release end -
        rm -rf "$ROOT/.fakehost/held"
        reconcile_op
        # (a fault in the lift leaves it to the next reconcile: the recovery's)
        [ "$FAULT" != 0:none ] || [ "$(V_quarantine)" = 0 ] || fail "$CASE: still quarantined after reconcile"
}
V_quarantine() { "$VGPUCTL" quarantine list --json --root "$ROOT" | grep -c '"device"' || true; }

# The same dead VM, freed by vgpuctl reconcile.
reconcile_setup() { dead_vm; }
reconcile_cycle() { reconcile_op; }

# ---- one run ----------------------------------------------------------------------------------

# run SCENARIO [FAULT]: set up, run the cycle (with the fault), recover; the log in $X/log
run() {
        unset VGPU_INVARIANTS_ADOPTABLE
        "$1_setup"
        rm -f "$ROOT/.fakehost/count"
        : >"$X/log"
        rm -f "$X/faultable"
        FAULT=${2:-0:none}
        VGPU_KSHIM_LOG="$X/log" VGPU_KSHIM_FAIL=${2:-} "$1_cycle"
        # libvirtd restarts: what is left is stale now; reconcile must clean it all up
        libvirtd_restarted
        set +e
        vgpuctl reconcile --root "$ROOT" >"$X/out" 2>"$X/err"
        rc=$?
        set -e
        [ "$rc" = 0 ] || fail "$CASE: reconcile after the fault exited $rc ($(cat "$X/err"))"
        proc_show $BASHPID
        invariants "$CASE: after the recovery"
        snapshot end
        runs=$((runs + 1))
}

# The point recorded in a log line: path and bytes (a damaged ledger kept is named with the time).
point_of() { awk '{ print $2, $3 }' | sed 's/damaged-[0-9]\{8\}T[0-9]\{6\}/damaged-TIME/'; }

kinds_for() { # PATH
        case $1 in
        */create) echo EEXIST EINVAL ENOSPC EUSERS EIO SIGKILL SIGKILL-AFTER ;;
        */remove) echo ENODEV EAGAIN EINVAL EIO SIGKILL SIGKILL-AFTER ;;
        run/vgpu-hook/*) echo EIO ENOSPC SIGKILL SIGKILL-AFTER ;;
        */current_vgpu_type) echo EPERM EINVAL EIO SIGKILL SIGKILL-AFTER ;;
        *) echo EINVAL EIO SIGKILL SIGKILL-AFTER ;;
        esac
}

# How the fault run's log shows the injection at the point.
shows() { # LINE KIND
        case $2 in
        SIGKILL) [ "$(awk '{ print $4 }' <<<"$1")" = SIGKILL ] ;;
        SIGKILL-AFTER) grep -q ' SIGKILL-AFTER$' <<<"$1" ;;
        *) grep -q " $2 (injected)$" <<<"$1" ;;
        esac
}

# one_fault SCENARIO POINT KIND WANT: a fault run, checked
one_fault() {
        local got
        CASE="$1, point $2 (${4%% *}), $3"
        run "$1" "$2:$3"
        got=$(grep -v '^kshim:' "$X/log" | sed -n "${2}p")
        if [ "$(point_of <<<"$got")" != "$4" ]; then
                fail "$CASE: point not reached (the run's point $2: ${got:-none})"
        else
                pass
        fi
        check "$CASE: injected" shows "$got" "$3"
        check "$CASE: the host is back" cmp -s "$JOBS/expected.$1.inv" "$ROOT/.inv.end"
        check "$CASE: no lease left" [ "$(lease_count)" = 0 ]
}

# worker K N: the jobs whose number is K modulo N, with a root and files of its own
worker() {
        X="$JOBS/w$1"
        mkdir -p "$X"
        ROOT= QEMU_PIDS= runs=0 passed=0 failures=0
        awk -v k="$1" -v n="$2" 'NR % n == k' "$JOBS/list" >"$X/jobs"
        while read -r scenario i kind want; do
                one_fault "$scenario" "$i" "$kind" "$want"
        done <"$X/jobs"
        echo "$passed $failures $runs" >"$X/result"
        cleanup
}

# ---- the counting runs, then every fault at every point, on two workers --------------------
JOBS=$X
total=0
: >"$JOBS/list"
for scenario in ${VGPU_FAULT_SCENARIOS:-lifecycle vendorvfio vendormig rollback reclaim reconcile retry rebuild quarantine}; do
        CASE="$scenario, no fault"
        run $scenario
        grep -v '^kshim:' "$X/log" >"$X/count.$scenario.log"
        cp "$ROOT/.inv.end" "$X/expected.$scenario.inv"
        check "$CASE: ends with no lease" [ "$(lease_count)" = 0 ]
        check "$CASE: the counter agrees with the log" [ "$(points)" = "$(wc -l <"$X/count.$scenario.log")" ]
        n=$(cat "$X/faultable" 2>/dev/null || wc -l <"$X/count.$scenario.log")
        echo "# $scenario: $n fault points: $(head -n "$n" "$X/count.$scenario.log" | point_of | awk '{ print $1 }' | sed 's|.*/||' | tr '\n' ' ')"
        for i in $(seq 1 "$n"); do
                want=$(sed -n "${i}p" "$X/count.$scenario.log" | point_of)
                for kind in $(kinds_for "${want%% *}"); do
                        echo "$scenario $i $kind $want" >>"$JOBS/list"
                done
        done
        total=$((total + n))
done
WORKERS=${VGPU_TEST_WORKERS:-2}
start=$(date +%s%N)
for k in $(seq 0 $((WORKERS - 1))); do
        worker "$k" "$WORKERS" &
done
wait
for k in $(seq 0 $((WORKERS - 1))); do
        read -r p f r <"$JOBS/w$k/result" || { fail "worker $k died"; continue; }
        passed=$((passed + p)) failures=$((failures + f)) runs=$((runs + r))
done
echo "# $total fault points, $runs fault runs in $(( ($(date +%s%N) - start) / 1000000 )) ms"
finish
