#!/bin/bash
# run-scenario.sh FILE: one scenario of `make check-vm`, in the guest, from a
# reset machine (lib.sh vm_reset).  The scenario is a bash fragment run with
# `set -euo pipefail`: any failing command or assertion fails it, and the
# line is reported.  Exit status 0 = passed.
set -euo pipefail
: "${SRCDIR:?}"
# shellcheck source=tests/vm/lib.sh
. "$SRCDIR/tests/vm/lib.sh"
trap 'echo "FAILED at $BASH_SOURCE:$LINENO: $BASH_COMMAND" >&2' ERR
set -E
vm_reset
cd /tmp
# shellcheck source=/dev/null
. "$1"
echo "PASSED $(basename "$1")"
