#!/bin/bash
# vgpuctl doctor on simulated hosts: a healthy one passes every check; then
# one broken host per check, each showing only that check failing (✘ with
# its fix) and exit 1.  The license check talks to a listener on loopback.
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
PY=python3
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-doctor-XXXXXX")
LISTENER=
trap 'cleanup; [ -n "$LISTENER" ] && kill $LISTENER 2>/dev/null; rm -rf "$X"' EXIT
work=$X

# healthy: the doctor preset plus what a prepared host has.
healthy() {
        fresh doctor
        printf '{"sriov_vfs": {"0000:01:00.0": 2}}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        echo 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=/dev/sda1 ro intel_iommu=on iommu=pt quiet' \
                >"$ROOT/proc/cmdline"
        # modules: some in /proc/modules, some only in /sys/module (built in)
        printf '%s\n' 'vfio_pci 16384 0 - Live 0x0000000000000000' \
                'vfio_iommu_type1 45056 0 - Live 0x0000000000000000' \
                'nvidia_vgpu_vfio 65536 0 - Live 0x0000000000000000' >"$ROOT/proc/modules"
        mkdir -p "$ROOT/sys/module/vfio" "$ROOT/sys/module/mdev" "$ROOT/proc/4242"
        echo nvidia-vgpu-mgr >"$ROOT/proc/4242/comm"
        mkdir -p "$ROOT/usr/sbin" "$ROOT/etc/libvirt/hooks/qemu.d"
        printf '#!/bin/sh\n' >"$ROOT/usr/sbin/vgpu-hook"
        chmod 755 "$ROOT/usr/sbin/vgpu-hook"
        ln -s /usr/sbin/vgpu-hook "$ROOT/etc/libvirt/hooks/qemu.d/vgpu-hook"
        mkdir -p "$ROOT/sys/kernel/security/apparmor"
        printf '%s\n' '/usr/sbin/libvirtd (enforce)' 'libvirt-3b0e1c2d (enforce)' '/usr/sbin/vgpu-hook (enforce)' \
                >"$ROOT/sys/kernel/security/apparmor/profiles"
}

doctor() { expect "$1" 0 "$VGPUCTL" doctor --root "$ROOT" "${@:2}"; }
fails() { grep -c '^✘' "$X/out" || true; }
passes() { grep -c '^✔' "$X/out" || true; }

# broken WHAT PATTERN [ARGS]: after the caller broke the host, doctor exits 1
# with exactly one ✘, matching PATTERN, followed by its fix.
broken() {
        local what=$1 pattern=$2
        shift 2
        doctor 1 "$@"
        check "$what: one check fails ($(grep '^✘' "$X/out" | tr '\n' '|'))" [ "$(fails)" = 1 ]
        check "$what: it is the one broken ('$pattern')" grep -q "^✘ .*$pattern" "$X/out"
        check "$what: with its fix" grep -A1 '^✘' "$X/out" | grep -q '^    fix: .'
        check "$what: the summary says so" grep -q ' 1 failed' "$X/out"
}

# ---- a healthy host -------------------------------------------------------------
healthy
doctor 0
check "healthy: 10 checks pass ($(cat "$X/out"))" [ "$(passes)" = 10 -a "$(fails)" = 0 ]
for line in '^✔ IOMMU on: 6 IOMMU groups \(intel_iommu=on iommu=pt\)$' \
            '^✔ vfio and mdev modules loaded' '^✔ nouveau not loaded$' '^✔ 1 mdev parent, 0 NVIDIA' \
            '^✔ NVIDIA vGPU manager running' '^✔ VF counts as configured on 1 PF$' \
            '^✔ hook installed: /etc/libvirt/hooks/qemu.d/vgpu-hook -> /usr/sbin/vgpu-hook$' \
            '^✔ AppArmor profile for vgpu-hook loaded \(enforce\)$' '^✔ configuration and 1 profile valid$' \
            '^✔ lease ledger: none yet \(no vGPU VM since boot\)$' '^10 passed, 0 failed$'; do
        check "healthy: a line matches '$line'" grep -Eq "$line" "$X/out"
done

# ---- one broken host per check ---------------------------------------------------
healthy; rm -rf "$ROOT"/sys/kernel/iommu_groups/*
broken "no IOMMU" "IOMMU off: .*(kernel options: intel_iommu=on iommu=pt)"

healthy; sed -i '/^vfio_iommu_type1 /d' "$ROOT/proc/modules"
broken "vfio_iommu_type1 missing" "kernel modules not loaded: vfio_iommu_type1$"
healthy; rm -rf "$ROOT/sys/module/mdev"
broken "mdev missing" "kernel modules not loaded: mdev$"

healthy; echo 'nouveau 2445312 0 - Live 0x0000000000000000' >>"$ROOT/proc/modules"
broken "nouveau loaded" "nouveau is loaded"

healthy; rm "$ROOT/sys/class/mdev_bus/0000:3b:00.0"
broken "no mdev parent" "no mdev parent (/sys/class/mdev_bus) and no NVIDIA vendor-VFIO VF"

healthy; rm -rf "$ROOT/proc/4242"
broken "vGPU manager stopped" "NVIDIA vGPU manager not running, but 0000:3b:00.0 is an NVIDIA GPU"

healthy; printf '{"sriov_vfs": {"0000:01:00.0": 3}}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
broken "VF count differs" "0000:01:00.0"
check "VF count differs: the fix is sriov apply" grep -q "fix: vgpuctl sriov apply" "$X/out"

healthy; rm "$ROOT/etc/libvirt/hooks/qemu.d/vgpu-hook"
broken "hook not linked" "hook not installed: no vgpu-hook in /etc/libvirt/hooks/qemu.d"
healthy; rm "$ROOT/usr/sbin/vgpu-hook"
broken "hook link dangling" "hook /etc/libvirt/hooks/qemu.d/vgpu-hook -> /usr/sbin/vgpu-hook is not usable: its target does not exist"
healthy; chmod 644 "$ROOT/usr/sbin/vgpu-hook"
broken "hook not executable" "is not usable: not executable"
# (a link that escapes the root resolves inside it: the real /usr/sbin is never judged)
healthy; rm "$ROOT/etc/libvirt/hooks/qemu.d/vgpu-hook"
ln -s ../../../../../../../bin/sh "$ROOT/etc/libvirt/hooks/qemu.d/vgpu-hook"
broken "hook link out of the root" "is not usable: its target does not exist"

healthy; sed -i '/vgpu-hook/d' "$ROOT/sys/kernel/security/apparmor/profiles"
broken "AppArmor profile not loaded" "AppArmor is on and no profile for vgpu-hook is loaded"
healthy; rm -rf "$ROOT/sys/kernel/security/apparmor"
mkdir -p "$ROOT/sys/fs/selinux/booleans"
echo 1 >"$ROOT/sys/fs/selinux/enforce"
echo '0 0' >"$ROOT/sys/fs/selinux/booleans/virt_hooks_unconfined"
broken "SELinux enforcing, boolean off" "SELinux enforcing and virt_hooks_unconfined off"
echo '1 1' >"$ROOT/sys/fs/selinux/booleans/virt_hooks_unconfined"
doctor 0
check "SELinux enforcing, boolean on: passes" grep -q '^✔ SELinux enforcing, virt_hooks_unconfined on$' "$X/out"
echo 0 >"$ROOT/sys/fs/selinux/enforce"
echo '0 0' >"$ROOT/sys/fs/selinux/booleans/virt_hooks_unconfined"
doctor 0
check "SELinux permissive: passes" grep -q '^✔ SELinux permissive, virt_hooks_unconfined off$' "$X/out"

healthy; profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"},
  "policy": "random"}'
broken "bad profile" "profile invalid: /etc/vgpu-hook/profiles.d/t4-4q.json:2:13: "
healthy; printf '{"sriov_vfs": {"0000:01:00.0": 2},\n "lock_wait_ms": "soon"}\n' >"$ROOT/etc/vgpu-hook/vgpu-hook.conf"
broken "bad config" "configuration invalid: /etc/vgpu-hook/vgpu-hook.conf:2:18: "
check "bad config: the VF counts are not judged, not failed" grep -q '^– VF counts: not judged' "$X/out"

# ---- the lease ledger: readable, ours, consistent with the host (issue 25) --------------
HAND=3f2a6c1e-5b7d-4e0a-9c41-0d3e8b7a2f10 # on the t4 preset
GONE=3b0e1c2d-0000-4000-8000-00000000dd01
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
ledger() { # JSON-LEASES: a private ledger holding them
        mkdir -m 0700 -p "$ROOT/run/vgpu-hook"
        printf '{"version": 1, "leases": [%s]}' "$1" >"$ROOT/run/vgpu-hook/ledger.json"
        chmod 0600 "$ROOT/run/vgpu-hook/ledger.json"
}
lease() { # STATE DEVICE
        printf '{"domain_uuid": "%s", "domain_name": "vm1", "state": "%s", "kind": "mdev", "device": "%s", "created": true, "hook": {"pid": 0, "start": 0}, "libvirtd": {"pid": 0, "start": 0}, "qemu_pid": 0, "since": 0}' \
                $D1 "$1" "$2"
}
healthy; ledger "$(lease active $HAND)"
doctor 0
check "a consistent ledger passes" grep -q '^✔ lease ledger: 1 lease, consistent with the host$' "$X/out"
healthy; ledger "$(lease active $GONE)"
broken "a lease on a gone device" "lease ledger: the active lease of domain vm1 names mdev $GONE, which is gone"
check "a lease on a gone device: reconcile drops it" grep -q "fix: 'vgpuctl reconcile' drops the leases of gone devices" "$X/out"
healthy; ledger "$(lease releasing $HAND)"
broken "an unfinished release" "lease ledger: mdev $HAND of domain vm1 was not freed (its release did not finish)"
healthy; ledger ""
mkdir -p "$ROOT/etc/mdevctl.d/0000:3b:00.0"
printf '{"mdev_type": "nvidia-224", "start": "manual", "attrs": []}' >"$ROOT/etc/mdevctl.d/0000:3b:00.0/$HAND"
broken "an mdev the hook starts, with no lease" "lease ledger: mdev $HAND (manual mdevctl definition) runs, but no lease names it"
healthy; ledger ""
printf 'garbage' >"$ROOT/run/vgpu-hook/ledger.json.damaged-20261207T203000"
doctor 0
check "a rebuilt ledger passes, says so" grep -q "^✔ lease ledger: 0 leases, consistent with the host (rebuilt since boot" "$X/out"
healthy; ledger "$(lease active $HAND)"
printf '{"version": 1, "leases": [' >"$ROOT/run/vgpu-hook/ledger.json"
broken "a damaged ledger" "lease ledger /run/vgpu-hook/ledger.json damaged (.*)"
check "a damaged ledger: says what will happen" \
        grep -q "fix: nothing is refused for it: the next hook or 'vgpuctl reconcile' keeps it as /run/vgpu-hook/ledger.json.damaged-TIME" "$X/out"
check "a damaged ledger: doctor leaves it" [ "$(cat "$ROOT/run/vgpu-hook/ledger.json")" = '{"version": 1, "leases": [' ]
healthy; ledger ""
chmod 0755 "$ROOT/run/vgpu-hook"
broken "a ledger directory others may read" "lease ledger unusable: /run/vgpu-hook: is owned by .* with mode 0755; it must be"
healthy; ledger ""
sed -i 's/"version": 1/"version": 2/' "$ROOT/run/vgpu-hook/ledger.json"
broken "a ledger from a newer version" "lease ledger unusable: .*version 2 is newer than this vgpu-hook"

# ---- the license server: a listener on loopback ---------------------------------------
healthy
$PY -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(120)' >"$X/port" &
LISTENER=$!
for _ in $(seq 100); do [ -s "$X/port" ] && break; sleep 0.05; done
PORT=$(cat "$X/port")
doctor 0 --license-server "127.0.0.1:$PORT"
check "license server listening: 11 checks pass" [ "$(passes)" = 11 -a "$(fails)" = 0 ]
check "license server listening: says reachable" grep -q "^✔ license server 127.0.0.1 port $PORT reachable over TCP$" "$X/out"
doctor 0 --license-server "localhost:$PORT"
check "license server by name: reachable" grep -q "^✔ license server localhost port $PORT reachable" "$X/out"
kill $LISTENER
wait $LISTENER 2>/dev/null || true
LISTENER=
broken "license server gone" "license server 127.0.0.1 port $PORT not reachable: Connection refused" \
        --license-server "127.0.0.1:$PORT"
broken "license server unknown" "license server vgpu-doctor-test.invalid port 443 not reachable" \
        --license-server vgpu-doctor-test.invalid
# a malformed server is the command line's fault: a usage error before any check (issue 21)
expect 2 1 "$VGPUCTL" doctor --root "$ROOT" --license-server '[::1'
check "license server malformed: a usage error that names it" grep -qF "HOST:PORT with PORT 1 to 65535, not '[::1'" "$work/err"

# ---- usage ------------------------------------------------------------------------------
expect 2 1 "$VGPUCTL" doctor extra
expect 2 - "$VGPUCTL" doctor --license-server
expect 0 0 "$VGPUCTL" doctor --help
finish
