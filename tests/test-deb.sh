#!/bin/bash
# CI (.ci/run): the Debian package, from the release tarball, as a user gets
# it.  Builds it (dpkg-buildpackage -us -uc -b, in a copy with debian/ added),
# runs lintian (no error, no warning), then installs it with dpkg in a private
# mount namespace — overlays on /usr, /etc and /var, a tmpfs on /run, so the
# machine's own system and package database stay untouched — and runs one
# life cycle with what the package installed: the hook through its link in
# /etc/libvirt/hooks/qemu.d, its module from the path built into it, vgpuctl
# from /usr/bin; then removes and purges it.  Needs root and a built tree
# (the simulated host and the kernel emulation come from tests/).
# Usage: tests/test-deb.sh vgpu-hook-VERSION.tar.xz
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir

if [ -z "${VGPU_DEB_NS:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "tests/test-deb.sh needs root (dpkg in a private mount namespace)" >&2; exit 1; }
        TARBALL=$(realpath "$1")
        B=$(mktemp -d /var/tmp/vgpu-deb-XXXXXX)
        trap '[ -n "${VGPU_KEEP:-}" ] || rm -rf "$B"' EXIT
        name=$(basename "$TARBALL" .tar.xz) # vgpu-hook-VERSION
        version=${name#vgpu-hook-}
        cp "$TARBALL" "$B/vgpu-hook_$version.orig.tar.xz"
        tar -C "$B" -xf "$TARBALL"
        cp -r "$top_srcdir/debian" "$B/$name/"
        echo "== dpkg-buildpackage -us -uc -b"
        start=$(date +%s)
        (cd "$B/$name" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck} parallel=$(nproc)" \
                dpkg-buildpackage -us -uc -b) >"$B/build.log" 2>&1 || { tail -40 "$B/build.log"; exit 1; }
        echo "built in $(($(date +%s) - start)) s: $(cd "$B" && ls ./*.deb | tr '\n' ' ')"
        echo "== lintian"
        lintian --fail-on error,warning --display-info "$B"/vgpu-hook_*.changes >"$B/lintian.log" 2>&1 && lrc=0 || lrc=$?
        cat "$B/lintian.log"
        echo "lintian: exit $lrc, $(grep -c '^[EW]:' "$B/lintian.log" || true) errors and warnings"
        [ $lrc = 0 ] || exit 1
        deb=$(ls "$B"/vgpu-hook_*.deb)
        VGPU_DEB_NS=1 unshare -m --propagation private bash "$0" "$deb"
        exit $?
fi

# ---- in the private mount namespace --------------------------------------------------------
DEB=$1
. "$top_srcdir/tests/installed-lib.sh"
W=$(mktemp -d /dev/shm/vgpu-deb-ns-XXXXXX)
trap 'cleanup; rm -rf "$W"' EXIT
for d in /usr /etc /var; do
        n=$W/ov$(echo "$d" | tr / _)
        mkdir -p "$n/up" "$n/work"
        mount -t overlay overlay -o "lowerdir=$d,upperdir=$n/up,workdir=$n/work" "$d"
done
mount -t tmpfs -o mode=0755 tmpfs /run

check "the machine does not have vgpu-hook installed" not dpkg -s vgpu-hook >/dev/null 2>&1
check "dpkg -i installs the package ($(tail -2 "$W/dpkg.log" 2>/dev/null))" \
        dpkg -i "$DEB" >"$W/dpkg.log" 2>&1 || cat "$W/dpkg.log" >&2
echo "== installed files (dpkg -L vgpu-hook)"
dpkg -L vgpu-hook | while read -r f; do [ -d "$f" ] && [ ! -L "$f" ] || echo "$f"; done | tee "$W/files"
check "the hook's link is where libvirt looks" [ "$(readlink /etc/libvirt/hooks/qemu.d/vgpu-hook)" = /usr/sbin/vgpu-hook ]
check "the AppArmor profile is a conffile" grep -qx ' */etc/apparmor.d/usr.sbin.vgpu-hook [0-9a-f]*' <(dpkg-query -W -f='${Conffiles}\n' vgpu-hook)
check "the AppArmor profile confines /usr/sbin/vgpu-hook" grep -q '^profile vgpu-hook /usr/sbin/vgpu-hook {' /etc/apparmor.d/usr.sbin.vgpu-hook
check "/etc/vgpu-hook/profiles.d is there for profiles" [ -d /etc/vgpu-hook/profiles.d ]
if command -v systemd-tmpfiles >/dev/null; then
        check "postinst made /run/vgpu-hook (tmpfiles.d): 0700 root" [ "$(stat -c '%a %U' /run/vgpu-hook 2>/dev/null)" = "700 root" ]
fi
module=$(grep '/vgpu-hook-ops\.so$' "$W/files" || true)
check "the hook loads the packaged module by its built-in path" grep -qaF "$module" /usr/sbin/vgpu-hook

HOOK=/etc/libvirt/hooks/qemu.d/vgpu-hook
VGPUCTL=/usr/bin/vgpuctl
unset VGPU_HOOK_MODULE
installed_life_cycle

check "dpkg -r removes it" dpkg -r vgpu-hook >"$W/dpkg.log" 2>&1
check "… the programs and the hook's link are gone" [ ! -e /usr/sbin/vgpu-hook -a ! -L "$HOOK" -a ! -e /usr/bin/vgpuctl ]
check "dpkg -P purges the conffiles" dpkg -P vgpu-hook >"$W/dpkg.log" 2>&1
check "… the AppArmor profile is gone" [ ! -e /etc/apparmor.d/usr.sbin.vgpu-hook ]
left=$(while read -r f; do if [ -e "$f" ] && [ ! -d "$f" ]; then echo "$f"; fi; done <"$W/files")
check "nothing of the package is left ($left)" [ -z "$left" ]
finish
