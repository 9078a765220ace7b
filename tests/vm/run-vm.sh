#!/usr/bin/env bash
# run-vm.sh SRCDIR BUILDDIR STAGEDIR: `make check-vm` on the host side.
#
# Builds (or finds cached) the guest (build-guest.sh), boots it under TCG
# with the host's root shared read-only over 9p and an output directory
# shared writable, and judges the result lines the guest wrote there: every
# scenario file under tests/vm/scenarios/ must have reported "ID ok".  A
# missing id, a failure, or a guest that does not boot fails.
#
# Environment: VGPU_VM_ONLY="1 3" runs only those ids (and expects only
# them); VGPU_VM_OUT=DIR keeps the output there (default: a fresh directory
# under BUILDDIR/tests/vm-out, kept); VGPU_VM_TIMEOUT (seconds, default 1500);
# VGPU_GOLDEN_UPDATE=1 copies the guest's inventories and captures over the
# golden files (review the diff).
set -euo pipefail
export LC_ALL=C
srcdir=$(cd "$1" && pwd) builddir=$(cd "$2" && pwd) stage=$(cd "$3" && pwd)
vm=$srcdir/tests/vm

# The ids to expect: from the scenario files present (NAME = ID-words.sh).
expected_ids() {
	local f id
	for f in "$vm"/scenarios/*.sh; do
		id=$(basename "$f" .sh)
		id=${id%%-*}
		if [ -z "${VGPU_VM_ONLY:-}" ] || [[ " $VGPU_VM_ONLY " == *" $id "* ]]; then
			echo "$id"
		fi
	done | sort -V
}

boot() {
	local guest=$1 out=$2
	# nvme with SR-IOV (QEMU 7.2): behind a PCIe root port, in an NVMe subsystem.
	timeout -k 10 "${VGPU_VM_TIMEOUT:-1500}" qemu-system-x86_64 \
		-M q35,accel=tcg,kernel-irqchip=split -cpu max -smp 2 -m 3072 \
		-device intel-iommu,intremap=on \
		-nodefaults -no-user-config -display none -no-reboot \
		-chardev file,id=con,path="$out/console.log" -serial chardev:con \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs local,path="$out",mount_tag=vgpuout,security_model=none,multidevs=remap \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		-device nvme-subsys,id=s0 \
		-device nvme,serial=vgpuvm0,subsys=s0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,bus=rp1 \
		-kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" \
		-append "console=ttyS0 intel_iommu=on no_timer_check panic=-1 loglevel=4 vgpuvm.init=$vm/guest-init.sh"
}

# Two scenario files with one id would share a result line: refuse them.
unique_ids() {
	local dup
	dup=$(expected_ids | uniq -d)
	[ -z "$dup" ] || { echo "check-vm: two scenario files share the id(s) $dup (tests/vm/README)" && return 1; }
}

# Every expected id reported ok, and nothing else reported.
judge() {
	local out=$1 id line bad=0
	for id in $(expected_ids); do
		line=$(grep "^$id " "$out/results" 2>/dev/null || true)
		case $line in
		"$id ok "*) echo "check-vm: scenario $id passed (${line##* }s)" ;;
		"") echo "check-vm: scenario $id reported nothing" && bad=1 ;;
		*) echo "check-vm: scenario $id FAILED (log: $out/$id.log)" && bad=1 ;;
		esac
	done
	while read -r id _; do
		expected_ids | grep -qx "$id" || { echo "check-vm: unexpected result '$id'" && bad=1; }
	done <"$out/results"
	return $bad
}

golden_update() {
	local out=$1 f
	[ "${VGPU_GOLDEN_UPDATE:-}" = 1 ] || return 0
	for f in "$out"/golden/*; do
		[ -e "$f" ] || continue
		echo "check-vm: updating tests/$(basename "$f" | tr '%' '/')"
		cp "$f" "$srcdir/tests/$(basename "$f" | tr '%' '/')"
	done
}

# The guest's capture against the committed one: paths, types, link targets.
# A difference (a new kernel?) is reported, not failed: make check diffs the
# presets against the committed capture; VGPU_GOLDEN_UPDATE=1 takes the new one.
capture_drift() {
	local new=$1/golden/data%sysfs-linux-6.1-vm.tar.gz old=$srcdir/tests/data/sysfs-linux-6.1-vm.tar.gz
	[ -e "$new" ] && [ -e "$old" ] || return 0
	if ! diff <(tar -xzOf "$old" ./MANIFEST) <(tar -xzOf "$new" ./MANIFEST) >"$1/capture.diff"; then
		echo "check-vm: WARNING: the guest's sysfs layout differs from tests/data/sysfs-linux-6.1-vm.tar.gz:"
		head -20 "$1/capture.diff"
	fi
}

# The directory holding the source and build trees: the guest mounts fresh
# tmpfs over /tmp, /run, /root... and brings this one back (guest-init.sh
# tree()), or a clone below /tmp would vanish.
common_dir() {
	local a=$1 b=$2
	while [ "$a" != / ] && [ "$b" != "$a" ] && [ "${b#"$a"/}" = "$b" ]; do a=$(dirname "$a"); done
	echo "$a"
}

main() {
	local guest out t0 t1 tree
	tree=$(common_dir "$srcdir" "$builddir")
	t0=$(date +%s)
	unique_ids
	guest=$("$vm/build-guest.sh")
	t1=$(date +%s)
	echo "check-vm: guest ready in $((t1 - t0))s: $guest"
	out=${VGPU_VM_OUT:-$builddir/tests/vm-out/$(date +%Y%m%d-%H%M%S)}
	rm -rf "$out" && mkdir -p "$out/golden"
	cat >"$out/vm.env" <<EOF
GUEST_DIR='$guest'
STAGE_DIR='$stage'
TREE_DIR='$tree'
SRCDIR='$srcdir'
BUILDDIR='$builddir'
ONLY='${VGPU_VM_ONLY:-}'
GOLDEN_UPDATE='${VGPU_GOLDEN_UPDATE:-}'
EOF
	touch "$out/results"
	boot "$guest" "$out" || echo "check-vm: QEMU exited with status $?"
	# A kernel that dies before guest-init (seen under load: "timer doesn't
	# work through Interrupt-remapped IO-APIC") says nothing of our code:
	# boot once more before judging.
	if [ ! -e "$out/boot" ]; then
		echo "check-vm: the guest did not boot; its console ends:" && tail -n 5 "$out/console.log" || true
		mv "$out/console.log" "$out/console-1.log" 2>/dev/null || true
		: >"$out/results"
		boot "$guest" "$out" || echo "check-vm: QEMU exited with status $?"
	fi
	echo "check-vm: guest ran $(($(date +%s) - t1))s ($(cat "$out/boot" 2>/dev/null || echo 'no boot'))"
	capture_drift "$out"
	golden_update "$out"
	if [ ! -e "$out/boot" ] || ! judge "$out"; then
		echo "check-vm: FAILED; the guest's console ($out/console.log) ends:"
		tail -n 60 "$out/console.log" || true
		return 1
	fi
	echo "check-vm: all $(expected_ids | wc -l) scenarios passed in $(($(date +%s) - t0))s"
}

main
