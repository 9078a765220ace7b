#!/bin/bash
# `make fuzz`: build every fuzz target with clang, libFuzzer, ASan and UBSan
# in $top_builddir/fuzz/build (the library's sources compiled there again,
# instrumented), then run each for FUZZ_SECONDS seconds on a working corpus
# seeded from fuzz/corpus/TARGET (read only: new finds stay in the build
# dir; `FUZZ_MERGE=1` merges them back, minimised, into the tree).
# Prints the execs and the new inputs found per target; exits 1 if any
# target crashed, leaving the input in fuzz/build/crashes/ (replay it with
# fuzz/build/TARGET FILE).
set -eu
: "${top_srcdir:?run through make fuzz}" "${top_builddir:?run through make fuzz}"
: "${FUZZ_CC:=clang}" "${FUZZ_SECONDS:=20}" "${FUZZ_MERGE:=0}"
: "${FUZZ_TARGETS:?}" "${FUZZ_LIB_SOURCES:?}"
command -v "$FUZZ_CC" >/dev/null || { echo "$FUZZ_CC is not installed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

out="$top_builddir/fuzz/build"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-g -O1 $san -I$top_builddir -I$top_srcdir/src/lib -I$top_srcdir/fuzz ${FUZZ_CFLAGS:-}"
mkdir -p "$out/obj" "$out/crashes"

# The instrumented library: a source is rebuilt when it or any header is newer.
newest_header=$(ls -t "$top_srcdir"/src/lib/*.h "$top_srcdir"/src/lib/*/*.h "$top_builddir/config.h" | head -n 1)
objs=()
for src in $FUZZ_LIB_SOURCES; do
        case $src in *.c) ;; *) continue ;; esac
        obj="$out/obj/$(basename "$src" .c).o"
        if [ ! -e "$obj" ] || [ "$top_srcdir/$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
                echo "  CC (fuzz) $src"
                $FUZZ_CC $cflags -fsanitize=fuzzer-no-link -c "$top_srcdir/$src" -o "$obj"
        fi
        objs+=("$obj")
done

for t in $FUZZ_TARGETS; do
        echo "  CCLD (fuzz) fuzz/build/$t"
        $FUZZ_CC $cflags -fsanitize=fuzzer "$top_srcdir/fuzz/fuzz-$t.c" "${objs[@]}" ${FUZZ_LIBS:-} -o "$out/$t"
done

total=0 crashed=0
printf '%-14s %12s %8s %s\n' target execs new result >"$out/summary"
for t in $FUZZ_TARGETS; do
        work="$out/corpus/$t"
        mkdir -p "$work"
        dict=()
        [ -e "$top_srcdir/fuzz/dict/$t.dict" ] && dict=("-dict=$top_srcdir/fuzz/dict/$t.dict")
        echo "  FUZZ $t (${FUZZ_SECONDS}s)"
        set +e
        "$out/$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
                -artifact_prefix="$out/crashes/$t-" "${dict[@]}" "$work" "$top_srcdir/fuzz/corpus/$t" \
                >"$out/$t.log" 2>&1
        rc=$?
        set -e
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -n 1)
        result=ok
        if [ "$rc" != 0 ]; then
                result="CRASH (see $out/$t.log)"
                crashed=$((crashed + 1))
        fi
        total=$((total + ${execs:-0}))
        printf '%-14s %12s %8s %s\n' "$t" "${execs:-?}" "$(ls "$work" | wc -l)" "$result" >>"$out/summary"
        if [ "$FUZZ_MERGE" = 1 ] && [ "$rc" = 0 ]; then
                mkdir -p "$top_srcdir/fuzz/corpus/$t"
                "$out/$t" -merge=1 "$top_srcdir/fuzz/corpus/$t" "$work" >"$out/$t.merge.log" 2>&1
        fi
done
printf '%-14s %12s\n' total "$total" >>"$out/summary"
cat "$out/summary"
[ "$crashed" = 0 ]
