#!/bin/bash
# The boot unit on a simulated NVIDIA vendor-VFIO host after a reboot
# (tests/presets/h200.host: one GPU each in equal-size, mixed-size and MIG-backed
# mode before it).  A reboot leaves what NVIDIA's vGPU 17-19 user guides say it
# does: no VFs (sriov-manage must enable them again), no types, mixed-size mode
# back to equal-size, MIG mode off (Hopper and later); the GPU instances go with
# it, and the VFs offer the time-sliced types again.  The unit's commands, run in
# order as systemd runs a oneshot, bring every VF back (sriov_numvfs =
# sriov_totalvfs, each VF bound to nvidia: the emulation gives it nvidia/ with
# an empty type and the creatable list filled), the wait ends once every VF
# offers types, a vGPU VM's prepare succeeds, and doctor names what no sysfs
# file could restore: the modes, with their nvidia-smi commands.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh" # syslog capture
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-bootnv-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT
work=$X
D1=5d0c1b2a-3948-4576-8a9b-6c5d4e3f2a10
EQ=0000:41:00.0
MX=0000:61:00.0
MIG=0000:81:00.0
SLICED='1421:NVIDIA H200X-18C:18,1422:NVIDIA H200X-35C:35,1423:NVIDIA H200X-70C:70,1428:NVIDIA H200X-141C:141'

sed "s|@BINDIR@|$top_builddir|g" "$top_srcdir/dist/systemd/vgpu-hook-boot.service.in" >"$X/vgpu-hook-boot.service"
check "boot unit: before libvirtd and virtqemud" \
        grep -qx 'Before=libvirtd.service virtqemud.service libvirt-guests.service' "$X/vgpu-hook-boot.service"

# rebooted: the h200 host as the driver leaves it after a reboot (see the top).
rebooted() {
        fresh h200
        sed -e '/ physfn=/d' -e 's/ numvfs=4 / numvfs=0 /' -e 's/ vgpu-mode=mixed / vgpu-mode=equal /' \
                -e "s/ vgpu-mode=mig mig-instances=\"[^\"]*\" vf-vgpu-types=\"[^\"]*\"/ vgpu-mode=equal vf-vgpu-types=\"$SLICED\"/" \
                "$top_srcdir/tests/presets/h200.host" >"$X/rebooted.host"
        find "$ROOT" -mindepth 1 -delete
        "$FAKEHOST" "$X/rebooted.host" "$ROOT" >/dev/null
        mkdir -p "$ROOT/etc/vgpu-hook/profiles.d" "$ROOT/run/libvirt/qemu" "$ROOT/sys/module/nvidia"
        echo 570.133.10 >"$ROOT/sys/module/nvidia/version"
        printf '{"lock_wait_ms": 300, "nvidia_vfs": {"%s": "equal-size", "%s": "mixed-size", "%s": "mig"}}\n' \
                $EQ $MX $MIG >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
        profile h35 '{"nvidia_vgpu_type": "NVIDIA H200X-35C"}'
        capture_syslog
}
numvfs() { cat "$ROOT/sys/bus/pci/devices/$1/sriov_numvfs"; }
nv() { cat "$ROOT/sys/bus/pci/devices/$1/nvidia/$2"; }
driver() { basename "$(readlink "$ROOT/sys/bus/pci/devices/$1/driver")"; }
prepare() { # NAME VF: the hook's prepare of a domain with one vendor-VFIO VF
        pcidom "$1" $D1 "<vgpu:vf address='$2' profile='h35'/>" "$2:no" >"$X/$1.xml"
        hook "$X/$1.xml" "$1" prepare begin -
}

# ---- after the reboot, before the unit: no VFs, nothing to start a VM on ----------
rebooted
check "rebooted: no VFs" [ "$(numvfs $EQ)" = 0 -a ! -e "$ROOT/sys/bus/pci/devices/0000:41:00.4" ]
prepare before 0000:41:00.4
check "rebooted: a vGPU VM cannot prepare ($err)" [ "$rc" = 1 ]
start=$(date +%s)
expect 1 - "$VGPUCTL" wait-devices --timeout 1
check "the wait ends at its limit, naming the GPU" \
        grep -q "^NVIDIA GPU $EQ: its VFs are not all enabled after 1 s; VMs on it will fail to start$" "$X/out"
check "and each of them" [ "$(grep -c '^NVIDIA GPU .* after 1 s' "$X/out")" = 3 ]
check "within its limit, not much more" [ $(($(date +%s) - start)) -le 10 ]
expect 0 - "$VGPUCTL" sriov apply --dry-run
check "dry run: would enable all 4 VFs" grep -q "^$EQ: would enable all 4 VFs (nvidia)$" "$X/out"
check "dry run: wrote nothing" [ "$(numvfs $EQ)" = 0 ]

# ---- the boot unit brings the VFs back ----------------------------------------------
: >"$X/err"
run_unit "$X/vgpu-hook-boot.service"
check "boot unit: succeeds (rc $rc: $(cat "$X/err"))" [ "$rc" = 0 ]
for pf in $EQ $MX $MIG; do
        check "$pf: all VFs enabled, as sriov-manage -e does" [ "$(numvfs $pf)" = "$(cat "$ROOT/sys/bus/pci/devices/$pf/sriov_totalvfs")" ]
done
check "the unit said so" grep -q "^$EQ: enabled all 4 VFs (nvidia), 4 bound to nvidia$" "$X/out"
check "each VF on nvidia" [ "$(driver 0000:41:00.4)" = nvidia -a "$(driver 0000:81:00.7)" = nvidia ]
check "each VF untyped" [ "$(nv 0000:41:00.4 current_vgpu_type)" = 0 -a "$(nv 0000:61:00.7 current_vgpu_type)" = 0 ]
check "each VF offers the types" grep -q 'NVIDIA H200X-35C' "$ROOT/sys/bus/pci/devices/0000:81:00.5/nvidia/creatable_vgpu_types"
check "the mixed-size mode named with its command" \
        grep -q "^$MX: enabled all 4 VFs (nvidia), 4 bound to nvidia; mixed-size mode is not restored (no sysfs file sets it): run 'nvidia-smi vgpu -i $MX -shm 1' before VMs start$" "$X/out"
check "and the MIG mode" grep -q "^$MIG: .*; MIG mode is not restored .*: run 'nvidia-smi -i $MIG -mig 1' and create its GPU instances" "$X/out"
check "the wait saw every VF offer types" grep -Eq "^NVIDIA GPU $MIG: every VF offers vGPU types, after [0-9.]+ s$" "$X/out"
check "and the profile served" grep -q "^profile h35: vendor-VFIO VF typed NVIDIA H200X-35C on 0000:[4-8]1:00.[4-7], after" "$X/out"
check "in syslog too" grep -q "sriov apply: $EQ: enabled all 4 VFs" "$ROOT/.syslog"

# ---- a vGPU VM starts ------------------------------------------------------------------
prepare vm 0000:41:00.4
check "a vGPU VM's prepare succeeds ($err)" [ "$rc" = 0 ]
check "its VF has the type" [ "$(nv 0000:41:00.4 current_vgpu_type)" = 1422 ]

# ---- doctor: VFs, modes, driver branch, and what the boot could not restore --------------
LD_PRELOAD= expect 1 - "$VGPUCTL" doctor
check "doctor: the driver branch" grep -q "NVIDIA driver 570.133.10 (branch 570)" "$X/out"
check "doctor: each GPU's VFs" grep -q "$EQ: 4 VFs (1 with a vGPU, 3 offering types), equal-size (inferred: beside the 35 GB vGPU on VF 0000:41:00.4 only that size is offered)" "$X/out"
check "doctor: MIG not restored, from what" grep -q "$MIG: 4 VFs (0 with a vGPU, 4 offering types), equal-size, not mig as configured" "$X/out"
check "doctor: mixed-size cannot be confirmed" grep -q "$MX: 4 VFs (0 with a vGPU, 4 offering types), equal-size, maybe not mixed-size as configured" "$X/out"
check "doctor: the commands to run" \
        grep -q "fix: unless it ran since boot, 'nvidia-smi vgpu -i $MX -shm 1'; 'nvidia-smi -i $MIG -mig 1' and create its GPU instances" "$X/out"
expect 0 - "$VGPUCTL" inventory
check "inventory: the modes, inferred" grep -q '^NVIDIA vGPU modes (inferred from the VFs: sysfs does not show them)$' "$X/out"
check "inventory: what is creatable where" grep -Eq "^$EQ +equal-size +4 \(1 with a vGPU\) +- +H200X-35C on 3 VFs$" "$X/out"
expect 0 - "$VGPUCTL" inventory --json
check "inventory --json: the mode and from what" python3 -c '
import json, sys
g = {x["pf"]: x for x in json.load(open(sys.argv[1]))["nvidia_gpus"]}
e = g[sys.argv[2]]
assert e["mode"] == "equal-size" and e["mode_certain"] and e["vfs_with_vgpu"] == 1, e
assert [c["name"] for c in e["creatable"]] == ["NVIDIA H200X-35C"] and len(e["creatable"][0]["vfs"]) == 3, e
assert not g[sys.argv[3]]["mode_certain"], g[sys.argv[3]]
' "$X/out" $EQ $MX
hook "$X/vm.xml" vm release end -
check "released: the VF clean again" [ "$(nv 0000:41:00.4 current_vgpu_type)" = 0 ]

# ---- the modes once restored by hand: the MIG GPU shows it, doctor passes it ----------------
rebooted
sed -i "s/^\(pci $MIG .*\) vgpu-mode=equal vf-vgpu-types=\"[^\"]*\"/\1 vgpu-mode=mig mig-instances=\"1:71,2:35\" vf-vgpu-types=\"1431:NVIDIA H200X-1-18C:18,1432:NVIDIA H200X-2-35C:35\"/" \
        "$X/rebooted.host"
"$FAKEHOST" "$X/rebooted.host" "$ROOT" >/dev/null
LD_PRELOAD="$KSHIM" expect 0 - "$VGPUCTL" sriov apply --json
check "sriov apply --json: valid against its schema" \
        python3 "$top_srcdir/tests/e2e/schema-check.py" "$top_srcdir/docs/schemas/sriov-apply.schema.json" "$X/out"
check "sriov apply --json: the mode's command" python3 -c '
import json, sys
p = {x["pf"]: x for x in json.load(open(sys.argv[1]))["nvidia_pfs"]}
assert p[sys.argv[2]]["state"] == "enabled" and p[sys.argv[2]]["mode_command"] is None, p
assert p[sys.argv[3]]["mode_command"] == "nvidia-smi -i %s -mig 1" % sys.argv[3], p
' "$X/out" $EQ $MIG
expect 1 - "$VGPUCTL" doctor
check "doctor: MIG shown now, from a MIG-backed type" grep -q "$MIG: 4 VFs (0 with a vGPU, 4 offering types), mig (inferred: VF 0000:81:00.4 offers NVIDIA H200X-1-18C, a MIG-backed type)" "$X/out"
check "doctor: MIG no longer named to fix" not grep -q "nvidia-smi -i $MIG -mig 1" "$X/out"
LD_PRELOAD="$KSHIM" expect 0 - "$VGPUCTL" sriov apply
check "sriov apply again: nothing to do" grep -q "^$EQ: all 4 VFs enabled (nvidia)$" "$X/out"

# ---- a driver that takes no sriov_numvfs: sriov-manage named ------------------------------
rebooted
sed -i "s/^\(pci $EQ .*\) numvfs=0 /\1 numvfs=0 numvfs-errno=ENOENT /" "$X/rebooted.host"
find "$ROOT/sys" -mindepth 1 -delete
"$FAKEHOST" "$X/rebooted.host" "$ROOT" >/dev/null
LD_PRELOAD="$KSHIM" expect 1 - "$VGPUCTL" sriov apply
check "no sriov_numvfs: sriov-manage named" \
        grep -q "$EQ: this nvidia driver takes no sriov_numvfs; enable the VFs with '/usr/lib/nvidia/sriov-manage -e $EQ' before vgpu-hook-boot runs" "$X/err"
check "the other PFs still enabled" [ "$(numvfs $MX)" = 4 ]

finish
