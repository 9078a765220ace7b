#!/bin/bash
# The library and the real mdevctl, 1.2 (Debian 12) or 1.4 (Debian 13), see
# the same definitions: what the library writes, `mdevctl list --defined
# --dumpjson` shows byte for byte; what `mdevctl define`/`modify` write, the
# library reads and formats back byte for byte.  Runs as root in a private mount
# namespace with the simulated host's /etc/mdevctl.d bound over the real one;
# mdevctl's define, modify, undefine and list --defined need no /sys of the
# parents.
#
# What differs between the two versions, asserted for the one found (both
# write the same files, and both fail a whole list on one bad file):
# - 1.2 ends what `list` prints with one more newline than 1.4: the JSON with
#   "\n", the plain listing with an empty line (an empty one is "\n" alone);
#   1.4 ends the JSON without a newline and prints nothing for an empty list;
# - 1.2 refuses to run without /etc/mdevctl.d/scripts.d/callouts; 1.4 runs;
# - 1.4 refuses --auto together with --addattr in one `modify`; 1.2 takes both.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
TOOL="$top_builddir/tests/harness/vgpu-mdevctl-tool"
FAKEHOST="$top_builddir/tests/harness/vgpu-fakehost"

skip() {
        echo "SKIP: $*"
        exit 77
}

if [ "${VGPU_INTEROP_WORK:-}" = "" ]; then
        command -v mdevctl >/dev/null || skip "mdevctl is not installed (apt-get install mdevctl)"
        [ "$(id -u)" = 0 ] || skip "needs root for a private mount namespace"
        case "$(mdevctl --version)" in
        "mdevctl 1.2."* | "mdevctl 1.4."*) ;;
        *) skip "this test knows mdevctl 1.2 (Debian 12) and 1.4 (Debian 13); found $(mdevctl --version)" ;;
        esac
        unshare -m true 2>/dev/null || skip "cannot create a mount namespace"
        work=$(mktemp -d "${TMPDIR:-/tmp}/vgpu-test-XXXXXX")
        trap 'rm -rf "$work"' EXIT
        mkdir "$work/root"
        "$FAKEHOST" "$top_srcdir/tests/presets/samples.host" "$work/root"
        # Without the callout directories (made below, once seen missing).
        mkdir -p "$work/root/etc/mdevctl.d"
        # The mount point must exist on the host; the package ships it anyway.
        [ -d /etc/mdevctl.d ] || mkdir -p /etc/mdevctl.d
        VGPU_INTEROP_WORK="$work" unshare -m --propagation private "$BASH" "$0"
        exit $?
fi

work=$VGPU_INTEROP_WORK
root=$work/root
# Asked before the bind: 1.2 answers not even --version without callouts.
case "$(mdevctl --version)" in
"mdevctl 1.2."*) version=1.2 ;;
*) version=1.4 ;;
esac
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
# listing ARGS...: `mdevctl list ARGS...` as 1.2 prints it, 1.4's output with
# the newline 1.2 adds (so a 1.4 that added one too would differ by one more).
listing() {
        mdevctl list "$@"
        if [ "$version" = 1.4 ]; then echo; fi
}

U1=6a7e1c2d-0000-4000-8000-0000000000a1
U2=6a7e1c2d-0000-4000-8000-0000000000a2
U3=6a7e1c2d-0000-4000-8000-0000000000a3
U4=6a7e1c2d-0000-4000-8000-0000000000a4
U5=6a7e1c2d-0000-4000-8000-0000000000a5
U5_UPPER=6A7E1C2D-0000-4000-8000-0000000000A5
odd=$(printf 'tab\there, unit\037sep, "quoted" back\\slash, caf\303\251, a/b')

# ---- (0) what differs between the versions -------------------------------------
set +e
mdevctl list --defined >"$work/mdevctl.out" 2>"$work/mdevctl.err"
status=$?
set -e
if [ "$version" = 1.2 ]; then
        [ "$status" = 1 ] && grep -q 'Required directory "/etc/mdevctl.d/scripts.d/callouts" doesn.t exist' \
                "$work/mdevctl.err" && pass || fail "mdevctl 1.2 ran without its callout directory (status $status)"
else
        [ "$status" = 0 ] && [ ! -s "$work/mdevctl.out" ] && [ ! -s "$work/mdevctl.err" ] && pass ||
                fail "mdevctl 1.4 needs its callout directory (status $status): $(cat "$work/mdevctl.err")"
fi
mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
listing --defined >"$work/mdevctl.out"
echo >"$work/want"
same "mdevctl list --defined, nothing defined" "$work/want" "$work/mdevctl.out"
listing --defined --dumpjson >"$work/mdevctl.out"
tool list >"$work/tool.out"
same "mdevctl list --defined --dumpjson, nothing defined, differs from the library's list" \
        "$work/tool.out" "$work/mdevctl.out"

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
        listing --defined --dumpjson --parent "$1" --uuid "$2" >"$work/mdevctl.out"
        { cat "$root/etc/mdevctl.d/$1/$2"; echo; } >"$work/file"
        same "mdevctl list --dumpjson -p $1 -u $2 differs from the file the library wrote" "$work/file" "$work/mdevctl.out"
done
listing --defined --dumpjson >"$work/mdevctl.out"
tool list >"$work/tool.out"
same "mdevctl list --defined --dumpjson differs from the library's list" "$work/tool.out" "$work/mdevctl.out"
listing --defined >"$work/mdevctl.out"
cat >"$work/want" <<EOF
$U2 0000:3b:00.0 nvidia-224 auto
$U3 mdpy mdpy-vga auto
$U1 mtty mtty-2 manual

EOF
same "mdevctl list --defined" "$work/want" "$work/mdevctl.out"
listing --defined --verbose --uuid "$U2" >"$work/mdevctl.out"
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
set +e
mdevctl modify --uuid "$U1" --auto --addattr=later --value=yes 2>"$work/mdevctl.err"
status=$?
set -e
if [ "$version" = 1.2 ]; then
        [ "$status" = 0 ] && pass || fail "mdevctl 1.2 refused modify --auto --addattr: $(cat "$work/mdevctl.err")"
else
        [ "$status" != 0 ] && grep -q "the argument '--auto' cannot be used with" "$work/mdevctl.err" && pass ||
                fail "mdevctl 1.4 took modify --auto --addattr (status $status): $(cat "$work/mdevctl.err")"
        mdevctl modify --uuid "$U1" --auto
        mdevctl modify --uuid "$U1" --addattr=later --value=yes
fi
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
listing --defined --dumpjson >"$work/mdevctl.out"
tool list >"$work/tool.out"
same "after undefines, mdevctl's and the library's lists differ" "$work/tool.out" "$work/mdevctl.out"
grep -q "$U2\|$U1" "$work/tool.out" && fail "undefined devices are still listed" || pass

# One bad file: the library still lists the others; mdevctl fails the whole list.
printf '{"mdev_type": ' >"$root/etc/mdevctl.d/mbochs/$U1"
set +e
mdevctl list --defined --dumpjson >"$work/mdevctl.out" 2>"$work/mdevctl.err"
status=$?
set -e
[ "$status" = 1 ] && grep -q '^Error: EOF while parsing a value at line 1 column 14$' "$work/mdevctl.err" && pass ||
        fail "mdevctl listed despite a bad file (status $status): $(cat "$work/mdevctl.out" "$work/mdevctl.err")"
set +e
tool list >"$work/tool.out" 2>"$work/tool.err"
status=$?
set -e
[ "$status" = 1 ] && grep -q "$U4" "$work/tool.out" && grep -q "mbochs/$U1:1:" "$work/tool.err" &&
        pass || fail "a bad file hid the others or was not reported: $(cat "$work/tool.err")"

echo "mdevctl $version: $passed passed, $failures failed"
[ "$failures" = 0 ]
