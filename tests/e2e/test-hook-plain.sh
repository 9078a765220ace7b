#!/bin/bash
# Plain VMs are the common case: the hook reads stdin, finds nothing of ours,
# opens no file, takes no lock, loads no library of ours, and exits 0 —
# also as a non-root user (a session daemon).  Checked with strace.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
command -v strace >/dev/null || { echo "strace is not installed (apt-get install strace)" >&2; exit 1; }
fresh t4
# user 65534 runs copies of the hook and its module, and strace writes its trace in $X
nobody_copy
X=$(mktemp -d "$(nobody_tmpdir)/vgpu-xml-XXXXXX")
chmod 1777 "$X"
trap 'cleanup; rm -rf "$X"' EXIT
domain plain 11111111-2222-4333-8444-555555555555 "" >"$X/plain.xml"
chmod 644 "$X/plain.xml"

run_traced() { # USER OP SUBOP
        local as=() hook=$HOOK module=$VGPU_HOOK_MODULE
        if [ "$1" != root ]; then
                as=(setpriv --reuid="$1" --regid="$1" --clear-groups)
                hook=$NOBODY_HOOK module=$NOBODY_MODULE
        fi
        rm -f "$X/trace" "$X/out" "$X/err"
        set +e
        # LeakSanitizer cannot work under ptrace; the untraced runs check leaks.
        VGPU_HOOK_MODULE=$module ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
                "${as[@]}" strace -f -qq -e trace=open,openat,openat2,flock,execve -o "$X/trace" \
                "$hook" plain "$2" "$3" - <"$X/plain.xml" >"$X/out" 2>"$X/err"
        rc=$?
        set -e
}

for who in root 65534; do
        for op in "prepare begin" "start begin" "started begin" "stopped end" "release end" "reconnect begin" \
                  "migrate begin" "restore begin" "bogus op"; do
                run_traced $who $op
                check "plain VM, $op as $who: exit 0 ($(cat "$X/err"))" [ "$rc" = 0 ]
                check "plain VM, $op as $who: no output" [ ! -s "$X/out" ]
                check "plain VM, $op as $who: nothing under the root prefix" not grep -q "$ROOT" "$X/trace"
                check "plain VM, $op as $who: no lock" not grep -q flock "$X/trace"
                check "plain VM, $op as $who: module not loaded" not grep -q vgpu-hook-ops "$X/trace"
                check "plain VM, $op as $who: one execve (itself)" [ "$(grep -c execve "$X/trace")" = 1 ]
        done
done
# What a real libvirtd 9.0 sends for each op (tests/data/libvirt-9.0).
for f in "$top_srcdir"/tests/data/libvirt-9.0/plain-*.xml; do
        opsub=$(basename "$f" .xml)
        opsub=${opsub#plain-}
        cp "$f" "$X/plain.xml"
        run_traced root ${opsub%-*} ${opsub#*-}
        check "libvirt's $opsub stdin: exit 0" [ "$rc" = 0 ]
        check "libvirt's $opsub stdin: module not loaded" not grep -q vgpu-hook-ops "$X/trace"
        check "libvirt's $opsub stdin: nothing under the root prefix" not grep -q "$ROOT" "$X/trace"
done
check "no ledger was created" [ ! -e "$ROOT/run/vgpu-hook" ]

# Missing arguments: usage, exit 2; huge stdin is drained and refused at prepare only.
set +e
"$HOOK" plain prepare </dev/null 2>"$X/err"
rc=$?
set -e
check "missing arguments: exit 2" [ "$rc" = 2 ]
head -c 5000000 /dev/zero | tr '\0' ' ' >"$X/huge.xml"
printf "<domain><hostdev type='mdev'/></domain>" >>"$X/huge.xml"
hook "$X/huge.xml" huge prepare begin -
check "5 MB of stdin at prepare: exit 1 ($err)" [ "$rc" = 1 ]
check "5 MB of stdin at prepare: exit 1 ($err) (2)" grep -q "larger than" <<<"$err"
hook "$X/huge.xml" huge started begin -
check "5 MB of stdin at started: exit 0" [ "$rc" = 0 ]
# A VM of ours at the ops that have nothing to do: the module is not loaded
# for them either (issue 24: each such load cost a VM start ~0.1 s).
domain vgpu 11111111-2222-4333-8444-666666666666 "<vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-0000000000f1' profile='t4-4q'/>" \
        3b0e1c2d-0000-4000-8000-0000000000f1 >"$X/plain.xml"
for op in "start begin" "stopped end" "release begin" "bogus op"; do
        run_traced root $op
        check "vGPU VM, $op: exit 0 ($(cat "$X/err"))" [ "$rc" = 0 ]
        check "vGPU VM, $op: module not loaded" not grep -q vgpu-hook-ops "$X/trace"
        check "vGPU VM, $op: nothing under the root prefix" not grep -q "$ROOT" "$X/trace"
done
run_traced root prepare begin
check "vGPU VM, prepare begin: the module is loaded" grep -q vgpu-hook-ops "$X/trace"
run_traced root release end
check "vGPU VM, release end: the module is loaded" grep -q vgpu-hook-ops "$X/trace"
finish
