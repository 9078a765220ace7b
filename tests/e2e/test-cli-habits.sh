#!/bin/bash
# End to end (issue 21, points 5 and 8): vgpuctl keeps virsh's habits where
# they do not conflict — `help COMMAND`, domain IDs, `detach --live --config`
# — and a mistyped command, profile name or type name gets a "did you mean";
# a malformed --license-server is a usage error, not a failed check.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
VGPUCTL="$top_builddir/vgpuctl"
export VGPUCTL_LIBVIRT_MODULE="$top_builddir/.libs/vgpuctl-libvirt.so"
unset VGPU_HOOK_ROOT
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top_srcdir/tests/harness/checklib.sh"
ROOT=$work/host
demo_root "$ROOT"
V() { "$VGPUCTL" --root "$ROOT" "$@"; }
said() { grep -qF -- "$1" "$work/err"; }

# ---- help COMMAND, and "did you mean" for commands ---------------------------------
expect 0 0 V help attach
check "help attach is attach --help" grep -q "^Usage: vgpuctl attach DOMAIN" "$work/out"
expect 0 0 V help
check "help lists the commands" grep -q "^  inventory " "$work/out"
expect 2 1 V inventroy
check "a mistyped command gets a suggestion ($(cat "$work/err"))" said "unknown command 'inventroy'; did you mean 'inventory'?"
expect 2 1 V help atach
check "so does help of one" said "did you mean 'attach'?"
expect 2 1 V frobnicate
check "no suggestion when nothing is close" not said "did you mean"

# ---- profile and type names ---------------------------------------------------------------
expect 2 1 V plan --profile T4-4Q
check "a profile name in capitals: the one meant ($(cat "$work/err"))" said "did you mean 't4-4q'?"
check "...and the rule in words, not a regular expression" not said "[a-z0-9]"
expect 1 1 V plan --profile t4-4
check "a profile name a letter short ($(cat "$work/err"))" \
        said "profile 't4-4' does not exist (no /etc/vgpu-hook/profiles.d/t4-4.json); did you mean 't4-4q'?"
expect 1 1 V plan --profile nothing-like-it
check "nothing close: where to look" said "'vgpuctl profiles' lists them"
printf '{"mdev_type": {"name": "T4-4Q"}}\n' >"$ROOT/etc/vgpu-hook/profiles.d/short.json"
expect 1 1 V profile check short
check "a type name without its vendor prefix ($(cat "$work/out"))" \
        grep -q "no type here is named 'T4-4Q'; did you mean 'GRID T4-4Q'?" "$work/out"
rm "$ROOT/etc/vgpu-hook/profiles.d/short.json"

# ---- domains by ID, and --live --config together --------------------------------------------
# libvirt's test driver runs domain "test" with ID 1
expect 0 0 V -c test:///default attach 1 --profile t4-4q --config --print-xml
check "attach takes a domain ID as virsh does" grep -q "<name>test</name>" "$work/out"
check "...and adds the vGPU" grep -q "type='mdev'" "$work/out"
expect 1 1 V -c test:///default detach test --all --live --config
check "detach --live --config is taken, and the running domain is done first ($(cat "$work/err"))" \
        said "holds no device leased by vgpu-hook"
expect 2 1 V -c test:///default attach test --profile t4-4q --live --config
check "attach --live --config says why not in one sentence" said "not both: a vGPU attached --live gets its own UUID"
expect 2 1 V -c test:///default detach test --all
check "neither flag: what each means" said "needs --config (the persistent definition), --live (the running domain), or both"

# ---- a usage error is not a failed check ------------------------------------------------------
expect 2 1 V doctor --license-server foo:bar
check "a malformed --license-server is a usage error ($(cat "$work/err"))" \
        said "--license-server takes HOST or HOST:PORT with PORT 1 to 65535, not 'foo:bar'"
check "...before any check runs" [ ! -s "$work/out" ]
finish
