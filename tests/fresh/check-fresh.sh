#!/usr/bin/env bash
# check-fresh.sh SRCDIR [RELEASE...]: `make check-fresh`, the README's quick
# start on freshly installed Debian machines (tests/fresh/README).
#
# For each release (default: bookworm trixie), a minbase root made by
# debootstrap, with sudo and git and the packages .ci/packages names (what
# the quick start's first command installs), cached in $VGPU_FRESH_CACHE and
# keyed by release, package list and this recipe.  Each run gets a
# throwaway overlay of that root as `/` (a mount point, mode 0755, in a
# private mount and PID namespace), clones SRCDIR's HEAD into /root (mode
# 0700, as on a real machine), and runs the commands of the README's
# "Quick start" block there, one after the other, as root, with a clean
# environment.  Each command's time and exit go to stdout; a failure keeps
# the run's logs under $VGPU_FRESH_OUT.
#
# Environment: VGPU_FRESH_CACHE (default /var/cache/vgpu-hook-fresh),
# VGPU_FRESH_OUT (default SRCDIR/tests/fresh-out/DATE), VGPU_FRESH_MIRROR
# (debootstrap's mirror; default: debootstrap's own), VGPU_FRESH_TIMEOUT
# (seconds for one command, default 2400), VGPU_FRESH_AFTER (more commands,
# one a line, run after the README's in the same clone: the release checks).
#
# check-fresh.sh SRCDIR --root RELEASE prints the cached root of RELEASE,
# building it first when needed, and does nothing else (`make check-vm
# STACK=13` boots its guest over the trixie root).
set -euo pipefail
export LC_ALL=C
src=$(cd "$1" && pwd)
shift
root_only=
if [ "${1:-}" = --root ]; then
	root_only=$2
	shift 2
fi
releases=${*:-bookworm trixie}
cache=${VGPU_FRESH_CACHE:-/var/cache/vgpu-hook-fresh}
out=${VGPU_FRESH_OUT:-$src/tests/fresh-out/$(date +%Y%m%d-%H%M%S)}
here=$(cd "$(dirname "$0")" && pwd)

say() { printf 'check-fresh: %s\n' "$*"; }
die() {
	say "$*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root: it builds roots with debootstrap and mounts them"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"

# The commands of the README's quick start: the first ```sh block after the
# "## Quick start" heading, one command a line, comments and blanks left out.
quickstart_commands() {
	awk '/^## /{ inqs = ($0 == "## Quick start") } inqs && /^```sh$/{ inblock = 1; next }
	     inblock && /^```/{ exit } inblock && !/^[ \t]*(#|$)/' "$src/README.md"
}

# The packages the quick start installs (one list for both releases).
package_list() { grep -v '^#' "$src/.ci/packages" | tr -s ' \t' '\n\n' | sed '/^$/d' | sort -u; }

root_key() { # RELEASE: what the cached root depends on
	{
		echo "$1"
		package_list
		cat "$here/build-root.sh" "$here/chroot-lib.sh"
	} | sha256sum | cut -c1-16
}

# The cached root of RELEASE: made once for each key, older keys removed.
cached_root() {
	local rel=$1 key dir tmp
	key=$(root_key "$rel")
	dir=$cache/root-$rel-$key
	# one builder at a time (check-fresh and check-vm may ask together)
	mkdir -p "$cache"
	exec 8>"$cache/.lock-$rel"
	flock 8
	if [ ! -e "$dir/.ready" ]; then
		rm -rf "$cache/root-$rel-"*
		tmp=$(mktemp -d "$cache/tmp-$rel-XXXXXX")
		say "$rel: building the root (debootstrap minbase + sudo git, then the package list) ..." >&2
		package_list >"$tmp.packages"
		if ! bash "$here/build-root.sh" "$rel" "$tmp" "$tmp.packages" >"$tmp.log" 2>&1; then
			tail -n 30 "$tmp.log" >&2
			mkdir -p "$out"
			mv "$tmp.log" "$out/root-$rel.log"
			rm -rf "$tmp" "$tmp.packages"
			die "$rel: building the root failed (log: $out/root-$rel.log)"
		fi
		rm -f "$tmp.log" "$tmp.packages"
		mv "$tmp" "$dir"
		touch "$dir/.ready"
	fi
	exec 8>&-
	echo "$dir"
}

# One release: the commands in a clone on a throwaway overlay of its root.
run_release() {
	local rel=$1 base t0 rc
	t0=$(date +%s)
	base=$(cached_root "$rel") || return 1
	say "$rel: root ready in $(($(date +%s) - t0)) s ($base)"
	mkdir -p "$out/$rel"
	set +e
	VGPU_FRESH_TIMEOUT=${VGPU_FRESH_TIMEOUT:-2400} bash "$here/root.sh" run "$rel" "$base" "$src" "$out/$rel" "$cmds"
	rc=$?
	set -e
	return $rc
}

if [ -n "$root_only" ]; then
	cached_root "$root_only"
	exit
fi
cmds=$(quickstart_commands)
[ -n "$cmds" ] || die "README.md has no \`\`\`sh block under '## Quick start'"
[ -z "${VGPU_FRESH_AFTER:-}" ] || cmds=$(printf '%s\n%s\n' "$cmds" "$VGPU_FRESH_AFTER")
failed=""
for rel in $releases; do
	run_release "$rel" || failed="$failed $rel"
done
if [ -n "$failed" ]; then
	say "FAILED on:$failed; logs under $out"
	exit 1
fi
say "passed on: $releases"
rm -rf "$out"
