#!/bin/bash
# make check-cluster: a real two-node Pacemaker cluster on this one machine
# (tests/cluster/README).  As root.
set -eu
: "${top_srcdir:?run through make check-cluster}" "${top_builddir:?run through make check-cluster}"
if [ -z "${VGPU_CLUSTER_UNSHARED:-}" ]; then
        export VGPU_CLUSTER_UNSHARED=1
        exec unshare -m --propagation private "$0" "$@"
fi
. "$top_srcdir/tests/checklib.sh"
W=$(mktemp -d /var/tmp/vgpu-cluster-XXXXXX)
NODE_PIDS=()
T0=$SECONDS

say() { echo "[$((SECONDS - T0)) s] $*"; }
cleanup() {
        local rc=$?
        for p in "${NODE_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
        for p in "${NODE_PIDS[@]}"; do while [ -e "/proc/$p" ]; do sleep 0.1; done; done
        if [ $rc != 0 ] || [ "$failures" != 0 ]; then
                for n in 1 2; do
                        for f in "$W/n$n/corosync.out" "$W/n$n/pacemakerd.out" "$W/n$n/var/log/pacemaker/pacemaker.log"; do
                                [ -s "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
                        done
                done
        fi
        rm -rf "$W"
}
trap cleanup EXIT

# on N CMD...: run CMD inside node N's namespaces
on() { local pid=${NODE_PIDS[$(($1 - 1))]}; shift; nsenter -t "$pid" -a "$@"; }
wait_for() { # wait_for SECONDS CMD...
        local n=$(($1 * 10))
        shift
        while ! "$@"; do
                n=$((n - 1))
                [ $n -gt 0 ] || return 1
                sleep 0.1
        done
}

corosync_conf() {
        cat <<CONF
totem {
        version: 2
        cluster_name: vgpu
        transport: knet
        crypto_cipher: none
        crypto_hash: none
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

# The CIB both nodes start from: cibadmin --empty, fast DC election, our options.
initial_cib() {
        export CIB_file=$W/cib.xml
        cibadmin --empty >"$CIB_file"
        crm_attribute --type=crm_config --name dc-deadtime --update 2s
        crm_attribute --type=crm_config --name stonith-enabled --update false
        crm_attribute --type=crm_config --name placement-strategy --update balanced
        cibadmin -C -o configuration -X '<rsc_defaults><meta_attributes id="rsc-options">
          <nvpair id="rsc-options-resource-stickiness" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>'
        unset CIB_file
}

node_dirs() {
        local n=$1 D=$W/n$1
        mkdir -p "$D/etc/corosync" "$D/var/lib/corosync" "$D/var/log/corosync"
        for d in blackbox cib cores pengine; do mkdir -p "$D/var/lib/pacemaker/$d"; done
        mkdir -p "$D/var/log/pacemaker"
        corosync_conf >"$D/etc/corosync/corosync.conf"
        cp "$W/cib.xml" "$D/var/lib/pacemaker/cib/cib.xml"
        chown -R hacluster:haclient "$D/var/lib/pacemaker" "$D/var/log/pacemaker"
        chmod 0750 "$D/var/lib/pacemaker"/*
}

child_of() { ps -o pid= --ppid "$1" | tr -d ' ' | grep .; }

start_node() {
        local n=$1 pid child
        unshare --net --mount --ipc --uts --pid --fork --mount-proc --propagation private \
                "$top_srcdir/tests/cluster/node.sh" "$n" "$W" </dev/null >"$W/n$n/node.out" 2>&1 &
        pid=$!
        # the node is unshare's child, the first process of the new PID namespace
        wait_for 5 child_of "$pid"
        NODE_PIDS[$((n - 1))]=$(child_of "$pid")
}

network() {
        ip link add vc1 type veth peer name vc2
        ip link set vc1 netns "${NODE_PIDS[0]}"
        ip link set vc2 netns "${NODE_PIDS[1]}"
        for n in 1 2; do
                nsenter -t "${NODE_PIDS[$((n - 1))]}" -n sh -c "ip link set lo up && ip addr add 10.231.0.$n/24 dev vc$n && ip link set vc$n up"
                touch "$W/n$n/net-ready"
        done
}

online() { # online NODE...: crm_mon on n1 shows them online
        local x
        x=$(on 1 crm_mon -1 --output-as=xml 2>/dev/null) || return 1
        for name in "$@"; do grep -q "<node name=\"$name\" [^>]*online=\"true\"" <<<"$x" || return 1; done
}

initial_cib
for n in 1 2; do node_dirs $n; done
for n in 1 2; do start_node $n; done
network
say "nodes started: pids ${NODE_PIDS[*]}"
wait_for 30 test -e "$W/n1/up" -a -e "$W/n2/up" && pass || fail "corosync not quorate on both nodes"
say "corosync quorate on both"
wait_for 60 online n1 n2 && pass || fail "n1 and n2 not both online"
say "both nodes online"
finish
