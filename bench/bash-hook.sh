#!/bin/sh
# The reference: an mdev hook as people write them today (one VM's mdev,
# type and parent hard-coded, the UUID grepped out of the XML).
# Paths carry $VGPU_HOOK_ROOT only so that it runs on the simulated host.
PARENT=0000:20:00.0
TYPE=nvidia-224
xml=$(cat)
uuid=$(printf '%s' "$xml" | grep -o "address uuid='[0-9a-f-]*'" | head -n 1 | cut -d"'" -f2)
case "$2/$3" in
prepare/begin)
        echo "$uuid" >"$VGPU_HOOK_ROOT/sys/class/mdev_bus/$PARENT/mdev_supported_types/$TYPE/create" || exit 1 ;;
release/end)
        echo 1 >"$VGPU_HOOK_ROOT/sys/bus/mdev/devices/$uuid/remove" ;;
esac
exit 0
