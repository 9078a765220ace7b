#!/bin/bash
# End to end (issue 21, point 1): PCI addresses as lspci and nvidia-smi print
# them ("3b:00.0", any case) mean the same device as the kernel's
# "0000:3b:00.0" everywhere a person types one — config cordons, cordon and
# uncordon, define --parent, profile "addresses", detach --address — and a
# configured address that names no device here is reported by doctor and
# profile check instead of being silently ignored.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
VGPUCTL="$top_builddir/vgpuctl"
export VGPUCTL_LIBVIRT_MODULE="$top_builddir/.libs/vgpuctl-libvirt.so"
unset VGPU_HOOK_ROOT
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$top_srcdir/tests/harness/checklib.sh"

ROOT=$work/host
demo_root "$ROOT"
CONF=$ROOT/etc/vgpu-hook/vgpu-hook.conf
V() { "$VGPUCTL" --root "$ROOT" "$@"; }
# reason ADDRESS: plan's reason for the T4 at ADDRESS (from $work/out, plan --json)
reason() { tr -d ' \n' <"$work/out" | sed 's/},{/}\n{/g' | grep "\"name\":\"$1\"" | sed 's/.*"reason":"\([^"]*\)".*/\1/'; }

# ---- a cordon in the configuration, written as lspci writes it ---------------
printf '{"cordoned": ["3B:00.0"]}\n' >"$CONF"
expect 0 0 V plan --profile t4-4q --json
check "placement skips the T4 cordoned as 3B:00.0 ($(reason 0000:3b:00.0))" [ "$(reason 0000:3b:00.0)" = cordoned ]
expect 1 - V doctor # the demo host lacks modules and the vGPU manager
check "doctor passes a cordon that names a device here" grep -q "✔ configuration and [0-9]* profiles valid" "$work/out"
expect 0 0 V uncordon 3b:00.0
check "uncordon 3b:00.0 lifts the cordon written 3B:00.0 ($(cat "$work/out"))" \
        [ "$(cat "$work/out")" = "0000:3b:00.0 uncordoned" ]
expect 0 0 V plan --profile t4-4q --json
check "and placement sees it lifted" [ "$(reason 0000:3b:00.0)" != cordoned ]

# ---- cordon and uncordon on the command line ----------------------------------
expect 0 0 V cordon 3b:00.0
check "cordon 3b:00.0 names the device as the kernel does ($(cat "$work/out"))" \
        [ "$(cat "$work/out")" = "0000:3b:00.0 cordoned" ]
check "the config holds the kernel's spelling" grep -q '"0000:3b:00.0"' "$CONF"
expect 0 0 V cordon 0000:3b:00.0
check "the long form is the same cordon" grep -q "was cordoned already" "$work/out"
expect 1 1 V cordon 3c:00.0
check "a short address this host lacks is refused as such" grep -q "no mdev parent or PCI device '0000:3c:00.0'" "$work/err"
expect 0 0 V uncordon 3b:00.0
check "uncordon 3b:00.0" [ "$(cat "$work/out")" = "0000:3b:00.0 uncordoned" ]
check "the config holds no cordon" not grep -q '3b:00.0' "$CONF"

# ---- a configured address that names no device here ---------------------------
printf '{"cordoned": ["0000:99:00.0"]}\n' >"$CONF"
expect 1 - V doctor
check "doctor names the cordon that protects nothing" \
        grep -q '"cordoned" names 0000:99:00.0, which is not on this host' "$work/out"
rm "$CONF"
printf '{"mdev_type": {"name": "GRID T4-4Q"}, "addresses": ["3b:00.0"]}\n' >"$ROOT/etc/vgpu-hook/profiles.d/pinned.json"
expect 0 0 V profile check pinned
check "a profile pinned to 3b:00.0 is served by that T4 ($(head -1 "$work/out"))" \
        grep -q "^pinned: .*; 1 device here serves it" "$work/out"
printf '{"mdev_type": {"name": "GRID T4-4Q"}, "addresses": ["3b:00.0", "3c:00.0"]}\n' \
        >"$ROOT/etc/vgpu-hook/profiles.d/pinned.json"
expect 1 1 V profile check pinned
check "profile check names the address this host lacks" \
        grep -q '0000:3c:00.0 .*is in "addresses" but not on this host' "$work/out"
expect 1 - V doctor
check "doctor names it too" grep -q "profile pinned names 0000:3c:00.0, which is not on this host" "$work/out"
rm "$ROOT/etc/vgpu-hook/profiles.d/pinned.json"

# ---- define --parent ------------------------------------------------------------
expect 0 0 V define --profile t4-4q --parent 3b:00.0
check "define --parent 3b:00.0 defines on 0000:3b:00.0" [ -n "$(ls "$ROOT/etc/mdevctl.d/0000:3b:00.0/")" ]

expect 1 1 V define --profile t4-4q --parent 3b:00.1
check "a parent this host lacks is named as such, not as a lack of room ($(cat "$work/err"))" \
        grep -q "0000:3b:00.1 is not an mdev parent on this host; 'vgpuctl inventory' lists them" "$work/err"
expect 1 1 V define --profile mtty-2 --parent 3b:00.0
check "a parent without the type says so ($(cat "$work/err"))" \
        grep -q "0000:3b:00.0 does not offer Dual port serial; 'vgpuctl inventory' lists what it offers" "$work/err"

# ---- detach --address, against libvirt's test driver ----------------------------
cat >"$work/node.xml" <<'EOF'
<node>
  <domain type='test'>
    <name>vfvm</name><memory>1048576</memory><os><type>hvm</type></os>
    <devices>
      <hostdev mode='subsystem' type='pci' managed='yes'>
        <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/></source>
      </hostdev>
    </devices>
  </domain>
</node>
EOF
expect 0 0 V -c "test://$work/node.xml" detach vfvm --address 01:00.1 --config --print-xml
check "detach --address 01:00.1 drops that VF" not grep -q "function='0x1'" "$work/out"
finish
