#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a kernel from Debian's packaged source with vng's minimal config plus
# what vmscope needs, once per machine: the result is cached under
# $VMSCOPE_CACHE/kernels/<package>-<hash of version and config>/ and reused.
#   tests/kernel-build.sh [mainline]  Debian unstable's linux-source-7.2
#   tests/kernel-build.sh debug       Debian 12's linux-source-6.12 with
#                                     KASAN, lockdep, kmemleak and friends
# With VMSCOPE_KBUILD_CONFIG_ONLY=1 it stops once the tree is configured.
# Prints the build directory.  Fetching unstable's package uses a private
# apt sources list and state directory; the machine's own apt configuration
# is not touched.  `make bzImage modules` also writes Module.symvers, which
# out-of-tree module builds need.
set -euo pipefail
flavour=${1:-mainline}
cache=${VMSCOPE_CACHE:-/var/cache/vmscope}
vng=$cache/venv/bin/vng
export PATH=$cache/venv/bin:$PATH
base=(CONFIG_MODULES=y CONFIG_MODULE_UNLOAD=y CONFIG_KPROBES=y CONFIG_FTRACE=y
      CONFIG_FUNCTION_TRACER=y CONFIG_TRACEPOINTS=y CONFIG_MMAP_LOCK_TRACE=y
      CONFIG_DEBUG_INFO_NONE=y)
case $flavour in
mainline)
	pkg=linux-source-7.2
	extra=()
	items=("${base[@]}")
	;;
debug)
	pkg=linux-source-6.12
	# The hardening lanes (tests/stress.sh): every report they look for,
	# and user namespaces for the privilege campaign's fake-root actors.
	extra=(CONFIG_KASAN=y CONFIG_KASAN_GENERIC=y
	       CONFIG_KASAN_INLINE=y CONFIG_PROVE_LOCKING=y CONFIG_PROVE_RCU=y
	       CONFIG_DEBUG_ATOMIC_SLEEP=y CONFIG_DEBUG_KMEMLEAK=y
	       CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF=n
	       CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE=65536
	       CONFIG_KRETPROBES=y CONFIG_DEBUG_FS=y
	       CONFIG_USER_NS=y)
	items=("${base[@]}" "${extra[@]}")
	;;
*)
	echo "kernel-build: unknown flavour $flavour (mainline or debug)" >&2
	exit 2
	;;
esac

if [ "$pkg" = linux-source-6.12 ]; then
	# Debian 12's own package, installed by tests/setup.sh.
	ver=$(dpkg-query -W -f='${Version}' "$pkg")
	tarball=$(ls /usr/src/linux-source-6.12.tar.* | head -n 1)
	deb=
else
	sid=$cache/sid
	aptopts=(-o Dir::Etc::sourcelist="$sid/sources.list" -o Dir::Etc::sourceparts=/dev/null
		 -o Dir::State::Lists="$sid/lists" -o Dir::Cache::archives="$sid/archives"
		 -o Debug::NoLocking=1)
	deb=$(ls "$sid"/${pkg}_*_all.deb 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$deb" ]; then
		mkdir -p "$sid/lists/partial" "$sid/archives/partial"
		echo "deb http://deb.debian.org/debian sid main" >"$sid/sources.list"
		apt-get "${aptopts[@]}" update -q >&2
		(cd "$sid" && apt-get "${aptopts[@]}" download "$pkg" >&2)
		deb=$(ls "$sid"/${pkg}_*_all.deb | sort -V | tail -n 1)
	fi
	ver=$(dpkg-deb -f "$deb" Version)
fi
key=$(printf '%s\n' "$ver" "${items[@]}" | sha256sum | cut -c1-12)
out=$cache/kernels/$pkg-$key
if [ -f "$out/.vmscope-built" ]; then
	echo "$out"
	exit 0
fi

echo "kernel-build: building $pkg $ver ($flavour) into $out" \
     "(mainline about 12 min, debug about 17 min on 2 idle cores)" >&2
# A build that was interrupted resumes where it stopped.
if [ ! -f "$out/.vmscope-configured" ]; then
	rm -rf "$out" "$out.tmp"
	mkdir -p "$out.tmp"
	if [ -n "$deb" ]; then
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$out.tmp" --wildcards './usr/src/linux-source-*.tar.*'
		tarball=$(ls "$out.tmp"/usr/src/linux-source-*.tar.*)
	fi
	tar -xaf "$tarball" -C "$out.tmp"
	mv "$out.tmp/$pkg" "$out"
	rm -rf "$out.tmp"
	args=()
	for i in "${items[@]}"; do
		args+=(--configitem "$i")
	done
	(cd "$out" && "$vng" --kconfig "${args[@]}" >&2 && make -s olddefconfig >&2)
	# The debugging options are the point of the debug kernel: each must
	# have survived olddefconfig.
	for i in "${extra[@]}"; do
		case $i in
		*=n) grep -qx "# ${i%=n} is not set" "$out/.config" ||
			! grep -q "^${i%=n}=" "$out/.config" ;;
		*) grep -qx "$i" "$out/.config" ;;
		esac || { echo "kernel-build: $i did not stick in .config" >&2; exit 1; }
	done
	touch "$out/.vmscope-configured"
fi
# Configure only (e.g. while another build has the CPUs); a later run builds.
[ -z "${VMSCOPE_KBUILD_CONFIG_ONLY:-}" ] || { echo "$out"; exit 0; }
cd "$out"
start=$(date +%s)
nice make -s -j"$(($(nproc) + 1))" bzImage modules >&2
echo "kernel-build: built in $(($(date +%s) - start)) s" >&2
touch .vmscope-built
echo "$out"
