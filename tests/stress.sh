#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-stress`: the hardening campaigns (tests/stress/guest.sh) on
# the debug kernel (KASAN, lockdep, kmemleak; tests/kernel-build.sh debug)
# and on Debian's PREEMPT_RT kernel, one VM per lane.  Prints TAP per lane,
# one "stress:" summary line per lane, and the final
# "N passed, N failed" line.
#   tests/stress.sh            the full campaigns
#   tests/stress.sh --short    fewer iterations, same lanes (CI)
# Environment: STRESS_LANES (default "debug 6.12.117+deb12-rt-amd64"),
# STRESS_SEED (the fuzzer's seed; default: the time, printed).
set -u
# Multi-threaded TCG runs the guest's cross-modifying code (text_poke_bp()
# flipping a static key while another vCPU executes the site) unreliably:
# the guest dies with "Oops: int3" at a jump label in core kernel code,
# with or without vmscope's own keys.  Single-threaded TCG does not, and
# still interleaves the two vCPUs preemptively.
export VMSCOPE_QEMU_OPTS=${VMSCOPE_QEMU_OPTS-"-accel tcg,thread=single"}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
lanes=${STRESS_LANES:-"debug 6.12.117+deb12-rt-amd64"}
seed=${STRESS_SEED:-$(date +%s)}
# dumps, fuzz messages, module cycles, seconds of storm and bounds
if [ "${1:-}" = --short ]; then
	set -- 2000 100000 20 20
else
	set -- 10000 1000000 100 60
fi
logs=$top/.build/stress
mkdir -p "$logs"
pass=0
fail=0
skip=0
summaries=()
start=$(date +%s)
make -s -C tests/progs >/dev/null || { echo "not ok - tests/progs build"; exit 1; }
for lane in $lanes; do
	t0=$(date +%s)
	log=$logs/$lane.log
	{
		if tests/build-module.sh "$lane"; then
			echo "ok 0 - $lane: module builds warning-free (W=1, sparse)"
			release=$(tests/kernel.sh "$lane" | sed -n 3p)
			tests/vm-run.sh "$lane" -- tests/stress/guest.sh "$lane" \
				"$release" "$@" "$seed"
			grep -q '^guest: complete' "$log" ||
				echo "not ok - $lane: the VM run did not complete"
		else
			echo "not ok 0 - $lane: module builds warning-free (W=1, sparse)"
		fi
	} 2>&1 | tee "$log"
	p=$(grep -E '^ok [0-9]+' "$log" | grep -vc '# SKIP')
	k=$(grep -E '^ok [0-9]+' "$log" | grep -c '# SKIP')
	f=$(grep -cE '^not ok' "$log")
	pass=$((pass + p))
	skip=$((skip + k))
	fail=$((fail + f))
	s=$(grep '^stress: ' "$log" | tail -n 1)
	summaries+=("${s:-stress: lane=$lane (no summary)} wall=$(($(date +%s) - t0))s")
done
echo "# ---- check-stress summary (seed $seed, $(($(date +%s) - start)) s)"
printf '%s\n' "${summaries[@]}"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
