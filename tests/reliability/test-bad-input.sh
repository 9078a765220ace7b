#!/bin/bash
# The bad-input table of docs/testing.md, end to end through the real hook (and
# vgpuctl where it reads the same files): each row gets a clear error, an
# exit status that is non-zero only where the op allows it (prepare here),
# and leaves the host and the ledger as they were.  Rows already tested
# elsewhere are named in that table and not repeated here.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh"

U1=3b0e1c2d-0000-4000-8000-00000000aa01
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-bad-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT
OPS_MAY_NOT_FAIL=("started begin" "release end" "reconnect begin")
FILTERS=("migrate begin" "restore begin")

t4() {
        fresh t4
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        capture_syslog
}
good() { domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1; }

# row NAME XMLFILE PATTERN: prepare refuses with one sentence matching
# PATTERN; every other op exits 0; host and ledger unchanged throughout.
row() {
        local name=$1 xml=$2 pattern=$3 op
        snapshot before
        hook "$xml" vm1 prepare begin -
        check "$name: prepare exits 1 (got $rc)" [ "$rc" = 1 ]
        check "$name: one sentence ($err)" [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]
        check "$name: says '$pattern' ($err)" grep -q -- "$pattern" <<<"$err"
        for op in "${FILTERS[@]}"; do # they may fail, and must print no XML then
                hook "$xml" vm1 $op -
                if [ -n "${FILTERS_ACCEPT:-}" ]; then # what only a store finds out, a filter cannot foresee
                        check "$name: $op exits 0, prints nothing" [ "$rc" = 0 -a -z "$out" -a -z "$err" ]
                        continue
                fi
                check "$name: $op exits 1 (got $rc)" [ "$rc" = 1 -a -z "$out" ]
                check "$name: $op, one sentence ($err)" [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]
        done
        for op in "${OPS_MAY_NOT_FAIL[@]}"; do
                # reconnect adopts a running VM's present device, rightly (not as ours)
                [ -n "${KEEP_RECONNECT_OUT:-}" ] && [ "$op" = "reconnect begin" ] && continue
                hook "$xml" vm1 $op -
                check "$name: $op exits 0 ($err)" [ "$rc" = 0 -a -z "$out" ]
        done
        snapshot after
        check "$name: host and ledger unchanged" same before after
}

# ---- stdin: truncated, empty, 100 MB, XXE, billion laughs ---------------------------
t4
good >"$X/good.xml"
size=$(wc -c <"$X/good.xml")
marker=$(grep -bo "type='mdev'" "$X/good.xml" | head -1 | cut -d: -f1)
for cut in $((marker + 20)) $((size / 2 + 40)) $((size - 12)) $((size - 2)); do
        head -c $cut "$X/good.xml" >"$X/cut.xml"
        row "XML truncated at byte $cut of $size" "$X/cut.xml" "domain XML:"
done
: >"$X/empty.xml"
for op in "prepare begin" "${OPS_MAY_NOT_FAIL[@]}"; do
        hook "$X/empty.xml" vm1 $op -
        check "empty stdin, $op: exit 0, nothing of ours" [ "$rc" = 0 -a -z "$err" ]
done
check "empty stdin: no ledger created" [ ! -e "$ROOT/run/vgpu-hook" ]

# 100 MB: the hook keeps the first 4 MiB and drains the rest (libvirt must not block)
big() { # WHAT: 100 MB of stdin, with our marker at the end if WHAT is ours
        head -c 100000000 /dev/zero | tr '\0' ' '
        [ "$1" = ours ] && printf "<domain><hostdev type='mdev'/></domain>"
        [ "$1" = plain ] && printf "<domain/>"
}
bigrun() { # WHAT OP SUBOP
        local t pid
        t=$(date +%s%N)
        proc_show $BASHPID
        set +e
        big "$1" | (proc_show $BASHPID && LD_PRELOAD="$KSHIM $KFAULT" exec "$HOOK" vm1 "$2" "$3" -) >"$X/out" 2>"$X/err"
        rc=$?
        set -e
        ms=$((($(date +%s%N) - t) / 1000000))
        err=$(cat "$X/err")
}
bigrun ours prepare begin
check "100 MB of stdin, ours, prepare: exit 1 ($err, $ms ms)" [ "$rc" = 1 ]
check "100 MB of stdin, ours, prepare: says why" grep -q "larger than" <<<"$err"
bigrun ours started begin
check "100 MB of stdin, ours, started: exit 0 ($ms ms)" [ "$rc" = 0 ]
bigrun plain prepare begin
check "100 MB of stdin, plain: exit 0 ($ms ms)" [ "$rc" = 0 -a -z "$err" ]
check "100 MB of stdin: no ledger created" [ ! -e "$ROOT/run/vgpu-hook" ]

echo "secret-$$" >"$ROOT/etc/secret"
cat >"$X/xxe.xml" <<EOF
<?xml version="1.0"?>
<!DOCTYPE domain [ <!ENTITY x SYSTEM "file://$ROOT/etc/secret"> ]>
<domain type='kvm'><name>&x;</name><uuid>$D1</uuid><devices>
<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='$U1'/></source></hostdev>
</devices></domain>
EOF
row "XXE" "$X/xxe.xml" "DOCTYPE"
check "XXE: the file was not read into anything" not grep -rq "secret-$$" "$ROOT/.syslog" "$ROOT/.err" "$ROOT/run"
{
        printf '<?xml version="1.0"?>\n<!DOCTYPE domain [\n <!ENTITY a "aaaaaaaaaa">\n'
        prev=a
        for e in b c d e f g h i j; do
                printf ' <!ENTITY %s "%s">\n' $e "$(printf "&$prev;%.0s" 1 2 3 4 5 6 7 8 9 10)"
                prev=$e
        done
        printf "]>\n<domain type='kvm'><name>&j;</name><devices><hostdev mode='subsystem' type='mdev'/></devices></domain>\n"
} >"$X/laughs.xml"
start=$(date +%s%N)
row "billion laughs" "$X/laughs.xml" "domain XML:.*\(entity\|DOCTYPE\)"
check "billion laughs: refused at once" [ $((($(date +%s%N) - start) / 1000000)) -lt 5000 ]

# ---- arguments ---------------------------------------------------------------------------
snapshot before
for op in "bogus begin" "prepare end" "started end" "release begin" "migrate begin" "restore begin" "migrate end" "stopped end"; do
        hook "$X/good.xml" vm1 $op -
        check "op '$op' on a vGPU domain: exit 0, nothing printed or done" [ "$rc" = 0 -a -z "$out" -a -z "$err" ]
done
snapshot after
check "unknown and later ops: host and ledger unchanged" same before after
set +e
"$HOOK" vm1 prepare <"$X/good.xml" >/dev/null 2>"$X/err"
rc1=$?
"$HOOK" vm1 started <"$X/good.xml" >/dev/null 2>"$X/err2"
rc2=$?
"$HOOK" <"$X/good.xml" >/dev/null 2>/dev/null
rc3=$?
set -e
check "missing subop at prepare: usage, exit 2" [ "$rc1" = 2 ] && grep -q "^usage:" "$X/err"
check "missing subop at started: usage, but exit 0 (a VM would die)" [ "$rc2" = 0 ] && grep -q "^usage:" "$X/err2"
check "no arguments: usage, exit 2" [ "$rc3" = 2 ]

# ---- release end's last argument: the shut-off reason (libvirt >= 10.5), argv like any other
# libvirt's names are logged with the release as they are; "-" (libvirt < 10.5) says none
# was given; anything else is escaped and cut at 32 bytes; the release happens whatever it is.
t4
good >"$X/good.xml"
long=$(head -c 300 /dev/zero | tr '\0' r)
for reason in shutdown destroyed crashed migrated "from snapshot" - "" "$(printf 'bad\nline\001')" "$long" "café"; do
        hook "$X/good.xml" vm1 prepare begin -
        hook "$X/good.xml" vm1 release end "$reason"
        check "release end '${reason:0:40}': exit 0, nothing printed, released" \
                [ "$rc" = 0 -a -z "$out" -a -z "$err" -a "$(lease_count)" = 0 ] && not mdev_exists $U1
done
for reason in shutdown destroyed crashed migrated "from snapshot" "not given (libvirt before 10.5)" \
        "an unknown reason 'bad\\x0aline\\x01'" "an unknown reason '$(head -c 32 <<<"$long")...'" \
        "an unknown reason 'caf\\xc3\\xa9'"; do
        check "the syslog says: shut off: $reason" grep -qF "release end of domain $D1 vm1, shut off: $reason" "$ROOT/.syslog"
done
check "no reason logged raw" not grep -q "<RAW-\|$long" "$ROOT/.syslog"
check "the reason is logged once a release" [ "$(grep -c "release end of domain $D1 vm1, shut off:" "$ROOT/.syslog")" = 10 ]

# ---- bad UUIDs and PCI addresses ------------------------------------------------------------
for u in 3b0e1c2d-0000-4000-8000-00000000aa0 3b0e1c2d-0000-4000-8000-00000000aa011 "../../../../etc/passwd" \
        3b0e1c2d-0000-4000-8000-00000000aa0g 3b0e1c2d00004000800000000000aa01 "3b0e1c2d-0000-4000-8000-00000000aa01/.."; do
        domain vm1 $D1 "" "$u" >"$X/uuid.xml"
        row "hostdev UUID '$u'" "$X/uuid.xml" "not a UUID"
        domain vm1 $D1 "<vgpu:mdev uuid='$u' profile='t4-4q'/>" $U1 >"$X/uuid.xml"
        row "metadata UUID '$u'" "$X/uuid.xml" "not a UUID"
done
domain vm1 "5e1d2c3b-../../etc" "" $U1 >"$X/uuid.xml"
row "domain UUID" "$X/uuid.xml" "no valid <uuid>"
for a in 0000:c1:00.8 0000:c1:20.0 0000:100:00.0 100000:00:00.0 ../../0000:00:02.0 0000:c1:00; do
        domain vm1 $D1 "<vgpu:vf address='$a' profile='t4-4q'/>" $U1 >"$X/pci.xml"
        row "metadata PCI address '$a'" "$X/pci.xml" "address"
done
domain vm1 $D1 "" $U1 | sed "s|</devices>|<hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x1c1' slot='0' function='0'/></source></hostdev></devices>|" >"$X/pci.xml"
row "hostdev PCI address bus 0x1c1" "$X/pci.xml" "bad address"

# ---- a bad value's line: the user's, in the hook and in vgpuctl alike ------------------------
# vgpuctl reads the domain from the document it edits, never from a reformatted
# copy, so it names the line of the user's file that the hook names.
t4
cat >"$X/line15.xml" <<EOF
<domain type='kvm'>
  <name>vm1</name>
  <uuid>$D1</uuid>
  <memory unit='KiB'>1048576</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/vm1.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source><address uuid='3b0e1c2d-0000-4000-8000-00000000zz01'/></source>
    </hostdev>
  </devices>
</domain>
EOF
check "the bad UUID stands on line 15" grep -q zz01 <(sed -n 15p "$X/line15.xml")
row "bad UUID on line 15" "$X/line15.xml" "domain XML:15: '3b0e1c2d-0000-4000-8000-00000000zz01' is not a UUID"
for cmd in "render --profile t4-4q" "render --console" "plan --profile t4-4q --domain-xml"; do
        set +e
        "$VGPUCTL" --root "$ROOT" $cmd "$X/line15.xml" >"$X/out" 2>"$X/err"
        rc=$?
        set -e
        check "vgpuctl $cmd: exit 1, nothing printed ($rc)" [ "$rc" = 1 -a ! -s "$X/out" ]
        check "vgpuctl $cmd names line 15 as the hook does ($(cat "$X/err"))" \
                grep -qx "vgpuctl: domain XML:15: '3b0e1c2d-0000-4000-8000-00000000zz01' is not a UUID" "$X/err"
done

# ---- domain names ---------------------------------------------------------------------------
# A name is never a path: the lease is keyed by UUID, the QEMU pid file is only
# read for a name that cannot walk, else QEMU is found by its -uuid.
t4
echo 1 >"$ROOT/etc/evil.pid" # where ../../../etc/evil would lead
for name in "../../../etc/evil" ".." "." "a/b" "new&#10;line" "tab&#9;and&#13;cr" "café ☕"; do
        rm -f "$ROOT"/run/libvirt/qemu/*.pid
        domain "$name" $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/name.xml"
        hook "$X/name.xml" "$name" prepare begin -
        check "name '$name': prepare works ($err)" [ "$rc" = 0 ]
        fake_qemu qemu-of-vm1 $D1
        hook "$X/name.xml" "$name" started begin -
        check "name '$name': started exit 0" [ "$rc" = 0 ]
        check "name '$name': QEMU found by its UUID, no path followed" \
                grep -q "\"qemu_pid\": $(cat "$ROOT/run/libvirt/qemu/qemu-of-vm1.pid")" <(leases)
        qemu_exit qemu-of-vm1
        hook "$X/name.xml" "$name" release end -
        check "name '$name': released" [ "$rc" = 0 -a "$(lease_count)" = 0 ]
done
check "names: no control character reached syslog" not grep -q "<RAW-" "$ROOT/.syslog"
check "names: nothing was written outside the root's run and sys" [ "$(find "$ROOT/etc" -newer "$ROOT/etc/evil.pid" -type f | wc -l)" = 0 ]
printf 'vm\xff\xfe' >"$X/argname"
hook "$X/good.xml" "$(cat "$X/argname")" prepare begin -
check "a non-UTF-8 name in argv: prepare works" [ "$rc" = 0 ]
check "a non-UTF-8 name in argv: logged escaped" grep -q 'vm\\xff\\xfe' "$ROOT/.syslog"
hook "$X/good.xml" "$(cat "$X/argname")" release end -
good | sed "s|<name>vm1</name>|<name>vm\xff\xfe</name>|" >"$X/latin.xml"
row "a non-UTF-8 name in the XML" "$X/latin.xml" "domain XML:"
good | sed "s|<name>vm1</name>|<name>$(head -c 300 /dev/zero | tr '\0' x)</name>|" >"$X/long.xml"
hook "$X/long.xml" vm1 prepare begin -
check "a 300-byte name: prepare works" [ "$rc" = 0 ]
hook "$X/long.xml" vm1 release end -

# ---- broken profiles and configuration ---------------------------------------------------------
t4
good >"$X/good.xml"
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"},}'
row "profile: bad JSON" "$X/good.xml" "profiles.d/t4-4q.json:1:"
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}, "attrs": [{"../../remove": "1"}]}'
row "profile: attr name with .." "$X/good.xml" "profiles.d/t4-4q.json:1:"
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}, "gpu_kind": "mdev"}'
row "profile: unknown key" "$X/good.xml" "profiles.d/t4-4q.json:1:"
profile t4-4q '{"mdev_type": {"name": "GRID T9-99Q"}}'
row "profile: a type no parent offers" "$X/good.xml" "no mdev parent here offers GRID T9-99Q; 'vgpuctl inventory' lists the types"
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}, "policy": "random"}'
row "profile: unknown policy" "$X/good.xml" "profiles.d/t4-4q.json:1:"
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
for conf in '{"lock_wait_ms": 300,' '{"lock_wait_ms": "soon"}' '{"cordon": []}' '{"log_level": "loud"}' '[]'; do
        printf '%s\n' "$conf" >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
        row "config '$conf'" "$X/good.xml" "/etc/vgpu-hook/vgpu-hook.conf:[12]:"
done
printf '{"lock_wait_ms": 300, "release_retries": 0}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"

# ---- sysfs attributes with garbage in them, or missing ------------------------------------------
T=sys/devices/pci0000:3b/0000:3b:00.0/mdev_supported_types/nvidia-224
cp -a "$ROOT/$T/available_instances" "$X/avail"
echo lots >"$ROOT/$T/available_instances"
row "sysfs: garbage in available_instances" "$X/good.xml" "no parent has a free GRID T4-4Q"
rm "$ROOT/$T/available_instances"
row "sysfs: available_instances missing" "$X/good.xml" "no parent has a free GRID T4-4Q"
cp -a "$X/avail" "$ROOT/$T/available_instances"
mv "$ROOT/$T/create" "$X/create"
FILTERS_ACCEPT=1 row "sysfs: create missing" "$X/good.xml" "cannot create mdev $U1"
mv "$X/create" "$ROOT/$T/create"
printf 'GRID \xff\n' >"$ROOT/$T/name"
row "sysfs: garbage type name" "$X/good.xml" "no mdev parent here offers GRID T4-4Q; 'vgpuctl inventory' lists the types"
printf 'GRID T4-4Q\n' >"$ROOT/$T/name"
F=3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 # present, not ours
mv "$ROOT/sys/bus/mdev/devices/$F/mdev_type" "$X/mdev_type"
domain vm1 $D1 "<vgpu:mdev uuid='$F' profile='t4-4q'/>" $F >"$X/present.xml"
KEEP_RECONNECT_OUT=1 row "sysfs: a present mdev without mdev_type" "$X/present.xml" "mdev $F exists with type ?"
mv "$X/mdev_type" "$ROOT/sys/bus/mdev/devices/$F/mdev_type"
# release: a device of ours that lost its remove attribute stays, and so does its lease
hook "$X/good.xml" vm1 prepare begin -
mv "$ROOT/sys/bus/mdev/devices/$U1/remove" "$X/remove"
hook "$X/good.xml" vm1 release end -
check "sysfs: remove missing at release: exit 0" [ "$rc" = 0 ]
check "sysfs: remove missing at release: device and lease stay" mdev_exists $U1
check "sysfs: remove missing at release: device and lease stay (2)" [ "$(lease_state $U1)" = releasing ]
check "sysfs: remove missing at release: logged" grep -q "mdev $U1 of domain vm1 stays releasing: No such file or directory" "$ROOT/.syslog"
mv "$X/remove" "$ROOT/sys/bus/mdev/devices/$U1/remove"
hook "$X/good.xml" vm1 release end -
check "sysfs: remove back: the next release frees it" [ "$(lease_count)" = 0 ] && not mdev_exists $U1

# ---- the ledger: truncated, corrupt, binary (damage, repaired); a symlink, from a newer version -------
# What a ledger file is: type, mode, and its bytes or its link target.
ledger_id() { stat -c '%F %a %s' "$1"; if [ -L "$1" ]; then readlink "$1"; else md5sum <"$1"; fi; }
ledger_row() { # NAME: the ledger as set up is refused by prepare and reconcile, kept as it is
        local name=$1 op
        cp -P --preserve=mode "$ROOT/run/vgpu-hook/ledger.json" "$X/ledger.before"
        snapshot_inv() { host_inventory >"$X/inv.$1"; }
        snapshot_inv before
        hook "$X/good.xml" vm1 prepare begin -
        check "$name: prepare exits 1 with a sentence ($err)" [ "$rc" = 1 -a "$(wc -l <<<"$err")" = 1 ]
        check "$name: prepare says the ledger is unusable" grep -q "the lease ledger is unusable" <<<"$err"
        for op in "${FILTERS[@]}"; do
                hook "$X/good.xml" vm1 $op -
                check "$name: $op exits 1, no XML, says so ($err)" \
                        [ "$rc" = 1 -a -z "$out" -a "$(wc -l <<<"$err")" = 1 ] && grep -q "the lease ledger is unusable" <<<"$err"
        done
        for op in "${OPS_MAY_NOT_FAIL[@]}"; do
                hook "$X/good.xml" vm1 $op -
                check "$name: $op exits 0" [ "$rc" = 0 ]
        done
        set +e
        "$VGPUCTL" reconcile --root "$ROOT" >/dev/null 2>"$X/err"
        rc=$?
        set -e
        check "$name: reconcile exits 1 with a sentence" [ "$rc" = 1 -a "$(wc -l <"$X/err")" = 1 ]
        snapshot_inv after
        check "$name: host unchanged" cmp -s "$X/inv.before" "$X/inv.after"
        check "$name: ledger left as it was" [ "$(ledger_id "$X/ledger.before")" = "$(ledger_id "$ROOT/run/vgpu-hook/ledger.json")" ]
}
# damaged_row NAME: the ledger as set up is damage: set aside (kept as it is) by the first
# op, logged once; every op and reconcile proceed; the present mdev is not ours after the rebuild
damaged_row() {
        local name=$1 op
        cp "$ROOT/run/vgpu-hook/ledger.json" "$X/ledger.before"
        snapshot_inv before
        : >"$VGPU_KSHIM_SYSLOG"
        hook "$X/good.xml" vm1 prepare begin -
        check "$name: prepare proceeds ($err)" [ "$rc" = 0 ]
        check "$name: kept as it was" cmp -s "$X/ledger.before" "$ROOT"/run/vgpu-hook/ledger.json.damaged-*
        for op in "${FILTERS[@]}" "${OPS_MAY_NOT_FAIL[@]}"; do
                hook "$X/good.xml" vm1 $op -
                check "$name: $op exits 0 ($err)" [ "$rc" = 0 -a -z "$err" ]
        done
        "$VGPUCTL" reconcile --root "$ROOT" >/dev/null 2>"$X/err"
        check "$name: logged once" [ "$(grep -c "ledger.json was damaged" "$VGPU_KSHIM_SYSLOG")" = 1 ]
        snapshot_inv after
        check "$name: host unchanged ($(cat "$X/inv.after"))" cmp -s "$X/inv.before" "$X/inv.after"
        rm "$ROOT"/run/vgpu-hook/ledger.json.damaged-*
}
# (the devices only: the owners are unknown while the ledger is damaged, and it is a problem then)
snapshot_inv() {
        host_inventory | python3 -c 'import json, sys
for m in json.load(sys.stdin)["mdevs"]: print(m["uuid"], m["parent"], m["type"])' >"$X/inv.$1"
}
hook "$X/good.xml" vm1 prepare begin -
cp "$ROOT/run/vgpu-hook/ledger.json" "$X/ledger.good"
head -c 100 "$X/ledger.good" >"$ROOT/run/vgpu-hook/ledger.json"
damaged_row "ledger: truncated"
printf '{"version": 1, "leases": [{"domain_uuid": 7}]}' >"$ROOT/run/vgpu-hook/ledger.json"
damaged_row "ledger: corrupt"
printf '\0\0\0\0' >"$ROOT/run/vgpu-hook/ledger.json"
damaged_row "ledger: binary"
sed 's/"version": 1/"version": 2/' "$X/ledger.good" >"$ROOT/run/vgpu-hook/ledger.json"
ledger_row "ledger: newer version"
check "ledger: newer version: says so" grep -q "version 2 is newer than this vgpu-hook" "$ROOT/.syslog"
cp "$X/ledger.good" "$ROOT/etc/target.json"
ln -sf ../../etc/target.json "$ROOT/run/vgpu-hook/ledger.json"
ledger_row "ledger: a symlink"
check "ledger: a symlink: its target untouched" cmp -s "$X/ledger.good" "$ROOT/etc/target.json"
rm "$ROOT/run/vgpu-hook/ledger.json"
cp "$X/ledger.good" "$ROOT/run/vgpu-hook/ledger.json"
hook "$X/good.xml" vm1 release end -
check "a good ledger again: released" [ "$rc" = 0 -a "$(lease_count)" = 0 ]
finish
