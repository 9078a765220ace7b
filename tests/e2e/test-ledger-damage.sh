#!/bin/bash
# End to end: a damaged lease ledger repairs itself (issue 25).  Whoever
# locks it first keeps it as ledger.json.damaged-TIME, logs it once and
# starts afresh; reconnect and started re-adopt the running domain's devices
# from its XML (ours only by the ownership rules: a derived UUID, a manual
# mdevctl definition), release frees what those rules say the hook made,
# prepare proceeds.  Nothing foreign is claimed, nothing in use is removed.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
export VGPU_TEST_PRELOAD="$top_builddir/tests/reliability/.libs/libkfault.so"

D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
D2=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02
HAND=3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 # present on the t4 preset: not ours
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-damage-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT
O1=$("$top_builddir/tests/harness/vgpu-uuid5" $D1 0)
O2=$("$top_builddir/tests/harness/vgpu-uuid5" $D2 0)
LEDGER_DIR=
GARBAGE='{"version": 1, "leases": [{"domain_uuid": 7'

setup() { # PRESET: a fresh host, its syslog captured
        fresh "$1"
        LEDGER_DIR="$ROOT/run/vgpu-hook"
        export VGPU_KSHIM_SYSLOG="$ROOT/.syslog"
        : >"$VGPU_KSHIM_SYSLOG"
}
damage() { printf '%s' "$GARBAGE" >"$LEDGER_DIR/ledger.json"; }
kept() { ls "$LEDGER_DIR" | grep -c '^ledger\.json\.damaged-[0-9]\{8\}T[0-9]\{6\}$' || true; }
kept_intact() { cmp -s <(printf '%s' "$GARBAGE") "$LEDGER_DIR"/ledger.json.damaged-*; }
said_damaged() { grep -c "the lease ledger /run/vgpu-hook/ledger.json was damaged" "$ROOT/.syslog" || true; }

# ---- libvirtd restarts with a damaged ledger: reconnect re-adopts ------------
setup t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$O1' profile='t4-4q'/>" $O1 $HAND >"$X/vm1.xml"
domain vm2 $D2 "<vgpu:mdev uuid='$O2' profile='t4-4q'/>" $O2 >"$X/vm2.xml"
hook "$X/vm1.xml" vm1 prepare begin -
fake_qemu vm1 $D1
hook "$X/vm1.xml" vm1 started begin -
check "vm1 runs with its vGPU ($err)" [ "$rc" = 0 -a "$(lease_state $O1)" = active ]
damage
"$VGPUCTL" leases --root "$ROOT" >"$X/out" 2>"$X/err" && rc=0 || rc=$?
check "leases on a damaged ledger: exit 0, none listed" [ "$rc" = 0 ] && grep -q "no leases" "$X/out"
check "leases on a damaged ledger: says so and what happens" \
        grep -q "ledger.json is damaged (.*): listed as empty; the next hook or 'vgpuctl reconcile' keeps it" "$X/err"
check "leases only reads: the damaged file stays in place" [ "$(kept)" = 0 ]
hook "$X/vm1.xml" vm1 reconnect begin -
check "reconnect on a damaged ledger: exit 0" [ "$rc" = 0 ]
check "the damaged ledger is kept, named with the time" [ "$(kept)" = 1 ]
check "the damaged ledger is kept byte for byte" kept_intact
check "the damaged ledger is kept private" [ "$(stat -c %a "$LEDGER_DIR"/ledger.json.damaged-*)" = 600 ]
check "logged once, as a warning" [ "$(said_damaged)" = 1 ] && grep -q "^[0-9]* 4 vm1 reconnect: the lease ledger" "$ROOT/.syslog"
check "reconnect re-adopts both devices" [ "$(lease_count)" = 2 ]
check "the derived UUID is ours" [ "$(lease_created $O1)" = true ]
check "the hand-written one is not" [ "$(lease_created $HAND)" = false ]
check "both active" [ "$(lease_state $O1)" = active -a "$(lease_state $HAND)" = active ]
check "the adoption is logged" grep -q "vm1 reconnect: re-adopted mdev $O1 for domain vm1 (ours)" "$ROOT/.syslog"
hook "$X/vm2.xml" vm2 prepare begin -
check "the next vGPU VM starts ($err)" [ "$rc" = 0 ] && mdev_exists $O2
hook "$X/vm1.xml" vm1 release end -
check "destroying vm1 frees what the hook made for it" not mdev_exists $O1
check "and leaves what it did not make" mdev_exists $HAND
check "vm2's lease stays" [ "$(lease_count)" = 1 -a "$(lease_state $O2)" = prepared ]
check "still logged once" [ "$(said_damaged)" = 1 ]

# ---- no restart: the next prepare repairs, release frees by the XML --------
setup t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
hook "$X/vm1.xml" vm1 prepare begin -
fake_qemu vm1 $D1
hook "$X/vm1.xml" vm1 started begin -
damage
hook "$X/vm2.xml" vm2 prepare begin -
check "prepare on a damaged ledger proceeds ($err)" [ "$rc" = 0 ] && mdev_exists $O2
check "prepare kept the damaged ledger" [ "$(kept)" = 1 ] && kept_intact
check "prepare logged it once" [ "$(said_damaged)" = 1 ]
check "vm1's devices are not claimed by anyone yet" [ "$(lease_count)" = 1 ]
check "vm1 keeps its vGPU" mdev_exists $O1
hook "$X/vm1.xml" vm1 release end -
check "release after the rebuild: exit 0" [ "$rc" = 0 ]
check "release frees the derived UUID by the XML" not mdev_exists $O1
check "release leaves the hand-written mdev" mdev_exists $HAND
check "release leaves no lease of vm1" [ "$(lease_count)" = 1 -a "$(lease_state $O2)" = prepared ]
check "release says what it freed" grep -q "released mdev $O1 (removed) from domain $D1 vm1" "$ROOT/.syslog"

# ---- started after a rebuild adopts what prepare had leased ----------------
setup t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
hook "$X/vm1.xml" vm1 prepare begin -
damage
fake_qemu vm1 $D1
hook "$X/vm1.xml" vm1 started begin -
check "started on a damaged ledger: exit 0" [ "$rc" = 0 ] && [ "$(kept)" = 1 ]
check "started re-adopts, active" [ "$(lease_state $O1)" = active -a "$(lease_created $O1)" = true ]
check "started: not ours stays not ours" [ "$(lease_created $HAND)" = false ]

# ---- nothing in use is removed, nothing leased to another is claimed ----------
# vm3's XML names vm2's mdev and a device another VM holds open (group 21)
D3=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a03
O3=$("$top_builddir/tests/harness/vgpu-uuid5" $D3 0)
hook "$X/vm2.xml" vm2 prepare begin -
"$top_builddir/tests/harness/vgpu-uuid5" $D3 0 >/dev/null
domain vm3 $D3 "" $O2 $HAND >"$X/vm3.xml"
damage
hook "$X/vm3.xml" vm3 release end -
check "release of a domain naming another's device: exit 0" [ "$rc" = 0 ]
check "another domain's device is never freed" mdev_exists $O2 && mdev_exists $HAND
hook "$X/vm2.xml" vm2 reconnect begin -
check "its owner re-adopts it" [ "$(lease_state $O2)" = active -a "$(lease_created $O2)" = true ]
hook "$X/vm3.xml" vm3 reconnect begin -
check "a device leased to another domain is not claimed" grep -q "mdev $O2 of domain vm3 is leased to domain vm2 too" "$ROOT/.syslog"
check "a device leased to another domain is not claimed (2)" [ "$(leases | grep -c "\"$D3\"")" = 1 ]

# ---- a manual mdevctl definition the hook started is stopped at release ----
setup samples
U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
mkdir -p "$ROOT/etc/mdevctl.d/mtty"
printf '{\n  "mdev_type": "mtty-1",\n  "start": "manual",\n  "attrs": []\n}' >"$ROOT/etc/mdevctl.d/mtty/$U1"
printf '{\n  "mdev_type": "mtty-2",\n  "start": "auto",\n  "attrs": []\n}' >"$ROOT/etc/mdevctl.d/mtty/$U2"
domain vm1 $D1 "" $U1 $U2 >"$X/defined.xml"
hook "$X/defined.xml" vm1 prepare begin -
fake_qemu vm1 $D1
hook "$X/defined.xml" vm1 started begin -
check "mdevctl definitions started ($err)" [ "$rc" = 0 ] && mdev_exists $U1 && mdev_exists $U2
damage
hook "$X/defined.xml" vm1 release end -
check "damaged ledger at release: the manual definition is stopped" not mdev_exists $U1
check "damaged ledger at release: the autostarted one stays" mdev_exists $U2
check "damaged ledger at release: no lease left" [ "$(lease_count)" = 0 ]

# ---- vgpuctl reconcile repairs; a dry run only says so ---------------------------
setup t4
mkdir -m 0700 -p "$LEDGER_DIR"
damage
chmod 0600 "$LEDGER_DIR/ledger.json"
"$VGPUCTL" reconcile --dry-run --root "$ROOT" >"$X/out" 2>&1 && rc=0 || rc=$?
check "reconcile --dry-run on a damaged ledger: exit 0, says what it would do" [ "$rc" = 0 ] &&
        grep -q "^the lease ledger is damaged (.*): would keep it as /run/vgpu-hook/ledger.json.damaged-TIME" "$X/out"
check "reconcile --dry-run leaves it" [ "$(kept)" = 0 ]
LD_PRELOAD="${ASAN_RUNTIME:+$ASAN_RUNTIME:}$VGPU_TEST_PRELOAD" "$VGPUCTL" reconcile --root "$ROOT" >"$X/out" 2>&1 && rc=0 || rc=$?
check "reconcile on a damaged ledger: exit 0 ($(cat "$X/out"))" [ "$rc" = 0 ]
check "reconcile says it kept and rebuilt it" grep -q "^the lease ledger was damaged: kept as /run/vgpu-hook/ledger.json.damaged-" "$X/out"
check "reconcile kept it" [ "$(kept)" = 1 ] && kept_intact
check "a good, empty ledger after it" "$VGPUCTL" leases --root "$ROOT"
check "reconcile logged it once" [ "$(said_damaged)" = 1 ]
damage
"$VGPUCTL" reconcile --root "$ROOT" >/dev/null 2>&1
check "damaged twice in a second: both kept" [ "$(ls "$LEDGER_DIR" | grep -c '^ledger\.json\.damaged-')" = 2 ]

# ---- not damage: a newer version is still refused, and left alone ----------------
printf '{"version": 2, "leases": []}' >"$LEDGER_DIR/ledger.json"
"$VGPUCTL" reconcile --root "$ROOT" >/dev/null 2>"$X/err" && rc=0 || rc=$?
check "a newer ledger is refused, not set aside" [ "$rc" = 1 ] && grep -q "version 2 is newer" "$X/err" &&
        grep -q '"version": 2' "$LEDGER_DIR/ledger.json"
finish
