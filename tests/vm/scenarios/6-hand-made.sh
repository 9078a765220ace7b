# 6: an mdev created by hand (no metadata, no mdevctl definition) is used as
# it is and left in place after the VM stops.
uuid=$(cat /proc/sys/kernel/random/uuid)
echo "$uuid" >/sys/class/mdev_bus/mttyb/mdev_supported_types/mttyb-1/create
vm_xml hand "$(vm_hostdev "$uuid")" >hand.xml
vm_define hand hand.xml
vm_start hand || fail "start: $VM_ERR"
vm_holds hand "$uuid"
vm_destroy hand
assert_mdev "$uuid"
assert_eq mttyb-1 "$(mdev_type "$uuid")" "type of the hand-made mdev"
assert_no_leases
