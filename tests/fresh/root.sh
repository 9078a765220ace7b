#!/usr/bin/env bash
# root.sh: a run of `make check-fresh` in a cached root (check-fresh.sh runs it).
#   root.sh run RELEASE BASE SRCDIR OUTDIR COMMANDS
#       in a private mount and PID namespace: a throwaway overlay of BASE as
#       `/` (mode 0755), SRCDIR's HEAD cloned into /root/vgpu-hook, and each
#       line of COMMANDS run there as root, timed; logs in OUTDIR, kept on
#       a failure.
set -euo pipefail
export LC_ALL=C

say() { printf 'check-fresh: %s\n' "$*"; }

. "$(dirname "$0")/chroot-lib.sh"

# summary LOG: " (PASS: 42 SKIP: 0 …)" when LOG has automake's test-suite summary
summary() {
	local s
	s=$(grep -E '^# (PASS|SKIP|FAIL|ERROR): ' "$1" | sed 's/^# *//; s/  */ /g' | paste -sd' ' -) || true
	[ -z "$s" ] || printf ' (%s)' "$s"
}

# failed_tests TREE LOG: each test automake's LOG says failed, with the end of
# its own log (under TREE, or distcheck's build below it), where a CI log's
# tail shows it: the overlay and its logs are gone after the run.
failed_tests() {
	local tree=$1 t f
	grep -E '^(FAIL|ERROR): ' "$2" | sed 's/^[A-Z]*: //' | sort -u | while IFS= read -r t; do
		f=$(find "$tree" -path "*/$t.log" -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-)
		say "failed test: $t${f:+ (${f#"$tree"/})}; its log ends:"
		[ -z "$f" ] || tail -n 60 "$f" | sed 's/^/  | /'
	done
}

# run_inside: the body of `run`, as PID 1 of a new PID namespace.
run_inside() {
	local rel=$1 base=$2 src=$3 out=$4 cmds=$5 work r n=0 rc=0 t0 cmd
	work=$(mktemp -d "$(dirname "$base")/run-$rel-XXXXXX")
	r=$work/root
	mkdir -p "$work/up" "$work/work" "$r"
	mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/up,workdir=$work/work" "$r"
	chmod 0755 "$r"
	chroot_mounts "$r"
	# HEAD as a repository of its own (a worktree's .git points outside the root)
	git clone -q --bare "$src" "$r/tmp/vgpu-hook.git"
	in_root "$r" "git clone -q /tmp/vgpu-hook.git /root/vgpu-hook" >"$out/clone.log" 2>&1 || {
		cat "$out/clone.log"
		return 1
	}
	say "$rel: clone of $(git -C "$src" rev-parse --short HEAD) in /root/vgpu-hook (/ $(stat -c %a "$r"), /root $(stat -c %a "$r/root"))"
	while IFS= read -r cmd; do
		n=$((n + 1))
		t0=$(date +%s)
		set +e
		timeout -k 10 "$VGPU_FRESH_TIMEOUT" bash -c ". \"\$1/chroot-lib.sh\"; in_root \"\$2\" \"cd /root/vgpu-hook && \$3\"" \
			- "$(dirname "$0")" "$r" "$cmd" </dev/null >"$out/$n.log" 2>&1
		rc=$?
		set -e
		if [ $rc = 0 ]; then
			say "$rel: \`$cmd\` ok in $(($(date +%s) - t0)) s$(summary "$out/$n.log")"
			continue
		fi
		say "$rel: \`$cmd\` FAILED (exit $rc) after $(($(date +%s) - t0)) s; its log ends:"
		tail -n 40 "$out/$n.log" | sed 's/^/  | /'
		failed_tests "$r/root/vgpu-hook" "$out/$n.log"
		# what the clone's build and tests left, for the post-mortem
		(cd "$r/root/vgpu-hook" && cp --parents -t "$out" config.log tests/*/*.log tests/vm-out -r) 2>/dev/null || true
		(cd "$r/root/vgpu-hook" && cp --parents -t "$out" vgpu-hook-*/_build/sub/tests/*/*.log) 2>/dev/null || true
		break
	done <<<"$cmds"
	umount -R "$r" 2>/dev/null || umount -R -l "$r"
	# never rm -r through $r: /dev and /sys may be bound there
	rm -rf "$work/up" "$work/work"
	rmdir "$r" "$work"
	return $rc
}

case $1 in
run)
	shift
	exec unshare --mount --pid --fork --propagation private bash "$0" run-inside "$@"
	;;
run-inside)
	shift
	mount -t proc proc /proc # this namespace's processes
	run_inside "$@"
	;;
*)
	echo "usage: root.sh run RELEASE BASE SRCDIR OUTDIR COMMANDS" >&2
	exit 2
	;;
esac
