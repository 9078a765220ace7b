# 5: an mdev defined with the real `mdevctl define`, not started, is started
# by the hook for a VM that names it (no vgpu metadata), and stopped at
# release; its definition stays.
uuid=$(cat /proc/sys/kernel/random/uuid)
mdevctl define -u "$uuid" -p mtty -t mtty-2
assert_no_mdev "$uuid"
vm_xml defd "$(vm_hostdev "$uuid")" >defd.xml
vm_define defd defd.xml
vm_start defd || fail "start: $VM_ERR"
assert_mdev "$uuid"
assert_eq mtty-2 "$(mdev_type "$uuid")" "type of the started mdev"
vm_holds defd "$uuid"
vm_destroy defd
assert_no_mdev "$uuid"
assert_no_leases
mdevctl list -d | grep -q "^$uuid mtty mtty-2 manual" || fail "the definition is gone: $(mdevctl list -d)"
