#!/bin/sh
# xml-templates/ are what users paste: each validates against libvirt's own
# schema (virt-xml-validate, Debian's libvirt-clients); the rules the schema
# cannot say are checked here: at most one vGPU of a domain shows the console
# (display='on'), and it has ramfb and a <graphics> device to show it in.
set -eu
: "${top_srcdir:?run through make check}"
command -v virt-xml-validate >/dev/null || { echo "virt-xml-validate is missing (apt-get install libvirt-clients)" >&2; exit 1; }
passed=0 failed=0
fail() {
        echo "FAIL: $*" >&2
        failed=$((failed + 1))
}
for f in "$top_srcdir"/xml-templates/*.xml; do
        if virt-xml-validate "$f" domain >/dev/null; then
                passed=$((passed + 1))
        else
                fail "$f does not validate"
        fi
        displays=$(grep -c "<hostdev .*display='on'" "$f" || true)
        if [ "$displays" -gt 1 ]; then
                fail "$f: $displays vGPUs with display='on' (one per domain)"
        elif [ "$displays" = 1 ] && ! grep -q "display='on' ramfb='on'" "$f"; then
                fail "$f: the console vGPU has no ramfb='on' (nothing shows before the guest driver)"
        elif [ "$displays" = 1 ] && ! grep -q "<graphics " "$f"; then
                fail "$f: a console vGPU without a <graphics> device"
        else
                passed=$((passed + 1))
        fi
done
for t in vgpu-console windows-uefi-gpu; do # what virt-manager users ask for
        [ -f "$top_srcdir/xml-templates/$t.xml" ] && passed=$((passed + 1)) || fail "xml-templates/$t.xml is missing"
done
grep -q "<os firmware='efi'>" "$top_srcdir/xml-templates/windows-uefi-gpu.xml" && passed=$((passed + 1)) ||
        fail "the Windows template does not boot by UEFI"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
