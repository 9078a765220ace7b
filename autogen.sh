#!/bin/sh
# Regenerate the build system from a clean clone.
set -e
cd "$(dirname "$0")"
autoreconf -fi
