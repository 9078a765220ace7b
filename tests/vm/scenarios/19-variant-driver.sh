# 19: VFIO variant drivers on libvirt 11.3 (issue 19): the inventory shows the
# driver the kernel's modules.alias offers a VF; a profile's "driver" reaches
# the definition as <driver model=>, libvirt keeps it and binds that driver;
# the hook refuses at prepare a driver the running kernel lacks.
# stacks: 13
# (stack 12's libvirt 9.0 drops <driver model=> at define and always binds
# vfio-pci: tests/e2e/test-variant.sh shows vgpuctl attach --config saying so.
# No variant driver of 6.12 matches QEMU's nvme, so the driver a profile names
# here is vfio-pci itself, and xe-vfio-pci, which 6.12 does not have, the one
# refused.)
pf=
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/sriov_totalvfs" ] && [ "$(basename "$(readlink "$d/driver")")" = nvme ] && pf=$(basename "$d")
done
[ -n "$pf" ] || fail "no nvme SR-IOV PF"

note "render: a profile naming vfio-pci writes <driver model='vfio-pci'/>"
vm_profile nvme-vfio "{\"sriov_vf\": {\"pfs\": [\"$pf\"]}, \"driver\": \"vfio-pci\"}"
vm_profile nvme-any "{\"sriov_vf\": {\"pfs\": [\"$pf\"]}}"
vm_xml vm1 >in1.xml
vgpuctl render --profile nvme-vfio in1.xml >vm1.xml
grep -q '<driver model="vfio-pci"/>' vm1.xml || fail "render wrote no <driver model>: $(cat vm1.xml)"
vf=$(sed -n "s/.*<vgpu:vf address=[\"']\([^\"']*\)[\"'].*/\1/p" vm1.xml)
[ -n "$vf" ] || fail "render named no VF: $(cat vm1.xml)"

note "inventory: VF $vf's VFIO driver from modules.alias of $(uname -r)"
vgpuctl inventory --json >inv.json
assert_eq vfio_pci "$(python3 -c 'import json, sys
print([d["vfio_variant"] for d in json.load(open(sys.argv[1]))["pci_devices"] if d["address"] == sys.argv[2]][0])' \
	inv.json "$vf")" "the VF's vfio_variant"

note "libvirt 11.3 keeps the driver, binds it, and vm1 starts"
vm_define vm1 vm1.xml
vsh dumpxml --inactive vm1 | grep -q "<driver model='vfio-pci'/>" ||
	fail "libvirt dropped <driver model='vfio-pci'/>: $(vsh dumpxml --inactive vm1)"
vm_start vm1 || fail "vm1 did not start: $VM_ERR"
assert_eq vfio-pci "$(basename "$(readlink "/sys/bus/pci/devices/$vf/driver")")" "the VF's driver while vm1 runs"
vm_destroy vm1
wait_for 30 eval '[ -z "$(vgpuctl leases --json | grep "\"device\": \"'"$vf"'\"")" ]' ||
	fail "vm1's lease stayed: $(vgpuctl leases)"

note "a driver this kernel lacks: the hook refuses vm2 at prepare"
sed -e 's|<name>vm1</name>|<name>vm2</name>|' -e '/<uuid>/d' -e 's|profile="nvme-vfio"|profile="nvme-any"|' \
	-e 's|<driver model="vfio-pci"/>|<driver model="xe-vfio-pci"/>|' vm1.xml >vm2.xml
vm_define vm2 vm2.xml
if vm_start vm2; then fail "vm2 started with a driver the kernel lacks"; fi
assert_contains "$VM_ERR" "asks for driver xe-vfio-pci, but kernel $(uname -r) has no such module" "vm2's error"
[ -z "$(vgpuctl leases --json | grep "\"domain_name\": \"vm2\"")" ] || fail "vm2 left a lease: $(vgpuctl leases)"
