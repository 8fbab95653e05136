#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the vmscope CLI and its host unit tests, run them all and print one
# TAP stream ("ok N - name", "not ok N - name", "# SKIP", plan "1..N" at
# the end).  Exits non-zero if any test failed or any test program died.
# Needs no kernel module: see the header of each test for what it checks.

set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)

n=0
failed=0

fail() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

# run NAME CMD...: renumber CMD's TAP into ours; check its plan and status.
run() {
	local name=$1 out rc line count=0 plan=""

	shift
	echo "# $name"
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+(.*)$ ]]; then
			n=$((n + 1))
			count=$((count + 1))
			[ -n "${BASH_REMATCH[1]}" ] && failed=$((failed + 1))
			echo "${BASH_REMATCH[1]}ok $n${BASH_REMATCH[2]}"
		elif [[ $line =~ ^1\.\.([0-9]+)$ ]]; then
			plan=${BASH_REMATCH[1]}
		elif [[ $line == "#"* ]]; then
			echo "$line"
		elif [ -n "$line" ]; then
			echo "# $line"
		fi
	done <<<"$out"
	if [ "$plan" != "$count" ]; then
		fail "$name: ran $count tests, planned ${plan:-none}"
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		fail "$name: exited with status $rc"
	elif [ "$rc" -eq 1 ] && ! grep -q '^not ok' <<<"$out"; then
		fail "$name: exited with status 1 and no failed test"
	fi
}

# The test build recompiles every CLI source with the CLI's warning flags.
make -s -C "$here" clean >/dev/null 2>&1
if ! make -s -C "$top/userspace" >/dev/null 2>"$here/build.log" ||
   ! make -s -C "$here" >/dev/null 2>>"$here/build.log"; then
	sed 's/^/# /' "$here/build.log"
	fail "build the CLI and the unit tests"
	echo "1..$n"
	exit 1
fi
if [ -s "$here/build.log" ]; then
	sed 's/^/# /' "$here/build.log"
	fail "the build is warning-free"
else
	n=$((n + 1))
	echo "ok $n - the build is warning-free"
fi
rm -f "$here/build.log"

b=$here/build
run test_format "$b/test_format" "$top/module/include/uapi/linux/vmscope.h"
run test_nl "$b/test_nl"
run test_watch "$b/test_watch"
run test_json "$py" "$here/test_json.py" "$b/fmt_tool" "$b/vmscope-fake" \
	"$top/module/include/uapi/linux/vmscope.h"
run test_cli "$here/test_cli.sh" "$top/userspace/vmscope" "$b/vmscope-fake"
run test_watch_cli "$py" "$here/test_watch_cli.py" "$b/vmscope-fake"

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
