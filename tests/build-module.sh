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
make -s -C "$kdir" M="$out" W=1 C=1 VMSCOPE_VERSION="$ver" modules >"$log" 2>&1 ||
	{ cat "$log" >&2; exit 1; }
if grep -E 'warning:|error:' "$log" >&2; then
	echo "build-module: $lane: warnings (above)" >&2
	exit 1
fi
echo "build-module: $out/module/vmscope.ko"
