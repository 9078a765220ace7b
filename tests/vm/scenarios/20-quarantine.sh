# 20: a device held open after its VM stops is quarantined (issue 25).  A
# hook script that runs before ours (10-holder, in name order) opens vm-a's
# mdev's VFIO group at vm-a's release end, as a process left behind would:
# the release cannot remove the mdev (the busy probe: the group's open
# fails with EBUSY), never fails for it, and quarantines its parent; the
# next VM of the same profile goes to the other parent offering the type
# (mtty and mttyb both offer "Single port serial"), and plan says why.
# Once the process lets go, `vgpuctl reconcile` removes the mdev and lifts
# the quarantine.
HOLD=/run/vgpuvm-hold-group # the group to hold; the holder runs while it exists
HOLDER=/etc/libvirt/hooks/qemu.d/10-holder
holder_stop() { rm -f "$HOLD" "$HOLDER"; }
holder_gone() { [ ! -s /run/vgpuvm-holder.pid ] || ! kill -0 "$(cat /run/vgpuvm-holder.pid)" 2>/dev/null; }
syslog_capture /tmp/syslog
trap 'holder_stop; syslog_stop' EXIT
rm -f /run/vgpuvm-holder.pid
cat >"$HOLDER" <<'HOOK'
#!/bin/sh
cat >/dev/null
[ "$1 $2 $3" = "vm-a release end" ] && [ -s /run/vgpuvm-hold-group ] || exit 0
g=$(cat /run/vgpuvm-hold-group)
/bin/sh -c 'exec 3<>/dev/vfio/'"$g"' || exit 1
echo $$ >/run/vgpuvm-holder.pid
while [ -e /run/vgpuvm-hold-group ]; do sleep 0.2; done' </dev/null >/dev/null 2>&1 &
i=0
while [ ! -s /run/vgpuvm-holder.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
exit 0
HOOK
chmod +x "$HOLDER"

vm_profile serial '{"mdev_type": {"name": "Single port serial"}}'
for vm in vm-a vm-b; do
	vm_xml $vm >in.xml
	vgpuctl render --profile serial in.xml >$vm.xml
	vm_define $vm $vm.xml
done
vm_start vm-a || fail "vm-a did not start: $VM_ERR"
ua=$(vm_uuids vm-a)
pa=$(mdev_parent "$ua")
vm_holds vm-a "$ua"
basename "$(readlink "/sys/bus/mdev/devices/$ua/iommu_group")" >"$HOLD"
note "vm-a ($ua on $pa) destroyed while a process opens /dev/vfio/$(cat "$HOLD") at its release"
: >"$SPY_LOG"
vm_destroy vm-a
wait_for 60 grep -q "^after vm-a release end" "$SPY_LOG" || fail "no release end: $(cat "$SPY_LOG")"
[ -s /run/vgpuvm-holder.pid ] || fail "the holder did not open /dev/vfio/$(cat "$HOLD")"
ls -l "/proc/$(cat /run/vgpuvm-holder.pid)/fd" | grep -q " -> /dev/vfio/$(cat "$HOLD")\$" ||
	fail "the holder does not hold /dev/vfio/$(cat "$HOLD")"
assert_mdev "$ua"
assert_eq "vm-a $ua releasing" "$(leases)" "leases after vm-a's release"
wait_for 10 grep -q "quarantined" /tmp/syslog || fail "nothing quarantined in syslog: $(grep vgpu-hook /tmp/syslog | tail -n 5)"
grep "stays releasing\|quarantined" /tmp/syslog
vgpuctl quarantine list | tee q.txt
grep -q "^$pa  *mdev parent  *not freed " q.txt || fail "$pa is not quarantined: $(cat q.txt)"
vgpuctl plan --profile serial --json >plan.json
python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["devices"][0]["candidates"]:
    if c["name"] == sys.argv[2]:
        sys.exit(c["reason"] != "quarantined")
sys.exit("no candidate " + sys.argv[2])' plan.json "$pa" || fail "plan does not say $pa is quarantined: $(cat plan.json)"
vgpuctl inventory --json | python3 -c 'import json, sys
q = json.load(sys.stdin)["quarantine"]
sys.exit(not (len(q) == 1 and q[0]["device"] == sys.argv[1] and q[0]["cause"] == "not freed"))' "$pa" ||
	fail "inventory --json does not show $pa quarantined"

note "the next VM is placed elsewhere"
vm_start vm-b || fail "vm-b did not start: $VM_ERR"
ub=$(vm_uuids vm-b)
pb=$(mdev_parent "$ub")
vm_holds vm-b "$ub"
[ "$pb" != "$pa" ] || fail "vm-b's mdev went to the quarantined $pa"
echo "vm-b: $ub on $pb"

note "reconcile: not while the group is held; lifted once it is free"
vgpuctl reconcile >rec.txt 2>&1 && fail "reconcile freed a held mdev: $(cat rec.txt)"
cat rec.txt
assert_mdev "$ua"
vgpuctl quarantine list | grep -q "^$pa " || fail "the quarantine of $pa went while the group is held"
rm -f "$HOLD"
wait_for 10 holder_gone || fail "the holder did not let go"
vgpuctl reconcile | tee rec.txt
assert_no_mdev "$ua"
grep -q "^lifted the quarantine of $pa: it is free and answers again" rec.txt || fail "reconcile did not lift $pa"
assert_eq "no device is quarantined" "$(vgpuctl quarantine list)" "the quarantine after reconcile"
assert_eq "vm-b $ub active" "$(leases)" "leases after reconcile"
vm_destroy vm-b
assert_no_mdev "$ub"
assert_no_leases
