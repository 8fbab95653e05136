#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel lane (see tests/kernel.sh) under virtme-ng (TCG) and run a
# command in it as root, from the repo root.  The guest sees this machine's
# filesystem read-only and copy-on-write, so the module built in
# .build/LANE is loaded from there.
#   tests/vm-run.sh LANE                run the in-VM suite (tests/guest.sh)
#   tests/vm-run.sh LANE -- CMD...      run CMD instead
# Exit status: the guest command's (vng passes it through).
set -u
lane=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMSCOPE_CACHE:-/var/cache/vmscope}
vng=$cache/venv/bin/vng
export PATH=$cache/venv/bin:$PATH
[ -x "$vng" ] || { echo "vm-run: virtme-ng missing; run tests/setup.sh" >&2; exit 1; }
{ read -r _; read -r image; read -r release; } < <("$top/tests/kernel.sh" "$lane")
[ -f "$image" ] || { echo "vm-run: no kernel image $image" >&2; exit 1; }

if [ "${1:-}" = "--" ]; then
	shift
	cmd="$*"
else
	cmd="tests/guest.sh $lane $release"
fi
cd "$top"
# /dev/kvm cannot run a stock guest here: always emulate (TCG).
# VMSCOPE_QEMU_OPTS adds qemu options (tests/stress.sh: single-threaded TCG).
qopts=()
[ -z "${VMSCOPE_QEMU_OPTS:-}" ] || qopts=(--qemu-opts="$VMSCOPE_QEMU_OPTS")
exec "$vng" --disable-kvm -r "$image" --memory 2G --cpus 2 "${qopts[@]}" \
	--exec "$cmd" </dev/null
