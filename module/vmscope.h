/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope: declarations shared by the module's files.
 */
#ifndef _VMSCOPE_H
#define _VMSCOPE_H

#include <linux/types.h>
#include <net/genetlink.h>

struct mm_struct;
struct pid;

/*
 * A required attribute: if it is missing, report its type (MISS_TYPE) and
 * a message naming it, so that no rejection comes without a message.
 */
#define VMSCOPE_REQUIRE(extack, attrs, type, msg) ({			\
	struct netlink_ext_ack *__ext = (extack);			\
	bool __missing = NL_REQ_ATTR_CHECK(__ext, NULL, attrs, type);	\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(__ext, msg);				\
	__missing;							\
})

extern bool vmscope_allow_same_user;
extern struct genl_family vmscope_nl_family;

/**
 * struct vmscope_target - a process resolved and checked for one request
 * @pid: the target's thread-group pid (referenced)
 * @mm: the target's address space, pinned with mmgrab() only, so that a
 *	long dump does not keep a dead process's memory alive; every use
 *	takes mmget_not_zero() first
 * @nr: the target's thread-group id in the requester's pid namespace
 */
struct vmscope_target {
	struct pid *pid;
	struct mm_struct *mm;
	u32 nr;
};

int vmscope_target_get(struct vmscope_target *t, struct sk_buff *skb,
		       const struct nlattr *pid_attr,
		       struct netlink_ext_ack *extack);
void vmscope_target_put(struct vmscope_target *t);

void vmscope_vma_init(void);
int vmscope_nl_init(void);
void vmscope_nl_exit(void);

int vmscope_vma_get_doit(struct sk_buff *skb, struct genl_info *info);
int vmscope_vma_get_start(struct netlink_callback *cb);
int vmscope_vma_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vmscope_vma_get_done(struct netlink_callback *cb);

int vmscope_proc_get_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* _VMSCOPE_H */
