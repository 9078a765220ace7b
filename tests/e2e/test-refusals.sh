#!/bin/bash
# The hook's refusals name the reason that decided them and what to do, in
# one sentence of at most 160 columns with no nested parentheses (issue 21,
# point 3): the profile's addresses pin, a cordon, a type no parent offers, a
# pinned parent without the type, capacity really exhausted; prepare and the
# migrate filter alike.  A full pool is "full" unless the room was there when
# prepare read the host and is gone after the store; an mdev a running VM
# holds (the source of a live migration on one host) says what is the case.
# Each message is printed at the end, for the closing notes.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"

D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
U1=3b0e1c2d-0000-4000-8000-00000000aa01
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT
: >"$X/messages"

# said DESCRIPTION SENTENCE: the op failed with exactly SENTENCE, one line, in
# 160 columns, no parenthesis inside another
said() {
        local flat
        flat=$(sed 's/([^()]*)//g' <<<"$err")
        printf '%s\n  %s\n' "$1" "$err" >>"$X/messages"
        refusal "$1"
        check "$1: says what decided ($err)" [ "$err" = "vgpu-hook: $2" ]
        check "$1: no nested parentheses" not grep -q '[()]' <<<"$flat"
}

# mdev UUID PROFILE-OR-TYPE-ATTRS: one vGPU with metadata
vm() { domain vm1 $D1 "<vgpu:mdev uuid='$1' $2/>" "$1"; }

# ---- the demo host: the T4 0000:3b:00.0 holds a T4-4Q, the other T4s are free -----------
fresh demo
profile t4-1q '{"mdev_type": {"name": "GRID T4-1Q"}, "addresses": ["3b:00.0"]}'
vm $U1 "profile='t4-1q'" >"$X/pin.xml"
hook "$X/pin.xml" vm1 prepare begin -
said "the profile's addresses pin" \
        "cannot create mdev $U1: 0000:5e:00.0 has 16 free, but profile t4-1q's addresses leave it out; add it to them"
hook "$X/pin.xml" vm1 migrate begin -
said "the migrate filter: the profile's addresses pin" \
        "cannot create mdev $U1 here: 0000:5e:00.0 has 16 free, but profile t4-1q's addresses leave it out; add it to them"
set +e
"$VGPUCTL" --root "$ROOT" define --profile t4-1q >/dev/null 2>"$X/define.err"
check "vgpuctl define: refused ($?)" [ $? = 1 ]
set -e
check "vgpuctl define: the same reason ($(cat "$X/define.err"))" [ "$(cat "$X/define.err")" = \
        "vgpuctl: profile t4-1q cannot be defined: 0000:5e:00.0 has 16 free, but profile t4-1q's addresses leave it out; add it to them" ]

profile t4-1q '{"mdev_type": {"name": "GRID T4-1Q"}}'
printf '{"lock_wait_ms": 300, "cordoned": ["5e:00.0", "10000:01:00.0"]}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
hook "$X/pin.xml" vm1 prepare begin -
said "a cordon hides the room" \
        "cannot create mdev $U1: 0000:5e:00.0 has room but is cordoned; run 'vgpuctl uncordon 0000:5e:00.0' to use it"
printf '{"lock_wait_ms": 300}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"

profile t4-32q '{"mdev_type": {"name": "GRID T4-32Q"}}'
vm $U1 "profile='t4-32q'" >"$X/absent.xml"
hook "$X/absent.xml" vm1 prepare begin -
said "a type no parent offers" "cannot create mdev $U1: no mdev parent here offers GRID T4-32Q; 'vgpuctl inventory' lists the types"

vm $U1 "type='GRID T4-1Q' parent='0000:ca:00.4'" >"$X/lacks.xml"
hook "$X/lacks.xml" vm1 prepare begin -
said "a pinned parent without the type" \
        "cannot create mdev $U1: 0000:ca:00.4 does not offer GRID T4-1Q; 'vgpuctl inventory' lists what it offers"
hook "$X/lacks.xml" vm1 migrate begin -
said "the migrate filter: a pinned parent without the type" \
        "cannot create mdev $U1 here: 0000:ca:00.4 does not offer GRID T4-1Q; 'vgpuctl inventory' lists what it offers"

# ---- capacity really exhausted: one T4 with room for three more T4-4Q ---------------------
fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
for i in 2 3 4; do
        domain vm$i 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a0$i "<vgpu:mdev uuid='${U1%1}$i' profile='t4-4q'/>" "${U1%1}$i" \
                >"$X/vm$i.xml"
        hook "$X/vm$i.xml" vm$i prepare begin -
        check "T4-4Q number $i fits ($err)" [ "$rc" = 0 ]
done
vm $U1 "profile='t4-4q'" >"$X/full.xml"
hook "$X/full.xml" vm1 prepare begin -
said "capacity exhausted" "no parent has a free GRID T4-4Q instance for mdev $U1; stop a VM or pick another profile"
vm $U1 "type='GRID T4-4Q' parent='0000:3b:00.0'" >"$X/full-pinned.xml"
hook "$X/full-pinned.xml" vm1 prepare begin -
said "a pinned parent that is full" "cannot create mdev $U1: 0000:3b:00.0 is full; stop a VM that uses it or pin another parent"

# ---- an mdevctl definition on a full pool: nobody took anything ----------------------------
# take N: N Single port serial instances, made as another tool would (through the emulated kernel)
take() {
        for _ in $(seq "$1"); do
                # dd's write(2), which the emulation sees (bash's printf writes through stdio);
                # bs=4096: dd's default 512-byte buffer, page-aligned, is an aligned_alloc() that
                # ASan refuses in the sanitizer build (a size not a multiple of the alignment)
                tr -d '\n' </proc/sys/kernel/random/uuid | LD_PRELOAD="$KSHIM" dd bs=4096 status=none conv=notrunc \
                        of="$ROOT/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create"
        done
}
available() { cat "$ROOT/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-$1/available_instances"; }
fresh samples
mkdir -p "$ROOT/etc/mdevctl.d/mtty"
printf '{\n  "mdev_type": "mtty-2",\n  "start": "manual",\n  "attrs": []\n}' >"$ROOT/etc/mdevctl.d/mtty/$U1"
domain vm1 $D1 "" $U1 >"$X/defined.xml"
take "$(available 1)"
check "the mtty pool is full" [ "$(available 1)" = 0 ]
hook "$X/defined.xml" vm1 prepare begin -
said "an mdevctl definition on a full pool" \
        "cannot create mdev $U1: mtty has no mtty-2 left; stop a VM using one or define the mdev on another parent"

# ---- ... and one whose room another tool took between the read and the store --------------
fresh samples
mkdir -p "$ROOT/etc/mdevctl.d/mtty"
printf '{\n  "mdev_type": "mtty-2",\n  "start": "manual",\n  "attrs": []\n}' >"$ROOT/etc/mdevctl.d/mtty/$U1"
take $(($(available 1) - 2))
check "room for one Dual port serial" [ "$(available 2)" = 1 ]
# the create is the next store: stop the hook before it, take the room, let it go on
VGPU_KSHIM_FAIL=$(($(cat "$ROOT/.fakehost/count") + 1)):SIGSTOP hook_bg "$X/defined.xml" "$X/o" "$X/e" vm1 prepare begin -
pid=$!
for _ in $(seq 200); do
        [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = T ] && break
        sleep 0.05
done
take 2
kill -CONT $pid
set +e
wait $pid
rc=$?
set -e
proc_gone $pid
err=$(cat "$X/e")
said "another tool took the room" \
        "cannot create mdev $U1: another tool took the last mtty-2 on mtty since this run looked; retry"

# ---- ... and one the kernel refuses while it lists room: neither of the two ------------------
fresh samples
mkdir -p "$ROOT/etc/mdevctl.d/mtty"
printf '{\n  "mdev_type": "mtty-2",\n  "start": "manual",\n  "attrs": []\n}' >"$ROOT/etc/mdevctl.d/mtty/$U1"
VGPU_KSHIM_FAIL=$(($(cat "$ROOT/.fakehost/count" 2>/dev/null || echo 0) + 1)):ENOSPC hook "$X/defined.xml" vm1 prepare begin -
said "the kernel refuses, with room listed" \
        "cannot create mdev $U1 on mtty: No space left on device, though 11 are available; the kernel log may say why"

# ---- an mdev a running VM holds: a live migration's source on this host, or a copy ----------
fresh samples
M1=6a7e1c2d-0000-4000-8000-000000000001
mkdir -p "$ROOT/.fakehost/held" && touch "$ROOT/.fakehost/held/7"
domain vm1 $D1 "" $M1 >"$X/bare.xml"
hook "$X/bare.xml" vm1 prepare begin -
said "an mdev without metadata that a running VM holds" \
        "mdev $M1 is in use by a VM here, and without vgpu metadata it cannot be renamed; use another host or a profile"
domain vm1 $D1 "<vgpu:mdev uuid='$M1' type='mtty-2'/>" $M1 >"$X/meta.xml"
hook "$X/meta.xml" vm1 prepare begin -
said "an mdev with metadata that a running VM holds" \
        "mdev $M1 is in use by another VM here; if this domain is its copy, 'vgpuctl start vm1' gives it UUIDs of its own"

echo "---- the refusals:"
cat "$X/messages"
finish
