#!/bin/bash
# End to end: the real vgpu-hook binary, op by op, on simulated hosts with
# the kernel emulation (kshim) — docs/design.md §4.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"

U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
D2=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT

# ---- T4: the whole life cycle of one vGPU ----------------------------------
fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm1.xml"
hook "$X/vm1.xml" vm1 prepare begin -
check "prepare creates the T4-4Q ($err)" [ "$rc" = 0 ]
check "the mdev exists" mdev_exists $U1
check "on the T4" [ "$(mdev_parent $U1)" = 0000:3b:00.0 ]
check "its type is T4-4Q" [ "$(basename "$(readlink "$ROOT/sys/bus/mdev/devices/$U1/mdev_type")")" = nvidia-224 ]
check "lease prepared" [ "$(lease_state $U1)" = prepared ]
hook "$X/vm1.xml" vm1 start begin -
check "start begin: 0, nothing printed" [ "$rc" = 0 -a -z "$out" ]
fake_qemu vm1 $D1
hook "$X/vm1.xml" vm1 started begin -
check "started: exit 0" [ "$rc" = 0 ]
check "lease active" [ "$(lease_state $U1)" = active ]
check "lease has the QEMU pid" grep -q "\"qemu_pid\": $(cat "$ROOT/run/libvirt/qemu/vm1.pid")" <(leases)
hook "$X/vm1.xml" vm1 stopped end -
check "stopped end changes nothing" [ "$rc" = 0 -a "$(lease_state $U1)" = active ]
hook "$X/vm1.xml" vm1 release end -
check "release: exit 0" [ "$rc" = 0 ]
check "release removed the mdev" not mdev_exists $U1
check "release dropped the lease" [ "$(lease_count)" = 0 ]
hook "$X/vm1.xml" vm1 release end -
check "a second release is harmless" [ "$rc" = 0 -a "$(lease_count)" = 0 ]

# ---- what a real libvirtd 9.0 sends (tests/data/libvirt-9.0) ----------------
fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
LV="$top_srcdir/tests/data/libvirt-9.0"
hook "$LV/vgpu-prepare-begin.xml" capture-vgpu prepare begin -
check "libvirt's prepare stdin: created ($err)" [ "$rc" = 0 ]
check "libvirt's prepare stdin: the mdev exists" mdev_exists $U1
hook "$LV/vgpu-stopped-end.xml" capture-vgpu stopped end -
check "libvirt's stopped stdin: exit 0" [ "$rc" = 0 ]
hook "$LV/vgpu-release-end.xml" capture-vgpu release end -
check "libvirt's release stdin: removed" not mdev_exists $U1
check "libvirt's release stdin: no lease left" [ "$(lease_count)" = 0 ]

# ---- refusals leave host and ledger as they were ---------------------------
snapshot() { "$VGPUCTL" inventory --json --root "$ROOT" >"$X/inv.$1"; leases >"$X/led.$1"; }
unchanged() { cmp -s "$X/inv.before" "$X/inv.after" && cmp -s "$X/led.before" "$X/led.after"; }
refused() { # DESCRIPTION PATTERN: prepare failed with one sentence matching PATTERN, nothing changed
        snapshot after
        check "$1: exit 1 (got $rc)" [ "$rc" = 1 ]
        check "$1: one sentence ($err)" [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]
        check "$1: says '$2' ($err)" grep -q -- "$2" <<<"$err"
        check "$1: host and ledger unchanged" unchanged
}

fresh t4
profile t4-1q '{"mdev_type": {"name": "GRID T4-1Q"}}'
domain vm2 $D2 "<vgpu:mdev uuid='$U2' profile='t4-1q'/>" $U2 >"$X/vm2.xml"
snapshot before
hook "$X/vm2.xml" vm2 prepare begin -
refused "one type per NVIDIA GPU" "cannot create mdev $U2: 0000:3b:00.0 holds GRID T4-4Q, and an NVIDIA GPU runs one vGPU type at a time; stop the VMs on it or ask for that type"

domain vm2 $D2 "<vgpu:mdev uuid='$U2' profile='nope'/>" $U2 >"$X/nope.xml"
hook "$X/nope.xml" vm2 prepare begin -
refused "unknown profile" "profile 'nope' (mdev $U2) does not exist"

printf '{"profiles_only": true}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
domain vm2 $D2 "<vgpu:mdev uuid='$U2' type='GRID T4-4Q'/>" $U2 >"$X/type.xml"
hook "$X/type.xml" vm2 prepare begin -
refused "profiles only" "accepts profiles only"
printf '{"lock_wait_ms": 300, "release_retries": 0}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
hook "$X/type.xml" vm2 prepare begin -
check "type= by sysfs name works ($err)" [ "$rc" = 0 ]
check "type= by sysfs name works ($err) (2)" mdev_exists $U2
hook "$X/type.xml" vm2 release end -
domain vm2 $D2 "<vgpu:mdev uuid='$U2' type='nvidia-224' parent='0000:3b:00.0'/>" $U2 >"$X/typeid.xml"
hook "$X/typeid.xml" vm2 prepare begin -
check "type= by id, pinned parent ($err)" [ "$rc" = 0 ]
check "type= by id, pinned parent ($err) (2)" mdev_exists $U2
hook "$X/typeid.xml" vm2 release end -
snapshot before

printf '<domain><name>x</name>' >"$X/bad.xml"
printf '%s' "<hostdev type='mdev'>" >>"$X/bad.xml"
hook "$X/bad.xml" vm2 prepare begin -
refused "malformed XML" "domain XML:"
for op in "started begin" "release end" "reconnect begin" "stopped end"; do
        hook "$X/bad.xml" vm2 $op -
        check "malformed XML at $op: exit 0" [ "$rc" = 0 ]
done

domain vm2 $D2 "<vgpu:mdev uuid='$U2' profile='t4-1q'/>" >"$X/nohostdev.xml"
hook "$X/nohostdev.xml" vm2 prepare begin -
refused "metadata without hostdev" "no <hostdev> uses it"

domain vm2 $D2 "" $U2 >"$X/bare.xml"
hook "$X/bare.xml" vm2 prepare begin -
refused "bare hostdev, nothing defined" "mdev $U2 is neither present nor defined in mdevctl"

# ---- A10: a VM's vGPUs on different physical GPUs; all or nothing ----------
fresh a10
profile a10-4q '{"mdev_type": {"name": "NVIDIA A10-4Q"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='a10-4q'/><vgpu:mdev uuid='$U2' profile='a10-4q'/>" $U1 $U2 >"$X/two.xml"
snapshot before
hook "$X/two.xml" vm1 prepare begin -
refused "two vGPUs, one physical GPU" "cannot create mdev $U2: this VM has a vGPU on the GPU of 0000:ca:00.5 already, and NVIDIA allows one per GPU; ask for fewer"
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='a10-4q'/>" $U1 >"$X/one.xml"
hook "$X/one.xml" vm1 prepare begin -
check "A10-4Q on a free VF ($err)" [ "$rc" = 0 -a "$(mdev_parent $U1)" = 0000:ca:00.5 ]
hook "$X/one.xml" vm1 release end -

# ---- GVT-g: the second create finds no room: the first is undone -----------
fresh gvtg
profile gvtg-1 '{"mdev_type": {"name": "GVTg_V5_1"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='gvtg-1'/><vgpu:mdev uuid='$U2' profile='gvtg-1'/>" $U1 $U2 >"$X/gvt.xml"
snapshot before
hook "$X/gvt.xml" vm1 prepare begin -
refused "rollback of a multi-device prepare" "cannot create mdev $U2"
check "the first device was removed again" not mdev_exists $U1

# ---- policies on three T4s ------------------------------------------------
fresh placement
profile pack '{"mdev_type": {"name": "GRID T4-4Q"}, "policy": "pack"}'
profile spread '{"mdev_type": {"name": "GRID T4-4Q"}, "policy": "spread"}'
domain a $D1 "<vgpu:mdev uuid='$U1' profile='pack'/>" $U1 >"$X/a.xml"
domain b $D2 "<vgpu:mdev uuid='$U2' profile='spread'/>" $U2 >"$X/b.xml"
hook "$X/a.xml" a prepare begin -
check "pack: onto the used T4 ($err)" [ "$rc" = 0 -a "$(mdev_parent $U1)" = 0000:3b:00.0 ]
hook "$X/b.xml" b prepare begin -
check "spread: onto an empty T4 ($err)" [ "$rc" = 0 -a "$(mdev_parent $U2)" = 0000:5e:00.0 ]

# ---- clones: a UUID leased to another domain --------------------------------
domain clone 11111111-2222-4333-8444-555555555555 "<vgpu:mdev uuid='$U1' profile='pack'/>" $U1 >"$X/clone.xml"
snapshot before
hook "$X/clone.xml" clone prepare begin -
refused "a clone" "mdev $U1 is leased to domain a"

# ---- present mdevs and mdevctl definitions (samples) -------------------------
fresh samples
M1=6a7e1c2d-0000-4000-8000-000000000001
domain vm1 $D1 "" $M1 >"$X/present.xml"
hook "$X/present.xml" vm1 prepare begin -
check "a present mdev is used as it is ($err)" [ "$rc" = 0 ]
check "its lease says: not ours" grep -q '"created": false' <(leases)
hook "$X/present.xml" vm1 release end -
check "release leaves a device we did not create" mdev_exists $M1
check "and drops the lease" [ "$(lease_count)" = 0 ]
domain vm1 $D1 "<vgpu:mdev uuid='$M1' type='mtty-1'/>" $M1 >"$X/wrongtype.xml"
snapshot before
hook "$X/wrongtype.xml" vm1 prepare begin -
refused "a present mdev of the wrong type" "mdev $M1 exists with type mtty-2 on mtty, but the domain asks for mtty-1"
mkdir -p "$ROOT/.fakehost/held" && touch "$ROOT/.fakehost/held/7"
hook "$X/present.xml" vm1 prepare begin -
refused "a present mdev another VM holds" "mdev $M1 is in use by a VM here, and without vgpu metadata it cannot be renamed"
rm "$ROOT/.fakehost/held/7"

mkdir -p "$ROOT/etc/mdevctl.d/mtty"
printf '{\n  "mdev_type": "mtty-1",\n  "start": "manual",\n  "attrs": []\n}' >"$ROOT/etc/mdevctl.d/mtty/$U1"
printf '{\n  "mdev_type": "mtty-2",\n  "start": "auto",\n  "attrs": []\n}' >"$ROOT/etc/mdevctl.d/mtty/$U2"
domain vm1 $D1 "" $U1 $U2 >"$X/defined.xml"
hook "$X/defined.xml" vm1 prepare begin -
check "mdevctl definitions are started ($err)" [ "$rc" = 0 ]
check "mdevctl definitions are started ($err) (2)" mdev_exists $U1
check "mdevctl definitions are started ($err) (3)" mdev_exists $U2
check "with their types" [ "$(basename "$(readlink "$ROOT/sys/bus/mdev/devices/$U2/mdev_type")")" = mtty-2 ]
hook "$X/defined.xml" vm1 release end -
check "a manual definition is stopped at release" not mdev_exists $U1
check "an auto definition stays" mdev_exists $U2

# ---- release without prepare; reconnect with the ledger lost ---------------
fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
hook "$X/vm1.xml" vm1 release end -
check "release without prepare: 0, no lease" [ "$rc" = 0 -a "$(lease_count)" = 0 ]
# vgpuctl's name-based UUIDs for domain $D1, devices 0 and 1
O0=$("$top_builddir/tests/harness/vgpu-uuid5" $D1 0)
domain vm1 $D1 "<vgpu:mdev uuid='$O0' profile='t4-4q'/>" $O0 3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 >"$X/own.xml"
hook "$X/own.xml" vm1 prepare begin -
check "prepare with a derived UUID ($err)" [ "$rc" = 0 ]
fake_qemu vm1 $D1
rm -f "$ROOT/run/vgpu-hook/ledger.json"
hook "$X/own.xml" vm1 reconnect begin -
check "reconnect: exit 0" [ "$rc" = 0 ]
check "reconnect re-adopts both devices" [ "$(lease_count)" = 2 ]
check "the derived UUID is ours" [ "$(lease_created $O0)" = true ]
check "the hand-written one is not" [ "$(lease_created 3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10)" = false ]
check "both active" [ "$(lease_state $O0)" = active ]
hook "$X/own.xml" vm1 release end -
check "release after reconnect removes only ours" not mdev_exists $O0
check "release after reconnect removes only ours (2)" mdev_exists 3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10

# ---- a corrupt or locked ledger never kills a VM; a corrupt one never refuses one ----
fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
mkdir -m 0700 -p "$ROOT/run/vgpu-hook"
printf '{"version": 1, "leases": [' >"$ROOT/run/vgpu-hook/ledger.json"
chmod 0600 "$ROOT/run/vgpu-hook/ledger.json"
for op in "started begin" "release end" "reconnect begin"; do
        hook "$X/vm1.xml" vm1 $op -
        check "corrupt ledger at $op: exit 0" [ "$rc" = 0 ]
done
check "corrupt ledger: set aside by the first op, kept" \
        cmp -s <(printf '{"version": 1, "leases": [') "$ROOT"/run/vgpu-hook/ledger.json.damaged-*
printf '{"version": 1, "leases": [' >"$ROOT/run/vgpu-hook/ledger.json"
hook "$X/vm1.xml" vm1 prepare begin -
check "corrupt ledger at prepare: it proceeds ($err)" [ "$rc" = 0 -a -z "$err" ]
check "corrupt ledger at prepare: created and leased" mdev_exists $U1 && [ "$(lease_state $U1)" = prepared ]
check "corrupt ledger at prepare: both damaged files kept" [ "$(ls "$ROOT"/run/vgpu-hook/ledger.json.damaged-* | wc -l)" = 2 ]
hook "$X/vm1.xml" vm1 release end -
rm "$ROOT/run/vgpu-hook/ledger.json"
(exec 9>>"$ROOT/run/vgpu-hook/ledger.lock" && flock 9 && exec sleep 30) &
LOCKER=$!
sleep 0.2
for op in "started begin" "release end" "reconnect begin"; do
        hook "$X/vm1.xml" vm1 $op -
        check "locked ledger at $op: exit 0" [ "$rc" = 0 ]
done
hook "$X/vm1.xml" vm1 prepare begin -
check "locked ledger at prepare: exit 1, says so" [ "$rc" = 1 ]
check "locked ledger at prepare: exit 1, says so (2)" grep -q "still locked" <<<"$err"
kill $LOCKER
wait $LOCKER 2>/dev/null || true

# ---- the hook may be installed as hooks/qemu itself ---------------------------
ln -s "$HOOK" "$X/qemu"
set +e
LD_PRELOAD="$KSHIM" "$X/qemu" vm1 prepare begin - <"$X/vm1.xml" 2>"$ROOT/.err"
rc=$?
set -e
check "installed as hooks/qemu ($(cat "$ROOT/.err"))" [ "$rc" = 0 ]
check "installed as hooks/qemu ($(cat "$ROOT/.err")) (2)" mdev_exists $U1

finish
