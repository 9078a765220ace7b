#!/usr/bin/env bash
# in-root.sh ROOT [DIR...] -- CMD: CMD (bash -c, with root's clean login
# environment) chrooted into a throwaway overlay of ROOT, a cached Debian
# root of `make check-fresh` (tests/fresh), with the host's DIRs bound at
# their own paths.  `make check-vm STACK=13` builds its guest and this
# project there, so that Debian 13's compilers and libraries build what its
# kernel and userland run.  ROOT itself is never written: the overlay's
# upper layer is a tmpfs of a private mount namespace, gone when CMD ends.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" != --inside ]; then
	exec unshare --mount --propagation private bash "$0" --inside "$@"
fi
shift
base=$1
shift
binds=()
while [ "$1" != -- ]; do
	binds+=("$1")
	shift
done
shift
# shellcheck source=tests/fresh/chroot-lib.sh
. "$here/../fresh/chroot-lib.sh"
w=$(mktemp -d /tmp/vgpuvm-root.XXXXXX)
trap 'umount -R -l "$w"; rmdir "$w"' EXIT
mount -t tmpfs tmpfs "$w"
mkdir "$w/up" "$w/work" "$w/root"
mount -t overlay overlay -o "lowerdir=$base,upperdir=$w/up,workdir=$w/work" "$w/root"
chmod 0755 "$w/root"
chroot_mounts "$w/root"
for d in "${binds[@]}"; do
	mkdir -p "$w/root$d"
	mount --bind "$d" "$w/root$d"
done
in_root "$w/root" "$1"
