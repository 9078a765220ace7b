#!/bin/bash
# One cluster node (make check-cluster, tests/cluster/README): the first
# process of its own network, mount, IPC, UTS and PID namespaces, started by
# check-cluster.sh with unshare.  Private /etc/corosync, /var/lib/corosync,
# /var/lib/pacemaker and logs (bind mounts of $W/nN/...), fresh tmpfs on
# /run and /dev/shm (libqb's IPC); its own libvirtd and virtlogd with
# vgpu-hook on its own simulated host (tests/libvirtd-lib.sh), kept in
# $W/nN/lv so that it outlives a kill; then corosync and pacemakerd.
# Killing this process kills the node and everything it runs.
set -u
N=$1 WO=$2
D=$WO/n$N
hostname "n$N"
. "$top_srcdir/tests/libvirtd/libvirtd-lib.sh"
W=$D/lv
mkdir -p "$W"
# first: an overlay on /etc would hide the bind mounts below it
writable /etc
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
for d in /etc/corosync /var/lib/corosync /var/lib/pacemaker /var/log/pacemaker /var/log/corosync; do
        mount --bind "$D$d" "$d"
done
mkdir -p /run/crm && chown hacluster:haclient /run/crm

for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
        private_dir $d
done
mkdir -p /var/log/libvirt/qemu
install_module
lv_config 2>/dev/null
lv_qemu_account
# The simulated host, made once: one T4 for profile t4-4q, no vGPU yet.
ROOT=$W/host
if [ ! -d "$ROOT" ]; then
        "$FAKEHOST" "$top_srcdir/tests/presets/t4.host" "$ROOT" >/dev/null
        mkdir -p "$ROOT/etc/vgpu-hook/profiles.d" "$ROOT/run/libvirt/qemu" "$ROOT/proc"
        printf '{"mdev_type": {"name": "GRID T4-4Q"}}\n' >"$ROOT/etc/vgpu-hook/profiles.d/t4-4q.json"
        for m in "$ROOT"/sys/bus/mdev/devices/*/remove; do
                echo 1 | VGPU_HOOK_ROOT=$ROOT LD_PRELOAD=$KSHIM dd of="$m" status=none
        done
fi
mount --bind /proc "$ROOT/proc"
mkdir -p /etc/vgpu-hook
printf '{"root": "%s", "lock_wait_ms": 2000, "release_retries": 0}\n' "$ROOT" >/etc/vgpu-hook/vgpu-hook.conf
ln -sfn "$ROOT" /run/vgpu-sim # the capacity clone's root=, the same path on both nodes

# What libvirt checks before it gives QEMU an mdev: an IOMMU group, /dev/vfio,
# and /sys/bus/mdev/devices/UUID, here the simulated host's.  QEMU itself gets
# no VFIO device ($WO/qemu-novfio drops it), and libmemlock lets libvirt set
# the memlock limit of a VFIO device without CAP_SYS_RESOURCE.
mkdir -p "$W/iommu/0" && mount --bind "$W/iommu" /sys/kernel/iommu_groups
mkdir -p "$W/vfio" && mount --bind "$W/vfio" /dev/vfio
for i in vfio $(seq 0 63); do : >"/dev/vfio/$i"; done
mkdir -p /run/sys /run/bus && mount --bind /sys /run/sys
for b in /run/sys/bus/*; do ln -s "$b" /run/bus/; done
ln -s "$ROOT/sys/bus/mdev" /run/bus/mdev
mount --bind /run/bus /sys/bus

# The agents: ocf:vgpu-hook:vgpu-capacity as built, and the test's fence agent.
writable /usr/lib/ocf/resource.d
mkdir -p /usr/lib/ocf/resource.d/vgpu-hook
cp "$top_builddir/dist/ocf/vgpu-capacity" /usr/lib/ocf/resource.d/vgpu-hook/
writable /usr/sbin
sed "s|@FENCE_DIR@|$WO/fence|" "$top_srcdir/tests/cluster/fence_vgpu_test" >/usr/sbin/fence_vgpu_test
chmod +x /usr/sbin/fence_vgpu_test

KSHIM="$KSHIM $top_builddir/tests/cluster/.libs/libmemlock.so"
LV_PIDDIR=/run
URI="qemu:///system?socket=/run/libvirt/libvirt-sock"
lv_start || { echo "libvirtd did not start" >"$D/failed"; exit 1; }

# the network: check-cluster.sh moves our end of the veth pair in
while [ ! -e "$D/net-ready" ]; do sleep 0.1; done
corosync -f >"$D/corosync.out" 2>&1 &
while ! corosync-quorumtool -s >/dev/null 2>&1; do
        [ -e "/proc/$!" ] || { echo "corosync exited" >"$D/failed"; exit 1; }
        sleep 0.2
done
pacemakerd >"$D/pacemakerd.out" 2>&1 &
echo started >"$D/up"
wait
