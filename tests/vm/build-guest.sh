#!/usr/bin/env bash
# build-guest.sh [STACK [ROOT]]: the nested guest of `make check-vm`, from
# Debian packages.  STACK 12 (the default): Debian 12's kernel 6.1, fetched
# and built on this host (a Debian 12).  STACK 13: Debian 13's kernel 6.12,
# fetched and built inside ROOT, a Debian 13 root (tests/fresh), through a
# throwaway overlay of it (in-root.sh): its apt lists name trixie's
# packages and its gcc 14 is the one the kernel was built with.
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
stack=${1:-12}
case $stack in
12) series=6.1 ;;
13) series=6.12 ;;
*) echo "build-guest: unknown stack '$stack' (12 or 13)" >&2 && exit 2 ;;
esac

log() { echo "build-guest: $*" >&2; }
die() { log "$*"; exit 1; }

# The kernel ABI that linux-image-amd64 names today (e.g. 6.1.0-56 or
# 6.12.57+deb13), its version, and the packages its headers need (the
# -common headers and linux-kbuild-6.1 or linux-kbuild-6.12.57+deb13).
resolve() {
	abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n "s/.*Depends: linux-image-\(${series//./\\.}\.[^ ]*\)-amd64\$/\1/p" | head -1)
	[ -n "$abi" ] || die "apt-cache knows no linux-image-$series.*-amd64 (apt-get update?)"
	kver=$(apt-cache show "linux-image-$abi-amd64" | sed -n 's/^Version: //p' | sort -V | tail -1)
	[ -n "$kver" ] || die "no version of linux-image-$abi-amd64"
	recipe=$(cat "$0" "$here/initramfs-init" | sha256sum | cut -c1-12)
	kernel=$abi-amd64
	headerdeps=$(apt-cache depends "linux-headers-$kernel" |
		sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p' | sort -u)
	[ -n "$headerdeps" ] || die "linux-headers-$kernel depends on no linux-headers-*/linux-kbuild-*"
}

download() {
	local debs=$cache/debs/$kver
	if [ ! -e "$debs/.done" ]; then
		log "downloading the $kernel packages ($kver)"
		rm -rf "$debs" && mkdir -p "$debs"
		# apt downloads as _apt where it can (else it warns and does it as root)
		chown _apt "$debs" 2>/dev/null || true
		# (STACK 13: the root's package lists, as old as the root: see tests/vm/README)
		# shellcheck disable=SC2046 # one package a word
		(cd "$debs" && apt-get download -q "linux-image-$kernel=$kver" "linux-headers-$kernel=$kver" \
			$(for p in $headerdeps; do echo "$p=$kver"; done) "linux-source-$series=$kver" busybox-static) >&2
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
	# 6.12's packages ship /usr/lib/modules and /usr/bin/busybox, 6.1's /lib and /bin
	moddir=lib/modules/$kernel
	[ -d "$1/root/$moddir" ] || moddir=usr/lib/modules/$kernel
	busybox=$1/root/bin/busybox
	[ -x "$busybox" ] || busybox=$1/root/usr/bin/busybox
	# The headers' Makefile includes the -common tree by its absolute path.
	sed -i "s|/usr/src/|$1/root/usr/src/|" "$1/root/usr/src/linux-headers-$kernel/Makefile"
	dpkg-deb --fsys-tarfile "$debdir/linux-source-${series}_"*.deb |
		tar -xO "./usr/src/linux-source-$series.tar.xz" |
		tar -xJ -C "$1" "linux-source-$series/samples/vfio-mdev"
}

# mtty, mdpy, mbochs, and mttyb: mtty under another driver and class name, so
# that a second parent offers types named "Dual port serial" and "Single port serial".
build_modules() {
	local src=$1/linux-source-$series/samples/vfio-mdev mods=$1/mods
	mkdir -p "$mods"
	cp "$src"/{mtty.c,mdpy.c,mdpy-defs.h,mbochs.c} "$mods/"
	sed -e 's/"mtty"/"mttyb"/g; s/"vfio-mtty"/"vfio-mttyb"/g' "$src/mtty.c" >"$mods/mttyb.c"
	grep -q '"mttyb"' "$mods/mttyb.c" || die "mtty.c changed: cannot rename it to mttyb"
	echo 'obj-m := mtty.o mttyb.o mdpy.o mbochs.o' >"$mods/Kbuild"
	# no BTF: there is no vmlinux to base it on, and 6.12's kbuild calls pahole (not installed) anyway
	make -s -C "$1/root/usr/src/linux-headers-$kernel" M="$mods" CONFIG_DEBUG_INFO_BTF_MODULES= modules >&2
	mkdir -p "$1/root/$moddir/extra"
	cp "$mods"/{mtty,mttyb,mdpy,mbochs}.ko "$1/root/$moddir/extra/"
	if [ "$moddir" != "lib/modules/$kernel" ]; then # depmod -b looks below lib/modules
		mkdir -p "$1/root/lib/modules"
		mv "$1/root/$moddir" "$1/root/lib/modules/"
		moddir=lib/modules/$kernel
	fi
	depmod -b "$1/root" "$kernel"
	[ -s "$1/root/$moddir/modules.dep" ] || die "depmod wrote no $moddir/modules.dep"
}

# The modules that mount the root, in the order modprobe would load them
# (some are built in: 6.12 has virtio_pci in the kernel), uncompressed
# (6.12 ships .ko.xz, which busybox's insmod does not read).
initrd_targets="virtio_pci 9pnet_virtio 9p overlay"

build_initrd() {
	local i=$1/initrd m path name order=""
	mkdir -p "$i"/{bin,dev,proc,sys,mnt,lib/modules}
	cp "$busybox" "$i/bin/busybox"
	for m in $initrd_targets; do
		modprobe -d "$1/root" -S "$kernel" --show-depends "$m" >"$1/deps" || die "modprobe knows no $m in $kernel"
		while read -r what path _; do
			[ "$what" = insmod ] || continue
			name=$(basename "$path")
			name=${name%%.ko*}
			[[ " $order " != *" $name "* ]] || continue
			case $path in
			*.ko) cp "$path" "$i/lib/modules/$name.ko" ;;
			*.ko.xz) xz -dc "$path" >"$i/lib/modules/$name.ko" ;;
			*.ko.zst) zstd -qdc "$path" >"$i/lib/modules/$name.ko" ;;
			*) die "module $path: unknown compression" ;;
			esac
			order="$order $name"
		done <"$1/deps"
	done
	[ -n "$order" ] || die "no module to load for $initrd_targets"
	log "initrd modules:$order"
	echo "$order" >"$i/lib/modules/order"
	cp "$here/initramfs-init" "$i/init"
	chmod +x "$i/init"
	(cd "$i" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$1/initrd.img"
}

build() {
	tmp=$(mktemp -d "$cache/tmp.XXXXXX") # global: the EXIT trap needs it
	trap 'rm -rf "$tmp"' EXIT # a failed build leaves nothing behind
	chmod 755 "$tmp"
	log "building the guest in $tmp"
	unpack "$tmp"
	build_modules "$tmp"
	build_initrd "$tmp"
	cp "$tmp/root/boot/vmlinuz-$kernel" "$tmp/vmlinuz"
	mkdir -p "$tmp/lib/modules"
	mv "$tmp/root/$moddir" "$tmp/lib/modules/"
	rm -rf "$tmp/root" "$tmp/linux-source-$series" "$tmp/mods" "$tmp/initrd" "$tmp/deps"
	echo "$kernel" >"$tmp/kernel"
	mv "$tmp" "$1"
	trap - EXIT
}

main() {
	mkdir -p "$cache"
	if [ "$stack" = 13 ] && [ "${2:-}" != --inside ]; then
		[ -n "${2:-}" ] || die "stack 13 needs the Debian 13 root (tests/fresh/check-fresh.sh SRCDIR --root trixie)"
		# the same script in the root, with this directory and the cache bound in
		exec "$here/in-root.sh" "$2" "$here" "$cache" -- \
			"VGPU_VM_CACHE='$cache' bash '$here/build-guest.sh' 13 --inside"
	fi
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
