#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM, as root, from the repo root: load the module, run the
# suite, unload, and look for kernel splats.  Prints TAP; exits non-zero if
# anything failed.  tests/vm-run.sh starts it.
#   tests/guest.sh LANE RELEASE
set -u
lane=$1
kver=$2
ko=.build/$lane/module/vmscope.ko
n=0
failed=0
tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $kver: $2"
	else
		echo "not ok $n - $kver: $2"
		failed=1
	fi
}
splats='BUG:|WARNING:|Oops|KASAN|UBSAN|general protection|possible recursive locking|circular locking|RCU stall|stall on CPU|kmemleak|refcount_t|list_(add|del) corruption|scheduling while atomic|sleeping function called'

[ "$(uname -r)" = "$kver" ]
tap $? "booted the requested kernel ($(uname -r))"
tmp=$(mktemp -d)
dmesg >"$tmp/before"
insmod "$ko"
tap $? "insmod $ko"

# The suite's own closing line is kept as a comment: only the runner's
# final line, summed over every kernel, is the result.
/usr/bin/python3 tests/vm/suite.py 2>&1 | sed -u -E 's/^([0-9]+ passed)/# suite: \1/'
rc=${PIPESTATUS[0]}
echo "# suite exit status $rc"

rmmod vmscope
tap $? "rmmod after clients are gone"
! grep -q '^vmscope ' /proc/modules
tap $? "module gone from /proc/modules"

# allow_same_user is read-only at run time: load the module again with it
# set and rerun the permission tests, so its allowed path runs too.
insmod "$ko" allow_same_user=1
tap $? "insmod $ko allow_same_user=1"
/usr/bin/python3 tests/vm/suite.py unprivileged status 2>&1 |
	sed -u -E -e 's/^([0-9]+ passed)/# suite: \1/' -e 's/^((not )?ok [0-9]+ - )/\1allow_same_user=1: /'
rc2=${PIPESTATUS[0]}
[ "$rc2" -eq 0 ] || rc=$rc2
rmmod vmscope
tap $? "rmmod after the allow_same_user=1 pass"

# The smallest CPU event buffers: a fault storm overflows them, and the
# losses must show in DROPPED_BUFFER.
insmod "$ko" ring_size=16
tap $? "insmod $ko ring_size=16"
/usr/bin/python3 tests/vm/suite.py "fault storm" 2>&1 |
	sed -u -E -e 's/^([0-9]+ passed)/# suite: \1/' -e 's/^((not )?ok [0-9]+ - )/\1ring_size=16: /'
rc3=${PIPESTATUS[0]}
[ "$rc3" -eq 0 ] || rc=$rc3
rmmod vmscope
tap $? "rmmod after the ring_size=16 pass"

# The smallest tables the parameters allow: one entry (their hash tables
# get two buckets).  Everything else must overflow, counted, with use never
# above the cap.  One load per table, as in the stress lanes: VMAs only
# overflow for a process that has an entry, and the one process entry may
# go to a process that maps nothing new.
for param in max_procs max_vmas; do
	insmod "$ko" "$param=1"
	tap $? "insmod $ko $param=1"
	/usr/bin/python3 tests/stress/bounds.py 5 2>&1 | sed 's/^/# /'
	tap "${PIPESTATUS[0]}" "$param=1: the one-entry table overflows, counted, within its cap"
	rmmod vmscope
	tap $? "rmmod after the $param=1 pass"
done

# vma_complete=1 follows every fault on other than private anonymous
# memory to its end with a kretprobe, instead of counting it at its start:
# rerun the tests of the per-VMA fault counters and events that way.
insmod "$ko" vma_complete=1
tap $? "insmod $ko vma_complete=1"
/usr/bin/python3 tests/vm/suite.py "counters:" "first touch" "swap-in" \
	"MAP_SHARED" "get_user_pages" "fork:" "watch: events of" 2>&1 |
	sed -u -E -e 's/^([0-9]+ passed)/# suite: \1/' -e 's/^((not )?ok [0-9]+ - )/\1vma_complete=1: /'
rc5=${PIPESTATUS[0]}
[ "$rc5" -eq 0 ] || rc=$rc5
rmmod vmscope
tap $? "rmmod after the vma_complete=1 pass"

# Unload under load: a watcher, a dumper and a fault storm running.
cycles=${VMSCOPE_UNLOAD_CYCLES:-10}
/usr/bin/python3 tests/vm/unload.py "$ko" "$cycles"
tap $? "$cycles rmmod cycles under a watcher, a dumper and a fault storm"

# With the module unloaded: make install, autoload, the man page's JSON
# keys, the kernel's YNL CLI with module/vmscope.yaml, make uninstall.
tests/eco/guest.sh "$lane" "$kver"
rc4=$?
[ "$rc4" -eq 0 ] || rc=$rc4
dmesg >"$tmp/after"
new=$(diff "$tmp/before" "$tmp/after" | sed -n 's/^> //p' | grep -E "$splats")
[ -z "$new" ] || echo "$new" | sed 's/^/# /'
[ -z "$new" ]
tap $? "no new kernel splat in dmesg during the run"
echo "guest: complete"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
