#!/bin/bash
# End to end: the real vgpu-hook with <vgpu:vf> and <vgpu:pci> (docs/design.md §2-§4)
# on the S7150 (plain GPU VFs), L40 (NVIDIA vendor VFIO) and passthrough
# presets, kernel emulation on: vGPU types set and cleared, the managed=
# rules, busy VFs, IOMMU group viability, passthrough, rollback, reconnect.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"

D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
D2=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
work=$X
trap 'cleanup; rm -rf "$X"' EXIT
vgpu_type() { cat "$ROOT/sys/bus/pci/devices/$1/nvidia/current_vgpu_type"; }
lease_kind() { leases | tr -d ' \n' | sed 's/},{/}\n{/g' | grep "\"device\":\"$1\"" | sed 's/.*"kind":"\([a-z]*\)".*/\1/'; }
# The host without what the inventory takes from the ledger (owners, and the totals, which
# count a leased VF as taken): the ledger is compared on its own.
host_json() {
        "$VGPUCTL" inventory --json --root "$ROOT" | python3 -c 'import json, sys
inv = json.load(sys.stdin)
for d in inv["pci_devices"] + inv["mdevs"]:
    d.pop("owner")
inv.pop("totals")
json.dump(inv, sys.stdout, indent=2)'
}
snapshot() { host_json >"$X/inv.$1"; leases >"$X/led.$1"; }
unchanged() { cmp -s "$X/inv.before" "$X/inv.after" && cmp -s "$X/led.before" "$X/led.after"; }
refused() { # DESCRIPTION PATTERN: prepare failed with one sentence matching PATTERN, nothing changed
        snapshot after
        check "$1: exit 1 (got $rc)" [ "$rc" = 1 ]
        check "$1: one sentence ($err)" [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]
        check "$1: says '$2' ($err)" grep -q -- "$2" <<<"$err"
        check "$1: host and ledger unchanged" unchanged
}
cycle_ok() { # DESCRIPTION XML NAME: prepare succeeds
        hook "$2" "$3" prepare begin -
        check "$1: prepare ($err)" [ "$rc" = 0 -a -z "$err" ]
}

# ---- L40, NVIDIA vendor VFIO: the type is set at prepare, cleared at release ----
fresh l40
profile l40-4q '{"nvidia_vgpu_type": "NVIDIA L40-4Q"}'
profile l40-48q '{"nvidia_vgpu_type": "NVIDIA L40-48Q"}'
pcidom vm1 $D1 "<vgpu:vf address='0000:c1:00.4' profile='l40-4q'/>" 0000:c1:00.4:no >"$X/vm1.xml"
cycle_ok "L40-4Q on VF .4" "$X/vm1.xml" vm1
check "the VF's type is L40-4Q's id" [ "$(vgpu_type 0000:c1:00.4)" = 1155 ]
check "lease prepared" [ "$(lease_state 0000:c1:00.4)" = prepared ]
check "lease kind vf" [ "$(lease_kind 0000:c1:00.4)" = vf ]
check "lease says we typed it" [ "$(lease_created 0000:c1:00.4)" = true ]
fake_qemu vm1 $D1
hook "$X/vm1.xml" vm1 started begin -
check "started: active" [ "$rc" = 0 -a "$(lease_state 0000:c1:00.4)" = active ]

# the same VF for another domain: held
pcidom vm2 $D2 "<vgpu:vf address='0000:c1:00.4' profile='l40-4q'/>" 0000:c1:00.4:no >"$X/vm2.xml"
snapshot before
hook "$X/vm2.xml" vm2 prepare begin -
refused "a busy VF" "VF 0000:c1:00.4 is held by domain vm1; run 'vgpuctl start vm2' to move vm2 to a free VF"
# a type that no longer fits the framebuffer the first VM holds
pcidom vm2 $D2 "<vgpu:vf address='0000:c1:00.5' profile='l40-48q'/>" 0000:c1:00.5:no >"$X/vm2-48.xml"
hook "$X/vm2-48.xml" vm2 prepare begin -
refused "a type that does not fit" "VF 0000:c1:00.5 cannot take NVIDIA L40-48Q: not in its creatable_vgpu_types now;"

hook "$X/vm1.xml" vm1 release end -
check "release: type cleared" [ "$(vgpu_type 0000:c1:00.4)" = 0 ]
check "release: no lease" [ "$(lease_count)" = 0 ]

# managed='yes' on vendor VFIO: refused
pcidom vm1 $D1 "<vgpu:vf address='0000:c1:00.4' profile='l40-4q'/>" 0000:c1:00.4:yes >"$X/managed.xml"
snapshot before
hook "$X/managed.xml" vm1 prepare begin -
refused "managed='yes' on vendor VFIO" "VF 0000:c1:00.4 uses NVIDIA vendor VFIO, so its <hostdev> (line 11) must be managed='no'"

# EPERM while the driver still releases the VF: retried
cycle_ok "L40-4Q again" "$X/vm1.xml" vm1
mkdir -p "$ROOT/.fakehost/eperm" && echo 3 >"$ROOT/.fakehost/eperm/0000:c1:00.4"
hook "$X/vm1.xml" vm1 release end -
check "release retries EPERM: type cleared" [ "$(vgpu_type 0000:c1:00.4)" = 0 -a "$(lease_count)" = 0 ]
check "release retries EPERM: the refusals were used up" [ ! -e "$ROOT/.fakehost/eperm/0000:c1:00.4" ]
# EPERM for longer than the retries: the lease stays releasing; reconcile finishes
cycle_ok "L40-4Q once more" "$X/vm1.xml" vm1
echo 50 >"$ROOT/.fakehost/eperm/0000:c1:00.4"
hook "$X/vm1.xml" vm1 release end -
check "EPERM throughout: release exits 0" [ "$rc" = 0 ]
check "EPERM throughout: lease releasing" [ "$(lease_state 0000:c1:00.4)" = releasing ]
check "EPERM throughout: type still set" [ "$(vgpu_type 0000:c1:00.4)" = 1155 ]
rm "$ROOT/.fakehost/eperm/0000:c1:00.4"
expect 0 - env LD_PRELOAD="$KSHIM" "$VGPUCTL" reconcile --root "$ROOT"
check "reconcile clears the type" [ "$(vgpu_type 0000:c1:00.4)" = 0 -a "$(lease_count)" = 0 ]

# all or nothing: the second VF cannot be typed, the first is cleared again
pcidom vm1 $D1 "<vgpu:vf address='0000:c1:00.4' profile='l40-4q'/><vgpu:vf address='0000:c1:00.5' profile='l40-4q'/>" \
        0000:c1:00.4:no 0000:c1:00.5:no >"$X/two.xml"
echo 50 >"$ROOT/.fakehost/eperm/0000:c1:00.5"
snapshot before
hook "$X/two.xml" vm1 prepare begin -
refused "rollback" "cannot set vGPU type NVIDIA L40-4Q on VF 0000:c1:00.5: Operation not permitted"
check "rollback: VF .4 cleared" [ "$(vgpu_type 0000:c1:00.4)" = 0 ]
rm "$ROOT/.fakehost/eperm/0000:c1:00.5"
cycle_ok "two VFs" "$X/two.xml" vm1
check "two VFs typed" [ "$(vgpu_type 0000:c1:00.4)" = 1155 -a "$(vgpu_type 0000:c1:00.5)" = 1155 ]

# reconnect after the ledger was lost: re-adopted, ours to clear
rm "$ROOT/run/vgpu-hook/ledger.json"
hook "$X/two.xml" vm1 reconnect begin -
check "reconnect: exit 0, two leases" [ "$rc" = 0 -a "$(lease_count)" = 2 ]
check "reconnect: ours" [ "$(lease_created 0000:c1:00.5)" = true ]
hook "$X/two.xml" vm1 release end -
check "release after reconnect clears both" [ "$(vgpu_type 0000:c1:00.4)" = 0 -a "$(vgpu_type 0000:c1:00.5)" = 0 ]

# ---- S7150 (MxGPU): plain GPU VFs; libvirt binds them (managed='yes') ----------
fresh s7150
profile mxgpu '{"sriov_vf": {"pfs": ["0000:86:00.0"]}}'
profile gpu-full '{"passthrough": {}, "vendor": "0x1002"}'
pcidom vm1 $D1 "<vgpu:vf address='0000:86:02.1' profile='mxgpu'/>" 0000:86:02.1:yes >"$X/vm1.xml"
snapshot before
cycle_ok "MxGPU VF" "$X/vm1.xml" vm1
snapshot after
check "MxGPU VF: lease prepared, not ours to free" [ "$(lease_state 0000:86:02.1)" = prepared -a "$(lease_created 0000:86:02.1)" = false ]
check "MxGPU VF: the lease's parent is the PF" grep -q '"parent": "0000:86:00.0"' <(leases)
check "MxGPU VF: nothing written to the host" cmp -s "$X/inv.before" "$X/inv.after"
pcidom vm2 $D2 "<vgpu:vf address='0000:86:02.1' profile='mxgpu'/>" 0000:86:02.1:yes >"$X/vm2.xml"
snapshot before
hook "$X/vm2.xml" vm2 prepare begin -
refused "MxGPU VF held" "VF 0000:86:02.1 is held by domain vm1; run 'vgpuctl start vm2' to move vm2 to a free VF"
hook "$X/vm1.xml" vm1 release end -
check "MxGPU VF: release drops the lease" [ "$(lease_count)" = 0 ]
cycle_ok "MxGPU VF free again for vm2" "$X/vm2.xml" vm2
hook "$X/vm2.xml" vm2 release end -

snapshot before
pcidom vm1 $D1 "<vgpu:vf address='0000:86:02.1' profile='mxgpu'/>" 0000:86:02.1:no >"$X/x.xml"
hook "$X/x.xml" vm1 prepare begin -
refused "plain VF, managed='no', no driver" "VF 0000:86:02.1 is on no driver, but its <hostdev> (line 11) is managed='no'"
pcidom vm1 $D1 "<vgpu:vf address='0000:86:02.1' profile='mxgpu'/>" >"$X/x.xml"
hook "$X/x.xml" vm1 prepare begin -
refused "no hostdev" "the vgpu metadata names VF 0000:86:02.1, but no <hostdev type='pci'> uses it"
pcidom vm1 $D1 "<vgpu:vf address='0000:86:04.0' profile='mxgpu'/>" 0000:86:04.0:yes >"$X/x.xml"
hook "$X/x.xml" vm1 prepare begin -
refused "no such VF" "VF 0000:86:04.0 does not exist on this host"
pcidom vm1 $D1 "<vgpu:vf address='0000:86:00.0' profile='mxgpu'/>" 0000:86:00.0:yes >"$X/x.xml"
hook "$X/x.xml" vm1 prepare begin -
refused "a PF named as a VF" "0000:86:00.0 is not an SR-IOV VF"
pcidom vm1 $D1 "<vgpu:vf address='0000:86:02.1' profile='gpu-full'/>" 0000:86:02.1:yes >"$X/x.xml"
hook "$X/x.xml" vm1 prepare begin -
refused "a passthrough profile on a VF" "profile 'gpu-full' is a passthrough profile, but <vgpu:vf> 0000:86:02.1 needs"
pcidom vm1 $D1 "<vgpu:vf address='0000:86:02.1' profile='nope'/>" 0000:86:02.1:yes >"$X/x.xml"
hook "$X/x.xml" vm1 prepare begin -
refused "unknown profile" "profile 'nope' (VF 0000:86:02.1) does not exist"
profile other-pf '{"sriov_vf": {"pfs": ["0000:01:00.0"]}}'
pcidom vm1 $D1 "<vgpu:vf address='0000:86:02.1' profile='other-pf'/>" 0000:86:02.1:yes >"$X/x.xml"
hook "$X/x.xml" vm1 prepare begin -
refused "a VF the profile does not give" "profile 'other-pf' does not give VF 0000:86:02.1"

# a prepared VF blocks sriov apply (leased), and a started one too
cycle_ok "MxGPU VF for sriov apply" "$X/vm1.xml" vm1
printf '{"sriov_vfs": {"0000:86:00.0": 8}}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
expect 1 2 env LD_PRELOAD="$KSHIM" "$VGPUCTL" sriov apply
check "sriov apply: refused, the VF is leased" grep -q "VF 0000:86:02.1 is leased to domain vm1 (prepared)" "$X/err"
hook "$X/vm1.xml" vm1 release end -

# ---- A10: a VF that is an mdev parent with a vGPU on it cannot go whole -------------
fresh a10
profile a10-vf '{"sriov_vf": {"pfs": ["0000:ca:00.0"]}}'
pcidom vm1 $D1 "<vgpu:vf address='0000:ca:00.4' profile='a10-vf'/>" 0000:ca:00.4:yes >"$X/x.xml"
snapshot before
hook "$X/x.xml" vm1 prepare begin -
refused "a VF carrying an mdev" "VF 0000:ca:00.4 serves vGPUs (mdev 9b1d4c7e-2a35-4f68-8e0b-5c6d7e8f9a01 on 0000:ca:00.4); run 'vgpuctl start vm1' to move vm1 to a free VF"
pcidom vm1 $D1 "<vgpu:vf address='0000:ca:00.5' profile='a10-vf'/>" 0000:ca:00.5:yes >"$X/x.xml"
cycle_ok "a VF without an mdev" "$X/x.xml" vm1
hook "$X/x.xml" vm1 release end -

# ---- nvme: a VF on vfio-pci that a VM outside our ledger holds ---------------------
fresh nvme-sriov
profile nvme-vf '{"sriov_vf": {"pfs": ["0000:01:00.0"]}}'
mkdir -p "$ROOT/.fakehost/held" && touch "$ROOT/.fakehost/held/10"
pcidom vm1 $D1 "<vgpu:vf address='0000:01:00.1' profile='nvme-vf'/>" 0000:01:00.1:yes >"$X/held.xml"
snapshot before
hook "$X/held.xml" vm1 prepare begin -
refused "a VF held outside the ledger" "VF 0000:01:00.1 is in use by another VM (IOMMU group 10 is open); run 'vgpuctl start vm1' to move vm1 to a free VF"
rm "$ROOT/.fakehost/held/10"
pcidom vm1 $D1 "<vgpu:vf address='0000:01:00.1' profile='nvme-vf'/>" 0000:01:00.1:no >"$X/vfio.xml"
cycle_ok "managed='no' on a VF already on vfio-pci" "$X/vfio.xml" vm1
hook "$X/vfio.xml" vm1 release end -

# ---- whole GPUs and their audio function --------------------------------------
fresh passthrough
profile a4000 '{"passthrough": {"devices": ["0000:d8:00.0", "0000:e3:00.0"]}}'
pcidom vm1 $D1 "<vgpu:pci address='0000:d8:00.0' profile='a4000'/>" 0000:d8:00.0:yes >"$X/gpu-only.xml"
snapshot before
hook "$X/gpu-only.xml" vm1 prepare begin -
refused "group not viable" "IOMMU group 101 of GPU 0000:d8:00.0 is not viable: 0000:d8:00.1 is bound to snd_hda_intel; give the domain that function too"
pcidom vm1 $D1 "<vgpu:pci address='0000:d8:00.0' profile='a4000'/>" 0000:d8:00.0:yes 0000:d8:00.1:yes >"$X/gpu-audio.xml"
cycle_ok "GPU with its audio function" "$X/gpu-audio.xml" vm1
check "passthrough: lease kind pci" [ "$(lease_kind 0000:d8:00.0)" = pci -a "$(lease_state 0000:d8:00.0)" = prepared ]
pcidom vm2 $D2 "<vgpu:pci address='0000:d8:00.0' profile='a4000'/>" 0000:d8:00.0:yes 0000:d8:00.1:yes >"$X/vm2.xml"
snapshot before
hook "$X/vm2.xml" vm2 prepare begin -
refused "passthrough GPU held" "GPU 0000:d8:00.0 is held by domain vm1; run 'vgpuctl start vm2' to move vm2 to a free GPU"
hook "$X/gpu-audio.xml" vm1 release end -
check "passthrough: released" [ "$(lease_count)" = 0 ]
touch "$ROOT/.fakehost/held/101"
snapshot before
hook "$X/gpu-audio.xml" vm1 prepare begin -
refused "passthrough GPU in use outside the ledger" "GPU 0000:d8:00.0 is in use by another VM (IOMMU group 101 is open); run 'vgpuctl start vm1' to move vm1 to a free GPU"
rm "$ROOT/.fakehost/held/101"

# viable only through the bridge and pci-stub
pcidom vm1 $D1 "<vgpu:pci address='0000:e3:00.0' profile='a4000'/>" 0000:e3:00.0:yes >"$X/e3.xml"
cycle_ok "GPU viable through the root port and pci-stub" "$X/e3.xml" vm1
hook "$X/e3.xml" vm1 release end -
# the audio function back on its own driver: no longer viable
(cd "$ROOT" && LD_PRELOAD="$KSHIM" sh -c 'printf 0000:e3:00.1 > sys/bus/pci/drivers/pci-stub/unbind &&
        printf "\n" > sys/bus/pci/devices/0000:e3:00.1/driver_override && printf 0000:e3:00.1 > sys/bus/pci/drivers_probe')
check "audio e3:00.1 is on snd_hda_intel now" [ "$(basename "$(readlink "$ROOT/sys/bus/pci/devices/0000:e3:00.1/driver")")" = snd_hda_intel ]
snapshot before
hook "$X/e3.xml" vm1 prepare begin -
refused "without pci-stub not viable" "IOMMU group 102 of GPU 0000:e3:00.0 is not viable: 0000:e3:00.1 is bound to snd_hda_intel"
pcidom vm1 $D1 "<vgpu:pci address='0000:d8:00.1' profile='a4000'/>" 0000:d8:00.1:yes >"$X/x.xml"
hook "$X/x.xml" vm1 prepare begin -
refused "a device the profile does not list" "profile 'a4000' does not give GPU 0000:d8:00.1"

finish
