# 14: a live migration the destination has no room for is refused before
# anything moves (issue 19).
# stacks: 13
# (as scenario 13: only 6.12's mtty and QEMU 10 migrate an mdev for real.)
# vm-a runs on the source with the profile-based mtty mdev U, as in scenario
# 13; then every "Single port serial" instance left on mtty and mttyb is
# taken by hand.  On the destination (the same kernel) U is in use by the
# source's QEMU, so its migrate begin filter must rename it, and no parent
# has room for the new one: the filter refuses with one sentence, which
# virsh shows.  Nothing moved: no prepare ran on the destination, vm-a runs
# on the source with U (its QEMU holds it, its lease active, no release ran),
# and the destination has no vm-a, no QEMU, no lease and no new mdev.
DOM=6b2e3d4c-5a6b-4798-8b7e-8d7e6f5a4b14
U=4c1f2d3e-0000-4000-8000-0000000000b4

. "$SRCDIR/tests/vm/dest-lib.sh"
ip link set lo up
vm_profile serial "$SERIAL"
vm_migratable_xml vm-a $DOM $U >vm-a.xml
vm_define vm-a vm-a.xml
vm_start vm-a || fail "vm-a did not start: $VM_ERR"
vm_holds vm-a $U
mdev_fill mtty mtty-1
mdev_fill mttyb mttyb-1
note "no Single port serial left: $(mdevs | wc -l) mdevs"
mdevs >mdevs.before
leases >leases.before
dest_start

note "live migration: the destination's filter finds U in use and no room for another"
: >$D/spy.log
: >"$SPY_LOG"
if VSH_TIMEOUT=300 vsh migrate --live vm-a "$DEST" --migrateuri tcp://127.0.0.1 >live.out 2>&1; then
	fail "the live migration succeeded with no room on the destination"
fi
cat live.out
echo "--- the destination's ops:"; cat $D/spy.log
echo "--- the source's ops:"; cat "$SPY_LOG"
assert_contains "$(cat live.out)" "vgpu-hook: " "virsh's error (the hook's sentence)"
assert_contains "$(cat live.out)" "no parent here has room for a Single port serial instance (mdev $U)" "virsh's error"
assert_eq "vm-a migrate begin -" "$(cat $D/spy.log)" "the hook ops the refused migration ran on the destination"
! grep -q "release\|stopped" "$SPY_LOG" || fail "the source ran release or stopped: $(cat "$SPY_LOG")"

note "the source: vm-a runs with U, as before"
assert_eq running "$(vsh domstate vm-a)" "vm-a's state on the source"
vm_holds vm-a $U
assert_eq "$(cat leases.before)" "$(leases)" "the source's leases"
assert_contains "$(cat leases.before)" "vm-a $U active" "the source's lease of U"
note "the destination: nothing left"
[ -z "$(dvirsh list --all --name)" ] || fail "the destination has domains: $(dvirsh list --all --name)"
[ ! -e $D/run/libvirt/qemu/vm-a.pid ] || fail "a QEMU of vm-a on the destination"
assert_eq 1 "$(pgrep -c -f qemu-system-x86_64 || true)" "QEMUs running (the source's only)"
assert_eq "$(cat mdevs.before)" "$(mdevs)" "mdevs after the refusal"
if [ -e $D/run/vgpu-hook/ledger.json ]; then
	! grep -q '"device"' $D/run/vgpu-hook/ledger.json || fail "a lease on the destination: $(cat $D/run/vgpu-hook/ledger.json)"
fi
vm_destroy vm-a
assert_no_mdev $U
assert_no_leases
dest_stop
