#!/bin/bash
# The boot unit and its script for hosts without systemd, on a simulated host
# whose T4 registers its mdev parent late (as NVIDIA's vGPU manager does some
# seconds after it started): the VF counts are set through the kernel
# emulation, the wait ends when the parent appears, or at its limit with the
# profile named.  The unit files pass systemd-analyze verify.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh" # syslog capture
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-boot-XXXXXX")
LATE=
trap 'cleanup; [ -n "$LATE" ] && kill $LATE 2>/dev/null; rm -rf "$X"' EXIT
work=$X
T4=0000:3b:00.0
NVME=0000:01:00.0

# The units and the script as installed, but calling this build's vgpuctl.
mkdir -p "$X/units"
for f in dist/systemd/vgpu-hook-boot.service dist/systemd/vgpu-hook-reconcile.service dist/init.d/vgpu-hook-boot; do
        sed "s|@BINDIR@|$top_builddir|g" "$top_srcdir/$f.in" >"$X/units/${f##*/}"
done
cp "$top_srcdir/dist/systemd/vgpu-hook-reconcile.timer" "$X/units/"
BOOT="$X/units/vgpu-hook-boot.service"

# ---- the unit files ------------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
        for u in vgpu-hook-boot.service vgpu-hook-reconcile.service vgpu-hook-reconcile.timer; do
                expect 0 0 systemd-analyze verify --man=no "$X/units/$u"
        done
        # the check catches a unit that is wrong
        sed 's/^ExecStart=-\//ExecStart=\/nonexistent\//; s/^After=/Aftr=/' "$BOOT" >"$X/units/broken.service"
        expect 1 - systemd-analyze verify --man=no "$X/units/broken.service"
        check "systemd-analyze verify names the unknown key" grep -q "Unknown key 'Aftr'" "$X/err"
else
        fail "systemd-analyze is not installed (Debian package systemd)"
fi
check "boot unit: after the vGPU manager" grep -qx 'After=nvidia-vgpu-mgr.service systemd-modules-load.service' "$BOOT"
check "boot unit: before libvirtd and virtqemud" \
        grep -qx 'Before=libvirtd.service virtqemud.service libvirt-guests.service' "$BOOT"
check "make wrote the units with the installed vgpuctl's path" \
        grep -q '^ExecStart=/.*/vgpuctl wait-devices --timeout 90$' "$top_builddir/dist/systemd/vgpu-hook-boot.service"
check "and left no @BINDIR@" not grep -q @BINDIR@ "$top_builddir/dist/systemd/vgpu-hook-boot.service" \
        "$top_builddir/dist/systemd/vgpu-hook-reconcile.service" "$top_builddir/dist/init.d/vgpu-hook-boot"

# late_host: the doctor preset with 4 VFs configured (2 enabled), two profiles, and the
# T4's mdev parent not registered yet: the host is built from the preset's model less
# the T4's mdev lines.  late DELAY registers it DELAY seconds later: those lines go
# back into the model, as the kernel emulation has changed it meanwhile, and the tree
# is written again (existing files are kept, new ones appear).
late_host() {
        fresh doctor
        grep -E '^(mdev-pool t4-3b |mdev-parent 0000:3b:00.0 |mdev-type 0000:3b:00.0 |mdev [^ ]+ parent=0000:3b:00.0 )' \
                "$ROOT/.fakehost/model.host" >"$X/t4-mdev.lines"
        grep -v -F -x -f "$X/t4-mdev.lines" "$ROOT/.fakehost/model.host" >"$X/early.host"
        find "$ROOT" -mindepth 1 -delete
        "$FAKEHOST" "$X/early.host" "$ROOT" >/dev/null
        mkdir -p "$ROOT/etc/vgpu-hook/profiles.d"
        printf '{"sriov_vfs": {"%s": 4}}\n' $NVME >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        profile nvme-vf "{\"sriov_vf\": {\"pfs\": [\"$NVME\"]}}"
        check "the T4's parent is not there yet" not test -e "$ROOT/sys/class/mdev_bus/$T4"
        capture_syslog
}
# late SECONDS [PATTERN]: the T4's parent comes SECONDS from now, or from when
# PATTERN shows in $X/out (at most 20 s): a wait that started late under load
# still sees the parent come after it
late() {
        (
                n=200
                while [ -n "${2:-}" ] && ! grep -q "$2" "$X/out" && [ $((n -= 1)) -gt 0 ]; do sleep 0.1; done
                sleep "$1" && cat "$ROOT/.fakehost/model.host" "$X/t4-mdev.lines" >"$X/later.host" &&
                        "$FAKEHOST" "$X/later.host" "$ROOT" >/dev/null
        ) &
        LATE=$!
}
numvfs() { cat "$ROOT/sys/bus/pci/devices/$NVME/sriov_numvfs"; }
virtfns() { find "$ROOT/sys/bus/pci/devices/$NVME/" -maxdepth 1 -name 'virtfn*' | wc -l; }
now() { date +%s.%N; }
elapsed_between() { # START LOW HIGH: LOW <= now - START < HIGH
        awk -v s="$1" -v n="$(now)" -v lo="$2" -v hi="$3" 'BEGIN { d = n - s; exit !(d >= lo && d < hi) }'
}

# ---- the boot unit: VF counts, then the parent that comes 1.5 s after the VFs ------------
late_host
: >"$X/out"
late 1.5 "^profile nvme-vf: "
start=$(now)
: >"$X/err"
run_unit "$BOOT"
wait $LATE
LATE=
check "boot unit: succeeds once the parent is there (rc $rc: $(cat "$X/err"))" [ "$rc" = 0 ]
check "boot unit: waited for it (1.5 s), not for the limit" elapsed_between "$start" 1.4 25
check "sriov apply set 4 VFs ($(cat "$X/out"))" [ "$(numvfs)" = 4 -a "$(virtfns)" = 4 ]
check "and said so" grep -q "^$NVME: set 4 VFs (was 2)" "$X/out"
check "the VF profile was served at once" grep -Eq "^profile nvme-vf: VF of $NVME on 0000:01:00\.[1-4], after 0\.[0-9] s$" "$X/out"
check "the T4 profile when its parent came" \
        grep -Eq "^profile t4-4q: mdev type GRID T4-4Q on $T4, after [1-9]\.[0-9] s$" "$X/out"
check "then the end of the wait" grep -Eq '^all 2 profiles have their devices, after [0-9.]+ s$' "$X/out"
check "what it did is in syslog" grep -Eq "^[0-9]+ 6 wait-devices: profile t4-4q: mdev type GRID T4-4Q on $T4" "$ROOT/.syslog"
check "and the VF count it set" grep -q "sriov apply: .*$NVME" "$ROOT/.syslog"

# ---- the parent never comes: the limit, and the profile named ------------------------------
late_host
start=$(now)
set +e
LD_PRELOAD="$KSHIM $KFAULT" "$VGPUCTL" wait-devices --timeout 2 >"$X/out" 2>"$X/err"
rc=$?
set -e
check "no parent: exit 1 at the limit" [ "$rc" = 1 ]
check "no parent: after 2 s, not much more" elapsed_between "$start" 2 5
check "no parent: names the profile and what it lacks" \
        grep -q "^profile t4-4q: no device offers mdev type GRID T4-4Q after 2 s; VMs using it will fail to start$" "$X/out"
check "no parent: logged as an error" grep -Eq '^[0-9]+ 3 wait-devices: profile t4-4q: no device' "$ROOT/.syslog"
# under systemd, stdout is the journal: no second copy through syslog
: >"$ROOT/.syslog"
JOURNAL_STREAM=$(stat -c '%d:%i' "$X/out") LD_PRELOAD="$KSHIM $KFAULT" "$VGPUCTL" wait-devices --timeout 0 \
        >>"$X/out" 2>"$X/err" || true
check "stdout is the journal: nothing through syslog" [ ! -s "$ROOT/.syslog" ]

# ---- a bad profile does not hold up the boot ---------------------------------------------------
late_host
late 0
wait $LATE
LATE=
profile broken '{"mdev_type": {"name": }'
expect 0 - "$VGPUCTL" wait-devices --timeout 1
check "bad profile: named, not waited for" grep -q '^/etc/vgpu-hook/profiles.d/broken.json:1:.*: not waited for$' "$X/out"
check "bad profile: the others are" grep -q '^all 2 profiles have their devices' "$X/out"
fresh doctor
expect 0 - "$VGPUCTL" wait-devices --timeout 0
check "no profiles: nothing to wait for" grep -q '^no profiles in /etc/vgpu-hook/profiles.d: nothing to wait for$' "$X/out"
expect 2 1 "$VGPUCTL" wait-devices --timeout soon

# ---- the script for hosts without systemd ----------------------------------------------------
INIT="$X/units/vgpu-hook-boot"
late_host
late 1.5
start=$(now)
LD_PRELOAD="$KSHIM" expect 0 - sh "$INIT" start
wait $LATE
LATE=
check "init script start: waited for the late parent" elapsed_between "$start" 1.4 10
check "init script start: set the VFs" [ "$(numvfs)" = 4 ]
check "init script start: says what it did" grep -q "^profile t4-4q: mdev type GRID T4-4Q on $T4" "$X/out"
expect 0 - sh "$INIT" status
late_host
expect 3 - sh "$INIT" status
expect 0 0 sh "$INIT" stop
expect 3 1 sh "$INIT" frobnicate
check "init script: LSB header orders it before libvirtd" grep -q '^# X-Start-Before: *libvirtd virtqemud' "$INIT"

# ---- the reconcile unit runs reconcile -----------------------------------------------------------
late_host
run_unit "$X/units/vgpu-hook-reconcile.service"
check "reconcile unit: exit 0 on an empty ledger ($(cat "$X/out"))" [ "$rc" = 0 ]
check "reconcile unit: ran reconcile" grep -q "^0 actions" "$X/out"
check "reconcile timer: every 10 minutes" grep -qx 'OnUnitActiveSec=10min' "$X/units/vgpu-hook-reconcile.timer"

finish
