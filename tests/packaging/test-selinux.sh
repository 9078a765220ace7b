#!/bin/bash
# The SELinux policy module (dist/selinux, docs/admin-guide.md "Confinement: AppArmor and SELinux") compiles
# with Debian's refpolicy development headers (selinux-policy-dev: the
# interface macros, checkmodule, semodule_package), as dist/rpm builds it
# with Fedora's; the package holds the file contexts; a broken module is
# refused.  It is never loaded here: no SELinux kernel, no Fedora policy
# (docs/admin-guide.md says what that leaves untested).
set -eu
. "$top_srcdir/tests/harness/checklib.sh"
DEVEL=/usr/share/selinux/devel/Makefile
for t in checkmodule semodule_package semodule_unpackage; do
        command -v $t >/dev/null || { echo "$t is not installed (apt-get install checkpolicy semodule-utils)" >&2; exit 1; }
done
[ -f $DEVEL ] || { echo "$DEVEL is missing (apt-get install selinux-policy-dev)" >&2; exit 1; }
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-se-XXXXXX")
trap 'rm -rf "$X"' EXIT

build() { # DIR: compile the module there
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$1" -f $DEVEL vgpu_hook.pp >"$1/log" 2>&1
}
mkdir "$X/ok" "$X/bad"
cp "$top_srcdir"/dist/selinux/vgpu_hook.{te,fc,if} "$X/ok/"
check "the module compiles ($(tail -3 "$X/ok/log" 2>/dev/null))" build "$X/ok"
check "… with no warning" not grep -qi 'warning' "$X/ok/log"
check "vgpu_hook.pp was made" [ -s "$X/ok/vgpu_hook.pp" ]
semodule_unpackage "$X/ok/vgpu_hook.pp" "$X/ok/m.mod" "$X/ok/m.fc"
fc=$(grep -v '^\s*\(#\|$\)' "$X/ok/m.fc")
check "file context: the hook is vgpu_hook_exec_t" \
        grep -qx '/usr/sbin/vgpu-hook\s*--\s*system_u:object_r:vgpu_hook_exec_t:s0' <<<"$fc"
check "file context: /etc/vgpu-hook is vgpu_hook_conf_t" grep -q '^/etc/vgpu-hook(/\.\*)?\s*system_u:object_r:vgpu_hook_conf_t:s0$' <<<"$fc"
check "file context: /run/vgpu-hook is vgpu_hook_runtime_t" grep -q '^/run/vgpu-hook(/\.\*)?\s*system_u:object_r:vgpu_hook_runtime_t:s0$' <<<"$fc"
check "three file contexts, no more" [ "$(wc -l <<<"$fc")" = 3 ]
# The binary module names what it declares and what it needs (types are
# kept as strings in the module's symbol tables).
for t in vgpu_hook_t vgpu_hook_exec_t vgpu_hook_conf_t vgpu_hook_runtime_t sysfs_t vfio_device_t virtd_t virtqemud_t; do
        check "the module refers to $t" grep -q "$t" <(strings "$X/ok/m.mod")
done
check "it grants no exec of binaries (bin_t)" not grep -qx 'bin_t' <(strings "$X/ok/m.mod")

cp "$top_srcdir"/dist/selinux/vgpu_hook.{te,fc,if} "$X/bad/"
echo 'vgpu_hook_no_such_interface(vgpu_hook_t)' >>"$X/bad/vgpu_hook.te"
check "a module calling an unknown interface is refused (the compiler is awake)" not build "$X/bad"
finish
