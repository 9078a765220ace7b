#!/usr/bin/env bash
# build-root.sh RELEASE DIR PACKAGE-FILE: a root for `make check-fresh` as a
# new machine is installed: debootstrap's minbase RELEASE with sudo and git
# in DIR, then the packages PACKAGE-FILE lists (what the quick start
# installs), with no service started.  The cache key of check-fresh.sh
# covers this file, the release and the list.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
. "$here/chroot-lib.sh"
rel=$1 dir=$2 pkgs=$3
# shellcheck disable=SC2086 # the mirror is one word or none
debootstrap --variant=minbase --include=sudo,git "$rel" "$dir" ${VGPU_FRESH_MIRROR:-}
packages=$(tr -s ' \t\n' '   ' <"$pkgs")
[ -n "${packages// /}" ] || { echo "build-root.sh: $pkgs lists no package" >&2; exit 1; }
printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
chmod 755 "$dir/usr/sbin/policy-rc.d"
unshare --mount --propagation private bash -c '
	set -e
	. "$1/chroot-lib.sh"
	chroot_mounts "$2"
	in_root "$2" "apt-get update -q && apt-get install -y -q $3 && apt-get clean"
' - "$here" "$dir" "$packages"
rm -f "$dir/usr/sbin/policy-rc.d"
