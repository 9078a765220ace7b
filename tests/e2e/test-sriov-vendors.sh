#!/bin/bash
# vgpuctl sriov apply on today's vendor PFs (issue 22): an Intel xe PF's VF
# profiles and VRAM provisioned through sriov_admin before its VFs are
# enabled (tests/presets/bmg-xe.host), doctor's check of xe's max_vfs, and
# an AMD MI300X-like GPU whose compute partition mode bounds its VF count
# (tests/presets/mi300x.host), its VFs then handed to amd-vfio-pci through
# the profile's driver.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-sriov-vendors-XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT
export VGPU_KSHIM_LOG="$work/kshim.log"

conf() { printf '{"lock_wait_ms": 300, "sriov_vfs": %s}\n' "$1" >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"; }
apply() { LD_PRELOAD="$KSHIM" "$VGPUCTL" sriov apply "$@"; }
says() { grep -qF -- "$1" "$work/$2"; }
XE=0000:03:00.0
dev() { echo "$ROOT/sys/bus/pci/devices/$1"; }
admin() { cat "$(dev $XE)/sriov_admin/$1"; }
numvfs() { cat "$(dev "$1")/sriov_numvfs"; }
# The line of the kernel emulation's log where the last store to PATH (a suffix) went.
store_line() { grep -n "^[0-9]* [^ ]*$1 " "$VGPU_KSHIM_LOG" | tail -1 | cut -d: -f1; }
# remodel SED-SCRIPT: the host changed as the model says (a module reloaded with other parameters)
remodel() {
        sed -i "$1" "$ROOT/.fakehost/model.host"
        rm -rf "$ROOT/sys"
        "$FAKEHOST" "$ROOT/.fakehost/model.host" "$ROOT" >/dev/null
}
doctor() { "$VGPUCTL" doctor >"$work/out" 2>"$work/err" || true; }
earlier() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
snapshot() { (cd "$ROOT/sys/devices" && find . -type f -path '*sriov*' -exec md5sum {} + | sort) >"$work/$1"; }

# ---- xe: profiles and VRAM before sriov_numvfs ----------------------------------
fresh bmg-xe
G8=8589934592
conf "{\"$XE\": {\"vfs\": 2, \"exec_quantum_ms\": 25, \"preempt_timeout_us\": 50000, \"sched_priority\": \"normal\", \"vram_quota\": $G8}}"
expect 0 0 apply --dry-run
check "xe dry run: would provision and set ($(cat "$work/out"))" says "$XE: would provision and set 2 VFs (now 0)" out
check "xe dry run: nothing written" [ ! -e "$VGPU_KSHIM_LOG" ]
expect 0 0 apply
check "xe: says it provisioned and set ($(cat "$work/out"))" says "$XE: provisioned and set 2 VFs (was 0)" out
check "xe: 2 VFs" [ "$(numvfs $XE)" = 2 ]
for vf in 1 2; do
        check "xe: vf$vf exec_quantum_ms" [ "$(admin vf$vf/profile/exec_quantum_ms)" = 25 ]
        check "xe: vf$vf preempt_timeout_us" [ "$(admin vf$vf/profile/preempt_timeout_us)" = 50000 ]
        check "xe: vf$vf sched_priority (through .bulk_profile)" [ "$(admin vf$vf/profile/sched_priority)" = "low [normal]" ]
        check "xe: vf$vf keeps the VRAM given, not the PF's equal share" [ "$(admin vf$vf/profile/vram_quota)" = $G8 ]
done
check "xe: vf3 untouched" [ "$(admin vf3/profile/exec_quantum_ms)" = 0 ]
check "xe: vf2 linked to its VF" [ "$(basename "$(readlink "$(dev $XE)/sriov_admin/vf2/device")")" = 0000:03:00.2 ]
numvfs_at=$(store_line sriov_numvfs)
for f in vf1/profile/vram_quota vf2/profile/vram_quota vf2/profile/exec_quantum_ms vf2/profile/preempt_timeout_us \
        .bulk_profile/sched_priority; do
        at=$(store_line "sriov_admin/$f")
        check "xe: $f stored (line $at) before sriov_numvfs (line $numvfs_at)" earlier "$at" "$numvfs_at"
done
check "xe: no store refused ($(grep -v ' ok$' "$VGPU_KSHIM_LOG" || true))" not grep -qv ' ok$' "$VGPU_KSHIM_LOG"
expect 0 0 apply
check "xe again: as configured" says "$XE: 2 VFs, as configured" out
# the emulation gives an equal share to VFs enabled without VRAM: the order matters
fresh bmg-xe
conf "{\"$XE\": 2}"
expect 0 0 apply
check "xe without a profile: the PF shares the VRAM out itself" [ "$(admin vf1/profile/vram_quota)" = 11811160064 ]
# a profile that changed while the VFs run: written, the count stays (the ABI lets it change live)
conf "{\"$XE\": {\"vfs\": 2, \"exec_quantum_ms\": 30}}"
rm -f "$VGPU_KSHIM_LOG"
expect 0 0 apply
check "xe live: provisioned only ($(cat "$work/out"))" says "$XE: provisioned the profiles of its 2 VFs" out
check "xe live: vf2 exec_quantum_ms 30" [ "$(admin vf2/profile/exec_quantum_ms)" = 30 ]
check "xe live: sriov_numvfs not written" not grep -q sriov_numvfs "$VGPU_KSHIM_LOG"
# from 2 VFs to 3 with VRAM: disabled first (VRAM released), provisioned, then enabled
conf "{\"$XE\": {\"vfs\": 3, \"vram_quota\": $G8}}"
rm -f "$VGPU_KSHIM_LOG"
expect 0 0 apply
check "xe 2 -> 3: provisioned and set ($(cat "$work/out"))" says "$XE: provisioned and set 3 VFs (was 2)" out
check "xe 2 -> 3: sriov_numvfs 0, the quotas, then 3" [ "$(grep -o 'sriov_numvfs "[0-9]*"\|vf[0-9]/profile/vram_quota' \
        "$VGPU_KSHIM_LOG" | tr '\n' ' ')" = 'sriov_numvfs "0" vf1/profile/vram_quota vf2/profile/vram_quota vf3/profile/vram_quota sriov_numvfs "3" ' ]
check "xe 2 -> 3: vf3 has its VRAM" [ "$(admin vf3/profile/vram_quota)" = $G8 ]
# the VFs to xe's variant driver through a profile
profile xe-vf "{\"sriov_vf\": {\"pfs\": [\"$XE\"]}, \"driver\": \"xe-vfio-pci\"}"
expect 0 - "$VGPUCTL" profile check xe-vf
check "xe profile: 3 VFs on xe-vfio-pci ($(cat "$work/out"))" \
        grep -q "^xe-vf: VF of $XE on xe-vfio-pci; 3 devices here serve it" "$work/out"

# ---- xe: bad values refused with one sentence, nothing written ------------------------
fresh bmg-xe
snapshot before
bad_conf() { # DESCRIPTION JSON SENTENCE
        conf "{\"$XE\": $2}"
        rm -f "$VGPU_KSHIM_LOG"
        expect 1 1 apply
        check "$1: refused ($(cat "$work/err"))" says "$3" err
        check "$1: nothing stored" [ ! -e "$VGPU_KSHIM_LOG" ]
        snapshot after
        check "$1: the host unchanged" cmp -s "$work/before" "$work/after"
}
bad_conf "exec_quantum_ms above u32" '{"vfs": 2, "exec_quantum_ms": 4294967296}' "expected an integer from 0 to 4294967295"
bad_conf "a negative preempt_timeout_us" '{"vfs": 2, "preempt_timeout_us": -1}' "expected an integer from 0 to 4294967295"
bad_conf "sched_priority high" '{"vfs": 2, "sched_priority": "high"}' \
        'the xe driver gives "high" to the PF only: use "low" or "normal"'
bad_conf "an unknown priority" '{"vfs": 2, "sched_priority": "urgent"}' 'expected one of "low", "normal"'
bad_conf "an unknown key" '{"vfs": 2, "exec_quantum": 5}' "exec_quantum"
bad_conf "no vfs" '{"exec_quantum_ms": 5}' 'missing "vfs": the VF count of this PF'
# the driver's own refusal: a value the firmware rejects (EIO, the ABI's) leaves the VFs off
conf "{\"$XE\": {\"vfs\": 2, \"exec_quantum_ms\": 5}}"
VGPU_KSHIM_FAIL=1:EIO expect 1 - apply
check "xe refused by the driver: names the attribute ($(cat "$work/err"))" \
        says "$XE: the xe driver refused sriov_admin/vf1/profile/exec_quantum_ms (Input/output error), so no VFs were enabled" err
check "xe refused by the driver: VFs still 0" [ "$(numvfs $XE)" = 0 ]
# profile keys on a PF that is not xe's, and VRAM where there is none
fresh nvme-sriov
conf '{"0000:01:00.0": {"vfs": 2, "exec_quantum_ms": 5}}'
expect 1 2 apply
check "profile on nvme: refused ($(cat "$work/err"))" \
        says "0000:01:00.0: sriov_vfs sets VF profiles, but its driver is nvme, not xe; remove them" err
check "profile on nvme: nothing written" [ "$(numvfs 0000:01:00.0)" = 2 ]
fresh bmg-xe
remodel 's/ xe-vram=[0-9]*//'
conf "{\"$XE\": {\"vfs\": 2, \"vram_quota\": $G8}}"
expect 1 2 apply
check "vram_quota without VRAM: refused ($(cat "$work/err"))" \
        says "its VFs have no vram_quota (Linux 7.0 or later, on a GPU with its own VRAM)" err

# ---- doctor: xe's max_vfs --------------------------------------------------------------
fresh bmg-xe
conf "{\"$XE\": 4}"
doctor
check "doctor: xe PF mode ($(grep 'xe SR-IOV' "$work/out"))" grep -q '^✔ xe SR-IOV: PF mode, max_vfs 12$' "$work/out"
# xe loaded with max_vfs=0 (the default): no PF mode, no sriov_admin, sriov_configure says ENODEV
remodel 's/max_vfs="12"/max_vfs="0"/; s/ xe-admin xe-vram=[0-9]* xe-profiles="[^"]*"/ numvfs-errno=ENODEV/'
doctor
check "doctor: max_vfs 0 named ($(grep -A1 'xe SR-IOV' "$work/out" | tr '\n' ' '))" \
        grep -q "^✘ xe SR-IOV: xe's max_vfs is 0, so PF $XE runs without SR-IOV (no sriov_admin)$" "$work/out"
check "doctor: the one thing to do" grep -q "^    fix: put 'options xe max_vfs=4' in /etc/modprobe.d/xe.conf and reload xe (or reboot)$" "$work/out"
conf "{\"$XE\": {\"vfs\": 4, \"exec_quantum_ms\": 5}}"
expect 1 2 apply
check "apply without sriov_admin: points at doctor ($(cat "$work/err"))" \
        says "xe shows no sriov_admin for it (Linux 6.19 or later, xe in PF mode: see 'vgpuctl doctor')" err
fresh nvme-sriov
doctor
check "doctor: no xe check without an xe PF" not grep -q 'xe SR-IOV' "$work/out"

# ---- AMD: the compute partition mode bounds the VF count ----------------------------------
MI=0000:05:00.0
fresh mi300x
conf "{\"$MI\": 3}"
expect 1 2 apply
check "DPX: 3 refused, naming mode and limit ($(cat "$work/err"))" \
        says "$MI: 3 VFs configured, but its compute partition mode DPX allows at most 2; lower sriov_vfs or change the partition mode" err
check "DPX: nothing written" [ "$(numvfs $MI)" = 0 ]
expect 1 - apply --json
check "DPX: json state partition" grep -q '"state": "partition"' "$work/out"
conf "{\"$MI\": 2}"
expect 0 0 apply
check "DPX: 2 accepted ($(cat "$work/out"))" says "$MI: set 2 VFs (was 0)" out
check "DPX: 2 VFs" [ "$(numvfs $MI)" = 2 ]
# CPX allows 8
remodel 's/compute-partition=DPX/compute-partition=CPX/'
conf "{\"$MI\": 8}"
expect 0 0 apply
check "CPX: 8 accepted ($(cat "$work/out"))" says "$MI: set 8 VFs (was 2)" out
# V710: no partition attribute, so sriov_totalvfs is the limit, and apply says so
fresh v710
conf '{"0000:c3:00.0": 13}'
expect 1 2 apply
check "V710: the limit is sriov_totalvfs, and why ($(cat "$work/err"))" \
        says "13 VFs configured, but the PF has at most 12 (sriov_totalvfs, as its partition mode cannot be read here)" err
conf '{"0000:c3:00.0": 12}'
expect 0 0 apply
check "V710: 12 accepted" [ "$(numvfs 0000:c3:00.0)" = 12 ]

# ---- AMD: the new VFs go to amd-vfio-pci through the profile's driver ---------------------
fresh mi300x
conf "{\"$MI\": 2}"
expect 0 0 apply
profile mi300 "{\"sriov_vf\": {\"pfs\": [\"$MI\"]}, \"driver\": \"amd-vfio-pci\"}"
expect 0 - "$VGPUCTL" profile check mi300
check "mi300x profile: 2 VFs on amd-vfio-pci ($(cat "$work/out"))" \
        grep -q "^mi300: VF of $MI on amd-vfio-pci; 2 devices here serve it" "$work/out"
printf "<domain type='kvm'>\n  <name>vm1</name>\n  <uuid>5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3c01</uuid>\n  <memory unit='KiB'>1048576</memory>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices/>\n</domain>\n" >"$work/plain.xml"
expect 0 0 "$VGPUCTL" -c test:///default render --profile mi300 "$work/plain.xml"
cp "$work/out" "$work/vm1.xml"
check "render: the VF's hostdev names amd-vfio-pci" grep -q '<driver model="amd-vfio-pci"/>' "$work/vm1.xml"
hook "$work/vm1.xml" vm1 prepare begin -
check "prepare: a VF for amd-vfio-pci ($err)" [ "$rc" = 0 -a -z "$err" ]
check "prepare: the lease names the new VF" python3 -c 'import json, sys
l = json.load(sys.stdin)["leases"]
sys.exit(len(l) != 1 or l[0]["device"] != "0000:05:00.1")' < <(leases)
hook "$work/vm1.xml" vm1 release end -
expect 0 0 "$VGPUCTL" inventory --json
check "inventory: libvirt would pick amd_vfio_pci for the VFs" python3 -c 'import json, sys
got = {d["address"]: d["vfio_variant"] for d in json.load(open(sys.argv[1]))["pci_devices"]}
sys.exit(got != {"0000:05:00.0": "vfio_pci", "0000:05:00.1": "amd_vfio_pci", "0000:05:00.2": "amd_vfio_pci"})' "$work/out"
finish
