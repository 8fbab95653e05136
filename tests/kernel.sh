#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Resolve a kernel lane to what building for it and booting it need.
#   tests/kernel.sh LANE  ->  prints three lines: KDIR, IMAGE, RELEASE
# A lane is a Debian kernel version installed from the registry
# (e.g. 6.12.117+deb12-amd64 or the PREEMPT_RT 6.12.117+deb12-rt-amd64),
# "mainline": Debian unstable's linux-source-7.2, or "debug": Debian 12's
# linux-source-6.12 with KASAN, lockdep and kmemleak; those two are built
# and cached by tests/kernel-build.sh.
set -euo pipefail
lane=$1
case $lane in
mainline | debug)
	dir=$("$(dirname "$0")/kernel-build.sh" "$lane")
	echo "$dir"
	echo "$dir/arch/x86/boot/bzImage"
	make -s -C "$dir" kernelrelease
	;;
*)
	echo "/lib/modules/$lane/build"
	echo "/boot/vmlinuz-$lane"
	echo "$lane"
	;;
esac
