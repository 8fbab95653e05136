#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Black-box tests of the vmscope CLI on a host without the module: usage
# errors, "module not loaded" against the real kernel, and, through
# vmscope-fake (the CLI linked with fake_kernel.c), every exit code, the
# extack messages, dump restarts, malformed replies and request encoding.
# TAP on stdout.
#
# Usage: test_cli.sh VMSCOPE VMSCOPE_FAKE

set -u
CLI=$1
FAKE=$2
tmp=$(mktemp -d)
trap 'kill $sleeper 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
failed=0
NOT_LOADED="vmscope: kernel module not loaded; load it with 'modprobe vmscope' or 'insmod module/vmscope.ko'"

ok() {		# ok COND-STATUS NAME [DIAG]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

run() {		# run CMD...: sets rc, out, err
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

describe() {
	printf 'exit %s\nstdout: %.300s\nstderr: %s' "$rc" "$out" "$err"
}

# An error: exit CODE, one "vmscope: " line on stderr, nothing on stdout.
is_error() {	# is_error CODE
	[ "$rc" -eq "$1" ] && [ -z "$out" ] &&
		[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
		[[ $err == "vmscope: "?* ]]
}

expect_error() {	# expect_error CODE NAME CMD...
	local code=$1 name=$2

	shift 2
	run "$@"
	is_error "$code"
	ok $? "$name: exit $code, one error line" "$(describe)"
}

expect_ok() {		# expect_ok NAME CMD...
	local name=$1

	shift
	run "$@"
	[ "$rc" -eq 0 ] && [ -z "$err" ] && [ -n "$out" ]
	ok $? "$name" "$(describe)"
}

# ------------------------------------------------------------ no kernel
run "$CLI" --version
[ "$rc" -eq 0 ] && [[ $out == "vmscope "* ]] && [ -z "$err" ]
ok $? "--version" "$(describe)"

run "$CLI" --help
[ "$rc" -eq 0 ] && [[ $out == *"Exit codes"* ]] && [[ $out == *"maps"* ]] &&
	[[ $out == *"stats"* ]] && [[ $out == *"status"* ]] &&
	[[ $out == *"  8  "* ]]
ok $? "--help lists the commands and the exit codes" "$(describe)"

run "$CLI" help
h1=$out
run "$CLI" --help
[ "$h1" = "$out" ]
ok $? "'help' and '--help' agree"

run "$CLI" help maps
[ "$rc" -eq 0 ] && [[ $out == *"--addr"* ]] && [[ $out == *"arch_1"* ]] &&
	[[ $out == *"shadow_stack"* ]]
ok $? "help maps shows the options and the flag names" "$(describe)"

run "$CLI" maps --help
[ "$rc" -eq 0 ] && [[ $out == "Usage: vmscope maps"* ]]
ok $? "maps --help" "$(describe)"

while IFS= read -r args; do
	# shellcheck disable=SC2086
	expect_error 2 "usage: vmscope $args" "$CLI" $args
done <<'EOF'

bogus
--bogus
help bogus
maps
maps 1 2
maps abc
maps 0
maps -5
maps +5
maps 0x10
maps 2147483648
maps 99999999999999999999
maps 1 --addr xyz
maps 1 --addr
maps 1 --addr 0x10000000000000000
maps 1 --next
maps 1 --addr 1000 --range 1000-2000
maps 1 --addr 1000 --require read
maps 1 --range 0x2000-0x1000
maps 1 --range 0x2000-0x2000
maps 1 --range -0x1000
maps 1 --range zz
maps 1 --require nosuchflag
maps 1 --require read,,write
maps 1 --forbid bit64
maps 1 --require read --forbid read
maps 1 --require rd --forbid read,write
maps 1 --bogus
maps self --json extra
stats
stats 1 --addr 0x1000
stats 1 2
stats self --bogus
stats -1
status extra
status --bogus
EOF

run "$CLI" status --json
if [ "$rc" -eq 0 ]; then
	skip "real kernel: module not loaded" "a vmscope family is registered"
elif [ "$rc" -eq 1 ] && [[ $err == "vmscope: netlink:"* ]]; then
	skip "real kernel: module not loaded" "no generic netlink here: $err"
else
	for args in "maps self" "maps self --json" "maps 1 --addr 0x1000" \
		    "stats self" "stats 1 --json"; do
		# shellcheck disable=SC2086
		run "$CLI" $args
		is_error 3 && [ "$err" = "$NOT_LOADED" ]
		ok $? "real kernel: vmscope $args: exit 3, not loaded" \
			"$(describe)"
	done
	run "$CLI" status
	[ "$rc" -eq 3 ] && [ "$err" = "$NOT_LOADED" ] &&
		[[ $out == *"module:"*"not loaded"* ]] &&
		[[ $out == *"insmod module/vmscope.ko"* ]]
	ok $? "real kernel: status: exit 3, 'module: not loaded'" "$(describe)"
	run "$CLI" status --json
	[ "$rc" -eq 3 ] && [ "$out" = '{"loaded":false}' ]
	ok $? "real kernel: status --json: {\"loaded\":false}" "$(describe)"
fi

# ------------------------------------------------------------ fake kernel
sleep 300 &
sleeper=$!
p=$sleeper

expect_ok "fake: status" "$FAKE" status
[[ $out == *"vma_dump vma_query proc bit10"* ]] &&
	[[ $out == *"module version:  fake-1.0"* ]]
ok $? "fake: status names the features, unknown bits as bitN" "$(describe)"

expect_ok "fake: maps PID" "$FAKE" maps $p
[[ $out == "$p:   sleep"* ]] && [[ $out == *"Address "*"Kbytes"* ]] &&
	[[ $out == *"total kB"* ]] && [[ $out == *"[stack]"* ]]
ok $? "fake: maps has the header, the table and the total" "$(describe)"
base_table=$out

run "$FAKE" maps $p --json
base_json=$out
run "$FAKE" stats $p --json
base_stats=$out
run "$FAKE" status --json
base_status=$out

for e in "VS_FAKE_EXTRA=1" "VS_FAKE_BATCH=1" "VS_FAKE_BATCH=1000" \
	 "VS_FAKE_EXTRA=1 VS_FAKE_BATCH=1"; do
	# shellcheck disable=SC2086
	run env $e "$FAKE" maps $p
	t=$out
	# shellcheck disable=SC2086
	run env $e "$FAKE" maps $p --json
	j=$out
	# shellcheck disable=SC2086
	run env $e "$FAKE" status --json
	s=$out
	[ "$t" = "$base_table" ] && [ "$j" = "$base_json" ] &&
		[ "$s" = "$base_status" ]
	ok $? "fake, $e: same output (unknown attributes ignored)" \
		"$(describe)"
done
run env VS_FAKE_EXTRA=1 "$FAKE" stats $p --json
[ "$rc" -eq 0 ] && [ "${out%%,\"min_flt\"*}" = "${base_stats%%,\"min_flt\"*}" ]
ok $? "fake, VS_FAKE_EXTRA=1: stats ignores unknown attributes" "$(describe)"

# Every form of request, for every errno the kernel documents.
forms=("maps $p" "maps $p --json" "maps $p --addr 0x400000"
       "maps $p --addr 0x400000 --json" "stats $p" "stats $p --json")
for ec in "3:4:no such process: pid $p not found (kernel: fake: injected error; attribute PID)" \
	  "1:5:permission denied: pid $p: reading another user's process needs CAP_SYS_PTRACE (kernel: fake: injected error; attribute PID)" \
	  "13:5:permission denied" \
	  "95:8:pid $p is a kernel thread" \
	  "22:1:kernel error: Invalid argument (kernel: fake: injected error; attribute PID)" \
	  "12:1:kernel error: Cannot allocate memory"; do
	errno=${ec%%:*}
	rest=${ec#*:}
	code=${rest%%:*}
	want="vmscope: ${rest#*:}"
	bad=""
	for f in "${forms[@]}"; do
		# shellcheck disable=SC2086
		run env VS_FAKE_ERRNO=$errno "$FAKE" $f
		is_error "$code" && [[ $err == "$want"* ]] ||
			bad="$bad$f: $(describe)"$'\n'
	done
	[ -z "$bad" ]
	ok $? "fake: errno $errno: exit $code from all request forms, '$want'" \
		"$bad"
done

run env VS_FAKE_ERRNO=3 VS_FAKE_CAPPED=1 "$FAKE" maps $p --json
is_error 4 && [[ $err == *"(kernel: fake: injected error; attribute PID)" ]]
ok $? "fake: capped NLMSG_ERROR: extack still decoded" "$(describe)"

run env VS_FAKE_ERRNO=3 VS_FAKE_NO_EXTACK=1 "$FAKE" maps $p
is_error 4 && [ "$err" = "vmscope: no such process: pid $p not found" ]
ok $? "fake: error without extack: no '(kernel: ...)'" "$(describe)"

run env VS_FAKE_ABSENT=1 "$FAKE" maps $p
is_error 3 && [ "$err" = "$NOT_LOADED" ]
ok $? "fake: family absent: exit 3" "$(describe)"

for f in "maps $p" "maps $p --json" "stats $p"; do
	# shellcheck disable=SC2086
	expect_error 6 "fake: family version 2: $f" \
		env VS_FAKE_VERSION=2 "$FAKE" $f
done
[[ $err == *"version 2"* ]]
ok $? "fake: version mismatch names the versions" "$(describe)"
run env VS_FAKE_VERSION=2 "$FAKE" status
[ "$rc" -eq 6 ] && [[ $out == *"family version:  2"* ]]
ok $? "fake: status with version 2: exit 6, shows the version" "$(describe)"

expect_error 7 "fake: --addr 0 (no VMA there)" "$FAKE" maps $p --addr 0 --json
[[ $err == "vmscope: no VMA at 0x0 in pid $p (kernel: "*"attribute ADDR)" ]]
ok $? "fake: --addr in a gap names the address and the kernel message" \
	"$(describe)"
run "$FAKE" maps $p --addr 0 --next --json
[ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c '"start"')" -eq 1 ] &&
	[[ $base_json == *"${out:4:60}"* ]]
ok $? "fake: --addr 0 --next: the first VMA, one-element array" "$(describe)"
expect_error 7 "fake: --addr at the top --next" \
	"$FAKE" maps $p --addr 0xffffffffffffffff --next

# NLM_F_DUMP_INTR: up to 5 restarts, then give up.
: >"$tmp/log"
run env VS_FAKE_DUMP_INTR=5 VS_FAKE_LOG="$tmp/log" "$FAKE" maps $p --json
[ "$rc" -eq 0 ] && [ "$out" = "$base_json" ] &&
	[ "$(grep -c 'cmd=1 dump=1' "$tmp/log")" -eq 6 ]
ok $? "fake: 5 interrupted dumps are restarted, partial results dropped" \
	"$(describe; cat "$tmp/log")"
run env VS_FAKE_DUMP_INTR=6 "$FAKE" maps $p --json
is_error 1 && [[ $err == *"interrupted 6 times"* ]]
ok $? "fake: a 6th interrupted dump is an error" "$(describe)"

run env VS_FAKE_DONE_ERRNO=3 "$FAKE" maps $p --json
is_error 4 && [[ $err == *"(kernel: fake: the process went away)" ]]
ok $? "fake: errno in NLMSG_DONE with extack: exit 4, no partial output" \
	"$(describe)"
run env VS_FAKE_DONE_ERRNO=1 "$FAKE" maps $p
is_error 5
ok $? "fake: EPERM in NLMSG_DONE: exit 5" "$(describe)"

for t in 9 10 11 17; do	# START END FLAGS PAGE_SIZE
	run env VS_FAKE_DROP_VMA=$t "$FAKE" maps $p --json
	is_error 1 && [[ $err == "vmscope: malformed reply from kernel: VMA_GET reply lacks attribute "* ]]
	ok $? "fake: VMA reply without mandatory attribute $t: exit 1" \
		"$(describe)"
done
run env VS_FAKE_DROP_VMA=16 "$FAKE" maps $p --json
[ "$rc" -eq 0 ] && [[ $out == *'"name":""'* ]] && [[ $out != *'"name":"['* ]]
ok $? "fake: VMA replies without NAME: name is \"\"" "$(describe)"
run env VS_FAKE_DROP_VMA=2 "$FAKE" maps $p --json
[ "$rc" -eq 0 ] && [ "$out" = "$base_json" ]
ok $? "fake: VMA replies without PID are fine" "$(describe)"
run env VS_FAKE_BAD_LEN=1 "$FAKE" maps $p --addr 0 --next
is_error 1 && [[ $err == *"bad attribute START"* ]]
ok $? "fake: a u32 START is malformed" "$(describe)"
bad=""
for t in $(seq 2 24); do
	run env VS_FAKE_DROP_PROC="$t" "$FAKE" stats $p
	is_error 1 && [[ $err == *"PROC_GET reply lacks attribute"* ]] ||
		bad="$bad$t: $(describe)"$'\n'
done
[ -z "$bad" ]
ok $? "fake: a PROC_GET reply without any one attribute: exit 1" "$bad"

# What the requests carry.
: >"$tmp/log"
run env VS_FAKE_LOG="$tmp/log" "$FAKE" maps $p --json \
	--range 0x1000-2000 --require read,ex,bit33 --forbid sh,write
grep -q "cmd=1 dump=1 2=$(printf '%x' $p) 5=1000 6=2000 7=200000005 8=a$" \
	"$tmp/log"
ok $? "fake: dump request: PID, RANGE_START/END, FLAGS_REQUIRED/FORBIDDEN" \
	"$(cat "$tmp/log")"
: >"$tmp/log"
run env VS_FAKE_LOG="$tmp/log" "$FAKE" maps $p --json --range 0X7F0000000000-
grep -q "cmd=1 dump=1 2=$(printf '%x' $p) 5=7f0000000000$" "$tmp/log"
ok $? "fake: dump request with an open range has no RANGE_END" \
	"$(cat "$tmp/log")"
: >"$tmp/log"
run env VS_FAKE_LOG="$tmp/log" "$FAKE" maps $p --json --addr 0x1234 --next
grep -q "cmd=1 dump=0 2=$(printf '%x' $p) 3=1234 4=1$" "$tmp/log"
ok $? "fake: do request: PID, ADDR, QUERY_FLAGS" "$(cat "$tmp/log")"
: >"$tmp/log"
run env VS_FAKE_LOG="$tmp/log" "$FAKE" maps self --json --addr 1234
grep -q "cmd=1 dump=0 2=[0-9a-f]* 3=1234$" "$tmp/log" &&
	! grep -q "2=$(printf '%x' $p) " "$tmp/log"
ok $? "fake: 'self' is the CLI's own pid; no QUERY_FLAGS without --next" \
	"$(cat "$tmp/log")"
: >"$tmp/log"
run env VS_FAKE_LOG="$tmp/log" "$FAKE" maps $p
[ "$(cut -d' ' -f1-3 "$tmp/log" | tr '\n' ' ')" = \
  "type=16 cmd=3 dump=0 type=42 cmd=2 dump=0 type=42 cmd=1 dump=1 " ]
ok $? "fake: maps (table): GETFAMILY, PROC_GET, then the VMA dump" \
	"$(cat "$tmp/log")"

# Only the kernel's datagrams count, and only with the request's sequence.
bad=""
for f in "maps $p" "maps $p --json" "stats $p --json"; do
	# shellcheck disable=SC2086
	run "$FAKE" $f
	want=$out
	# shellcheck disable=SC2086
	run env VS_FAKE_FOREIGN=1 "$FAKE" $f
	[ "$rc" -eq 0 ] && [ "$out" = "$want" ] ||
		bad="$bad$f: $(describe)"$'\n'
done
[ -z "$bad" ]
ok $? "fake: an error datagram from another port is ignored" "$bad"
run env VS_FAKE_BAD_SEQ=1 "$FAKE" maps $p --json
is_error 1 && [ "$err" = "vmscope: netlink: Message sequence number mismatch" ]
ok $? "fake: a reply with the wrong sequence number: exit 1" "$(describe)"

run "$FAKE" maps 999999999
is_error 4 && [[ $err == *"pid 999999999 not found (kernel: fake: no such pid; attribute PID)" ]]
ok $? "fake: a pid with no /proc entry: exit 4" "$(describe)"

echo "1..$n"
[ "$failed" -eq 0 ]
