#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test on every supported kernel.  Each stage prints TAP;
# this script keeps each stage's log in .build/check/, counts its results,
# and ends with the one summary line CI reads: N passed, N failed, N skipped.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# Kernel lanes (tests/kernel.sh): two Debian kernels, and "mainline",
# Debian unstable's linux-source-7.2, built and cached on first use.
KVERS=${KVERS:-"6.1.0-56-amd64 6.12.117+deb12-amd64 mainline"}
export KVERS
logs=$top/.build/check
# Single-threaded TCG: under multi-threaded TCG a guest can die with an
# "Oops: int3" at a jump-label site of core kernel code while static keys
# and ftrace sites are patched, which every insmod and rmmod of the module
# does (see the README's hardening section).  Slower, but not flaky.
export VMSCOPE_QEMU_OPTS=${VMSCOPE_QEMU_OPTS-"-accel tcg,thread=single"}
rm -rf "$logs"
mkdir -p "$logs"
pass=0
fail=0
skip=0

# stage NAME CMD...: run CMD, show and count its TAP; a stage that fails
# without reporting a failing test counts as one failure of its own.
stage() {
	local name=$1 log=$logs/$1.log rc p f s
	shift
	echo "# ---- $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -E '^ok [0-9]+' "$log" | grep -vc '# SKIP')
	s=$(grep -E '^ok [0-9]+' "$log" | grep -c '# SKIP')
	f=$(grep -cE '^not ok [0-9]+' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: exited with status $rc"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
}

build_all() {
	local i=0 k
	for k in $KVERS; do
		i=$((i + 1))
		# mainline: no sparse, which cannot parse 7.2's headers (see
		# tests/build-module.sh); the tree builds with -Werror.
		what="W=1, sparse"
		[ "$k" != mainline ] || what="W=1, -Werror"
		if tests/build-module.sh "$k"; then
			echo "ok $i - module builds warning-free ($what) for $k"
		else
			echo "not ok $i - module builds warning-free ($what) for $k"
		fi
	done
	i=$((i + 1))
	# Capture, don't tee: the log is this stage's stdout, and reopening it
	# (tee /dev/stderr) would truncate what is already written.
	out=$(make -s -C userspace 2>&1)
	[ -z "$out" ] || echo "$out" | sed 's/^/# /'
	if ! echo "$out" | grep -q 'warning:' && [ -x userspace/vmscope ]; then
		echo "ok $i - CLI builds warning-free"
	else
		echo "not ok $i - CLI builds warning-free"
	fi
	make -s -C tests/progs >/dev/null
}

start=$(date +%s)
stage build build_all
stage style tests/style.sh
stage unit tests/unit/run.sh
# The YNL spec, man page, completion, modinfo, make install, DKMS; it also
# stages what the VMs' tests/eco/guest.sh installs.
stage eco tests/eco/host.sh
for k in $KVERS; do
	stage "vm-$k" tests/vm-run.sh "$k"
done
echo "# make check took $(($(date +%s) - start)) s"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
