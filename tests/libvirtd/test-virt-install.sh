#!/bin/bash
# The virt-install / virt-manager path (issue 21, point 10), under the private
# libvirtd of tests/libvirtd/libvirtd-lib.sh: the real virt-install creates a VM, then
# `vgpuctl attach VM --profile P --config` adds the vGPU, and `virsh start`
# runs the hook, whose prepare creates the mdev and takes the lease.  The
# daemon here has no VFIO, so QEMU then fails to open the mdev and libvirt's
# release hook frees it: the lease is seen while the VM starts, by a hook
# script libvirt runs after ours.  virt-install's own --hostdev refuses a
# UUID that does not exist yet; its XPath form writes one (checked last).
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"

. "$top_srcdir/tests/libvirtd/libvirtd-lib.sh"
lv_enter "$0" virt-install virt-xml-validate
lv_setup
# After our hook (zz- sorts last): the leases as they are when libvirt goes on.
cat >/etc/libvirt/hooks/qemu.d/zz-leases <<EOF
#!/bin/sh
cat >/dev/null
[ "\$2" = prepare ] || exit 0
"$VGPUCTL" leases --root "$ROOT" >"$W/leases-at-\$1-prepare.txt" 2>&1
EOF
chmod +x /etc/libvirt/hooks/qemu.d/zz-leases
lv_start
VIRSH() { virsh -q -c "$URI" "$@"; }
# As a virt-manager user's VM: virt-install with everything it asks for.
vinst() {
        virt-install --connect "$URI" --virt-type qemu --memory 64 --vcpus 1 --osinfo detect=off,require=off \
                --disk none --boot hd --graphics vnc,listen=socket --network none --noautoconsole "$@"
}

# ---- virt-install creates the VM (and starts it, as virt-manager does) ----------------
check "virt-install creates vm1 ($(cat "$W/err" 2>/dev/null))" lv_run vinst --name vm1 --import
check "vm1 runs" [ "$(VIRSH domstate vm1)" = running ]
check "shut it off" VIRSH destroy vm1

# ---- vgpuctl attach --config, then virsh start -------------------------------------
check "vgpuctl attach vm1 --profile t4-4q --config ($(cat "$W/err" 2>/dev/null))" \
        lv_run "$VGPUCTL" -c "$URI" attach vm1 --profile t4-4q --config --root "$ROOT"
M=$("$top_builddir/tests/harness/vgpu-uuid5" "$(VIRSH domuuid vm1)" 0)
VIRSH dumpxml --inactive vm1 >"$W/vm1.xml"
check "the definition names mdev $M" grep -q "<address uuid='$M'/>" "$W/vm1.xml"
check "virt-install's definition with the vGPU validates" virt-xml-validate "$W/vm1.xml" domain
lv_run VIRSH start vm1 || true
echo "# virsh start vm1 (no VFIO here): $(tr '\n' ' ' <"$W/err")"
check "libvirt ran our prepare, then the lease spy" [ -s "$W/leases-at-vm1-prepare.txt" ]
echo "# leases during virsh start vm1:"
sed 's/^/#   /' "$W/leases-at-vm1-prepare.txt" 2>/dev/null || true
check "the lease: vm1 holds mdev $M of profile t4-4q" \
        grep -Eq "^vm1 +[a-z]+ +mdev +$M +0000:3b:00.0 +nvidia-224 \(t4-4q\)$" "$W/leases-at-vm1-prepare.txt"
check "the start failed past our hook, for lack of VFIO ($(cat "$W/err"))" not grep -q "vgpu-hook:" "$W/err"
check "release freed the mdev" [ ! -e "$ROOT/sys/bus/mdev/devices/$M" ]
check "and the lease" [ "$("$VGPUCTL" leases --root "$ROOT")" = "no leases" ]

# ---- virt-install's own ways to name an mdev ------------------------------------------
N=3b0e1c2d-0000-4000-8000-00000000cc01
check "virt-install --hostdev refuses an mdev that does not exist yet" \
        not lv_run vinst --name vm2 --import --hostdev "$N" --print-xml
echo "# virt-install --hostdev $N: $(tr '\n' ' ' <"$W/err")"
check "its XPath form writes one ($(cat "$W/err"))" lv_run vinst --name vm2 --import --print-xml \
        --xml ./devices/hostdev/@mode=subsystem --xml ./devices/hostdev/@type=mdev \
        --xml ./devices/hostdev/@model=vfio-pci --xml "./devices/hostdev/source/address/@uuid=$N"
check "...with the UUID ($(grep -A3 '<hostdev' "$W/out" | tr -s ' \n' ' '))" grep -q "<address uuid=\"$N\"/>" "$W/out"
VIRSH undefine vm1 >/dev/null
lv_stop
check "no libvirtd, virtlogd or QEMU of the test is left" lv_none_left
finish
