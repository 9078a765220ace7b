#!/bin/bash
# The README's main job: the real vgpu-hook and vgpuctl on the built-in
# simulated GPU host (tests/presets/demo.host), with the kernel's answers
# emulated by tests/harness/.libs/libkshim.so.  The story, in order: a profile,
# a VM that asks for it, libvirt starting the VM (the hook's prepare), the
# mdev appearing, a refusal with its reason, and stopping freeing it all.
# Every vgpuctl command is shown as it can be typed again.
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
ROOT=${1:-$top_builddir/demo-host}
HOOK="$top_builddir/vgpu-hook"
VGPUCTL="$top_builddir/vgpuctl"
# ASan's runtime must come first in LD_PRELOAD (configure --enable-sanitizers)
ASAN_RUNTIME=$(ldd "$HOOK" 2>/dev/null | awk '$1 ~ /^libasan\.so/ { print $3 }')
KSHIM="${ASAN_RUNTIME:+$ASAN_RUNTIME:}$top_builddir/tests/harness/.libs/libkshim.so"

# A path as the user types it: relative to the current directory below it.
short() {
        case $1 in
        "$PWD"/*) printf '%s' "${1#"$PWD"/}" ;;
        *) printf '%s' "$1" ;;
        esac
}
VGPUCTL_SHOWN=$(short "$VGPUCTL")
case $VGPUCTL_SHOWN in /*) ;; *) VGPUCTL_SHOWN=./$VGPUCTL_SHOWN ;; esac
ROOT_SHOWN=$(short "$ROOT")
# Bold headings on a terminal only, never with NO_COLOR (https://no-color.org/).
if [ -t 1 ] && [ -z "${NO_COLOR+set}" ]; then
        BOLD=$(printf '\033[1m') PLAIN=$(printf '\033[0m')
else
        BOLD='' PLAIN=''
fi
say() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
# vgpuctl ARGS: echoed as typed (with --root), then run just so.
vgpuctl() {
        echo "\$ $VGPUCTL_SHOWN --root $ROOT_SHOWN $*"
        "$VGPUCTL" --root "$ROOT" "$@" || echo "(exit $?)"
}
show() { # FILE: echoed as typed, then shown
        echo "\$ cat $(short "$1")"
        cat "$1"
}
hook() { # NAME OP SUBOP < XML: as libvirt runs the hook (the domain XML on stdin)
        echo "libvirt runs: vgpu-hook $1 $2 $3 -"
        VGPU_HOOK_ROOT="$ROOT" LD_PRELOAD="$KSHIM" "$HOOK" "$1" "$2" "$3" - || echo "(exit $?)"
}

rm -rf "$ROOT"
"$top_builddir/tests/harness/vgpu-fakehost" "$top_srcdir/tests/presets/demo.host" "$ROOT"
mkdir -p "$ROOT/etc/vgpu-hook/profiles.d" "$ROOT/run/libvirt/qemu" "$ROOT/usr/share/misc"
# the host's PCI ID database (the pci.ids package), for the GPUs' names
cp "$top_srcdir/tests/data/pci.ids" "$ROOT/usr/share/misc/pci.ids"
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
start() { # NAME: libvirt's "virsh start NAME", as the hook sees it
        hook "$1" prepare begin <"$ROOT/$1.xml"
        hook "$1" start begin <"$ROOT/$1.xml"
        qemu "$1" "$(sed -n 's/.*<uuid>\(.*\)<\/uuid>.*/\1/p' "$ROOT/$1.xml")"
        hook "$1" started begin <"$ROOT/$1.xml"
}
vm web1 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01 3b0e1c2d-0000-4000-8000-00000000aa01 t4-4q >"$ROOT/web1.xml"
vm cad2 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02 3b0e1c2d-0000-4000-8000-00000000aa02 gvtg-4 >"$ROOT/cad2.xml"

echo "A simulated GPU host in $ROOT_SHOWN: two NVIDIA T4s, an A10, an L4, an Intel iGPU."
say "A profile: what a VM may ask for"
show "$ROOT/etc/vgpu-hook/profiles.d/t4-4q.json"
say "A VM that asks for it: one mdev of profile t4-4q in its metadata"
show "$ROOT/web1.xml"
say "virsh start web1: libvirt runs the hook, whose prepare creates the mdev"
start web1
say "The mdev appeared, and web1 holds it"
echo "\$ ls $ROOT_SHOWN/sys/bus/mdev/devices | grep aa01"
ls "$ROOT/sys/bus/mdev/devices" | grep aa01
vgpuctl leases
say "A second VM, cad2, gets a quarter of the Intel iGPU (profile gvtg-4)"
start cad2
vgpuctl leases
say "A third VM asks for a T4 type on the T4 web1 uses: refused before anything is made"
cat >"$ROOT/etc/vgpu-hook/profiles.d/t4-1q.json" <<'JSON'
{"mdev_type": {"name": "GRID T4-1Q"}, "addresses": ["3b:00.0"]}
JSON
vm bad3 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a03 3b0e1c2d-0000-4000-8000-00000000aa03 t4-1q >"$ROOT/bad3.xml"
show "$ROOT/etc/vgpu-hook/profiles.d/t4-1q.json"
hook bad3 prepare begin <"$ROOT/bad3.xml"
vgpuctl plan --profile t4-1q
say "virsh shutdown web1 cad2: libvirt's release hook removes the mdevs"
for d in web1 cad2; do
        kill "$(cat "$ROOT/run/libvirt/qemu/$d.pid")" # the guest shuts down
        hook $d stopped end <"$ROOT/$d.xml"
        hook $d release end <"$ROOT/$d.xml"
done
vgpuctl leases
echo "\$ ls $ROOT_SHOWN/sys/bus/mdev/devices | grep -c 3b0e1c2d"
ls "$ROOT/sys/bus/mdev/devices" | grep -c 3b0e1c2d || true
say "Done: the simulated host stays in $ROOT_SHOWN"
echo "Look around:  $VGPUCTL_SHOWN --root $ROOT_SHOWN inventory"
echo "As JSON:      $VGPUCTL_SHOWN --root $ROOT_SHOWN inventory --json"
