# 12: the hook's AppArmor profile enforced by a real kernel (Debian's 6.1
# has AppArmor on).  The profile `make install` put in SYSCONFDIR/apparmor.d
# names the installed hook and module; once loaded it confines the hook
# whoever runs it (AppArmor attaches by the executable's path, also below
# an unconfined libvirtd).  A VM with an mdev starts and stops through the
# confined hook (prepare, started, release) without one denial; the same
# hook sent to a root prefix the profile does not allow is denied, so the
# profile is enforced, not merely loaded.  Unloaded at the end.
mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
[ -e /sys/kernel/security/apparmor/profiles ] || fail "the guest kernel has no AppArmor"
command -v apparmor_parser >/dev/null || fail "apparmor_parser is missing (apt-get install apparmor)"
hook=$(command -v vgpu-hook)
prof=$(dirname "$(dirname "$hook")")/etc/apparmor.d/usr.sbin.vgpu-hook
[ -f "$prof" ] || fail "make install put no AppArmor profile at $prof"
denials() { dmesg | grep 'apparmor="DENIED"' | grep -c 'profile="vgpu-hook"' || true; }
before=$(denials)

note "load $prof"
apparmor_parser -r "$prof"
trap 'apparmor_parser -R "$prof" 2>/dev/null || true' EXIT
grep -qx 'vgpu-hook (enforce)' /sys/kernel/security/apparmor/profiles ||
	fail "vgpu-hook is not enforced: $(cat /sys/kernel/security/apparmor/profiles)"

note "a VM with an mtty mdev, through the confined hook"
vm_profile serial '{"mdev_type": {"name": "Single port serial"}, "attrs": [{"uevent": "change"}]}'
vm_xml aa1 >in.xml
vgpuctl render --profile serial in.xml >aa1.xml
uuid=$(sed -n "s/.*<address uuid=[\"']\([^\"']*\)[\"'].*/\1/p" aa1.xml | head -1)
[ -n "$uuid" ] || fail "render named no mdev: $(cat aa1.xml)"
vm_define aa1 aa1.xml
vm_start aa1 || fail "aa1 did not start under the confined hook: $VM_ERR"
assert_mdev "$uuid"
vm_holds aa1 "$uuid"
l=$(vgpuctl leases --json)
assert_contains "$l" '"state": "active"' "the lease after started (QEMU's pid file and /proc, confined)"
vm_destroy aa1
wait_for 30 test ! -e "/sys/bus/mdev/devices/$uuid" || fail "release did not remove mdev $uuid"
assert_no_leases
[ "$(denials)" = "$before" ] ||
	fail "AppArmor denied the hook: $(dmesg | grep 'apparmor="DENIED"' | grep 'profile="vgpu-hook"' | tail -5)"

note "a root prefix outside the profile is denied"
# the profile exists there: a missing file would fail before AppArmor judges it
mkdir -p /tmp/aa-root/etc/vgpu-hook/profiles.d /tmp/aa-root/sys
cp /etc/vgpu-hook/profiles.d/serial.json /tmp/aa-root/etc/vgpu-hook/profiles.d/
printf '{"root": "/tmp/aa-root"}\n' >/etc/vgpu-hook/vgpu-hook.conf
if out=$("$hook" aa1 prepare begin - <aa1.xml 2>&1); then fail "the hook read a root prefix the profile forbids: $out"; fi
echo "hook: $out"
[ "$(($(denials) - before))" -gt 0 ] || fail "no AppArmor denial for /tmp/aa-root: $(dmesg | tail -5)"
dmesg | grep 'apparmor="DENIED"' | grep 'profile="vgpu-hook"' | tail -3
rm -f /etc/vgpu-hook/vgpu-hook.conf
