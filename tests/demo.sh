#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: build, boot DEMO_KVER in a VM, and show vmscope on a live process.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kver=${DEMO_KVER:-6.12.117+deb12-amd64}
tests/build-module.sh "$kver"
make -s -C userspace
gcc -O2 -Wall -Wextra -o .build/demo-prog tests/demo-prog.c
tests/vm-run.sh "$kver" -- tests/demo-guest.sh "$kver"
