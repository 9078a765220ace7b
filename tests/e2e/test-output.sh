#!/bin/bash
# vgpuctl's output for people (issue 21, point 7): tables fit 100 columns
# (--wide for every column on one line), a plan whose later devices cannot
# fit either is one line, not a block each, GPUs are named from the PCI ID
# database under the root (pci.ids, as lspci does) and by their ids without
# one, and empty lists say so.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
. "$top_srcdir/tests/reliability/valgrind.sh"
VGPUCTL=$(valgrind_wrap "$top_builddir/vgpuctl")
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top_srcdir/tests/harness/checklib.sh"

ROOT=$work/host
"$top_builddir/tests/harness/vgpu-fakehost" "$top_srcdir/tests/presets/demo.host" "$ROOT" >/dev/null
mkdir -p "$ROOT/etc/vgpu-hook/profiles.d"
V() { "$VGPUCTL" --root "$ROOT" "$@"; }
widest() { awk '{ n = length($0); if (n > m) m = n } END { print m + 0 }' "$1"; }
fits() { # WHAT FILE: no line wider than 100 columns (characters, not bytes)
        local w
        w=$(LC_ALL=C.UTF-8 widest "$2")
        check "$1 fits 100 columns (widest line $w)" [ "$w" -le 100 ]
}

# ---- empty lists say so --------------------------------------------------------
expect 0 0 V leases
check "no lease: 'no leases', not a bare header ($(cat "$work/out"))" [ "$(cat "$work/out")" = "no leases" ]
expect 0 0 V profiles
check "no profile: 'no profiles' ($(cat "$work/out"))" grep -q '^no profiles' "$work/out"
check "and no header" not grep -q '^PROFILE' "$work/out"

# ---- the PCI ID database -----------------------------------------------------
# This machine's own /usr/share/misc/pci.ids is outside the root: not read.
expect 0 0 V inventory
check "without pci.ids under the root the T4 is its ids" grep -Eq '^0000:3b:00.0 +gpu +10de:1eb8 ' "$work/out"
expect 0 0 V inventory --json
check "and the JSON's model is null" grep -q '"model": null' "$work/out"
mkdir -p "$ROOT/usr/share/misc"
cp "$top_srcdir/tests/data/pci.ids" "$ROOT/usr/share/misc/pci.ids"
expect 0 0 V inventory
cp "$work/out" "$work/inventory"
check "the T4 is named as lspci names it" grep -Eq '^0000:3b:00.0 +gpu +Tesla T4 +nvidia ' "$work/inventory"
check "the L4 is NVIDIA's 27b8, not Intel's" grep -Eq '^0000:82:00.0 +gpu +L4 +nvidia ' "$work/inventory"
check "a name without brackets is whole" grep -Eq '^0000:01:00.0 +other +QEMU NVM Express Controller +nvme ' \
        "$work/inventory"
fits "inventory" "$work/inventory"
expect 0 0 V inventory --wide
check "--wide adds the ids" grep -Eq '^0000:3b:00.0 +gpu +Tesla T4 +10de:1eb8 +nvidia ' "$work/out"
check "--wide does not wrap" [ "$(grep -c 'VF of 0000:82:00.0, vGPU type none, 6 creatable' "$work/out")" = 3 ]
expect 0 0 V inventory --json
check "the JSON names the model" grep -q '"model": "TU104GL \[Tesla T4\]"' "$work/out"
# the Fedora path, when Debian's is absent
mkdir -p "$ROOT/usr/share/hwdata"
mv "$ROOT/usr/share/misc/pci.ids" "$ROOT/usr/share/hwdata/pci.ids"
expect 0 0 V inventory
check "hwdata's pci.ids is read too" grep -Eq '^0000:3b:00.0 +gpu +Tesla T4 ' "$work/out"

# ---- tables fit 100 columns ----------------------------------------------------
cp "$top_srcdir"/tests/data/etc/vgpu-hook/profiles.d/*.json "$ROOT/etc/vgpu-hook/profiles.d/"
chmod -R u+w "$ROOT/etc"
expect 0 - V profiles
fits "profiles" "$work/out"
check "a long description wraps under WHAT" grep -Eq '^ {30,}[a-z]' "$work/out"
expect 0 - V profiles --wide
check "--wide: one line a profile" [ "$(wc -l <"$work/out")" = "$(($(ls "$ROOT/etc/vgpu-hook/profiles.d" | wc -l) + 1))" ]

# ---- plan: the devices that cannot fit either are one line -------------------------
expect 1 1 V plan --profile t4-4q --count 50
cp "$work/out" "$work/plan"
check "one 'nothing fits' block, not 47 ($(grep -c 'nothing fits' "$work/plan"))" \
        [ "$(grep -c ': nothing fits$' "$work/plan")" = 1 ]
check "then one line for the rest" grep -qx 'devices [0-9]* to 50 of 50: nothing fits either, for the same reasons' \
        "$work/plan"
check "plan --count 50 is short ($(wc -l <"$work/plan") lines)" [ "$(wc -l <"$work/plan")" -le 80 ]
fits "plan" "$work/plan"
check "the reason of the failure stays" grep -q 'only [0-9]* of 50 devices of profile t4-4q fit' "$work/err"
expect 1 1 V plan --profile t4-4q --count 50 --json
check "--json still lists all 50" [ "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["devices"]))' \
        <"$work/out")" = 50 ]
finish
