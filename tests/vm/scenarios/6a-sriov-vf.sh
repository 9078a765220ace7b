# 6a: SR-IOV VFs on a real kernel.  `vgpuctl sriov apply` sets the nvme PF's VF
# count from the configuration; `vgpuctl render` gives a VM one of those VFs
# (managed='yes'); the hook leases it at prepare and libvirt binds it to
# vfio-pci; the VM starts and holds it; sriov apply then refuses to touch
# the PF; a second VM naming the same VF is refused with the hook's
# sentence; after destroy the VF is free again (the second VM starts with
# it).  The PF is left with the VFs it had before (2 at boot).
pf=
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/sriov_totalvfs" ] && [ "$(basename "$(readlink "$d/driver")")" = nvme ] && pf=$(basename "$d")
done
[ -n "$pf" ] || fail "no nvme SR-IOV PF"
numvfs() { cat "/sys/bus/pci/devices/$pf/sriov_numvfs"; }
apply_vfs() { # COUNT: configure COUNT VFs and apply them
	mkdir -p /etc/vgpu-hook
	printf '{"sriov_vfs": {"%s": %s}}\n' "$pf" "$1" >/etc/vgpu-hook/vgpu-hook.conf
	vgpuctl sriov apply
}
before=$(numvfs)
want=3
[ "$before" != 3 ] || want=2

note "sriov apply: $before -> $want VFs"
out=$(apply_vfs $want)
assert_contains "$out" "$pf: set $want VFs (was $before)" "sriov apply"
assert_eq $want "$(numvfs)" "sriov_numvfs after apply"
assert_eq $want "$(ls -d "/sys/bus/pci/devices/$pf"/virtfn* | wc -l)" "virtfn links"
out=$(vgpuctl sriov apply)
assert_contains "$out" "$pf: $want VFs, as configured" "sriov apply again"

note "render: a VF of the PF, managed='yes'"
vm_profile nvme-vf "{\"sriov_vf\": {\"pfs\": [\"$pf\"]}}"
vm_xml vm1 >in1.xml
vgpuctl render --profile nvme-vf in1.xml >vm1.xml
grep -q "managed='yes'" vm1.xml || grep -q 'managed="yes"' vm1.xml || fail "render wrote no managed='yes' hostdev: $(cat vm1.xml)"
vf=$(sed -n "s/.*<vgpu:vf address=[\"']\([^\"']*\)[\"'].*/\1/p" vm1.xml)
[ -n "$vf" ] || fail "render named no VF: $(cat vm1.xml)"
assert_eq "$pf" "$(basename "$(readlink "/sys/bus/pci/devices/$vf/physfn")")" "the VF's PF"
group=$(basename "$(readlink "/sys/bus/pci/devices/$vf/iommu_group")")

note "vm1 starts with VF $vf (IOMMU group $group)"
vm_define vm1 vm1.xml
vm_start vm1 || fail "vm1 did not start: $VM_ERR"
assert_eq vfio-pci "$(basename "$(readlink "/sys/bus/pci/devices/$vf/driver")")" "the VF's driver while vm1 runs"
ls -l "/proc/$(vm_qemu_pid vm1)/fd" | grep -q " -> /dev/vfio/$group\$" || fail "vm1's QEMU does not hold /dev/vfio/$group"
l=$(vgpuctl leases --json)
assert_contains "$l" "\"device\": \"$vf\"" "the VF's lease"
assert_contains "$l" '"state": "active"' "the lease is active"
assert_contains "$l" '"kind": "vf"' "the lease's kind"

note "sriov apply refuses while vm1 holds the VF"
if out=$(apply_vfs 4 2>&1); then fail "sriov apply changed the VFs under a running VM: $out"; fi
assert_contains "$out" "VF $vf is held by a VM (IOMMU group $group is open)" "sriov apply refusal"
assert_eq $want "$(numvfs)" "sriov_numvfs while vm1 runs"
printf '{"sriov_vfs": {"%s": %s}}\n' "$pf" $want >/etc/vgpu-hook/vgpu-hook.conf

note "vm2 names the same VF: refused"
sed -e 's|<name>vm1</name>|<name>vm2</name>|' -e '/<uuid>/d' vm1.xml >vm2.xml
vm_define vm2 vm2.xml
if vm_start vm2; then fail "vm2 started with vm1's VF $vf"; fi
assert_contains "$VM_ERR" "VF $vf is held by domain vm1; run 'vgpuctl start vm2' to move vm2 to a free VF" "vm2's error"
[ -z "$(vsh list --name | grep -x vm2)" ] || fail "vm2 runs"
vm_holds_vf() { ls -l "/proc/$(vm_qemu_pid vm1)/fd" | grep -q " -> /dev/vfio/$group\$"; }
vm_holds_vf || fail "vm1 lost its VF when vm2 was refused"

note "destroy vm1: the VF is free again"
vm_destroy vm1
wait_for 30 eval '[ -z "$(vgpuctl leases --json | grep "\"device\": \"'"$vf"'\"")" ]' || fail "vm1's lease stayed: $(vgpuctl leases)"
vm_start vm2 || fail "vm2 did not start on the freed VF: $VM_ERR"
assert_contains "$(vgpuctl leases --json)" "\"domain_name\": \"vm2\"" "vm2's lease"
vm_destroy vm2
wait_for 30 eval '[ -z "$(leases)" ] || [ "$(vgpuctl leases --json | grep -c domain_uuid)" = 0 ]' ||
	fail "leases left: $(vgpuctl leases)"

note "back to the $before VFs it had"
out=$(apply_vfs "$before")
assert_contains "$out" "$pf: set $before VFs (was $want)" "sriov apply back"
assert_eq "$before" "$(numvfs)" "sriov_numvfs at the end"
