#!/bin/bash
# End to end (issue 21, point 2): vgpuctl and vgpu-hook run from the build
# tree with no environment variables — the commands that talk to libvirt and
# the hook's prepare and release load the modules built beside them — while a
# program outside a build tree, or in a tree whose module others may write,
# loads only the installed module (LD_DEBUG=files shows which file dlopen took).
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/checklib.sh"
unset VGPU_HOOK_MODULE VGPUCTL_LIBVIRT_MODULE
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT
BUILT=$(cd "$top_builddir" && pwd -P)

# ---- the hook, as an admin links it from the tree into /etc/libvirt/hooks ------
fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
U=3b0e1c2d-0000-4000-8000-00000000b001
domain vm1 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b01 "      <vgpu:mdev uuid='$U' profile='t4-4q'/>" "$U" >"$work/vm1.xml"
hook "$work/vm1.xml" vm1 prepare begin -
check "prepare from the build tree with no VGPU_HOOK_MODULE (rc $rc: $err)" [ "$rc" = 0 ]
check "...creates the mdev" mdev_exists "$U"
hook "$work/vm1.xml" vm1 release end -
check "release from the build tree removes it (rc $rc: $err)" not mdev_exists "$U"

# ---- vgpuctl's libvirt commands ---------------------------------------------------
V() { "$top_builddir/vgpuctl" --root "$ROOT" "$@"; }
expect 0 0 V -c test:///default attach test --profile t4-4q --config --print-xml
check "attach from the build tree reaches libvirt" grep -q "type='mdev'" "$work/out"
expect 0 0 V -c test:///default inventory --committed
check "inventory --committed from the build tree" grep -q "no stopped domain asks" "$work/out"

# ---- which module a copy loads --------------------------------------------------------
# loaded DIR: the vgpuctl-libvirt.so that vgpuctl copied to DIR tries to dlopen
loaded() {
        LD_DEBUG=files "$1/vgpuctl" --root "$ROOT" -c test:///default inventory --committed 2>&1 |
                sed -n 's/.*file=\([^ ]*vgpuctl-libvirt\.so\) .*/\1/p' | head -1
}
tree=$work/tree
mkdir -p "$tree/.libs"
cp "$top_builddir/vgpuctl" "$tree/"
cp "$BUILT/.libs/vgpuctl-libvirt.so" "$tree/.libs/"
installed=$(loaded "$tree")
check "outside a build tree: the installed module ($installed)" [ "$installed" != "$tree/.libs/vgpuctl-libvirt.so" ]
check "...by its absolute path" [ "${installed#/}" != "$installed" ]
touch "$tree/config.status"
check "in a build tree: the module beside it ($(loaded "$tree"))" [ "$(loaded "$tree")" = "$tree/.libs/vgpuctl-libvirt.so" ]
chmod g+w "$tree/.libs/vgpuctl-libvirt.so"
check "a module others may write is never loaded ($(loaded "$tree"))" [ "$(loaded "$tree")" = "$installed" ]
chmod g-w "$tree/.libs/vgpuctl-libvirt.so"
chmod o+w "$tree/.libs"
check "nor one in a directory others may write ($(loaded "$tree"))" [ "$(loaded "$tree")" = "$installed" ]
chmod o-w "$tree/.libs"
rm "$tree/.libs/vgpuctl-libvirt.so"
ln -s "$BUILT/.libs/vgpuctl-libvirt.so" "$tree/.libs/vgpuctl-libvirt.so"
check "nor a symlink ($(loaded "$tree"))" [ "$(loaded "$tree")" = "$installed" ]
finish
