# 3: two VMs with the "Dual port serial" profile get different devices, on
# the parents that `vgpuctl plan` chose: pack fills mtty first (both on
# mtty), spread puts the second on mttyb.  The plans must equal the golden
# tables tests/golden/plan-vm-dual-{pack,spread}-2.txt, which make check
# also checks on the simulated host (preset vm-6.1).
for policy in pack spread; do
	note "policy $policy"
	vm_profile dual "{\"mdev_type\": {\"name\": \"Dual port serial\"}, \"policy\": \"$policy\"}"
	vm_xml planvm >in.xml
	vgpuctl plan --profile dual --count 2 >"plan-$policy.txt"
	assert_golden_text "plan-$policy.txt" "golden/plan-vm-dual-$policy-2.txt"
	want=$(sed -n 's/^device [0-9] of 2: //p' "plan-$policy.txt" | tr '\n' ' ')
	got="" uuids=""
	for vm in "a-$policy" "b-$policy"; do
		vm_xml "$vm" >in.xml
		vgpuctl render --profile dual in.xml >"$vm.xml"
		vm_define "$vm" "$vm.xml"
		vm_start "$vm" || fail "start $vm: $VM_ERR"
		u=$(vm_uuids "$vm")
		vm_holds "$vm" "$u"
		got="$got$(mdev_parent "$u") " uuids="$uuids $u"
	done
	assert_eq "$want" "$got" "parents chosen with $policy (plan: $want)"
	[ "$(echo $uuids | tr ' ' '\n' | sort -u | wc -l)" = 2 ] || fail "the VMs share a device: $uuids"
	for vm in "a-$policy" "b-$policy"; do vm_destroy "$vm"; done
	for u in $uuids; do assert_no_mdev "$u"; done
	assert_no_leases
done
