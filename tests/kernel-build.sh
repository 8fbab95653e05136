#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build current mainline (Debian unstable's linux-source-7.2) with vng's
# minimal config plus what vmscope needs, once per machine: the result is
# cached under $VMSCOPE_CACHE/kernels/<version>-<config hash>/ and reused.
# Fetching uses a private apt sources list and state directory; the
# machine's own apt configuration is not touched.
#   tests/kernel-build.sh            build (or find) it; print the build dir
set -euo pipefail
cache=${VMSCOPE_CACHE:-/var/cache/vmscope}
pkg=linux-source-7.2
vng=$cache/venv/bin/vng
export PATH=$cache/venv/bin:$PATH
items=(CONFIG_MODULES=y CONFIG_MODULE_UNLOAD=y CONFIG_KPROBES=y CONFIG_FTRACE=y
       CONFIG_FUNCTION_TRACER=y CONFIG_TRACEPOINTS=y CONFIG_MMAP_LOCK_TRACE=y
       CONFIG_DEBUG_INFO_NONE=y)
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
key=$(printf '%s\n' "$ver" "${items[@]}" | sha256sum | cut -c1-12)
out=$cache/kernels/$pkg-$key
if [ -f "$out/.vmscope-built" ]; then
	echo "$out"
	exit 0
fi

echo "kernel-build: building $pkg $ver into $out (about 12 min on 2 idle cores)" >&2
# A build that was interrupted resumes where it stopped.
if [ ! -f "$out/.vmscope-configured" ]; then
	rm -rf "$out" "$out.tmp"
	mkdir -p "$out.tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$out.tmp" --wildcards './usr/src/linux-source-*.tar.*'
	tar -xaf "$out.tmp"/usr/src/linux-source-*.tar.* -C "$out.tmp"
	mv "$out.tmp"/linux-source-7.2 "$out"
	rm -rf "$out.tmp"
	args=()
	for i in "${items[@]}"; do
		args+=(--configitem "$i")
	done
	(cd "$out" && "$vng" --kconfig "${args[@]}" >&2 && make -s olddefconfig >&2)
	touch "$out/.vmscope-configured"
fi
cd "$out"
start=$(date +%s)
nice make -s -j"$(($(nproc) + 1))" bzImage modules >&2
echo "kernel-build: built in $(($(date +%s) - start)) s" >&2
touch .vmscope-built
echo "$out"
