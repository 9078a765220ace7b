#!/bin/bash
# Pacemaker places vGPU VMs by the capacity vgpuctl publishes: two simulated
# hosts publish their vgpu_PROFILE node utilization (vgpuctl pacemaker
# publish) into a CIB built from `cibadmin --empty`, each VM's demand comes
# from its domain XML (vgpuctl pacemaker demand --apply), and crm_simulate
# runs the scheduler: VMs placed by capacity, a node failure restarting only
# what fits elsewhere, a node in standby drained, a VM that fits nowhere
# left stopped.  Where each VM ends is compared with
# tests/golden/crm-simulate.txt (VGPU_GOLDEN_UPDATE=1 rewrites it).
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work" "$N1" "$N2"' EXIT
golden="$top_srcdir/tests/golden/crm-simulate.txt"
for tool in cibadmin crm_attribute crm_resource crm_simulate crm_mon; do
        command -v $tool >/dev/null || { fail "$tool is missing (pacemaker-cli-utils: .ci/packages)"; finish; }
done

# Node n1: one T4 (one T4-4Q running); n2: three T4s.  The same profiles on both:
# T4-4Q on two GPUs, T4-1Q on the third, so each GPU counts for one profile.
host() {
        fresh "$1"
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}, "addresses": ["0000:3b:00.0", "0000:5e:00.0"]}'
        profile t4-1q '{"mdev_type": {"name": "GRID T4-1Q"}, "addresses": ["10000:01:00.0"]}'
        echo "$ROOT"
        ROOT=
}
N1=$(host t4) N2=$(host placement)
unset VGPU_HOOK_ROOT

export CIB_file="$work/cib.xml"
cibadmin --empty >"$CIB_file"
crm_attribute --type=crm_config --name stonith-enabled --update false
crm_attribute --type=crm_config --name placement-strategy --update balanced
# Stickiness keeps a VM where it runs when another one comes back (docs/cluster.md).
cibadmin -C -o configuration -X '<rsc_defaults><meta_attributes id="rsc-options">
  <nvpair id="rsc-options-resource-stickiness" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>'
cibadmin -C -o nodes -X '<node id="1" uname="n1"/>'
cibadmin -C -o nodes -X '<node id="2" uname="n2"/>'
expect 0 0 "$VGPUCTL" pacemaker publish --root "$N1" --node n1
expect 0 0 "$VGPUCTL" pacemaker publish --root "$N2" --node n2
check "n1 offers 4 T4-4Q, no T4-1Q" grep -q 'name="vgpu_t4-4q" value="4"' "$CIB_file"
check "n2 offers 8 T4-4Q, 16 T4-1Q" grep -q 'name="vgpu_t4-1q" value="16"' "$CIB_file"

# vm NAME PRIORITY PROFILE...: a VirtualDomain resource and its demand.
vm() {
        local name=$1 prio=$2 i=0 meta=
        shift 2
        for p in "$@"; do
                meta+="      <vgpu:mdev uuid='$(printf '%08x' $i)-0000-4000-8000-000000000000' profile='$p'/>"$'\n'
                i=$((i + 1))
        done
        domain "$name" 11111111-2222-3333-4444-555555555555 "${meta%$'\n'}" >"$work/$name.xml"
        cibadmin -C -o resources -X "<primitive id='$name' class='ocf' provider='heartbeat' type='VirtualDomain'>
  <instance_attributes id='$name-ia'>
    <nvpair id='$name-config' name='config' value='/etc/vgpu-vms/$name.xml'/>
    <nvpair id='$name-cpu' name='autoset_utilization_cpu' value='false'/>
    <nvpair id='$name-hv' name='autoset_utilization_hv_memory' value='false'/>
  </instance_attributes>
  <meta_attributes id='$name-meta'><nvpair id='$name-prio' name='priority' value='$prio'/></meta_attributes>
</primitive>"
        expect 0 0 "$VGPUCTL" pacemaker demand --xml "$work/$name.xml" --apply "$name"
}
vm cad1 10 t4-4q t4-4q
vm cad2 0 t4-4q
vm render 5 t4-4q t4-4q t4-4q t4-4q
vm small 0 t4-4q t4-4q
vm office 0 t4-1q
vm huge 0 t4-4q t4-4q t4-4q t4-4q t4-4q t4-4q t4-4q t4-4q t4-4q

# simulate TITLE IN OUT [crm_simulate modifications]: run one transition, say where each VM is.
simulate() {
        local title=$1 in=$2 out=$3
        shift 3
        crm_simulate --simulate --xml-file "$work/$in" --save-output "$work/$out" --quorum true "$@" \
                >"$work/$out.log" 2>&1 || fail "crm_simulate for '$title': $(tail -5 "$work/$out.log")"
        echo "== $title"
        CIB_file="$work/$out" crm_mon --one-shot --output-as=xml | python3 "$top_srcdir/tests/e2e/crm-status.py"
}
cp "$CIB_file" "$work/empty.xml"
simulate "both nodes up: placed by capacity, huge fits nowhere" empty.xml up.xml --node-up n1 --node-up n2 >"$work/got"
simulate "n1 fails: what fits on n2 restarts there" up.xml failed.xml --node-fail n1 >>"$work/got"
cp "$work/up.xml" "$work/up-standby.xml"
CIB_file="$work/up-standby.xml" crm_attribute --type=nodes --node n1 --name standby --update on
simulate "n1 in standby: drained to n2 as far as it fits" up-standby.xml standby.xml >>"$work/got"
# A VM that fits nowhere stays stopped whatever happens; one that fits somewhere runs once.
check "huge never starts" [ "$(grep -c '^huge Stopped$' "$work/got")" = 3 ]
check "no VM runs on two nodes" not grep -q '^[a-z0-9]* n1 n2$' "$work/got"
on_n1_after_failure() { sed -n '/^== n1 fails/,/^== n1 in standby/p' "$work/got" | grep -q ' n1$'; }
check "nothing runs on the failed node" not on_n1_after_failure

if [ -n "${VGPU_GOLDEN_UPDATE:-}" ]; then
        cp "$work/got" "$golden"
fi
diff -u "$golden" "$work/got" && pass || fail "placement differs from $golden"
finish
