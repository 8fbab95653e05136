#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the performance figures, from one VM run on one kernel lane.
# Builds the module, the CLI and the bench's helpers (.build/bench/), boots
# the VM, runs tests/bench/guest.sh there and prints its report; the same
# figures go to .build/bench/report.json.
#   LANE         kernel lane to boot (tests/kernel.sh): a Debian kernel
#                version, or "mainline" (7.2); default 6.12.117+deb12-amd64.
#                `make bench LANE=mainline`.  BENCH_KVER is the old name.
#   BENCH_VMAS   VMAs of the target process (default 60000)
#   BENCH_REPS   repetitions per throughput figure, best taken (default 5)
#   BENCH_BUF    read()/recv() size of the bare readers (default 65536)
#   BENCH_TRACE_RUNS  traced runs per reader for the lock holds (default 3)
#   BENCH_FAULT_MIB     memory of the fault microbenchmarks (default 256)
#   BENCH_FAULT_ROUNDS  rounds of them, best taken (default 1 under icount,
#                       whose instruction counts repeat to within 0.1%, else
#                       3; 0: skip)
#   BENCH_STORM_MS      length of the fault storm for the event
#                       throughput (default 3000)
#   BENCH_ICOUNT QEMU's -icount shift (default 0), or "off".  With icount,
#                guest time counts instructions (2^shift ns each): the
#                figures are deterministic and blind to other load on this
#                host, but they are instruction counts, not wall time.  With
#                "off" the VM runs as tests/vm-run.sh boots it (multi-threaded
#                TCG), on guest wall time, which a busy host skews.
#   BENCH_CPUS   the VM's CPUs under icount (default 1; the wall-clock run
#                boots as tests/vm-run.sh does, with 2).  Under
#                icount all vCPUs share one instruction clock, so on 2 CPUs
#                a watcher draining on the other CPU would be timed as the
#                faulting thread's own CPU time; on 1 CPU it is not, and
#                the wall time still includes it.
# Exit status: 0 if the VM run produced a report with no consistency
# problem, whether the performance targets were met or not.
set -eu
set -o pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kver=${LANE:-${BENCH_KVER:-6.12.117+deb12-amd64}}
vmas=${BENCH_VMAS:-60000}
reps=${BENCH_REPS:-5}
buf=${BENCH_BUF:-65536}
truns=${BENCH_TRACE_RUNS:-3}
icount=${BENCH_ICOUNT:-0}
fault_mib=${BENCH_FAULT_MIB:-256}
if [ "$icount" = off ]; then
	fault_rounds=${BENCH_FAULT_ROUNDS:-3}
	cpus=${BENCH_CPUS:-2}
else
	fault_rounds=${BENCH_FAULT_ROUNDS:-1}
	cpus=${BENCH_CPUS:-1}
fi
storm_ms=${BENCH_STORM_MS:-3000}
out=.build/bench

mkdir -p "$out"
# Other runs (make check) rebuild .build/KVER/ too: the VM loads a copy.
ko=.build/$kver/module/vmscope.ko
for try in 1 2 3; do
	tests/build-module.sh "$kver" && cp "$ko" "$out/vmscope.ko" && break
	[ "$try" -lt 3 ] || { echo "bench: cannot build the module" >&2; exit 1; }
	sleep 10
done

# The CLI is written concurrently: wait for its Makefile (up to 40 min).
waited=0
while [ ! -f userspace/Makefile ]; do
	if [ "$waited" -ge 2400 ]; then
		echo "bench: userspace/Makefile still missing after 40 min" >&2
		exit 1
	fi
	echo "bench: waiting for userspace/Makefile (${waited}s)" >&2
	sleep 120
	waited=$((waited + 120))
done
make -s -C userspace
# The same for the CLI, which someone may be rebuilding while we run.
cp userspace/vmscope "$out/vmscope"

for prog in target mapsbench faultbench watcher; do
	gcc -O2 -Wall -Wextra -Werror -I module/include/uapi \
		-o "$out/$prog" "tests/bench/$prog.c"
done

log=$out/vm.log
rm -f "$out/report.json"
# The guest is emulated on this host's CPUs: other work here skews it.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: host load average before the VM run: $load_before ($(nproc) CPUs)"
status=0
if [ "$icount" = off ]; then
	timing=wallclock
else
	timing=icount$icount
fi
cmd="tests/bench/guest.sh $vmas $reps $buf $truns $timing $fault_mib"
cmd="$cmd $fault_rounds $storm_ms"
{
	if [ "$icount" = off ]; then
		timeout 1800 tests/vm-run.sh "$kver" -- "$cmd"
	else
		# tests/vm-run.sh's VM, plus -icount (which it has no way to add).
		venv=${VMSCOPE_CACHE:-/var/cache/vmscope}/venv/bin
		[ -x "$venv/vng" ] || { echo "bench: no $venv/vng" >&2; exit 1; }
		image=$(tests/kernel.sh "$kver" | sed -n 2p)
		PATH=$venv:$PATH timeout 1800 "$venv/vng" --disable-kvm \
			-r "$image" --memory 2G --cpus "$cpus" \
			--qemu-opts="-icount shift=$icount" --exec "$cmd" </dev/null
	fi
} 2>&1 | tee "$log" || status=$?
json=$(tr -d '\r' <"$log" | sed -n 's/^BENCH-JSON //p' | tail -n 1)
if [ -z "$json" ]; then
	echo "bench: the VM run printed no report (status $status; log: $log)" >&2
	exit 1
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: host load average after the VM run: $load_after"
printf '%s\n' "$json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
r["host"] = {"cpus": int(sys.argv[1]), "loadavg_before": sys.argv[2],
             "loadavg_after": sys.argv[3]}
print(json.dumps(r, sort_keys=True, indent=1))
' "$(nproc)" "$load_before" "$load_after" >"$out/report.json"
echo "bench: report written to $out/report.json"
exit "$status"
