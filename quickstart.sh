#!/bin/sh
# Quick start on a fresh Debian 12 or 13 machine: install what the build and the
# tests need (.ci/packages, the same list CI installs), build, and run the
# main job: the hook and vgpuctl on the built-in simulated GPU host.
set -eu
cd "$(dirname "$0")"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -q
# shellcheck disable=SC2046 # one package a word
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $(grep -v '^#' .ci/packages)
./autogen.sh
./configure
make -j"$(nproc)"
make demo
