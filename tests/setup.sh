#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything vmscope's build, demo and tests need on a Debian 12 host.
# Idempotent: a second run only checks. Called by `make demo` and `make check`.
set -euo pipefail

KVERS=${VMSCOPE_KVERS:-"6.1.0-56-amd64 6.12.117+deb12-amd64"}
CACHE=${VMSCOPE_CACHE:-/var/cache/vmscope}
VENV=$CACHE/venv

pkgs=(build-essential pkg-config libnl-3-dev libnl-genl-3-dev
      qemu-system-x86 busybox-static kmod sparse python3-venv
      python3 util-linux procps bpftrace linux-source-6.12
      flex bison bc libelf-dev libssl-dev cpio
      dkms mandoc groff-base man-db bash-completion python3-yaml
      python3-jsonschema)
# The mainline lane is built from source on first use (tests/kernel-build.sh,
# which fetches it itself); the packages above cover its build.  The stress
# lanes (make check-stress) also boot Debian's PREEMPT_RT kernel.
RT_KVER=${VMSCOPE_RT_KVER:-6.12.117+deb12-rt-amd64}
for v in $KVERS $RT_KVER; do
	[ "$v" != mainline ] || continue
	pkgs+=("linux-image-$v" "linux-headers-$v")
done

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -q -y --no-install-recommends "${missing[@]}" >/dev/null
fi

# checkpatch.pl comes from the packaged kernel source; unpack it once.
src=$CACHE/linux-source-6.12
if [ ! -x "$src/scripts/checkpatch.pl" ]; then
	mkdir -p "$CACHE"
	tar -C "$CACHE" -xaf /usr/src/linux-source-6.12.tar.xz \
		linux-source-6.12/scripts linux-source-6.12/tools/net/ynl \
		linux-source-6.12/Documentation/netlink
fi

# promtool checks "stats --prometheus".  It comes in Debian's prometheus
# package, whose server vmscope does not want installed and started:
# unpack only the tool, into the cache.
if [ ! -x "$CACHE/promtool/usr/bin/promtool" ]; then
	mkdir -p "$CACHE/promtool"
	(cd "$CACHE/promtool" && apt-get download -q prometheus >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && apt-get download -q prometheus >/dev/null; })
	dpkg-deb -x "$CACHE"/promtool/prometheus_*.deb "$CACHE/promtool"
	rm -f "$CACHE"/promtool/prometheus_*.deb
fi

if [ ! -x "$VENV/bin/vng" ]; then
	echo "setup: installing virtme-ng into $VENV"
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install -q virtme-ng argcomplete requests
fi
echo "setup: ok"
