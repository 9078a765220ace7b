# A private libvirtd for the tests (sourced by tests/libvirtd/test-libvirtd.sh, inside
# `unshare -m`): set up private directories, start virtlogd and libvirtd,
# restart, stop, and make sure nothing of theirs is left.  See tests/README.

VGPUCTL="$top_builddir/vgpuctl"
FAKEHOST="$top_builddir/tests/harness/vgpu-fakehost"
KSHIM="$top_builddir/tests/harness/.libs/libkshim.so"
export VGPUCTL_LIBVIRT_MODULE="$top_builddir/.libs/vgpuctl-libvirt.so"
unset VGPU_HOOK_ROOT VGPU_HOOK_MODULE
. "$top_srcdir/tests/harness/checklib.sh"
LV_PIDS=""

# lv_enter SCRIPT [TOOL...]: a test's way in.  Skipped (77) unless root, a build
# without sanitizers, libvirtd, virtlogd, virsh, QEMU and the TOOLs; then SCRIPT
# runs again in a private mount namespace (its mounts vanish with it), where
# lv_enter returns.
lv_enter() {
        local script=$1 tool
        shift
        if [ "$(id -u)" != 0 ]; then
                echo "SKIP: needs root (a mount namespace and a system libvirtd)"
                exit 77
        fi
        # The shim reaches the hook only as LD_PRELOAD of libvirtd, and under ASan its
        # runtime would have to go first there, into libvirtd and QEMU too.
        if ldd "$top_builddir/vgpu-hook" | grep -q libasan; then
                echo "SKIP: built with --enable-sanitizers (the normal build runs this test)"
                exit 77
        fi
        for tool in libvirtd virtlogd virsh qemu-system-x86_64 unshare "$@"; do
                command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (see .ci/packages)"; exit 77; }
        done
        [ -n "${VGPU_LIBVIRTD_NS:-}" ] || exec env VGPU_LIBVIRTD_NS=1 unshare -m --propagation private bash "$script"
}
# lv_run CMD...: run, keeping stderr in $W/err
lv_run() { "$@" >"$W/out" 2>"$W/err"; }

# A directory of ours over DIR; a DIR that does not exist is made, and left:
# removing it at the end would detach every other namespace's mount on it (an
# rmdir does that since Linux 3.18), and `make -j2 check` runs two of these
# tests at once: on a machine where no libvirtd had made /run/libvirt, the
# first test to end took the other's libvirt socket away.
private_dir() {
        local dir=$1 own=$W/priv$(echo "$1" | tr / _)
        mkdir -p "$own" "$dir"
        mount --bind "$own" "$dir"
}

# A writable view of DIR (overlayfs, changes kept in $W): create below it freely.
writable() {
        local dir=$1 n=$W/ov$(echo "$1" | tr / _)
        mkdir -p "$n/up" "$n/work"
        mount -t overlay overlay -o "lowerdir=$dir,upperdir=$n/up,workdir=$n/work" "$dir"
}

# The hook loads its module from the path compiled into it: put the build's there.
install_module() {
        local path dir anc
        path=$(grep -ao '/[[:print:]]*/vgpu-hook-ops\.so' "$top_builddir/vgpu-hook" | head -1)
        [ -n "$path" ] || { echo "cannot find the module path in vgpu-hook" >&2; return 1; }
        dir=$(dirname "$path")
        anc=$dir
        while [ ! -d "$anc" ]; do anc=$(dirname "$anc"); done
        writable "$anc"
        mkdir -p "$dir"
        ln -sf "$top_builddir/.libs/vgpu-hook-ops.so" "$path"
}

# The daemons' own configuration, no hooks: root QEMU, no confinement, logs
# in files (also what tests/packaging/test-deb.sh starts from).
lv_daemon_config() {
        mkdir -p /etc/libvirt/qemu
        cat >/etc/libvirt/qemu.conf <<EOF
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
remember_owner = 0
EOF
        cat >/etc/libvirt/libvirtd.conf <<EOF
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
        printf 'log_outputs = "3:file:/var/log/libvirt/virtlogd.log"\n' >/etc/libvirt/virtlogd.conf
}

lv_config() {
        lv_daemon_config
        mkdir -p /etc/libvirt/hooks/qemu.d
        # spies before and after ours: which ops libvirt ran, in order
        printf '#!/bin/sh\necho "$*" >>%s/spy.log\ncat >/dev/null\n' "$W" >/etc/libvirt/hooks/qemu.d/00-spy
        printf '#!/bin/sh\necho "after $*" >>%s/spy.log\ncat >/dev/null\n' "$W" >/etc/libvirt/hooks/qemu.d/zz-spy
        chmod +x /etc/libvirt/hooks/qemu.d/00-spy /etc/libvirt/hooks/qemu.d/zz-spy
        ln -s "$top_builddir/vgpu-hook" /etc/libvirt/hooks/qemu.d/vgpu-hook
}

lv_host() {
        ROOT=$W/host
        "$FAKEHOST" "$top_srcdir/tests/presets/t4.host" "$ROOT" >/dev/null
        mkdir -p "$ROOT/etc/vgpu-hook/profiles.d" "$ROOT/run/libvirt/qemu" "$ROOT/proc"
        # the hook judges leases by the processes it sees: show it the real ones
        mount --bind /proc "$ROOT/proc"
        printf '{"mdev_type": {"name": "GRID T4-4Q"}}\n' >"$ROOT/etc/vgpu-hook/profiles.d/t4-4q.json"
        printf '{"mdev_type": {"name": "GRID T4-1Q"}}\n' >"$ROOT/etc/vgpu-hook/profiles.d/t4-1q.json"
        mkdir -p /etc/vgpu-hook
        printf '{"root": "%s", "lock_wait_ms": 2000, "release_retries": 0}\n' "$ROOT" >/etc/vgpu-hook/vgpu-hook.conf
}

# Debian's libvirtd looks up its built-in QEMU user and group (libvirt-qemu,
# libvirt-qemu) before it reads qemu.conf — user = "root" does not spare it —
# and without them its QEMU driver does not start ("Failed to parse user
# 'libvirt-qemu'").  libvirt-daemon-system creates both; where it is not
# installed, they are created in the private /etc (an overlay, never the host's).
lv_qemu_account() {
        mountpoint -q /etc || { echo "lv_qemu_account: /etc is not a private overlay" >&2; return 1; }
        getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
        getent passwd libvirt-qemu >/dev/null ||
                useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
}

lv_setup() {
        W=$(mktemp -d /dev/shm/vgpu-libvirtd-XXXXXX)
        trap lv_cleanup EXIT
        writable /etc # /etc/vgpu-hook, without touching the host's /etc
        for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
                private_dir $d
        done
        install_module
        lv_config
        lv_host
        lv_qemu_account
        URI="qemu:///system?socket=/run/libvirt/libvirt-sock"
        LV_PIDDIR=$W
}

wait_for() { # wait_for SECONDS CMD...
        local n=$(($1 * 10))
        shift
        while ! "$@"; do
                n=$((n - 1))
                [ $n -gt 0 ] || return 1
                sleep 0.1
        done
}

# lv_alive PID: the process runs (an exited child not yet reaped is a zombie)
lv_alive() { kill -0 "$1" 2>/dev/null && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }

# lv_daemon_log NAME: the daemon's last words — its stdout and stderr, and its
# log file (log_outputs in NAME.conf, lv_daemon_config) — on stderr
lv_daemon_log() {
        local f
        for f in "$W/$1.out" "/var/log/libvirt/$1.log"; do
                if [ -s "$f" ]; then
                        echo "--- the last lines of $f:"
                        tail -n 20 "$f" | cut -c1-300
                fi
        done >&2
}

# lv_await SECONDS: until libvirtd answers; fails at once, with the daemon's
# own last lines, when libvirtd or virtlogd exits, else after SECONDS
lv_await() {
        local secs=$1 t0=$SECONDS d name pid rc
        until virsh -q -c "$URI" list >/dev/null 2>&1; do
                for d in "virtlogd $VIRTLOGD_PID" "libvirtd $LIBVIRTD_PID"; do
                        read -r name pid <<<"$d"
                        lv_alive "$pid" && continue
                        wait "$pid" 2>/dev/null && rc=0 || rc=$?
                        echo "$name (pid $pid) exited with status $rc after $((SECONDS - t0)) s, before libvirtd answered" >&2
                        lv_daemon_log "$name"
                        return 1
                done
                if [ $((SECONDS - t0)) -gt "$secs" ]; then
                        echo "libvirtd did not answer within $secs s (it runs, pid $LIBVIRTD_PID)" >&2
                        lv_daemon_log libvirtd
                        return 1
                fi
                sleep 0.1
        done
}

# lv_pidfile NAME: "-p FILE" in $LV_PIDDIR when set (lv_setup): the host's /run is
# shared, and a daemon already running there (the host's own libvirtd, or another
# test's) holds /run/NAME.pid; test-deb.sh has a private /run and the default.
lv_pidfile() { [ -z "${LV_PIDDIR:-}" ] || printf -- '-p\n%s\n' "$LV_PIDDIR/$1.pid"; }

lv_start() {
        local pidfile
        if [ -z "${VIRTLOGD_PID:-}" ]; then
                mapfile -t pidfile < <(lv_pidfile virtlogd)
                virtlogd "${pidfile[@]}" >>"$W/virtlogd.out" 2>&1 &
                VIRTLOGD_PID=$!
                LV_PIDS="$LV_PIDS $VIRTLOGD_PID"
        fi
        rm -f /run/libvirt/libvirt-sock
        # LD_PRELOAD reaches the hooks (libvirt keeps it); VGPU_HOOK_ROOT would not
        mapfile -t pidfile < <(lv_pidfile libvirtd)
        LD_PRELOAD="$KSHIM" libvirtd "${pidfile[@]}" >>"$W/libvirtd.out" 2>&1 &
        LIBVIRTD_PID=$!
        LV_PIDS="$LV_PIDS $LIBVIRTD_PID"
        lv_await 90
}

# Stop libvirtd only (running VMs stay), then start it again.
lv_restart() {
        kill "$LIBVIRTD_PID"
        wait "$LIBVIRTD_PID" || true
        lv_start
}

qemu_pids() { cat /run/libvirt/qemu/*.pid 2>/dev/null || true; }

lv_stop() {
        local d
        for d in $(virsh -q -c "$URI" list --name 2>/dev/null); do
                virsh -q -c "$URI" destroy "$d" >/dev/null 2>&1 || true
        done
        QEMU_LEFT=$(qemu_pids)
        for p in $LV_PIDS; do
                kill "$p" 2>/dev/null || true
        done
        for p in $LV_PIDS; do
                wait "$p" 2>/dev/null || true
        done
        for p in $QEMU_LEFT; do # destroy failed: a QEMU must not outlive the test
                kill -9 "$p" 2>/dev/null || true
        done
}

lv_none_left() {
        local p
        for p in $LV_PIDS $QEMU_LEFT; do
                [ -d "/proc/$p" ] && ! grep -q zombie <(ps -o stat= -p "$p" | sed 's/^Z.*/zombie/') && return 1
        done
        return 0
}

lv_cleanup() {
        lv_stop
        if [ "$failures" != 0 ]; then # what the daemons said, for the test's log
                tail -n 30 "$W/spy.log" "$W/libvirtd.out" /var/log/libvirt/libvirtd.log /var/log/libvirt/qemu/*.log 2>/dev/null | cut -c1-300
        fi
        umount "$ROOT/proc" 2>/dev/null || true
        rm -rf "$W"
}

# The simulated host as the hook could have changed it: its tree, its store counter.
lv_host_state() { (cd "$ROOT" && find sys run etc -printf '%p %s\n' | sort; cat .fakehost/count 2>/dev/null) | md5sum; }
lv_sysfs() { (cd "$ROOT" && find sys -printf '%p %s\n' | sort) | md5sum; }
lv_stores() { cat "$ROOT/.fakehost/count" 2>/dev/null || echo 0; }

# lv_plain_xml NAME: a 64 MiB VM without disk, started by TCG
lv_plain_xml() {
        cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <graphics type='vnc'><listen type='socket'/></graphics>
  </devices>
</domain>
EOF
}
