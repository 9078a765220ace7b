#!/bin/sh
# After `make check-valgrind`: every memcheck log in DIR must say 0 errors
# and nothing definitely lost.  Prints one line per bad log, then the count.
set -eu
dir=${1:?usage: valgrind-summary.sh DIR}
logs=0 bad=0
for log in "$dir"/*.log; do
        [ -e "$log" ] || continue
        logs=$((logs + 1))
        if ! grep -q "ERROR SUMMARY: 0 errors" "$log" || grep -q "definitely lost: [1-9]" "$log"; then
                echo "memcheck: $log:" >&2
                grep -E "ERROR SUMMARY|definitely lost|Invalid|uninitialised|Conditional" "$log" | head -5 >&2
                bad=$((bad + 1))
        fi
done
echo "$logs processes under memcheck: $((logs - bad)) passed, $bad failed"
[ "$logs" -gt 0 ] && [ "$bad" = 0 ]
