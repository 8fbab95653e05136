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

/* INFO_GET and UNWATCH take no attributes at all. */
static const struct nla_policy vmscope_info_policy[VMSCOPE_INFO_A_MAX + 1] = {
};

static const struct nla_policy vmscope_unwatch_policy[VMSCOPE_WATCH_A_MAX + 1] = {
};

/* PID may repeat: strict validation checks every copy, not only the last. */
static const struct nla_policy vmscope_watch_policy[VMSCOPE_WATCH_A_MAX + 1] = {
	[VMSCOPE_WATCH_A_PID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[VMSCOPE_WATCH_A_ALL]		= { .type = NLA_FLAG },
};

static int vmscope_info_put(struct sk_buff *msg)
{
	struct vmscope_count_stats cs;
	struct vmscope_watch_stats ws;

	vmscope_count_stats(&cs);
	vmscope_watch_stats(&ws);
	if (nla_put_u64_64bit(msg, VMSCOPE_INFO_A_HOOKS, vmscope_hooks,
			      VMSCOPE_INFO_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_INFO_A_COUNTERS_EXACT,
			      vmscope_counters_exact, VMSCOPE_INFO_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_INFO_A_COUNTERS_DERIVED,
			      vmscope_counters_derived, VMSCOPE_INFO_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_INFO_A_MEMORY, cs.bytes + ws.bytes,
			      VMSCOPE_INFO_A_PAD) ||
	    nla_put_u32(msg, VMSCOPE_INFO_A_PROC_SLOTS, vmscope_max_procs) ||
	    nla_put_u32(msg, VMSCOPE_INFO_A_PROC_USED, cs.proc_used) ||
	    nla_put_u64_64bit(msg, VMSCOPE_INFO_A_PROC_OVERFLOW,
			      cs.proc_overflow, VMSCOPE_INFO_A_PAD) ||
	    nla_put_u32(msg, VMSCOPE_INFO_A_VMA_SLOTS, vmscope_max_vmas) ||
	    nla_put_u32(msg, VMSCOPE_INFO_A_VMA_USED, cs.vma_used) ||
	    nla_put_u64_64bit(msg, VMSCOPE_INFO_A_VMA_OVERFLOW,
			      cs.vma_overflow, VMSCOPE_INFO_A_PAD) ||
	    nla_put_u32(msg, VMSCOPE_INFO_A_RING_SIZE, ws.ring_size) ||
	    nla_put_u64_64bit(msg, VMSCOPE_INFO_A_EVENTS, ws.events,
			      VMSCOPE_INFO_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_INFO_A_EVENTS_DROPPED, ws.dropped,
			      VMSCOPE_INFO_A_PAD) ||
	    nla_put_u32(msg, VMSCOPE_INFO_A_LISTENERS, ws.listeners) ||
	    nla_put_u64_64bit(msg, VMSCOPE_INFO_A_KRETPROBE_MISSED,
			      vmscope_kretprobe_missed(), VMSCOPE_INFO_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int vmscope_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	u64 features = BIT_ULL(VMSCOPE_FEAT_VMA_DUMP) |
		       BIT_ULL(VMSCOPE_FEAT_VMA_QUERY) |
		       BIT_ULL(VMSCOPE_FEAT_PROC);

	if (vmscope_counting())
		features |= BIT_ULL(VMSCOPE_FEAT_COUNTERS);
	if (vmscope_watch_available())
		features |= BIT_ULL(VMSCOPE_FEAT_WATCH);
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
			vmscope_allow_same_user) ||
	    vmscope_info_put(msg))
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
	{
		.cmd		= VMSCOPE_CMD_WATCH,
		.doit		= vmscope_watch_doit,
		.policy		= vmscope_watch_policy,
		.maxattr	= VMSCOPE_WATCH_A_MAX,
	},
	{
		.cmd		= VMSCOPE_CMD_UNWATCH,
		.doit		= vmscope_unwatch_doit,
		.policy		= vmscope_unwatch_policy,
		.maxattr	= VMSCOPE_WATCH_A_MAX,
	},
	/*
	 * VMSCOPE_CMD_EVENT has no op: a request with it is rejected by
	 * genetlink (-EOPNOTSUPP) before any handler runs.
	 */
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
