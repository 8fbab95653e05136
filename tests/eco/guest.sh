#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The ecosystem checks that need a kernel, inside the VM, as root, from the
# repo root, with the module NOT loaded (tests/guest.sh calls it after its
# last rmmod):
#   - `make install` of the tree tests/eco/host.sh built for this kernel
#     (.build/pkg/LANE), made writable with an overlay: module, depmod, CLI,
#     man page, completion, all where man, modprobe and bash-completion look;
#   - autoload: the first `vmscope maps self` loads the module through its
#     genetlink family alias, and works;
#   - every JSON key the CLI prints is documented in vmscope(8);
#   - the kernel's YNL CLI with module/vmscope.yaml alone (ynl_check.py);
#   - `make uninstall` takes it all away again.
# Prints TAP (its own numbering; the runner only counts).
#   tests/eco/guest.sh LANE RELEASE
set -u
lane=$1
kver=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
here=$top/tests/eco
src=$top/.build/pkg/$lane
py=/usr/bin/python3
n=0
failed=0
tap() {
	local rc=$1 name=$2 d
	shift 2
	n=$((n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $kver: $name"
	else
		failed=1
		echo "not ok $n - $kver: $name"
		for d in "$@"; do
			[ -n "$d" ] && echo "$d" | sed 's/^/#   /'
		done
	fi
}
# number CMD...: number CMD's "ok - ..." lines into ours.
number() {
	local line
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ -\ (.*)$ ]]; then
			n=$((n + 1))
			[ -n "${BASH_REMATCH[1]}" ] && failed=1
			echo "${BASH_REMATCH[1]}ok $n - $kver: ${BASH_REMATCH[2]}"
		else
			echo "$line"
		fi
	done < <("$@" 2>&1)
}

if [ ! -f "$src/Makefile" ]; then
	echo "ok 1 - $kver: make install # SKIP no staged tree $src (tests/eco/host.sh builds it)"
	exit 0
fi
tmp=$(mktemp -d)
grep -q '^vmscope ' /proc/modules && rmmod vmscope
start=$(date +%s)

# The guest sees the host's files read-only: give the tree a writable layer
# (its upper directory on a tmpfs: /tmp is an overlay already, and an
# overlay cannot be an upper layer).
mount -t tmpfs tmpfs "$tmp" &&
	mkdir -p "$tmp/upper" "$tmp/work" "$tmp/mods" &&
	mount -t overlay overlay -o "lowerdir=$src,upperdir=$tmp/upper,workdir=$tmp/work" "$src" &&
	touch "$src/.writable"
tap $? "a writable overlay on the staged tree"

kdir=$(cat "$src/.vmscope-kdir")
ver=$(cat "$src/.vmscope-version")
bin=/usr/local/bin/vmscope
install=1
# A kernel built from source (the mainline lane) has its tree in the host's
# cache, which a tmpfs hides in the guest: no `make install` there; the
# other checks run on the staged build, loaded with insmod.
if [ ! -d "$kdir" ] || [ -n "${VMSCOPE_ECO_NOINSTALL:-}" ]; then
	install=0
	bin=$src/userspace/vmscope
	tap 0 "make install # SKIP the kernel tree $kdir is not visible in the VM"
	insmod "$src/module/vmscope.ko"
	tap $? "insmod the staged module instead"
else

# depmod -a reads every module of the kernel: 400 MB over 9p under TCG takes
# minutes.  Install into a copy of /lib/modules/RELEASE that has the
# kernel's lists of built-in modules and its build link but no other module.
# (A kernel built from source, the mainline lane, may have no such directory
# yet: its lists come from its build tree.)
mods=/lib/modules/$kver
mkdir -p "$mods"
cp -P "$mods"/modules.builtin* "$mods"/modules.order "$tmp/mods/" 2>/dev/null ||
	cp "$kdir"/modules.builtin* "$tmp/mods/" 2>/dev/null
ln -s "$(readlink -f "$kdir")" "$tmp/mods/build"   # resolved before the mount hides it
mount --bind "$tmp/mods" "$mods"
tap $? "a module tree for $kver without the kernel's own modules, for a fast depmod"

t0=$(date +%s)
make -C "$src" KDIR="$kdir" VMSCOPE_VERSION="$ver" install >"$tmp/install.log" 2>&1
rc=$?
echo "# make install took $(($(date +%s) - t0)) s"
mod=$(modinfo -n vmscope 2>/dev/null)
[ "$rc" -eq 0 ] && [[ $mod == /lib/modules/$kver/updates/vmscope.ko* ]]
tap $? "make install: modprobe finds the module at updates/ (depmod ran): $mod" \
	"$(grep -m5 -iE 'error|warning|not found' "$tmp/install.log")" "$(tail -4 "$tmp/install.log")"

page=$(man -w vmscope 2>&1)
[ -x "$bin" ] && [ "$(readlink -f "$page")" = /usr/local/share/man/man8/vmscope.8 ]
tap $? "make install: $bin, and man -w vmscope finds the page ($page)"
spec=$(bash -c '. /usr/share/bash-completion/bash_completion &&
	_completion_loader vmscope; complete -p vmscope' 2>&1)
[ "$spec" = "complete -F _vmscope vmscope" ]
tap $? "make install: bash-completion's loader finds the completion ($spec)"

# Autoload: nothing loaded, the CLI's family lookup loads the module.
! grep -q '^vmscope ' /proc/modules
tap $? "the module is not loaded before the first command"
"$bin" maps self --json >"$tmp/self.json" 2>"$tmp/self.err"
rc=$?
grep -q '^vmscope ' /proc/modules
loaded=$?
# What /proc/PID/maps says for this file, mapped by another process (on
# an overlay it names the file of the layer, not what stat(1) sees).
read -r dev ino < <("$py" -c '
import mmap, sys
f = open(sys.argv[1], "rb")
m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
for line in open("/proc/self/maps"):
    p = line.split()
    if len(p) > 5 and p[5] == sys.argv[1]:
        print(p[3], p[4])
        break' "$bin")
"$py" - "$tmp/self.json" "$bin" "$ino" "$dev" <<'EOF'
import json, sys
vmas = json.load(open(sys.argv[1]))
mine = [v for v in vmas if v["name"] == sys.argv[2]]
sys.exit(not (mine and all(v["inode"] == int(sys.argv[3]) and v["dev"] == sys.argv[4]
                           for v in mine) and any("x" in v["perms"] for v in mine)))
EOF
ok=$?
[ "$rc" -eq 0 ] && [ "$loaded" -eq 0 ] && [ "$ok" -eq 0 ]
tap $? "autoload: \`vmscope maps self\` loads the module (genetlink family alias) and lists its own executable mapped from $bin (dev $dev, inode $ino, as /proc/PID/maps says)" \
	"exit $rc, loaded $loaded: $(cat "$tmp/self.err")"
[ "$(cat /sys/module/vmscope/version 2>/dev/null)" = "$ver" ] &&
	[ "$(modinfo -F version vmscope)" = "$ver" ]
tap $? "the autoloaded module is the installed one (version $(cat /sys/module/vmscope/version 2>/dev/null))"

fi

# Every JSON key the CLI prints is in the man page.
sleep 600 &
target=$!
sleep 0.2
"$bin" maps "$target" --json >"$tmp/maps.json"
"$bin" stats "$target" --json >"$tmp/stats.json"
"$bin" status --json >"$tmp/status.json"
export VMSCOPE_MAN=$src/userspace/vmscope.8
number "$py" "$here/man_check.py" json maps "$tmp/maps.json"
number "$py" "$here/man_check.py" json stats "$tmp/stats.json"
number "$py" "$here/man_check.py" json status "$tmp/status.json"
if "$bin" help watch >/dev/null 2>&1; then
	# A process that keeps faulting: it maps, touches and unmaps memory.
	"$py" -c '
import mmap, time
t = time.time() + 30
while time.time() < t:
    m = mmap.mmap(-1, 1 << 20)
    for i in range(0, 1 << 20, 4096):
        m[i] = 1
    m.close()
    time.sleep(0.01)' &
	busy=$!
	timeout 60 "$bin" watch "$busy" --json --count 50 --duration 10 >"$tmp/watch.json" 2>"$tmp/watch.err"
	[ -s "$tmp/watch.json" ]
	tap $? "vmscope watch --json printed something" "$(cat "$tmp/watch.err")"
	number "$py" "$here/man_check.py" json watch "$tmp/watch.json"
	if "$bin" help top >/dev/null 2>&1; then
		timeout 60 "$bin" top "$busy" --iterations 2 --interval 1 --json >"$tmp/top.json" 2>"$tmp/top.err"
		[ -s "$tmp/top.json" ]
		tap $? "vmscope top --json printed something" "$(cat "$tmp/top.err")"
		number "$py" "$here/man_check.py" json top "$tmp/top.json"
	fi
	kill "$busy" 2>/dev/null
	wait "$busy" 2>/dev/null
fi
kill "$target"
wait "$target" 2>/dev/null

# The kernel's YNL CLI, with only the spec.
number "$py" "$here/ynl_check.py"

# Uninstall: everything goes, and the module cannot be found any more.
rmmod vmscope
tap $? "rmmod vmscope"
if [ "$install" = 1 ]; then
make -C "$src" KDIR="$kdir" VMSCOPE_VERSION="$ver" uninstall >"$tmp/uninstall.log" 2>&1
rc=$?
left=$(ls /usr/local/bin/vmscope /usr/local/share/man/man8/vmscope.8 \
	/usr/local/share/bash-completion/completions/vmscope \
	/lib/modules/"$kver"/updates/vmscope.ko* 2>/dev/null)
[ "$rc" -eq 0 ] && [ -z "$left" ] && ! modinfo vmscope >/dev/null 2>&1
tap $? "make uninstall: files gone, depmod forgot the module" "$(tail -5 "$tmp/uninstall.log")" "$left"
umount -l "$mods"
fi

umount -l "$src"
umount -l "$tmp"
rm -rf "$tmp"
echo "# eco guest checks took $(($(date +%s) - start)) s"
[ "$failed" -eq 0 ]
