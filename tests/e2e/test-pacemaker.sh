#!/bin/bash
# End to end: vgpuctl pacemaker publish and demand on a simulated host.  A
# recording fake crm_attribute / crm_resource shows what would reach the
# cluster (what is written, only when it changed); Pacemaker's real
# crm_attribute on a CIB file (CIB_file, no cluster) shows the values land
# as node utilization.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work" "${ROOT:-}"' EXIT

# The fake keeps each node's values in $work/crm/NODE.NAME and logs every call.
mkdir "$work/crm"
cat >"$work/crm_attribute" <<'FAKE'
#!/bin/bash
echo "crm_attribute $*" >>"$CRM_DIR/log"
node=local name= value= query=
while [ $# -gt 0 ]; do
        case $1 in
        --node) node=$2; shift ;;
        --name) name=$2; shift ;;
        --update) value=$2; shift ;;
        --query) query=1 ;;
        esac
        shift
done
f="$CRM_DIR/$node.$name"
if [ -n "$query" ]; then
        [ -f "$f" ] || { echo "crm_attribute: Error performing operation: No such device or address" >&2; exit 105; }
        cat "$f"
else
        echo "$value" >"$f"
fi
FAKE
cat >"$work/crm_resource" <<'FAKE'
#!/bin/bash
echo "crm_resource $*" >>"$CRM_DIR/log"
[ "$2" != missing ] || { echo "crm_resource: Resource 'missing' not found" >&2; echo "Error performing operation: No such object" >&2; exit 105; }
FAKE
chmod +x "$work/crm_attribute" "$work/crm_resource"
export CRM_DIR="$work/crm" VGPUCTL_CRM_ATTRIBUTE="$work/crm_attribute" VGPUCTL_CRM_RESOURCE="$work/crm_resource"
writes() { grep -c -- '--update' "$CRM_DIR/log" || true; }
value() { cat "$CRM_DIR/$1"; }

# Three T4s, one T4-4Q running on 0000:3b:00.0; each GPU pinned to one profile.
fresh placement
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}, "addresses": ["0000:3b:00.0", "0000:5e:00.0"]}'
profile t4-1q '{"mdev_type": {"name": "GRID T4-1Q"}, "addresses": ["10000:01:00.0"]}'
profile gvt '{"mdev_type": {"name": "GVTg_V5_4"}}'
profile vf '{"sriov_vf": {"pf": ["0000:01:00.0"]}}'

# The totals: two T4s of 4 T4-4Q (one in use counts), one of 16 T4-1Q; a VF profile is not published.
expect 0 0 "$VGPUCTL" pacemaker publish --node n1
check "t4-4q is 8" [ "$(value n1.vgpu_t4-4q)" = 8 ]
check "t4-1q is 16" [ "$(value n1.vgpu_t4-1q)" = 16 ]
check "gvt profile published" [ -f "$CRM_DIR/n1.vgpu_gvt" ]
check "no VF profile published" not [ -e "$CRM_DIR/n1.vgpu_vf" ]
check "written: the three" [ "$(writes)" = 3 ]
grep -q '^vgpu_t4-4q=8 written (unset)$' "$work/out" && pass || fail "publish says: $(cat "$work/out")"
grep -q -- '--type=nodes --node n1 --utilization --name vgpu_t4-4q --update 8' "$CRM_DIR/log" && pass ||
        fail "crm_attribute not asked for node utilization: $(cat "$CRM_DIR/log")"

# Written only when it changed: a second run queries and writes nothing.
expect 0 0 "$VGPUCTL" pacemaker publish --node n1
check "nothing written twice" [ "$(writes)" = 3 ]
grep -q '^vgpu_t4-1q=16 unchanged$' "$work/out" && pass || fail "second publish says: $(cat "$work/out")"

# A cordoned GPU keeps what runs on it and offers no more: 3b (1 in use) + 5e cordoned (0).
expect 0 0 "$VGPUCTL" cordon 0000:5e:00.0
expect 0 0 "$VGPUCTL" pacemaker publish --node n1 --dry-run
check "dry run writes nothing" [ "$(writes)" = 3 ]
grep -q '^vgpu_t4-4q=4 would be written (was 8)$' "$work/out" && pass || fail "dry run says: $(cat "$work/out")"
expect 0 0 "$VGPUCTL" pacemaker publish --node n1
check "only the changed one written" [ "$(writes)" = 4 ]
check "t4-4q is 4 with 5e cordoned" [ "$(value n1.vgpu_t4-4q)" = 4 ]
expect 0 0 "$VGPUCTL" cordon 0000:3b:00.0
expect 0 0 "$VGPUCTL" pacemaker publish --node n1
check "the in-use T4-4Q still counts on a cordoned GPU" [ "$(value n1.vgpu_t4-4q)" = 1 ]
expect 0 0 "$VGPUCTL" uncordon 0000:3b:00.0
expect 0 0 "$VGPUCTL" uncordon 0000:5e:00.0

# Equal-size NVIDIA GPUs: a GPU two profiles may use counts for neither, and the admin is told.
profile t4-1q '{"mdev_type": {"name": "GRID T4-1Q"}}'
expect 0 2 "$VGPUCTL" pacemaker publish --node n1
check "shared GPUs leave t4-4q at 0" [ "$(value n1.vgpu_t4-4q)" = 0 ]
check "t4-1q keeps the GPU only it may use" [ "$(value n1.vgpu_t4-1q)" = 16 ]
grep -q "profile t4-4q: 2 mdev parents left out, on a GPU another profile may use too; pin each GPU" "$work/err" &&
        pass || fail "no sentence about shared GPUs: $(cat "$work/err")"
profile t4-1q '{"mdev_type": {"name": "GRID T4-1Q"}, "addresses": ["10000:01:00.0"]}'

# Without --node the tool picks the local node; the tool's failure is one sentence.
: >"$CRM_DIR/log"
expect 0 0 "$VGPUCTL" pacemaker publish
check "no --node passed" not grep -q -- '--node' "$CRM_DIR/log"
VGPUCTL_CRM_ATTRIBUTE="$work/none" expect 1 1 "$VGPUCTL" pacemaker publish
grep -q "cannot run $work/none: no such program; install pacemaker-cli-utils" "$work/err" && pass ||
        fail "missing tool: $(cat "$work/err")"
VGPUCTL_CRM_ATTRIBUTE=false expect 1 1 "$VGPUCTL" pacemaker publish --node n1
grep -q "cannot read utilization vgpu_gvt of n1: false exited 1" "$work/err" && pass || fail "failing tool: $(cat "$work/err")"
expect 2 1 "$VGPUCTL" pacemaker publish extra
expect 2 1 "$VGPUCTL" pacemaker
expect 2 1 "$VGPUCTL" pacemaker frobnicate
expect 0 0 "$VGPUCTL" pacemaker --help
expect 0 0 "$VGPUCTL" pacemaker publish --help
expect 0 0 "$VGPUCTL" pacemaker demand --help

# demand: one unit per device of each profile, sorted by profile.
D=11111111-2222-3333-4444-555555555555
domain vm1 $D "      <vgpu:mdev uuid='aaaaaaaa-2222-3333-4444-555555555555' profile='t4-4q'/>
      <vgpu:mdev uuid='bbbbbbbb-2222-3333-4444-555555555555' profile='t4-4q'/>
      <vgpu:mdev uuid='cccccccc-2222-3333-4444-555555555555' profile='t4-1q'/>" >"$work/vm1.xml"
expect 0 0 "$VGPUCTL" pacemaker demand --xml "$work/vm1.xml"
check "demand printed" [ "$(cat "$work/out")" = "vgpu_t4-1q=1
vgpu_t4-4q=2" ]
: >"$CRM_DIR/log"
expect 0 0 "$VGPUCTL" pacemaker demand --xml - --apply vm1 <"$work/vm1.xml"
grep -q -- '^crm_resource --resource vm1 --utilization --set-parameter vgpu_t4-4q --parameter-value 2$' \
        "$CRM_DIR/log" && pass || fail "crm_resource calls: $(cat "$CRM_DIR/log")"
expect 1 1 "$VGPUCTL" pacemaker demand --xml "$work/vm1.xml" --apply missing
grep -q "cannot set utilization vgpu_t4-1q of resource missing: .* exited 105: crm_resource: Resource 'missing' not found$" \
        "$work/err" && pass || fail "missing resource: $(cat "$work/err")"
# Fixed addresses cannot follow a VM to another node: refused in cluster mode.
domain vf1 $D "      <vgpu:vf address='0000:01:00.1' profile='vf'/>" >"$work/vf1.xml"
expect 1 1 "$VGPUCTL" pacemaker demand --xml "$work/vf1.xml"
grep -q "names a fixed PCI device (line 6), which another node may hold: keep VF and whole-GPU VMs out of the cluster" \
        "$work/err" && pass || fail "VF domain: $(cat "$work/err")"
domain ty1 $D "      <vgpu:mdev uuid='aaaaaaaa-2222-3333-4444-555555555555' type='nvidia-224'/>" >"$work/ty1.xml"
expect 1 1 "$VGPUCTL" pacemaker demand --xml "$work/ty1.xml"
grep -q "asks for mdev type nvidia-224 without a profile" "$work/err" && pass || fail "type only: $(cat "$work/err")"
domain plain $D "" >"$work/plain.xml"
expect 0 1 "$VGPUCTL" pacemaker demand --xml "$work/plain.xml"
expect 2 1 "$VGPUCTL" pacemaker demand
expect 2 1 "$VGPUCTL" pacemaker demand vm1 --xml "$work/vm1.xml"

# Pacemaker's own tools on a CIB file: the values land as node and resource utilization.
if command -v crm_attribute >/dev/null && command -v cibadmin >/dev/null; then
        export CIB_file="$work/cib.xml"
        cibadmin --empty >"$CIB_file"
        cibadmin -C -o nodes -X '<node id="1" uname="n1"/>'
        cibadmin -C -o resources -X '<primitive id="vm1" class="ocf" provider="heartbeat" type="VirtualDomain"/>'
        unset VGPUCTL_CRM_ATTRIBUTE VGPUCTL_CRM_RESOURCE
        expect 0 0 "$VGPUCTL" pacemaker publish --node n1
        expect 0 0 "$VGPUCTL" pacemaker publish --node n1
        grep -c unchanged "$work/out" | grep -qx 3 && pass || fail "real crm_attribute, second run: $(cat "$work/out")"
        check "node utilization in the CIB" grep -q 'name="vgpu_t4-4q" value="8"' "$CIB_file"
        expect 0 0 "$VGPUCTL" pacemaker demand --xml "$work/vm1.xml" --apply vm1
        check "resource utilization in the CIB" grep -q 'id="vm1-utilization-vgpu_t4-4q" name="vgpu_t4-4q" value="2"' "$CIB_file"
        expect 1 1 "$VGPUCTL" pacemaker publish --node nosuchnode
else
        fail "Pacemaker's crm_attribute and cibadmin are missing (pacemaker-cli-utils, .ci/packages)"
fi

finish
