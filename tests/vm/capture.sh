#!/bin/bash
# capture.sh OUT.tar.gz: the guest's sysfs as tests/data keeps it (guest-init.sh
# runs it after the scenarios, on a reset machine).
#
# First the state to capture: one live mdev on each sample parent (fixed
# UUIDs, so the capture is the same every run), VF .1 of the nvme PF bound
# to vfio-pci through driver_override, VF .2 left without a driver.  Then
# the trees the library reads, symlinks kept as links; directories named
# power or msi_irqs are left out.  A file that reading fails on, or that
# is write-only or binary (config, resource*, rom), is kept empty.  MANIFEST
# lists every entry as "TYPE PATH LINK-TARGET".
set -euo pipefail
out=$1
U=6a7e1c2d-0000-4000-8000-00000000000

state() {
	local t=/sys/class/mdev_bus
	echo "${U}1" >$t/mtty/mdev_supported_types/mtty-2/create
	echo "${U}2" >$t/mdpy/mdev_supported_types/mdpy-vga/create
	echo "${U}3" >$t/mbochs/mdev_supported_types/mbochs-small/create
	echo "${U}4" >$t/mttyb/mdev_supported_types/mttyb-1/create
	local pf vf
	pf=$(dirname "$(grep -l 0x010802 /sys/bus/pci/devices/*/class | head -1)")
	vf=$(basename "$(readlink -f "$pf/virtfn0")")
	echo vfio-pci >"/sys/bus/pci/devices/$vf/driver_override"
	echo "$vf" >/sys/bus/pci/drivers_probe
}

undo_state() {
	local u pf vf
	for u in 1 2 3 4; do echo 1 >"/sys/bus/mdev/devices/$U$u/remove"; done
	pf=$(dirname "$(grep -l 0x010802 /sys/bus/pci/devices/*/class | head -1)")
	vf=$(basename "$(readlink -f "$pf/virtfn0")")
	echo "$vf" >/sys/bus/pci/drivers/vfio-pci/unbind
	echo >"/sys/bus/pci/devices/$vf/driver_override"
}

roots="sys/bus/mdev sys/bus/pci/devices sys/bus/pci/drivers/nvme sys/bus/pci/drivers/vfio-pci
sys/bus/pci/drivers/pcieport sys/bus/pci/drivers/virtio-pci
sys/bus/pci/drivers_probe sys/class/mdev_bus sys/devices/pci0000:00 sys/devices/virtual/mtty
sys/devices/virtual/mttyb sys/devices/virtual/mdpy sys/devices/virtual/mbochs
sys/devices/system/node sys/kernel/iommu_groups"

# One python process: a shell loop would spawn thousands under TCG.
copy() {
	python3 - "$1" $roots <<'PY'
import os, signal, stat, sys
def timeout(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, timeout)
dst, roots = sys.argv[1], sys.argv[2:]
EMPTY = ("config", "rom", "vpd")
def keep(path):
    out = os.path.join(dst, path)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    st = os.lstat("/" + path)
    if stat.S_ISLNK(st.st_mode):
        os.symlink(os.readlink("/" + path), out)
    elif stat.S_ISDIR(st.st_mode):
        os.makedirs(out, exist_ok=True)
        for name in sorted(os.listdir("/" + path)):
            if name in ("power", "msi_irqs") and os.path.isdir("/" + path + "/" + name):
                continue
            keep(path + "/" + name)
    else:
        data = b""
        name = os.path.basename(path)
        if st.st_mode & stat.S_IRUSR and name not in EMPTY and not name.startswith("resource"):
            try:
                signal.alarm(2)  # a read that blocks keeps the file empty
                with open("/" + path, "rb") as f:
                    data = f.read(65536)
            except (OSError, TimeoutError):
                pass
            finally:
                signal.alarm(0)
        with open(out, "wb") as f:
            f.write(data)
for r in roots:
    keep(r)
PY
	(cd "$1" && find . -printf '%y %p %l\n' | sort -k2) >"$1/MANIFEST"
}

main() {
	local tmp
	tmp=$(mktemp -d)
	echo "capture: state"
	state
	echo "capture: copy"
	copy "$tmp"
	echo "capture: undo"
	undo_state
	tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "$out" .
	rm -rf "$tmp"
}

main
