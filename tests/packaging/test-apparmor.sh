#!/bin/bash
# The AppArmor profile of the hook (dist/apparmor, docs/admin-guide.md "Confinement: AppArmor and SELinux"):
# apparmor_parser compiles it (and refuses a broken copy), and every file the
# real hook opens, creates, renames, removes or locks during life cycles —
# strace'd on simulated hosts, the root prefix mapped back to / — is allowed
# by the compiled rules with the access it needs; what the hook must never
# touch is not.  Nothing is loaded into a kernel: this machine has no
# AppArmor (docs/admin-guide.md says what that leaves untested).
set -eu
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh"
for t in apparmor_parser strace; do
        command -v $t >/dev/null || { echo "$t is not installed (apt-get install apparmor strace)" >&2; exit 1; }
done
PROFILE="$top_builddir/dist/apparmor/usr.sbin.vgpu-hook"
X=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-aa-XXXXXX")
trap 'cleanup; [ -n "${VGPU_KEEP:-}" ] || rm -rf "$X"' EXIT
parse() { apparmor_parser --skip-kernel-load --skip-cache --skip-read-cache "$@"; }

check "apparmor_parser compiles the profile ($(parse "$PROFILE" 2>&1 | head -2))" parse "$PROFILE"
sed 's/^\(  @{run}\/vgpu-hook\/ rw\),$/\1/' "$PROFILE" >"$X/broken"
check "a rule without its comma is refused (the parser is awake)" not parse "$X/broken" 2>/dev/null
check "the profile attaches to the installed hook" grep -q '^profile vgpu-hook /.*/vgpu-hook {' "$PROFILE"

# The compiled rules: "MODES GLOB" per line, variables and includes expanded.
# The modes are those for files the process does not own (after the colon).
# --debug prints one entry per line, tab-separated: AppArmor 3 (Debian 12)
# "Mode:<TAB>rw:rw<TAB>Name:<TAB>(GLOB)", AppArmor 4 (Debian 13)
# "Perms:<TAB>rw:rw priority=0 <TAB>Name:<TAB>(GLOB)".  Its informational
# lines (the cache being off without a kernel) go to stderr.
parse --debug "$PROFILE" 2>/dev/null |
        awk -F'\t' '($1 == "Mode:" || $1 == "Perms:") && $3 == "Name:" {
                split($2, w, " "); split(w[1], m, ":"); n = $4; sub(/^\(/, "", n); sub(/\)$/, "", n)
                gsub(/\/+/, "/", n); print (m[2] == "" ? "-" : m[2]) " " n }' >"$X/rules"
check "the rules were read" [ "$(wc -l <"$X/rules")" -gt 20 ]
check "every file entry was understood" \
        [ "$(parse --debug "$PROFILE" 2>/dev/null | grep -c "$(printf '\tName:\t(')")" = "$(wc -l <"$X/rules")" ]

# allowed MODE PATH...: prints every PATH that no rule grants MODE (one letter)
allowed() {
        local mode=$1
        shift
        printf '%s\n' "$@" | awk -v mode="$mode" -v rules="$X/rules" '
        function re(g,    i, c, j, out, depth) {
                out = "^"; depth = 0
                for (i = 1; i <= length(g); i++) {
                        c = substr(g, i, 1)
                        if (c == "*" && substr(g, i + 1, 1) == "*") { out = out ".*"; i++ }
                        else if (c == "*") out = out "[^/]*"
                        else if (c == "?") out = out "[^/]"
                        else if (c == "[") { j = index(substr(g, i), "]"); out = out substr(g, i, j); i += j - 1 }
                        else if (c == "{") { out = out "("; depth++ }
                        else if (c == "}") { out = out ")"; depth-- }
                        else if (c == "," && depth > 0) out = out "|"
                        else if (c == "\\") { i++; out = out "\\" substr(g, i, 1) }
                        else if (index(".+()|^$", c)) out = out "\\" c
                        else out = out c
                }
                return out "$"
        }
        BEGIN { while ((getline line < rules) > 0) { split(line, f, " "); if (index(f[1], mode)) r[++n] = re(f[2]) } }
        { ok = 0; for (i = 1; i <= n && !ok; i++) if ($0 ~ r[i]) ok = 1; if (!ok) print }'
}

# ---- what the hook does, traced --------------------------------------------------------
# accesses ROOT TRACE: "MODE PATH" for each file access under ROOT outside the
# kernel emulation's brackets, as the host path (AppArmor sees the resolved
# path; directories end in /).  r read, w write/create/rename/remove, k lock.
accesses() {
        awk -v root="$1/" '
        function host(p) { return index(p, root) == 1 ? "/" substr(p, length(root) + 1) : "" }
        function out(m, p) { p = host(p); if (p != "") print m " " p }
        { pid = $1 }
        /\/\.kshim-begin/ { emu[pid] = 1; next }
        /\/\.kshim-end/ { emu[pid] = 0; next }
        emu[pid] || / = -1 / { next }
        $2 ~ /^(open|openat|openat2|creat)\(/ && !/O_PATH/ {
                p = $0; sub(/.* = [0-9]+</, "", p); sub(/>$/, "", p)
                if (/O_DIRECTORY/) p = p "/"
                if (/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/) out("w", p)
                if (!/O_WRONLY/) out("r", p)
        }
        $2 ~ /^(mkdir|mkdirat|rename|renameat|renameat2|unlink|unlinkat|rmdir)\(/ {
                s = $0
                while (match(s, /(AT_FDCWD|[0-9]+)<[^>]*>, "[^"]*"/)) {
                        m = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
                        d = m; sub(/^[^<]*</, "", d); sub(/>.*/, "", d)
                        f = m; sub(/^[^"]*"/, "", f); sub(/"$/, "", f)
                        out("w", (f ~ /^\// ? f : d "/" f) ($2 ~ /^mkdir/ ? "/" : ""))
                }
        }
        $2 ~ /^flock\(/ { p = $2; sub(/^flock\([0-9]+</, "", p); sub(/>.*/, "", p); out("k", p) }' "$2" |
                sed -E 's#/proc/[0-9]+/#/proc/PID/#' | sort -u
}
traced_hook() { # XML NAME OP SUBOP
        local xml=$1
        shift
        set +e
        strace -f -qq -y -s 256 -o "$X/trace.$((++n_traces))" \
                -e trace=access,open,openat,openat2,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,flock \
                -E LD_PRELOAD="$KSHIM" -E ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
                "$HOOK" "$@" - <"$xml" >/dev/null 2>"$X/err"
        rc=$?
        set -e
        check "$2 $3: exit 0 ($(cat "$X/err"))" [ "$rc" = 0 ]
}
n_traces=0
# collect: the accesses of the traces so far (on this $ROOT) into $X/accesses
collect() {
        local t
        for t in "$X"/trace.*; do accesses "$(realpath "$ROOT")" "$t" >>"$X/accesses"; rm -f "$t"; done
}
U1=3b0e1c2d-0000-4000-8000-00000000aa01
U2=3b0e1c2d-0000-4000-8000-00000000aa02
U3=3b0e1c2d-0000-4000-8000-00000000aa03
D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
M1=6a7e1c2d-0000-4000-8000-000000000001
fresh samples
proc_show $BASHPID
# a profile with an attribute to store, a type without profile, an mdevctl
# definition to start, and a present mdev
profile serial '{"mdev_type": {"name": "Single port serial"}, "attrs": [{"uevent": "change"}]}'
mkdir -p "$ROOT/etc/mdevctl.d/mtty"
printf '{\n  "mdev_type": "mtty-1",\n  "start": "manual",\n  "attrs": []\n}' >"$ROOT/etc/mdevctl.d/mtty/$U3"
domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='serial'/><vgpu:mdev uuid='$U2' type='mdpy-vga'/>" $U1 $U2 $U3 $M1 >"$X/vm1.xml"
traced_hook "$X/vm1.xml" vm1 prepare begin
check "prepare made the devices" mdev_exists $U1 && mdev_exists $U2 && mdev_exists $U3
fake_qemu vm1 $D1
traced_hook "$X/vm1.xml" vm1 started begin
traced_hook "$X/vm1.xml" vm1 reconnect begin
qemu_exit vm1
traced_hook "$X/vm1.xml" vm1 release end
check "release freed them" not mdev_exists $U1 && not mdev_exists $U2 && not mdev_exists $U3
collect
# NVIDIA vendor VFIO (L40): the VF's vGPU type set at prepare, cleared at release
fresh l40
proc_show $BASHPID
profile l40-4q '{"nvidia_vgpu_type": "NVIDIA L40-4Q"}'
cat >"$X/vm2.xml" <<XML
<domain type='kvm'><name>vm2</name><uuid>$D1</uuid>
  <metadata><vgpu:devices xmlns:vgpu='http://vgpu-hook.org/xmlns/domain/1.0'>
    <vgpu:vf address='0000:c1:00.4' profile='l40-4q'/></vgpu:devices></metadata>
  <devices><hostdev mode='subsystem' type='pci' managed='no'>
    <source><address domain='0x0000' bus='0xc1' slot='0x00' function='0x4'/></source></hostdev></devices>
</domain>
XML
traced_hook "$X/vm2.xml" vm2 prepare begin
check "prepare typed the VF" [ "$(cat "$ROOT/sys/bus/pci/devices/0000:c1:00.4/nvidia/current_vgpu_type")" != 0 ]
traced_hook "$X/vm2.xml" vm2 release end
check "release cleared it" [ "$(cat "$ROOT/sys/bus/pci/devices/0000:c1:00.4/nvidia/current_vgpu_type")" = 0 ]
collect
sort -u -o "$X/accesses" "$X/accesses"
for m in r w k; do
        check "the hook's '$m' accesses were seen" grep -q "^$m " "$X/accesses"
done
check "the hook's writes include an mdev create, an attribute, a remove and a VF's vGPU type" \
        grep -q '^w /sys/devices/.*/mdev_supported_types/mtty-1/create$' "$X/accesses" &&
        grep -q "^w /sys/devices/.*/$U1/uevent\$" "$X/accesses" && grep -q "^w /sys/devices/.*/$U1/remove\$" "$X/accesses" &&
        grep -q '^w /sys/devices/.*/0000:c1:00.4/nvidia/current_vgpu_type$' "$X/accesses"
for m in r w k; do
        missing=$(allowed "$m" $(sed -n "s/^$m //p" "$X/accesses"))
        check "the profile grants every '$m' access the hook made (missing: $(echo $missing))" [ -z "$missing" ]
done

# ---- and what it must not do -------------------------------------------------------------
denied_w=(/etc/vgpu-hook/vgpu-hook.conf /etc/vgpu-hook/profiles.d/t4.json /etc/mdevctl.d/mtty/$U1 /etc/passwd
        /etc/libvirt/hooks/qemu.d/evil /run/libvirt/qemu/vm1.pid /sys/bus/pci/drivers_probe
        /sys/devices/pci0000:00/0000:00:04.0/sriov_numvfs /sys/devices/pci0000:00/0000:00:04.0/driver_override
        /sys/bus/pci/drivers/vfio-pci/bind /sys/devices/pci0000:82/0000:82:00.4/driver/unbind
        /sys/devices/pci0000:c1/0000:c1:00.4/nvidia/vgpu_params /sys/devices/pci0000:c1/0000:c1:00.0/sriov_numvfs
        /sys/kernel/iommu_groups/7/type /proc/sys/kernel/modprobe /var/lib/libvirt/images/disk.qcow2 /dev/sda /tmp/x)
denied_r=(/etc/shadow /root/.ssh/id_rsa /var/lib/libvirt/images/disk.qcow2 /etc/libvirt/qemu/vm1.xml
        /proc/1/environ /proc/1/mem /dev/sda /home/u/file)
check "no write elsewhere: $(echo "${denied_w[@]}" | wc -w) paths" \
        [ "$(allowed w "${denied_w[@]}" | wc -l)" = "${#denied_w[@]}" ]
check "no read of secrets or disks: $(echo "${denied_r[@]}" | wc -w) paths" \
        [ "$(allowed r "${denied_r[@]}" | wc -l)" = "${#denied_r[@]}" ]
check "no exec of anything" [ "$(allowed x /usr/bin/bash /bin/sh /usr/sbin/vgpu-hook /usr/bin/mdevctl | wc -l)" = 4 ]
check "no network" not grep -Eq '^\s*network' "$PROFILE"
check "ptrace: read only (/proc of other processes), never trace" \
        [ "$(grep -E '^\s*ptrace' "$PROFILE")" = "  ptrace (read)," ]
check "the only capability is dac_override" [ "$(grep -E '^\s*capability' "$PROFILE")" = "  capability dac_override," ]
finish
