#!/bin/bash
# The reference for plain VMs: the usual bash dispatcher hook, running
# qemu.d/<vm>/<op>/<subop>/* (here none exist, as for most VMs).
for f in /etc/libvirt/hooks/qemu.d/"$1"/"$2"/"$3"/*; do
        [ -x "$f" ] && "$f" "$@"
done
exit 0
