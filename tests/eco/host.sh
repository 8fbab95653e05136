#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`'s host stage for the ecosystem around the module: the YNL
# spec against the UAPI header and the policies, the man page, the bash
# completion, modinfo, `make install`/`uninstall` into a DESTDIR, and DKMS
# builds and installs for every kernel.  Prints TAP.  It also stages, per
# kernel, the built source tree that tests/eco/guest.sh installs for real
# inside the VM (.build/pkg/LANE).
#   tests/eco/host.sh            (KVERS from the environment, as check.sh)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
here=$top/tests/eco
KVERS=${KVERS:-"6.1.0-56-amd64 6.12.117+deb12-amd64 mainline"}
py=/usr/bin/python3
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# tap RC NAME [DIAG...]
tap() {
	local rc=$1 name=$2 d
	shift 2
	n=$((n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		for d in "$@"; do
			[ -n "$d" ] && echo "$d" | sed 's/^/#   /'
		done
	fi
}

# number CMD...: run CMD, whose TAP lines may lack numbers, and number them.
number() {
	local line rc
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok(\ [0-9]+)?\ (-.*)$ ]]; then
			n=$((n + 1))
			[ -n "${BASH_REMATCH[1]}" ] && failed=$((failed + 1))
			echo "${BASH_REMATCH[1]}ok $n ${BASH_REMATCH[3]}"
		elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
			:
		elif [[ $line =~ ^__rc\ ([0-9]+)$ ]]; then
			rc=${BASH_REMATCH[1]}
			[ "$rc" -le 1 ] || tap 1 "$*: exited with status $rc"
		else
			echo "$line"
		fi
	done < <("$@" 2>&1; echo "__rc $?")
}

ver=$(git describe --always --dirty 2>/dev/null || echo unknown)
echo "# version $ver"
[ -x userspace/vmscope ] || make -s -C userspace >/dev/null 2>&1

# ---- the YNL spec, the header and module/netlink.c
echo "# spec"
number "$py" "$here/spec_check.py"

# The check must be able to fail: each of these edits must make it fail.
mut=$tmp/mut
mkdir -p "$mut"
mutate() {
	cp module/vmscope.yaml module/netlink.c module/include/uapi/linux/vmscope.h "$mut/"
	(cd "$mut" && eval "$2")
	! "$py" "$here/spec_check.py" "$mut/vmscope.yaml" "$mut/vmscope.h" "$mut/netlink.c" \
		>"$mut/out" 2>&1
	tap $? "spec check catches: $1" "$(grep -A2 '^not ok' "$mut/out" | head -3)"
}
mutate "an attribute added to the header only" \
	"sed -i 's/^\tVMSCOPE_VMA_A_COW_ZERO,/&\n\tVMSCOPE_VMA_A_NEW,/' vmscope.h"
mutate "a reply-only attribute in a request policy" \
	"sed -i 's/^\t\[VMSCOPE_VMA_A_RANGE_END\].*/&\n\t[VMSCOPE_VMA_A_START] = { .type = NLA_U64 },/' netlink.c"
mutate "a policy losing its min check" \
	"sed -i 's/NLA_POLICY_MIN(NLA_U32, 1)/{ .type = NLA_U32 }/' netlink.c"
mutate "a type changed in the spec" \
	"sed -i '/name: dev-major/{n;s/u32/u64/}' vmscope.yaml"
mutate "a renamed enum entry" \
	"sed -i 's/- name: dontexpand/- name: dont-expand/' vmscope.yaml"
mutate "a multicast group" \
	"printf 'mcast-groups:\n  list:\n    - name: events\n' >>vmscope.yaml"

# ---- the man page and the bash completion
echo "# man page"
number "$py" "$here/man_check.py" lint
number "$py" "$here/man_check.py" cli userspace/vmscope
echo "# bash completion"
number bash "$here/test_completion.sh"

# ---- modinfo, per kernel: on the module check.sh's build stage built
echo "# modinfo"
kos=()
for k in $KVERS; do
	ko=.build/$k/module/vmscope.ko
	[ -f "$ko" ] || tests/build-module.sh "$k" >/dev/null 2>&1
	if [ -f "$ko" ]; then
		kos+=("$ko")
	else
		tap 1 "$k: a module to read (tests/build-module.sh $k)"
	fi
done
[ ${#kos[@]} -gt 0 ] && number "$py" "$here/man_check.py" modinfo "${kos[@]}"

# ---- make install / uninstall into a DESTDIR, per kernel.  The staged,
# built tree is what the VM installs for real (tests/eco/guest.sh).
echo "# make install DESTDIR"
for k in $KVERS; do
	kdir=$(tests/kernel.sh "$k" | sed -n 1p)
	rel=$(tests/kernel.sh "$k" | sed -n 3p)
	src=.build/pkg/$k
	rm -rf "$src"
	mkdir -p "$src"
	git ls-files -co --exclude-standard -z | grep -zv '^\.build/' |
		xargs -0 cp --parents -t "$src" 2>/dev/null
	# The same version string in the VM, where git cannot tell "-dirty".
	echo "$ver" >"$src/.vmscope-version"
	echo "$kdir" >"$src/.vmscope-kdir"
	log=$tmp/build-$k.log
	nice make -C "$src" KDIR="$kdir" VMSCOPE_VERSION="$ver" all >"$log" 2>&1
	tap $? "$k: \`make all\` in a copy of the source tree" "$(tail -5 "$log")"

	d=$tmp/dest-$k
	make -s -C "$src" KDIR="$kdir" VMSCOPE_VERSION="$ver" DESTDIR="$d" install >"$log" 2>&1
	rc=$?
	files=$(cd "$d" 2>/dev/null && find . -type f -o -type l | sort)
	mod=$(cd "$d" 2>/dev/null && ls lib/modules/"$rel"/updates/vmscope.ko* 2>/dev/null)
	want="./$mod
./usr/local/bin/vmscope
./usr/local/share/bash-completion/completions/vmscope
./usr/local/share/man/man8/vmscope.8"
	[ "$rc" -eq 0 ] && [ -n "$mod" ] && [ "$files" = "$want" ]
	tap $? "$k: \`make install DESTDIR=...\` installs the module under lib/modules/$rel/updates, the CLI, man page and completion under /usr/local, nothing else (no depmod files)" \
		"$(tail -5 "$log")" "installed: $files"
	vm=$(modinfo -F vermagic "$d/$mod" 2>/dev/null)
	mv=$(modinfo -F version "$d/$mod" 2>/dev/null)
	[ "${vm%% *}" = "$rel" ] && [ "$mv" = "$ver" ]
	tap $? "$k: the installed module is built for $rel (vermagic '$vm') with version $ver ('$mv')"
	cmp -s "$d/usr/local/share/man/man8/vmscope.8" userspace/vmscope.8 &&
		cmp -s "$d/usr/local/share/bash-completion/completions/vmscope" \
			userspace/vmscope.bash-completion &&
		"$d/usr/local/bin/vmscope" --version | grep -qF "$ver"
	tap $? "$k: the installed man page and completion are the sources', the CLI says version $ver"
	make -s -C "$src" KDIR="$kdir" DESTDIR="$d" uninstall >"$log" 2>&1
	rc=$?
	left=$(cd "$d" && find . -type f -o -type l)
	[ "$rc" -eq 0 ] && [ -z "$left" ]
	tap $? "$k: \`make uninstall DESTDIR=...\` removes every file" "$(tail -3 "$log")" "left: $left"
	make -s -C "$src" KDIR="$kdir" DESTDIR="$d" PREFIX=/usr BINDIR=/usr/sbin install-cli >"$log" 2>&1
	[ -x "$d/usr/sbin/vmscope" ] && [ -f "$d/usr/share/man/man8/vmscope.8" ]
	tap $? "$k: PREFIX=/usr BINDIR=/usr/sbin are honoured" "$(cd "$d" && find . -type f)"
done

# ---- the kernel's YNL CLI, for tests/eco/ynl_check.py in the VM, which
# cannot see the cache
ls=${VMSCOPE_CACHE:-/var/cache/vmscope}/linux-source-6.12
rm -rf .build/pkg/ynl
mkdir -p .build/pkg/ynl
cp -r "$ls/tools/net/ynl" .build/pkg/ynl/ 2>/dev/null &&
	cp "$ls/Documentation/netlink/genetlink-legacy.yaml" .build/pkg/ynl/
tap $? "stage the kernel's YNL CLI (tools/net/ynl from linux-source-6.12) for the VM"

# ---- DKMS: add, build and install for each kernel, in private trees
echo "# dkms"
if ! command -v dkms >/dev/null; then
	tap 0 "dkms # SKIP dkms not installed (run tests/setup.sh)"
else
	dk=$tmp/dkms
	mkdir -p "$dk/src" "$dk/tree" "$dk/inst"
	dv="$ver"
	opts=(--sourcetree "$dk/src" --dkmstree "$dk/tree" --installtree "$dk/inst")
	make -s DKMS_SRC="$dk/src/vmscope-$dv" VMSCOPE_VERSION="$dv" dkms-src >"$dk/log" 2>&1 &&
		dkms add -m vmscope -v "$dv" "${opts[@]}" >>"$dk/log" 2>&1
	tap $? "dkms add vmscope/$dv from \`make dkms-src\`" "$(tail -5 "$dk/log")"
	for k in $KVERS; do
		[ -d "/lib/modules/$k/build" ] || continue
		nice dkms build -m vmscope -v "$dv" -k "$k" "${opts[@]}" >"$dk/log" 2>&1
		rc=$?
		b=$(ls "$dk/tree/vmscope/$dv/$k/x86_64/module/"vmscope.ko* 2>/dev/null)
		[ "$rc" -eq 0 ] && [ -n "$b" ] &&
			[ "$(modinfo -F vermagic "$b" | cut -d' ' -f1)" = "$k" ] &&
			[ "$(modinfo -F version "$b")" = "$dv" ]
		tap $? "$k: dkms build against the Debian headers; vermagic $k, version $dv" \
			"$(grep -iE 'error|warning' "$dk/log" | head -5)" "$(tail -5 "$dk/log")"
		mkdir -p "$dk/inst/$k"
		dkms install -m vmscope -v "$dv" -k "$k" "${opts[@]}" >"$dk/log" 2>&1
		rc=$?
		i=$(ls "$dk/inst/$k/updates/dkms/"vmscope.ko* 2>/dev/null)
		[ "$rc" -eq 0 ] && [ -n "$i" ] && cmp -s "$i" "$b"
		tap $? "$k: dkms install puts it in updates/dkms/" "$(tail -5 "$dk/log")"
		st=$(dkms status -m vmscope -v "$dv" -k "$k" "${opts[@]}" 2>/dev/null)
		grep -q 'installed' <<<"$st"
		tap $? "$k: dkms status says installed ($st)"
	done
	dkms remove -m vmscope -v "$dv" --all "${opts[@]}" >"$dk/log" 2>&1
	left=$(find "$dk/inst" -name 'vmscope.ko*')
	[ -z "$left" ] && [ ! -e "$dk/tree/vmscope/$dv" ]
	tap $? "dkms remove --all removes the builds and the installed modules" "$(tail -3 "$dk/log")" "$left"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
