# 8: `vgpuctl attach --live` and `detach --live` with a real mtty device in a
# running VM.  No hook runs on hot-plug: vgpuctl creates the mdev and leases
# it before libvirt attaches it, and frees it only after libvirt's
# device-removed event.
#
# These guests run no OS, so nothing answers QEMU's ACPI unplug request: the
# device stays with the guest, as with a guest that will not let go.  Where
# a scenario needs the guest to let go, the test does what a guest OS's ACPI
# _EJ0 method does (QEMU's PIIX4 hot-plug interface: select the bus at I/O
# port 0xae10, write the slot's bit to the eject register 0xae08, 32 bits) through
# QEMU's monitor; QEMU then deletes the device and libvirt sends the event.
vm_profile mtty2 '{"mdev_type": {"name": "Dual port serial"}}'

# the attached mdev's UUID, from "attached mdev UUID (profile …) to NAME"
attached() { sed -n 's/^attached mdev \([0-9a-f-]*\) .*/\1/p' "$1"; }
lease_state() { vgpuctl leases --json | python3 -c 'import json,sys; print(" ".join("%s %d" % (l["state"], l["qemu_pid"]) for l in json.load(sys.stdin)["leases"]))'; }
# an HMP command that prints nothing unless it failed
hmp() {
	local said
	said=$(vsh qemu-monitor-command "$1" --hmp "$2")
	[ -z "$(echo "$said" | tr -d '[:space:]')" ] || fail "QEMU's monitor: $2: $said"
}
# the guest lets go of mdev $2 of domain $1: its ACPI eject, as the guest's OS would do it
guest_ejects() {
	local slot
	slot=$(vsh dumpxml "$1" | sed -n "/<address uuid='$2'/,/<\/hostdev>/s/.*<address type='pci'.* slot='\(0x[0-9a-f]*\)'.*/\1/p")
	[ -n "$slot" ] || fail "no guest PCI slot for mdev $2 in the live XML of $1"
	hmp "$1" "o /w 0xae10 0" # bus select: 0 is the root bus
	hmp "$1" "o /w 0xae08 $((1 << slot))"
}
in_live_xml() { vsh dumpxml "$1" | grep -q "<address uuid='$2'/>"; }

note "attach --live that libvirt refuses (no ACPI: pci.0 takes no hot-plug) is undone"
vm_xml live0 >live0.xml
vm_define live0 live0.xml
vm_start live0 || fail "live0 does not start: $VM_ERR"
before=$(avail mtty mtty-2)/$(avail mttyb mttyb-2)
if vgpuctl attach live0 --profile mtty2 --live >attach.out 2>attach.err; then fail "attach --live to live0 succeeded"; fi
cat attach.err
assert_contains "$(cat attach.err)" "does not support hotplugging); it was removed again and its lease dropped" \
	"attach --live's sentence"
assert_eq 1 "$(wc -l <attach.err)" "lines on stderr"
assert_eq "" "$(mdevs)" "mdevs after the undo"
assert_no_leases
assert_eq "$before" "$(avail mtty mtty-2)/$(avail mttyb mttyb-2)" "free instances after the undo"
vm_destroy live0

# with ACPI, the PIIX4 hot-plug interface serves pci.0
vm_xml live1 | sed 's|<os>|<features><acpi/></features><os>|' >live1.xml
vm_define live1 live1.xml
vm_start live1 || fail "live1 does not start: $VM_ERR"
pid=$(vm_qemu_pid live1)

note "attach --live: created, leased active with the QEMU pid, held by QEMU"
vgpuctl attach live1 --profile mtty2 --live >attach.out 2>attach.err || fail "attach --live: $(cat attach.err)"
cat attach.out
U=$(attached attach.out)
[ -n "$U" ] || fail "attach --live printed no UUID: $(cat attach.out)"
assert_mdev "$U"
assert_eq "Dual port serial" "$(cat "/sys/bus/mdev/devices/$U/mdev_type/name")" "the type of the new mdev"
vm_holds live1 "$U"
in_live_xml live1 "$U" || fail "the live XML does not name $U"
if vsh dumpxml --inactive live1 | grep -q "$U"; then fail "the definition names the live device"; fi
assert_eq "active $pid" "$(lease_state)" "the lease after attach --live (state, QEMU pid)"

note "detach --live: waits for the guest; when it lets go, the event frees the device"
vgpuctl detach live1 --uuid "$U" --live --timeout 60 >detach.out 2>detach.err &
detacher=$!
sleep 3 # libvirt has sent device_del and waits for QEMU
assert_mdev "$U" # not freed before the guest lets go
guest_ejects live1 "$U"
wait "$detacher" || fail "detach --live: $(cat detach.err)"
cat detach.out
assert_contains "$(cat detach.out)" "detached mdev $U from live1" "detach --live's output"
assert_contains "$(cat detach.out)" "freed mdev $U (removed)" "detach --live's output"
assert_no_mdev "$U"
assert_no_leases
if in_live_xml live1 "$U"; then fail "the live XML still names $U"; fi
assert_eq running "$(vsh domstate live1)" "live1 after the detach"

note "detach --live of a device the guest keeps: the lease stays, a sentence says so"
vgpuctl attach live1 --profile mtty2 --live >attach2.out 2>attach.err || fail "attach --live: $(cat attach.err)"
U2=$(attached attach2.out)
assert_eq "$U" "$U2" "the name-based UUID of index 0, free again"
if vgpuctl detach live1 --uuid "$U2" --live --timeout 3 >detach.out 2>detach.err; then
	fail "detach --live of a device the guest keeps succeeded: $(cat detach.out)"
fi
cat detach.err
assert_contains "$(cat detach.err)" "has not let go of mdev $U2 within 3 s" "detach --live's sentence"
assert_eq 1 "$(wc -l <detach.err)" "lines on stderr"
assert_mdev "$U2"
vm_holds live1 "$U2"
assert_eq "active $pid" "$(lease_state)" "the lease the guest keeps"
note "...the guest lets go later: detach --live again frees it"
guest_ejects live1 "$U2"
wait_for 20 eval '! in_live_xml live1 "$U2"' || fail "libvirt still shows $U2 after the eject"
vgpuctl detach live1 --uuid "$U2" --live >detach.out 2>detach.err || fail "detach --live again: $(cat detach.err)"
assert_contains "$(cat detach.out)" "freed mdev $U2 (removed)" "the second detach --live"
assert_no_mdev "$U2"
assert_no_leases

note "a live device the domain still has when it stops: release end frees it"
vgpuctl attach live1 --profile mtty2 --live >attach3.out 2>attach.err || fail "attach --live: $(cat attach.err)"
U3=$(attached attach3.out)
vm_holds live1 "$U3"
vm_destroy live1
assert_no_mdev "$U3"
assert_no_leases
