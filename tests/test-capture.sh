#!/bin/sh
# The simulated host must match the real kernel's sysfs capture (see
# capture-diff.sh and tests/data/capture-allowlist.txt for what may differ).
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
exec bash "$top_srcdir/tests/capture-diff.sh" \
        "$top_builddir/tests/vgpu-fakehost" \
        "$top_srcdir/tests/presets" \
        "$top_srcdir/tests/data/sysfs-linux-6.1-mdev-samples-nvme-sriov.tar.gz" \
        "$top_srcdir/tests/data/capture-allowlist.txt"
