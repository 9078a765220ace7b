# 1: `vgpuctl inventory --json` on the real sysfs lists the parents, their
# types and counts, and the nvme PF with its VFs; and it equals the golden
# tests/golden/inventory-vm.json (the guest's machine is always the same).
vgpuctl inventory --json >inv.json
python3 - inv.json <<'PY'
import json, sys
inv = json.load(open(sys.argv[1]))
types = {(p["name"], t["id"]): t for p in inv["mdev_parents"] for t in p["types"]}
want = {
    ("mtty", "mtty-1"): ("Single port serial", 24), ("mtty", "mtty-2"): ("Dual port serial", 12),
    ("mttyb", "mttyb-1"): ("Single port serial", 24), ("mttyb", "mttyb-2"): ("Dual port serial", 12),
    ("mdpy", "mdpy-vga"): ("mdpy-vga", 4), ("mdpy", "mdpy-xga"): ("mdpy-xga", 4),
    ("mdpy", "mdpy-hd"): ("mdpy-hd", 4), ("mbochs", "mbochs-small"): ("mbochs-small", 64),
    ("mbochs", "mbochs-medium"): ("mbochs-medium", 16), ("mbochs", "mbochs-large"): ("mbochs-large", 4),
}
bad = []
if set(types) != set(want):
    bad.append("types %s, want %s" % (sorted(types), sorted(want)))
for k, (name, avail) in want.items():
    t = types.get(k)
    if t and (t["name"], t["available_instances"], t["instances"], t["device_api"]) != (name, avail, 0, "vfio-pci"):
        bad.append("%s: %s" % (k, t))
pfs = [d for d in inv["pci_devices"] if d["sriov"]]
if len(pfs) != 1 or pfs[0]["driver"] != "nvme" or pfs[0]["sriov"]["num_vfs"] != 2 \
        or pfs[0]["sriov"]["total_vfs"] != 4 or len(pfs[0]["sriov"]["vfs"]) != 2:
    bad.append("nvme PF: %s" % pfs)
if inv["mdevs"] or inv["problems"]:
    bad.append("mdevs %s problems %s" % (inv["mdevs"], inv["problems"]))
for b in bad:
    print("FAILED:", b)
sys.exit(1 if bad else 0)
PY
# The models come from the guest root's pci.ids, which a root may lack: lspci's name or null.
python3 - inv.json inv-golden.json <<'PY'
import json, sys
inv = json.load(open(sys.argv[1]))
for d in inv["pci_devices"]:
    if d["model"] not in (None, "QEMU NVM Express Controller"):
        sys.exit("FAILED: %s is named %r" % (d["address"], d["model"]))
    d["model"] = None
json.dump(inv, open(sys.argv[2], "w"), indent=2)
PY
assert_golden inv-golden.json golden/inventory-vm.json
