# 18: what the hook costs an admin on a real kernel (issue 24), measured, never
# asserted (docs/testing.md: timings are reported as ratios by `make bench`):
# - `virsh start` + `virsh destroy` of a VM whose profile mdev the hook creates
#   and frees, against the same VM with its mdev made beforehand and no hook;
# - a plain VM (no vGPU) with the hook installed, against no hook;
# - the hook's prepare + release of one mtty mdev, against `mdevctl start` +
#   `stop` of the same type and against the bare sysfs create + remove (the floor).
# "No hook" is libvirtd restarted with an empty hooks/qemu.d (libvirt looks for
# hooks when it starts); the scenario's spies are out for the whole measure.
# Rounds alternate the two setups so drift on a loaded host hits both; each
# figure is the median of $BENCH_ROUNDS.  It writes $OUT/bench.json, which
# bench/bench.py reads into bench/RESULTS.md, and prints the same as a table.
# The checks are the behaviour's: each mdev exists while it should, is gone
# after, and no lease is left.
BENCH_ROUNDS=${BENCH_ROUNDS:-3} # VGPU_VM_BENCH_ROUNDS on the host (run-vm.sh)
HOOKS=/etc/libvirt/hooks/qemu.d
HOOK_BIN=$(command -v vgpu-hook)
DOM=6b2e3d4c-5a6b-4798-8b7e-8d7e6f5a4b18
UPRE=4c1f2d3e-0000-4000-8000-0000000001b8 # the no-hook VM's mdev, made beforehand
UDIRECT=4c1f2d3e-0000-4000-8000-0000000002b8
mkdir -p /tmp/hooks-off
mv "$HOOKS"/00-spy "$HOOKS"/zz-spy /tmp/hooks-off/
restore_hooks() { mv /tmp/hooks-off/00-spy /tmp/hooks-off/zz-spy "$HOOKS"/ 2>/dev/null || true; }
trap restore_hooks EXIT

vm_profile serial '{"mdev_type": {"name": "Single port serial"}}'
TYPE=$(basename "$(dirname "$(grep -lx 'Single port serial' /sys/class/mdev_bus/mtty/mdev_supported_types/*/name)")")
vm_xml bh >in.xml
sed -i "s|<name>bh</name>|&<uuid>$DOM</uuid>|" in.xml
vgpuctl render --profile serial in.xml >bh.xml
vm_define bh bh.xml
UH=$(vm_uuids bh)
vm_xml bm "$(vm_hostdev $UPRE)" >bm.xml
vm_define bm bm.xml
vm_xml bp >bp.xml
vm_define bp bp.xml

now() { date +%s%N; }
# cycle NAME: virsh start + destroy, in ms, on stdout
cycle() {
	local t0
	t0=$(now)
	vm_start "$1" || fail "$1 did not start: $VM_ERR"
	vm_destroy "$1"
	echo $((($(now) - t0) / 1000000))
}
# setup hook|none: libvirtd restarted with our hook in qemu.d, or with none
setup() {
	if [ "$1" = hook ]; then
		ln -sf "$HOOK_BIN" "$HOOKS/vgpu-hook"
	else
		rm -f "$HOOKS/vgpu-hook"
	fi
	vm_libvirtd_restart
}

: >/tmp/b-profile
: >/tmp/b-pre
: >/tmp/b-plain-hook
: >/tmp/b-plain-none
for r in $(seq "$BENCH_ROUNDS"); do
	setup hook
	cycle bh >>/tmp/b-profile
	assert_no_mdev "$UH"
	cycle bp >>/tmp/b-plain-hook
	setup none
	echo "$UPRE" >"/sys/class/mdev_bus/mtty/mdev_supported_types/$TYPE/create"
	cycle bm >>/tmp/b-pre
	echo 1 >"/sys/bus/mdev/devices/$UPRE/remove"
	cycle bp >>/tmp/b-plain-none
	note "round $r: profile $(tail -1 /tmp/b-profile), made beforehand $(tail -1 /tmp/b-pre), plain $(tail -1 /tmp/b-plain-hook) / $(tail -1 /tmp/b-plain-none) ms"
done
setup hook
assert_no_leases

# The hook's own prepare + release, as libvirt runs it (domain XML on stdin),
# against mdevctl and the bare sysfs writes, for one mdev of the same type.
hook_cycle() {
	"$HOOK_BIN" bh prepare begin - <bh.xml || fail "prepare failed"
	assert_mdev "$UH"
	"$HOOK_BIN" bh release end - <bh.xml || fail "release failed"
	assert_no_mdev "$UH"
}
mdevctl_cycle() {
	mdevctl start -u "$UDIRECT" -p mtty -t "$TYPE" >/dev/null || fail "mdevctl start failed"
	assert_mdev "$UDIRECT"
	mdevctl stop -u "$UDIRECT" || fail "mdevctl stop failed"
	assert_no_mdev "$UDIRECT"
}
sysfs_cycle() {
	echo "$UDIRECT" >"/sys/class/mdev_bus/mtty/mdev_supported_types/$TYPE/create"
	assert_mdev "$UDIRECT"
	echo 1 >"/sys/bus/mdev/devices/$UDIRECT/remove"
	assert_no_mdev "$UDIRECT"
}
timed() { # timed FILE CMD: CMD's time in ms appended to FILE
	local t0
	t0=$(now)
	"${@:2}"
	echo $((($(now) - t0) / 1000000)) >>"$1"
}
: >/tmp/b-hook
: >/tmp/b-mdevctl
: >/tmp/b-sysfs
for r in $(seq $((BENCH_ROUNDS * 2))); do
	timed /tmp/b-hook hook_cycle
	timed /tmp/b-mdevctl mdevctl_cycle
	timed /tmp/b-sysfs sysfs_cycle
done
assert_no_leases

python3 - "$OUT/bench.json" "$STACK" "$BENCH_ROUNDS" <<'PY'
import json, statistics, sys
out, stack, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
def med(name):
    return statistics.median(int(x) for x in open("/tmp/b-" + name).read().split())
m = {k: med(k) for k in ("profile", "pre", "plain-hook", "plain-none", "hook", "mdevctl", "sysfs")}
r = {
    "start_destroy_profile_vs_premade": m["profile"] / m["pre"],
    "start_destroy_plain_hook_vs_none": m["plain-hook"] / m["plain-none"],
    "prepare_release_vs_mdevctl": m["hook"] / m["mdevctl"],
    "above_floor_hook_vs_mdevctl": (m["hook"] - m["sysfs"]) / max(m["mdevctl"] - m["sysfs"], 1),
}
json.dump({"stack": stack, "rounds": rounds, "median_ms": m, "ratios": r}, open(out, "w"), indent=1)
for k, v in m.items():
    print(f"{k:12} {v:8.0f} ms")
for k, v in r.items():
    print(f"{k:36} {v:.3f}")
PY
