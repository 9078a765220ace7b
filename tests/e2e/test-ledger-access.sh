#!/bin/bash
# End to end (issue 21, point 4): permission and ownership problems of the
# lease ledger get one sentence with the expected owner and mode and the
# command that fixes it — the same sentence from the hook and from vgpuctl —
# and the commands that only read (leases, plan, render) work on a ledger
# that config management made world-readable (chmod -R a+rX).
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/checklib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT
V() { "$VGPUCTL" --root "$ROOT" "$@"; }
said() { grep -qF -- "$1" "$work/err"; }

# a root user 65534 can reach, for the last part
TMPDIR=$(nobody_tmpdir) fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
U=3b0e1c2d-0000-4000-8000-00000000c001
domain vm1 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3c01 "      <vgpu:mdev uuid='$U' profile='t4-4q'/>" "$U" >"$work/vm1.xml"
printf "<domain type='kvm'><name>new</name><memory>1048576</memory><os><type>hvm</type></os></domain>\n" >"$work/new.xml"
hook "$work/vm1.xml" vm1 prepare begin -
check "a lease to read (rc $rc: $err)" [ "$rc" = 0 ]

# ---- config management's chmod -R a+rX ---------------------------------------------
chmod -R a+rX "$ROOT/run/vgpu-hook"
expect 0 0 V leases
check "leases reads a world-readable ledger" grep -q "^vm1 " "$work/out"
expect 0 0 V plan --profile t4-4q
expect 0 0 V render --profile t4-4q "$work/new.xml"
check "render prints the XML" grep -q "type=.mdev." "$work/out"
fix="/run/vgpu-hook: is owned by root with mode 0755; it must be root's with mode 0700: as root, chown -R root /run/vgpu-hook && chmod -R go= /run/vgpu-hook"
hook "$work/vm1.xml" vm2 prepare begin -
check "prepare refuses to change it ($err)" [ "$rc" = 1 ]
check "...saying the owner, the mode and the fix" grep -qF "$fix" <<<"$err"
expect 1 1 V reconcile
check "reconcile says the same ($(cat "$work/err"))" said "$fix"
chmod 0700 "$ROOT/run/vgpu-hook"
expect 1 1 V reconcile
check "the lock file's mode too, with the one command that fixes them all ($(cat "$work/err"))" \
        said "/run/vgpu-hook/ledger.lock: is owned by root with mode 0644; it must be root's with mode 0600: as root, chown -R root /run/vgpu-hook && chmod -R go= /run/vgpu-hook"
chmod -R go= "$ROOT/run/vgpu-hook" # what the sentence says
hook "$work/vm1.xml" vm1 release end -
check "once put right, release goes on ($err)" [ "$rc" = 0 ]
check "...and removes the mdev" not mdev_exists "$U"

# ---- owned by another user ------------------------------------------------------------------
chown 65534 "$ROOT/run/vgpu-hook"
expect 1 1 V reconcile
check "another owner is named ($(cat "$work/err"))" said "is owned by nobody with mode 0700; it must be root's with mode 0700"
chown 0 "$ROOT/run/vgpu-hook"

# ---- not root: one cause, one sentence ----------------------------------------------------
nobody_copy
cp "$VGPUCTL" "$NOBODY_DIR/" && chmod a+rx "$NOBODY_DIR/vgpuctl"
chmod 755 "$ROOT"
for cmd in leases "plan --profile t4-4q" reconcile; do
        set +e
        setpriv --reuid=65534 --regid=65534 --clear-groups "$NOBODY_DIR/vgpuctl" --root "$ROOT" $cmd >/dev/null 2>"$work/err"
        set -e
        check "as nobody, $cmd: the same sentence ($(cat "$work/err"))" \
                said "/run/vgpu-hook: permission denied: only root may use the lease ledger (mode 0700); run this as root"
done
finish
