#!/bin/bash
# docs/images/virt-manager-vgpu.png: the real virt-manager, under Xvfb,
# against the private libvirtd of tests/libvirtd/libvirtd-lib.sh, showing a VM that
# virt-install created and `vgpuctl attach --config` gave a vGPU: its
# details window lists the "MDEV <uuid>" row.  `make screenshot` runs it
# (not part of make check).  Needs root and the packages virt-manager,
# virtinst, xvfb, x11-apps and imagemagick (xwd, convert).
# Usage: screenshot-virt-manager.sh [OUT.png]
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
export top_srcdir top_builddir
OUT=${1:-$top_srcdir/docs/images/virt-manager-vgpu.png}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

[ "$(id -u)" = 0 ] || { echo "screenshot-virt-manager.sh: run as root (a private libvirtd)" >&2; exit 1; }
for tool in libvirtd virtlogd virsh virt-install virt-manager Xvfb xwd convert dbus-run-session unshare; do
        command -v $tool >/dev/null ||
                { echo "screenshot-virt-manager.sh: $tool is missing (apt install virt-manager virtinst xvfb x11-apps imagemagick)" >&2; exit 1; }
done
if [ -z "${VGPU_LIBVIRTD_NS:-}" ]; then
        exec env VGPU_LIBVIRTD_NS=1 unshare -m --propagation private bash "$0" "$OUT"
fi

. "$top_srcdir/tests/libvirtd/libvirtd-lib.sh"
lv_setup
lv_start
VIRSH() { virsh -q -c "$URI" "$@"; }
X_PID=""
stop_x() { [ -z "$X_PID" ] || kill "$X_PID" 2>/dev/null || true; }

# The VM, as a virt-manager user makes it: virt-install (or the New VM wizard), then vgpuctl.
virt-install --connect "$URI" --name web1 --virt-type qemu --memory 1024 --vcpus 2 \
        --osinfo detect=off,require=off --disk none --boot hd --graphics vnc,listen=127.0.0.1 \
        --network none --print-xml >"$W/web1.xml"
VIRSH define "$W/web1.xml" >/dev/null
"$VGPUCTL" -c "$URI" attach web1 --profile t4-4q --config --root "$ROOT"
M=$("$top_builddir/tests/harness/vgpu-uuid5" "$(VIRSH domuuid web1)" 0)

# A display of our own, and virt-manager's details window of web1.
for n in $(seq 90 99); do [ -e "/tmp/.X11-unix/X$n" ] || break; done
Xvfb ":$n" -screen 0 1100x700x24 -nolisten tcp >"$W/xvfb.log" 2>&1 &
X_PID=$!
LV_PIDS="$LV_PIDS $X_PID"
export DISPLAY=":$n" NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory XDG_RUNTIME_DIR=$W
wait_for 20 test -e "/tmp/.X11-unix/X$n"
dbus-run-session -- virt-manager --no-fork --connect "$URI" --show-domain-editor web1 >"$W/virt-manager.log" 2>&1 &
LV_PIDS="$LV_PIDS $!"
# virt-manager draws its window within seconds; no window manager, so no title bar
sleep 8
xwd -root -silent -display "$DISPLAY" | convert xwd:- -trim +repage "$OUT"
stop_x
echo "virt-manager's details of web1 (mdev $M) saved as $OUT"
lv_stop
