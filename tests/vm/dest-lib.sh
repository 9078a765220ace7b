# The destination libvirtd of the migration scenarios (9, 13), sourced by
# them: two libvirtd in the one kernel, the destination in a private mount
# namespace with its own state, ledger, profiles and host UUID, its socket in
# $D/sock, the mtty "serial" profile in SERIAL.
D=/tmp/vgpu-dest
DEST="qemu+unix:///system?socket=$D/sock/libvirt-sock"
HOOK=$(readlink -f /etc/libvirt/hooks/qemu.d/vgpu-hook)
PRIVATE="/etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt /run/vgpu-hook /etc/vgpu-hook"
SERIAL='{"mdev_type": {"name": "Single port serial"}}'
dvirsh() { timeout -k 5 120 virsh -q -c "$DEST" "$@"; }

dest_stop() {
	local d p
	[ -e $D/run/libvirt/libvirtd.pid ] || return 0
	for d in $(dvirsh list --name 2>/dev/null || true); do dvirsh destroy "$d" >/dev/null 2>&1 || true; done
	for p in $D/run/libvirt/libvirtd.pid $D/run/libvirt/virtlogd.pid; do
		if [ -e "$p" ]; then kill "$(cat "$p")" 2>/dev/null || true; fi
	done
	wait_for 30 eval '! pgrep -f "libvirtd -d -p /run/libvirt/libvirtd.pid" >/dev/null' || true
	rm -f $D/run/libvirt/libvirtd.pid $D/run/libvirt/virtlogd.pid
}
trap dest_stop EXIT

dest_start() {
	local d
	rm -rf $D
	for d in $PRIVATE; do mkdir -p "$D$d" "$d"; done
	chmod 700 $D/run/vgpu-hook /run/vgpu-hook
	mkdir -p $D/sock $D/etc/libvirt/hooks/qemu.d $D/var/log/libvirt/qemu $D/var/lib/libvirt/qemu \
		$D/var/cache/libvirt/qemu $D/etc/vgpu-hook/profiles.d
	cp /etc/libvirt/qemu.conf $D/etc/libvirt/
	cat >$D/etc/libvirt/libvirtd.conf <<EOF
unix_sock_dir = "$D/sock"
host_uuid = "7f4e0b58-9c1d-4f2e-8a3b-6d5c4b3a2f19"
log_filters = "1:qemu.qemu_migration 1:util.hook"
log_outputs = "1:file:/var/log/libvirt/libvirtd.log"
EOF
	printf 'log_outputs = "3:file:/var/log/libvirt/virtlogd.log"\n' >$D/etc/libvirt/virtlogd.conf
	printf '#!/bin/sh\necho "$*" >>%s/spy.log\ncat >/dev/null\n' $D >$D/etc/libvirt/hooks/qemu.d/00-spy
	chmod +x $D/etc/libvirt/hooks/qemu.d/00-spy
	ln -s "$HOOK" $D/etc/libvirt/hooks/qemu.d/vgpu-hook
	printf '%s\n' "$SERIAL" >$D/etc/vgpu-hook/profiles.d/serial.json
	: >$D/spy.log
	daemon_spawn "the destination's libvirtd" $D/daemons.out $D/var/log/libvirt/libvirtd.log unshare -m --propagation private bash -c '
		set -e
		for d in '"$PRIVATE"'; do mount --bind "'$D'$d" "$d"; done
		virtlogd -d -p /run/libvirt/virtlogd.pid
		exec libvirtd -d -p /run/libvirt/libvirtd.pid'
	daemon_await 120 "the destination's libvirtd" $D/run/libvirt/libvirtd.pid dest_up \
		$D/daemons.out $D/var/log/libvirt/libvirtd.log $D/var/log/libvirt/virtlogd.log
}
dest_up() { dvirsh list >/dev/null 2>&1; }
