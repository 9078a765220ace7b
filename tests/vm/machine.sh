#!/bin/bash
# The guest's libvirt, once before the scenarios (guest-init.sh).
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$SRCDIR/tests/vm/lib.sh"
vm_libvirt_config
t0=$(date +%s)
vm_libvirtd_start
echo "libvirtd up in $(($(date +%s) - t0))s; hooks: $(ls /etc/libvirt/hooks/qemu.d)"
