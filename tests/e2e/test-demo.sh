#!/bin/bash
# The README's main job (make demo) does what it says: two VMs get their
# vGPUs, a third is refused with the reason, and stopping frees everything.
# Its first screen tells the story (issue 21, point 9): the profile file,
# the VM's metadata, libvirt starting the VM, the mdev appearing, a refusal;
# every vgpuctl command it shows runs as printed; bold headings only on a
# terminal and never with NO_COLOR, no escapes in a file.
set -eu
. "$top_srcdir/tests/harness/checklib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
bash "$top_srcdir/tests/e2e/demo.sh" "$work/host" >"$work/out" 2>&1 || fail "demo.sh exited $?"
check "no escape sequences when the output is a file" not grep -q $'\x1b' "$work/out"
cp "$work/out" "$work/plain"
check "web1 holds a T4-4Q" grep -Eq '^web1 .* active +mdev .* 0000:3b:00.0 +nvidia-224 \(t4-4q\)' "$work/plain"
check "cad2 holds a GVT-g slice" grep -Eq '^cad2 .* active +mdev .* 0000:00:02.0 +i915-GVTg_V5_4 \(gvtg-4\)' "$work/plain"
# the cause is the profile's addresses pin, while 0000:5e:00.0 has room (issue 21, point 3)
check "the third VM is refused with the reason" \
        grep -q "^vgpu-hook: cannot create mdev 3b0e1c2d-0000-4000-8000-00000000aa03: 0000:5e:00.0 has 16 free, but profile t4-1q's addresses leave it out; add it to them$" "$work/plain"
check "the refusal fits 160 columns" [ "$(grep '^vgpu-hook: ' "$work/plain" | awk '{ print length($0) }' | sort -n | tail -1)" -le 160 ]
check "stopping freed both devices" [ "$(sed -n '/libvirt.s release hook/,$p' "$work/plain" | grep -c '3b0e1c2d-0000-4000-8000-00000000aa0')" = 0 ]
check "and the leases say so" [ "$(sed -n '/libvirt.s release hook/,$p' "$work/plain" | grep -c '^no leases$')" = 1 ]

# ---- the first screen: the story, in order, in 50 lines ------------------------------
head -50 "$work/plain" >"$work/screen"
at() { grep -n -m1 -- "$1" "$work/screen" | cut -d: -f1; }
story=""
for step in '^\$ cat .*/profiles.d/t4-4q.json$' '"mdev_type": {"name": "GRID T4-4Q"}' \
            "<vgpu:mdev uuid='3b0e1c2d-0000-4000-8000-00000000aa01' profile='t4-4q'/>" \
            '^libvirt runs: vgpu-hook web1 prepare begin -$' '^3b0e1c2d-0000-4000-8000-00000000aa01$' \
            '^web1 .* active '; do
        story="$story ${step}@$(at "$step")"
        check "the first screen shows '$step'" [ -n "$(at "$step")" ]
done
lines=$(for step in '^\$ cat .*/profiles.d/t4-4q.json$' '<vgpu:mdev uuid=' '^libvirt runs: vgpu-hook web1 prepare' \
        '^3b0e1c2d-0000-4000-8000-00000000aa01$' '^web1 .* active '; do at "$step"; done)
check "in the story's order ($story)" [ "$lines" = "$(sort -n <<<"$lines")" ]
check "no inventory on the first screen" not grep -q '^PCI functions' "$work/screen"
check "the refusal comes with its profile shown" grep -q '^\$ cat .*/profiles.d/t4-1q.json$' "$work/plain"

# ---- every command shown runs as printed ---------------------------------------------
grep '^\$ ' "$work/plain" | sed 's/^\$ //' >"$work/commands"
check "the demo shows the vgpuctl commands it runs" grep -q 'vgpuctl --root .* leases$' "$work/commands"
while read -r cmd; do
        case $cmd in
        *" plan "*) want=1 ;;  # the refused profile: plan says nothing fits
        *"| grep"*) want=1 ;;  # the demo's mdevs are gone now
        *) want=0 ;;
        esac
        set +e
        sh -c "$cmd" >/dev/null 2>&1
        got=$?
        set -e
        check "'$cmd' runs as printed (exit $got)" [ "$got" = "$want" ]
done <"$work/commands"
hint=$(sed -n 's/^As JSON: *//p' "$work/plain")
check "the closing hint runs as printed ($hint)" sh -c "$hint | python3 -m json.tool >/dev/null"

# ---- emphasis on a terminal only, and never with NO_COLOR ---------------------------------
if command -v script >/dev/null; then
        script -qec "bash '$top_srcdir/tests/e2e/demo.sh' '$work/tty-host'" /dev/null >"$work/tty" 2>&1 </dev/null ||
                fail "demo.sh on a terminal exited $?"
        check "bold headings on a terminal" grep -q $'\x1b\[1m== A profile' "$work/tty"
        NO_COLOR=1 script -qec "bash '$top_srcdir/tests/e2e/demo.sh' '$work/tty-host'" /dev/null >"$work/tty" 2>&1 \
                </dev/null || fail "demo.sh with NO_COLOR exited $?"
        check "none with NO_COLOR" not grep -q $'\x1b' "$work/tty"
fi
finish
