#!/bin/bash
# The RPM spec (dist/rpm/vgpu-hook.spec) parses with rpm's own parser, with
# and without its SELinux subpackage, carries this release's version, and
# names every directory make install fills.  CI builds the source and binary
# RPMs from the release tarball (tests/packaging/rpm-build.sh).
set -eu
. "$top_srcdir/tests/harness/checklib.sh"
command -v rpmspec >/dev/null || { echo "rpmspec is not installed (apt-get install rpm)" >&2; exit 1; }
SPEC="$top_srcdir/dist/rpm/vgpu-hook.spec"
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-rpm-XXXXXX")
trap 'rm -rf "$X"' EXIT
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")

check "rpmspec parses the spec ($(rpmspec -P "$SPEC" 2>&1 >/dev/null | head -2))" rpmspec -P "$SPEC" >"$X/spec"
rpmspec -P "$SPEC" >"$X/spec" 2>/dev/null || true
check "… and without SELinux" rpmspec --without selinux -P "$SPEC" >/dev/null
check "its version is this release's ($version)" grep -qx "Version: *$version" "$X/spec"
check "two packages: vgpu-hook and vgpu-hook-selinux" \
        [ "$(rpmspec -q --qf '%{name}\n' "$SPEC" 2>/dev/null | sort | tr '\n' ' ')" = "vgpu-hook vgpu-hook-selinux " ]
check "no SELinux subpackage --without selinux" \
        [ "$(rpmspec --without selinux -q --qf '%{name}\n' "$SPEC" 2>/dev/null)" = vgpu-hook ]
# What make install puts outside the package's own directories must be listed.
for f in /usr/bin/vgpuctl /usr/sbin/vgpu-hook /etc/libvirt/hooks/qemu.d/vgpu-hook \
        /usr/share/bash-completion/completions/vgpuctl /usr/lib/tmpfiles.d/vgpu-hook.conf \
        /usr/share/man/man8/vgpuctl.8 /usr/share/man/man8/vgpu-hook.8 /usr/share/man/man5/vgpu-hook.conf.5 \
        /usr/share/doc/vgpu-hook/examples/ /usr/share/vgpu-hook/ /usr/lib64/vgpu-hook/ \
        /usr/share/selinux/packages/targeted/vgpu_hook.pp; do
        check "%files lists $f" grep -q "^\(%[a-z]* \)*${f//./\\.}\*\?\$" <(sed -n '/^%files/,/^%changelog/p' "$X/spec")
done
check "configure gets libvirt's hook directory and no AppArmor" \
        grep -q -- '--with-libvirt-hookdir=/etc/libvirt/hooks/qemu.d' "$X/spec" && grep -q -- '--with-apparmordir=no' "$X/spec"
finish
