#!/bin/sh
# xml-templates/ are what users paste: each validates against libvirt's own
# schema (virt-xml-validate, Debian's libvirt-clients).
set -eu
: "${top_srcdir:?run through make check}"
command -v virt-xml-validate >/dev/null || { echo "virt-xml-validate is missing (apt-get install libvirt-clients)" >&2; exit 1; }
passed=0 failed=0
for f in "$top_srcdir"/xml-templates/*.xml; do
        if virt-xml-validate "$f" domain >/dev/null; then
                passed=$((passed + 1))
        else
                echo "FAIL: $f does not validate" >&2
                failed=$((failed + 1))
        fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
