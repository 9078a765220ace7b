#!/bin/bash
# The simulated `make check-vm` guest (presets vm-6.1, capture-vm-6.1) must
# answer as the real one did: the same goldens that the guest's scenarios
# check on the real kernel (tests/vm/scenarios/1, 3) are checked here on the
# presets, and the real capture's inventory is checked too.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
. "$top_srcdir/tests/harness/checklib.sh"
VGPUCTL=$top_builddir/vgpuctl FAKEHOST=$top_builddir/tests/harness/vgpu-fakehost G=$top_srcdir/tests/golden
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-vmpresets-XXXXXX")
trap 'rm -rf "$work"' EXIT
unset VGPU_HOOK_ROOT

same_json() { python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$1" "$2"; }

"$FAKEHOST" "$top_srcdir/tests/presets/vm-6.1.host" "$work/vm" >/dev/null
# scenario 1: the fresh guest's inventory
expect 0 0 "$VGPUCTL" --root "$work/vm" inventory --json
check "vm-6.1 inventory equals inventory-vm.json (the real guest's)" same_json "$work/out" "$G/inventory-vm.json"

# scenario 3: where pack and spread put two "Dual port serial" devices
mkdir -p "$work/vm/etc/vgpu-hook/profiles.d"
for policy in pack spread; do
	printf '{"mdev_type": {"name": "Dual port serial"}, "policy": "%s"}\n' $policy \
		>"$work/vm/etc/vgpu-hook/profiles.d/dual.json"
	expect 0 0 "$VGPUCTL" --root "$work/vm" plan --profile dual --count 2
	check "plan $policy equals plan-vm-dual-$policy-2.txt (the real guest's)" \
		cmp "$work/out" "$G/plan-vm-dual-$policy-2.txt"
done

# the real capture's inventory
mkdir "$work/capture"
tar -xzf "$top_srcdir/tests/data/sysfs-linux-6.1-vm.tar.gz" -C "$work/capture"
expect 0 0 "$VGPUCTL" --root "$work/capture" inventory --json
check "inventory of the guest's capture equals inventory-capture-vm.json" \
	same_json "$work/out" "$G/inventory-capture-vm.json"
"$FAKEHOST" "$top_srcdir/tests/presets/capture-vm-6.1.host" "$work/cvm" >/dev/null
expect 0 0 "$VGPUCTL" --root "$work/cvm" inventory --json
check "capture-vm-6.1 preset's inventory equals the capture's" \
	same_json "$work/out" "$G/inventory-capture-vm.json"
finish
