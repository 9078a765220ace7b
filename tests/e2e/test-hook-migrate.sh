#!/bin/bash
# The filters, end to end: the real vgpu-hook with `migrate begin` and
# `restore begin` on simulated hosts (docs/design.md §2.3, §4.5).  A rewrite only where a
# device the XML names cannot be used here, and then only its host-side
# source; nothing printed otherwise; a move that cannot work refused with one
# sentence; and never a lease, a device or a store: an offline migration runs
# migrate begin with no prepare or release after it.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh"

U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
U9=3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 # the T4-4Q the t4 preset runs (IOMMU group 21)
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
D2=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02
UUID5="$top_builddir/tests/harness/vgpu-uuid5"
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-migrate-XXXXXX")
trap 'cleanup; rm -rf "$X"' EXIT

# One canonical form for comparing XML: blanks dropped, re-indented.
canon() { xmllint --noblanks - | xmllint --format -; }
stores() { cat "$ROOT/.fakehost/count" 2>/dev/null || echo 0; }
# filters XMLFILE NAME: migrate begin and restore begin, each; $out/$err/$rc of the last
quiet() { # DESCRIPTION XMLFILE NAME: both filters exit 0 and print nothing
        local op
        for op in migrate restore; do
                hook "$2" "$3" $op begin -
                check "$1: $op begin exits 0 ($err)" [ "$rc" = 0 ]
                check "$1: $op begin prints nothing" [ -z "$out" -a -z "$err" ]
        done
}
refused() { # DESCRIPTION XMLFILE NAME PATTERN: both filters refuse with one sentence
        local op
        for op in migrate restore; do
                hook "$2" "$3" $op begin -
                check "$1: $op begin exits 1 (got $rc)" [ "$rc" = 1 ]
                check "$1: $op begin prints no XML" [ -z "$out" ]
                check "$1: $op begin, one sentence ($err)" [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]
                check "$1: $op begin says '$4' ($err)" grep -q -- "$4" <<<"$err"
        done
}
# rewritten DESCRIPTION XMLFILE NAME OP SED: OP begin printed the input as SED
# changes it, and nothing else changed ($out holds the output)
rewritten() {
        local d=$1 xml=$2 name=$3 op=$4 edit=$5
        hook "$xml" "$name" "$op" begin -
        check "$d: $op begin exits 0 ($err)" [ "$rc" = 0 -a -z "$err" ]
        printf '%s\n' "$out" >"$X/out.xml"
        sed "$edit" "$xml" | canon >"$X/want.xml"
        check "$d: $op begin printed the XML changed by '$edit' only" cmp -s "$X/want.xml" <(canon <"$X/out.xml")
        cmp -s "$X/want.xml" <(canon <"$X/out.xml") || diff "$X/want.xml" <(canon <"$X/out.xml") >&2 || true
}
# uuid FROM TO: the sed rewriting an mdev UUID everywhere
uuid() { printf 's|%s|%s|g' "$1" "$2"; }

# ---- mdev: the UUID stays unless taken here -----------------------------------------
fresh t4
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
capture_syslog
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm1.xml"
snapshot before
n0=$(stores)
quiet "a free UUID, room for T4-4Q" "$X/vm1.xml" vm1
LV="$top_srcdir/tests/data/libvirt-9.0"
quiet "libvirt 9.0's XML of a vGPU domain" "$LV/vgpu-prepare-begin.xml" capture-vgpu
snapshot after
check "nothing to rewrite: no lease, no store, host unchanged" same before after
check "nothing to rewrite: no store" [ "$(stores)" = "$n0" ]

# another domain (a clone, or a namesake) holds U1 here
domain vm2 $D2 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm2.xml"
hook "$X/vm2.xml" vm2 prepare begin -
check "vm2 prepared with U1 here ($err)" [ "$rc" = 0 ] && mdev_exists $U1
F0=$("$UUID5" $D1 0)
snapshot before
n0=$(stores)
for op in migrate restore; do
        rewritten "U1 leased to vm2" "$X/vm1.xml" vm1 $op "$(uuid $U1 "$F0")"
done
check "the fresh UUID is vm1's name-based UUID 0, in hostdev and metadata" \
        [ "$(grep -c "uuid=\"$F0\"" "$X/out.xml")" = 2 ]
check "the syslog says why the UUID changed" grep -q "mdev $U1 of domain vm1 is leased to domain vm2 here; it becomes $F0" "$ROOT/.syslog"
snapshot after
check "a rewrite takes no lease and touches nothing" same before after
check "a rewrite makes no store" [ "$(stores)" = "$n0" ]
check "vm2's lease is still vm2's alone" [ "$(lease_count)" = 1 ]

# libvirt's XML: the guest address and every other element stay
rewritten "libvirt 9.0's XML, U1 taken" "$LV/vgpu-prepare-begin.xml" capture-vgpu migrate "$(uuid $U1 "$("$UUID5" c0ffee00-1111-4222-8333-444455557777 0)")"
check "libvirt's XML: the guest PCI address stays" \
        grep -q "<address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x02\" function=\"0x0\"/>" "$X/out.xml"
check "libvirt's XML: one hostdev in, one out" [ "$(grep -c "<hostdev " "$X/out.xml")" = 1 ]

# the fresh UUID skips what the domain already names and what is taken here
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 "$F0" >"$X/two.xml"
rewritten "U1 taken, UUID 0 named by another hostdev" "$X/two.xml" vm1 migrate "$(uuid $U1 "$("$UUID5" $D1 1)")"
hook "$X/vm2.xml" vm2 release end -

# present here, idle, of the right type: used as it is, as prepare would
domain vm1 $D1 "<vgpu:mdev uuid='$U9' profile='t4-4q'/>" $U9 >"$X/present.xml"
quiet "present, idle, T4-4Q" "$X/present.xml" vm1
# ... but open by a VM: taken
mkdir -p "$ROOT/.fakehost/held" && : >"$ROOT/.fakehost/held/21"
rewritten "present and in use" "$X/present.xml" vm1 restore "$(uuid $U9 "$F0")"
check "the syslog names the open group" grep -q "mdev $U9 of domain vm1 is in use by a VM (IOMMU group 21 is open)" "$ROOT/.syslog"
rm "$ROOT/.fakehost/held/21"
# ... or of another type: taken, and then T4-1Q needs room the T4 does not have
profile t4-1q '{"mdev_type": {"name": "GRID T4-1Q"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U9' profile='t4-1q'/>" $U9 >"$X/other-type.xml"
snapshot before
refused "present as T4-4Q, wanted T4-1Q, the T4 holds T4-4Q" "$X/other-type.xml" vm1 "cannot create mdev $U9 here: 0000:3b:00.0 holds GRID T4-4Q, and an NVIDIA GPU runs one vGPU type at a time; stop the VMs on it or ask for that type"
snapshot after
check "refusals leave host and ledger unchanged" same before after

# ---- mdev: refusals -------------------------------------------------------------------
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-8q'/>" $U1 >"$X/unknown.xml"
refused "profile unknown here" "$X/unknown.xml" vm1 "profile 't4-8q' (mdev $U1) does not exist in /etc/vgpu-hook/profiles.d; see 'vgpuctl profiles'"
profile nvme-vf '{"sriov_vf": {"pfs": ["0000:01:00.0"]}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='nvme-vf'/>" $U1 >"$X/kind.xml"
refused "an mdev with a VF profile here" "$X/kind.xml" vm1 "profile 'nvme-vf' is a sriov_vf profile, but mdev $U1 needs an mdev_type profile"
# room counts the domain's own devices: the GVT-g GPU has room for 4 GVTg_V5_4
fresh gvtg
capture_syslog
profile gvt4 '{"mdev_type": {"name": "GVTg_V5_4"}}'
specs="" uuids=""
for i in 1 2 3 4 5; do
        u=3b0e1c2d-0000-4000-8000-00000000ab0$i
        specs="$specs<vgpu:mdev uuid='$u' profile='gvt4'/>" uuids="$uuids $u"
        # shellcheck disable=SC2086
        domain vm1 $D1 "$specs" $uuids >"$X/n$i.xml"
done
quiet "four GVTg_V5_4 where four fit" "$X/n4.xml" vm1
refused "five GVTg_V5_4 where four fit" "$X/n5.xml" vm1 "no parent here has room for a GVTg_V5_4 instance (mdev 3b0e1c2d-0000-4000-8000-00000000ab05)"
# NVIDIA: a VM's vGPUs on different GPUs, and the t4 preset has one
fresh t4
capture_syslog
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/><vgpu:mdev uuid='$U2' profile='t4-4q'/>" $U1 $U2 >"$X/two-t4.xml"
refused "two T4-4Q of one VM on one T4" "$X/two-t4.xml" vm1 "cannot create mdev $U2 here: this VM has a vGPU on the GPU of 0000:3b:00.0 already, and NVIDIA allows one per GPU"
printf '{"profiles_only": true}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
domain vm1 $D1 "<vgpu:mdev uuid='$U1' type='GRID T4-4Q'/>" $U1 >"$X/type.xml"
refused "type= where this host takes profiles only" "$X/type.xml" vm1 "accepts profiles only"
printf '{"lock_wait_ms": 300, "release_retries": 0}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
quiet "type= by its sysfs name" "$X/type.xml" vm1
domain vm1 $D1 "<vgpu:mdev uuid='$U1' type='nvidia-224'/>" $U1 >"$X/type-id.xml"
quiet "type= by its id" "$X/type-id.xml" vm1
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U2 >"$X/orphan.xml"
refused "metadata naming no hostdev" "$X/orphan.xml" vm1 "names mdev $U1, but no <hostdev> uses it"

# devices without our metadata are not ours to judge
domain vm1 $D1 "" $U1 >"$X/bare.xml"
quiet "a bare mdev hostdev, absent here" "$X/bare.xml" vm1
quiet "a plain domain" "$top_srcdir/tests/data/xml/plain.xml" plain

# ---- offline migration: migrate begin and nothing after it ------------------------------
fresh t4
capture_syslog
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
domain vm2 $D2 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm2.xml"
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm1.xml"
hook "$X/vm2.xml" vm2 prepare begin -
snapshot before
hook "$X/vm1.xml" vm1 migrate begin -
check "offline migration of vm1 (U1 taken by vm2): rewritten" [ "$rc" = 0 ] && grep -q "$F0" <<<"$out"
snapshot after
check "after the offline migration: no lease of vm1, no device made" same before after
check "after the offline migration: vm2's lease alone" [ "$(lease_count)" = 1 ] && not grep -q "$D1" <(leases)
# the destination's first start then prepares what the definition names (vgpuctl start's job)
sed "s|$U1|$F0|g" "$X/vm1.xml" >"$X/vm1-here.xml"
hook "$X/vm1-here.xml" vm1 prepare begin -
check "the rewritten definition starts here ($err)" [ "$rc" = 0 ] && mdev_exists "$F0"
hook "$X/vm1-here.xml" vm1 release end -
hook "$X/vm2.xml" vm2 release end -
check "all released" [ "$(lease_count)" = 0 ]

# ---- live migration between two hosts: the UUID kept, created at prepare ----------------
# What one kernel cannot show (make check-vm's scenario 13 runs both daemons on
# one): the source host runs vm1 with U1; the destination, another host, has
# U1 free, so its migrate begin prints nothing, its prepare creates U1 there
# (the same UUID, a lease it made), and the source's `release end migrated`
# removes the source's U1.  Each host is a root of its own.
fresh t4
SRC_ROOT=$ROOT ROOT=
fresh t4
DST_ROOT=$ROOT
trap 'cleanup; rm -rf "$X" "$SRC_ROOT"' EXIT
on() { ROOT=$1 && export VGPU_HOOK_ROOT=$1 VGPU_KSHIM_SYSLOG=$1/.syslog; } # the hooks that follow run on host ROOT
for r in "$SRC_ROOT" "$DST_ROOT"; do
        on "$r"
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        capture_syslog
done
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$X/vm1.xml"
on "$SRC_ROOT"
hook "$X/vm1.xml" vm1 prepare begin -
fake_qemu vm1 $D1
hook "$X/vm1.xml" vm1 started begin -
check "two hosts: vm1 runs on the source with U1" [ "$(lease_state $U1)" = active ] && mdev_exists $U1
on "$DST_ROOT"
hook "$X/vm1.xml" vm1 migrate begin -
check "two hosts: U1 free on the destination, migrate begin keeps it (prints nothing, exit 0)" \
        [ "$rc" = 0 -a -z "$out" -a -z "$err" ]
check "two hosts: migrate begin made nothing" [ "$(lease_count)" = 0 ] && not mdev_exists $U1
hook "$X/vm1.xml" vm1 prepare begin -
check "two hosts: the destination's prepare creates U1 ($err)" [ "$rc" = 0 ] && mdev_exists $U1
check "two hosts: ... as a lease it made" [ "$(lease_state $U1)" = prepared -a "$(lease_created $U1)" = true ]
fake_qemu vm1 $D1
hook "$X/vm1.xml" vm1 started begin -
check "two hosts: vm1 runs on the destination" [ "$(lease_state $U1)" = active ]
on "$SRC_ROOT"
qemu_exit vm1
hook "$X/vm1.xml" vm1 release end migrated
check "two hosts: the source's release end migrated removes its U1" \
        [ "$rc" = 0 -a "$(lease_count)" = 0 ] && not mdev_exists $U1
check "two hosts: the source logs the release as migrated" \
        grep -q "release end of domain $D1 vm1, shut off: migrated" "$SRC_ROOT/.syslog"
on "$DST_ROOT"
check "two hosts: the destination keeps U1, leased to vm1" mdev_exists $U1 && [ "$(lease_state $U1)" = active ]
# the destination holds the source's UUID: present, idle, of the type (an mdevctl
# device, or one the admin made; the t4 preset's U9): kept and used as it is, not ours to remove
qemu_exit vm1
hook "$X/vm1.xml" vm1 release end destroyed
domain vm1 $D1 "<vgpu:mdev uuid='$U9' profile='t4-4q'/>" $U9 >"$X/vm1-u9.xml"
hook "$X/vm1-u9.xml" vm1 migrate begin -
check "U9 present and idle on the destination: migrate begin keeps it" [ "$rc" = 0 -a -z "$out" -a -z "$err" ]
hook "$X/vm1-u9.xml" vm1 prepare begin -
check "U9 present and idle: prepare takes it, not as one it made ($err)" \
        [ "$rc" = 0 -a "$(lease_created $U9)" = false ]
hook "$X/vm1-u9.xml" vm1 release end migrated
check "U9 present and idle: the release leaves it" mdev_exists $U9 && [ "$(lease_count)" = 0 ]
rm -rf "$SRC_ROOT"

# ---- VFs: the same VF unless unusable here, else a free VF of the profile ----------------
fresh nvme-sriov
profile nvme-vf '{"sriov_vf": {"pfs": ["0000:01:00.0"]}}'
capture_syslog
vf_domain() { # NAME UUID VF-ADDRESS (kernel form): a domain with one <vgpu:vf> and its hostdev
        local b s f
        IFS=':.' read -r _ b s f <<<"$3"
        cat <<EOF
<domain type='kvm'>
  <name>$1</name>
  <uuid>$2</uuid>
  <metadata>
    <vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'>
      <vgpu:vf address='$3' profile='nvme-vf'/>
    </vgpu:devices>
  </metadata>
  <memory unit='KiB'>1048576</memory>
  <devices>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x$b' slot='0x$s' function='0x$f'/>
      </source>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>
    </hostdev>
  </devices>
</domain>
EOF
}
vf_domain vm1 $D1 0000:01:00.1 >"$X/vf1.xml"
snapshot before
n0=$(stores)
quiet "VF 01:00.1 free here" "$X/vf1.xml" vm1
# a VM holds its IOMMU group (10): a free VF of the PF instead
mkdir -p "$ROOT/.fakehost/held" && : >"$ROOT/.fakehost/held/10"
for op in migrate restore; do
        rewritten "VF 01:00.1 held by a VM" "$X/vf1.xml" vm1 $op "s|0000:01:00.1|0000:01:00.2|; s|function='0x1'|function='0x2'|"
done
check "the hostdev source moved to 01:00.2" \
        grep -q "<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x2\"/>" "$X/out.xml"
check "the guest address stayed" \
        grep -q "<address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x07\" function=\"0x0\"/>" "$X/out.xml"
check "still one hostdev, still type pci, still managed" \
        [ "$(grep -c "<hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">" "$X/out.xml")" = 1 ]
check "the syslog says why the VF moved" grep -q "0000:01:00.1 of domain vm1 is unusable here.*it becomes 0000:01:00.2" "$ROOT/.syslog"
rm "$ROOT/.fakehost/held/10"
# a VF that does not exist here (only 2 of 4 VFs enabled)
vf_domain vm1 $D1 0000:01:00.4 >"$X/vf4.xml"
hook "$X/vf4.xml" vm1 migrate begin -
check "VF 01:00.4 absent here: moved to a VF of the profile" \
        grep -q "address=\"0000:01:00.[12]\"" <<<"$out"
snapshot after
check "VF filters take no lease and touch nothing" same before after
check "VF filters make no store" [ "$(stores)" = "$n0" ]
# another domain's lease, from the real prepare: vm2 holds .1 (managed='no': already on vfio-pci)
sed "s|managed='yes'|managed='no'|; s|<name>vm1</name>|<name>vm2</name>|; s|$D1|$D2|" "$X/vf1.xml" >"$X/vf1-vm2.xml"
hook "$X/vf1-vm2.xml" vm2 prepare begin -
check "vm2 prepared VF 01:00.1 ($err)" [ "$rc" = 0 ] && grep -q '"device": "0000:01:00.1"' <(leases)
rewritten "VF 01:00.1 leased to vm2" "$X/vf1.xml" vm1 migrate "s|0000:01:00.1|0000:01:00.2|; s|function='0x1'|function='0x2'|"
check "the syslog names the lease" grep -q "0000:01:00.1 of domain vm1 is unusable here (leased (to domain vm2, prepared)); it becomes 0000:01:00.2" "$ROOT/.syslog"
quiet "vm2's own lease on its VF" "$X/vf1-vm2.xml" vm2
hook "$X/vf1-vm2.xml" vm2 release end -
check "vm2 released its VF" [ "$(lease_count)" = 0 ]
# no VF of the profile is free: .1 held by a VM, .2 cordoned
: >"$ROOT/.fakehost/held/10"
printf '{"lock_wait_ms": 300, "cordoned": ["0000:01:00.2"]}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
refused "no VF free" "$X/vf1.xml" vm1 "0000:01:00.1 of profile 'nvme-vf' cannot be used here (a VM holds it (IOMMU group 10 is open)), and no other device of the profile is free"
rm "$ROOT/.fakehost/held/10"
printf '{"lock_wait_ms": 300, "cordoned": ["0000:01:00.1"]}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
rewritten "VF 01:00.1 cordoned here" "$X/vf1.xml" vm1 migrate "s|0000:01:00.1|0000:01:00.2|; s|function='0x1'|function='0x2'|"
printf '{"lock_wait_ms": 300}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
domain vm1 $D1 "<vgpu:vf address='0000:01:00.1' profile='gone'/>" >"$X/vf-unknown.xml"
refused "VF profile unknown here" "$X/vf-unknown.xml" vm1 "profile 'gone' (VF 0000:01:00.1) does not exist in /etc/vgpu-hook/profiles.d"
profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
domain vm1 $D1 "<vgpu:vf address='0000:01:00.1' profile='t4-4q'/>" >"$X/vf-kind.xml"
refused "a VF with an mdev profile here" "$X/vf-kind.xml" vm1 "profile 't4-4q' is a mdev_type profile, but <vgpu:vf> 0000:01:00.1 needs a sriov_vf or nvidia_vgpu_type profile"

finish
