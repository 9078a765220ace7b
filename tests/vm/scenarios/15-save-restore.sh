# 15: `virsh save` and `virsh restore` of a VM holding an mdev, its UUID
# taken meanwhile (issue 19).
# stacks: 13
# (stack 12: QEMU 7.2 refuses to save a VM with 6.1's mtty, which has no VFIO
# migration; scenario 9 shows that refusal.)
# vm-a runs with the profile-based mtty mdev U (vm_migratable_xml: the
# options QEMU 10 needs to save it on Debian's 6.12).  The save stops it:
# `release end saved` removes U and drops its lease.  Meanwhile "squatter"
# starts with the same UUID U, so U exists again, another VM's.  The restore
# runs the restore begin filter on the saved XML: U is leased to squatter
# here, so vm-a gets its name-based F0 (the restored VM's XML names it),
# prepare creates F0, QEMU loads the saved state, device state
# included, and vm-a runs again holding F0.  The ledger then has both VMs,
# each with its own mdev; each destroy frees its own.
DOM=6b2e3d4c-5a6b-4798-8b7e-8d7e6f5a4b15
U=4c1f2d3e-0000-4000-8000-0000000000b5
F0=$(uuid0 $DOM)

vm_profile serial '{"mdev_type": {"name": "Single port serial"}}'
vm_migratable_xml vm-a $DOM $U >vm-a.xml
vm_define vm-a vm-a.xml
vm_start vm-a || fail "vm-a did not start: $VM_ERR"
vm_holds vm-a $U
assert_eq "vm-a $U active" "$(leases)" "the ledger with vm-a running"

note "save: vm-a stops, its release frees U"
: >"$SPY_LOG"
vsh save vm-a /tmp/vm-a.save >save.out 2>&1 || fail "save failed: $(cat save.out)
$(tail -n 20 /var/log/libvirt/qemu/vm-a.log)"
cat save.out
cat "$SPY_LOG"
grep -q "^vm-a release end saved" "$SPY_LOG" || fail "no release end saved"
assert_eq "shut off" "$(vsh domstate vm-a)" "vm-a's state after the save"
assert_no_mdev $U
assert_no_leases
[ -s /tmp/vm-a.save ] || fail "no save file"

note "squatter takes U meanwhile"
vm_migratable_xml squatter 6b2e3d4c-5a6b-4798-8b7e-8d7e6f5a4bff $U >squatter.xml
vm_define squatter squatter.xml
vm_start squatter || fail "squatter did not start: $VM_ERR"
vm_holds squatter $U

note "restore: the restore begin filter renames U to F0, prepare creates F0"
: >"$SPY_LOG"
vsh restore /tmp/vm-a.save >restore.out 2>&1 || fail "restore failed: $(cat restore.out)
$(tail -n 20 /var/log/libvirt/qemu/vm-a.log)"
cat restore.out
cat "$SPY_LOG"
grep -q "^vm-a restore begin" "$SPY_LOG" || fail "no restore begin"
grep -q "^vm-a prepare begin" "$SPY_LOG" || fail "no prepare begin at the restore"
restored=$(vsh dumpxml vm-a)
assert_contains "$restored" "<address uuid='$F0'/>" "the restored VM's hostdev"
grep -q "<vgpu:mdev uuid=.$F0. profile=.serial./>" <<<"$restored" || fail "the restored VM's metadata does not name F0: $restored"
[[ $restored != *"$U"* ]] || fail "the restored VM still names U: $restored"
assert_eq running "$(vsh domstate vm-a)" "vm-a's state after the restore"
vm_holds vm-a $F0
vm_holds squatter $U
note "the ledger right afterwards"
leases | sort | tee leases.out
assert_eq "$(printf 'squatter %s active\nvm-a %s active' $U $F0 | sort)" "$(cat leases.out)" "the ledger after the restore"
vm_destroy vm-a
assert_no_mdev $F0
assert_mdev $U
vm_destroy squatter
assert_no_mdev $U
assert_no_leases
