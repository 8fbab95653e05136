#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Drive the bash completion as bash does (COMP_WORDS/COMP_CWORD, then the
# function `complete -p` names) and compare what it offers with the CLI's
# own help and with /proc.  Prints TAP lines without numbers.
#   tests/eco/test_completion.sh [COMPLETION_FILE [VMSCOPE]]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
file=${1:-$top/userspace/vmscope.bash-completion}
cli=${2:-$top/userspace/vmscope}

t() {
	if [ "$1" -eq 0 ]; then
		echo "ok - completion: $2"
	else
		echo "not ok - completion: $2"
		shift 2
		for d in "$@"; do echo "#   $d"; done
	fi
}

# shellcheck disable=SC1090
. "$file" || { t 1 "sourcing $file"; exit 1; }

spec=$(complete -p vmscope 2>/dev/null)
fn=$(sed -n 's/.*-F \([^ ]*\) vmscope$/\1/p' <<<"$spec")
[ -n "$fn" ] && declare -F "$fn" >/dev/null
t $? "complete -p vmscope names a function ($spec)"

# comp WORD...: got= the candidates for the last word, one per line, sorted.
# (Run in this shell, not a subshell, whose own pid would be offered.)
comp() {
	COMP_WORDS=(vmscope "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" vmscope "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u | sed '/^$/d')
}

# has LIST WORD...: every WORD is a line of LIST
has() {
	local list=$1 w missing=()
	shift
	for w in "$@"; do
		grep -qxF -- "$w" <<<"$list" || missing+=("$w")
	done
	echo "${missing[*]}"
}

cmds=$("$cli" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && !/:$/ {print $1}')
comp ""
miss=$(has "$got" $cmds help --help --version)
[ -n "$cmds" ] && [ -z "$miss" ]
t $? "first word offers every command of \`vmscope --help\` ($(echo $cmds)), help, --help, --version" \
	"missing: $miss"

comp "st"
[ "$(echo $got)" = "stats status" ]
t $? "'st' completes to stats status" "got: $(echo $got)"

comp help ""
miss=$(has "$got" $cmds)
[ -z "$miss" ]
t $? "help offers every command" "missing: $miss"

for c in $cmds; do
	opts=$("$cli" help "$c" | grep -oE '(^|[^[:alnum:]-])--[a-z][a-z-]*' |
		sed 's/^[^-]*//' | sort -u)
	comp "$c" --
	miss=$(has "$got" $opts)
	[ -z "$miss" ]
	t $? "'$c --' offers every option of \`vmscope help $c\` ($(echo $opts))" \
		"missing: $miss" "offered: $(echo $got)"
done

# pids: a process started here is offered, with self; a finished one is not.
sleep 60 &
live=$!
sleep 0 &
dead=$!
wait "$dead"
comp maps ""
miss=$(has "$got" self "$live" 1 $$)
[ -z "$miss" ] && ! grep -qxF "$dead" <<<"$got"
t $? "'maps ' offers self and the pids of /proc ($live, 1, $$), not an exited pid ($dead)" \
	"missing: $miss"
prefix=${live:0:2}
pids() { (cd /proc && ls -d "$prefix"* 2>/dev/null | grep -xE '[0-9]+' | sort -u); }
before=$(pids)
comp stats "$prefix"
after=$(pids)
# Other processes come and go meanwhile: every pid offered existed at one of
# the two listings, and every pid that existed at both was offered.
stray=$(comm -23 <(echo "$got") <(sort -u <(echo "$before") <(echo "$after")))
miss=$(comm -23 <(comm -12 <(echo "$before") <(echo "$after")) <(echo "$got"))
[ -n "$got" ] && [ -z "$stray$miss" ]
t $? "'stats $prefix' offers exactly the pids in /proc starting with $prefix" \
	"offered, not in /proc: $(echo $stray)" "in /proc, not offered: $(echo $miss)"
kill "$live" 2>/dev/null
wait "$live" 2>/dev/null

comp maps self ""
[ -z "$got" ]
t $? "'maps self ' offers nothing more (one pid)" "got: $(echo $got)"

comp maps self --addr ""
[ -z "$got" ]
t $? "'maps self --addr ' offers nothing (an address)" "got: $(echo $got)"

# VMA flags: the names `vmscope help maps` lists, comma-separated.
flags=$("$cli" help maps | sed -n '/^VMA flags/,$p' | tail -n +2 |
	awk '{for (i = 1; i < NF; i += 2) print $i}' | sort -u)
comp maps self --require ""
miss=$(has "$got" $flags)
[ -n "$flags" ] && [ -z "$miss" ]
t $? "'--require ' offers every VMA flag of \`vmscope help maps\` ($(echo $flags | wc -w))" \
	"missing: $miss"
comp maps self --forbid read,wr
[ "$(echo $got)" = "read,write" ]
t $? "'--forbid read,wr' completes to read,write" "got: $(echo $got)"
