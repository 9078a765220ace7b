#!/bin/bash
# vgpuctl sriov apply: the configured VF counts ("sriov_vfs") written
# through the kernel emulation, and each of its refusals (docs/design.md §2.5, §7).
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-sriov-XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT

conf() { printf '{"lock_wait_ms": 300, "sriov_vfs": %s}\n' "$1" >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"; }
apply() { LD_PRELOAD="$KSHIM" "$VGPUCTL" sriov apply "$@"; }
numvfs() { cat "$ROOT/sys/bus/pci/devices/$1/sriov_numvfs"; }
nvirtfn() { find "$ROOT/sys/bus/pci/devices/$1/" -maxdepth 1 -name 'virtfn*' | wc -l; }
says() { grep -q -- "$1" "$work/$2"; }

# ---- nvme PF: 2 VFs -> 4, then nothing to do --------------------------------
fresh nvme-sriov
conf '{"0000:01:00.0": 4}'
expect 0 0 apply --dry-run
check "dry run: says it would set 4" says "0000:01:00.0: would set 4 VFs (now 2)" out
check "dry run: nothing written" [ "$(numvfs 0000:01:00.0)" = 2 ]
expect 0 0 apply
check "apply: says it set 4 ($(cat "$work/out"))" says "0000:01:00.0: set 4 VFs (was 2)" out
check "apply: sriov_numvfs is 4" [ "$(numvfs 0000:01:00.0)" = 4 ]
check "apply: 4 virtfn links" [ "$(nvirtfn 0000:01:00.0)" = 4 ]
check "apply: the new VFs exist" [ -e "$ROOT/sys/bus/pci/devices/0000:01:00.4/physfn" ]
expect 0 0 apply
check "again: as configured" says "0000:01:00.0: 4 VFs, as configured" out
expect 0 0 apply --json
check "json: state ok" grep -q '"state": "ok"' "$work/out"
check "json: schema_version" grep -q '"schema_version": 2' "$work/out"
conf '{"0000:01:00.0": 0}'
expect 0 0 apply
check "0 disables the VFs" [ "$(numvfs 0000:01:00.0)" = 0 -a "$(nvirtfn 0000:01:00.0)" = 0 ]

# ---- refusals: nothing written, one sentence each, exit 1 ---------------------
# a VF a VM holds (its IOMMU group is open)
fresh nvme-sriov
conf '{"0000:01:00.0": 3}'
mkdir -p "$ROOT/.fakehost/held" && touch "$ROOT/.fakehost/held/10"
expect 1 2 apply
check "busy: names the VF" says "0000:01:00.0: VF 0000:01:00.1 is held by a VM (IOMMU group 10 is open)" err
check "busy: says what to do" says "stop the VMs using them, then run 'vgpuctl sriov apply' again" err
check "busy: nothing written" [ "$(numvfs 0000:01:00.0)" = 2 ]
expect 1 - apply --json
check "busy: json state" grep -q '"state": "busy"' "$work/out"
rm "$ROOT/.fakehost/held/10"

# a VF a lease names (a VM prepared but not started yet)
mkdir -p -m 0700 "$ROOT/run/vgpu-hook"
cat >"$ROOT/run/vgpu-hook/ledger.json" <<'EOF'
{"version": 1, "leases": [{"domain_uuid": "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01", "domain_name": "web1",
 "state": "prepared", "kind": "vf", "device": "0000:01:00.2", "parent": "0000:01:00.0",
 "profile": "nvme-vf", "created": false, "hook": {"pid": 0, "start": 0}, "libvirtd": {"pid": 0, "start": 0},
 "qemu_pid": 0, "since": 0}]}
EOF
chmod 0600 "$ROOT/run/vgpu-hook/ledger.json"
expect 1 2 apply
check "leased: names the domain" says "VF 0000:01:00.2 is leased to domain web1 (prepared)" err
check "leased: nothing written" [ "$(numvfs 0000:01:00.0)" = 2 ]
rm "$ROOT/run/vgpu-hook/ledger.json"

# above sriov_totalvfs
conf '{"0000:01:00.0": 5}'
expect 1 2 apply
check "too many: says the limit" says "5 VFs configured, but the PF has at most 4 (sriov_totalvfs); lower sriov_vfs" err
check "too many: nothing written" [ "$(numvfs 0000:01:00.0)" = 2 ]

# no such device; a device that is no SR-IOV PF
conf '{"0000:99:00.0": 1, "0000:00:04.0": 1}'
expect 1 3 apply
check "absent: says so" says "0000:99:00.0: no such PCI device on this host" err
check "not a PF: says so" says "0000:00:04.0 is not an SR-IOV PF" err
check "summary line" says "2 PFs not as configured" err

# no PF driver: the kernel answers ENOENT
conf '{"0000:01:00.0": 3}'
(cd "$ROOT" && LD_PRELOAD="$KSHIM" sh -c 'printf 0000:01:00.0 > sys/bus/pci/drivers/nvme/unbind')
check "the PF is unbound" [ ! -e "$ROOT/sys/bus/pci/devices/0000:01:00.0/driver" ]
expect 1 2 apply
check "no driver: says load it" says "no driver is bound to the PF, so the kernel cannot set its VFs; load its driver first" err

# ---- AMD S7150-like: GIM sets VFs by module parameter ------------------------
fresh s7150
conf '{"0000:86:00.0": 16}'
expect 0 0 apply
check "gim: 16 VFs as configured" says "0000:86:00.0: 16 VFs, as configured" out
conf '{"0000:86:00.0": 8}'
expect 1 2 apply
check "gim: names the module parameter ($(cat "$work/err"))" \
        says "its driver gim sets VFs by the module parameter vf_num, not sriov_numvfs; put 'options gim vf_num=8' in /etc/modprobe.d/gim.conf" err
check "gim: still 16" [ "$(numvfs 0000:86:00.0)" = 16 -a "$(nvirtfn 0000:86:00.0)" = 16 ]
expect 1 - apply --json
check "gim: json state module-param" grep -q '"state": "module-param"' "$work/out"
# the dry run cannot know: the kernel answers only a write
expect 0 0 apply --dry-run
check "gim: dry run would set" says "would set 8 VFs (now 16)" out

# ---- NVIDIA: sriov-manage's VFs are never touched ----------------------------
fresh l40
conf '{"0000:c1:00.0": 8}'
expect 1 2 apply
check "nvidia: refused" says "0000:c1:00.0: its VFs belong to NVIDIA's sriov-manage (driver nvidia), left alone" err
check "nvidia: untouched" [ "$(numvfs 0000:c1:00.0)" = 4 -a "$(nvirtfn 0000:c1:00.0)" = 4 ]
conf '{"0000:c1:00.0": 4}'
expect 1 2 apply
check "nvidia: refused even when the count matches" says "move it from sriov_vfs to nvidia_vfs" err

# ---- several PFs: each on its own ------------------------------------------------
fresh demo
conf '{"0000:01:00.0": 3, "0000:82:00.0": 2}'
expect 1 2 apply
check "mixed: the nvme PF was set" [ "$(numvfs 0000:01:00.0)" = 3 ]
check "mixed: the L4 was left alone" [ "$(numvfs 0000:82:00.0)" = 4 ]

# ---- an SR-IOV NIC: inventory names the PF's netdev; VF counts like any PF ----
fresh nic-sriov
nic_inventory() { # PYTHON-ASSERTIONS on d (devices by address)
        "$VGPUCTL" inventory --json --root "$ROOT" >"$work/inv.json" &&
                python3 -c "import json, sys
d = {p['address']: p for p in json.load(open(sys.argv[1]))['pci_devices']}
$1" "$work/inv.json"
}
check "NIC inventory: the PF's netdev" nic_inventory \
        "assert d['0000:41:00.0']['netdevs'] == ['enp65s0f0'] and d['0000:41:00.0']['pf_netdevs'] is None"
check "NIC inventory: a VF's own netdev and its PF's" nic_inventory \
        "assert d['0000:41:02.1']['netdevs'] == ['enp65s0f0v1'] and d['0000:41:02.1']['pf_netdevs'] == ['enp65s0f0']"
expect 0 0 "$VGPUCTL" inventory --root "$ROOT"
check "NIC inventory table: VF of the PF and its netdev" grep -q "VF of 0000:41:00.0 (PF netdev enp65s0f0)" "$work/out"
check "NIC inventory table: the PF's netdev" grep -q "PF: 2 of 64 VFs, autoprobe on (netdev enp65s0f0)" "$work/out"
conf '{"0000:41:00.0": 4}'
expect 0 0 apply
check "NIC: 4 VFs" [ "$(numvfs 0000:41:00.0)" = 4 ]
check "NIC inventory: a new VF names its PF's netdev" nic_inventory \
        "assert d['0000:41:02.3']['pf_netdevs'] == ['enp65s0f0']"

# ---- nothing configured, bad configuration, usage ----------------------------------
fresh nvme-sriov
expect 0 0 apply
check "nothing configured: says so" says "no VF counts configured" out
printf '{"sriov_vfs": {"0000:01:00.0": -1}}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
expect 1 1 apply
check "bad config: file:line:column" says "/etc/vgpu-hook/vgpu-hook.conf:1:" err
check "bad config: nothing written" [ "$(numvfs 0000:01:00.0)" = 2 ]
expect 2 1 "$VGPUCTL" sriov
expect 2 1 "$VGPUCTL" sriov bogus
expect 2 1 "$VGPUCTL" sriov apply extra
expect 0 0 "$VGPUCTL" sriov --help

finish
