#!/bin/bash
# Confinement (issue 10), checked with strace over whole life cycles: the
# hook (and vgpuctl reconcile) write only under ROOT/sys and
# ROOT/run/vgpu-hook, exec nothing, leave no child; state files are 0600
# root in a 0700 directory; a state directory owned by someone else, or any
# state path that is a symlink, is refused; domain XML never reaches syslog.
# The kernel emulation's own file I/O in the traced process is bracketed by
# marker calls (tests/harness/kshim-private.h) and left out.  Plain VMs and
# non-root users on plain VMs: tests/e2e/test-hook-plain.sh.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh"
command -v strace >/dev/null || { echo "strace is not installed (apt-get install strace)" >&2; exit 1; }

U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
M1=6a7e1c2d-0000-4000-8000-000000000001
SECRET="secret-$$-in-the-domain-xml"
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-conf-XXXXXX")
chmod 755 "$X"
trap 'cleanup; rm -rf "$X"' EXIT

# What a traced process did outside the emulation's brackets, judged:
# prints one line per violation, and "execve N" / "spawned N" counts.
judge() { # ROOT TRACE
        awk -v root="$1" '
        function allowed(p) { return index(p, root "/sys/") == 1 || p == root "/run/vgpu-hook" ||
                                     index(p, root "/run/vgpu-hook/") == 1 }
        function bad(what) { print "outside ROOT/sys and ROOT/run/vgpu-hook: " what; }
        function seen(p) { if (allowed(p)) writes++; else bad(p) }
        # every (fd<dir>, "name") pair of an *at call, and plain "path" arguments
        function targets(s,    t, n, m) {
                n = 0
                while (match(s, /(AT_FDCWD|[0-9]+)<[^>]*>, "[^"]*"/)) {
                        m = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
                        d = m; sub(/^[^<]*</, "", d); sub(/>.*/, "", d)
                        f = m; sub(/^[^"]*"/, "", f); sub(/"$/, "", f)
                        t[++n] = f ~ /^\// ? f : d "/" f
                }
                return n
        }
        { pid = $1 }
        /\/\.kshim-begin/ { emu[pid] = 1; next }
        /\/\.kshim-end/ { emu[pid] = 0; next }
        emu[pid] { next }
        / = -1 / { next }
        $2 ~ /^execve\(/ { execs++ }
        $2 ~ /^(clone|clone3|fork|vfork)\(/ { spawned++ }
        $2 ~ /^(open|openat|openat2|creat)\(/ && /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/ {
                p = $0; sub(/.* = [0-9]+</, "", p); sub(/>$/, "", p)
                # the busy probe opens a VFIO group node read-write, and never writes to it
                if (!(index(p, root "/dev/vfio/") == 1 && !/O_CREAT|O_TRUNC/)) seen(p)
        }
        $2 ~ /^(mkdir|mkdirat|rename|renameat|renameat2|unlink|unlinkat|rmdir|symlink|symlinkat|link|linkat|chmod|fchmodat|chown|lchown|fchownat|truncate|utimensat|mknod|mknodat)\(/ {
                n = targets($0, t)
                for (i = 1; i <= n; i++) seen(t[i])
        }
        $2 ~ /^(write|pwrite64|writev|pwritev|pwritev2|ftruncate|fchmod|fchown)\(/ {
                fd = $2; sub(/^[a-z0-9]*\(/, "", fd); p = fd; sub(/<.*/, "", fd)
                sub(/^[0-9]+</, "", p); sub(/>.*/, "", p)
                if (fd != 1 && fd != 2) seen(p)
        }
        END { print "execve " execs + 0; print "spawned " spawned + 0; print "writes " writes + 0 }' "$2"
}

# traced WHAT CMD...: run CMD under strace (stdin from $IN), then judge it
traced() {
        local what=$1 report
        shift
        set +e
        # LeakSanitizer (--enable-sanitizers) cannot work under ptrace, and would clone.
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
                strace -f -qq -y -s 64 -o "$X/trace" -e trace='%file,%process,write,pwrite64,writev,pwritev,ftruncate,fchmod,fchown' \
                -E LD_PRELOAD="$KSHIM $KFAULT" "$@" <"$IN" >"$X/out" 2>"$X/err"
        rc=$?
        set -e
        err=$(cat "$X/err")
        report=$(judge "$(realpath "$ROOT")" "$X/trace")
        check "$what: writes only under ROOT/sys and ROOT/run/vgpu-hook" not grep -q '^outside' <<<"$report"
        grep '^outside' <<<"$report" | head -5 >&2 || true
        check "$what: execs nothing" grep -qx "execve 1" <<<"$report"
        check "$what: spawns no process" grep -qx "spawned 0" <<<"$report"
        if [ "${NO_WRITES:-}" ]; then
                check "$what: writes nothing at all" grep -qx "writes 0" <<<"$report"
        else
                check "$what: its own writes were seen (the judge is awake)" not grep -qx "writes 0" <<<"$report"
        fi
        cat "$X/err" >>"$X/all-stderr"
}
# traced_hook XML NAME OP SUBOP: the hook, with the kernel emulation, as libvirt runs it
traced_hook() {
        local xml=$1 name=$2
        shift 2
        IN=$xml traced "$name $1" "$HOOK" "$name" "$@" -
}

fresh samples
chmod 755 "$ROOT"
export VGPU_KSHIM_LOG="$ROOT/.fakehost/log" VGPU_KSHIM_SYSLOG="$ROOT/.fakehost/syslog"
proc_show $BASHPID
profile serial '{"mdev_type": {"name": "Single port serial"}, "attrs": [{"uevent": "change"}]}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='serial'/><vgpu:mdev uuid='$U2' type='mdpy-vga'/>" $U1 $U2 $M1 |
        sed "s|<memory|<description>$SECRET</description>\n  <memory|" >"$X/vm1.xml"
grep -q "$SECRET" "$X/vm1.xml"

# ---- a whole life cycle --------------------------------------------------------------------
traced_hook "$X/vm1.xml" vm1 prepare begin
check "prepare: exit 0 ($err)" [ "$rc" = 0 ]
check "prepare: created" mdev_exists $U1
fake_qemu vm1 $D1
for op in "started begin" "reconnect begin"; do
        traced_hook "$X/vm1.xml" vm1 $op
        check "$op: exit 0" [ "$rc" = 0 ]
done
check "the ledger directory: 0700, root's" [ "$(stat -c '%a %U' "$ROOT/run/vgpu-hook")" = "700 root" ]
for f in ledger.json ledger.lock; do
        check "$f: a 0600 file, root's" [ -f "$ROOT/run/vgpu-hook/$f" -a ! -L "$ROOT/run/vgpu-hook/$f" ] &&
                [ "$(stat -c '%a %U' "$ROOT/run/vgpu-hook/$f")" = "600 root" ]
done
check "no temp file left" [ ! -e "$ROOT/run/vgpu-hook/ledger.json.tmp" ]
qemu_exit vm1
traced_hook "$X/vm1.xml" vm1 release end
check "release: exit 0, removed" [ "$rc" = 0 ] && not mdev_exists $U1
check "release: the present mdev stays" mdev_exists $M1

# ---- a refusal, a rollback, and reconcile -------------------------------------------------
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='nope'/>" $U1 | sed "s|<memory|<description>$SECRET</description>\n  <memory|" >"$X/nope.xml"
NO_WRITES=1 traced_hook "$X/nope.xml" vm1 prepare begin
check "a refusal: exit 1 with a sentence" [ "$rc" = 1 -a -n "$err" ]
fresh gvtg
chmod 755 "$ROOT"
export VGPU_KSHIM_LOG="$ROOT/.fakehost/log" VGPU_KSHIM_SYSLOG="$ROOT/.fakehost/syslog"
proc_show $BASHPID
profile gvtg-1 '{"mdev_type": {"name": "GVTg_V5_1"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='gvtg-1'/><vgpu:mdev uuid='$U2' profile='gvtg-1'/>" $U1 $U2 >"$X/gvt.xml"
traced_hook "$X/gvt.xml" vm1 prepare begin
check "a rollback: exit 1, nothing left" [ "$rc" = 1 ] && not mdev_exists $U1
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='gvtg-1'/>" $U1 >"$X/one.xml"
hook "$X/one.xml" vm1 prepare begin -
libvirtd_restarted
IN=/dev/null traced "vgpuctl reconcile" "$VGPUCTL" reconcile --root "$ROOT"
check "vgpuctl reconcile: exit 0, reclaimed" [ "$rc" = 0 ] && not mdev_exists $U1
proc_show $BASHPID

# ---- domain XML never reaches syslog nor stderr ---------------------------------------------
check "syslog was captured" [ -s "$ROOT/.fakehost/syslog" ] || [ -s "$X/syslog.samples" ]
for f in "$X/all-stderr" "$ROOT/.fakehost/syslog"; do
        check "no domain XML in $(basename "$f")" not grep -q "$SECRET\|<domain\|<hostdev\|<metadata\|vgpu:devices" "$f"
done

# ---- unsafe state paths are refused, and nothing is written through them -------------------------
t4() {
        fresh t4
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/t4.xml"
        mkdir -m 0700 "$ROOT/run/vgpu-hook"
}
refused() { # WHAT PATTERN: prepare refuses, the other ops exit 0, nothing created
        local op
        hook "$X/t4.xml" vm1 prepare begin -
        check "$1: prepare refuses ($err)" [ "$rc" = 1 ] && grep -q "$2" <<<"$err"
        for op in "started begin" "release end" "reconnect begin"; do
                hook "$X/t4.xml" vm1 $op -
                check "$1: $op exits 0" [ "$rc" = 0 ]
        done
        check "$1: nothing created" not mdev_exists $U1
}
t4
chown 65534:65534 "$ROOT/run/vgpu-hook"
refused "a state directory owned by someone else" \
        "/run/vgpu-hook: is owned by nobody with mode 0700; it must be root's with mode 0700: as root, chown -R root /run/vgpu-hook"
check "… and left as it was" [ "$(stat -c '%U %a' "$ROOT/run/vgpu-hook")" = "nobody 700" -a -z "$(ls -A "$ROOT/run/vgpu-hook")" ]
t4
chmod 0755 "$ROOT/run/vgpu-hook"
refused "a state directory others can read" \
        "/run/vgpu-hook: is owned by root with mode 0755; it must be root's with mode 0700: as root, .* chmod -R go= /run/vgpu-hook"
t4
rmdir "$ROOT/run/vgpu-hook"
mkdir -m 0700 "$ROOT/elsewhere"
ln -s ../elsewhere "$ROOT/run/vgpu-hook"
refused "a symlinked state directory" "/run/vgpu-hook: is a symlink or not a directory; remove it (as root) and retry"
check "… nothing written where it points" [ -z "$(ls -A "$ROOT/elsewhere")" ]
t4
touch "$ROOT/etc/victim"
ln -s ../../etc/victim "$ROOT/run/vgpu-hook/ledger.lock"
refused "a symlinked lock file" "/run/vgpu-hook/ledger.lock: is a symlink or not a directory; remove it"
check "… its target untouched" [ ! -s "$ROOT/etc/victim" ]
t4
echo original >"$ROOT/etc/victim"
ln -s ../../etc/victim "$ROOT/run/vgpu-hook/ledger.json.tmp"
hook "$X/t4.xml" vm1 prepare begin -
check "a planted temp-file symlink: prepare goes on ($err)" [ "$rc" = 0 ]
check "… writes its own file, not through the link" [ "$(cat "$ROOT/etc/victim")" = original ]
check "… and leaves no temp file" [ ! -e "$ROOT/run/vgpu-hook/ledger.json.tmp" ]
hook "$X/t4.xml" vm1 release end -

# ---- a non-root user (a session libvirtd) on a vGPU domain ---------------------------------------
# user 65534 runs copies of the hook, its module and the emulation, on a ROOT it can reach
nobody_copy
TMPDIR=$(nobody_tmpdir) t4
rmdir "$ROOT/run/vgpu-hook"
chmod 755 "$ROOT" && chmod 644 "$X/t4.xml"
for op in "prepare begin" "started begin" "release end" "reconnect begin"; do
        set +e
        setpriv --reuid=65534 --regid=65534 --clear-groups env LD_PRELOAD="$NOBODY_KSHIM" VGPU_HOOK_MODULE="$NOBODY_MODULE" \
                "$NOBODY_HOOK" vm1 $op - <"$X/t4.xml" >/dev/null 2>"$X/err"
        rc=$?
        set -e
        if [ "$op" = "prepare begin" ]; then
                # the module's sentence: it was loaded, and the state directory refused
                check "as nobody, prepare: exit 1 with a sentence ($(cat "$X/err"))" [ "$rc" = 1 ] &&
                        grep -q "ledger is unusable (/run/vgpu-hook: permission denied: only root may use the lease ledger (mode 0700); run this as root)" "$X/err"
        else
                check "as nobody, $op: exit 0" [ "$rc" = 0 ]
        fi
done
check "as nobody: nothing created" [ ! -e "$ROOT/run/vgpu-hook" ] && not mdev_exists $U1
finish
