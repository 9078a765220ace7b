#!/bin/bash
# The real hook under a real, private libvirtd (issue 7): Debian's libvirtd,
# virtlogd and QEMU (TCG) run in a private mount namespace, with private
# /etc/libvirt, /run/libvirt, /var/{lib,log,cache}/libvirt, so neither the
# host's libvirt configuration nor a running daemon is touched.  The built
# vgpu-hook is linked into the private hooks/qemu.d and pointed at a simulated
# host through /etc/vgpu-hook/vgpu-hook.conf's "root" (libvirt clears the
# hook's environment); the kernel emulation reaches the hook as LD_PRELOAD of
# the daemon.  See tests/README.  Needs root; skipped (77) without it.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"

. "$top_srcdir/tests/libvirtd/libvirtd-lib.sh"
lv_enter "$0"
t0=$(date +%s%N)
lv_setup
lv_start

VIRSH() { virsh -q -c "$URI" "$@"; }
U1=3b0e1c2d-0000-4000-8000-00000000bb01

# ---- 1. a plain VM starts and is destroyed; the hook touches nothing --------
lv_plain_xml plain >"$W/plain.xml"
before=$(lv_host_state)
check "define the plain VM" VIRSH define "$W/plain.xml"
check "start the plain VM ($(cat "$W/err" 2>/dev/null))" lv_run VIRSH start plain
check "the plain VM runs" [ "$(VIRSH domstate plain)" = running ]
check "libvirt ran the hooks for prepare, start, started" \
        grep -q "^plain prepare begin -.*plain start begin -.*plain started begin -" <(tr '\n' ' ' <"$W/spy.log"; echo)
check "destroy the plain VM" VIRSH destroy plain
check "stopped and release ran" grep -q "^plain release end" "$W/spy.log"
check "the hook touched nothing of the host (no store, no ledger)" [ "$(lv_host_state)" = "$before" ]

# ---- 2. a vGPU VM: prepare creates the mdev, libvirt refuses, release frees --
"$VGPUCTL" render --root "$ROOT" --profile t4-4q - <"$W/plain.xml" |
        sed "s|<name>plain</name>|<name>vgpu1</name>|; /<uuid>/d" >"$W/vgpu1.xml"
check "render's domain defines" VIRSH define "$W/vgpu1.xml"
stores=$(lv_stores)
check "a vGPU VM does not start without VFIO" not lv_run VIRSH start vgpu1
check "libvirt names the missing device ($(cat "$W/err"))" grep -qi "mdev\|mediated\|vfio" "$W/err"
echo "# virsh start vgpu1: $(tr '\n' ' ' <"$W/err")"
check "prepare created the mdev and release removed it (2 stores, got $(($(lv_stores) - stores)))" \
        [ "$(($(lv_stores) - stores))" = 2 ]
check "no mdev is left" [ -z "$(ls "$ROOT/sys/bus/mdev/devices" | grep -v 3f2a6c1e)" ]
check "the ledger is empty" [ "$("$VGPUCTL" leases --json --root "$ROOT" | grep -c domain_uuid)" = 0 ]
check "libvirt ran prepare and release for it" grep -q "^vgpu1 release end" "$W/spy.log"

# ---- 3. a refusal puts the hook's sentence into virsh's error ---------------
sed "s|<name>vgpu1</name>|<name>vgpu2</name>|; s|profile=\"t4-4q\"|profile=\"t4-1q\"|; /<uuid>/d" \
        "$W/vgpu1.xml" >"$W/vgpu2.xml"
check "the T4-1Q VM defines" VIRSH define "$W/vgpu2.xml"
stores=$(lv_stores)
check "its start is refused" not lv_run VIRSH start vgpu2
check "virsh shows the hook's sentence ($(cat "$W/err"))" \
        grep -q "vgpu-hook: cannot create mdev .*: 0000:3b:00.0 holds GRID T4-4Q.*, and an NVIDIA GPU runs one vGPU type at a time" "$W/err"
echo "# virsh start vgpu2: $(tr '\n' ' ' <"$W/err")"
check "the refusal wrote nothing" [ "$(lv_stores)" = "$stores" ]
check "the ledger is still empty" [ "$("$VGPUCTL" leases --json --root "$ROOT" | grep -c domain_uuid)" = 0 ]

# ---- 4. attach --config, dumpxml, detach --config --------------------------
check "attach --config ($(cat "$W/err" 2>/dev/null))" \
        lv_run "$VGPUCTL" -c "$URI" attach plain --profile t4-4q --config --root "$ROOT"
U=$(VIRSH domuuid plain)
M=$("$top_builddir/tests/harness/vgpu-uuid5" "$U" 0)
VIRSH dumpxml --inactive plain >"$W/attached.xml"
check "dumpxml has the hostdev" grep -q "<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'" "$W/attached.xml"
check "dumpxml has our metadata" grep -q "<vgpu:mdev uuid=\"[0-9a-f-]*\" profile=\"t4-4q\"/>" "$W/attached.xml"
check "the hostdev names the name-based UUID" grep -q "<address uuid='$M'/>" "$W/attached.xml"
check "so does the metadata" grep -q "<vgpu:mdev uuid=\"$M\"" "$W/attached.xml"
check "the attached definition validates" virt-xml-validate "$W/attached.xml" domain
check "detach --config --all" lv_run "$VGPUCTL" -c "$URI" detach plain --all --config
VIRSH dumpxml --inactive plain >"$W/detached.xml"
check "dumpxml has no hostdev" not grep -q "<hostdev" "$W/detached.xml"
check "dumpxml has no metadata of ours" not grep -q "vgpu-hook.org" "$W/detached.xml"

# ---- 6. attach --live: allocated first, undone when libvirt refuses ----------
# Without VFIO the daemon refuses every mdev hot-plug: the way to see the undo.
# vgpuctl creates the mdev itself (no hook runs on hot-plug): the shim answers it.
check "attach --live to a stopped domain is refused" not lv_run "$VGPUCTL" -c "$URI" attach plain --profile t4-4q --live --root "$ROOT"
check "...with a sentence ($(cat "$W/err"))" grep -q "domain 'plain' is not running: use --config" "$W/err"
check "start the plain VM" lv_run VIRSH start plain
before=$(lv_sysfs) stores=$(lv_stores)
M=$("$top_builddir/tests/harness/vgpu-uuid5" "$(VIRSH domuuid plain)" 0)
check "attach --live fails where libvirt refuses" not lv_run env LD_PRELOAD="$KSHIM" "$VGPUCTL" -c "$URI" attach plain \
        --profile t4-4q --live --root "$ROOT"
echo "# vgpuctl attach --live: $(cat "$W/err")"
check "one sentence: libvirt's refusal, and the undo" \
        grep -q "^vgpuctl: libvirt refused to attach mdev $M to 'plain' (.*); it was removed again and its lease dropped$" "$W/err"
check "...and nothing else" [ "$(wc -l <"$W/err")" = 1 ]
check "the mdev was created before the attach, and removed after (2 stores, got $(($(lv_stores) - stores)))" \
        [ "$(($(lv_stores) - stores))" = 2 ]
check "no mdev is left" [ ! -e "$ROOT/sys/bus/mdev/devices/$M" ]
check "the ledger is empty again" [ "$("$VGPUCTL" leases --json --root "$ROOT" | grep -c domain_uuid)" = 0 ]
check "sysfs is as before" [ "$(lv_sysfs)" = "$before" ]
check "the VM still runs" [ "$(VIRSH domstate plain)" = running ]
check "detach --live of a device the VM lacks" not lv_run "$VGPUCTL" -c "$URI" detach plain --uuid "$M" --live --root "$ROOT"
check "...says so ($(cat "$W/err"))" grep -q "running domain 'plain' has no mdev $M" "$W/err"
check "destroy the plain VM" VIRSH destroy plain

# ---- 7. start repairs a clone: its mdevs get its own name-based UUIDs --------
sed "s|<name>plain</name>|<name>src1</name>|" "$W/plain.xml" | "$VGPUCTL" render --root "$ROOT" --profile t4-4q - >"$W/src1.xml"
check "a source VM with a name-based mdev UUID defines" VIRSH define "$W/src1.xml"
sed "s|<name>src1</name>|<name>clone1</name>|; /<uuid>/d" "$W/src1.xml" >"$W/clone1.xml"
check "its clone (same mdev UUID, its own <uuid>) defines" VIRSH define "$W/clone1.xml"
S=$(sed -n 's|.*<vgpu:mdev uuid="\([^"]*\)".*|\1|p' "$W/src1.xml")
C=$("$top_builddir/tests/harness/vgpu-uuid5" "$(VIRSH domuuid clone1)" 0)
check "start --dry-run names the repair" lv_run "$VGPUCTL" -c "$URI" start clone1 --dry-run --root "$ROOT"
check "...one line: mdev $S -> $C ($(cat "$W/out"))" \
        [ "$(cat "$W/out")" = "clone1: mdev $S -> $C (named by domain src1)" ]
check "--dry-run changed nothing" grep -q "<address uuid='$S'/>" <(VIRSH dumpxml --inactive clone1)
check "the source needs no repair" lv_run "$VGPUCTL" -c "$URI" start src1 --dry-run --root "$ROOT"
check "...it says so" grep -q "^src1: nothing to repair$" "$W/out"
stores=$(lv_stores)
check "start repairs, then fails where the daemon has no VFIO" not lv_run "$VGPUCTL" -c "$URI" start clone1 --root "$ROOT"
check "the repair line came first ($(cat "$W/out"))" grep -q "^clone1: mdev $S -> $C (named by domain src1)$" "$W/out"
check "the start failed with libvirt's sentence ($(cat "$W/err"))" \
        grep -q "^vgpuctl: cannot start 'clone1' (its repaired definition is stored): .*" "$W/err"
VIRSH dumpxml --inactive clone1 >"$W/clone1-after.xml"
check "the stored hostdev has the clone's UUID" grep -q "<address uuid='$C'/>" "$W/clone1-after.xml"
check "so has its metadata" grep -q "<vgpu:mdev uuid=\"$C\" profile=\"t4-4q\"/>" "$W/clone1-after.xml"
check "the source's UUID is gone from the clone" not grep -q "$S" "$W/clone1-after.xml"
check "the repaired definition validates" virt-xml-validate "$W/clone1-after.xml" domain
check "the hook ran prepare for the clone's own mdev (create and remove: 2 stores)" [ "$(($(lv_stores) - stores))" = 2 ]
check "a second start has nothing to repair" lv_run "$VGPUCTL" -c "$URI" start clone1 --dry-run --root "$ROOT"
check "undefine the clone and its source" VIRSH undefine clone1
check "..." VIRSH undefine src1

# ---- render and plan read the daemon's definitions for VF profiles ---------
R2=$W/nvme
"$top_builddir/tests/harness/vgpu-fakehost" "$top_srcdir/tests/presets/nvme-sriov.host" "$R2" >/dev/null
mkdir -p "$R2/etc/vgpu-hook/profiles.d"
printf '{"sriov_vf": {"pfs": ["0000:01:00.0"]}}\n' >"$R2/etc/vgpu-hook/profiles.d/vf.json"
sed "s|<name>plain</name>|<name>vfvm</name>|; s|</devices>|<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='1' slot='0' function='1'/></source></hostdev></devices>|" \
        "$W/plain.xml" >"$W/vfvm.xml"
check "a domain naming VF 0000:01:00.1 defines" VIRSH define "$W/vfvm.xml"
check "render through the daemon" lv_run "$VGPUCTL" -c "$URI" render --root "$R2" --profile vf "$W/plain.xml"
check "render picks the VF no defined domain names" grep -q '<vgpu:vf address="0000:01:00.2" profile="vf"/>' "$W/out"
check "plan through the daemon: only one more fits" not lv_run "$VGPUCTL" -c "$URI" plan --root "$R2" --profile vf --count 2
check "plan says why" grep -q "0000:01:00.1 *0000:01:00.0 *- *- *named by a defined domain" "$W/out"
check "undefine it" VIRSH undefine vfvm

# ---- 5. a daemon restart with a running plain VM runs reconnect -------------
check "start the plain VM again" lv_run VIRSH start plain
lv_restart
# libvirtd reconnects to its QEMUs in a thread of its own, after it answers;
# zz-spy runs after our hook, so its line says ours has finished
check "reconnect ran for the running VM" wait_for 60 grep -q "^plain reconnect begin" "$W/spy.log"
check "our hook's reconnect finished" wait_for 60 grep -q "^after plain reconnect begin" "$W/spy.log"
check "the VM survived reconnect (the hook exited 0)" [ "$(VIRSH domstate plain)" = running ]
check "destroy it" VIRSH destroy plain

lv_stop
check "no libvirtd, virtlogd or QEMU of the test is left" lv_none_left
echo "# private libvirtd harness: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
finish
