#!/bin/bash
# End to end: the real vgpuctl binary on the real kernel capture and on
# simulated hosts, including its answers to bad usage and bad roots.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
. "$top_srcdir/tests/reliability/valgrind.sh"
VGPUCTL=$(valgrind_wrap "$top_builddir/vgpuctl")
FAKEHOST="$top_builddir/tests/harness/vgpu-fakehost"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top_srcdir/tests/harness/checklib.sh"

mkdir "$work/capture"
tar -xzf "$top_srcdir/tests/data/sysfs-linux-6.1-mdev-samples-nvme-sriov.tar.gz" -C "$work/capture"
golden="$top_srcdir/tests/golden/inventory-capture.json"

# The JSON of the real kernel's tree, byte for byte, by every way of naming the root.
expect 0 0 "$VGPUCTL" inventory --json --root "$work/capture"
cmp -s "$work/out" "$golden" && pass || fail "inventory --json --root differs from $golden"
expect 0 0 "$VGPUCTL" --root "$work/capture" inventory --json
cmp -s "$work/out" "$golden" && pass || fail "vgpuctl --root … inventory --json differs"
VGPU_HOOK_ROOT="$work/capture" expect 0 0 "$VGPUCTL" inventory --json
cmp -s "$work/out" "$golden" && pass || fail "VGPU_HOOK_ROOT inventory --json differs"

# The readable table of the demo host names what an admin looks for.
"$FAKEHOST" "$top_srcdir/tests/presets/demo.host" "$work/demo"
expect 0 0 "$VGPUCTL" inventory --root "$work/demo"
for row in '^0000:3b:00.0 +gpu +10de:1eb8 +nvidia ' \
           '^0000:01:00.0 +other +1b36:0010 +nvme .*PF: 2 of 4 VFs, autoprobe off' \
           '^0000:01:00.1 .* vfio-pci .*VF of 0000:01:00.0' \
           '^0000:ca:00.4 +0000:ca:00.0 ' \
           '^ +nvidia-224 +GRID T4-4Q +vfio-pci +3 +1$' \
           '^mtty +mtty .* mtty-1 +Single port serial +vfio-pci +22 +0$' \
           '^6a7e1c2d-0000-4000-8000-000000000001 +mtty +mtty-2 +7 +-$'; do
        grep -Eq -- "$row" "$work/out" && pass || fail "table has no row matching '$row'"
done

# Odd sysfs: still exit 0, one warning line per problem, JSON lists it.
echo junk >"$work/demo/sys/bus/pci/devices/0000:3b:00.0/numa_node"
expect 0 1 "$VGPUCTL" inventory --root "$work/demo"
grep -q 'warning: 0000:3b:00.0: numa_node is not a number' "$work/err" && pass || fail "no numa_node warning"
expect 0 0 "$VGPUCTL" inventory --json --root "$work/demo"
grep -q '"0000:3b:00.0: numa_node is not a number"' "$work/out" && pass || fail "JSON lacks the problem"

# Usage errors: exit 2; failures: exit 1; one sentence each.
expect 2 - "$VGPUCTL"
expect 2 1 "$VGPUCTL" frobnicate
expect 2 1 "$VGPUCTL" inventory extra
expect 2 - "$VGPUCTL" inventory --bogus
expect 1 1 "$VGPUCTL" inventory --root "$work/does-not-exist"
mkdir "$work/empty"
expect 1 1 "$VGPUCTL" inventory --root "$work/empty"
grep -q "cannot read the host under $work/empty" "$work/err" && pass || fail "bad root sentence: $(cat "$work/err")"
expect 0 0 "$VGPUCTL" --help
expect 0 0 "$VGPUCTL" inventory --help
expect 0 0 "$VGPUCTL" --version

finish
