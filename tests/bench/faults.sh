#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault-path part of the bench, inside the VM, as root, from the repo
# root, with the module NOT loaded (tests/bench/guest.sh runs it after its
# own part).  Two microbenchmarks (tests/bench/faultbench.c): first touch
# of MIB MiB, and fork + the child writes every page.  Each runs under five
# configurations, in ROUNDS rounds whose order rotates (a slow spell then
# falls on all of them alike; each runs each benchmark twice, and the
# report takes the best):
#   unloaded   no module
#   counters   the module loaded, nobody watching
#   complete   the same with vma_complete=1: per-VMA faults followed to
#              their end by a kretprobe instead of counted at their start
#   watcher    the module loaded and tests/bench/watcher watching ALL
#   bpftrace   no module; bpftrace counting the same events per process
#              instead (the tracepoints and functions the module hooks)
# Then the event throughput: a fault storm of STORM_MS ms with the watcher
# attached.  Everything goes to files in OUT for tests/bench/report.py.
#   tests/bench/faults.sh OUT BIN MIB ROUNDS STORM_MS
set -eu
out=$1
bin=$2
mib=${3:-256}
rounds=${4:-3}
storm_ms=${5:-3000}
ko=$bin/vmscope.ko

log() { echo "bench: $*" >&2; }

# bpftrace counting, per process, what the module's hooks see.  bpftrace's
# kprobes are perf's, which refuse a function ftrace cannot trace (6.12's
# wp_page_reuse() is one; the module's register_kprobe() can probe it):
# only those in available_filter_functions.
# The file is slow to read (every line a kallsyms lookup): read it once.
cp /sys/kernel/tracing/available_filter_functions "$out/traceable"
traceable() { grep -qE "^$1( |\$)" "$out/traceable"; }
bt="BEGIN { printf(\"ready\\n\"); }
tracepoint:exceptions:page_fault_user { @fault_user[pid] = count(); }
tracepoint:exceptions:page_fault_kernel { @fault_kernel[pid] = count(); }
kretprobe:handle_mm_fault { @handle_mm_fault[pid] = count(); }"
for f in do_wp_page wp_page_reuse folio_add_new_anon_rmap \
	 page_add_new_anon_rmap unmap_vmas; do
	if traceable "$f"; then
		bt="$bt
kprobe:$f { @$f[pid] = count(); }"
	fi
done
printf '%s\n' "$bt" >"$out/fault.bpftrace"

wait_line() {	# FILE WORD SECONDS [PID]: wait until FILE has a line
	local i	# starting WORD; give up early if PID exits
	for i in $(seq $(($3 * 10))); do
		grep -q "^$2" "$1" 2>/dev/null && return 0
		[ -z "${4:-}" ] || kill -0 "$4" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

start_watcher() {	# OUTFILE
	"$bin/watcher" all 1048576 >"$1" 2>&1 &
	wpid=$!
	wait_line "$1" watching 60 || { log "watcher did not start"; cat "$1" >&2; exit 1; }
}

stop_bg() {	# PID OUTFILE: SIGINT, then at most 120 s for it to end
	local i
	if ! kill -INT "$1"; then
		log "it had exited: $(cat "$2")"
		exit 1
	fi
	for i in $(seq 1200); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1"
		log "pid $1 did not end within 120 s of SIGINT: $(cat "$2")"
		exit 1
	fi
	wait "$1" || true
}

start_bpftrace() {	# OUTFILE
	bpftrace -B line -e "$bt" >"$1" 2>&1 &
	bpid=$!
	# BEGIN runs once every probe is attached (under TCG: a minute; under
	# icount several).
	local t0=$(date +%s) i
	for i in $(seq 60); do
		wait_line "$1" ready 30 "$bpid" && break
		kill -0 "$bpid" 2>/dev/null || break
		log "bpftrace not attached after $(($(date +%s) - t0)) s:" \
		    "state $(cut -d' ' -f3 "/proc/$bpid/stat" 2>/dev/null)," \
		    "wchan $(cat "/proc/$bpid/wchan" 2>/dev/null)," \
		    "output: $(tail -n 2 "$1" | tr '\n' ' ')"
	done
	grep -q '^ready' "$1" || { log "bpftrace did not attach"; cat "$1" >&2; exit 1; }
	echo "$(($(date +%s) - t0))" >"$1.startup_s"
	log "bpftrace attached after $(cat "$1.startup_s") s"
}

run_cfg() {	# CFG ROUND
	local cfg=$1 r=$2 m
	case $cfg in
	counters | watcher) insmod "$ko" ;;
	complete) insmod "$ko" vma_complete=1 ;;
	esac
	[ "$cfg" = watcher ] && start_watcher "$out/fault.watcher.$r"
	[ "$cfg" = bpftrace ] && start_bpftrace "$out/fault.bt.$r"
	for m in touch fork; do
		"$bin/faultbench" "$m" "$mib" 2 >"$out/fault.$cfg.$m.$r"
		log "round $r, $cfg, $m: $(grep best_ns "$out/fault.$cfg.$m.$r")"
	done
	[ "$cfg" = watcher ] && stop_bg "$wpid" "$out/fault.watcher.$r"
	if [ "$cfg" = bpftrace ]; then
		stop_bg "$bpid" "$out/fault.bt.$r"
		grep -q '^@fault_user' "$out/fault.bt.$r" || {
			log "bpftrace counted nothing: $(cat "$out/fault.bt.$r")"
			exit 1
		}
	fi
	case $cfg in
	counters | complete | watcher) rmmod vmscope ;;
	esac
	return 0
}

# A first run after boot pays for what later runs find ready (page
# tables, the page allocator's lists): 3% here.  Warm up, unmeasured.
for m in touch fork; do
	"$bin/faultbench" "$m" "$mib" 1 >/dev/null
done

cfgs=(unloaded counters complete watcher bpftrace)
for r in $(seq "$rounds"); do
	order=
	for i in "${!cfgs[@]}"; do
		c=${cfgs[$(((i + r) % ${#cfgs[@]}))]}
		order="$order $c"
		run_cfg "$c" "$r"
	done
	log "fault round $r/$rounds done:$order"
done

# Event throughput under a fault storm.
insmod "$ko"
cat /sys/module/vmscope/parameters/ring_size >"$out/storm.ring_size_param" 2>/dev/null || true
start_watcher "$out/storm.watcher"
"$bin/faultbench" storm 64 "$storm_ms" >"$out/storm.bench"
sleep 1
stop_bg "$wpid" "$out/storm.watcher"
rmmod vmscope
cat >"$out/fault.meta" <<EOF
mib=$mib
rounds=$rounds
storm_ms=$storm_ms
storm_pages=64
EOF
log "fault benchmarks done"
