#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the module for one kernel lane in its own tree, .build/<lane>/, so
# that builds for several kernels never clean each other.  Fails on any
# compiler or sparse warning: the module must build warning-free on every
# kernel.
#   tests/build-module.sh LANE      (see tests/kernel.sh)
set -euo pipefail
lane=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/.build/$lane
kdir=$("$top/tests/kernel.sh" "$lane" | sed -n 1p)

[ -d "$kdir" ] || { echo "build-module: no kernel tree for $lane ($kdir)" >&2; exit 1; }
mkdir -p "$out"
rm -rf "$out/module"
cp -r "$top/Kbuild" "$top/module" "$out/"
ver=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
log=$out/build.log
# sparse on every lane but mainline.  7.2's headers use __typeof_unqual__
# when __CHECKER__ is defined (include/linux/compiler_types.h), which
# Debian 12's sparse 0.6.4 cannot parse: every file would fail in the
# kernel's own headers before reaching ours.  7.2's Makefile notices that
# (scripts/checker-valid.sh) and silently drops C=1, so say it here instead.
# Its build is still W=1 and, with the tree's CONFIG_WERROR, -Werror.
check=1
if [ "$lane" = mainline ]; then
	check=0
	echo "build-module: $lane: no sparse (Debian 12's sparse 0.6.4 cannot parse 7.2's headers)" >&2
fi
make -s -C "$kdir" M="$out" W=1 C=$check VMSCOPE_VERSION="$ver" modules >"$log" 2>&1 ||
	{ cat "$log" >&2; exit 1; }
# A kernel that finds sparse unusable drops C=1 with this note: fail, since
# this lane is meant to be checked.
if grep -E 'warning:|error:|is not available or not up to date' "$log" >&2; then
	echo "build-module: $lane: warnings (above)" >&2
	exit 1
fi
echo "build-module: $out/module/vmscope.ko"
