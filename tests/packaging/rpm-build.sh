#!/bin/bash
# CI (.ci/run): build the source and binary RPMs from the release tarball
# with Debian's rpmbuild, and look into them.  Debian has none of the
# BuildRequires as RPMs (--nodeps) and no Fedora macros for SELinux
# scriptlets (they stay unexpanded: these RPMs are for checking, not for
# installing); the %check suites ran in `make check` already.
# Usage: tests/packaging/rpm-build.sh vgpu-hook-VERSION.tar.xz
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/harness/checklib.sh"
TARBALL=$(realpath "$1")
T=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-rpmbuild-XXXXXX")
trap 'rm -rf "$T"' EXIT

check "rpmbuild -ta builds the source and binary RPMs" \
        rpmbuild -ta "$TARBALL" --nodeps --without check --define "_topdir $T" \
        --define 'debug_package %{nil}' >"$T/log" 2>&1 || tail -30 "$T/log" >&2
srpm=$(ls "$T"/SRPMS/vgpu-hook-*.src.rpm 2>/dev/null || true)
rpm=$(ls "$T"/RPMS/*/vgpu-hook-[0-9]*.rpm 2>/dev/null || true)
serpm=$(ls "$T"/RPMS/noarch/vgpu-hook-selinux-*.rpm 2>/dev/null || true)
check "a source RPM" [ -n "$srpm" ]
check "the binary RPMs: vgpu-hook and vgpu-hook-selinux" [ -n "$rpm" -a -n "$serpm" ]
if [ -n "$rpm" ]; then
        rpm -qlp "$rpm" 2>/dev/null >"$T/files"
        for f in /usr/sbin/vgpu-hook /usr/bin/vgpuctl /etc/libvirt/hooks/qemu.d/vgpu-hook \
                /usr/lib64/vgpu-hook/vgpu-hook-ops.so /usr/lib64/vgpu-hook/vgpuctl-libvirt.so \
                /usr/lib/tmpfiles.d/vgpu-hook.conf /run/vgpu-hook /etc/vgpu-hook/profiles.d \
                /usr/lib/ocf/resource.d/vgpu-hook/vgpu-capacity; do
                check "vgpu-hook.rpm has $f" grep -qx "$f" "$T/files"
        done
        check "no AppArmor profile in the RPM" not grep -q apparmor "$T/files"
        check "the hook's link points at /usr/sbin" \
                grep -q '^l.* /etc/libvirt/hooks/qemu.d/vgpu-hook -> /usr/sbin/vgpu-hook$' <(rpm -qlvp "$rpm" 2>/dev/null)
        check "its post script reloads libvirt" grep -q 'systemctl reload' <(rpm -qp --scripts "$rpm" 2>/dev/null)
fi
[ -n "$serpm" ] && check "vgpu-hook-selinux.rpm has the module" \
        grep -qx /usr/share/selinux/packages/targeted/vgpu_hook.pp <(rpm -qlp "$serpm" 2>/dev/null)
echo "built: $(cd "$T" && ls SRPMS/* RPMS/*/* 2>/dev/null | tr '\n' ' ')"
finish
