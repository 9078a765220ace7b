#!/usr/bin/env bash
# build-guest.sh: the nested guest of `make check-vm`, from Debian packages.
#
# Prints the directory that holds it: vmlinuz, initrd.img (busybox and the
# modules that mount the host's root over virtio-9p) and lib/modules/<abi>
# (the kernel's modules, the sample mdev drivers mtty, mttyb, mdpy and mbochs
# built from linux-source against linux-headers, and a depmod index).
#
# Everything is cached in $VGPU_VM_CACHE (default /var/cache/vgpu-hook-vm):
# the .debs under debs/, the guest under guest-<abi>-<version>-<recipe>/,
# where <recipe> is a hash of this script and the initramfs' init, so a
# changed recipe builds afresh.  A second run finds the guest and returns at
# once; concurrent runs wait for each other (flock).
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
cache=${VGPU_VM_CACHE:-/var/cache/vgpu-hook-vm}

log() { echo "build-guest: $*" >&2; }
die() { log "$*"; exit 1; }

# The kernel ABI that linux-image-amd64 names today (e.g. 6.1.0-56) and its version.
resolve() {
	abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(6\.1\.0-[0-9]*\)-amd64$/\1/p' | head -1)
	[ -n "$abi" ] || die "apt-cache knows no linux-image-6.1.0-*-amd64 (apt-get update?)"
	kver=$(apt-cache show "linux-image-$abi-amd64" | sed -n 's/^Version: //p' | sort -V | tail -1)
	[ -n "$kver" ] || die "no version of linux-image-$abi-amd64"
	recipe=$(cat "$0" "$here/initramfs-init" | sha256sum | cut -c1-12)
	kernel=$abi-amd64
}

download() {
	local debs=$cache/debs/$kver
	if [ ! -e "$debs/.done" ]; then
		log "downloading the $kernel packages ($kver)"
		rm -rf "$debs" && mkdir -p "$debs"
		# apt downloads as _apt where it can (else it warns and does it as root)
		chown _apt "$debs" 2>/dev/null || true
		(cd "$debs" && apt-get download -q "linux-image-$kernel=$kver" \
			"linux-headers-$kernel=$kver" "linux-headers-$abi-common=$kver" \
			"linux-kbuild-6.1=$kver" "linux-source-6.1=$kver" busybox-static) >&2
		touch "$debs/.done"
	fi
	debdir=$debs
}

unpack() {
	local d
	for d in "$debdir"/linux-image-* "$debdir"/linux-headers-* "$debdir"/linux-kbuild-* \
		"$debdir"/busybox-static_*; do
		dpkg-deb -x "$d" "$1/root"
	done
	# The headers' Makefile includes the -common tree by its absolute path.
	sed -i "s|/usr/src/|$1/root/usr/src/|" "$1/root/usr/src/linux-headers-$kernel/Makefile"
	dpkg-deb --fsys-tarfile "$debdir"/linux-source-6.1_*.deb |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$1" linux-source-6.1/samples/vfio-mdev
}

# mtty, mdpy, mbochs, and mttyb: mtty under another driver and class name, so
# that a second parent offers types named "Dual port serial" and "Single port serial".
build_modules() {
	local src=$1/linux-source-6.1/samples/vfio-mdev mods=$1/mods
	mkdir -p "$mods"
	cp "$src"/{mtty.c,mdpy.c,mdpy-defs.h,mbochs.c} "$mods/"
	sed -e 's/"mtty"/"mttyb"/g; s/"vfio-mtty"/"vfio-mttyb"/g' "$src/mtty.c" >"$mods/mttyb.c"
	grep -q '"mttyb"' "$mods/mttyb.c" || die "mtty.c changed: cannot rename it to mttyb"
	echo 'obj-m := mtty.o mttyb.o mdpy.o mbochs.o' >"$mods/Kbuild"
	make -s -C "$1/root/usr/src/linux-headers-$kernel" M="$mods" modules >&2
	mkdir -p "$1/root/lib/modules/$kernel/extra"
	cp "$mods"/{mtty,mttyb,mdpy,mbochs}.ko "$1/root/lib/modules/$kernel/extra/"
	depmod -b "$1/root" "$kernel"
}

# The modules that mount the root: in the order they depend on each other.
initrd_modules="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
netfs fscache 9pnet 9pnet_virtio 9p overlay"

build_initrd() {
	local i=$1/initrd m path
	mkdir -p "$i"/{bin,dev,proc,sys,mnt,lib/modules}
	cp "$1/root/bin/busybox" "$i/bin/busybox"
	for m in $initrd_modules; do
		path=$(cd "$1/root/lib/modules/$kernel" && find kernel -name "$m.ko")
		[ -n "$path" ] || die "no module $m in $kernel"
		cp "$1/root/lib/modules/$kernel/$path" "$i/lib/modules/"
	done
	echo "$initrd_modules" >"$i/lib/modules/order"
	cp "$here/initramfs-init" "$i/init"
	chmod +x "$i/init"
	(cd "$i" && find . | "$1/root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$1/initrd.img"
}

build() {
	local tmp
	tmp=$(mktemp -d "$cache/tmp.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT # a failed build leaves nothing behind
	chmod 755 "$tmp"
	log "building the guest in $tmp"
	unpack "$tmp"
	build_modules "$tmp"
	build_initrd "$tmp"
	cp "$tmp/root/boot/vmlinuz-$kernel" "$tmp/vmlinuz"
	mkdir -p "$tmp/lib/modules"
	mv "$tmp/root/lib/modules/$kernel" "$tmp/lib/modules/"
	rm -rf "$tmp/root" "$tmp/linux-source-6.1" "$tmp/mods" "$tmp/initrd"
	echo "$kernel" >"$tmp/kernel"
	mv "$tmp" "$1"
	trap - EXIT
}

main() {
	mkdir -p "$cache"
	resolve
	local guest=$cache/guest-$abi-$kver-$recipe
	exec 9>"$cache/.lock"
	flock 9
	if [ ! -e "$guest/kernel" ]; then
		download
		build "$guest"
	fi
	echo "$guest"
}

main "$@"
