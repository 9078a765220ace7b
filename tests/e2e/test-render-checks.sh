#!/bin/bash
# End to end (issue 21, point 6): render and attach refuse what the hook's
# prepare would refuse at start, with the hook's own sentence — metadata that
# names a device no <hostdev> uses, a profile of the wrong kind — and render
# without --profile is a usage error instead of a silent copy.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/checklib.sh"
export VGPUCTL_LIBVIRT_MODULE="$top_builddir/.libs/vgpuctl-libvirt.so"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'cleanup; rm -rf "$work"' EXIT
V() { "$VGPUCTL" --root "$ROOT" "$@"; }

fresh demo
cp "$top_srcdir"/tests/data/etc/vgpu-hook/profiles.d/*.json "$ROOT/etc/vgpu-hook/profiles.d/"
D=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3e01
# same HOSTDEV-UUID METADATA: the hook's and render's refusal of one definition
same() {
        domain vm1 $D "$2" "$1" >"$work/vm.xml"
        hook "$work/vm.xml" vm1 prepare begin -
        expect 1 1 V render --profile mtty-2 "$work/vm.xml"
        local theirs=${err#vgpu-hook: } ours
        ours=$(sed 's/^vgpuctl: //; s/; the hook would refuse the domain at start$//' "$work/err")
        check "the hook refuses it ($err)" [ "$rc" = 1 -a -n "$theirs" ]
        check "render refuses it with the hook's sentence (hook: $theirs | render: $ours)" [ "$ours" = "$theirs" ]
        check "...and prints no XML" [ ! -s "$work/out" ]
}
same 3b0e1c2d-0000-4000-8000-00000000e002 "      <vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000e001' profile='t4-4q'/>"
same 3b0e1c2d-0000-4000-8000-00000000e001 "      <vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000e001' profile='nvme-vf'/>"
same 3b0e1c2d-0000-4000-8000-00000000e001 "      <vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000e001' profile='no-such'/>"

# ---- attach --config refuses it too, and the definition stays as it was ---------------
cat >"$work/node.xml" <<EOF2
<node>
  <domain type='test'>
    <name>bad</name><uuid>$D</uuid><memory>1048576</memory><os><type>hvm</type></os>
    <metadata><vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'>
      <vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000e001' profile='t4-4q'/>
    </vgpu:devices></metadata>
    <devices/>
  </domain>
</node>
EOF2
expect 1 1 V -c "test://$work/node.xml" attach bad --profile mtty-2 --config --print-xml
check "attach --config refuses a definition the hook would refuse ($(cat "$work/err"))" \
        grep -q "names mdev 3b0e1c2d-0000-4000-8000-00000000e001, but no <hostdev> uses it.*the hook would refuse the domain at start" "$work/err"

# ---- render without a profile ------------------------------------------------------------
domain vm1 $D "" >"$work/plain.xml"
expect 2 1 V render "$work/plain.xml"
check "render without --profile is a usage error ($(cat "$work/err"))" grep -q "render needs --profile P" "$work/err"
finish
