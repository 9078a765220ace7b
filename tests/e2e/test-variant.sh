#!/bin/bash
# End to end: VFIO variant drivers (issue 19) on the AMD V710-like preset,
# whose kernel has amd_vfio_pci for its VFs and vfio_pci for everything
# (tests/presets/v710.host).  A profile's "driver" is checked when read;
# render and attach --config write it as <driver model=> into the hostdev;
# the hook's prepare refuses a hostdev that names another driver or none,
# and a driver the running kernel lacks; the inventory shows the driver
# libvirt >= 10.0 would pick from modules.alias.  The rendered XML is
# validated against libvirt 11.3's schema (Debian 13) when the cached trixie
# root of tests/fresh is on this machine.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
export VGPUCTL_LIBVIRT_MODULE="$top_builddir/.libs/vgpuctl-libvirt.so"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-variant-XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT
V() { "$VGPUCTL" --root "$ROOT" "$@"; }
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b01

fresh v710
profile v710 '{"sriov_vf": {"pfs": ["0000:c3:00.0"]}, "driver": "amd-vfio-pci"}'
profile v710-any '{"sriov_vf": {"pfs": ["0000:c3:00.0"]}}'
printf "<domain type='kvm'>\n  <name>vm1</name>\n  <uuid>%s</uuid>\n  <memory unit='KiB'>1048576</memory>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices/>\n</domain>\n" $D1 >"$work/plain.xml"

# ---- the profile's driver is a kernel module name, on VF and passthrough profiles only ----
bad_profile() { # DESCRIPTION JSON PATTERN
        profile bad "$2"
        expect 1 - V profile check bad
        check "$1: refused ($(cat "$work/err" "$work/out"))" grep -q -- "$3" "$work/err" "$work/out"
        rm -f "$ROOT/etc/vgpu-hook/profiles.d/bad.json"
}
bad_profile "a driver name with a space" '{"sriov_vf": {"pfs": ["0000:c3:00.0"]}, "driver": "amd vfio"}' \
        "not a kernel driver name (letters, digits, '_' and '-', at most 55), e.g. \"vfio-pci\" or \"amd-vfio-pci\""
bad_profile "a driver path" '{"passthrough": {}, "vendor": "0x1002", "driver": "../vfio-pci"}' \
        "not a kernel driver name"
bad_profile "a driver on an mdev profile" '{"mdev_type": {"id": "x"}, "driver": "vfio-pci"}' \
        "only 'sriov_vf' and 'passthrough' profiles take a driver"
expect 0 - V profile check v710
check "a VF profile with driver amd-vfio-pci is good, and says its driver ($(cat "$work/out"))" \
        grep -q "^v710: VF of 0000:c3:00.0 on amd-vfio-pci; 4 devices here serve it" "$work/out"
expect 0 0 V profiles --json
check "profiles --json: what the profile gives, with its driver" python3 -c 'import json, sys
p = {x["name"]: x for x in json.load(open(sys.argv[1]))["profiles"]}
sys.exit(p["v710"]["what"] != "VF of 0000:c3:00.0 on amd-vfio-pci" or p["v710-any"]["what"] != "VF of 0000:c3:00.0")' "$work/out"

# ---- render writes <driver model=> into the hostdev, before its <source> ----
expect 0 0 V -c test:///default render --profile v710 "$work/plain.xml"
cp "$work/out" "$work/vm1.xml"
check "render: the hostdev names driver amd-vfio-pci ($(tr -d '\n' <"$work/vm1.xml"))" \
        grep -q '<driver model="amd-vfio-pci"/>' "$work/vm1.xml"
check "render: <driver> comes first in the hostdev, as libvirt writes it" \
        python3 -c 'import sys, xml.etree.ElementTree as ET
hd = ET.parse(sys.argv[1]).find("devices/hostdev")
sys.exit([c.tag for c in hd] != ["driver", "source"] or hd.get("managed") != "yes")' "$work/vm1.xml"
expect 0 0 V -c test:///default render --profile v710-any "$work/plain.xml"
check "render: a profile without a driver leaves the choice to libvirt" not grep -q '<driver' "$work/out"

# libvirt 11.3's schema (Debian 13) takes it; 9.0's (Debian 12) knows no model= on <driver>.
trixie=$(ls -d "${VGPU_FRESH_CACHE:-/var/cache/vgpu-hook-fresh}"/root-trixie-*/.ready 2>/dev/null | head -1)
if [ -n "$trixie" ] && command -v xmllint >/dev/null; then
        schemas=$(dirname "$trixie")/usr/share/libvirt/schemas
        check "the rendered XML validates against libvirt 11.3's domain.rng ($schemas)" \
                xmllint --noout --relaxng "$schemas/domain.rng" "$work/vm1.xml"
else
        echo "note: no cached trixie root (tests/fresh/check-fresh.sh SRCDIR --root trixie): libvirt 11.3's schema not checked"
fi
if command -v virt-xml-validate >/dev/null &&
        grep -A12 'name="hostdevDriver"' /usr/share/libvirt/schemas/basictypes.rng 2>/dev/null | grep -q 'name="model"'; then
        check "the rendered XML validates against this host's libvirt schema" virt-xml-validate "$work/vm1.xml" domain
fi

# ---- attach --config writes it into the stored definition too ----
cat >"$work/node.xml" <<EOF2
<node>
  <domain type='test'>
    <name>vm2</name><uuid>5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b02</uuid><memory>1048576</memory>
    <os><type>hvm</type></os><devices/>
  </domain>
</node>
EOF2
# libvirt before 10.0 (Debian 12's 9.0) drops the model= it does not know: attach says so at once
# instead of leaving a definition the hook refuses at start.
libvirt_major=$(python3 -c 'import ctypes, sys
v = ctypes.c_ulong()
ctypes.CDLL("libvirt.so.0").virGetVersion(ctypes.byref(v), None, None)
print(v.value // 1000000)' 2>/dev/null || echo 0)
if [ "$libvirt_major" -ge 10 ]; then
        expect 0 - V -c "test://$work/node.xml" attach vm2 --profile v710 --config
        check "attach --config reports the driver ($(cat "$work/out"))" \
                grep -q "added vf 0000:c3:00.1 (profile v710, managed=yes, driver amd-vfio-pci)" "$work/out"
        expect 0 - V -c "test://$work/node.xml" attach vm2 --profile v710 --config --print-xml
        check "attach --config: libvirt $libvirt_major stored the driver" grep -q "<driver model='amd-vfio-pci'/>" "$work/out"
elif [ "$libvirt_major" -gt 0 ]; then
        expect 1 1 V -c "test://$work/node.xml" attach vm2 --profile v710 --config
        check "attach --config on libvirt $libvirt_major: the dropped driver named ($(cat "$work/err"))" grep -qF \
                "libvirt stored 'vm2' without the <driver model='amd-vfio-pci'/> of 0000:c3:00.1 (libvirt before 10.0 does not know it and binds vfio-pci), so the hook will refuse the domain at start" \
                "$work/err"
fi
expect 0 - V -c "test://$work/node.xml" attach vm2 --profile v710-any --config
check "attach --config without a driver: as before ($(cat "$work/out"))" \
        grep -q "added vf 0000:c3:00.1 (profile v710-any, managed=yes)$" "$work/out"

# ---- prepare: the hostdev names the profile's driver, and the kernel has it ----
cycle() { # DESCRIPTION XML: prepare succeeds, release frees
        hook "$2" vm1 prepare begin -
        check "$1: prepare ($err)" [ "$rc" = 0 -a -z "$err" ]
        hook "$2" vm1 release end -
}
refused() { # DESCRIPTION XML PATTERN: prepare fails with one sentence, no lease left
        hook "$2" vm1 prepare begin -
        refusal "$1"
        check "$1: says '$3' ($err)" grep -qF -- "$3" <<<"$err"
        check "$1: no lease" [ "$(lease_count)" = 0 ]
}
cycle "the rendered definition" "$work/vm1.xml"
sed 's/<driver model="amd-vfio-pci"\/>/<driver model="amd_vfio_pci"\/>/' "$work/vm1.xml" >"$work/underscore.xml"
cycle "the module's own name (amd_vfio_pci), as modprobe takes it" "$work/underscore.xml"
sed '/<driver model=/d' "$work/vm1.xml" >"$work/none.xml"
line=$(grep -n '<hostdev' "$work/none.xml" | cut -d: -f1)
refused "a hostdev without the profile's driver" "$work/none.xml" \
        "profile 'v710' wants driver amd-vfio-pci for VF 0000:c3:00.1, but its <hostdev> (line $line) names none; add <driver model='amd-vfio-pci'/> to it"
sed 's/<driver model="amd-vfio-pci"\/>/<driver model="vfio-pci"\/>/' "$work/vm1.xml" >"$work/generic.xml"
refused "a hostdev that forces vfio-pci" "$work/generic.xml" "but its <hostdev> (line $line) names vfio-pci;"
sed 's/profile="v710"/profile="v710-any"/; s/<driver model="amd-vfio-pci"\/>/<driver model="xe-vfio-pci"\/>/' \
        "$work/vm1.xml" >"$work/xe.xml"
refused "a driver this kernel lacks" "$work/xe.xml" \
        "VF 0000:c3:00.1 (line $line) asks for driver xe-vfio-pci, but kernel 6.12.48+deb13-amd64 has no such module; install it or name another in the <hostdev>"
sed 's/profile="v710"/profile="v710-any"/' "$work/vm1.xml" >"$work/any.xml"
cycle "a profile without a driver takes the hostdev's (installed) one" "$work/any.xml"
sed 's/managed="yes"/managed="no"/' "$work/vm1.xml" >"$work/unmanaged.xml"
refused "managed='no' on a VF not bound to the driver" "$work/unmanaged.xml" \
        "VF 0000:c3:00.1 is on no driver, but its <hostdev> (line $line) is managed='no'; set managed='yes', or bind it to amd-vfio-pci first"
# the driver's module gone from the kernel (a kernel update without GIM's package)
modules=$ROOT/lib/modules/6.12.48+deb13-amd64
grep -v amd-vfio-pci "$modules/modules.dep" >"$work/dep" && cat "$work/dep" >"$modules/modules.dep"
expect 1 1 V profile check v710
check "profile check names the missing driver ($(cat "$work/out"))" grep -qF \
        "driver amd-vfio-pci is not installed for kernel 6.12.48+deb13-amd64 (not in /lib/modules/6.12.48+deb13-amd64/modules.dep); the hook refuses its VMs at start" \
        "$work/out"
refused "the profile's driver not installed" "$work/vm1.xml" "asks for driver amd-vfio-pci, but kernel 6.12.48+deb13-amd64 has no such module; install it, or change it in profile 'v710'"
# built into the kernel counts as there
echo "kernel/drivers/vfio/pci/amd-vfio-pci.ko" >"$modules/modules.builtin"
cycle "the driver built into the kernel (modules.builtin)" "$work/vm1.xml"
rm -rf "$ROOT/lib/modules"
refused "no module list for the running kernel" "$work/vm1.xml" \
        "asks for driver amd-vfio-pci, but kernel 6.12.48+deb13-amd64's module list is unreadable; install its modules"

# ---- inventory: the driver libvirt >= 10.0 picks, the most specific modules.alias match ----
fresh v710
expect 0 0 V inventory --json
check "inventory --json: the VFs' candidate is amd_vfio_pci, the PF's vfio_pci" python3 -c 'import json, sys
inv = json.load(open(sys.argv[1]))
got = {d["address"]: d["vfio_variant"] for d in inv["pci_devices"]}
want = {"0000:c3:00.0": "vfio_pci", **{"0000:c3:00.%d" % i: "amd_vfio_pci" for i in range(1, 5)}}
sys.exit(got != want or inv["schema_version"] != 6)' "$work/out"
expect 0 0 V inventory --wide
check "inventory --wide: a VFIO column" grep -q '^ADDRESS .* DRIVER *VFIO ' "$work/out"
check "inventory --wide: a VF's candidate" grep -q '^0000:c3:00.1 .* amd_vfio_pci ' "$work/out"
expect 0 0 V inventory
check "inventory without --wide: no VFIO column" not grep -q 'amd_vfio_pci' "$work/out"
# without the kernel's modules.alias the candidates are unknown, not guessed
rm "$ROOT/lib/modules/6.12.48+deb13-amd64/modules.alias"
expect 0 0 V inventory --json
check "inventory --json without modules.alias: null" python3 -c 'import json, sys
sys.exit(any(d["vfio_variant"] is not None for d in json.load(open(sys.argv[1]))["pci_devices"]))' "$work/out"
finish
