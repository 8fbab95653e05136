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

# The seeds, live: demand paging, sbrk, mprotect splitting a VMA,
# copy-on-write after fork, munmap.
echo
echo "\$ vmscope watch $pid --duration 6   # while it mmaps, touches, sbrks, forks, munmaps"
userspace/vmscope watch "$pid" --duration 6 &
watcher=$!
sleep 1
echo go >&"${prog[1]}"
wait "$watcher"
show userspace/vmscope maps "$pid" --counters
show userspace/vmscope top "$pid" --iterations 1 --limit 5
exec {prog[1]}>&-
wait
rmmod vmscope
