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

static int __init vmscope_init(void)
{
	int err;

	vmscope_vma_init();
	err = vmscope_nl_init();
	if (err)
		goto err_nl;

	pr_info("version " VMSCOPE_VERSION " loaded\n");
	return 0;

err_nl:
	return err;
}

static void __exit vmscope_exit(void)
{
	vmscope_nl_exit();
}

module_init(vmscope_init);
module_exit(vmscope_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The vmscope authors");
MODULE_DESCRIPTION("Process VMAs over generic netlink");
MODULE_VERSION(VMSCOPE_VERSION);
MODULE_ALIAS_GENL_FAMILY(VMSCOPE_FAMILY_NAME);
