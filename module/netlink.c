// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope: the "vmscope" generic-netlink family, its policies and ops.
 *
 * Every op has its own policy and the family sets resv_start_op to its first
 * command, so genetlink validates strictly: unknown attributes, reply-only
 * attributes in a request, wrong lengths and a non-zero reserved header
 * field are all rejected before a handler runs.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include <uapi/linux/vmscope.h>
#include "compat.h"
#include "vmscope.h"

/* Attributes not listed are reply-only: strict validation rejects them. */
static const struct nla_policy vmscope_vma_policy[VMSCOPE_VMA_A_MAX + 1] = {
	[VMSCOPE_VMA_A_PID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[VMSCOPE_VMA_A_ADDR]		= { .type = NLA_U64 },
	[VMSCOPE_VMA_A_QUERY_FLAGS]	= NLA_POLICY_MASK(NLA_U32,
							  VMSCOPE_QUERY_F_ALL),
	[VMSCOPE_VMA_A_RANGE_START]	= { .type = NLA_U64 },
	[VMSCOPE_VMA_A_RANGE_END]	= { .type = NLA_U64 },
	/*
	 * A policy mask holds only 32 bits on 6.1, so undefined flag bits
	 * are rejected by vmscope_vma_get_start().
	 */
	[VMSCOPE_VMA_A_FLAGS_REQUIRED]	= { .type = NLA_U64 },
	[VMSCOPE_VMA_A_FLAGS_FORBIDDEN]	= { .type = NLA_U64 },
};

static const struct nla_policy vmscope_proc_policy[VMSCOPE_PROC_A_MAX + 1] = {
	[VMSCOPE_PROC_A_PID]		= NLA_POLICY_MIN(NLA_U32, 1),
};

/* INFO_GET takes no attributes at all. */
static const struct nla_policy vmscope_info_policy[VMSCOPE_INFO_A_MAX + 1] = {
};

static int vmscope_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	u64 features = BIT_ULL(VMSCOPE_FEAT_VMA_DUMP) |
		       BIT_ULL(VMSCOPE_FEAT_VMA_QUERY) |
		       BIT_ULL(VMSCOPE_FEAT_PROC);
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vmscope_nl_family, 0,
				VMSCOPE_CMD_INFO_GET);
	if (!hdr)
		goto nla_put_failure;
	if (nla_put_string(msg, VMSCOPE_INFO_A_VERSION, VMSCOPE_VERSION) ||
	    nla_put_u64_64bit(msg, VMSCOPE_INFO_A_FEATURES, features,
			      VMSCOPE_INFO_A_PAD) ||
	    nla_put_u32(msg, VMSCOPE_INFO_A_ALLOW_SAME_USER,
			vmscope_allow_same_user))
		goto nla_put_failure;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * No op sets GENL_ADMIN_PERM: reading one's own process needs no privilege,
 * and vmscope_target_get() makes the per-target decision.
 */
static const struct genl_ops vmscope_nl_ops[] = {
	{
		.cmd		= VMSCOPE_CMD_VMA_GET,
		.doit		= vmscope_vma_get_doit,
		.start		= vmscope_vma_get_start,
		.dumpit		= vmscope_vma_get_dumpit,
		.done		= vmscope_vma_get_done,
		.policy		= vmscope_vma_policy,
		.maxattr	= VMSCOPE_VMA_A_MAX,
	},
	{
		.cmd		= VMSCOPE_CMD_PROC_GET,
		.doit		= vmscope_proc_get_doit,
		.policy		= vmscope_proc_policy,
		.maxattr	= VMSCOPE_PROC_A_MAX,
	},
	{
		.cmd		= VMSCOPE_CMD_INFO_GET,
		.doit		= vmscope_info_get_doit,
		.policy		= vmscope_info_policy,
		.maxattr	= VMSCOPE_INFO_A_MAX,
	},
};

/*
 * parallel_ops: handlers take a target's mmap_lock, which must never happen
 * under the global genl_mutex.  netnsok is false: the family lives in the
 * initial network namespace only.
 */
struct genl_family vmscope_nl_family __ro_after_init = {
	.name		= VMSCOPE_FAMILY_NAME,
	.version	= VMSCOPE_FAMILY_VERSION,
	.netnsok	= false,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= vmscope_nl_ops,
	.n_ops		= ARRAY_SIZE(vmscope_nl_ops),
	.resv_start_op	= VMSCOPE_CMD_VMA_GET,
};

int __init vmscope_nl_init(void)
{
	return genl_register_family(&vmscope_nl_family);
}

void vmscope_nl_exit(void)
{
	genl_unregister_family(&vmscope_nl_family);
}
