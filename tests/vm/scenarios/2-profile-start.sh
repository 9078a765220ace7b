# 2: a VM whose metadata asks for a "Dual port serial" profile starts: the
# hook creates the mdev in prepare, it exists while the VM runs and QEMU
# holds it; after `virsh destroy` it is gone and the ledger is empty.
vm_profile dual '{"mdev_type": {"name": "Dual port serial"}}'
vm_xml d2 >in.xml
vgpuctl render --profile dual in.xml >d2.xml
vm_define d2 d2.xml
uuid=$(vm_uuids d2)
[ -n "$uuid" ] || fail "render wrote no mdev hostdev"
assert_no_mdev "$uuid"
vm_start d2 || fail "start: $VM_ERR"
assert_mdev "$uuid"
case $(mdev_type "$uuid") in mtty-2 | mttyb-2) ;; *) fail "mdev $uuid has type $(mdev_type "$uuid")" ;; esac
vm_holds d2 "$uuid"
[ -n "$(leases)" ] || fail "no lease while d2 runs"
vm_destroy d2
assert_no_mdev "$uuid"
assert_no_leases
grep -q "^d2 prepare begin" "$SPY_LOG" && grep -q "^d2 release end" "$SPY_LOG" ||
	fail "the hook's ops did not run: $(cat "$SPY_LOG")"
