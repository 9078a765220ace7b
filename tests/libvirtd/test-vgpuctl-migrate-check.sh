#!/bin/bash
# End to end: the real `vgpuctl migrate-check DOMAIN DEST-URI`, with both
# hosts' libvirt played by libvirt's test driver with custom XML
# (test:///abs/path.xml): the source holds the domain, the destination node
# devices with mdev_types, mdevs, a PF with VFs, and domains of its own.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
VGPUCTL="$top_builddir/vgpuctl"
FAKEHOST="$top_builddir/tests/harness/vgpu-fakehost"
export VGPUCTL_LIBVIRT_MODULE="$top_builddir/.libs/vgpuctl-libvirt.so"
unset VGPU_HOOK_ROOT
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top_srcdir/tests/harness/checklib.sh"

U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
ROOT=$work/host
"$FAKEHOST" "$top_srcdir/tests/presets/t4.host" "$ROOT" >/dev/null
mkdir -p "$ROOT/etc/vgpu-hook/profiles.d"
P="$ROOT/etc/vgpu-hook/profiles.d"
printf '{"mdev_type": {"name": "GRID T4-4Q"}}\n' >"$P/t4-4q.json"
printf '{"mdev_type": {"name": "GRID T4-1Q"}}\n' >"$P/t4-1q.json"
printf '{"mdev_type": {"name": "GRID T4-8Q"}}\n' >"$P/t4-8q.json"
printf '{"mdev_type": {"id": "i915-GVTg_V5_4"}}\n' >"$P/gvt4.json"
printf '{"sriov_vf": {"pfs": ["0000:86:00.0"]}}\n' >"$P/mxgpu.json"
printf '{"nvidia_vgpu_type": "NVIDIA L4-4Q"}\n' >"$P/l4-4q.json"

# src SPECS HOSTDEVS: the source's test driver XML with domain vm1
src() {
        cat >"$work/src.xml" <<EOF
<node>
  <domain type='test'>
    <name>vm1</name>
    <uuid>$D1</uuid>
    <metadata><vgpu:devices xmlns:vgpu="http://vgpu-hook.org/xmlns/domain/1.0">$1</vgpu:devices></metadata>
    <memory>1048576</memory>
    <os><type>hvm</type></os>
    <devices>$2</devices>
  </domain>
  <domain type='test'>
    <name>plain</name>
    <memory>1048576</memory>
    <os><type>hvm</type></os>
  </domain>
</node>
EOF
}
mdev_hd() { printf "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='%s'/></source></hostdev>" "$1"; }
pci_hd() { printf "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='0x86' slot='%s' function='%s'/></source></hostdev>" "$1" "$2"; }
# gpu NAME BUS VENDOR TYPES: a PCI node device offering mdev types ("ID|NAME|AVAILABLE;...")
gpu() {
        local t id name avail
        printf "<device><name>%s</name><parent>computer</parent><capability type='pci'><class>0x030000</class>" "$1"
        printf "<domain>0</domain><bus>%d</bus><slot>0</slot><function>0</function>" "$2"
        printf "<product id='0x0001'>GPU</product><vendor id='%s'>V</vendor><capability type='mdev_types'>" "$3"
        IFS=';' read -ra t <<<"$4"
        for x in "${t[@]}"; do
                IFS='|' read -r id name avail <<<"$x"
                printf "<type id='%s'><name>%s</name><deviceAPI>vfio-pci</deviceAPI><availableInstances>%s</availableInstances></type>" "$id" "$name" "$avail"
        done
        printf "</capability></capability></device>\n"
}
mdev_dev() { # UUID: an mdev node device on pci_0000_3b_00_0
        printf "<device><name>mdev_%s_0000_3b_00_0</name><parent>pci_0000_3b_00_0</parent><capability type='mdev'><type id='nvidia-224'/><uuid>%s</uuid><iommuGroup number='30'/></capability></device>\n" "$(tr - _ <<<"$1")" "$1"
}
pf_and_vfs() { # a PF 0000:86:00.0 with VFs 86:02.0 .. 86:02.3
        printf "<device><name>pci_0000_86_00_0</name><parent>computer</parent><capability type='pci'><class>0x030000</class><domain>0</domain><bus>134</bus><slot>0</slot><function>0</function><product id='0x7312'>GPU</product><vendor id='0x1002'>AMD</vendor><capability type='virt_functions' maxCount='4'>"
        for f in 0 1 2 3; do printf "<address domain='0x0000' bus='0x86' slot='0x02' function='0x%d'/>" $f; done
        printf "</capability></capability></device>\n"
        for f in 0 1 2 3; do
                printf "<device><name>pci_0000_86_02_%d</name><parent>computer</parent><capability type='pci'><class>0x030000</class><domain>0</domain><bus>134</bus><slot>2</slot><function>%d</function><product id='0x7313'>VF</product><vendor id='0x1002'>AMD</vendor><capability type='phys_function'><address domain='0x0000' bus='0x86' slot='0x00' function='0x0'/></capability></capability></device>\n" $f $f
        done
}
dest_domain() { # NAME UUID DEVICES: a domain of the destination's own
        printf "<domain type='test'><name>%s</name><uuid>%s</uuid><memory>1048576</memory><os><type>hvm</type></os><devices>%s</devices></domain>\n" "$1" "$2" "$3"
}
dest() { { echo "<node>"; cat; echo "</node>"; } >"$work/dest.xml"; }
check_to() { # STATUS STDERR-LINES: migrate-check vm1 from the source to the destination
        expect "$1" "$2" "$VGPUCTL" --root "$ROOT" -c "test://$work/src.xml" migrate-check vm1 "test://$work/dest.xml"
}
says() { grep -q -- "$1" "$work/out" "$work/err"; }

# ---- usage ---------------------------------------------------------------------------------------
expect 0 0 "$VGPUCTL" migrate-check --help
check "--help prints a usage" grep -q "^Usage: vgpuctl migrate-check" "$work/out"
expect 2 1 "$VGPUCTL" migrate-check vm1
expect 2 1 "$VGPUCTL" migrate-check vm1 test:///default extra

# ---- mdevs: offered with room; a UUID taken there is said, not refused -------------------------------
src "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" "$(mdev_hd $U1)"
{ gpu pci_0000_3b_00_0 59 0x10de "nvidia-222|GRID T4-1Q|0;nvidia-224|GRID T4-4Q|3"; mdev_dev $U1; } | dest
check_to 0 0
check "room for T4-4Q: the move can work" says "^the move can work"
check "room counted per parent" says "GRID T4-4Q: room for 1 there, the domain needs 1 (pci_0000_3b_00_0: 3)"
check "the UUID present there is said" says "mdev $U1: profile t4-4q; its UUID is taken there (an mdev there has it)"
{ gpu pci_0000_3b_00_0 59 0x10de "nvidia-224|GRID T4-4Q|3"; dest_domain web1 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3aff "$(mdev_hd $U1)"; } | dest
check_to 0 0
check "a UUID a domain there names is said" says "its UUID is taken there (web1)"
# the domain itself defined there (an earlier offline migration) takes nothing from itself
{ gpu pci_0000_3b_00_0 59 0x10de "nvidia-224|GRID T4-4Q|3"; dest_domain vm1 $D1 "$(mdev_hd $U1)"; } | dest
check_to 0 0
check "the domain's own definition there: its UUID is not taken" not says "taken there"

# ---- mdevs: refusals ----------------------------------------------------------------------------
src "<vgpu:mdev uuid='$U1' profile='t4-1q'/>" "$(mdev_hd $U1)"
gpu pci_0000_3b_00_0 59 0x10de "nvidia-222|GRID T4-1Q|0;nvidia-224|GRID T4-4Q|3" | dest
check_to 1 1
check "T4-1Q with no instance left: refused" says "vgpuctl: domain vm1 cannot move to test://$work/dest.xml: GRID T4-1Q is offered there with room for 0, the domain needs 1"
src "<vgpu:mdev uuid='$U1' profile='t4-8q'/>" "$(mdev_hd $U1)"
check_to 1 1
check "a type not offered there: refused" says "GRID T4-8Q is not offered there (mdev $U1)"
src "<vgpu:mdev uuid='$U1' profile='gone'/>" "$(mdev_hd $U1)"
check_to 1 1
check "a profile unknown here: refused" says "mdev $U1: profile 'gone' does not exist here"
# NVIDIA: a VM's vGPUs on different physical GPUs
src "<vgpu:mdev uuid='$U1' profile='t4-4q'/><vgpu:mdev uuid='$U2' profile='t4-4q'/>" "$(mdev_hd $U1)$(mdev_hd $U2)"
gpu pci_0000_3b_00_0 59 0x10de "nvidia-224|GRID T4-4Q|3" | dest
check_to 1 1
check "two T4-4Q on one T4: refused, saying why" says "room for 1, the domain needs 2 (pci_0000_3b_00_0: 3; NVIDIA: one vGPU of a VM per physical GPU)"
{ gpu pci_0000_3b_00_0 59 0x10de "nvidia-224|GRID T4-4Q|3"; gpu pci_0000_5e_00_0 94 0x10de "nvidia-224|GRID T4-4Q|1"; } | dest
check_to 0 0
check "two T4-4Q on two T4s: the move can work" says "GRID T4-4Q: room for 2 there, the domain needs 2"
# elsewhere instances add up, matched by type id
specs="" hds=""
for i in 1 2 3 4 5; do
        u=3b0e1c2d-0000-4000-8000-00000000ab0$i
        specs="$specs<vgpu:mdev uuid='$u' profile='gvt4'/>" hds="$hds$(mdev_hd $u)"
        [ $i = 4 ] && src "$specs" "$hds"
done
gpu pci_0000_00_02_0 0 0x8086 "i915-GVTg_V5_4|GVTg_V5_4|4" | dest
check_to 0 0
check "four GVTg_V5_4 where four fit" says "i915-GVTg_V5_4: room for 4 there, the domain needs 4"
src "$specs" "$hds"
check_to 1 1
check "five GVTg_V5_4 where four fit: refused" says "room for 4, the domain needs 5 (pci_0000_00_02_0: 4)"

# ---- VFs: free VFs of the profile's PFs, less those the destination's domains name --------------------
src "<vgpu:vf address='0000:86:02.1' profile='mxgpu'/>" "$(pci_hd 2 1)"
{ pf_and_vfs; dest_domain web1 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3aff "$(pci_hd 2 1)$(pci_hd 2 2)"; } | dest
check_to 0 0
check "a VF profile with free VFs there" says "0000:86:02.1: profile mxgpu, 2 free VFs there, the domain needs 1"
src "<vgpu:vf address='0000:86:02.1' profile='mxgpu'/><vgpu:vf address='0000:86:02.2' profile='mxgpu'/><vgpu:vf address='0000:86:02.3' profile='mxgpu'/>" "$(pci_hd 2 1)$(pci_hd 2 2)$(pci_hd 2 3)"
check_to 1 1
check "three VFs where two are free: refused" says "profile mxgpu has 2 free VFs there, the domain needs 3"
src "<vgpu:vf address='0000:86:02.1' profile='l4-4q'/>" "$(pci_hd 2 1)"
check_to 0 0
check "a vendor-VFIO profile: left to the destination's hook" says "cannot be judged through libvirt"

# ---- domains that have nothing to check, or are not there ---------------------------------------------
expect 0 0 "$VGPUCTL" --root "$ROOT" -c "test://$work/src.xml" migrate-check plain "test://$work/dest.xml"
check "a plain domain: nothing to check" grep -q "nothing to check" "$work/out"
expect 1 1 "$VGPUCTL" --root "$ROOT" -c "test://$work/src.xml" migrate-check nosuch "test://$work/dest.xml"
check "an unknown domain: one sentence" grep -q "^vgpuctl: cannot read domain 'nosuch'" "$work/err"
expect 1 1 "$VGPUCTL" --root "$ROOT" -c "test://$work/src.xml" migrate-check vm1 "test://$work/missing.xml"
check "an unreachable destination: one sentence" grep -q "^vgpuctl: cannot connect to libvirt at test://$work/missing.xml" "$work/err"

finish
