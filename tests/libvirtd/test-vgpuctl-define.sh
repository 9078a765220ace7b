#!/bin/bash
# End to end: the real vgpuctl's commands for defining VMs (issue 7) on the
# demo host — profiles, profile check, plan (golden outputs, NUMA), render
# (virt-xml-validate), attach/detach --config and render's VF choice against
# libvirt's test driver with a custom XML, define, cordon/uncordon — and that
# libvirt is loaded only by the commands that talk to it.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
VGPUCTL="$top_builddir/vgpuctl"
FAKEHOST="$top_builddir/tests/harness/vgpu-fakehost"
UUID5="$top_builddir/tests/harness/vgpu-uuid5"
GOLDEN="$top_srcdir/tests/golden"
export VGPUCTL_LIBVIRT_MODULE="$top_builddir/.libs/vgpuctl-libvirt.so"
unset VGPU_HOOK_ROOT
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top_srcdir/tests/harness/checklib.sh"
# golden NAME: $work/out is tests/golden/NAME
# (VGPU_GOLDEN_UPDATE=1 writes them instead: review the diff before committing.)
golden() {
        [ -z "${VGPU_GOLDEN_UPDATE:-}" ] || cp "$work/out" "$top_srcdir/tests/golden/$1"
        if cmp -s "$work/out" "$GOLDEN/$1"; then pass; else fail "output differs from $1: $(diff "$GOLDEN/$1" "$work/out" | head -20)"; fi
}

ROOT=$work/host
"$FAKEHOST" "$top_srcdir/tests/presets/demo.host" "$ROOT" >/dev/null
mkdir -p "$ROOT/etc/vgpu-hook"
cp -r "$top_srcdir/tests/data/etc/vgpu-hook/profiles.d" "$ROOT/etc/vgpu-hook/"
chmod -R u+w "$ROOT/etc"
printf '{"mdev_type": {"name": "GRID T4-1Q"}}\n' >"$ROOT/etc/vgpu-hook/profiles.d/t4-1q.json"
printf '{"mdev_type": {"name": "GRID T4-4Q"}, "numa": "strict"}\n' >"$ROOT/etc/vgpu-hook/profiles.d/t4-near.json"
V() { "$VGPUCTL" --root "$ROOT" "$@"; }

# ---- --help and usage errors -------------------------------------------------
for cmd in profiles "profile check" plan render attach detach start define cordon uncordon; do
        expect 0 0 V $cmd --help
        check "$cmd --help prints a usage" grep -q "^Usage: vgpuctl $cmd" "$work/out"
done
expect 2 1 V plan
expect 2 1 V plan --profile t4-4q --count 0
expect 2 1 V render
expect 2 1 V profile
expect 2 1 V attach vm1 --profile t4-4q
expect 2 1 V attach vm1 --profile t4-4q --live --config
expect 2 1 V attach vm1 --profile t4-4q --live --print-xml
expect 2 1 V detach vm1 --all --live --timeout 5000
expect 2 1 V detach vm1 --config
expect 2 1 V detach vm1 --config --all --uuid 3b0e1c2d-0000-4000-8000-00000000aa01
expect 2 1 V define
expect 2 1 V cordon
expect 2 1 V cordon ../x

# ---- libvirt is loaded only by the commands that talk to it -----------------
if ldd "$VGPUCTL" | grep -q libvirt; then fail "vgpuctl links libvirt"; else pass; fi
printf "<domain type='kvm'><name>vm1</name><memory>1048576</memory><os><type>hvm</type></os></domain>\n" >"$work/vm1.xml"
(
        export VGPUCTL_LIBVIRT_MODULE=/nonexistent/vgpuctl-libvirt.so
        expect 0 - V profiles
        expect 0 0 V profile check t4-4q
        expect 0 0 V plan --profile t4-4q
        expect 0 0 V render --profile t4-4q --profile mtty-2 "$work/vm1.xml"
        expect 1 1 V render --profile nvme-vf "$work/vm1.xml"
        check "without the module: one sentence" grep -q "cannot load the libvirt module" "$work/err"
        echo "$passed $failures" >"$work/counts"
)
read -r passed failures <"$work/counts"
if command -v strace >/dev/null; then
        # LeakSanitizer (--enable-sanitizers) cannot work under ptrace.
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
                strace -f -e trace=openat -o "$work/strace" "$VGPUCTL" --root "$ROOT" render --profile t4-4q \
                "$work/vm1.xml" >/dev/null
        check "render of an mdev profile opens no libvirt" not grep -q "libvirt" "$work/strace"
fi

# ---- profiles, profile check -------------------------------------------------
expect 0 0 V profiles
golden profiles-demo.txt
expect 0 0 V profiles --json
golden profiles-demo.json
expect 0 0 V profile check
expect 0 0 V profile check gpu-full
check "a GPU with mdevs is in use for passthrough" grep -q "0000:3b:00.0 *in use (mdev 3f2a6c1e" "$work/out"
expect 1 1 V profile check nope
printf '{"mdev_type": {"name": "GRID T4-4Q"}, "policy": "fill"}\n' >"$ROOT/etc/vgpu-hook/profiles.d/bad.json"
expect 1 2 V profile check bad
check "a bad profile names its position" grep -q "bad.json:1:.*policy" "$work/err"
expect 0 1 V profiles
rm "$ROOT/etc/vgpu-hook/profiles.d/bad.json"
printf '{"mdev_type": {"name": "GRID A100-4C"}}\n' >"$ROOT/etc/vgpu-hook/profiles.d/a100.json"
expect 1 1 V profile check a100
check "a profile nothing here serves" grep -q "served by no device here" "$work/err"
rm "$ROOT/etc/vgpu-hook/profiles.d/a100.json"

# ---- plan: golden outputs, NUMA ---------------------------------------------
expect 0 0 V plan --profile t4-4q --count 2
golden plan-t4-4q-2.txt
expect 0 0 V plan --profile t4-4q --count 2 --json
golden plan-t4-4q-2.json
expect 0 0 V plan --profile t4-1q
golden plan-t4-1q.txt
printf "<domain type='kvm'><name>n</name><numatune><memory nodeset='1'/></numatune></domain>\n" >"$work/strict.xml"
expect 1 1 V plan --profile t4-4q --count 2 --domain-xml "$work/strict.xml"
golden plan-numa-strict.txt
printf "<domain type='kvm'><name>n</name><numatune><memory mode='preferred' nodeset='1'/></numatune></domain>\n" >"$work/pref.xml"
expect 0 0 V plan --profile t4-4q --domain-xml "$work/pref.xml" --json
golden plan-numa-preferred.json
# libvirt's own set syntax: 0-7 without 4-7 is node 0's CPUs only
printf "<domain type='kvm'><name>n</name><vcpu cpuset='0-7,^4, ^5,^6,^7'>2</vcpu></domain>\n" >"$work/pin.xml"
expect 0 0 V plan --profile t4-near --domain-xml "$work/pin.xml"
golden plan-numa-vcpupin.txt
expect 0 0 V plan --profile nvme-vf --count 2 -c "test:///default"
golden plan-nvme-vf-2.txt

# ---- render ------------------------------------------------------------------
expect 0 0 V render --profile t4-4q --profile mtty-2 "$work/vm1.xml"
cp "$work/out" "$work/r1.xml"
check "render's output validates" virt-xml-validate "$work/r1.xml" domain
D=$(sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p' "$work/r1.xml")
check "the domain got a random (v4) UUID" grep -q '^[0-9a-f]\{8\}-[0-9a-f]\{4\}-4[0-9a-f]\{3\}-[89ab]' <<<"$D"
M0=$("$UUID5" "$D" 0) M1=$("$UUID5" "$D" 1)
check "mdev 0 is name-based" grep -q "<vgpu:mdev uuid=\"$M0\" profile=\"t4-4q\"/>" "$work/r1.xml"
check "mdev 1 is name-based" grep -q "<vgpu:mdev uuid=\"$M1\" profile=\"mtty-2\"/>" "$work/r1.xml"
check "hostdev 0 is a vfio-pci mdev" grep -q "<hostdev mode=\"subsystem\" type=\"mdev\" model=\"vfio-pci\" display=\"off\">" "$work/r1.xml"
check "one metadata element for our namespace" [ "$(grep -c "xmlns:vgpu" "$work/r1.xml")" = 1 ]
expect 0 0 V render --profile t4-4q - <"$work/r1.xml"
check "a second render keeps the UUID and takes the next index" grep -q "uuid=\"$("$UUID5" "$D" 2)\"" "$work/out"
check "...with the same <uuid>" grep -q "<uuid>$D</uuid>" "$work/out"
expect 2 1 V render "$work/vm1.xml"
check "no profile: a usage error, not a silent no-op (issue 21)" grep -q "render needs --profile P" "$work/err"
printf '<domain><name>x</name>' >"$work/bad.xml"
expect 1 1 V render --profile t4-4q "$work/bad.xml"
expect 1 1 V render --profile nope "$work/vm1.xml"
for x in "$top_srcdir"/xml-templates/*.xml; do
        expect 0 0 V render --profile mtty-2 --profile nvme-vf -c test:///default "$x"
        cp "$work/out" "$work/t.xml"
        check "render of $(basename "$x") adds a VF" grep -q "<vgpu:vf address=\"0000:01:00.[12]\"" "$work/t.xml"
        check "render of $(basename "$x") validates" virt-xml-validate "$work/t.xml" domain
done

expect 0 1 V render --console --profile t4-4q --profile t4-4q "$top_srcdir/xml-templates/vgpu-mdev-profile.xml"
cp "$work/out" "$work/console.xml"
check "render --console: the first vGPU added shows the console" \
        [ "$(grep -c "display=\"on\" ramfb=\"on\"" "$work/console.xml")" = 1 ]
check "...the other stays display='off'" [ "$(grep -c "display=\"off\"" "$work/console.xml")" = 2 ]
check "render --console validates" virt-xml-validate "$work/console.xml" domain
check "a domain without <graphics> gets a warning" grep -q "warning: the domain has no <graphics>" "$work/err"
expect 1 1 V render --console --profile t4-4q "$top_srcdir/xml-templates/vgpu-console.xml"
check "a second console vGPU is refused" grep -q "a console on a vGPU already" "$work/err"
expect 0 0 V render --profile t4-4q "$top_srcdir/xml-templates/vgpu-console.xml"
check "render on the console template adds a display='off' vGPU" [ "$(grep -c "display=\"on\"" "$work/out")" = 1 ]
expect 1 1 V render --console --profile nvme-vf -c test:///default "$work/vm1.xml"
check "--console needs a vGPU" grep -q "needs a vGPU of model vfio-pci" "$work/err"

# ---- against libvirt's test driver with a custom XML ----------------------
cat >"$work/node.xml" <<EOF
<node>
  <domain type='test'>
    <name>vm1</name>
    <uuid>5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01</uuid>
    <memory>1048576</memory>
    <os><type>hvm</type></os>
  </domain>
  <domain type='test'>
    <name>vfvm</name>
    <uuid>5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a02</uuid>
    <memory>1048576</memory>
    <os><type>hvm</type></os>
    <devices>
      <hostdev mode='subsystem' type='pci' managed='yes'>
        <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source>
      </hostdev>
      <hostdev mode='subsystem' type='pci' managed='no'>
        <source><address domain='0x0000' bus='0x82' slot='0x00' function='0x5'/></source>
      </hostdev>
    </devices>
  </domain>
</node>
EOF
T="test://$work/node.xml"
expect 0 0 V -c "$T" render --profile nvme-vf --profile l4-4q "$work/vm1.xml"
cp "$work/out" "$work/vf.xml"
check "render picks the VF no defined domain names" grep -q "<vgpu:vf address=\"0000:01:00.2\" profile=\"nvme-vf\"/>" "$work/vf.xml"
check "...and for vendor VFIO the free untyped VF" grep -q "<vgpu:vf address=\"0000:82:00.6\" profile=\"l4-4q\"/>" "$work/vf.xml"
check "a plain VF is managed" grep -q "type=\"pci\" managed=\"yes\"" "$work/vf.xml"
check "a vendor-VFIO VF is not" grep -q "type=\"pci\" managed=\"no\"" "$work/vf.xml"
check "the VF render validates" virt-xml-validate "$work/vf.xml" domain
expect 1 1 V -c "$T" render --profile nvme-vf --profile nvme-vf "$work/vm1.xml"
check "no VF left: one sentence with the reasons" grep -q "no free device (0000:01:00.1: named by a defined domain" "$work/err"
expect 1 1 V -c "test:///nonexistent/node.xml" render --profile nvme-vf "$work/vm1.xml"

M=$("$UUID5" 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01 0)
expect 0 0 V -c "$T" attach vm1 --profile t4-4q --profile nvme-vf --config --print-xml
cp "$work/out" "$work/attached.xml"
check "attach: the stored definition has the mdev hostdev" grep -q "<address uuid='$M'/>" "$work/attached.xml"
check "attach: and our metadata" grep -q "<vgpu:mdev uuid=\"$M\" profile=\"t4-4q\"/>" "$work/attached.xml"
check "attach: the VF no domain names" grep -q "<vgpu:vf address=\"0000:01:00.2\"" "$work/attached.xml"
expect 0 0 V -c "$T" attach vm1 --profile t4-4q --config
check "attach says what it added" grep -q "^added mdev $M (profile t4-4q, model vfio-pci)" "$work/out"
expect 1 1 V -c "$T" attach nope --profile t4-4q --config
expect 1 1 V -c "$T" attach vm1 --profile nope --config
expect 0 0 V -c "$T" detach vfvm --address 0000:01:00.1 --config --print-xml
check "detach --address drops the hostdev" not grep -q "function='0x1'" "$work/out"
check "detach --address keeps the other" grep -q "function='0x5'" "$work/out"
expect 1 1 V -c "$T" detach vfvm --all --config
expect 1 1 V -c "$T" detach vm1 --uuid "$M" --config
check "detach of a device the domain lacks says so" grep -q "names no such device" "$work/err"
expect 2 1 V -c "$T" detach vm1 --uuid not-a-uuid --config

# ---- attach --live: allocate, attach, undo when libvirt refuses --------------
# libvirt's test driver refuses the hot-plug of an mdev: 9.0 has no
# AttachDeviceFlags at all, 11.x has it but supports no mdev hostdev.  Its
# wording differs by version, so only vgpuctl's own sentence is checked, with
# libvirt's reason (whatever it says) in the parentheses.  The shim answers
# vgpuctl's own create and remove (no hook runs on hot-plug).
stores=$(cat "$ROOT/.fakehost/count" 2>/dev/null || echo 0)
# ASan (--enable-sanitizers) must come first in the initial library list.
asan=$(ldd "$VGPUCTL" 2>/dev/null | awk '$1 ~ /^libasan\.so/ { print $3 }')
expect 1 1 env LD_PRELOAD="${asan:+$asan:}$top_builddir/tests/harness/.libs/libkshim.so" VGPU_HOOK_ROOT="$ROOT" "$VGPUCTL" -c "$T" attach vm1 \
        --profile mtty-2 --live
check "attach --live undoes what libvirt refused ($(cat "$work/err"))" \
        grep -q "^vgpuctl: libvirt refused to attach mdev $M to 'vm1' ([^)].*); it was removed again and its lease dropped\$" "$work/err"
check "the mdev was created, then removed (2 stores)" [ "$(($(cat "$ROOT/.fakehost/count") - stores))" = 2 ]
check "no mdev $M is left" [ ! -e "$ROOT/sys/bus/mdev/devices/$M" ]
expect 0 0 V leases --json
check "no lease is left" not grep -q domain_uuid "$work/out"
expect 1 1 V -c "$T" attach vm1 --profile nvme-vf --live
check "a VF profile is for --config" grep -q "live attach is for vGPUs" "$work/err"
expect 1 1 V -c "$T" detach vm1 --all --live
check "detach --live --all of a domain holding nothing of ours" grep -q "holds no device leased by vgpu-hook" "$work/err"

# ---- start repairs, and inventory --committed ----------------------------------
# Test driver domains run unless <test:runstate> says 5 (shut off).  r1 runs with
# VF 0000:01:00.1; s1 names it too; s2 names a VF this host lacks; s4 is a clone of s3;
# s5 names a vendor-VFIO VF that has a vGPU type already (no lease of s5 set it).
stopped() { # stopped NAME UUID-SUFFIX METADATA HOSTDEVS
        printf "  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>\n"
        printf "    <name>%s</name><uuid>5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b%s</uuid>\n" "$1" "$2"
        printf "    <metadata><vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'>%s</vgpu:devices></metadata>\n" "$3"
        printf "    <memory>1048576</memory><os><type>hvm</type></os><devices>%s</devices>\n" "$4"
        printf "    <test:runstate>5</test:runstate>\n  </domain>\n"
}
vf() { echo "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x$1'/></source></hostdev>"; }
mdev() { echo "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='$1'/></source></hostdev>"; }
Q1=$("$UUID5" 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b03 0) Q2=$("$UUID5" 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b03 1)
{
        echo "<node>"
        echo "  <domain type='test'><name>r1</name><uuid>5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b00</uuid><memory>1048576</memory><os><type>hvm</type></os><devices>$(vf 1)</devices></domain>"
        stopped s1 01 "<vgpu:vf address='0000:01:00.1' profile='nvme-vf'/>" "$(vf 1)"
        stopped s2 02 "<vgpu:vf address='0000:01:00.7' profile='nvme-vf'/>" "$(vf 7)"
        stopped s3 03 "<vgpu:mdev uuid='$Q1' profile='t4-4q'/><vgpu:mdev uuid='$Q2' type='GRID T4-1Q'/>" "$(mdev "$Q1")$(mdev "$Q2")"
        stopped s4 04 "<vgpu:mdev uuid='$Q1' profile='t4-4q'/>" "$(mdev "$Q1")"
        stopped s5 05 "<vgpu:vf address='0000:82:00.4' profile='l4-4q'/>" \
                "<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' bus='0x82' slot='0x00' function='0x4'/></source></hostdev>"
        echo "</node>"
} >"$work/committed.xml"
TC="test://$work/committed.xml"
expect 0 0 V -c "$TC" start s1 --dry-run
check "start: a VF a running domain uses is swapped for a free one ($(cat "$work/out"))" \
        [ "$(cat "$work/out")" = "s1: vf 0000:01:00.1 -> 0000:01:00.2 (used by running domain r1)" ]
expect 0 0 V -c "$TC" start s2
check "start: a VF this host lacks is swapped too, then the domain starts ($(cat "$work/out"))" \
        [ "$(cat "$work/out")" = "$(printf 's2: vf 0000:01:00.7 -> 0000:01:00.2 (not on this host)\ns2: started')" ]
expect 0 0 V -c "$TC" start s4 --dry-run
check "start: a clone gets its own name-based UUID ($(cat "$work/out"))" \
        [ "$(cat "$work/out")" = "s4: mdev $Q1 -> $("$UUID5" 5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3b04 0) (named by domain s3)" ]
expect 0 0 V -c "$TC" start s5 --dry-run
check "start: a vendor-VFIO VF typed by someone else is swapped for an untyped one ($(cat "$work/out"))" \
        [ "$(cat "$work/out")" = "s5: vf 0000:82:00.4 -> 0000:82:00.5 (has vGPU type 941, not this domain's)" ]
expect 0 0 V -c "$TC" start s3 --dry-run
check "start: the source keeps its UUIDs" grep -q "^s3: nothing to repair$" "$work/out"
expect 1 1 V -c "$TC" start r1
check "start of a running domain" grep -q "domain 'r1' is running already" "$work/err"
expect 1 1 V -c "$TC" start nope
expect 2 1 V -c "$TC" start
expect 0 0 V -c "$TC" inventory --committed
golden inventory-committed.txt
expect 0 0 V -c "$TC" inventory --committed --json
golden inventory-committed.json

# ---- define -------------------------------------------------------------------
expect 0 0 V define --profile t4-4q
U=$(cat "$work/out")
F="$ROOT/etc/mdevctl.d/0000:3b:00.0/$U"
check "define packs onto the used T4 ($(ls "$ROOT"/etc/mdevctl.d/*))" [ -f "$F" ]
check "define writes mdevctl's format with the profile's attrs" \
        cmp -s "$F" <(printf '{\n  "mdev_type": "nvidia-224",\n  "start": "manual",\n  "attrs": [\n    {\n      "nvidia/vgpu_params": "frame_rate_limiter=0"\n    }\n  ]\n}')
expect 0 0 V define --profile mtty-2 --auto --uuid 3B0E1C2D-0000-4000-8000-0000000000D1
check "define --auto --uuid" grep -q '"start": "auto"' "$ROOT/etc/mdevctl.d/mtty/3b0e1c2d-0000-4000-8000-0000000000d1"
expect 1 1 V define --profile mtty-2 --uuid 3b0e1c2d-0000-4000-8000-0000000000d1
expect 1 1 V define --profile nvme-vf
expect 2 1 V define --profile t4-4q --uuid nope
# the definitions count as taken: 3 T4-4Q fit on 0000:3b:00.0, one is defined
expect 0 0 V define --profile t4-4q --parent 0000:3b:00.0
expect 0 0 V define --profile t4-4q --parent 0000:3b:00.0
expect 1 1 V define --profile t4-4q --parent 0000:3b:00.0
check "a full parent is refused, with its reason ($(cat "$work/err"))" \
        grep -q "profile t4-4q cannot be defined: 0000:3b:00.0 is full; stop a VM that uses it or pin another parent" "$work/err"

# ---- cordon / uncordon -------------------------------------------------------
printf '{\n  "log_level": "debug",\n  "lock_wait_ms": 300\n}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
expect 0 0 V cordon 0000:3B:00.0
check "cordon says so" grep -q "cordoned" "$work/out"
check "cordon keeps the other keys in order" \
        cmp -s "$ROOT/etc/vgpu-hook/vgpu-hook.conf" <(printf '{\n  "log_level": "debug",\n  "lock_wait_ms": 300,\n  "cordoned": [\n    "0000:3b:00.0"\n  ]\n}\n')
check "no temp file is left" [ "$(ls -A "$ROOT/etc/vgpu-hook")" = "$(printf 'profiles.d\nvgpu-hook.conf')" ]
expect 0 0 V cordon 0000:3b:00.0
check "a second cordon changes nothing" grep -q "was cordoned already" "$work/out"
expect 0 0 V cordon mtty
expect 1 1 V plan --profile t4-4q --count 4 --json
check "plan shows the cordon" grep -q '"reason": "cordoned"' "$work/out"
expect 0 0 V profile check mtty-2 --json
check "profile check shows the cordon" grep -q '"reason": "cordoned"' "$work/out"
expect 1 1 V cordon 0000:ff:00.0
check "cordon of a device this host lacks" grep -q "no mdev parent or PCI device '0000:ff:00.0'" "$work/err"
expect 0 0 V uncordon 0000:3b:00.0
expect 0 0 V uncordon mtty
check "uncordon leaves an empty list" grep -q '"cordoned": \[\]' "$ROOT/etc/vgpu-hook/vgpu-hook.conf"
expect 0 0 V uncordon mtty
check "uncordon of what is not cordoned" grep -q "was not cordoned" "$work/out"
printf '{"log_level": "loud"}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
expect 1 1 V cordon mtty
check "a bad config is left alone" grep -q '"loud"' "$ROOT/etc/vgpu-hook/vgpu-hook.conf"
rm -r "$ROOT/etc/vgpu-hook/vgpu-hook.conf"
expect 0 0 V uncordon mtty
expect 0 0 V cordon mtty
check "cordon creates the config" grep -q '"mtty"' "$ROOT/etc/vgpu-hook/vgpu-hook.conf"

finish
