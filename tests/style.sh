#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch --strict over the module and the UAPI header, as TAP.
# compat.h is the one file allowed to read LINUX_VERSION_CODE.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cp=${VMSCOPE_CACHE:-/var/cache/vmscope}/linux-source-6.12/scripts/checkpatch.pl
if [ ! -x "$cp" ]; then
	echo "ok 1 - checkpatch --strict # SKIP checkpatch.pl not installed (run tests/setup.sh)"
	exit 0
fi
files=$(git ls-files 'module/*.c' 'module/*.h' | grep -v '^module/compat.h$')
out=$("$cp" --no-tree --strict --quiet -f $files 2>&1
      "$cp" --no-tree --strict --quiet --ignore LINUX_VERSION_CODE -f module/compat.h 2>&1)
if [ -z "$out" ]; then
	echo "ok 1 - checkpatch --strict: module/ clean"
else
	echo "$out" | sed 's/^/# /'
	echo "not ok 1 - checkpatch --strict: module/ clean"
	exit 1
fi
