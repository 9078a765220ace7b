#!/usr/bin/env bash
# run-vm.sh SRCDIR BUILDDIR STAGEDIR [STACK]: `make check-vm` on the host side.
#
# For each stack (12, 13, or all: both, the default): builds (or finds
# cached) the guest (build-guest.sh), boots it under TCG with its root
# shared read-only over 9p and an output directory shared writable, and
# judges the result lines the guest wrote there: every scenario file under
# tests/vm/scenarios/ that runs on the stack must have reported "ID ok".  A
# missing id, a failure, or a guest that does not boot fails.
#
# Stack 12: Debian 12's kernel 6.1 over the host's own root (a Debian 12),
# running STAGEDIR (this build's `make install`).  Stack 13: Debian 13's
# kernel 6.12 over the cached trixie root of `make check-fresh`, running this
# project as built and installed inside that root (build13).
#
# Environment: VGPU_VM_ONLY="1 3" runs only those ids (and expects only
# them); VGPU_VM_OUT=DIR keeps the output there (default: a fresh directory
# under BUILDDIR/tests/vm-out, kept; one subdirectory a stack);
# VGPU_VM_TIMEOUT (seconds a guest may run, default 2400; each scenario has 900); VGPU_GOLDEN_UPDATE=1 copies the
# guest's inventories and captures over the golden files (review the diff);
# VGPU_VM_BENCH_ROUNDS: the rounds of scenario 18 (bench, default 3).
set -euo pipefail
export LC_ALL=C
srcdir=$(cd "$1" && pwd) builddir=$(cd "$2" && pwd) stage=$(cd "$3" && pwd)
stacks=${4:-all}
[ "$stacks" != all ] || stacks="12 13"
vm=$srcdir/tests/vm

# The stacks a scenario runs on: its "# stacks: 12 13" line (default both).
scenario_stacks() {
	local s
	s=$(sed -n 's/^# stacks: *//p' "$1" | head -1)
	echo "${s:-12 13}"
}

# The ids to expect on stack $stack: from the scenario files present (NAME =
# ID-words.sh) that run there.
expected_ids() {
	local f id
	for f in "$vm"/scenarios/*.sh; do
		id=$(basename "$f" .sh)
		id=${id%%-*}
		[[ " $(scenario_stacks "$f") " == *" $stack "* ]] || continue
		if [ -z "${VGPU_VM_ONLY:-}" ] || [[ " $VGPU_VM_ONLY " == *" $id "* ]]; then
			echo "$id"
		fi
	done | sort -V
}

# The words of the scenario file of ID: 6a-sriov-vf.sh -> "sriov vf".
scenario_name() {
	local f
	for f in "$vm/scenarios/$1"-*.sh; do
		f=$(basename "$f" .sh)
		echo "${f#*-}" | tr '-' ' '
		return
	done
}

boot() {
	local guest=$1 out=$2 append=""
	# 13: the guest's / is Debian 13's root, a directory of the host's that the
	# initramfs takes (no more PCI devices than 12: the IOMMU groups stay)
	[ "$stack" != 13 ] || append=" vgpuvm.root=$root13"
	# nvme with SR-IOV (QEMU 7.2): behind a PCIe root port, in an NVMe subsystem.
	timeout -k 10 "${VGPU_VM_TIMEOUT:-2400}" qemu-system-x86_64 \
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
		-append "console=ttyS0 intel_iommu=on no_timer_check panic=-1 loglevel=4 vgpuvm.init=$vm/guest-init.sh$append"
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
		"$id ok "*) echo "check-vm $stack: scenario $id ($(scenario_name "$id")) passed (${line##* }s)" ;;
		"") echo "check-vm $stack: scenario $id ($(scenario_name "$id")) reported nothing" && bad=1 ;;
		*) echo "check-vm $stack: scenario $id ($(scenario_name "$id")) FAILED (log: $out/$id.log)" && bad=1 ;;
		esac
	done
	while read -r id _; do
		expected_ids | grep -qx "$id" || { echo "check-vm $stack: unexpected result '$id'" && bad=1; }
	done <"$out/results"
	return $bad
}

# The scenarios this stack leaves out, and why (the line after "# stacks:").
skipped() {
	local f id
	for f in "$vm"/scenarios/*.sh; do
		[[ " $(scenario_stacks "$f") " != *" $stack "* ]] || continue
		id=$(basename "$f" .sh)
		id=${id%%-*}
		[ -z "${VGPU_VM_ONLY:-}" ] || [[ " $VGPU_VM_ONLY " == *" $id "* ]] || continue
		echo "check-vm $stack: scenario $id ($(scenario_name "$id")) not run here: it runs on $(scenario_stacks "$f")"
	done
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

# build13: this project, as it is in SRCDIR now (tracked and untracked
# files git does not ignore), copied to BUILDDIR/tests/vm-out/build13/src, configured
# as BUILDDIR was, built and installed (DESTDIR=…/build13/stage)
# inside a throwaway overlay of the Debian 13 root: the guest runs what Debian
# 13's compiler and libraries make.  The copy keeps its build between runs.
build13() {
	local b=$builddir/tests/vm-out/build13 args
	args=$("$builddir/config.status" --config)
	mkdir -p "$b/src"
	(cd "$srcdir" && git ls-files -z --cached --others --exclude-standard |
		tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$b/src"
	"$vm/in-root.sh" "$root13" "$b" -- "set -e; cd '$b/src'
		[ -e Makefile ] || { ./autogen.sh && ./configure $args; }
		# one goal at a time: automake's all is a sub-make, and with both
		# goals at once two makes link libvgpuhook.la together
		make -j2 all
		make -j2 tests/harness/vm-mdev-create
		rm -rf '$b/stage'
		make install DESTDIR='$b/stage'" >"$b/build.log" 2>&1 || {
		tail -n 30 "$b/build.log" >&2
		echo "check-vm 13: building the project in the Debian 13 root failed (log: $b/build.log)" >&2
		return 1
	}
	echo "$b"
}

# run_stack OUT: build, boot and judge one stack.
run_stack() {
	local out=$1 guest t0 t1 tree bdir=$builddir sdir=$stage b
	t0=$(date +%s)
	if [ -z "$(expected_ids)" ]; then # VGPU_VM_ONLY names none of this stack's
		skipped
		echo "check-vm $stack: no scenario to run"
		return 0
	fi
	if [ "$stack" = 13 ]; then
		root13=$("$srcdir/tests/fresh/check-fresh.sh" "$srcdir" --root trixie) || return 1
		b=$(build13) || return 1
		bdir=$b/src sdir=$b/stage
		echo "check-vm 13: project built in the Debian 13 root in $(($(date +%s) - t0))s"
		guest=$("$vm/build-guest.sh" 13 "$root13" | tail -n 1)
	else
		guest=$("$vm/build-guest.sh" 12)
	fi
	[ -e "$guest/kernel" ] || { echo "check-vm $stack: no guest" && return 1; }
	tree=$(common_dir "$srcdir" "$builddir")
	t1=$(date +%s)
	echo "check-vm $stack: guest ready in $((t1 - t0))s: $guest"
	rm -rf "$out" && mkdir -p "$out/golden"
	cat >"$out/vm.env" <<EOF
STACK='$stack'
GUEST_DIR='$guest'
STAGE_DIR='$sdir'
TREE_DIR='$tree'
SRCDIR='$srcdir'
BUILDDIR='$bdir'
ONLY='${VGPU_VM_ONLY:-}'
GOLDEN_UPDATE='${VGPU_GOLDEN_UPDATE:-}'
BENCH_ROUNDS='${VGPU_VM_BENCH_ROUNDS:-}'
EOF
	touch "$out/results"
	skipped
	boot "$guest" "$out" || echo "check-vm $stack: QEMU exited with status $?"
	# A kernel that dies before guest-init (seen under load: "timer doesn't
	# work through Interrupt-remapped IO-APIC") says nothing of our code:
	# boot once more before judging.
	if [ ! -e "$out/boot" ]; then
		echo "check-vm $stack: the guest did not boot; its console ends:" && tail -n 5 "$out/console.log" || true
		mv "$out/console.log" "$out/console-1.log" 2>/dev/null || true
		: >"$out/results"
		boot "$guest" "$out" || echo "check-vm $stack: QEMU exited with status $?"
	fi
	echo "check-vm $stack: guest ran $(($(date +%s) - t1))s ($(cat "$out/boot" 2>/dev/null || echo 'no boot'))"
	capture_drift "$out"
	golden_update "$out"
	if [ ! -e "$out/boot" ] || ! judge "$out"; then
		echo "check-vm $stack: FAILED; the guest's console ($out/console.log) ends:"
		tail -n 60 "$out/console.log" || true
		return 1
	fi
	echo "check-vm $stack: all $(expected_ids | wc -l) scenarios passed in $(($(date +%s) - t0))s"
}

main() {
	local out failed="" root13=""
	for stack in $stacks; do
		case $stack in 12 | 13) ;; *) echo "check-vm: unknown STACK '$stack' (12, 13 or all)" && return 2 ;; esac
		unique_ids
	done
	out=${VGPU_VM_OUT:-$builddir/tests/vm-out/$(date +%Y%m%d-%H%M%S)}
	for stack in $stacks; do
		run_stack "$out/$stack" || failed="$failed $stack"
	done
	[ -z "$failed" ] || { echo "check-vm: FAILED on stack(s)$failed" && return 1; }
	echo "check-vm: passed on stack(s) $stacks"
}

main
