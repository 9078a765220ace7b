# Shared assertions of the shell tests: counters, check/expect, and the
# closing "N passed, N failed" line.  Sourced; expect() needs $work.
passed=0 failures=0

pass() { passed=$((passed + 1)); }
not() { ! "$@"; }
fail() { # (and in $CHECK_FAILED_LOG if set, for a summary at the end)
        echo "FAIL: $*" >&2
        [ -z "${CHECK_FAILED_LOG:-}" ] || echo "FAIL: $*" >>"$CHECK_FAILED_LOG"
        failures=$((failures + 1))
}
check() { # check DESCRIPTION CMD...
        local what=$1
        shift
        if "$@"; then pass; else fail "$what"; fi
}
# expect STATUS STDERR-LINES CMD...: exit status and number of stderr lines ("-": any)
expect() {
        local want=$1 lines=$2 got
        shift 2
        set +e
        "$@" >"$work/out" 2>"$work/err"
        got=$?
        set -e
        if [ "$got" != "$want" ]; then
                fail "$* exited $got, want $want: $(cat "$work/err")"
        elif [ "$lines" != - ] && [ "$(wc -l <"$work/err")" != "$lines" ]; then
                fail "$* wrote $(wc -l <"$work/err") lines to stderr, want $lines: $(cat "$work/err")"
        else
                pass
        fi
}
finish() {
        echo "$passed passed, $failures failed"
        [ "$failures" = 0 ]
}

# demo_root DIR: the demo host (tests/presets/demo.host) in DIR, with the
# profiles of tests/data; for vgpuctl's end-to-end tests.
demo_root() {
        "$top_builddir/tests/harness/vgpu-fakehost" "$top_srcdir/tests/presets/demo.host" "$1" >/dev/null
        mkdir -p "$1/etc/vgpu-hook"
        cp -r "$top_srcdir/tests/data/etc/vgpu-hook/profiles.d" "$1/etc/vgpu-hook/"
        chmod -R u+w "$1/etc"
}
