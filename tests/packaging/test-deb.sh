#!/bin/bash
# CI (.ci/run): the Debian package, from the release tarball, as a user gets
# it.  Builds it (dpkg-buildpackage -us -uc -b, in a copy with debian/ added),
# runs lintian (no error, no warning), then installs it with dpkg in a private
# mount namespace — overlays on /usr, /etc and /var, a tmpfs on /run, so the
# machine's own system and package database stay untouched — and runs one
# with it: a private libvirtd started before the package is unpacked runs
# the packaged hook only once the postinst has reloaded it (a VM's prepare
# and release through the real daemon); one life cycle with what the
# package installed: the hook through its link in /etc/libvirt/hooks/qemu.d,
# its module from the path built into it, vgpuctl from /usr/bin; then
# removes and purges it.  Needs root and a built tree
# (the simulated host and the kernel emulation come from tests/).
# Usage: tests/packaging/test-deb.sh vgpu-hook-VERSION.tar.xz
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
export top_srcdir top_builddir

if [ -z "${VGPU_DEB_NS:-}" ]; then
        [ "$(id -u)" = 0 ] || { echo "tests/packaging/test-deb.sh needs root (dpkg in a private mount namespace)" >&2; exit 1; }
        [ -x "$top_builddir/tests/harness/vgpu-fakehost" ] ||
                { echo "tests/packaging/test-deb.sh needs the tests built (make check first): no $top_builddir/tests/harness/vgpu-fakehost" >&2; exit 1; }
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
. "$top_srcdir/tests/packaging/installed-lib.sh"
. "$top_srcdir/tests/libvirtd/libvirtd-lib.sh" # lv_start, lv_stop, lv_qemu_account, lv_stores, lv_plain_xml
W=$(mktemp -d /dev/shm/vgpu-deb-ns-XXXXXX)
trap 'lv_stop; cleanup; umount "$W/host/proc" 2>/dev/null || true; rm -rf "$W"' EXIT
for d in /usr /etc /var; do
        n=$W/ov$(echo "$d" | tr / _)
        mkdir -p "$n/up" "$n/work"
        mount -t overlay overlay -o "lowerdir=$d,upperdir=$n/up,workdir=$n/work" "$d"
done
mount -t tmpfs -o mode=0755 tmpfs /run
for d in /etc/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
        mkdir -p $d && mount -t tmpfs -o mode=0755 tmpfs $d
done
check "the machine does not have vgpu-hook installed" not dpkg -s vgpu-hook >/dev/null 2>&1

# ---- libvirtd, running before the package comes, runs its hook after postinst -----
# A private libvirtd with no hook at all (tests/README: the harness), the
# simulated T4 host named by /etc/vgpu-hook/vgpu-hook.conf, the kernel
# emulation as the daemon's LD_PRELOAD.
lv_daemon_config
ROOT=$W/host
"$FAKEHOST" "$top_srcdir/tests/presets/t4.host" "$ROOT" >/dev/null
mkdir -p "$ROOT/etc/vgpu-hook/profiles.d" "$ROOT/run/libvirt/qemu" "$ROOT/proc" /etc/vgpu-hook
mount --bind /proc "$ROOT/proc"
printf '{"mdev_type": {"name": "GRID T4-4Q"}}\n' >"$ROOT/etc/vgpu-hook/profiles.d/t4-4q.json"
printf '{"root": "%s", "lock_wait_ms": 2000, "release_retries": 0}\n' "$ROOT" >/etc/vgpu-hook/vgpu-hook.conf
lv_qemu_account
URI="qemu:///system?socket=/run/libvirt/libvirt-sock"
VIRSH() { virsh -q -c "$URI" "$@"; }
lv_start
check "libvirtd wrote its pid file (postinst finds it there)" [ "$(cat /run/libvirtd.pid 2>/dev/null)" = "$LIBVIRTD_PID" ]
check "dpkg --unpack puts the files in place ($(tail -1 "$W/dpkg.log" 2>/dev/null))" dpkg --unpack "$DEB" >"$W/dpkg.log" 2>&1
lv_plain_xml vgpu1 | /usr/bin/vgpuctl render --root "$ROOT" --profile t4-4q - >"$W/vgpu1.xml"
check "the installed vgpuctl renders a VM that defines" VIRSH define "$W/vgpu1.xml" >/dev/null
stores=$(lv_stores)
check "a vGPU VM does not start without VFIO" not lv_run VIRSH start vgpu1
check "… and libvirtd, which found no hook at its start, ran none" [ "$(lv_stores)" = "$stores" ]
check "dpkg --configure runs the postinst ($(tail -1 "$W/dpkg.log" 2>/dev/null))" \
        dpkg --configure vgpu-hook >"$W/dpkg.log" 2>&1
sleep 1 # the reload runs in a thread of the daemon
stores=$(lv_stores)
check "after the postinst's reload, libvirtd runs the packaged hook" not lv_run VIRSH start vgpu1
echo "# virsh start vgpu1: $(tr '\n' ' ' <"$W/err")"
check "… prepare created the mdev and release removed it (2 stores, got $(($(lv_stores) - stores)))" \
        [ "$(($(lv_stores) - stores))" = 2 ]
check "… the ledger is empty" [ "$(/usr/bin/vgpuctl leases --json --root "$ROOT" | grep -c domain_uuid)" = 0 ]
lv_stop
umount "$ROOT/proc"
rm -f /etc/vgpu-hook/vgpu-hook.conf

echo "== installed files (dpkg -L vgpu-hook)"
dpkg -L vgpu-hook | while read -r f; do [ -d "$f" ] || echo "$f"; done | tee "$W/files"
check "the hook's link is where libvirt looks" [ "$(readlink /etc/libvirt/hooks/qemu.d/vgpu-hook)" = /usr/sbin/vgpu-hook ]
check "the AppArmor profile is a conffile" grep -qx ' */etc/apparmor.d/usr.sbin.vgpu-hook [0-9a-f]*' <(dpkg-query -W -f='${Conffiles}\n' vgpu-hook)
check "the AppArmor profile confines /usr/sbin/vgpu-hook" grep -q '^profile vgpu-hook /usr/sbin/vgpu-hook {' /etc/apparmor.d/usr.sbin.vgpu-hook
check "/etc/vgpu-hook/profiles.d is there for profiles" [ -d /etc/vgpu-hook/profiles.d ]
if command -v systemd-tmpfiles >/dev/null; then
        check "postinst made /run/vgpu-hook (tmpfiles.d): 0700 root" [ "$(stat -c '%a %U' /run/vgpu-hook 2>/dev/null)" = "700 root" ]
fi
check "Pacemaker finds the OCF agent, which runs the packaged vgpuctl" \
        grep -qx ': "${OCF_RESKEY_vgpuctl:=/usr/bin/vgpuctl}"' /usr/lib/ocf/resource.d/vgpu-hook/vgpu-capacity
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
finish && exit 0 || exit 1
