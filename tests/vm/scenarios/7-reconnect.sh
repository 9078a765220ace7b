# 7: a running VM survives a libvirtd restart with the ledger deleted: the
# hook's reconnect exits 0 (a non-zero exit would make libvirt kill the VM)
# and re-adopts the device; a later destroy frees it.
vm_profile dual '{"mdev_type": {"name": "Dual port serial"}}'
vm_xml rc >in.xml
vgpuctl render --profile dual in.xml >rc.xml
vm_define rc rc.xml
vm_start rc || fail "start: $VM_ERR"
uuid=$(vm_uuids rc)
pid=$(vm_qemu_pid rc)
vm_libvirtd_stop
rm -rf "$LEDGER_DIR"
vm_libvirtd_start
wait_for 60 grep -q "^rc reconnect begin" "$SPY_LOG" || fail "no reconnect: $(cat "$SPY_LOG")"
wait_for 60 grep -q "^after rc reconnect begin" "$SPY_LOG" || fail "reconnect did not finish"
assert_eq running "$(vsh domstate rc)" "state of rc after the restart"
assert_eq "$pid" "$(vm_qemu_pid rc)" "QEMU pid after the restart"
vm_holds rc "$uuid"
vgpuctl leases >leases.txt
cat leases.txt
grep -q "$uuid" leases.txt || fail "reconnect did not re-adopt $uuid"
vm_destroy rc
assert_no_mdev "$uuid"
assert_no_leases
