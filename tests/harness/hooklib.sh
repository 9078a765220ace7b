# Shared shell helpers for the end-to-end hook tests: a fresh simulated
# host with the kernel emulation, domain XML, and assertions.
# Sourced by tests/test-hook*.sh; needs top_srcdir and top_builddir.

: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
HOOK="$top_builddir/vgpu-hook"
VGPUCTL="$top_builddir/vgpuctl"
FAKEHOST="$top_builddir/tests/harness/vgpu-fakehost"
export VGPU_HOOK_MODULE="$top_builddir/.libs/vgpu-hook-ops.so"
# What the hook runs with LD_PRELOAD: the kernel emulation, after the ASan
# runtime when the hook is built with it (configure --enable-sanitizers),
# since ASan must come first in the initial library list.
ASAN_RUNTIME=$(ldd "$HOOK" 2>/dev/null | awk '$1 ~ /^libasan\.so/ { print $3 }')
KSHIM="${ASAN_RUNTIME:+$ASAN_RUNTIME:}$top_builddir/tests/harness/.libs/libkshim.so"
# make check-valgrind: both programs under memcheck.
. "$top_srcdir/tests/reliability/valgrind.sh"
HOOK=$(valgrind_wrap "$HOOK")
VGPUCTL=$(valgrind_wrap "$VGPUCTL")
. "$top_srcdir/tests/harness/checklib.sh"

# fresh PRESET: a new root in $ROOT with the kernel emulation on.
fresh() {
        [ -n "${ROOT:-}" ] && rm -rf "$ROOT"
        ROOT=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
        "$FAKEHOST" "$top_srcdir/tests/presets/$1.host" "$ROOT" >/dev/null
        mkdir -p "$ROOT/etc/vgpu-hook/profiles.d" "$ROOT/run/libvirt/qemu"
        printf '{"lock_wait_ms": 300, "release_retries": 0}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
        export VGPU_HOOK_ROOT="$ROOT"
}

# profile NAME JSON
profile() { printf '%s\n' "$2" >"$ROOT/etc/vgpu-hook/profiles.d/$1.json"; }

# domain NAME UUID METADATA-ELEMENTS HOSTDEV-UUIDS...: a domain XML on stdout
domain() {
        local name=$1 uuid=$2 meta=$3
        shift 3
        printf "<domain type='kvm'>\n  <name>%s</name>\n  <uuid>%s</uuid>\n" "$name" "$uuid"
        [ -n "$meta" ] && printf "  <metadata>\n    <vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'>\n%s\n    </vgpu:devices>\n  </metadata>\n" "$meta"
        printf "  <memory unit='KiB'>1048576</memory>\n  <devices>\n"
        for u in "$@"; do
                printf "    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n      <source><address uuid='%s'/></source>\n    </hostdev>\n" "$u"
        done
        printf "  </devices>\n</domain>\n"
}

# pcidom NAME UUID METADATA ADDR:MANAGED...: a domain XML with PCI hostdevs
pcidom() {
        local name=$1 uuid=$2 meta=$3 a
        shift 3
        printf "<domain type='kvm'>\n  <name>%s</name>\n  <uuid>%s</uuid>\n" "$name" "$uuid"
        [ -n "$meta" ] && printf "  <metadata>\n    <vgpu:devices %s>\n%s\n    </vgpu:devices>\n  </metadata>\n" "xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'" "$meta"
        printf "  <memory unit='KiB'>1048576</memory>\n  <devices>\n"
        for a in "$@"; do
                IFS=':.' read -r d b s f m <<<"$a"
                printf "    <hostdev mode='subsystem' type='pci' managed='%s'>\n" "$m"
                printf "      <source><address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/></source>\n" "$d" "$b" "$s" "$f"
                printf "    </hostdev>\n"
        done
        printf "  </devices>\n</domain>\n"
}

# The simulated /proc shows a real process while it runs: its stat, whose pid
# and start time are what staleness is judged by (docs/design.md §5.4).  Replaced
# atomically: hooks running meanwhile must never read a half-written one.
proc_show() {
        mkdir -p "$ROOT/proc/$1" && cp "/proc/$1/stat" "$ROOT/proc/$1/.stat.$BASHPID" &&
                mv -f "$ROOT/proc/$1/.stat.$BASHPID" "$ROOT/proc/$1/stat"
}
proc_gone() { rm -rf "${ROOT:?}/proc/$1"; }

# hook_bg XMLFILE OUT ERR NAME OP SUBOP [EXTRA]: start the real hook with the
# kernel emulation in the background ($! is its pid); this shell is its parent
# and plays libvirtd, the hook shows in the simulated /proc (exec keeps the pid
# and the start time).  After `wait`, call proc_gone on it.
hook_bg() {
        local xml=$1 o=$2 e=$3
        shift 3
        proc_show $BASHPID
        (proc_show $BASHPID && LD_PRELOAD="$KSHIM${VGPU_TEST_PRELOAD:+ $VGPU_TEST_PRELOAD}" exec "$HOOK" "$@") \
                <"$xml" >"$o" 2>"$e" &
}

# hook XMLFILE NAME OP SUBOP [EXTRA]: run the real hook with the kernel emulation;
# sets $rc, $out, $err
hook() {
        local xml=$1 pid
        shift
        set +e
        hook_bg "$xml" "$ROOT/.out" "$ROOT/.err" "$@"
        pid=$!
        wait $pid 2>/dev/null
        rc=$?
        proc_gone $pid
        set -e
        out=$(cat "$ROOT/.out")
        err=$(cat "$ROOT/.err")
}

# ---- runs as another user (65534, nobody) ---------------------------------------
# Such a run must not need the build tree, which may sit in a 0700 home (a
# fresh machine's root clones into /root).  A temp directory nobody can
# reach: $TMPDIR when user 65534 can enter and write it, else /tmp.
nobody_tmpdir() {
        local d=${TMPDIR:-/tmp}
        if setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$d" -a -w "$d" 2>/dev/null; then
                echo "$d"
        else
                echo /tmp
        fi
}
# nobody_copy: copies of what an unprivileged hook run loads — the hook (a
# real binary: it links no library of ours), its module and the kernel
# emulation — in a 0755 directory of their own; sets NOBODY_HOOK,
# NOBODY_MODULE (for VGPU_HOOK_MODULE) and NOBODY_KSHIM (for LD_PRELOAD).
nobody_copy() {
        local f
        NOBODY_DIR=$(mktemp -d "$(nobody_tmpdir)/vgpu-nobody-XXXXXX")
        chmod 755 "$NOBODY_DIR"
        cp "$top_builddir/vgpu-hook" "$top_builddir/.libs/vgpu-hook-ops.so" "$top_builddir/tests/harness/.libs/libkshim.so" \
                "$NOBODY_DIR/"
        for f in "$NOBODY_DIR"/*; do
                chmod a+rX "$f"
                # a libtool wrapper script, or a library found in the build tree, would not run as nobody
                if [ "$(head -c 2 "$f")" = "#!" ] || ldd "$f" | grep -qF -e "not found" -e "$top_builddir"; then
                        echo "$f needs the build tree: $(head -c 2 "$f"; ldd "$f")" >&2
                        return 1
                fi
        done
        NOBODY_HOOK=$NOBODY_DIR/vgpu-hook
        NOBODY_MODULE=$NOBODY_DIR/vgpu-hook-ops.so
        NOBODY_KSHIM="${ASAN_RUNTIME:+$ASAN_RUNTIME:}$NOBODY_DIR/libkshim.so"
}

# refusal DESCRIPTION: the last hook run failed (exit 1) with one line of at
# most 160 columns in $err, as every refusal must (docs/troubleshooting.md)
refusal() {
        check "$1: exit 1 (got $rc)" [ "$rc" = 1 ]
        check "$1: one line of at most 160 columns (${#err}: $err)" [ "$(wc -l <<<"$err")" = 1 -a "${#err}" -le 160 ]
}
mdev_exists() { [ -e "$ROOT/sys/bus/mdev/devices/$1" ]; }
mdev_parent() { basename "$(dirname "$(readlink "$ROOT/sys/bus/mdev/devices/$1")")"; }
leases() { "$VGPUCTL" leases --json --root "$ROOT"; }
# host_inventory: inventory --json without release_history: the host's state, not what was released on it
host_inventory() {
        "$VGPUCTL" inventory --json --root "$ROOT" | python3 -c 'import json, sys
d = json.load(sys.stdin)
d.pop("release_history")
print(json.dumps(d, indent=2))'
}
lease_count() { leases | grep -c '"domain_uuid"' || true; }
lease_state() { leases | tr -d ' \n' | grep -o "\"device\":\"$1\"" >/dev/null && leases | tr -d ' \n' | sed 's/},{/}\n{/g' | grep "\"device\":\"$1\"" | sed 's/.*"state":"\([a-z]*\)".*/\1/'; }
# lease_created UUID: the "created" flag of that device's lease (true/false)
lease_created() { leases | tr -d ' \n' | sed 's/},{/}\n{/g' | grep "\"device\":\"$1\"" | sed 's/.*"created":\([a-z]*\).*/\1/'; }
# a running "QEMU" for a domain, as libvirt leaves it: a pid file and a process
fake_qemu() { # NAME UUID
        sleep 600 &
        echo $! >"$ROOT/run/libvirt/qemu/$1.pid"
        proc_show $!
        printf 'qemu-system-x86_64\0-uuid\0%s\0' "$2" >"$ROOT/proc/$!/cmdline"
        QEMU_PIDS="${QEMU_PIDS:-} $!"
}
# two_t4_vms: vm1 ($U1 for $D1) prepared, started and running, vm2 ($U2 for
# $D2) only prepared, both one t4-4q profile mdev; their XML in $X/vm1.xml, $X/vm2.xml
two_t4_vms() {
        domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm1.xml"
        domain vm2 $D2 "<vgpu:mdev uuid='$U2' profile='t4-4q'/>" $U2 >"$X/vm2.xml"
        hook "$X/vm1.xml" vm1 prepare begin -
        fake_qemu vm1 $D1
        hook "$X/vm1.xml" vm1 started begin -
        hook "$X/vm2.xml" vm2 prepare begin -
}
cleanup() {
        [ -n "${QEMU_PIDS:-}" ] && { kill $QEMU_PIDS 2>/dev/null || true; }
        [ -n "${ROOT:-}" ] && rm -rf "$ROOT"
        [ -n "${NOBODY_DIR:-}" ] && rm -rf "$NOBODY_DIR"
        return 0
}
trap cleanup EXIT
