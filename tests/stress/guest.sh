#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The hardening campaigns, inside the VM, as root, from the repo root
# (tests/stress.sh starts it through tests/vm-run.sh).  Prints TAP, one line
# per campaign and per check, then one summary line:
#   stress: lane=L dumps=N fuzz_messages=N cycles=N rmmod_refused=N
#           splats=N kmemleak=N|n/a lockdep=on|off|n/a seconds=N
#   tests/stress/guest.sh LANE RELEASE DUMPS FUZZ CYCLES SECONDS SEED
# DUMPS: race dumps; FUZZ: fuzz messages; CYCLES: insmod/rmmod cycles;
# SECONDS: length of the lifetime storm and of the bounds run; SEED: the
# fuzzer's seed.  A splat is any new BUG/WARNING/KASAN/lockdep/RCU report in
# dmesg since the campaigns started (the boot log is the baseline); kmemleak
# reports are counted after a scan once the module is gone.
set -u
lane=$1
kver=$2
dumps=$3
fuzz_n=$4
cycles=$5
secs=$6
seed=$7
ko=.build/$lane/module/vmscope.ko
progs=tests/progs
kml=/sys/kernel/debug/kmemleak
n=0
failed=0
t_start=$(date +%s)
tmp=$(mktemp -d)
splats='BUG:|WARNING:|Oops|KASAN|UBSAN|general protection|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|lockdep|RCU stall|stall on CPU|blocked for more than|refcount_t|list_(add|del) corruption|scheduling while atomic|sleeping function called|Unable to handle'

tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $lane: $2"
	else
		echo "not ok $n - $lane: $2"
		failed=1
	fi
}
# Indent a program's output as TAP comments.
com() { sed -u 's/^/# /'; }
kv() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" "$2" | tail -n 1; }

# New splat lines since dmesg line $1.
new_splats() { dmesg | tail -n +"$(($1 + 1))" | grep -E "$splats"; }
mark() { dmesg | wc -l; }
# campaign NAME CMD...: run CMD, then look for splats it caused.
campaign() {
	local name=$1 m rc t0 s
	shift
	m=$(mark)
	t0=$(date +%s)
	echo "# ---- $name: $*"
	"$@" >"$tmp/$name.out" 2>&1
	rc=$?
	com <"$tmp/$name.out"
	tap $rc "$name ($(($(date +%s) - t0)) s)"
	# A campaign that could not run part of itself says so: a skip.
	while read -r why; do
		n=$((n + 1))
		echo "ok $n - $lane: $name: $why # SKIP"
	done < <(sed -n 's/^[a-z]*: SKIP \(.*\)/\1/p' "$tmp/$name.out")
	s=$(new_splats "$m")
	# The whole report, not only its matching lines: which lock, where.
	[ -z "$s" ] || dmesg | tail -n +"$((m + 1))" | head -n 200 | com
	[ -z "$s" ]
	tap $? "$name: no new kernel splat"
}
unload() {
	local i
	for i in $(seq 50); do
		grep -q '^vmscope ' /proc/modules || return 0
		rmmod vmscope 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

[ "$(uname -r)" = "$kver" ]
tap $? "booted the requested kernel ($(uname -r), $(nproc) CPUs)"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
lockdep=n/a
if [ -r /proc/lockdep_stats ]; then
	# A report before our module loads (the debug kernel's boot has a
	# KASAN one) must not have turned lock debugging off.
	if grep -qE 'debug_locks:\s+1' /proc/lockdep_stats; then
		lockdep=on
	else
		lockdep=off
	fi
	[ $lockdep = on ]
	tap $? "lockdep is still on after boot ($(grep -E 'debug_locks' /proc/lockdep_stats | tr -s ' '))"
fi
kmemleak=n/a
if [ -w $kml ]; then
	# Forget what boot leaked: only reports after this count.
	echo scan >$kml && echo clear >$kml
	tap $? "kmemleak is on and cleared"
fi
base=$(mark)
echo "# boot log: $(dmesg | grep -cE "$splats") splat lines before any module load (the baseline)"

insmod "$ko"
tap $? "insmod $ko"
campaign races /usr/bin/python3 tests/stress/races.py "$dumps"
# At least 3 forks a second of storm, however slowly the kernel forks.
campaign lifetimes $progs/stress lifetimes "$secs" $((secs * 3))
campaign fuzz $progs/fuzz -s "$seed" -n "$fuzz_n" -t 4 -p "$$"
campaign privileges /usr/bin/python3 tests/stress/priv.py 1
unload
tap $? "rmmod after the campaigns"

# allow_same_user=1: the same-user path under the same probes.
insmod "$ko" allow_same_user=1
tap $? "insmod allow_same_user=1"
campaign privileges-same-user /usr/bin/python3 tests/stress/priv.py 1
unload
tap $? "rmmod after allow_same_user=1"

# Module cycles with clients active (dumps, watchers, a fault storm).
cycle_test() {
	local i out ok=0 refused=0 cpid
	$progs/stress clients 100000 >"$tmp/clients.out" 2>&1 &
	cpid=$!
	for i in $(seq "$cycles"); do
		insmod "$ko" || { echo "cycle $i: insmod failed"; kill $cpid; return 1; }
		sleep 0.$((RANDOM % 5))
		if out=$(rmmod vmscope 2>&1); then
			ok=$((ok + 1))
			continue
		fi
		# Refused cleanly: a reason, still live, usable, and it goes
		# once its users are done.
		echo "cycle $i: rmmod refused: $out"
		grep -q '^vmscope .* Live ' /proc/modules ||
			{ echo "cycle $i: refused, but not Live: $(grep ^vmscope /proc/modules)"; kill $cpid; return 1; }
		refused=$((refused + 1))
		unload || { echo "cycle $i: never unloads"; kill $cpid; return 1; }
	done
	kill -TERM $cpid
	wait $cpid
	cat "$tmp/clients.out"
	echo "cycles=$cycles unloaded_first_try=$ok rmmod_refused=$refused"
}
campaign cycles cycle_test

# Memory bounds: tiny tables.  A process keeps its slot until it exits, so
# the VMA table is filled in a second load, where every process has one.
insmod "$ko" max_procs=4 ring_size=16
tap $? "insmod max_procs=4 ring_size=16"
campaign bounds-procs /usr/bin/python3 tests/stress/bounds.py "$secs"
unload
tap $? "rmmod after bounds-procs"
insmod "$ko" max_vmas=64 ring_size=16
tap $? "insmod max_vmas=64 ring_size=16"
campaign bounds-vmas /usr/bin/python3 tests/stress/bounds.py "$secs"
unload
tap $? "rmmod after bounds-vmas"
! grep -q '^vmscope ' /proc/modules
tap $? "module gone"

if [ -w $kml ]; then
	# kmemleak reports objects unreferenced for 5 s: wait, then scan.
	sleep 6
	echo scan >$kml
	echo scan >$kml
	kmemleak=$(grep -c 'unreferenced object' $kml)
	[ "$kmemleak" -eq 0 ] || head -n 80 $kml | com
	[ "$kmemleak" -eq 0 ]
	tap $? "kmemleak: $kmemleak reports after rmmod"
fi
all=$(new_splats "$base" | wc -l)
[ "$all" -eq 0 ]
tap $? "no new kernel splat in the whole run ($all lines)"

fz=$(kv messages "$tmp/fuzz.out")
cy=$(sed -n 's/^cycles=\([0-9]*\).*rmmod_refused=\([0-9]*\).*/\1 \2/p' "$tmp/cycles.out")
echo "stress: lane=$lane kernel=$kver dumps=$(kv dumps "$tmp/races.out") fuzz_messages=${fz:-0} fuzz_seed=$seed fuzz_rate=$(kv rate "$tmp/fuzz.out")/s lifetime_forks=$(kv forks "$tmp/lifetimes.out") cycles=${cy% *} rmmod_refused=${cy#* } splats=$all kmemleak=$kmemleak lockdep=$lockdep failed=$failed seconds=$(($(date +%s) - t_start))"
rm -rf "$tmp"
echo "guest: complete"
[ "$failed" -eq 0 ]
