# 4: with no "Dual port serial" instance left on mtty and mttyb, the start
# fails with the hook's sentence in virsh's error, and nothing leaks (no mdev
# made, no lease, the VM not running).  Then the library itself, on the
# full parents: vgpu_mdev_create answers -ENOSPC on mtty and mbochs (the
# drivers' own pools) and -EUSERS on mdpy (the mdev core's counter).
vm_profile dual '{"mdev_type": {"name": "Dual port serial"}}'
mdev_fill mtty mtty-2
mdev_fill mttyb mttyb-2
before=$(mdevs)
assert_eq 24 "$(echo "$before" | wc -l)" "instances made by hand"
vm_xml full >in.xml
vgpuctl render --profile dual in.xml >full.xml
vm_define full full.xml
uuid=$(vm_uuids full)
if vm_start full; then fail "full started with no instance left"; fi
echo "virsh: $VM_ERR"
assert_contains "$VM_ERR" "no parent has a free Dual port serial instance for mdev $uuid" "virsh's error"
assert_eq "shut off" "$(vsh domstate full)" "state of full"
assert_eq "$before" "$(mdevs)" "mdevs after the refusal"
assert_no_leases

note "library: ENOSPC on mtty, EUSERS on mdpy"
u=$(cat /proc/sys/kernel/random/uuid)
assert_eq "-ENOSPC" "$("$BUILDDIR/tests/harness/vm-mdev-create" mtty mtty-2 "$u")" "vgpu_mdev_create on a full mtty"
mdev_fill mdpy mdpy-vga
assert_eq "-EUSERS" "$("$BUILDDIR/tests/harness/vm-mdev-create" mdpy mdpy-xga "$u")" "vgpu_mdev_create on a full mdpy"
assert_no_mdev "$u"
mdev_fill mbochs mbochs-large
assert_eq "-ENOSPC" "$("$BUILDDIR/tests/harness/vm-mdev-create" mbochs mbochs-small "$u")" "vgpu_mdev_create on a full mbochs"
assert_no_mdev "$u"
# The other answers the simulated host gives (docs/design.md §2.5): EEXIST for a UUID
# in use under any parent, EINVAL for a bad UUID.
for p in mtty mttyb; do # room for one more on each
	echo 1 >"$(ls -d /sys/class/mdev_bus/$p/*-*-*-*-* | head -1)/remove"
done
assert_eq 0 "$("$BUILDDIR/tests/harness/vm-mdev-create" mtty mtty-1 "$u")" "vgpu_mdev_create with room"
assert_mdev "$u"
assert_eq "-EEXIST" "$("$BUILDDIR/tests/harness/vm-mdev-create" mttyb mttyb-1 "$u")" "the same UUID on another parent"
assert_eq "-EINVAL" "$("$BUILDDIR/tests/harness/vm-mdev-create" mttyb mttyb-1 not-a-uuid)" "a bad UUID"
