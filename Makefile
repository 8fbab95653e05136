# SPDX-License-Identifier: GPL-2.0
#
# vmscope: kernel module + CLI.
#   make                 build module/vmscope.ko (for KDIR) and userspace/vmscope
#   make KDIR=/lib/modules/<ver>/build   build the module for another kernel
#   make demo            boot a VM, load the module, show it on a live process
#   make check           every test, on every supported kernel, in VMs
#   make check-stress    the hardening campaigns on the debug and RT kernels
#                        (STRESS_FLAGS=--short: fewer iterations, as CI)
#   make bench           the performance figures (one VM run)
#   make style           checkpatch --strict over the module
# `demo`, `check` and `bench` first install what they need (tests/setup.sh).

KVERS ?= 6.1.0-56-amd64 6.12.117+deb12-amd64
DEMO_KVER ?= 6.12.117+deb12-amd64
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    /lib/modules/$(lastword $(KVERS))/build)
VMSCOPE_CACHE ?= /var/cache/vmscope
export KVERS DEMO_KVER VMSCOPE_CACHE

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

progs:
	$(MAKE) -C tests/progs

setup:
	tests/setup.sh

demo: setup
	tests/demo.sh

check: setup
	tests/check.sh

check-stress: setup
	tests/stress.sh $(STRESS_FLAGS)

bench: setup
	tests/bench.sh

style:
	tests/style.sh

clean:
	-[ -d $(KDIR) ] && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	-$(MAKE) -C tests/progs clean
	rm -rf .build

.PHONY: all module userspace progs setup demo check check-stress bench style clean
