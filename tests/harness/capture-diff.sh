#!/usr/bin/env bash
# capture-diff.sh BUILDER PRESET.host CAPTURE.tar.gz ALLOWLIST
#
# Builds PRESET.host with BUILDER (vgpu-fakehost) and compares
# its sys/ tree with the real kernel's in CAPTURE: every path, its type, a
# link's target and a file's bytes.  Each difference reads
#   capture-only TYPE PATH | preset-only TYPE PATH | differs TYPE PATH ...
# and fails unless an ALLOWLIST line's glob matches that "KIND TYPE PATH"
# text.  ALLOWLIST lines are GLOB<TAB>REASON ('#' comments, blank lines
# allowed); a line without a reason, or one that matches nothing, fails too:
# a stale allow-list would hide drift.  Exit 0 when clean, 1 otherwise.
set -u
export LC_ALL=C

if [ $# -ne 4 ]; then
	echo "usage: capture-diff.sh BUILDER PRESET.host CAPTURE.tar.gz ALLOWLIST" >&2
	exit 2
fi
builder=$1 preset=$2 capture=$3 allowlist=$4

tmp=$(mktemp -d "${TMPDIR:-/tmp}/capture-diff.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/capture" "$tmp/preset" || exit 1

if ! tar -xzf "$capture" -C "$tmp/capture"; then
	echo "capture-diff: cannot unpack $capture" >&2
	exit 1
fi
if ! "$builder" "$preset" "$tmp/preset"; then
	echo "capture-diff: $builder failed on $preset" >&2
	exit 1
fi

# One line per entry: TYPE<TAB>PATH<TAB>DETAIL (link target, file sha256).
listing() {
	local -A sum=()
	local hash path type target
	while read -r hash path; do
		sum[$path]=$hash
	done < <(cd "$1" && find sys -type f -exec sha256sum {} +)
	while IFS=$'\t' read -r type path target; do
		[ "$type" = f ] && target=${sum[$path]}
		printf '%s\t%s\t%s\n' "$type" "$path" "$target"
	done < <(cd "$1" && find sys -printf '%y\t%p\t%l\n')
}

declare -A cap=() pre=()
while IFS=$'\t' read -r type path detail; do
	cap[$path]="$type"$'\t'"$detail"
done < <(listing "$tmp/capture")
while IFS=$'\t' read -r type path detail; do
	pre[$path]="$type"$'\t'"$detail"
done < <(listing "$tmp/preset")

# The allow-list: globs, reasons, and how often each matched.
globs=() reasons=() hits=() bad=0 lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in '' | '#'*) continue ;; esac
	glob=${line%%$'\t'*} reason=${line#*$'\t'}
	if [ "$glob" = "$line" ] || [ -z "${reason//[[:space:]]/}" ]; then
		echo "$allowlist:$lineno: no TAB-separated reason"
		bad=$((bad + 1))
		continue
	fi
	globs+=("$glob") reasons+=("$reason") hits+=(0)
done < "$allowlist"

# Bytes of a small file, quoted so that "\n" and "" are visible.
show() {
	local data
	data=$(head -c 200 "$1"; printf x)
	printf '%q' "${data%x}"
}

allowed=0 failed=0
difference() {
	local key="$1 $2 $3" i matched=0
	for i in "${!globs[@]}"; do
		# shellcheck disable=SC2053  # the right side is a glob on purpose
		if [[ $key == ${globs[$i]} ]]; then
			hits[i]=$((hits[i] + 1))
			matched=1
		fi
	done
	if [ $matched = 1 ]; then
		allowed=$((allowed + 1))
	else
		echo "$key${4:+ $4}"
		failed=$((failed + 1))
	fi
}

compare() {
	local path=$1 ctype cdet ptype pdet
	if [ -z "${pre[$path]+x}" ]; then
		difference capture-only "${cap[$path]%%$'\t'*}" "$path"
		return
	fi
	if [ -z "${cap[$path]+x}" ]; then
		difference preset-only "${pre[$path]%%$'\t'*}" "$path"
		return
	fi
	IFS=$'\t' read -r ctype cdet <<<"${cap[$path]}"
	IFS=$'\t' read -r ptype pdet <<<"${pre[$path]}"
	if [ "$ctype" != "$ptype" ]; then
		difference capture-only "$ctype" "$path"
		difference preset-only "$ptype" "$path"
	elif [ "$cdet" != "$pdet" ] && [ "$ctype" = l ]; then
		difference differs l "$path" "(capture -> $cdet, preset -> $pdet)"
	elif [ "$cdet" != "$pdet" ]; then
		difference differs f "$path" \
			"(capture $(show "$tmp/capture/$path"), preset $(show "$tmp/preset/$path"))"
	fi
}

total=0
while IFS= read -r path; do
	compare "$path"
	total=$((total + 1))
done < <(printf '%s\n' "${!cap[@]}" "${!pre[@]}" | sort -u)

for i in "${!globs[@]}"; do
	if [ "${hits[$i]}" = 0 ]; then
		printf 'stale allow-list line (matches nothing): %s\t%s\n' "${globs[$i]}" "${reasons[$i]}"
		bad=$((bad + 1))
	fi
done

echo "capture-diff: $total paths, $allowed differences allowed by ${#globs[@]} allow-list lines," \
	"$failed not allowed, $bad bad allow-list lines"
[ $failed = 0 ] && [ $bad = 0 ]
