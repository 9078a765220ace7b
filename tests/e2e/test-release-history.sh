#!/bin/bash
# End to end: the release history (issue 25, point 3).  Each release end
# keeps, per device, when, which domain and why it shut off — libvirt >= 10.5
# passes the reason as the last argument; before, "-" — and whether the
# device was freed; `vgpuctl inventory --json` shows the last 5 per device
# (release_history, schema_version 4; 5 since the quarantine, 6 since nvidia_gpus), valid against its schema.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

U1=3b0e1c2d-0000-4000-8000-00000000aa01
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
HAND=3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 # on the t4 preset: not ours
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-history-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT

# history DEVICE: that device's releases, one "DOMAIN REASON SOURCE FREED" a line
history() {
        "$VGPUCTL" inventory --json --root "$ROOT" >"$X/inv.json"
        $PY -c 'import json, sys
for d in json.load(open(sys.argv[1]))["release_history"]:
    if d["device"] == sys.argv[2]:
        for r in d["releases"]:
            print(r.get("domain_name"), r["reason"], r["reason_source"], str(r["freed"]).lower())' "$X/inv.json" "$1"
}
cycle() { # REASON (release end's last argument)
        hook "$X/vm1.xml" vm1 prepare begin -
        fake_qemu vm1 $D1
        hook "$X/vm1.xml" vm1 started begin -
        hook "$X/vm1.xml" vm1 release end "$1"
}

fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 $HAND >"$X/vm1.xml"
"$VGPUCTL" inventory --json --root "$ROOT" >"$X/inv.json"
check "no release yet: an empty history" grep -q '"release_history": \[\]' "$X/inv.json"
check "schema_version 6" grep -q '"schema_version": 6' "$X/inv.json"
cycle destroyed
check "a destroyed VM: kept with libvirt's reason, freed" [ "$(history $U1)" = "vm1 destroyed libvirt true" ]
check "the device not ours: kept too, not freed" [ "$(history $HAND)" = "vm1 destroyed libvirt false" ]
cycle crashed
check "a crash is told from the destroy before" \
        [ "$(history $U1 | tail -n 1)" = "vm1 crashed libvirt true" -a "$(history $U1 | wc -l)" = 2 ]
cycle -
check "libvirt before 10.5: unknown, marked not given" \
        [ "$(history $U1 | tail -n 1)" = "vm1 unknown not given (libvirt before 10.5) true" ]
cycle "from snapshot"
check "from snapshot, with its space" [ "$(history $U1 | tail -n 1)" = "vm1 from snapshot libvirt true" ]
cycle shutdown
cycle shutdown
check "at most 5 per device, the oldest dropped" \
        [ "$(history $U1 | wc -l)" = 5 -a "$(history $U1 | head -n 1)" = "vm1 crashed libvirt true" ]
check "the history is private" [ "$(stat -c %a "$ROOT/run/vgpu-hook/history.json")" = 600 ]
check "inventory --json is valid against its schema" \
        $PY "$top_srcdir/tests/e2e/schema-check.py" "$top_srcdir/docs/schemas/inventory.schema.json" "$X/inv.json"
# a release the kernel refuses: kept, not freed, with why
hook "$X/vm1.xml" vm1 prepare begin -
mv "$ROOT/sys/bus/mdev/devices/$U1/remove" "$X/remove"
hook "$X/vm1.xml" vm1 release end destroyed
check "a device not freed: kept with its error" \
        grep -q '"error": "No such file or directory"' <("$VGPUCTL" inventory --json --root "$ROOT")
mv "$X/remove" "$ROOT/sys/bus/mdev/devices/$U1/remove"
# a damaged history is started afresh, and never fails a release
printf 'garbage' >"$ROOT/run/vgpu-hook/history.json"
cycle destroyed
check "a damaged history: started afresh" [ "$(history $U1)" = "vm1 destroyed libvirt true" ]
check "a damaged history: the release went on" not mdev_exists $U1
finish
