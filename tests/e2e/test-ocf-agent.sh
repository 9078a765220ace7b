#!/bin/bash
# End to end: the OCF resource agent ocf:vgpu-hook:vgpu-capacity (as built,
# running the build's vgpuctl) on a simulated host, against a CIB file
# (CIB_file: Pacemaker's tools without a cluster).  resource-agents'
# ocf-tester runs every action; then what its monitor publishes follows a
# cordon.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
# ocf-tester runs meta-data as user nobody: the agent must not sit in a build
# tree nobody can reach (a fresh machine clones into /root, mode 0700)
agent_dir=$(mktemp -d "$(nobody_tmpdir)/vgpu-ocf-XXXXXX")
trap 'rm -rf "$work" "$agent_dir" "${ROOT:-}"' EXIT
chmod 755 "$agent_dir"
install -m 755 "$top_builddir/dist/ocf/vgpu-capacity" "$agent_dir/"
AGENT="$agent_dir/vgpu-capacity"
export OCF_ROOT=/usr/lib/ocf HA_RSCTMP="$work/rsctmp"
export CIB_file="$work/cib.xml"

for tool in ocf-tester cibadmin crm_attribute; do
        command -v $tool >/dev/null || { fail "$tool is missing (resource-agents, pacemaker-cli-utils: .ci/packages)"; finish; }
done
fresh placement
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}, "addresses": ["0000:3b:00.0", "0000:5e:00.0"]}'
cibadmin --empty >"$CIB_file"
cibadmin -C -o nodes -X '<node id="1" uname="n1"/>'

# ocf-tester: meta-data, validate-all, start, monitor, stop, twice each, monitor when stopped.
expect 0 - ocf-tester -n capacity -o vgpuctl="$top_builddir/vgpuctl" -o root="$ROOT" -o node=n1 "$AGENT"
grep -q "passed all tests" "$work/out" && pass || fail "ocf-tester: $(cat "$work/out" "$work/err")"

# meta-data is well-formed and names each parameter and action.
expect 0 0 env OCF_RESOURCE_INSTANCE=capacity "$AGENT" meta-data
for p in vgpuctl root node; do
        grep -q "<parameter name=\"$p\"" "$work/out" && pass || fail "meta-data lacks parameter $p"
done
for a in start stop monitor meta-data validate-all; do
        grep -q "<action name=\"$a\"" "$work/out" && pass || fail "meta-data lacks action $a"
done
if command -v xmllint >/dev/null; then check "meta-data is XML" xmllint --noout "$work/out"; fi

# validate-all: a missing vgpuctl is "not installed" (5), a missing root "not configured" (6).
# (a monitor with no interval is a probe, which only asks whether it runs)
agent() { env OCF_RESOURCE_INSTANCE=capacity OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_vgpuctl="$top_builddir/vgpuctl" OCF_RESKEY_root="$ROOT" \
        OCF_RESKEY_node=n1 "$@" "$AGENT" "$action"; }
action=validate-all expect 0 - agent env
action=validate-all expect 5 - agent env OCF_RESKEY_vgpuctl="$work/none"
action=validate-all expect 6 - agent env OCF_RESKEY_root="$work/none"

# start publishes; monitor when stopped is 7; a cordon reaches the CIB at the next monitor.
action=monitor expect 7 - agent env
action=start expect 0 - agent env
check "start published vgpu_t4-4q=8" grep -q 'name="vgpu_t4-4q" value="8"' "$CIB_file"
"$VGPUCTL" cordon 0000:5e:00.0 >/dev/null
action=monitor expect 0 - agent env
check "monitor published vgpu_t4-4q=4 after the cordon" grep -q 'name="vgpu_t4-4q" value="4"' "$CIB_file"
epoch=$(grep -o ' epoch="[0-9]*"' "$CIB_file")
action=monitor expect 0 - agent env
check "a monitor with nothing changed leaves the CIB alone" grep -q "$epoch" "$CIB_file"
action=stop expect 0 - agent env
action=monitor expect 7 - agent env
check "stop leaves the capacity published" grep -q 'name="vgpu_t4-4q" value="4"' "$CIB_file"
# A failing publish is the monitor's error, with vgpuctl's sentence as the exit reason.
action=start expect 0 - agent env
action=monitor expect 1 - agent env OCF_RESKEY_node=nosuchnode
grep -q "vgpuctl pacemaker publish failed: vgpuctl: cannot write utilization" "$work/err" && pass ||
        fail "no exit reason: $(cat "$work/err")"
action=stop expect 0 - agent env

finish
