# 13: a real live migration of a VM that holds an mdev (issue 19).
# stacks: 13
# (stack 12: 6.1's mtty has no VFIO migration, so QEMU 7.2 blocks it;
# scenario 9 shows that refusal.  6.12's mtty implements STOP_COPY and
# PRE_COPY, and QEMU 10 speaks VFIO migration protocol v2.)
# Two libvirtd in the one kernel, as in scenario 9: the source and a
# destination in a private mount namespace (its own state, ledger and
# host UUID).  vm-a runs on the source with the profile-based mtty mdev U;
# its QEMU holds U's group, so on the destination (the same kernel) U is in
# use: the destination's migrate begin filter renames it to vm-a's name-based
# F0, its prepare creates F0, QEMU migrates over TCP on
# loopback, the source's `release end migrated` removes U, and each ledger
# ends right.  The VM's vfio-pci devices get enable-migration=on and
# x-device-dirty-page-tracking=off (lib.sh vm_migratable_xml says why).
DOM=6b2e3d4c-5a6b-4798-8b7e-8d7e6f5a4b10
U=4c1f2d3e-0000-4000-8000-0000000000b1
F0=$(uuid0 $DOM)

. "$SRCDIR/tests/vm/dest-lib.sh"

# The source's libvirtd logs QEMU's QMP replies, the last query-migrate's
# "vfio" counter among them (the device's state that went over).
cp /etc/libvirt/libvirtd.conf libvirtd.conf.orig
trap 'dest_stop; cp /tmp/libvirtd.conf.orig /etc/libvirt/libvirtd.conf' EXIT
printf 'log_filters = "1:qemu.qemu_monitor_json"\nlog_outputs = "1:file:/var/log/libvirt/libvirtd.log"\n' \
	>/etc/libvirt/libvirtd.conf
vm_libvirtd_restart

ip link set lo up
vm_profile serial "$SERIAL"
vm_migratable_xml vm-a $DOM $U >vm-a.xml
vm_define vm-a vm-a.xml
note "vm-a runs on the source with U"
vm_start vm-a || fail "vm-a did not start: $VM_ERR"
assert_mdev $U
vm_holds vm-a $U
dest_start

note "live migration: the destination renames U (in use here) to F0 and creates it"
: >$D/spy.log
: >"$SPY_LOG"
VSH_TIMEOUT=300 vsh migrate --live --verbose vm-a "$DEST" --migrateuri tcp://127.0.0.1 >live.out 2>&1 ||
	fail "live migration failed: $(cat live.out)
$(tail -n 20 $D/var/log/libvirt/qemu/vm-a.log 2>/dev/null)"
cat live.out
echo "--- the destination's ops:"; cat $D/spy.log
echo "--- the source's ops:"; cat "$SPY_LOG"
grep -q "^vm-a migrate begin" $D/spy.log || fail "no migrate begin on the destination"
grep -q "^vm-a prepare begin" $D/spy.log || fail "no prepare on the destination"
grep -q "^vm-a release end migrated" "$SPY_LOG" || fail "no release end migrated on the source"
dvirsh domstate vm-a | grep -q running || fail "vm-a does not run on the destination"
assert_mdev $F0
assert_no_mdev $U
grep -q "\"device\": \"$F0\"" $D/run/vgpu-hook/ledger.json || fail "no lease of $F0 on the destination: $(cat $D/run/vgpu-hook/ledger.json)"
assert_no_leases
grep -q "Using hook-filtered domain XML" $D/var/log/libvirt/libvirtd.log || fail "the destination took no filtered XML"
filtered=$(sed -n '/Using hook-filtered domain XML/,/<\/domain>/p' $D/var/log/libvirt/libvirtd.log)
assert_contains "$filtered" "<address uuid=\"$F0\"/>" "the filtered hostdev"
[[ $filtered != *"$U"* ]] || fail "U is still in the filtered XML"
note "the source's completed job:"
VSH_TIMEOUT=60 vsh domjobinfo --completed vm-a | tee job.out
grep -q "^Job type: *Completed" job.out || fail "the source reports no completed migration"
vfio=$(grep -o '"vfio": *{"transferred": *[0-9]*' /var/log/libvirt/libvirtd.log | tail -n 1 | grep -o '[0-9]*$' || true)
note "the device's state QEMU sent: ${vfio:-no} bytes"
[ "${vfio:-0}" -gt 0 ] || fail "QEMU reported no VFIO device state migrated"
pid=$(cat $D/run/libvirt/qemu/vm-a.pid)
group=$(basename "$(readlink "/sys/bus/mdev/devices/$F0/iommu_group")")
ls -l "/proc/$pid/fd" | grep -q " -> /dev/vfio/$group\$" || fail "the destination's QEMU does not hold $F0"
note "migrated; the destination's QEMU $pid holds $F0"
dvirsh destroy vm-a >/dev/null
assert_no_mdev $F0
