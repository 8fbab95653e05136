#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The bench, inside the VM, as root, from the repo root (tests/bench.sh
# boots it).  Loads the module, starts a target with VMAS VMAs, times the
# ways of listing them (the vmscope CLI, /proc/PID/maps read+parse,
# PROCMAP_QUERY, and a bare netlink dump), traces the target's mmap_lock
# while each reader runs, and prints the report (tests/bench/report.py),
# whose last line is "BENCH-JSON {...}".
#   tests/bench/guest.sh [VMAS [REPS [BUFSIZE [TRACE_RUNS [TIMING
#                        [FAULT_MIB [FAULT_ROUNDS [STORM_MS]]]]]]]]
# The fault-path figures (FAULT_MIB, FAULT_ROUNDS, STORM_MS) come from
# tests/bench/faults.sh; FAULT_ROUNDS=0 leaves them out.
# TIMING is what the guest's clocks mean, for the report: "icountN" (QEMU
# -icount shift=N: instructions, 2^N ns each) or "wallclock".
set -eu
set -o pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
vmas=${1:-60000}
reps=${2:-5}
bufsize=${3:-65536}
truns=${4:-3}
timing=${5:-wallclock}
fault_mib=${6:-256}
fault_rounds=${7:-3}
storm_ms=${8:-3000}
bufsize2=131072
kver=$(uname -r)
bin=.build/bench
# tests/bench.sh's copies of userspace/vmscope and the module built for
# this kernel: other runs may rebuild those while this one goes on.
cli=$bin/vmscope
tr=/sys/kernel/tracing
ev=$tr/events/mmap_lock
dir=$(mktemp -d)

log() { echo "bench: $*" >&2; }

insmod "$bin/vmscope.ko"

# Default vm.max_map_count is 65530: raise it only if the target needs it.
max=$(cat /proc/sys/vm/max_map_count)
if [ "$vmas" -ge "$((max - 16))" ]; then
	echo "$((vmas + 1024))" >/proc/sys/vm/max_map_count
fi

log "starting a target with $vmas VMAs"
coproc tgt { exec "$bin/target" "$vmas"; }
read -r pid counted lo hi <&"${tgt[0]}"
log "target pid $pid: $counted VMAs, region $lo-$hi"

cat >"$dir/meta" <<EOF
kernel=$kver
vmas_requested=$vmas
vmas_target=$counted
pid=$pid
region_start=$lo
region_end=$hi
reps=$reps
bufsize=$bufsize
bufsize2=$bufsize2
trace_runs=$truns
timing=$timing
cli_cmd=vmscope maps PID --json >/dev/null (userspace/vmscope, fork+exec+wait)
EOF

# What the readers see, once, untimed: the counts and a field-by-field check.
"$cli" stats "$pid" --json >"$dir/stats.json"
"$cli" maps "$pid" --json >"$dir/maps.json"
cat "/proc/$pid/maps" >"$dir/maps.txt"

# 2. Throughput, with no tracing on.  The host may be busy with other
# work: the methods take turns, one rep each in a rotating order, so that a
# slow spell falls on all of them alike; the report takes each one's best.
# timed NAME REP: one rep of one method, to $dir/NAME.REP.
timed() {
	case $1 in
	cli)	"$bin/mapsbench" exec 1 /dev/null "$cli" maps "$pid" --json ;;
	parse)	"$bin/mapsbench" parse "$pid" "$bufsize" 1 ;;
	query)	"$bin/mapsbench" query "$pid" 1 ;;
	dump)	"$bin/mapsbench" dump "$pid" "$bufsize" 1 ;;
	esac >"$dir/$1.$2"
}
methods=(cli parse query dump)
for rep in $(seq "$reps"); do
	order=
	for i in 0 1 2 3; do
		m=${methods[$(((i + rep) % 4))]}
		order="$order $m"
		timed "$m" "$rep"
	done
	log "rep $rep/$reps done:$order"
done

# 3. mmap_lock holds.
[ -e "$tr/trace" ] || mount -t tracefs nodev "$tr"
echo "--- $ev/mmap_lock_acquire_returned/format" >&2
cat "$ev/mmap_lock_acquire_returned/format" >&2
echo "--- $ev/mmap_lock_released/format" >&2
cat "$ev/mmap_lock_released/format" >&2
echo 0 >"$tr/tracing_on"
echo 0 >"$tr/options/event-fork"
echo 16384 >"$tr/buffer_size_kb"
# Trace timestamps print in microseconds for every clock counted in ns; the
# TSC prints in ticks, which mapsbench tsc turns into time.
if grep -qw x86-tsc "$tr/trace_clock"; then
	echo x86-tsc >"$tr/trace_clock"
	"$bin/mapsbench" tsc >>"$dir/meta"
	echo "trace_clock=x86-tsc" >>"$dir/meta"
else
	echo local >"$tr/trace_clock"
	echo "trace_clock=local" >>"$dir/meta"
fi
echo "$pid" >"$tr/set_event_pid"
echo 1 >"$ev/mmap_lock_acquire_returned/enable"
echo 1 >"$ev/mmap_lock_released/enable"

# Calibration: the target's mm is what its own mprotect() write-locks.
log "tracing the target's mprotect (calibration)"
echo >"$tr/trace"
echo 1 >"$tr/tracing_on"
echo p >&"${tgt[1]}"
read -r ok <&"${tgt[0]}"
echo 0 >"$tr/tracing_on"
[ "$ok" = ok ] || { log "target did not answer"; exit 1; }
cat "$tr/trace" >"$dir/trace.calib"

# traced NAME CMD...: CMD's events only (set_event_pid is the pid that
# execs it), stdout to /dev/null.  Emulation makes single holds noisy, so
# each reader runs $truns times: trace.NAME.RUN.
traced() {
	local name=$1 run
	shift
	for run in $(seq "$truns"); do
		log "tracing $name, run $run"
		echo >"$tr/trace"
		sh -c 'echo $$ >"$1/set_event_pid" && echo 1 >"$1/tracing_on" &&
		       shift && exec "$@"' traced "$tr" "$@" >/dev/null
		echo 0 >"$tr/tracing_on"
		cat "$tr/trace" >"$dir/trace.$name.$run"
	done
}
traced vmscope_cli "$cli" maps "$pid" --json
traced "proc_read_$bufsize" "$bin/mapsbench" parse "$pid" "$bufsize" 1
traced "proc_read_$bufsize2" "$bin/mapsbench" parse "$pid" "$bufsize2" 1
traced proc_cat cat "/proc/$pid/maps"
traced vmscope_bare "$bin/mapsbench" dump "$pid" "$bufsize" 1
traced procmap_query "$bin/mapsbench" query "$pid" 1

echo 0 >"$ev/mmap_lock_acquire_returned/enable"
echo 0 >"$ev/mmap_lock_released/enable"
echo >"$tr/set_event_pid"
exec {tgt[1]}>&-
wait
rmmod vmscope

# 4. The fault path: overhead of the counters, a watcher and bpftrace, and
# the event throughput.
if [ "$fault_rounds" -gt 0 ]; then
	tests/bench/faults.sh "$dir" "$bin" "$fault_mib" "$fault_rounds" \
		"$storm_ms"
fi

log "analysing"
python3 tests/bench/report.py "$dir"
