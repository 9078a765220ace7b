#!/bin/sh
# The tree matches .clang-format under clang-format 14 (Debian 12) and 19
# (Debian 13) alike: where the two lay a construct out differently (14 spaces
# the star of a pointer declarator inside a parameter list or after a struct
# body), the code avoids the construct rather than the test a version.
set -eu
: "${top_srcdir:?run through make check}"
command -v clang-format >/dev/null || { echo "clang-format is not installed (apt-get install clang-format)" >&2; exit 1; }
cd "$top_srcdir"
bad=0 files=0
# (not tests/vm-out: make check-vm's copy of the tree, built in the Debian 13 root)
for f in $(find src hooks tests bench fuzz -path tests/vm-out -prune -o -name '*.[ch]' -print 2>/dev/null | sort); do
        files=$((files + 1))
        if ! clang-format --style=file "$f" | cmp -s - "$f"; then
                echo "not formatted: $f (run clang-format -i $f)" >&2
                bad=$((bad + 1))
        fi
done
echo "$(clang-format --version): $((files - bad)) passed, $bad failed"
[ "$bad" = 0 ]
