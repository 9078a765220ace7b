#!/bin/sh
# The simulated hosts must match the real kernel's sysfs captures (see
# capture-diff.sh and the allow-lists for what may differ): the 6.1 capture
# of the first experiment (preset capture-6.1) and the one `make check-vm`
# takes in its guest (tests/vm/capture.sh; preset capture-vm-6.1).
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
d=$top_srcdir/tests/data rc=0
bash "$top_srcdir/tests/harness/capture-diff.sh" "$top_builddir/tests/harness/vgpu-fakehost" \
        "$top_srcdir/tests/presets/capture-6.1.host" \
        "$d/sysfs-linux-6.1-mdev-samples-nvme-sriov.tar.gz" "$d/capture-allowlist.txt" || rc=1
bash "$top_srcdir/tests/harness/capture-diff.sh" "$top_builddir/tests/harness/vgpu-fakehost" \
        "$top_srcdir/tests/presets/capture-vm-6.1.host" \
        "$d/sysfs-linux-6.1-vm.tar.gz" "$d/capture-vm-allowlist.txt" || rc=1
exit $rc
