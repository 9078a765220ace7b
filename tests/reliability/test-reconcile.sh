#!/bin/bash
# vgpuctl reconcile and the hook's reclaim of stale leases (docs/design.md §5.4), end
# to end on simulated hosts: what is stale and what is not, releases that
# did not finish, devices that went away, UUIDs that now name another
# device, busy devices — and never a device the tool did not create.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh"

U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
U3=3b0e1c2d-0000-4000-8000-00000000aa03
U4=3b0e1c2d-0000-4000-8000-00000000aa04
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
D2=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02
D3=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a03
D4=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a04
FOREIGN=3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 # on the T4 preset, made by someone else
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT

reconcile() { # ARGS...: sets $rc, $out, $err
        set +e
        vgpuctl reconcile --root "$ROOT" "$@" >"$X/out" 2>"$X/err"
        rc=$?
        set -e
        out=$(cat "$X/out")
        err=$(cat "$X/err")
}
t4() {
        fresh t4
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        capture_syslog
        baseline
}
t4
for i in 1 2 3 4; do
        eval "domain vm$i \$D$i \"<vgpu:mdev uuid='\$U$i' profile='t4-4q'/>\" \$U$i" >"$X/vm$i.xml"
done
domain other $D2 "" $FOREIGN >"$X/foreign.xml"

# ---- nothing to do --------------------------------------------------------------
reconcile
check "empty ledger: exit 0 ($err)" [ "$rc" = 0 ]
check "empty ledger: says so" grep -q "^0 actions, 0 leases left as they are" <<<"$out"

# ---- an active lease whose QEMU is gone is stale at once --------------------------
hook "$X/vm1.xml" vm1 prepare begin -
fake_qemu vm1 $D1
hook "$X/vm1.xml" vm1 started begin -
reconcile
check "a running VM's lease is left alone" [ "$rc" = 0 -a "$(lease_state $U1)" = active ]
check "and counted as kept" grep -q "0 actions, 1 lease left as it is" <<<"$out"
qemu_exit vm1
capture_syslog
snapshot before
reconcile --dry-run
snapshot after
check "dry run: exit 0" [ "$rc" = 0 ]
check "dry run: says what it would do" grep -q "would remove mdev $U1 (nvidia-224 on 0000:3b:00.0) of domain vm1 ($D1) and drop its lease: stale: its QEMU is gone" <<<"$out"
check "dry run: changes nothing" same before after
check "dry run: logs nothing" [ ! -s "$ROOT/.syslog" ]
reconcile --json
check "reconcile: exit 0 ($err)" [ "$rc" = 0 ]
check "reconcile --json: the action" grep -q '"action": "remove"' <<<"$out"
check "reconcile --json: done" grep -q '"done": true' <<<"$out"
check "the stale mdev is removed" not mdev_exists $U1
check "its lease is dropped" [ "$(lease_count)" = 0 ]
check "one audit line" [ "$(grep -c "reconcile: removed mdev $U1 .* of domain vm1 ($D1)" "$ROOT/.syslog")" = 1 ]
check "the foreign mdev stays" mdev_exists $FOREIGN
invariants "after reconciling a dead VM"
reconcile
check "a second run finds nothing" grep -q "^0 actions" <<<"$out"

# ---- a device the tool did not create: lease dropped, device left -----------------
hook "$X/foreign.xml" other prepare begin -
check "a present foreign mdev is leased ($err)" [ "$rc" = 0 -a "$(lease_state $FOREIGN)" = prepared ]
fake_qemu other $D2
hook "$X/foreign.xml" other started begin -
qemu_exit other
reconcile
check "stale lease of a foreign mdev: dropped" [ "$rc" = 0 -a "$(lease_count)" = 0 ]
check "stale lease of a foreign mdev: device left as it is" mdev_exists $FOREIGN
check "stale lease of a foreign mdev: says so" grep -q "dropped the lease of domain other ($D2) on mdev $FOREIGN .*device left as it is" <<<"$out"

# ---- prepared, never started: kept within the grace; libvirtd restart or grace 0 -----
hook "$X/vm1.xml" vm1 prepare begin -
reconcile
check "prepared, within the start grace: kept" [ "$(lease_state $U1)" = prepared ]
check "prepared, within the start grace: kept (2)" grep -q "0 actions, 1 lease" <<<"$out"
sleep 1.1 # the lease must be older than a grace of 0 s
reconcile --grace 0
check "prepared, past the grace: reclaimed" [ "$rc" = 0 -a "$(lease_count)" = 0 ]
check "prepared, past the grace: reclaimed (2)" not mdev_exists $U1
check "prepared, past the grace: reason" grep -q "stale: no QEMU started within the start grace" <<<"$out"
hook "$X/vm1.xml" vm1 prepare begin -
libvirtd_restarted
reconcile
check "prepared, libvirtd restarted: reclaimed" [ "$(lease_count)" = 0 ]
check "prepared, libvirtd restarted: reason" grep -q "stale: its hook died and libvirtd restarted since" <<<"$out"
proc_show $BASHPID

# ---- a QEMU still runs for the domain: not stale, whatever the grace ---------------
hook "$X/vm1.xml" vm1 prepare begin -
fake_qemu vm1 $D1
reconcile --grace 0
check "prepared, its QEMU runs (-uuid in /proc): kept" [ "$(lease_state $U1)" = prepared ]
qemu_exit vm1
hook "$X/vm1.xml" vm1 release end -

# ---- a release that did not finish ------------------------------------------------------
hook "$X/vm1.xml" vm1 prepare begin -
n=$(cat "$ROOT/.fakehost/count")
# points of the release: mark (rename), remove (store), drop (rename)
VGPU_KSHIM_FAIL=$((n + 2)):SIGKILL hook "$X/vm1.xml" vm1 release end -
check "release killed before its remove: left releasing" [ "$rc" = 137 -a "$(lease_state $U1)" = releasing ]
check "release killed before its remove: device still there" mdev_exists $U1
invariants "after a killed release"
reconcile
check "reconcile finishes the release" [ "$rc" = 0 -a "$(lease_count)" = 0 ]
check "reconcile finishes the release (2)" not mdev_exists $U1
check "reconcile finishes the release (3)" grep -q "its release did not finish" <<<"$out"

# ---- busy: a VM holds the device (its IOMMU group is open) ---------------------------
hook "$X/vm1.xml" vm1 prepare begin -
group=$(basename "$(readlink "$ROOT/sys/bus/mdev/devices/$U1/iommu_group")")
mkdir -p "$ROOT/.fakehost/held" && touch "$ROOT/.fakehost/held/$group"
hook "$X/vm1.xml" vm1 release end -
check "release of a held device: exit 0, stays releasing" [ "$rc" = 0 -a "$(lease_state $U1)" = releasing ]
capture_syslog
reconcile
check "reconcile of a held device: exit 1" [ "$rc" = 1 ]
check "reconcile of a held device: says why" grep -q "cannot free mdev $U1 .*Device or resource busy; its lease stays releasing" <<<"$out"
check "reconcile of a held device: one sentence on stderr" [ "$(wc -l <<<"$err")" = 1 ]
check "reconcile of a held device: never blocks in remove" not grep -q BLOCKED <<<"$err"
check "reconcile of a held device: device and lease stay" [ "$(lease_state $U1)" = releasing ]
check "reconcile of a held device: device and lease stay (2)" mdev_exists $U1
check "reconcile of a held device: logged as an error" grep -q "^[0-9]* 3 reconcile: cannot free mdev $U1" "$ROOT/.syslog"
rm "$ROOT/.fakehost/held/$group"
reconcile
check "once free, the next run frees it" [ "$rc" = 0 -a "$(lease_count)" = 0 ]
check "once free, the next run frees it (2)" not mdev_exists $U1

# ---- the device went away behind our back ---------------------------------------------
hook "$X/vm1.xml" vm1 prepare begin -
LD_PRELOAD="$KSHIM" sh -c "echo 1 >'$ROOT/sys/bus/mdev/devices/$U1/remove'"
reconcile
check "a lease on a vanished device: dropped" [ "$rc" = 0 -a "$(lease_count)" = 0 ]
check "a lease on a vanished device: reason" grep -q "its device is gone" <<<"$out"

# ---- the UUID now names another device: never removed -------------------------------
fresh samples
capture_syslog
domain vm1 $D1 "<vgpu:mdev uuid='$U1' type='mtty-1'/>" $U1 >"$X/mtty.xml"
hook "$X/mtty.xml" vm1 prepare begin -
check "mtty-1 created ($err)" [ "$rc" = 0 ]
LD_PRELOAD="$KSHIM" sh -c "echo 1 >'$ROOT/sys/bus/mdev/devices/$U1/remove'"
LD_PRELOAD="$KSHIM" sh -c "printf %s $U1 >'$ROOT/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create'"
baseline
libvirtd_restarted
reconcile
check "a reused UUID: the lease goes" [ "$rc" = 0 -a "$(lease_count)" = 0 ]
check "a reused UUID: the other tool's device stays" mdev_exists $U1
check "a reused UUID: says so" grep -q "dropped the lease .* on mdev $U1 .*device left as it is" <<<"$out"
invariants "after a reused UUID"

# ---- a lease whose hook is still at work is left alone ------------------------------
t4
# prepare's points: reserve (rename), create (store), commit (rename): stop it before the create
VGPU_KSHIM_FAIL=2:SIGSTOP hook_bg "$X/vm1.xml" "$X/o1" "$X/e1" vm1 prepare begin -
pid=$!
wait_stopped $pid
reconcile --grace 0
check "a pending lease of a live hook: kept, even past the grace" [ "$(lease_state $U1)" = pending ]
kill -CONT $pid
wait $pid || true
proc_gone $pid
check "the hook then finishes" [ "$(lease_state $U1)" = prepared ]
hook "$X/vm1.xml" vm1 release end -

# ---- prepare reclaims stale leases of other domains that block it --------------------
t4
for i in 1 2 3; do
        hook "$X/vm$i.xml" vm$i prepare begin -
        eval "fake_qemu vm$i \$D$i"
        hook "$X/vm$i.xml" vm$i started begin -
done
hook "$X/vm4.xml" vm4 prepare begin -
check "a full T4 refuses while its VMs run" [ "$rc" = 1 ]
check "a full T4 refuses while its VMs run (2)" grep -q "no parent has a free GRID T4-4Q" <<<"$err"
qemu_exit vm2
capture_syslog
hook "$X/vm4.xml" vm4 prepare begin -
check "prepare reclaims the dead VM's vGPU ($err)" [ "$rc" = 0 ]
check "prepare reclaims the dead VM's vGPU (2)" not mdev_exists $U2
check "and gets one itself" mdev_exists $U4
check "the running VMs keep theirs" [ "$(lease_state $U1)" = active -a "$(lease_state $U3)" = active ]
check "the foreign mdev stays" mdev_exists $FOREIGN
check "prepare logs the reclaim" grep -q "reclaimed: removed mdev $U2 .* of domain vm2 ($D2) and dropped its lease: stale: its QEMU is gone" "$ROOT/.syslog"
invariants "after prepare reclaimed"
# a clone of a dead VM takes over its stale lease (and its device)
qemu_exit vm3
domain clone 11111111-2222-4333-8444-555555555555 "<vgpu:mdev uuid='$U3' profile='t4-4q'/>" $U3 >"$X/clone.xml"
hook "$X/clone.xml" clone prepare begin -
check "the clone of a dead VM starts ($err)" [ "$rc" = 0 ]
check "on the stale device, now its own" grep -q '"domain_name": "clone"' <(leases | grep -B4 "\"device\": \"$U3\"")

# ---- an unusable ledger or config: one sentence, exit 1, nothing changed -------------
t4
mkdir -m 0700 -p "$ROOT/run/vgpu-hook"
printf '{"version": 1, "leases": [' >"$ROOT/run/vgpu-hook/ledger.json"
chmod 0600 "$ROOT/run/vgpu-hook/ledger.json"
cp "$ROOT/run/vgpu-hook/ledger.json" "$X/ledger.before"
reconcile
check "corrupt ledger: repaired, exit 0 ($err)" [ "$rc" = 0 ]
check "corrupt ledger: kept as it was" cmp -s "$X/ledger.before" "$ROOT"/run/vgpu-hook/ledger.json.damaged-*
printf '{"version": 2, "leases": []}' >"$ROOT/run/vgpu-hook/ledger.json"
cp "$ROOT/run/vgpu-hook/ledger.json" "$X/ledger.before"
reconcile
check "newer ledger: exit 1" [ "$rc" = 1 ]
check "newer ledger: one sentence" grep -q "^vgpuctl: the lease ledger is unusable: /run/vgpu-hook/ledger.json: version 2 is newer" <<<"$err"
check "newer ledger: left as it was" cmp -s "$X/ledger.before" "$ROOT/run/vgpu-hook/ledger.json"
rm "$ROOT/run/vgpu-hook/ledger.json"
printf '{"lock_wait_ms": "soon"}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
reconcile
check "bad config: exit 1 with its position" [ "$rc" = 1 ]
check "bad config: exit 1 with its position (2)" grep -q "vgpu-hook.conf:1:" <<<"$err"
printf '{"lock_wait_ms": 300}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
reconcile extra
check "an argument: usage, exit 2" [ "$rc" = 2 ]
reconcile --grace never
check "a bad grace: usage, exit 2" [ "$rc" = 2 ]
(exec 9>>"$ROOT/run/vgpu-hook/ledger.lock" && flock 9 && exec sleep 30) &
LOCKER=$!
sleep 0.2
start=$(date +%s%N)
reconcile
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "locked ledger: gives up after the configured wait ($ms ms)" [ "$rc" = 1 -a "$ms" -lt 3000 ]
check "locked ledger: says so" grep -q "still locked by another process" <<<"$err"
kill $LOCKER
wait $LOCKER 2>/dev/null || true
finish
