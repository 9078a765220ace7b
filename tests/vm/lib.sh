# The scenarios' library (tests/vm/README): sourced by run-scenario.sh and by
# guest-init.sh inside the `make check-vm` guest, where everything is real:
# the kernel's mdev core and sample drivers, libvirtd, QEMU, the installed
# vgpu-hook and vgpuctl.

URI=qemu:///system
LIBVIRTD_PID_FILE=/run/vgpuvm-libvirtd.pid
VIRTLOGD_PID_FILE=/run/vgpuvm-virtlogd.pid
LEDGER_DIR=/run/vgpu-hook
SPY_LOG=/run/vgpuvm-spy.log # "DOMAIN OP SUBOP" before the hook runs, "after ..." after it
export LIBVIRT_DEFAULT_URI=$URI

# ---- assertions: each prints what it expected and returns non-zero ----------
fail() {
	echo "FAILED: $*" >&2
	return 1
}
note() { echo "--- $*"; }
assert_eq() { # WANT GOT WHAT
	[ "$1" = "$2" ] || fail "$3: want '$1', got '$2'"
}
assert_contains() { # HAYSTACK NEEDLE WHAT
	[[ $1 == *"$2"* ]] || fail "$3: '$2' not in '$1'"
}
assert_mdev() { [ -e "/sys/bus/mdev/devices/$1" ] || fail "mdev $1 does not exist"; }
assert_no_mdev() { [ ! -e "/sys/bus/mdev/devices/$1" ] || fail "mdev $1 still exists"; }
# The mdevs that exist, one UUID a line, sorted.
mdevs() { ls /sys/bus/mdev/devices 2>/dev/null | sort; }
# The ledger's leases, one "DOMAIN DEVICE STATE" a line (none when it is empty).
leases() {
	vgpuctl leases --json | python3 -c 'import json, sys
for l in json.load(sys.stdin)["leases"]: print(l.get("domain_name"), l.get("device"), l.get("state"))'
}
assert_no_leases() {
	local l
	l=$(leases)
	[ -z "$l" ] || fail "leases left: $l"
}
# available_instances of PARENT's type TYPE_ID
avail() { cat "/sys/class/mdev_bus/$1/mdev_supported_types/$2/available_instances"; }
# mdev_fill PARENT TYPE_ID: create instances by hand until none is available
mdev_fill() {
	while [ "$(avail "$1" "$2")" -gt 0 ]; do
		cat /proc/sys/kernel/random/uuid >"/sys/class/mdev_bus/$1/mdev_supported_types/$2/create"
	done
}
# The parent (mtty, mttyb, ...) and type id of an mdev.
mdev_parent() { basename "$(readlink -f "/sys/bus/mdev/devices/$1/..")"; }
mdev_type() { basename "$(readlink "/sys/bus/mdev/devices/$1/mdev_type")"; }

# assert_golden FILE GOLDEN: FILE (JSON) equals tests/GOLDEN; with
# VGPU_GOLDEN_UPDATE=1 it is copied back over tests/GOLDEN by run-vm.sh instead.
assert_golden() {
	cp "$1" "$OUT/golden/${2//\//%}"
	[ "${GOLDEN_UPDATE:-}" = 1 ] && return 0
	python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
		"$1" "$SRCDIR/tests/$2" || fail "$1 differs from tests/$2: $(diff "$SRCDIR/tests/$2" "$1" | head -20)"
}

# assert_golden_text FILE GOLDEN: the same for text, byte for byte.
assert_golden_text() {
	cp "$1" "$OUT/golden/${2//\//%}"
	[ "${GOLDEN_UPDATE:-}" = 1 ] && return 0
	cmp -s "$1" "$SRCDIR/tests/$2" || fail "$1 differs from tests/$2: $(diff "$SRCDIR/tests/$2" "$1" | head -20)"
}

# ---- libvirtd -----------------------------------------------------------------
vm_libvirt_config() {
	cat >/etc/libvirt/qemu.conf <<EOF
user = "root"
group = "root"
security_driver = "none"
stdio_handler = "file"
remember_owner = 0
EOF
	printf 'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"\n' >/etc/libvirt/libvirtd.conf
	printf 'log_outputs = "3:file:/var/log/libvirt/virtlogd.log"\n' >/etc/libvirt/virtlogd.conf
	mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu /etc/libvirt/hooks/qemu.d
	# spies before and after ours: which ops libvirt ran, and when ours had finished
	printf '#!/bin/sh\necho "$*" >>%s\ncat >/dev/null\n' "$SPY_LOG" >/etc/libvirt/hooks/qemu.d/00-spy
	printf '#!/bin/sh\necho "after $*" >>%s\ncat >/dev/null\n' "$SPY_LOG" >/etc/libvirt/hooks/qemu.d/zz-spy
	chmod +x /etc/libvirt/hooks/qemu.d/00-spy /etc/libvirt/hooks/qemu.d/zz-spy
	# libvirtd looks up its built-in QEMU user and group whatever qemu.conf says
	getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
	getent passwd libvirt-qemu >/dev/null ||
		useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
}

wait_for() { # SECONDS CMD...: until CMD succeeds
	local n=$(($1 * 5))
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.2
	done
}

vm_libvirtd_up() { VSH_TIMEOUT=15 vsh list >/dev/null 2>&1; }

# daemon_alive PIDFILE: the process it names runs (not a zombie: PID 1 may reap late)
daemon_alive() {
	local pid
	pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		[ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)" != Z ]
}

# daemon_log FILE...: the last lines of a daemon's own output and log files
daemon_log() {
	local f
	for f in "$@"; do
		[ -s "$f" ] && printf -- '--- the last lines of %s:\n%s\n' "$f" "$(tail -n 20 "$f" | cut -c1-300)"
	done
	return 0
}

# daemon_await SECONDS NAME PIDFILE UPCMD LOG...: until UPCMD succeeds; fails
# at once when the daemon (`NAME -d -p PIDFILE`, which writes PIDFILE before
# its parent exits) is gone, else after SECONDS; either way with its LOGs.
daemon_await() {
	local secs=$1 name=$2 pidfile=$3 up=$4 t0=$SECONDS
	shift 4
	until $up; do
		if ! daemon_alive "$pidfile"; then
			fail "$name exited after $((SECONDS - t0)) s, before it answered
$(daemon_log "$@")"
			return 1
		fi
		if [ $((SECONDS - t0)) -gt "$secs" ]; then
			fail "$name did not answer within $secs s (it runs, pid $(cat "$pidfile"))
$(daemon_log "$@")"
			return 1
		fi
		sleep 0.2
	done
}

# daemon_spawn NAME OUT LOG CMD...: CMD daemonizes; what it says before it
# forks off goes to OUT; when it fails, so does this, with OUT's and LOG's last lines
daemon_spawn() {
	local name=$1 out=$2 log=$3
	shift 3
	"$@" >>"$out" 2>&1 || { fail "$name failed to start (exit $?)
$(daemon_log "$out" "$log")"; return 1; }
}

vm_libvirtd_start() {
	rm -f /run/vgpuvm-libvirtd.out
	if [ ! -e "$VIRTLOGD_PID_FILE" ]; then
		daemon_spawn virtlogd /run/vgpuvm-virtlogd.out /var/log/libvirt/virtlogd.log virtlogd -d -p "$VIRTLOGD_PID_FILE" || return 1
	fi
	daemon_spawn libvirtd /run/vgpuvm-libvirtd.out /var/log/libvirt/libvirtd.log libvirtd -d -p "$LIBVIRTD_PID_FILE" || return 1
	daemon_alive "$VIRTLOGD_PID_FILE" || { fail "virtlogd is not running
$(daemon_log /run/vgpuvm-virtlogd.out /var/log/libvirt/virtlogd.log)"; return 1; }
	daemon_await 120 libvirtd "$LIBVIRTD_PID_FILE" vm_libvirtd_up /run/vgpuvm-libvirtd.out /var/log/libvirt/libvirtd.log
}

# Stop libvirtd only: running QEMUs stay.
vm_libvirtd_stop() {
	local pid
	pid=$(cat "$LIBVIRTD_PID_FILE")
	kill "$pid"
	wait_for 60 eval '! kill -0 '"$pid"' 2>/dev/null' || fail "libvirtd $pid did not stop"
}

vm_libvirtd_restart() { vm_libvirtd_stop && vm_libvirtd_start; }

# ---- domains ------------------------------------------------------------------
# vm_xml NAME [DEVICES-XML [METADATA-XML]]: a small TCG domain without disk or
# display; DEVICES-XML goes into <devices>, METADATA-XML into <metadata>.
vm_xml() {
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <metadata>${3:-}</metadata>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
    ${2:-}
  </devices>
</domain>
EOF
}

# A <hostdev> for mdev UUID.
vm_hostdev() {
	printf "<hostdev mode='subsystem' type='mdev' model='vfio-pci' display='off'><source><address uuid='%s'/></source></hostdev>" "$1"
}

# vsh ARGS...: virsh that cannot hang a scenario (every step has a timeout)
vsh() { timeout -k 5 "${VSH_TIMEOUT:-180}" virsh -q "$@"; }

# vm_define NAME FILE: define from FILE
vm_define() { vsh define "$2" >/dev/null; }

# vm_start NAME: start; on failure the error is in $VM_ERR and the status non-zero
vm_start() {
	VM_ERR=$(vsh start "$1" 2>&1 >/dev/null)
}

vm_destroy() { vsh destroy "$1" >/dev/null; }

# vm_migratable_xml NAME DOMAIN-UUID MDEV-UUID: vm_xml of a VM whose mtty mdev
# (profile "serial", $SERIAL of dest-lib.sh) QEMU 10 can migrate and save on
# Debian's 6.12: enable-migration=on and x-device-dirty-page-tracking=off on
# its vfio-pci devices (no IOMMUFD, so QEMU's own dirty-page tracking fails:
# "ram_save_setup failed: Operation not supported"; neither option alone is enough)
vm_migratable_xml() {
	local meta args
	meta="<vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'><vgpu:mdev uuid='$3' profile='serial'/></vgpu:devices>"
	args="<qemu:commandline><qemu:arg value='-global'/><qemu:arg value='vfio-pci.enable-migration=on'/><qemu:arg value='-global'/><qemu:arg value='vfio-pci.x-device-dirty-page-tracking=off'/></qemu:commandline>"
	vm_xml "$1" "$(vm_hostdev "$3")" "$meta" |
		sed -e "s|<name>$1</name>|&<uuid>$2</uuid>|" \
			-e "s|<domain type='qemu'>|<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>|" \
			-e "s|</domain>|$args&|"
}

# uuid0 DOMAIN-UUID: the domain's first name-based mdev UUID (docs/design.md §3.1),
# which the filters give a renamed mdev
uuid0() { python3 -c 'import sys, uuid; print(uuid.uuid5(uuid.UUID(sys.argv[1]), "vgpu-hook/mdev/0"))' "$1"; }

# vm_wait_state NAME STATE SECONDS: until `virsh domstate NAME` says STATE
vm_state_is() { [ "$(VSH_TIMEOUT=20 vsh domstate "$1" 2>/dev/null)" = "$2" ]; }
vm_wait_state() { wait_for "$3" vm_state_is "$1" "$2"; }

# syslog_capture FILE: the guest runs no syslog daemon; a /dev/log of our
# own writes each message the hook sends as a line of FILE until syslog_stop
syslog_capture() {
	rm -f /dev/log
	python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "ab", 0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\n") + b"\n")' "$1" &
	SYSLOG_PID=$!
	wait_for 10 test -S /dev/log || fail "no /dev/log after 10 s"
}
syslog_stop() {
	[ -z "${SYSLOG_PID:-}" ] || kill "$SYSLOG_PID" 2>/dev/null || true
	rm -f /dev/log
}

# QEMU's pid for running domain NAME
vm_qemu_pid() { cat "/run/libvirt/qemu/$1.pid"; }

# Does domain NAME's QEMU hold mdev UUID's VFIO group open?
vm_holds() {
	local group pid
	group=$(basename "$(readlink "/sys/bus/mdev/devices/$2/iommu_group")")
	pid=$(vm_qemu_pid "$1")
	ls -l "/proc/$pid/fd" 2>/dev/null | grep -q " -> /dev/vfio/$group\$" ||
		fail "QEMU $pid of $1 does not hold /dev/vfio/$group (mdev $2)"
}

# The mdev UUIDs that domain NAME's definition names.
vm_uuids() { vsh dumpxml "$1" | sed -n "s/.*<address uuid='\([^']*\)'.*/\1/p"; }

# A profile file: vm_profile NAME JSON
vm_profile() {
	mkdir -p /etc/vgpu-hook/profiles.d
	printf '%s\n' "$2" >"/etc/vgpu-hook/profiles.d/$1.json"
}

# ---- between scenarios ----------------------------------------------------------
# Every domain destroyed and undefined, every mdev and mdevctl definition gone,
# an empty ledger and no profiles: each scenario starts from the same machine.
vm_reset() {
	local d u
	vm_libvirtd_up || vm_libvirtd_start
	for d in $(vsh list --name); do vsh destroy "$d" >/dev/null 2>&1; done
	for d in $(vsh list --all --name); do vsh undefine "$d" >/dev/null 2>&1; done
	for u in $(mdevs); do echo 1 >"/sys/bus/mdev/devices/$u/remove"; done
	# mdevctl's definitions (PARENT/UUID), not its scripts.d
	find /etc/mdevctl.d -mindepth 1 -maxdepth 1 ! -name scripts.d -exec rm -rf {} +
	rm -rf /etc/vgpu-hook "$LEDGER_DIR"
	: >"$SPY_LOG"
}
