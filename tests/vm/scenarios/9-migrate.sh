# 9: moving a VM (issue 9, docs/design.md §2.3).  Two libvirtd on the one kernel: the
# guest's own (the source) and a destination in a private mount namespace
# (its own /etc/libvirt, /run/libvirt, /var/lib/libvirt, ledger and profiles,
# another host UUID, its socket in /tmp/vgpu-dest/sock).  On the destination a
# VM "squatter" runs with mdev U; the source's vm-a names U too.
# - `virsh migrate --offline --persistent` runs the destination's real
#   migrate begin filter, which rewrites U to vm-a's name-based UUID 0 (libvirt
#   logs the filtered XML it took); no prepare, no lease, no mdev follows;
# - an offline migration sends no persistent definition in its cookie: the
#   destination defines the filtered XML, and vm-a starts there with the new
#   UUID; docs/admin-guide.md's recipe for live migration (the filter's output, run by
#   hand on the destination, as --persistent-xml) works too;
# - save and live migration of that running mtty VM are refused by libvirt
#   or QEMU, and no hook of ours is asked (no migrate/restore op runs).  On
#   stack 12 QEMU 7.2 blocks both (6.1's mtty has no VFIO migration); on 13
#   6.12's mtty migrates and QEMU 10 tries: the save fails in its RAM setup
#   (no IOMMUFD, so no dirty-page tracking without
#   x-device-dirty-page-tracking=off), still before any hook op; a live
#   migration would reach the destination's hooks, and is left to a
#   scenario of its own that migrates for real (issue 19);
# - a VF: vf-squatter holds vm-b's VF on the destination; the offline
#   migration's filter moves vm-b to the other VF, and vm-b starts there.
DOM=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a09
U=3b0e1c2d-0000-4000-8000-0000000000a9
F0=$(python3 -c 'import sys, uuid; print(uuid.uuid5(uuid.UUID(sys.argv[1]), "vgpu-hook/mdev/0"))' $DOM)
# in_dest CMD...: run in the destination's mount namespace (that of its libvirtd)
in_dest() { nsenter -m -t "$(cat $D/run/libvirt/libvirtd.pid)" "$@"; }

. "$SRCDIR/tests/vm/dest-lib.sh"

note "the source defines vm-a with U; the destination runs squatter with U"
vm_profile serial "$SERIAL"
META="<vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'><vgpu:mdev uuid='$U' profile='serial'/></vgpu:devices>"
vm_xml vm-a "$(vm_hostdev $U)" "$META" | sed "s|<name>vm-a</name>|&<uuid>$DOM</uuid>|" >vm-a.xml
vm_define vm-a vm-a.xml
dest_start
vm_xml squatter "$(vm_hostdev $U)" "$META" >squatter.xml
dvirsh define squatter.xml >/dev/null
dvirsh start squatter >/dev/null || fail "squatter did not start on the destination"
assert_mdev $U
grep -q "\"domain_name\": \"squatter\"" $D/run/vgpu-hook/ledger.json || fail "no lease of squatter: $(cat $D/run/vgpu-hook/ledger.json)"
mdevs >mdevs.before
vgpuctl migrate-check vm-a "$DEST" >check.out || fail "migrate-check: $(cat check.out)"
cat check.out
assert_contains "$(cat check.out)" "its UUID is taken there (squatter)" "migrate-check sees U taken"

note "offline migration: the destination's migrate begin filter rewrites U"
: >$D/spy.log
vsh migrate --offline --persistent vm-a "$DEST" || fail "offline migration failed"
cat $D/spy.log
assert_eq "vm-a migrate begin -" "$(cat $D/spy.log)" "the hook ops the offline migration ran on the destination"
grep -q "Using hook-filtered domain XML" $D/var/log/libvirt/libvirtd.log ||
	fail "libvirt did not take a filtered XML: $(grep -i hook $D/var/log/libvirt/libvirtd.log | tail -5)"
filtered=$(sed -n '/Using hook-filtered domain XML/,/<\/domain>/p' $D/var/log/libvirt/libvirtd.log)
assert_contains "$filtered" "<address uuid=\"$F0\"/>" "the filtered hostdev"
assert_contains "$filtered" "<vgpu:mdev uuid=\"$F0\" profile=\"serial\"/>" "the filtered metadata"
[[ $filtered != *"$U"* ]] || fail "U is still in the filtered XML"
assert_eq "$(cat mdevs.before)" "$(mdevs)" "mdevs after the offline migration (none made)"
! grep -q $DOM $D/run/vgpu-hook/ledger.json || fail "a lease of vm-a after the offline migration"
note "what the destination defined: $(dvirsh dumpxml --inactive vm-a | grep -o "uuid='[^']*'" | sort -u | tr '\n' ' ')"
# An offline migration sends no persistent definition in its cookie: the destination
# defines the XML the filter gave (libvirt 9.0, measured here).
dvirsh dumpxml --inactive vm-a | grep -q "<address uuid='$F0'/>" || fail "the destination's definition does not name $F0"
[[ $(dvirsh dumpxml --inactive vm-a) != *"$U"* ]] || fail "the destination's definition still names U"
dvirsh start vm-a >/dev/null || fail "vm-a did not start on the destination"
assert_mdev $F0
assert_eq mtty "$(mdev_parent $F0)" "vm-a's mdev parent"
grep -q "\"device\": \"$F0\"" $D/run/vgpu-hook/ledger.json || fail "no lease of $F0 on the destination"
dvirsh destroy vm-a >/dev/null
assert_no_mdev $F0

note "the admin guide's recipe: the destination's filter, run by hand, as --persistent-xml"
dvirsh undefine vm-a >/dev/null
vsh dumpxml --inactive --security-info vm-a >vm-a.src.xml
in_dest "$HOOK" vm-a migrate begin - <vm-a.src.xml >vm-a.dest.xml
grep -q "<address uuid=\"$F0\"/>" vm-a.dest.xml || fail "the filter run by hand did not rename U: $(cat vm-a.dest.xml)"
vsh migrate --offline --persistent --persistent-xml vm-a.dest.xml vm-a "$DEST" ||
	fail "offline migration with --persistent-xml failed"
dvirsh dumpxml --inactive vm-a | grep -q "<address uuid='$F0'/>" || fail "the destination's definition does not name $F0"
dvirsh start vm-a >/dev/null || fail "vm-a did not start on the destination"
assert_mdev $F0

note "save and live migration of the running mtty VM: refused by libvirt or QEMU, not by the hook"
: >$D/spy.log
dvirsh save vm-a /tmp/vm-a.save >save.out 2>&1 && fail "save of an mtty VM succeeded"
cat save.out
[[ $(cat save.out) != *vgpu-hook* ]] || fail "the hook refused the save"
if [ "$STACK" = 13 ]; then
	assert_contains "$(cat save.out)" "ram_save_setup failed: Operation not supported" "save's failure (QEMU 10's dirty-page tracking, through libvirt)"
else
	assert_contains "$(cat save.out)" "cannot migrate domain: VFIO device doesn't support migration" "save's refusal (QEMU's migration blocker, through libvirt)"
fi
if [ "$STACK" != 13 ]; then
	dvirsh migrate --live vm-a qemu:///system >live.out 2>&1 && fail "live migration of an mtty VM succeeded"
	cat live.out
	[[ $(cat live.out) != *vgpu-hook* ]] || fail "the hook refused the live migration"
	assert_contains "$(cat live.out)" "cannot migrate domain: VFIO device doesn't support migration" "live migration's refusal (QEMU's migration blocker, through libvirt)"
fi
assert_eq "" "$(cat $D/spy.log)" "hook ops run by the refused save and live migration"
dvirsh domstate vm-a | grep -q running || fail "vm-a stopped"

note "a VF: the destination's filter moves it to a free VF of the profile"
dvirsh destroy vm-a >/dev/null
dvirsh destroy squatter >/dev/null
pf=
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/sriov_totalvfs" ] && [ "$(basename "$(readlink "$d/driver")")" = nvme ] && pf=$(basename "$d")
done
[ -n "$pf" ] || fail "no nvme SR-IOV PF"
[ "$(cat /sys/bus/pci/devices/$pf/sriov_numvfs)" -ge 2 ] || fail "the nvme PF has fewer than 2 VFs"
NVME_VF="{\"sriov_vf\": {\"pfs\": [\"$pf\"]}}"
vm_profile nvme-vf "$NVME_VF"
printf '%s\n' "$NVME_VF" >$D/etc/vgpu-hook/profiles.d/nvme-vf.json
vm_xml vm-b >in-b.xml
vgpuctl render --profile nvme-vf in-b.xml >vm-b.xml
vf1=$(sed -n "s/.*<vgpu:vf address=[\"']\([^\"']*\)[\"'].*/\1/p" vm-b.xml)
[ -n "$vf1" ] || fail "render named no VF: $(cat vm-b.xml)"
vm_define vm-b vm-b.xml
sed -e 's|<name>vm-b</name>|<name>vf-squatter</name>|' -e '/<uuid>/d' vm-b.xml >vf-squatter.xml
dvirsh define vf-squatter.xml >/dev/null
dvirsh start vf-squatter >/dev/null || fail "vf-squatter did not start on the destination"
grep -q "\"device\": \"$vf1\"" $D/run/vgpu-hook/ledger.json || fail "no lease of $vf1 on the destination"
vgpuctl migrate-check vm-b "$DEST" || fail "migrate-check refused vm-b"
: >$D/spy.log
vsh migrate --offline --persistent vm-b "$DEST" || fail "offline migration of vm-b failed"
assert_eq "vm-b migrate begin -" "$(cat $D/spy.log)" "the hook ops vm-b's offline migration ran on the destination"
filtered=$(tac $D/var/log/libvirt/libvirtd.log | sed -n '/<\/domain>/,/Using hook-filtered domain XML/p' | tac)
vf2=$(sed -n 's/.*<vgpu:vf address="\([^"]*\)".*/\1/p' <<<"$filtered")
note "the filter moved $vf1 to ${vf2:-nothing}"
[ -n "$vf2" ] && [ "$vf2" != "$vf1" ] || fail "the filter did not move $vf1: $filtered"
assert_eq "$pf" "$(basename "$(readlink "/sys/bus/pci/devices/$vf2/physfn")")" "the new VF's PF"
fn=${vf2##*.}
assert_contains "$filtered" "function=\"0x$fn\"/>" "the filtered hostdev's source"
dvirsh dumpxml --inactive vm-b | grep -q "<vgpu:vf address=.$vf2." || fail "the destination's vm-b does not name $vf2"
dvirsh start vm-b >/dev/null || fail "vm-b did not start on the destination with $vf2"
grep -q "\"device\": \"$vf2\"" $D/run/vgpu-hook/ledger.json || fail "no lease of $vf2 on the destination"
dest_stop
