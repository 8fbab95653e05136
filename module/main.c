// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope: a process's virtual memory areas, served over generic netlink.
 *
 * Copyright (C) 2026 The vmscope authors
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>

#include <uapi/linux/vmscope.h>
#include "vmscope.h"

bool vmscope_allow_same_user;
module_param_named(allow_same_user, vmscope_allow_same_user, bool, 0444);
MODULE_PARM_DESC(allow_same_user,
		 "Also let a user read its own dumpable processes without CAP_SYS_PTRACE (ptrace's credential and dumpable checks; LSMs are not consulted)");

unsigned int vmscope_max_procs = 1024;
module_param_named(max_procs, vmscope_max_procs, uint, 0444);
MODULE_PARM_DESC(max_procs,
		 "Processes whose faults are counted at once; faults of others are counted as overflow (default 1024)");

unsigned int vmscope_max_vmas = 16384;
module_param_named(max_vmas, vmscope_max_vmas, uint, 0444);
MODULE_PARM_DESC(max_vmas,
		 "VMA entries for per-VMA counters, all processes together; events beyond are counted as overflow (default 16384)");

static unsigned int vmscope_ring_size = 1024;
module_param_named(ring_size, vmscope_ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size,
		 "Events each CPU buffers for watchers, rounded up to a power of two; events beyond are dropped and counted (default 1024)");

static bool vmscope_hooks_enable = true;
module_param_named(hooks, vmscope_hooks_enable, bool, 0444);
MODULE_PARM_DESC(hooks,
		 "Attach the fault and copy-on-write hooks; 0 serves VMAs only, with no work on the fault path (default 1)");

unsigned long vmscope_hook_mask = ~0UL;
module_param_named(hook_mask, vmscope_hook_mask, ulong, 0444);
MODULE_PARM_DESC(hook_mask,
		 "Hooks to try, as VMSCOPE_HOOK_* bits (those vmscope status lists); the counters of a hook left out are unavailable, and exit_mmap is always attached (default all)");

bool vmscope_vma_complete;
module_param_named(vma_complete, vmscope_vma_complete, bool, 0444);
MODULE_PARM_DESC(vma_complete,
		 "Follow every fault on other than private anonymous memory to its end (a kretprobe on handle_mm_fault()), so that per-VMA faults and faults_major count completed faults only, as the kernel's maj_flt and min_flt do; costs a few hundred instructions more per fault (default 0: count them when they start)");

static int __init vmscope_init(void)
{
	int err;

	vmscope_max_procs = clamp(vmscope_max_procs, 1U, 1U << 20);
	vmscope_max_vmas = clamp(vmscope_max_vmas, 1U, 1U << 24);
	vmscope_vma_init();
	err = vmscope_count_init(vmscope_max_procs, vmscope_max_vmas);
	if (err)
		goto err_count;
	err = vmscope_watch_init(vmscope_ring_size);
	if (err)
		goto err_watch;
	/* Hooks before the family: a client sees the final hook set. */
	if (vmscope_hooks_enable) {
		err = vmscope_hooks_init();
		if (err)
			goto err_hooks;
	}
	err = vmscope_nl_init();
	if (err)
		goto err_nl;

	pr_info("version " VMSCOPE_VERSION " loaded\n");
	return 0;

err_nl:
	vmscope_hooks_exit();
err_hooks:
	vmscope_watch_exit();
err_watch:
	vmscope_count_exit_tables();
err_count:
	return err;
}

/*
 * The family first (no new request), then the hooks (no new event), then
 * the watchers and the event buffers, and last the tables, once the
 * grace period of every entry freed by the hooks has passed.
 */
static void __exit vmscope_exit(void)
{
	vmscope_nl_exit();
	vmscope_hooks_exit();
	vmscope_watch_exit();
	vmscope_count_exit_tables();
}

module_init(vmscope_init);
module_exit(vmscope_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The vmscope authors");
MODULE_DESCRIPTION("Process VMAs over generic netlink");
MODULE_VERSION(VMSCOPE_VERSION);
MODULE_ALIAS_GENL_FAMILY(VMSCOPE_FAMILY_NAME);
