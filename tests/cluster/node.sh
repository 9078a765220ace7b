#!/bin/bash
# One cluster node: the first process of its own network, mount, IPC, UTS and
# PID namespaces (check-cluster.sh starts it with unshare).  Private
# /etc/corosync, /var/lib/corosync, /var/lib/pacemaker and logs (bind mounts
# of $W/nN/...), fresh tmpfs on /run and /dev/shm (libqb's IPC), then
# corosync and pacemakerd.  Killing this process kills the node.
set -u
N=$1 W=$2
D=$W/n$N
hostname "n$N"
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
for d in /etc/corosync /var/lib/corosync /var/lib/pacemaker /var/log/pacemaker /var/log/corosync; do
        mount --bind "$D$d" "$d"
done
mkdir -p /run/crm && chown hacluster:haclient /run/crm
[ -f "$D/node-extra.sh" ] && . "$D/node-extra.sh"
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
