#!/bin/bash
# End to end: what the library explains to an admin.  With "log_level":
# "debug" a prepare through the real hook logs, one line each, why each mdev
# parent was chosen or skipped, each sysfs store and each lease state change;
# at the default level not one debug line.  Syslog is captured by libkfault
# (VGPU_KSHIM_SYSLOG, tests/reliability/kfault.c) as "PID PRIORITY MESSAGE".
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
export VGPU_TEST_PRELOAD="$top_builddir/tests/reliability/.libs/libkfault.so"

U1=3b0e1c2d-0000-4000-8000-00000000bb01
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b01
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-xml-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT

# prepare LOG_LEVEL: a fresh placement host, 0000:5e:00.0 cordoned, one prepare; the syslog in $X/syslog
prepare() {
        fresh placement
        printf '{"lock_wait_ms": 300, "release_retries": 0, "log_level": "%s", "cordoned": ["0000:5e:00.0"]}\n' \
                "$1" >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm1.xml"
        export VGPU_KSHIM_SYSLOG="$X/syslog"
        : >"$VGPU_KSHIM_SYSLOG"
        hook "$X/vm1.xml" vm1 prepare begin -
        unset VGPU_KSHIM_SYSLOG
}
logged() { grep -qF -- "$1" "$X/syslog"; } # logged TEXT
debug_lines() { awk '$2 == 7' "$X/syslog" | wc -l; }

# ---- log_level debug: the why of each decision --------------------------------
prepare debug
check "debug prepare: exit 0 ($err)" [ "$rc" = 0 ]
check "debug prepare: the mdev exists" mdev_exists $U1
check "placement: the chosen parent" logged "vm1 prepare: placement of mdev type GRID T4-4Q: parent 0000:3b:00.0 chosen"
check "placement: the cordoned parent skipped" logged "parent 0000:5e:00.0 skipped: cordoned"
check "placement: a parent without the type skipped" logged "skipped: type not offered"
check "store: the create" \
        logged "store /sys/class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-224/create \"$U1\""
check "writes: the mdev created" logged "mdev $U1: created on 0000:3b:00.0, type nvidia-224"
check "ledger: the lease reserved" logged "lease mdev $U1: new, pending, domain $D1"
check "ledger: the lease prepared" logged "lease mdev $U1: pending -> prepared, domain $D1"
check "debug lines are at LOG_DEBUG" [ "$(debug_lines)" -ge 6 ]
check "each debug line names the domain and op" not grep -v '^[0-9]* [0-9] vm1 prepare: ' <(awk '$2 == 7' "$X/syslog")
cp "$X/syslog" "$X/syslog.debug"

# ---- the default level (info): not one debug line --------------------------------
prepare info
check "info prepare: exit 0 ($err)" [ "$rc" = 0 ]
check "info prepare: no debug line" [ "$(debug_lines)" = 0 ]
check "info prepare: no placement line" not logged "placement of"
check "info prepare: the allocation is logged" logged "allocated mdev $U1"

# ---- vgpuctl: -v explains on stderr; without it stderr stays as it was -------
work=$X
expect 0 - "$VGPUCTL" -v plan --profile t4-4q
check "vgpuctl -v: placement lines on stderr" \
        grep -qF "vgpuctl: debug: placement of mdev type GRID T4-4Q: parent 0000:5e:00.0 skipped: cordoned" "$X/err"
check "vgpuctl -v: the plan on stdout as without it" grep -q "0000:5e:00.0 .*cordoned" "$X/out"
cp "$X/out" "$X/out.verbose"
sed -i 's/"log_level": "info"/"log_level": "debug"/' "$ROOT/etc/vgpu-hook/vgpu-hook.conf"
: >"$X/syslog"
VGPU_KSHIM_SYSLOG="$X/syslog" LD_PRELOAD="${ASAN_RUNTIME:+$ASAN_RUNTIME:}$VGPU_TEST_PRELOAD" expect 0 0 "$VGPUCTL" plan --profile t4-4q
check "vgpuctl at log_level debug: stdout unchanged" cmp -s "$X/out" "$X/out.verbose"
check "vgpuctl at log_level debug: the lines in syslog" logged "parent 0000:5e:00.0 skipped: cordoned"

if [ -n "${VGPU_LOG_SHOW:-}" ]; then cat "$X/syslog.debug"; fi
finish
