#!/bin/bash
# PID 1 of the `make check-vm` guest, after the initramfs switch_root'ed into
# its root (read-only 9p) under a tmpfs overlay: the host's own (stack 12) or
# Debian 13's (stack 13: a directory of the host's; the host's own is then
# bound at /.vgpuvm-root).  Sets the machine up
# (fresh kernel filesystems, the guest kernel's modules, the sample mdev
# drivers, the nvme PF's VFs, the installed vgpu-hook, libvirtd), runs every
# scenario under tests/vm/scenarios/ and writes one result line each to the
# host's output directory (9p tag "vgpuout"), then powers the guest off.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=/root
OUT=/run/vgpuvm-out HOSTVIEW=/.vgpuvm-root

mounts() {
	mount -t proc proc /proc
	mkdir -p "$HOSTVIEW"
	if grep -q vgpuvm.root= /proc/cmdline; then
		# the initramfs bound the host's root at HOSTVIEW (/.vgpuvm-root)
		chmod 0755 / # the cached root is 0700 (the overlay's upper layer takes this)
	else
		mount --bind / "$HOSTVIEW"
	fi
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	# The host's state must not show through: fresh, empty directories.
	local d
	for d in /run /tmp /var/tmp /var/log /var/lib/libvirt /var/cache/libvirt \
		/etc/libvirt/qemu /etc/libvirt/hooks /root; do
		mkdir -p "$d" && mount -t tmpfs -o mode=0755 tmpfs "$d"
	done
	mkdir -p "$OUT"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vgpuout "$OUT"
}

# The source and build trees at their own path: mounts() hid them when they
# live below /tmp, /root or another directory the guest starts empty; the
# root as it was (HOSTVIEW, bound before) still has them.
tree() {
	[ "$TREE_DIR" != / ] || return 0
	mkdir -p "$TREE_DIR" && mount --bind "$HOSTVIEW$TREE_DIR" "$TREE_DIR"
}

# The guest kernel's modules (built by build-guest.sh) where modprobe looks.
modules() {
	local k
	k=$(uname -r)
	mkdir -p "/lib/modules/$k"
	mount --bind "$HOSTVIEW$GUEST_DIR/lib/modules/$k" "/lib/modules/$k"
	modprobe -a vfio_pci vfio_iommu_type1 mdev nvme mtty mttyb mdpy mbochs
}

# The nvme PF: 2 of its VFs, none probed by a driver (the admin's choice).
sriov() {
	local pf
	pf=$(grep -l 0x010802 /sys/bus/pci/devices/*/class | head -1)
	pf=$(dirname "$pf")
	echo 0 >"$pf/sriov_drivers_autoprobe"
	echo 2 >"$pf/sriov_numvfs"
	echo "nvme PF $(basename "$pf"): $(cat "$pf/sriov_numvfs") VFs"
}

# make install DESTDIR=$STAGE_DIR on the host: copied over the guest's root.
install_build() {
	cp -a "$STAGE_DIR/." /
	ldconfig
}

# Run each scenario of this stack (its "# stacks:" line, default both); one
# line "ID ok|FAIL SECONDS" each in $OUT/results.
scenarios() {
	local f id t0 rc s
	for f in $(ls "$SRCDIR"/tests/vm/scenarios/*.sh | sort -V); do
		id=$(basename "$f" .sh)
		id=${id%%-*}
		if [ -n "${ONLY:-}" ] && ! [[ " $ONLY " == *" $id "* ]]; then
			continue
		fi
		s=$(sed -n 's/^# stacks: *//p' "$f" | head -1)
		[[ " ${s:-12 13} " == *" $STACK "* ]] || continue
		echo "=== scenario $id ($(basename "$f"))"
		t0=$(date +%s.%N)
		timeout -k 10 "${SCENARIO_TIMEOUT:-900}" \
			bash "$SRCDIR/tests/vm/run-scenario.sh" "$f" >"$OUT/$id.log" 2>&1
		rc=$?
		t=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
		if [ $rc = 0 ]; then
			echo "$id ok $t" >>"$OUT/results"
		else
			echo "$id FAIL $t" >>"$OUT/results"
			tail -n 30 "$OUT/$id.log"
		fi
		echo "=== scenario $id: rc=$rc, ${t}s"
	done
}

# The sysfs capture that tests/data keeps (VGPU_GOLDEN_UPDATE=1 copies it
# there): 6.1's, so on stack 12 only.
capture() {
	local t0=$SECONDS
	[ "$STACK" = 12 ] || return 0
	(. "$SRCDIR/tests/vm/lib.sh" && vm_reset) &&
		bash "$SRCDIR/tests/vm/capture.sh" "$OUT/golden/data%sysfs-linux-6.1-vm.tar.gz" &&
		echo "capture taken in $((SECONDS - t0))s"
}

main() {
	mounts
	# shellcheck source=/dev/null
	. "$OUT/vm.env" # STACK GUEST_DIR STAGE_DIR TREE_DIR SRCDIR BUILDDIR ONLY GOLDEN_UPDATE BENCH_ROUNDS (run-vm.sh)
	export STACK SRCDIR BUILDDIR OUT GOLDEN_UPDATE BENCH_ROUNDS
	echo "guest up after $(cut -d' ' -f1 /proc/uptime)s"
	echo "boot $(cut -d' ' -f1 /proc/uptime)" >"$OUT/boot"
	echo "stack $STACK: kernel $(uname -r), $(libvirtd --version), $(qemu-system-x86_64 --version | head -1), $(mdevctl --version)"
	tree && modules && sriov && install_build && bash "$SRCDIR/tests/vm/machine.sh" &&
		scenarios && capture
	echo "guest done after $(cut -d' ' -f1 /proc/uptime)s"
	echo done >"$OUT/done"
	sync
	umount "$OUT"
	mkfifo /run/vgpuvm-halt
	echo o >/proc/sysrq-trigger
	read -r -t 60 <>/run/vgpuvm-halt # no program may run now: the root is going away
}

main >/dev/console 2>&1
