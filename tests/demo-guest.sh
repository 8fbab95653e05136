#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the VM: load the module and show a live process with it.
set -eu
insmod ".build/$1/module/vmscope.ko"
dir=$(mktemp -d)
coproc prog { .build/demo-prog "$dir"; }
read -r pid <&"${prog[0]}"
show() {
	echo
	echo "\$ $*"
	"$@"
}
show userspace/vmscope status
show userspace/vmscope stats "$pid"
show userspace/vmscope maps "$pid"
show userspace/vmscope maps "$pid" --addr "$(awk '/seed.dat/ {print $1; exit}' /proc/$pid/maps | cut -d- -f1)" --json
exec {prog[1]}>&-
wait
rmmod vmscope
