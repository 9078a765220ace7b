# The chroots of `make check-fresh` (sourced by build-root.sh and root.sh).

# chroot_mounts ROOT: what a booted machine has below /, private to this namespace.
chroot_mounts() {
	local r=$1
	mount -t proc proc "$r/proc"
	mount --rbind /sys "$r/sys"
	mount --make-rslave "$r/sys"
	mount --rbind /dev "$r/dev"
	mount --make-rslave "$r/dev"
	mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
	mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
	mount -t tmpfs -o mode=0755 tmpfs "$r/run"
	cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
}

# in_root ROOT CMD: CMD under bash -c in ROOT, as root logs in: a clean environment.
in_root() {
	chroot "$1" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		/bin/bash -c "$2"
}
