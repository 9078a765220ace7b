#!/bin/bash
# vgpuctl metrics and the inventory's owners, cordons and totals, on the demo
# host after the real hook gave two VMs a T4-4Q: the exposition passes a
# Prometheus text-format checker (python3-prometheus-client's parser and a
# line check, tests/e2e/prom-check.py) and every value equals the host's counts.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # Debian's, with python3-prometheus-client
PROMCHECK="$PY $top_srcdir/tests/e2e/prom-check.py"

U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
D2=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02
D3=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a03
PRESET_T4=3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 # the demo's running T4-4Q, made by someone else
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT
work=$X

fresh demo
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
cat >"$ROOT/etc/vgpu-hook/vgpu-hook.conf" <<'EOF'
{"lock_wait_ms": 300, "release_retries": 0,
 "cordoned": ["0000:5e:00.0"], "sriov_vfs": {"0000:ca:00.0": 4}}
EOF
two_t4_vms
check "setup: vm1 active, vm2 prepared, both on the T4 at 3b (pack)" \
        [ "$(lease_state $U1)/$(lease_state $U2)/$(mdev_parent $U1)/$(mdev_parent $U2)" = active/prepared/0000:3b:00.0/0000:3b:00.0 ]
# A VF held by a third domain: the hook takes no VF yet, so the lease is written as it would be.
$PY - "$ROOT/run/vgpu-hook/ledger.json" $D3 <<'EOF'
import json, sys
path, dom = sys.argv[1], sys.argv[2]
doc = json.load(open(path))
vf = dict(doc["leases"][0], domain_uuid=dom, domain_name="vm3", kind="vf", device="0000:01:00.1",
          parent="0000:01:00.0", created=False, state="active")
del vf["type"], vf["profile"]  # a lease without them leaves them out
doc["leases"].append(vf)
json.dump(doc, open(path, "w"))
EOF

# ---- metrics: a valid exposition ---------------------------------------------------
expect 0 0 "$VGPUCTL" metrics --root "$ROOT"
cp "$X/out" "$X/metrics"
check "metrics passes the text-format check ($($PROMCHECK "$X/metrics" 2>&1 >/dev/null))" \
        $PROMCHECK "$X/metrics"
$PROMCHECK "$X/metrics" >"$X/samples"
sample() { grep -Fxq -- "$1" "$X/samples"; }

# ---- the values are the preset's counts, by hand ---------------------------------------
# T4 at 3b: one T4-4Q of the preset plus the two the hook made; its pool of 16 GB holds 4.
for s in 'vgpu_mdev_capacity{parent="0000:3b:00.0",physical="0000:3b:00.0",type="nvidia-224",type_name="GRID T4-4Q"} 4' \
         'vgpu_mdev_in_use{parent="0000:3b:00.0",physical="0000:3b:00.0",type="nvidia-224",type_name="GRID T4-4Q"} 3' \
         'vgpu_mdev_available{parent="0000:3b:00.0",physical="0000:3b:00.0",type="nvidia-224",type_name="GRID T4-4Q"} 1' \
         'vgpu_mdev_capacity{parent="0000:3b:00.0",physical="0000:3b:00.0",type="nvidia-222",type_name="GRID T4-1Q"} 0' \
         'vgpu_mdev_capacity{parent="0000:5e:00.0",physical="0000:5e:00.0",type="nvidia-222",type_name="GRID T4-1Q"} 16' \
         'vgpu_mdev_capacity{parent="mtty",physical="mtty",type="mtty-2",type_name="Dual port serial"} 12' \
         'vgpu_mdev_in_use{parent="mtty",physical="mtty",type="mtty-2",type_name="Dual port serial"} 1' \
         'vgpu_mdev_available{parent="mtty",physical="mtty",type="mtty-1",type_name="Single port serial"} 22' \
         'vgpu_mdev_capacity{parent="mbochs",physical="mbochs",type="mbochs-small",type_name="mbochs-small"} 64' \
         'vgpu_mdev_available{parent="0000:ca:00.4",physical="0000:ca:00.0",type="nvidia-592",type_name="NVIDIA A10-4Q"} 0' \
         'vgpu_mdev_available{parent="0000:ca:00.5",physical="0000:ca:00.0",type="nvidia-592",type_name="NVIDIA A10-4Q"} 1' \
         'vgpu_leases{state="pending"} 0' 'vgpu_leases{state="prepared"} 1' 'vgpu_leases{state="active"} 2' \
         'vgpu_leases{state="releasing"} 0' \
         'vgpu_mdev_parent_cordoned{parent="0000:5e:00.0",physical="0000:5e:00.0"} 1' \
         'vgpu_mdev_parent_cordoned{parent="0000:3b:00.0",physical="0000:3b:00.0"} 0' \
         'vgpu_cordoned_parents{} 1' \
         'vgpu_sriov_vfs{pf="0000:ca:00.0"} 4' 'vgpu_sriov_vfs{pf="0000:01:00.0"} 2' \
         'vgpu_sriov_vfs_max{pf="0000:ca:00.0"} 32' 'vgpu_sriov_vfs_configured{pf="0000:ca:00.0"} 4' \
         'vgpu_sriov_vfs_leased{pf="0000:01:00.0"} 1' 'vgpu_sriov_vfs_leased{pf="0000:ca:00.0"} 0' \
         'vgpu_nvidia_vfs_typed{pf="0000:82:00.0"} 1' \
         'vgpu_host_problems{} 0' 'vgpu_config_readable{} 1' 'vgpu_ledger_readable{} 1'; do
        check "metrics has $s" sample "$s"
done

# ---- and equal the inventory's, for every parent and type -----------------------------
"$VGPUCTL" inventory --json --root "$ROOT" >"$X/inv.json"
check "every type's capacity, use and availability equal the inventory's" \
        $PY - "$X/inv.json" "$X/samples" <<'EOF'
import json, re, sys
inv = json.load(open(sys.argv[1]))
got = {}
for line in open(sys.argv[2]):
    m = re.match(r'(vgpu_mdev_\w+)\{parent="([^"]*)",physical="[^"]*",type="([^"]*)",.*\} (\d+)$', line)
    if m:
        got[m.group(1), m.group(2), m.group(3)] = int(m.group(4))
want = {}
for p in inv["mdev_parents"]:
    for t in p["types"]:
        k = (p["name"], t["id"])
        want["vgpu_mdev_capacity", *k] = t["available_instances"] + t["instances"]
        want["vgpu_mdev_in_use", *k] = t["instances"]
        want["vgpu_mdev_available", *k] = t["available_instances"]
        assert t["total"] == t["available_instances"] + t["instances"], t
assert got == want, (sorted(set(got.items()) ^ set(want.items())))
assert sum(v for k, v in got.items() if k[0] == "vgpu_mdev_in_use") == len(inv["mdevs"])
EOF

# ---- inventory: owners, cordons, totals ---------------------------------------------------
check "inventory: schema_version 6, owners, cordons, totals" $PY - "$X/inv.json" $U1 $U2 $PRESET_T4 $D1 <<'EOF'
import json, sys
inv = json.load(open(sys.argv[1]))
u1, u2, foreign, d1 = sys.argv[2:]
assert inv["schema_version"] == 6
mdev = {m["uuid"]: m for m in inv["mdevs"]}
assert mdev[u1]["owner"] == {"domain_uuid": d1, "domain_name": "vm1", "state": "active"}, mdev[u1]
assert mdev[u2]["owner"]["domain_name"] == "vm2" and mdev[u2]["owner"]["state"] == "prepared"
assert mdev[foreign]["owner"] is None
pci = {d["address"]: d for d in inv["pci_devices"]}
assert pci["0000:01:00.1"]["owner"]["domain_name"] == "vm3"
assert pci["0000:01:00.2"]["owner"] is None
assert pci["0000:5e:00.0"]["cordoned"] is True and pci["0000:3b:00.0"]["cordoned"] is False
par = {p["name"]: p for p in inv["mdev_parents"]}
assert par["0000:5e:00.0"]["cordoned"] is True and par["0000:3b:00.0"]["cordoned"] is False
tot = {(t["kind"], t["type_name"]): t for t in inv["totals"]}
# T4-4Q: 3 in use at 3b; available 1 (3b) + 4 (the T4 behind VMD); the cordoned T4 offers nothing
assert tot["mdev", "GRID T4-4Q"] == {"kind": "mdev", "type_name": "GRID T4-4Q", "devices": 3,
                                     "in_use": 3, "available": 5, "total": 8}, tot["mdev", "GRID T4-4Q"]
assert tot["mdev", "Dual port serial"]["total"] == 12
# L4: VF .4 holds an L4-4Q, the three free VFs can each take one
assert tot["nvidia_vfio", "NVIDIA L4-4Q"]["in_use"] == 1 and tot["nvidia_vfio", "NVIDIA L4-4Q"]["available"] == 3
EOF
expect 0 0 "$VGPUCTL" inventory --root "$ROOT"
check "inventory table: the owner of each mdev" grep -Eq "^$U1 +0000:3b:00.0 +nvidia-224 +[0-9]+ +vm1$" "$X/out"
check "inventory table: the cordoned list" grep -q "^cordoned (kept out of placement): 0000:5e:00.0$" "$X/out"

# ---- label values are escaped -------------------------------------------------------------
t="$ROOT/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/name"
printf 'Single "port" \\ serial\n' >"$t"
expect 0 0 "$VGPUCTL" metrics --root "$ROOT"
cp "$X/out" "$X/metrics"
check "a quote and a backslash in a type name: still valid" $PROMCHECK "$X/metrics"
check "and read back as they are" grep -Fq 'type_name="Single "port" \ serial"} 22' <($PROMCHECK "$X/metrics")

# ---- a ledger that cannot be read: the rest still reported, and said so --------------------
echo garbage >"$ROOT/run/vgpu-hook/ledger.json"
expect 1 1 "$VGPUCTL" metrics --root "$ROOT"
cp "$X/out" "$X/metrics"
check "unreadable ledger: one sentence naming it ($(cat "$X/err"))" grep -q "ledger.json" "$X/err"
check "unreadable ledger: still valid" $PROMCHECK "$X/metrics"
check "unreadable ledger: vgpu_ledger_readable 0" grep -qx 'vgpu_ledger_readable 0' "$X/metrics"
check "unreadable ledger: capacities still there" grep -q '^vgpu_mdev_capacity{parent="0000:3b:00.0"' "$X/metrics"
expect 0 - "$VGPUCTL" inventory --json --root "$ROOT"
check "unreadable ledger: the inventory lists it as a problem" grep -q 'ledger.json' "$X/out"

expect 2 1 "$VGPUCTL" metrics extra
expect 0 0 "$VGPUCTL" metrics --help
finish
