# Helpers of the reliability tests (issue 10), on top of tests/harness/hooklib.sh:
# the fault library (ledger renames, syslog capture), QEMUs that go away,
# libvirtd restarts, snapshots of host and ledger, the invariant checker.

KFAULT="$top_builddir/tests/reliability/.libs/libkfault.so"
INVARIANTS="$top_builddir/tests/harness/vgpu-invariants"
# Every hook run by hooklib.sh gets the fault library too.
export VGPU_TEST_PRELOAD="$KFAULT"

# vgpuctl with the kernel emulation and the fault library (syslog lines in
# $VGPU_KSHIM_SYSLOG).
vgpuctl() { LD_PRELOAD="$KSHIM $KFAULT" "$VGPUCTL" "$@"; }

# run_unit UNIT: its ExecStart= lines in order, as systemd runs a oneshot ("-": a
# failure does not stop it), with the kernel emulation and the fault library;
# stdout in $work/out (emptied first), stderr appended to $work/err, exit status in $rc.
run_unit() {
        local cmd ignore
        rc=0
        : >"$work/out"
        while IFS= read -r cmd; do
                ignore=
                [ "${cmd#-}" != "$cmd" ] && ignore=1 cmd=${cmd#-}
                set +e
                # shellcheck disable=SC2086 # the unit's words
                LD_PRELOAD="$KSHIM $KFAULT" $cmd >>"$work/out" 2>>"$work/err"
                rc=$?
                set -e
                [ "$rc" != 0 ] && [ -z "$ignore" ] && return
                rc=0
        done < <(sed -n 's/^ExecStart=//p' "$1")
}

# capture_syslog: start a fresh capture of what the programs log, in $ROOT/.syslog
capture_syslog() { export VGPU_KSHIM_SYSLOG="$ROOT/.syslog"; : >"$VGPU_KSHIM_SYSLOG"; }

# qemu_exit NAME: the domain's QEMU goes away (as after a crash or a shutdown)
qemu_exit() {
        local pid
        pid=$(cat "$ROOT/run/libvirt/qemu/$1.pid")
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        proc_gone "$pid"
        rm -f "$ROOT/run/libvirt/qemu/$1.pid"
        QEMU_PIDS=${QEMU_PIDS/ $pid/}
}

# wait_stopped PID: until the process is stopped (a SIGSTOP fault point), at most 10 s
wait_stopped() {
        for _ in $(seq 200); do
                [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
                sleep 0.05
        done
        fail "process $1 never stopped"
}

# libvirtd_restarted: the process that plays libvirtd (this shell) shows
# another start time, as a restarted libvirtd under the same pid would
libvirtd_restarted() {
        local me=$BASHPID # (a redirection of a command is expanded in its child)
        proc_show $me
        awk '{ $22 = 1; print }' "/proc/$me/stat" >"$ROOT/proc/$me/.stat" && mv -f "$ROOT/proc/$me/.stat" "$ROOT/proc/$me/stat"
}

# baseline: remember the mdevs and vGPU-typed VFs that are not the tool's (for the invariant checker)
baseline() {
        local t
        ls "$ROOT/sys/bus/mdev/devices" >"$ROOT/.baseline" 2>/dev/null || true
        for t in "$ROOT"/sys/bus/pci/devices/*/nvidia/current_vgpu_type; do
                [ -e "$t" ] && [ "$(cat "$t")" != 0 ] && basename "$(dirname "$(dirname "$t")")" >>"$ROOT/.baseline"
        done
        return 0
}
# invariants WHAT: run the checker; a violation fails WHAT
invariants() {
        local report
        if report=$(VGPU_HOOK_ROOT="$ROOT" "$INVARIANTS" "$ROOT/.baseline"); then
                pass
        else
                fail "$1: $report"
        fi
}

# snapshot TAG / same TAG1 TAG2: host (inventory) and ledger, compared
snapshot() {
        host_inventory >"$ROOT/.inv.$1"
        "$VGPUCTL" leases --json --root "$ROOT" >"$ROOT/.led.$1"
}
same() { cmp -s "$ROOT/.inv.$1" "$ROOT/.inv.$2" && cmp -s "$ROOT/.led.$1" "$ROOT/.led.$2"; }
