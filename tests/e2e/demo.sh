#!/bin/bash
# The README's main job: the real vgpu-hook and vgpuctl on the built-in
# simulated GPU host (tests/presets/demo.host), with the kernel's answers
# emulated by tests/harness/.libs/libkshim.so.  Two VMs start and stop.
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
ROOT=${1:-$top_builddir/demo-host}
HOOK="$top_builddir/vgpu-hook"
VGPUCTL="$top_builddir/vgpuctl"
# the programs find their modules in the build tree they run from
export VGPU_HOOK_ROOT="$ROOT"
# ASan's runtime must come first in LD_PRELOAD (configure --enable-sanitizers)
ASAN_RUNTIME=$(ldd "$HOOK" 2>/dev/null | awk '$1 ~ /^libasan\.so/ { print $3 }')
KSHIM="${ASAN_RUNTIME:+$ASAN_RUNTIME:}$top_builddir/tests/harness/.libs/libkshim.so"

rm -rf "$ROOT"
"$top_builddir/tests/harness/vgpu-fakehost" "$top_srcdir/tests/presets/demo.host" "$ROOT"
mkdir -p "$ROOT/etc/vgpu-hook/profiles.d" "$ROOT/run/libvirt/qemu"
cat >"$ROOT/etc/vgpu-hook/profiles.d/t4-4q.json" <<'JSON'
{"description": "NVIDIA T4, 4 GB", "mdev_type": {"name": "GRID T4-4Q"}, "policy": "pack"}
JSON
cat >"$ROOT/etc/vgpu-hook/profiles.d/gvtg-4.json" <<'JSON'
{"description": "Intel GVT-g, a quarter iGPU", "mdev_type": {"name": "GVTg_V5_4"}}
JSON

vm() { # NAME UUID MDEV-UUID PROFILE
        cat <<XML
<domain type='kvm'>
  <name>$1</name>
  <uuid>$2</uuid>
  <metadata>
    <vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'>
      <vgpu:mdev uuid='$3' profile='$4'/>
    </vgpu:devices>
  </metadata>
  <devices>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source><address uuid='$3'/></source>
    </hostdev>
  </devices>
</domain>
XML
}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { # NAME OP SUBOP < XML: as libvirt runs the hook
        echo "\$ vgpu-hook $1 $2 $3 -"
        LD_PRELOAD="$KSHIM" "$HOOK" "$1" "$2" "$3" - || echo "(exit $?)"
}
mkdir -p "$ROOT/proc/$$" && cp "/proc/$$/stat" "$ROOT/proc/$$/stat"
# What libvirt does between "start" and "started": run QEMU.  A sleeping
# stand-in, visible in the simulated /proc with the domain's -uuid, so
# that the leases of a running VM are not taken for stale ones.
QEMU_PIDS=""
trap 'kill $QEMU_PIDS 2>/dev/null || true' EXIT
qemu() { # NAME UUID
        sleep 600 &
        QEMU_PIDS="$QEMU_PIDS $!"
        echo $! >"$ROOT/run/libvirt/qemu/$1.pid"
        mkdir -p "$ROOT/proc/$!"
        cp "/proc/$!/stat" "$ROOT/proc/$!/stat"
        printf 'qemu-system-x86_64\0-uuid\0%s\0' "$2" >"$ROOT/proc/$!/cmdline"
}
vm web1 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01 3b0e1c2d-0000-4000-8000-00000000aa01 t4-4q >"$ROOT/web1.xml"
vm cad2 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02 3b0e1c2d-0000-4000-8000-00000000aa02 gvtg-4 >"$ROOT/cad2.xml"

say "The simulated host"
"$VGPUCTL" inventory
say "libvirt starts web1 (profile t4-4q) and cad2 (profile gvtg-4)"
for d in web1 cad2; do
        run $d prepare begin <"$ROOT/$d.xml"
        run $d start begin <"$ROOT/$d.xml"
        qemu $d "$(sed -n 's/.*<uuid>\(.*\)<\/uuid>.*/\1/p' "$ROOT/$d.xml")"
        run $d started begin <"$ROOT/$d.xml"
done
say "Who holds what"
"$VGPUCTL" leases
say "The mdevs now (web1 went onto the T4 already in use: policy pack)"
"$VGPUCTL" inventory | sed -n '/^mdev instances/,$p'
say "A third VM asks for a T4 type the busy T4 cannot take: refused before anything is made"
cat >"$ROOT/etc/vgpu-hook/profiles.d/t4-1q.json" <<'JSON'
{"mdev_type": {"name": "GRID T4-1Q"}, "addresses": ["0000:3b:00.0"]}
JSON
vm bad3 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a03 3b0e1c2d-0000-4000-8000-00000000aa03 t4-1q >"$ROOT/bad3.xml"
run bad3 prepare begin <"$ROOT/bad3.xml" || true
say "libvirt stops both VMs"
for d in web1 cad2; do
        kill "$(cat "$ROOT/run/libvirt/qemu/$d.pid")" # the guest shuts down
        run $d stopped end <"$ROOT/$d.xml"
        run $d release end <"$ROOT/$d.xml"
done
"$VGPUCTL" leases
"$VGPUCTL" inventory | sed -n '/^mdev instances/,$p'
say "Done: the simulated host is in $ROOT (JSON: $VGPUCTL inventory --json --root $ROOT)"
