# Sourced by the end-to-end tests: with VGPU_TEST_VALGRIND=DIR (set by
# `make check-valgrind`), valgrind_wrap BINARY prints the path of a script
# that runs BINARY under memcheck, one log per process in DIR; otherwise
# BINARY itself.  tests/reliability/valgrind-summary.sh reads the logs afterwards.
# The kernel emulation is preloaded too: valgrind 3.19 does not know
# openat2 and the shim stands in for it (tests/harness/kshim-openat2.c).
valgrind_wrap() {
        local bin=$1 dir=${VGPU_TEST_VALGRIND:-} wrapper
        if [ -z "$dir" ]; then
                echo "$bin"
                return
        fi
        mkdir -p "$dir/bin"
        wrapper="$dir/bin/$(basename "$bin")"
        cat >"$wrapper" <<EOF_WRAPPER
#!/bin/sh
case "\${LD_PRELOAD:-}" in
*libkshim.so*) ;;
*) LD_PRELOAD="$top_builddir/tests/harness/.libs/libkshim.so\${LD_PRELOAD:+:\$LD_PRELOAD}"; export LD_PRELOAD ;;
esac
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
        --errors-for-leak-kinds=definite --track-origins=yes --error-exitcode=99 \\
        --suppressions="$top_srcdir/tests/reliability/valgrind.supp" --log-file="$dir/$(basename "$bin").%p.log" \\
        "$bin" "\$@"
EOF_WRAPPER
        chmod +x "$wrapper"
        echo "$wrapper"
}
