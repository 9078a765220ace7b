#!/bin/bash
# The JSON Schemas of docs/schemas/ against what vgpuctl --json prints: every
# golden JSON output, and live outputs of inventory, leases, reconcile,
# profiles, profile check, plan, inventory --committed and sriov apply on the
# simulated host presets (the hook gives VMs devices first, so owners and
# leases are not empty).  Each schema is checked itself (tests/e2e/schema-check.py:
# its draft's meta-schema, closed objects, a description for every field),
# and must refuse documents the output must never contain: an unknown field, a
# wrong type, a value outside its enum.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3 # Debian's, with python3-jsonschema
if ! $PY -c 'import jsonschema' 2>/dev/null; then
        echo "python3-jsonschema is not installed (apt-get install python3-jsonschema; .ci/packages lists it)" >&2
        exit 1
fi
SCHEMAS="$top_srcdir/docs/schemas"
GOLDEN="$top_srcdir/tests/golden"
export VGPUCTL_LIBVIRT_MODULE="$top_builddir/.libs/vgpuctl-libvirt.so"
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-schemas-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT
work=$X

# valid SCHEMA FILE...: the files are documents of docs/schemas/SCHEMA.schema.json
valid() {
        local schema=$1
        shift
        if $PY "$top_srcdir/tests/e2e/schema-check.py" "$SCHEMAS/$schema.schema.json" "$@" 2>"$X/why"; then
                pass
        else
                fail "not a valid $schema document: $(head -5 "$X/why")"
        fi
}
# refused SCHEMA FILE PYTHON: FILE changed by PYTHON (on the document d) is refused
refused() {
        local schema=$1 file=$2 change=$3
        if ! $PY -c 'import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(d, sys.stdout, indent=2)' "$file" "$change" >"$X/changed.json" 2>"$X/why"; then
                fail "cannot make $change in $file: $(tail -1 "$X/why")"
        elif $PY "$top_srcdir/tests/e2e/schema-check.py" "$SCHEMAS/$schema.schema.json" "$X/changed.json" 2>"$X/why"; then
                fail "$schema accepts a document with $change"
        elif grep -q "not one JSON document" "$X/why"; then
                fail "$change: $(cat "$X/why")"
        else
                echo "refused, $change: $(head -1 "$X/why")" # the reason, in the log
                pass
        fi
}
# out NAME: the last command's output ($work/out of expect), kept as $X/NAME.json
out() { cp "$work/out" "$X/$1.json"; }
V() { "$VGPUCTL" --root "$ROOT" "$@"; }
# any CMD...: run it for its output in $work/out, whatever its exit status
any() { "$@" >"$work/out" 2>"$work/err" || true; }

# ---- the schemas themselves ------------------------------------------------------
for s in "$SCHEMAS"/*.schema.json; do
        check "$(basename "$s") is a schema by the house rules ($($PY "$top_srcdir/tests/e2e/schema-check.py" "$s" 2>&1))" \
                $PY "$top_srcdir/tests/e2e/schema-check.py" "$s"
done

# ---- golden outputs: each has its schema -------------------------------------------
for g in "$GOLDEN"/*.json; do
        case $(basename "$g") in
        inventory-committed*) valid inventory-committed "$g" ;;
        inventory-*) valid inventory "$g" ;;
        plan-*) valid plan "$g" ;;
        profiles-*) valid profiles "$g" ;;
        *) fail "$(basename "$g"): a golden JSON output no schema covers; add its case here" ;;
        esac
done

# ---- inventory of every preset and of the real kernel's capture ------------------
for p in "$top_srcdir"/tests/presets/*.host; do
        [ "$(basename "$p")" = vm-6.1-base.host ] && continue # included by the vm-6.1 presets, not a host alone
        rm -rf "$X/host"
        "$FAKEHOST" "$p" "$X/host" >/dev/null
        expect 0 - "$VGPUCTL" inventory --json --root "$X/host"
        valid inventory "$work/out"
done
mkdir "$X/capture"
tar -xzf "$top_srcdir/tests/data/sysfs-linux-6.1-mdev-samples-nvme-sriov.tar.gz" -C "$X/capture"
expect 0 0 "$VGPUCTL" inventory --json --root "$X/capture"
valid inventory "$work/out"

# ---- the demo host with two VMs' T4-4Qs: leases, owners, cordons, profiles, plan ----
U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
D2=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02
fresh demo
cp "$top_srcdir"/tests/data/etc/vgpu-hook/profiles.d/*.json "$ROOT/etc/vgpu-hook/profiles.d/"
# the PCI ID database, for the inventory's model names
mkdir -p "$ROOT/usr/share/misc"
cp "$top_srcdir/tests/data/pci.ids" "$ROOT/usr/share/misc/pci.ids"
# without its nvidia/vgpu_params attribute, which the simulated T4 lacks
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}, "description": "NVIDIA T4, 4 GB framebuffer"}'
cat >"$ROOT/etc/vgpu-hook/vgpu-hook.conf" <<'EOF'
{"lock_wait_ms": 300, "release_retries": 0,
 "cordoned": ["0000:5e:00.0", "0000:01:00.2"],
 "sriov_vfs": {"0000:01:00.0": 2, "0000:3b:00.0": 1, "0000:99:00.0": 1}}
EOF
expect 0 0 V leases --json
valid leases "$work/out"
check "no ledger yet: no lease" grep -q '"leases": \[\]' "$work/out"
two_t4_vms
check "setup: vm1 active, vm2 prepared" [ "$(lease_state $U1)/$(lease_state $U2)" = active/prepared ]

expect 0 0 V leases --json
valid leases "$work/out"
out leases
expect 0 - V inventory --json
valid inventory "$work/out"
out inventory
check "the inventory names the owner of an mdev" grep -q '"domain_name": "vm1"' "$X/inventory.json"
check "and a cordoned parent" grep -q '"cordoned": true' "$X/inventory.json"
check "and the models from pci.ids" grep -q '"model": "TU104GL \[Tesla T4\]"' "$X/inventory.json"
expect 0 - V profiles --json
valid profiles "$work/out"
out profiles
for p in "$ROOT"/etc/vgpu-hook/profiles.d/*.json; do
        p=$(basename "$p" .json)
        any V profile check "$p" --json
        valid profiles "$work/out"
        any V plan --profile "$p" --count 3 --json -c test:///default
        valid plan "$work/out"
done
expect 1 - V plan --profile t4-4q --count 40 --json
valid plan "$work/out"
out plan
check "plan: a device that finds no place has chosen null" grep -q '"chosen": null' "$X/plan.json"
expect 0 0 V -c test:///default inventory --committed --json
valid inventory-committed "$work/out"

# A profile file that does not load is a problem; a configuration that does not, unknown cordons.
printf '{"mdev_type": {"name": "GRID T4-4Q"}, "policy": "fill"}\n' >"$ROOT/etc/vgpu-hook/profiles.d/bad.json"
expect 1 - V profile check --json
valid profiles "$work/out"
check "profile check lists the bad file" grep -q 'bad.json:1:' "$work/out"
rm "$ROOT/etc/vgpu-hook/profiles.d/bad.json"
cp "$ROOT/etc/vgpu-hook/vgpu-hook.conf" "$X/conf"
echo '{' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
expect 0 - V inventory --json
valid inventory "$work/out"
check "an unreadable configuration: cordons unknown" grep -q '"cordoned": null' "$work/out"
cp "$X/conf" "$ROOT/etc/vgpu-hook/vgpu-hook.conf"

# ---- sriov apply: ok, not SR-IOV, absent -------------------------------------------
set +e
LD_PRELOAD="$KSHIM" "$VGPUCTL" sriov apply --dry-run --json >"$X/sriov.json" 2>"$X/err"
rc=$?
set -e
check "sriov apply --dry-run: refusals exit 1 ($rc: $(cat "$X/err"))" [ "$rc" = 1 ]
valid sriov-apply "$X/sriov.json"
for state in ok not-sriov absent; do
        check "sriov apply lists a PF in state $state" grep -q "\"state\": \"$state\"" "$X/sriov.json"
done

# ---- reconcile: vm1's QEMU gone, vm2's prepare long ago ------------------------------
pid=$(cat "$ROOT/run/libvirt/qemu/vm1.pid")
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
proc_gone "$pid"
rm -f "$ROOT/run/libvirt/qemu/vm1.pid"
QEMU_PIDS=
expect 0 0 V reconcile --dry-run --json --grace 0
valid reconcile "$work/out"
out reconcile
check "reconcile --dry-run acts on both leases" [ "$(grep -c '"action": "remove"' "$X/reconcile.json")" = 2 ]
expect 0 - env LD_PRELOAD="$KSHIM" "$VGPUCTL" --root "$ROOT" reconcile --json --grace 0
valid reconcile "$work/out"
check "reconcile did it" grep -q '"done": true' "$work/out"

# ---- what no output may contain: each schema refuses it -----------------------------
refused inventory "$X/inventory.json" 'd["extra"] = 1'
refused inventory "$X/inventory.json" 'd["pci_devices"][0]["iommu_group"] = "5"'
refused inventory "$X/inventory.json" 'd["mdev_parents"][0]["types"][0]["surprise"] = True'
refused inventory "$X/inventory.json" 'd["mdevs"][0]["owner"]["state"] = "?"'
refused inventory "$X/inventory.json" 'd["pci_devices"][0]["vendor"] = "10de"'
refused inventory "$X/inventory.json" 'del d["totals"][0]["available"]'
refused inventory "$X/inventory.json" 'd["schema_version"] = 1'
refused leases "$X/leases.json" 'd["leases"][0]["hook"] = {"pid": 1, "start": 2}'
refused leases "$X/leases.json" 'd["leases"][0]["kind"] = "?"'
refused leases "$X/leases.json" 'd["leases"][0]["qemu_pid"] = -1'
refused leases "$X/leases.json" 'd["leases"][0]["device"] = "0000:3b:00.0"'
refused reconcile "$X/reconcile.json" 'd["actions"][0]["done"] = "yes"'
refused reconcile "$X/reconcile.json" 'd["actions"][0]["error"] = "Device or resource busy"'
refused reconcile "$X/reconcile.json" 'd["kept"] = None'
refused profiles "$X/profiles.json" 'd["profiles"][0]["policy"] = "fill"'
refused profiles "$X/profiles.json" 'd["profiles"][0]["devices"][0]["why"] = "x"'
refused plan "$X/plan.json" 'd["devices"][0]["candidates"][0]["reason"] = "?"'
refused plan "$X/plan.json" 'd["count"] = 0'
refused sriov-apply "$X/sriov.json" 'd["pfs"][0]["state"] = "?"'
refused sriov-apply "$X/sriov.json" 'd["pfs"][0]["configured"] = 65536'
refused inventory-committed "$GOLDEN/inventory-committed.json" 'd["committed"][0]["type"] = "GRID T4-4Q"'
refused inventory-committed "$GOLDEN/inventory-committed.json" 'd["committed"][0]["domains"] = []'
# and a document that repeats a key is no document
sed '0,/"schema_version": 6,/s//"schema_version": 6, "schema_version": 6,/' "$X/inventory.json" >"$X/twice.json"
if $PY "$top_srcdir/tests/e2e/schema-check.py" "$SCHEMAS/inventory.schema.json" "$X/twice.json" 2>/dev/null; then
        fail "a duplicate key is accepted"
else
        pass
fi

finish
