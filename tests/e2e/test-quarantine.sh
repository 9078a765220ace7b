#!/bin/bash
# End to end: the quarantine (issue 25, point 2).  A release that cannot free
# its mdev (a VM still holds the IOMMU group) never fails: the mdev's parent
# is quarantined instead, placement skips it (the next VM goes to the other
# parent offering the type; plan says why), inventory, metrics and doctor
# show it, and reconcile lifts it once the device is free.  K crashes in a
# row within T seconds quarantine a device too, which only a person lifts.
# `vgpuctl quarantine list | clear DEVICE` (a VF by its short address too);
# bad input changes nothing.
set -eu
export VGPU_TEST_PRELOAD="$top_builddir/tests/reliability/.libs/libkfault.so" # its syslog capture
. "$top_srcdir/tests/harness/hooklib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

U1=3b0e1c2d-0000-4000-8000-00000000ab01
U2=3b0e1c2d-0000-4000-8000-00000000ab02
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b01
D2=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b02
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-quarantine-XXXXXX")
work=$X # expect's output
trap 'cleanup; rm -rf "$X"' EXIT
V() { "$VGPUCTL" --root "$ROOT" "$@"; }
VK() { LD_PRELOAD="$KSHIM" "$VGPUCTL" --root "$ROOT" "$@"; } # one that writes to sysfs

# quarantined: the list's "DEVICE CAUSE" lines
quarantined() {
        V quarantine list --json >"$X/q.json"
        $PY -c 'import json, sys
for q in json.load(open(sys.argv[1]))["quarantine"]:
    print(q["device"], q["cause"])' "$X/q.json"
}
group_of() { basename "$(readlink "$ROOT/sys/bus/mdev/devices/$1/iommu_group")"; }
start() { # XML NAME DOMAIN
        hook "$1" "$2" prepare begin -
        [ "$rc" = 0 ] || return 1
        fake_qemu "$2" "$3"
        hook "$1" "$2" started begin -
}

fresh vm-6.1
export VGPU_KSHIM_SYSLOG="$ROOT/.syslog" # what the hook logs
: >"$VGPU_KSHIM_SYSLOG"
printf '{"lock_wait_ms": 300, "release_retries": 0, "quarantine_crashes": 3, "quarantine_crash_window_s": 600}\n' \
        >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
profile serial '{"mdev_type": {"name": "Single port serial"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='serial'/>" $U1 >"$X/vm1.xml"
domain vm2 $D2 "<vgpu:mdev uuid='$U2' profile='serial'/>" $U2 >"$X/vm2.xml"
check "nothing quarantined at first" [ "$(V quarantine list)" = "no device is quarantined" ]

# ---- a release that cannot free its mdev: the parent is quarantined ----------
start "$X/vm1.xml" vm1 $D1
check "vm1's mdev on mtty (pack: the first parent)" [ "$(mdev_parent $U1)" = mtty ]
mkdir -p "$ROOT/.fakehost/held" && : >"$ROOT/.fakehost/held/$(group_of $U1)"
hook "$X/vm1.xml" vm1 release end destroyed
check "the release does not fail for it (exit $rc)" [ "$rc" = 0 ]
check "the mdev a VM holds is not removed" mdev_exists $U1
check "its lease stays releasing" [ "$(lease_state $U1)" = releasing ]
check "mtty is quarantined: not freed ($(quarantined))" [ "$(quarantined)" = "mtty not freed" ]
check "the hook logs why" grep -q "stays releasing: Device or resource busy; its parent mtty quarantined" "$ROOT/.syslog"
V quarantine list >"$X/list"
check "the list says since when" grep -Eq "^mtty +mdev parent +not freed +20[0-9-]+T[0-9:]+Z +mdev $U1 of" "$X/list"
check "and why" grep -q "\"reason\": \"mdev $U1 of domain $D1 could not be freed: Device or resource busy\"" "$X/q.json"
check "quarantine list --json is valid against its schema" \
        $PY "$top_srcdir/tests/e2e/schema-check.py" "$top_srcdir/docs/schemas/quarantine.schema.json" "$X/q.json"
check "the quarantine is private" [ "$(stat -c %a "$ROOT/run/vgpu-hook/quarantine.json")" = 600 ]
V plan --profile serial --json >"$X/plan.json"
check "plan: mtty skipped as quarantined" grep -q '"reason": "quarantined"' "$X/plan.json"
V plan --profile serial >"$X/plan.txt" || true
check "plan's text says quarantined" grep -q "quarantined" "$X/plan.txt"

# ---- the next VM is placed elsewhere ----------------------------------------
VGPU_HOOK_DEBUG=1 start "$X/vm2.xml" vm2 $D2
check "vm2 starts (exit $rc)" [ "$rc" = 0 ]
check "vm2's mdev goes to mttyb, not the quarantined mtty" [ "$(mdev_parent $U2)" = mttyb ]

# ---- inventory, metrics, doctor -----------------------------------------------
V inventory --json >"$X/inv.json"
check "inventory --json lists the quarantine" \
        $PY -c 'import json, sys; q = json.load(open(sys.argv[1]))["quarantine"]; sys.exit(not (len(q) == 1 and q[0]["device"] == "mtty" and q[0]["cause"] == "not freed" and q[0]["since"] > 0))' "$X/inv.json"
check "inventory --json is valid against its schema" \
        $PY "$top_srcdir/tests/e2e/schema-check.py" "$top_srcdir/docs/schemas/inventory.schema.json" "$X/inv.json"
V inventory >"$X/inv.txt"
check "inventory's text shows it" grep -q "quarantined since .*: mdev $U1" "$X/inv.txt"
V metrics >"$X/metrics"
check "metrics: vgpu_quarantined for mtty" grep -q '^vgpu_quarantined_since_seconds{device="mtty",cause="not freed"} [0-9]' "$X/metrics"
V doctor >"$X/doctor" 2>&1 || true
check "doctor names it, with why and since when" grep -q "mtty quarantined since .*could not be freed" "$X/doctor"

# ---- reconcile: not while held; lifted once free -------------------------------
VK reconcile >"$X/rec" 2>&1 || true
check "reconcile cannot free what a VM holds: still quarantined" [ "$(quarantined)" = "mtty not freed" ]
rm "$ROOT/.fakehost/held/$(group_of $U1)"
VK reconcile >"$X/rec" 2>&1
check "reconcile removes the freed mdev" not mdev_exists $U1
check "and lifts the quarantine ($(cat "$X/rec"))" grep -q "^lifted the quarantine of mtty" "$X/rec"
check "nothing quarantined now" [ -z "$(quarantined)" ]

# ---- the busy probe through the VFIO device cdev (iommufd) ----------------------------
# A VM that uses the device's /dev/vfio/devices/vfioN: a process of the
# simulated /proc holding it.  The kernel then refuses the group's open with
# EBUSY (the emulation does too); a kernel without group nodes has only the
# cdev, whose open tells nothing: the library looks in /proc.
cdev_of() { basename "$(ls -d "$ROOT/sys/bus/mdev/devices/$1/vfio-dev/"vfio*)"; }
hold_cdev() { # UUID
        sleep 600 &
        HOLDER=$!
        QEMU_PIDS="$QEMU_PIDS $HOLDER"
        proc_show $HOLDER
        mkdir -p "$ROOT/proc/$HOLDER/fd"
        ln -s "/dev/vfio/devices/$(cdev_of "$1")" "$ROOT/proc/$HOLDER/fd/3"
}
cdev_case() { # WHAT: vm1 released while a process holds its mdev's cdev; reconcile once it lets go
        start "$X/vm1.xml" vm1 $D1
        P1=$(mdev_parent $U1)
        check "$1: the mdev has a VFIO device cdev" [ -n "$(cdev_of $U1)" ]
        [ "$1" = "no group node" ] && rm "$ROOT/dev/vfio/$(group_of $U1)"
        hold_cdev $U1
        hook "$X/vm1.xml" vm1 release end destroyed
        check "$1: the release does not fail (exit $rc)" [ "$rc" = 0 ]
        check "$1: the probe saw it busy: no remove was tried" not grep -q "BLOCKED" "$ROOT/.err"
        check "$1: an mdev held through its cdev is not removed" mdev_exists $U1
        check "$1: its parent $P1 is quarantined ($(quarantined))" grep -q "^$P1 not freed$" <(quarantined)
        proc_gone $HOLDER
        VK reconcile >"$X/rec" 2>&1
        check "$1: once let go, reconcile removes it" not mdev_exists $U1
        check "$1: and lifts $P1" grep -q "^lifted the quarantine of $P1" "$X/rec"
}
cdev_case "group node"
cdev_case "no group node"

# ---- K crashes in a row within T quarantine --------------------------------------
cycle() { # REASON: vm2 released with that shut-off reason, then started again
        hook "$X/vm2.xml" vm2 release end "$1"
        start "$X/vm2.xml" vm2 $D2
}
hook "$X/vm2.xml" vm2 release end crashed
start "$X/vm2.xml" vm2 $D2 # mtty again (pack), free now
P=$(mdev_parent $U2)
cycle crashed
cycle shutdown # ends the run
cycle crashed
cycle crashed
check "two crashes after a shutdown: not quarantined" [ -z "$(quarantined)" ]
hook "$X/vm2.xml" vm2 release end crashed
check "the third crash in a row quarantines $P" [ "$(quarantined)" = "$P crashes" ]
check "the reason says how many within how long" grep -q "its VMs crashed 3 times in a row within 600 s" "$X/q.json"
VK reconcile >"$X/rec" 2>&1
check "reconcile does not lift a crash quarantine" [ "$(quarantined)" = "$P crashes" ]

# ---- bad input: one sentence, the state as it was -----------------------------------
cp "$ROOT/run/vgpu-hook/quarantine.json" "$X/before.json"
expect 2 1 V quarantine clear ../etc
check "a malformed device: one sentence" grep -q "'../etc' is not an mdev parent or PCI address" "$X/err"
expect 1 1 V quarantine clear 99:00.0
check "a device not quarantined: says so in one sentence" grep -q "0000:99:00.0 is not quarantined; 'vgpuctl quarantine list' shows what is" "$X/err"
expect 2 1 V quarantine frob
expect 2 1 V quarantine clear
check "the quarantine is as it was" cmp -s "$X/before.json" "$ROOT/run/vgpu-hook/quarantine.json"

# ---- clear, in the CLI's forms --------------------------------------------------------
expect 0 0 V quarantine clear "$P"
check "clear lifts it" [ -z "$(quarantined)" ]

# ---- a VF: crashes quarantine it; clear takes lspci's short form ----------------------
fresh nvme-sriov
printf '{"lock_wait_ms": 300, "release_retries": 0, "quarantine_crashes": 3, "quarantine_crash_window_s": 600}\n' \
        >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
profile nvme-vf '{"sriov_vf": {"pfs": ["0000:01:00.0"]}}'
pcidom vm3 $D1 "<vgpu:vf address='0000:01:00.1' profile='nvme-vf'/>" 0000:01:00.1:no >"$X/vf.xml"
for i in 1 2 3; do
        hook "$X/vf.xml" vm3 prepare begin -
        hook "$X/vf.xml" vm3 release end crashed
done
check "three crashes quarantine the VF ($(quarantined))" [ "$(quarantined)" = "0000:01:00.1 crashes" ]
check "as a VF" grep -q '"kind": "vf"' "$X/q.json"
expect 1 1 V quarantine clear 01:00.2
check "another VF is not quarantined" grep -q "^vgpuctl: 0000:01:00.2 is not quarantined" "$X/err"
expect 0 0 V quarantine clear 01:00.1
check "clear takes 01:00.1 for 0000:01:00.1" grep -q "^0000:01:00.1: quarantine lifted" "$X/out"
check "nothing quarantined after" [ -z "$(quarantined)" ]
finish
