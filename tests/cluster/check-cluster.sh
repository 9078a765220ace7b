#!/bin/bash
# make check-cluster: a real two-node Pacemaker cluster on this one machine,
# each node with its own libvirtd, simulated host and vgpu-hook, and the
# capacity clone; vGPU VMs move on standby, on a killed node, and a split is
# fenced (tests/cluster/README).  As root.
set -eu
: "${top_srcdir:?run through make check-cluster}" "${top_builddir:?run through make check-cluster}"
export top_srcdir top_builddir
if [ -z "${VGPU_CLUSTER_UNSHARED:-}" ]; then
        export VGPU_CLUSTER_UNSHARED=1
        exec unshare -m --propagation private "$0" "$@"
fi
. "$top_srcdir/tests/libvirtd/libvirtd-lib.sh" # lv_plain_xml, the checks, VGPUCTL, FAKEHOST
W=$(mktemp -d /var/tmp/vgpu-cluster-XXXXXX)
export CHECK_FAILED_LOG=$W/failed-checks # checklib's fail() lists each failed check there
VMS="vm1 vm2 huge"
T0=$SECONDS
VFIO_MADE=

say() { echo "[$((SECONDS - T0)) s] $*"; }
node_pid() { cat "$W/n$1/pid"; }
cleanup() {
        local rc=$? p cmd=$BASH_COMMAND # in a trap: the command that ended the script
        [ $rc = 0 ] || [ "$cmd" = finish ] || echo "stopped by a failing command (exit $rc): $cmd" >>"$W/failed-checks"
        [ -n "${WATCHER:-}" ] && kill "$WATCHER" 2>/dev/null
        # every node ever started, by its unshare: a node's first process ends its namespaces
        for u in $(cat "$W/unshares" 2>/dev/null); do
                for p in $(child_of "$u" 2>/dev/null) $(node_pid 1 2>/dev/null) $(node_pid 2 2>/dev/null); do
                        kill -9 "$p" 2>/dev/null || true
                        while [ -e "/proc/$p" ]; do sleep 0.1; done
                done
        done
        if [ $rc != 0 ] || [ "$failures" != 0 ]; then
                for n in 1 2; do
                        for f in "$W/n$n/node.out" "$W/n$n/failed" "$W/n$n/lv/spy.log" \
                                "$W/n$n/var/log/pacemaker/pacemaker.log" "$W/n$n/lv/priv_var_log_libvirt/libvirtd.log"; do
                                [ -s "$f" ] && { echo "--- $f"; tail -n 40 "$f" | cut -c1-300; }
                        done
                done
                cat "$W/fence.log" 2>/dev/null
                # last, where a CI log's tail shows it: what failed
                echo "=== check-cluster failed:"
                cat "$W/failed-checks" 2>/dev/null
        fi
        [ -n "$VFIO_MADE" ] && rmdir /dev/vfio 2>/dev/null
        [ -n "${VGPU_CLUSTER_KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT

# on N CMD...: run CMD inside node N's namespaces
on() { local pid; pid=$(node_pid "$1"); shift; nsenter -t "$pid" -a "$@"; }

corosync_conf() {
        cat <<CONF
totem {
        version: 2
        cluster_name: vgpu
        transport: knet
        crypto_cipher: none
        crypto_hash: none
        # two CPUs shared by two nodes, their VMs and the tests: a loaded
        # machine must not look like a lost node
        token: 10000
}
nodelist {
        node {
                ring0_addr: 10.231.0.1
                name: n1
                nodeid: 1
        }
        node {
                ring0_addr: 10.231.0.2
                name: n2
                nodeid: 2
        }
}
quorum {
        provider: corosync_votequorum
        two_node: 1
}
logging {
        to_logfile: yes
        logfile: /var/log/corosync/corosync.log
        to_syslog: no
        to_stderr: no
        timestamp: on
}
CONF
}

# vm NAME N: a VM with N vGPUs of profile t4-4q, as an admin makes it (vgpuctl render),
# run by our QEMU wrapper; the XML both nodes read.
vm_xml() {
        lv_plain_xml "$1" | sed "s|<devices>|<devices><emulator>$W/qemu-novfio</emulator>|" >"$W/vms/$1.plain.xml"
        cp "$W/vms/$1.plain.xml" "$W/vms/$1.xml"
        for _ in $(seq "$2"); do
                "$VGPUCTL" render --root "$W/proto" --profile t4-4q "$W/vms/$1.xml" >"$W/vms/$1.new" &&
                        mv "$W/vms/$1.new" "$W/vms/$1.xml"
        done
}

# The CIB both nodes start from: cibadmin --empty, then fencing by the test's
# agent (n1's delayed, so in a split n1 wins), utilization placement, the
# capacity clone and the VMs with their demand (vgpuctl pacemaker demand --apply).
initial_cib() {
        export CIB_file=$W/cib.xml
        cibadmin --empty >"$CIB_file"
        crm_attribute --type=crm_config --name dc-deadtime --update 2s
        crm_attribute --type=crm_config --name stonith-enabled --update true
        crm_attribute --type=crm_config --name placement-strategy --update balanced
        cibadmin -C -o configuration -X '<rsc_defaults><meta_attributes id="rsc-options">
          <nvpair id="rsc-options-resource-stickiness" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>'
        for n in 1 2; do
                cibadmin -C -o resources -X "<primitive id='fence-n$n' class='stonith' type='fence_vgpu_test'>
  <instance_attributes id='fence-n$n-ia'>
    <nvpair id='fence-n$n-list' name='pcmk_host_list' value='n$n'/>
    <nvpair id='fence-n$n-check' name='pcmk_host_check' value='static-list'/>
    <nvpair id='fence-n$n-delay' name='pcmk_delay_base' value='$((n == 1 ? 5 : 0))s'/>
  </instance_attributes>
  <operations><op id='fence-n$n-monitor' name='monitor' interval='60s'/></operations></primitive>"
        done
        cibadmin -C -o resources -X "<clone id='capacity-clone'>
  <primitive id='capacity' class='ocf' provider='vgpu-hook' type='vgpu-capacity'>
    <instance_attributes id='capacity-ia'>
      <nvpair id='capacity-vgpuctl' name='vgpuctl' value='$top_builddir/vgpuctl'/>
      <nvpair id='capacity-root' name='root' value='/run/vgpu-sim'/>
    </instance_attributes>
    <operations><op id='capacity-monitor' name='monitor' interval='3s' timeout='20s'/></operations>
  </primitive></clone>"
        for vm in $VMS; do
                cibadmin -C -o resources -X "<primitive id='$vm' class='ocf' provider='heartbeat' type='VirtualDomain'>
  <instance_attributes id='$vm-ia'>
    <nvpair id='$vm-config' name='config' value='$W/vms/$vm.xml'/>
    <nvpair id='$vm-hv' name='hypervisor' value='qemu:///system'/>
    <nvpair id='$vm-force' name='force_stop' value='true'/>
    <nvpair id='$vm-ucpu' name='autoset_utilization_cpu' value='false'/>
    <nvpair id='$vm-uhv' name='autoset_utilization_hv_memory' value='false'/>
    <nvpair id='$vm-uhost' name='autoset_utilization_host_memory' value='false'/>
  </instance_attributes>
  <operations>
    <op id='$vm-start' name='start' interval='0' timeout='60s'/>
    <op id='$vm-stop' name='stop' interval='0' timeout='60s'/>
    <op id='$vm-monitor' name='monitor' interval='2s' timeout='30s'/>
  </operations></primitive>"
                "$VGPUCTL" pacemaker demand --xml "$W/vms/$vm.xml" --apply "$vm" >/dev/null
        done
        unset CIB_file
}

node_dirs() {
        local n=$1 D=$W/n$1
        rm -f "$D/up" "$D/net-ready" "$D/failed"
        mkdir -p "$D/etc/corosync" "$D/var/lib/corosync" "$D/var/log/corosync"
        for d in blackbox cib cores pengine; do mkdir -p "$D/var/lib/pacemaker/$d"; done
        mkdir -p "$D/var/log/pacemaker"
        corosync_conf >"$D/etc/corosync/corosync.conf"
        [ -e "$D/var/lib/pacemaker/cib/cib.xml" ] || cp "$W/cib.xml" "$D/var/lib/pacemaker/cib/cib.xml"
        chown -R hacluster:haclient "$D/var/lib/pacemaker" "$D/var/log/pacemaker"
        chmod 0750 "$D/var/lib/pacemaker"/*
}


child_of() { ps -o pid= --ppid "$1" | tr -d ' ' | grep .; }

start_node() {
        local n=$1 pid
        node_dirs "$n"
        unshare --net --mount --ipc --uts --pid --fork --mount-proc --propagation private \
                "$top_srcdir/tests/cluster/node.sh" "$n" "$W" </dev/null >>"$W/n$n/node.out" 2>&1 &
        pid=$!
        echo "$pid" >>"$W/unshares"
        # the node is unshare's child, the first process of the new PID namespace
        wait_for 30 child_of "$pid" >/dev/null
        child_of "$pid" >"$W/n$n/pid"
}

# link: a veth pair between the nodes (again, after one died), with their addresses.
# A killed node's network namespace is freed by the kernel later, in the
# background, and its veth pair with it: the survivor's end may still be
# there, so it is deleted first (deleting one end deletes the pair).
link() {
        local n
        for n in 1 2; do nsenter -t "$(node_pid $n)" -n ip link del "vc$n" 2>/dev/null || true; done
        ip link add vc1 netns "$(node_pid 1)" type veth peer name vc2 netns "$(node_pid 2)"
        for n in 1 2; do
                nsenter -t "$(node_pid $n)" -n sh -c "ip link set lo up && ip addr add 10.231.0.$n/24 dev vc$n && ip link set vc$n up"
                touch "$W/n$n/net-ready"
        done
}

# The fence agent's requests: kill the named node's namespaces (a power switch).
fence_watcher() {
        local req node p
        while sleep 0.1; do
                for req in "$W"/fence/n*.*; do
                        [ -e "$req" ] || continue
                        node=$(basename "$req" | cut -d. -f1)
                        p=$(cat "$W/$node/pid")
                        kill -9 "$p" 2>/dev/null || true
                        while [ -e "/proc/$p" ]; do sleep 0.05; done
                        echo "[$((SECONDS - T0)) s] $(cat "$req"): killed" >>"$W/fence.log"
                        rm -f "$req"
                done
        done
}

status() { on "$1" crm_mon -1 --output-as=xml 2>/dev/null | python3 "$top_srcdir/tests/e2e/crm-status.py" 2>/dev/null; }
online() { # online VIEW NODE...: crm_mon on node VIEW shows them online
        local view=$1 x name
        shift
        x=$(on "$view" crm_mon -1 --output-as=xml 2>/dev/null) || return 1
        for name in "$@"; do grep -q "<node name=\"$name\" [^>]*online=\"true\"" <<<"$x" || return 1; done
}
runs_on() { status "$1" | grep -x "$2 n$3" >/dev/null; } # runs_on VIEW VM N: Pacemaker says so
virsh_on() { on "$1" virsh -q -c qemu:///system "${@:2}"; }
running_here() { virsh_on "$1" list --name 2>/dev/null | grep -qx "$2"; } # the VM's QEMU runs on node N
mdevs() { ls "$W/n$1/lv/host/sys/bus/mdev/devices" 2>/dev/null | sort; }
vm_mdevs() { grep -o 'vgpu:mdev uuid="[^"]*"' "$W/vms/$1.xml" | cut -d'"' -f2 | sort; }
where() { local n; for n in 1 2; do if running_here $n "$1" 2>/dev/null; then echo $n; return; fi; done; }
published() { on "$1" crm_attribute --type=nodes --node "n$2" --utilization --name vgpu_t4-4q --query --quiet 2>/dev/null; }
has_mdevs_of() { mdevs "$1" | grep -qxf <(vm_mdevs "$2"); } # has_mdevs_of N VM

# Each node's mdevs are exactly those of the VMs its libvirt runs.
no_leak() {
        local n want vm
        for n in 1 2; do
                want=$(for vm in $VMS; do if running_here $n $vm; then vm_mdevs $vm; fi; done | sort)
                [ "$(mdevs $n)" = "$want" ] ||
                        { echo "n$n has mdevs '$(mdevs $n | tr '\n' ' ')', its VMs '$(echo $want)'" >&2; return 1; }
        done
}

# ---- setup ---------------------------------------------------------------------
for tool in corosync pacemakerd crm_mon cibadmin libvirtd qemu-system-x86_64 nsenter ip; do
        command -v $tool >/dev/null || { fail "$tool is missing (.ci/packages)"; finish; }
done
mkdir -p "$W/vms" "$W/fence" "$W/n1" "$W/n2"
[ -d /dev/vfio ] || { mkdir /dev/vfio && VFIO_MADE=1; }
cat >"$W/qemu-novfio" <<'Q'
#!/bin/bash
# QEMU without the vfio-pci device of a simulated mdev: the VM runs, its vGPU exists in the simulated host only.
args=()
while [ $# -gt 0 ]; do
        if [ "$1" = -device ] && [[ "$2" == *vfio-pci* ]]; then shift 2; continue; fi
        args+=("$1"); shift
done
exec qemu-system-x86_64 "${args[@]}"
Q
chmod +x "$W/qemu-novfio"
"$FAKEHOST" "$top_srcdir/tests/presets/t4.host" "$W/proto" >/dev/null
mkdir -p "$W/proto/etc/vgpu-hook/profiles.d"
printf '{"mdev_type": {"name": "GRID T4-4Q"}}\n' >"$W/proto/etc/vgpu-hook/profiles.d/t4-4q.json"
# One vGPU each: an NVIDIA GPU gives a VM one vGPU at most, and each node has one T4.
vm_xml vm1 1
vm_xml vm2 1
vm_xml huge 5
initial_cib
fence_watcher &
WATCHER=$!
for n in 1 2; do start_node $n; done
link
say "nodes started (pids $(node_pid 1) $(node_pid 2))"
check "corosync quorate on both nodes" wait_for 120 test -e "$W/n1/up" -a -e "$W/n2/up"
say "corosync quorate on both, their libvirtd running"
check "both nodes online" wait_for 60 online 1 n1 n2
say "both nodes online"
[ -z "${VGPU_CLUSTER_STOP:-}" ] || { on 1 crm_mon -1; finish; exit; }
check "the capacity clone publishes 4 T4-4Q for n1" wait_for 30 eval 'test "$(published 1 1)" = 4'
check "… and for n2" wait_for 30 eval 'test "$(published 1 2)" = 4'
say "capacity published"

# ---- placement -------------------------------------------------------------------
check "vm1 runs" wait_for 60 eval 'test -n "$(where vm1)"'
check "vm2 runs" wait_for 60 eval 'test -n "$(where vm2)"'
say "vm1 on n$(where vm1), vm2 on n$(where vm2)"
check "huge (5 vGPUs) fits nowhere and stays stopped" eval 'status 1 | grep -x "huge Stopped" >/dev/null'
check "placement: the hooks made exactly the running VMs' mdevs" no_leak

# ---- standby: the node of vm1 drained -------------------------------------------
from=$(where vm1)
to=$((3 - from))
t=$SECONDS
on 1 crm_attribute --type=nodes --node "n$from" --name standby --update on
check "standby: vm1 moves to n$to" wait_for 60 eval 'runs_on 1 vm1 $to && running_here $to vm1'
echo "standby of n$from: vm1 on n$to after $((SECONDS - t)) s" >>"$W/times"
say "$(tail -1 "$W/times")"
check "standby: n$from's hook freed vm1's mdevs" wait_for 10 not has_mdevs_of "$from" vm1
check "standby: n$to's hook made them" has_mdevs_of "$to" vm1
check "standby: no mdev leaks" no_leak
on 1 crm_attribute --type=nodes --node "n$from" --name standby --update off

# ---- a killed node ------------------------------------------------------------
victim=$(where vm1)
other=$((3 - victim))
t=$SECONDS
kill -9 "$(node_pid "$victim")"
check "kill: vm1 restarts on n$other" wait_for 90 eval 'runs_on $other vm1 $other && running_here $other vm1'
echo "n$victim killed: vm1 on n$other after $((SECONDS - t)) s" >>"$W/times"
say "$(tail -1 "$W/times")"
check "kill: n$victim was fenced" grep -q "fences n$victim" "$W/fence.log"
check "kill: vm1's mdevs are left on the dead n$victim" has_mdevs_of "$victim" vm1
start_node "$victim"
link
check "n$victim rejoins" wait_for 120 eval 'online 1 n1 n2 && online 2 n1 n2'
check "reconcile on n$victim frees the mdevs of the VM that died with it" \
        on "$victim" "$VGPUCTL" reconcile --root /run/vgpu-sim
check "after reconcile: no mdev leaks" wait_for 10 no_leak
say "n$victim back"

# ---- a split: fenced, no VM runs twice ------------------------------------------
: >"$W/twice"
(while sleep 0.2; do for vm in vm1 vm2; do
        if running_here 1 $vm && running_here 2 $vm; then echo "$vm" >>"$W/twice"; fi
done; done) 2>/dev/null &
sampler=$!
fenced_before=$(wc -l <"$W/fence.log")
since_split() { tail -n +$((fenced_before + 1)) "$W/fence.log"; }
t=$SECONDS
on 1 ip link set vc1 down
check "split: n2 is fenced (n1's fence device waits 5 s)" wait_for 60 eval 'since_split | grep -q "fences n2"'
check "split: vm1 and vm2 run on n1" \
        wait_for 90 eval 'runs_on 1 vm1 1 && runs_on 1 vm2 1 && running_here 1 vm1 && running_here 1 vm2'
echo "split: vm1 and vm2 on n1 after $((SECONDS - t)) s" >>"$W/times"
say "$(tail -1 "$W/times")"
kill "$sampler"
check "split: no VM ran on both nodes" test ! -s "$W/twice"
check "split: n1 was not fenced" not eval 'since_split | grep -q "fences n1"'
start_node 2
link
check "n2 rejoins" wait_for 120 eval 'online 1 n1 n2 && online 2 n1 n2'
on 2 "$VGPUCTL" reconcile --root /run/vgpu-sim >/dev/null
check "huge still stopped" eval 'status 1 | grep -x "huge Stopped" >/dev/null'
check "at the end: no mdev leaks on either node" wait_for 10 no_leak
echo "== failover times"
cat "$W/times"
echo "== fencing"
cat "$W/fence.log"
say "done"
finish
