# 16: a VM shut down, destroyed and crashed: libvirt >= 10.5 passes the
# shut-off reason as `release end`'s last argument, and the hook logs it with
# the release (issue 19; the health work builds on it).
# stacks: 13
# (stack 12's libvirt 9.0 passes "-": tests/reliability/test-bad-input.sh covers what
# the hook logs then.)
# The guest runs no syslog daemon: lib.sh syslog_capture listens on /dev/log.
# vm-a has no OS to power off, so "shut down" is QEMU's own: QMP quit, which
# QEMU announces as a SHUTDOWN event (host-qmp-quit) before it exits, the
# path libvirt takes for a guest's poweroff too; "destroyed" is virsh
# destroy; "crashed" is QEMU killed with SIGKILL.  Each time the release
# removes the mdev and drops the lease; inventory --json's release_history keeps
# the three reasons, "crashed" last.
DOM=6b2e3d4c-5a6b-4798-8b7e-8d7e6f5a4b16
U=4c1f2d3e-0000-4000-8000-0000000000b6
syslog_capture /tmp/syslog
trap syslog_stop EXIT
vm_profile serial '{"mdev_type": {"name": "Single port serial"}}'
META="<vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'><vgpu:mdev uuid='$U' profile='serial'/></vgpu:devices>"
vm_xml vm-a "$(vm_hostdev $U)" "$META" | sed "s|<name>vm-a</name>|&<uuid>$DOM</uuid>|" >vm-a.xml
vm_define vm-a vm-a.xml

# stop HOW REASON: start vm-a, stop it by HOW, and check what the release got and logged
stop() {
	local pid
	vm_start vm-a || fail "vm-a did not start: $VM_ERR"
	vm_holds vm-a $U
	pid=$(vm_qemu_pid vm-a)
	: >"$SPY_LOG"
	note "$2: $1"
	case $1 in
	quit) vsh qemu-monitor-command vm-a '{"execute": "quit"}' >/dev/null 2>&1 || true ;; # QEMU may close before it answers
	destroy) vm_destroy vm-a ;;
	kill) kill -9 "$pid" ;;
	esac
	vm_wait_state vm-a "shut off" 60 || fail "vm-a still $(vsh domstate vm-a) 60 s after $1"
	wait_for 30 grep -q "^after vm-a release end" "$SPY_LOG" || fail "no release end: $(cat "$SPY_LOG")"
	cat "$SPY_LOG"
	assert_eq "$2" "$(vsh domstate --reason vm-a | sed 's/^shut off (\(.*\))$/\1/')" "libvirt's shut-off reason"
	grep -q "^vm-a release end $2\$" "$SPY_LOG" || fail "release end's last argument is not '$2': $(grep release "$SPY_LOG")"
	wait_for 10 grep -q "release end of domain $DOM vm-a, shut off: $2\$" /tmp/syslog ||
		fail "the hook did not log '$2': $(grep vgpu-hook /tmp/syslog | tail -n 5)"
	grep "release end of domain $DOM" /tmp/syslog | tail -n 1
	assert_no_mdev $U
	assert_no_leases
}
stop quit shutdown
stop destroy destroyed
stop kill crashed
assert_eq 3 "$(grep -c "release end of domain $DOM vm-a, shut off:" /tmp/syslog)" "releases logged"
# the releases are in the device's history (inventory --json), the crash told from the others
got=$(vgpuctl inventory --json | python3 -c 'import json, sys
for d in json.load(sys.stdin)["release_history"]:
    if d["device"] == sys.argv[1]:
        print(" ".join(r["reason"] + "/" + r["reason_source"] for r in d["releases"]))' "$U")
assert_eq "shutdown/libvirt destroyed/libvirt crashed/libvirt" "$got" "the release history of $U"
# one crash is no run of crashes: nothing is quarantined
assert_eq "no device is quarantined" "$(vgpuctl quarantine list)" "the quarantine after one crash"
