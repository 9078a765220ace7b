#!/bin/bash
# The library and the real mdevctl 1.2 (Debian 12's `mdevctl`) see the same
# definitions: what the library writes, `mdevctl list --defined --dumpjson`
# shows byte for byte; what `mdevctl define`/`modify` write, the library reads
# and formats back byte for byte.  Runs as root in a private mount namespace
# with the simulated host's /etc/mdevctl.d bound over the real one; mdevctl's
# define, modify, undefine and list --defined need no /sys of the parents.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
TOOL="$top_builddir/tests/vgpu-mdevctl-tool"
FAKEHOST="$top_builddir/tests/vgpu-fakehost"

skip() {
        echo "SKIP: $*"
        exit 77
}

if [ "${VGPU_INTEROP_WORK:-}" = "" ]; then
        command -v mdevctl >/dev/null || skip "mdevctl is not installed (apt-get install mdevctl)"
        [ "$(id -u)" = 0 ] || skip "needs root for a private mount namespace"
        case "$(mdevctl --version)" in
        "mdevctl 1.2."*) ;;
        *) skip "this test pins mdevctl 1.2's behaviour; found $(mdevctl --version)" ;;
        esac
        unshare -m true 2>/dev/null || skip "cannot create a mount namespace"
        work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
        trap 'rm -rf "$work"' EXIT
        mkdir "$work/root"
        "$FAKEHOST" "$top_srcdir/tests/presets/samples.host" "$work/root"
        # mdevctl 1.2 refuses to run when its callout directories are missing.
        mkdir -p "$work/root/etc/mdevctl.d/scripts.d/callouts" "$work/root/etc/mdevctl.d/scripts.d/notifiers"
        # The mount point must exist on the host; the package ships it anyway.
        [ -d /etc/mdevctl.d ] || mkdir -p /etc/mdevctl.d
        VGPU_INTEROP_WORK="$work" unshare -m --propagation private "$BASH" "$0"
        exit $?
fi

work=$VGPU_INTEROP_WORK
root=$work/root
mount --bind "$root/etc/mdevctl.d" /etc/mdevctl.d
failures=0 passed=0
pass() { passed=$((passed + 1)); }
fail() {
        echo "FAIL: $*" >&2
        failures=$((failures + 1))
}
# same WHAT FILE1 FILE2: byte-identical
same() {
        if cmp -s "$2" "$3"; then pass; else
                fail "$1"
                diff -u "$2" "$3" >&2 || true
        fi
}
tool() { "$TOOL" "$root" "$@"; }

U1=6a7e1c2d-0000-4000-8000-0000000000a1
U2=6a7e1c2d-0000-4000-8000-0000000000a2
U3=6a7e1c2d-0000-4000-8000-0000000000a3
U4=6a7e1c2d-0000-4000-8000-0000000000a4
U5=6a7e1c2d-0000-4000-8000-0000000000a5
U5_UPPER=6A7E1C2D-0000-4000-8000-0000000000A5
odd=$(printf 'tab\there, unit\037sep, "quoted" back\\slash, caf\303\251, a/b')

# ---- (a) the library writes, mdevctl reads -----------------------------------
tool define mtty "$U1" mtty-2 manual
tool define 0000:3b:00.0 "$U2" nvidia-224 auto "nvidia/vgpu_params=frame_rate_limiter=0" "a=1" \
        "nvidia/vgpu_params=enable_uvm=1"
tool define mdpy "$(echo "$U3" | tr a-f A-F)" mdpy-vga auto "odd=$odd" "empty="
[ -f "$root/etc/mdevctl.d/mdpy/$U3" ] && pass || fail "the library did not write a lower-case file name"
ls -A "$root/etc/mdevctl.d/mdpy" >"$work/ls"
printf '%s\n' "$U3" >"$work/ls.want"
same "no temp file is left next to the definition" "$work/ls.want" "$work/ls"

for d in "mtty $U1" "0000:3b:00.0 $U2" "mdpy $U3"; do
        set -- $d
        mdevctl list --defined --dumpjson --parent "$1" --uuid "$2" >"$work/mdevctl.out"
        { cat "$root/etc/mdevctl.d/$1/$2"; echo; } >"$work/file"
        same "mdevctl list --dumpjson -p $1 -u $2 differs from the file the library wrote" "$work/file" "$work/mdevctl.out"
done
mdevctl list --defined --dumpjson >"$work/mdevctl.out"
tool list >"$work/tool.out"
same "mdevctl list --defined --dumpjson differs from the library's list" "$work/tool.out" "$work/mdevctl.out"
mdevctl list --defined >"$work/mdevctl.out"
cat >"$work/want" <<EOF
$U2 0000:3b:00.0 nvidia-224 auto
$U3 mdpy mdpy-vga auto
$U1 mtty mtty-2 manual

EOF
same "mdevctl list --defined" "$work/want" "$work/mdevctl.out"
mdevctl list --defined --verbose --uuid "$U2" >"$work/mdevctl.out"
cat >"$work/want" <<EOF
$U2 0000:3b:00.0 nvidia-224 auto
  Attrs:
    @{0}: {"nvidia/vgpu_params":"frame_rate_limiter=0"}
    @{1}: {"a":"1"}
    @{2}: {"nvidia/vgpu_params":"enable_uvm=1"}

EOF
same "mdevctl list --verbose shows the attrs in order, duplicates kept" "$work/want" "$work/mdevctl.out"

# ---- (b) mdevctl writes, the library reads -----------------------------------
mdevctl define --uuid "$U4" --parent mbochs --type mbochs-small
mdevctl modify --uuid "$U4" --addattr=x/y --value=1
mdevctl modify --uuid "$U4" --addattr=x/y --value=2
mdevctl modify --uuid "$U4" --addattr=z --value="$odd"
mdevctl modify --uuid "$U4" --auto
mdevctl define --uuid "$U5_UPPER" --parent 0000:00:02.0 --type i915-GVTg_V5_4
mdevctl modify --uuid "$U1" --auto --addattr=later --value=yes
for d in "mbochs $U4" "0000:00:02.0 $U5_UPPER" "mtty $U1"; do
        set -- $d
        lower=$(echo "$2" | tr A-F a-f)
        if tool show "$1" "$2" >"$work/tool.out"; then
                { cat "$root/etc/mdevctl.d/$1/$lower"; echo; } >"$work/file"
                same "the library's reading of mdevctl's $1/$lower, formatted back, differs" "$work/file" "$work/tool.out"
        else
                fail "the library cannot read mdevctl's $1/$lower"
        fi
done
grep -q '"z": "tab\\there, unit\\u001fsep, \\"quoted\\" back\\\\slash, café, a/b"' "$root/etc/mdevctl.d/mbochs/$U4" &&
        pass || fail "mdevctl escaped the odd value unexpectedly: $(cat "$root/etc/mdevctl.d/mbochs/$U4")"
mdevctl undefine --uuid "$U2"
tool undefine mtty "$U1"
mdevctl list --defined --dumpjson >"$work/mdevctl.out"
tool list >"$work/tool.out"
same "after undefines, mdevctl's and the library's lists differ" "$work/tool.out" "$work/mdevctl.out"
grep -q "$U2\|$U1" "$work/tool.out" && fail "undefined devices are still listed" || pass

# One bad file: the library still lists the others (mdevctl 1.2 fails the whole list).
printf '{"mdev_type": ' >"$root/etc/mdevctl.d/mbochs/$U1"
set +e
tool list >"$work/tool.out" 2>"$work/tool.err"
status=$?
set -e
[ "$status" = 1 ] && grep -q "$U4" "$work/tool.out" && grep -q "mbochs/$U1:1:" "$work/tool.err" &&
        pass || fail "a bad file hid the others or was not reported: $(cat "$work/tool.err")"

echo "$passed passed, $failures failed"
[ "$failures" = 0 ]
