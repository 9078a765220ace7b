#!/bin/bash
# The README's main job (make demo) does what it says: two VMs get their
# vGPUs, a third is refused with the reason, and stopping frees everything.
set -eu
. "$top_srcdir/tests/harness/checklib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
bash "$top_srcdir/tests/e2e/demo.sh" "$work/host" >"$work/out" 2>&1 || fail "demo.sh exited $?"
sed 's/\x1b\[[0-9;]*m//g' "$work/out" >"$work/plain"
check "web1 holds a T4-4Q" grep -Eq '^web1 .* active +mdev .* 0000:3b:00.0 +nvidia-224 \(t4-4q\)' "$work/plain"
check "cad2 holds a GVT-g slice" grep -Eq '^cad2 .* active +mdev .* 0000:00:02.0 +i915-GVTg_V5_4 \(gvtg-4\)' "$work/plain"
check "the third VM is refused with the reason" grep -q 'another type resident (0000:3b:00.0 holds GRID T4-4Q for domain web1)' "$work/plain"
check "stopping freed both devices" [ "$(sed -n '/libvirt stops both VMs/,$p' "$work/plain" | grep -c '3b0e1c2d-0000-4000-8000-00000000aa0')" = 0 ]
hint=$(sed -n 's/.*(JSON: \(.*\))$/\1/p' "$work/plain")
check "the closing hint runs as printed ($hint)" sh -c "$hint | python3 -m json.tool >/dev/null"
finish
