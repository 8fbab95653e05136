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
#   make bench LANE=mainline   the same on another kernel lane
#   make style           checkpatch --strict over the module
#   make install         the module (modules_install + depmod) for KDIR's
#                        kernel, and the CLI, its man page and its bash
#                        completion under PREFIX; DESTDIR is honoured
#   make uninstall       remove what `make install` installed
#   make dkms            stage the module's source in /usr/src/vmscope-VERSION
#                        and `dkms install` it for KVER (dkms-remove undoes it)
# `demo`, `check` and `bench` first install what they need (tests/setup.sh).

# Kernel lanes (tests/kernel.sh): Debian kernel versions, and "mainline"
# (Debian unstable's linux-source-7.2, built and cached on first use).
KVERS ?= 6.1.0-56-amd64 6.12.117+deb12-amd64 mainline
DEMO_KVER ?= 6.12.117+deb12-amd64
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    /lib/modules/$(DEMO_KVER)/build)
VMSCOPE_CACHE ?= /var/cache/vmscope
export KVERS DEMO_KVER VMSCOPE_CACHE

# The release KDIR builds for (what `uname -r` says when it runs; on
# Debian 6.1 include/config/kernel.release has the upstream version).
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
		$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
VMSCOPE_VERSION ?= $(shell git -C $(CURDIR) describe --always --dirty 2>/dev/null || echo unknown)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL_MOD_DIR ?= updates
DKMS_SRC ?= $(DESTDIR)/usr/src/vmscope-$(VMSCOPE_VERSION)
INSTALL ?= install
DEPMOD ?= depmod
DKMS ?= dkms

all: module userspace

# Built in module/ itself (module/Kbuild), so that modules_install puts it
# at updates/vmscope.ko.  `make -C KDIR M=$PWD` (the top-level Kbuild) and
# DKMS build the same module from the top.
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module VMSCOPE_VERSION=$(VMSCOPE_VERSION) modules
	@echo '$(KDIR) $(VMSCOPE_VERSION)' >module/.vmscope-built

# install builds the module only if it is missing, older than a source, or
# was built for another KDIR or version: kbuild alone takes minutes to find
# nothing to do in an emulated VM.
MODULE_SRCS := $(filter-out %.mod.c,$(wildcard module/*.c)) $(wildcard module/*.h) \
	       module/Kbuild module/include/uapi/linux/vmscope.h
module/vmscope.ko: $(MODULE_SRCS) FORCE
	@if [ ! -f $@ ] || [ "$$(cat module/.vmscope-built 2>/dev/null)" != '$(KDIR) $(VMSCOPE_VERSION)' ] || \
	    [ -n "$$(find $(MODULE_SRCS) -newer $@)" ]; then $(MAKE) module; fi

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

# Debian's kernels sign every module at modules_install (MODULE_SIG_ALL)
# with a key only their build had: leave signing to the user (README,
# "Secure Boot") or to DKMS.  With DESTDIR (packaging), depmod is the
# package's job at install time, not ours (kbuild's own depmod, which runs
# when KDIR has a System.map, is always left out: DEPMOD=true).
install: install-module install-cli

install-module: module/vmscope.ko
	@[ -n "$(KVER)" ] || { echo "no kernel release in $(KDIR); set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/module INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) CONFIG_MODULE_SIG_ALL= DEPMOD=true \
		modules_install
	$(if $(DESTDIR),,$(DEPMOD) -a $(KVER))

install-cli: userspace
	$(INSTALL) -D -m 0755 userspace/vmscope $(DESTDIR)$(BINDIR)/vmscope
	$(INSTALL) -D -m 0644 userspace/vmscope.8 $(DESTDIR)$(MANDIR)/man8/vmscope.8
	$(INSTALL) -D -m 0644 userspace/vmscope.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/vmscope

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vmscope $(DESTDIR)$(MANDIR)/man8/vmscope.8 \
		$(DESTDIR)$(BASHCOMPDIR)/vmscope
	@[ -n "$(KVER)" ] || { echo "no kernel release in $(KDIR); set KDIR" >&2; exit 1; }
	rm -f $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/vmscope.ko*
	$(if $(DESTDIR),,$(DEPMOD) -a $(KVER))

# A DKMS source tree: the module's sources, the top-level Kbuild, and
# module/dkms.conf with the version filled in.
dkms-src:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)/module/include/uapi/linux
	cp Kbuild $(DKMS_SRC)/
	cp module/Kbuild $(filter-out %.mod.c,$(wildcard module/*.c)) module/*.h \
		$(DKMS_SRC)/module/
	cp module/include/uapi/linux/vmscope.h $(DKMS_SRC)/module/include/uapi/linux/
	sed 's/@VERSION@/$(VMSCOPE_VERSION)/' module/dkms.conf >$(DKMS_SRC)/dkms.conf

dkms: dkms-src
	$(DKMS) add -m vmscope -v $(VMSCOPE_VERSION)
	$(DKMS) install -m vmscope -v $(VMSCOPE_VERSION) -k $(KVER)

dkms-remove:
	-$(DKMS) remove -m vmscope -v $(VMSCOPE_VERSION) --all
	rm -rf $(DKMS_SRC)

clean:
	-[ -d $(KDIR) ] && $(MAKE) -C $(KDIR) M=$(CURDIR)/module clean
	-[ -d $(KDIR) ] && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	-$(MAKE) -C tests/progs clean
	rm -rf .build module/.vmscope-built

FORCE:

.PHONY: all module userspace progs setup demo check check-stress bench style \
	clean install install-module install-cli uninstall dkms-src dkms \
	dkms-remove
