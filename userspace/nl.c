// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope CLI: one generic netlink context, extended-ack error reporting,
 * dumps restarted on NLM_F_DUMP_INTR, and client-side reply validation.
 * Replies are read with nl_recv() and walked in place: libnl's
 * nl_recvmsgs() would copy every message of a dump, one per VMA, into a
 * freshly allocated 4 KiB nl_msg.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vmscope.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "cli.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define U16	{ .type = NLA_U16, .maxlen = sizeof(uint16_t) }
#define U32	{ .type = NLA_U32, .maxlen = sizeof(uint32_t) }
#define U64	{ .type = NLA_U64, .maxlen = sizeof(uint64_t) }
#define STR	{ .type = NLA_STRING }

/*
 * Reply policies.  Attributes above each MAX are newer than this CLI and
 * are ignored: libnl's nla_parse() skips types above maxtype.
 */
static const struct nla_policy vs_ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID]		= U16,
	[CTRL_ATTR_FAMILY_NAME]		= STR,
	[CTRL_ATTR_VERSION]		= U32,
};

static const int vs_ctrl_mandatory[] = {
	CTRL_ATTR_FAMILY_ID, CTRL_ATTR_VERSION, 0
};

static const struct nla_policy vs_vma_policy[VMSCOPE_VMA_A_MAX + 1] = {
	[VMSCOPE_VMA_A_PID]		= U32,
	[VMSCOPE_VMA_A_START]		= U64,
	[VMSCOPE_VMA_A_END]		= U64,
	[VMSCOPE_VMA_A_FLAGS]		= U64,
	[VMSCOPE_VMA_A_OFFSET]		= U64,
	[VMSCOPE_VMA_A_DEV_MAJOR]	= U32,
	[VMSCOPE_VMA_A_DEV_MINOR]	= U32,
	[VMSCOPE_VMA_A_INODE]		= U64,
	[VMSCOPE_VMA_A_NAME]		= STR,
	[VMSCOPE_VMA_A_PAGE_SIZE]	= U64,
	[VMSCOPE_VMA_A_FAULTS]		= U64,
	[VMSCOPE_VMA_A_FAULTS_READ]	= U64,
	[VMSCOPE_VMA_A_FAULTS_WRITE]	= U64,
	[VMSCOPE_VMA_A_FAULTS_EXEC]	= U64,
	[VMSCOPE_VMA_A_FAULTS_KERNEL]	= U64,
	[VMSCOPE_VMA_A_FAULTS_MAJOR]	= U64,
	[VMSCOPE_VMA_A_COW_FAULTS]	= U64,
	[VMSCOPE_VMA_A_COW_COPIES]	= U64,
	[VMSCOPE_VMA_A_COW_REUSES]	= U64,
	[VMSCOPE_VMA_A_COW_ZERO]	= U64,
	[VMSCOPE_VMA_A_COW_UNSHARE]	= U64,
};

/* OFFSET, DEV_* and INODE come only with file mappings; absent means 0. */
static const int vs_vma_mandatory[] = {
	VMSCOPE_VMA_A_START, VMSCOPE_VMA_A_END, VMSCOPE_VMA_A_FLAGS,
	VMSCOPE_VMA_A_PAGE_SIZE, 0
};

static const char *const vs_vma_names[VMSCOPE_VMA_A_MAX + 1] = {
	[VMSCOPE_VMA_A_PAD]		= "PAD",
	[VMSCOPE_VMA_A_PID]		= "PID",
	[VMSCOPE_VMA_A_ADDR]		= "ADDR",
	[VMSCOPE_VMA_A_QUERY_FLAGS]	= "QUERY_FLAGS",
	[VMSCOPE_VMA_A_RANGE_START]	= "RANGE_START",
	[VMSCOPE_VMA_A_RANGE_END]	= "RANGE_END",
	[VMSCOPE_VMA_A_FLAGS_REQUIRED]	= "FLAGS_REQUIRED",
	[VMSCOPE_VMA_A_FLAGS_FORBIDDEN]	= "FLAGS_FORBIDDEN",
	[VMSCOPE_VMA_A_START]		= "START",
	[VMSCOPE_VMA_A_END]		= "END",
	[VMSCOPE_VMA_A_FLAGS]		= "FLAGS",
	[VMSCOPE_VMA_A_OFFSET]		= "OFFSET",
	[VMSCOPE_VMA_A_DEV_MAJOR]	= "DEV_MAJOR",
	[VMSCOPE_VMA_A_DEV_MINOR]	= "DEV_MINOR",
	[VMSCOPE_VMA_A_INODE]		= "INODE",
	[VMSCOPE_VMA_A_NAME]		= "NAME",
	[VMSCOPE_VMA_A_PAGE_SIZE]	= "PAGE_SIZE",
	[VMSCOPE_VMA_A_FAULTS]		= "FAULTS",
	[VMSCOPE_VMA_A_FAULTS_READ]	= "FAULTS_READ",
	[VMSCOPE_VMA_A_FAULTS_WRITE]	= "FAULTS_WRITE",
	[VMSCOPE_VMA_A_FAULTS_EXEC]	= "FAULTS_EXEC",
	[VMSCOPE_VMA_A_FAULTS_KERNEL]	= "FAULTS_KERNEL",
	[VMSCOPE_VMA_A_FAULTS_MAJOR]	= "FAULTS_MAJOR",
	[VMSCOPE_VMA_A_COW_FAULTS]	= "COW_FAULTS",
	[VMSCOPE_VMA_A_COW_COPIES]	= "COW_COPIES",
	[VMSCOPE_VMA_A_COW_REUSES]	= "COW_REUSES",
	[VMSCOPE_VMA_A_COW_ZERO]	= "COW_ZERO",
	[VMSCOPE_VMA_A_COW_UNSHARE]	= "COW_UNSHARE",
};

static const struct nla_policy vs_proc_policy[VMSCOPE_PROC_A_MAX + 1] = {
	[VMSCOPE_PROC_A_PID]		= U32,
	[VMSCOPE_PROC_A_COMM]		= STR,
	[VMSCOPE_PROC_A_THREADS]	= U32,
	[VMSCOPE_PROC_A_MIN_FLT]	= U64,
	[VMSCOPE_PROC_A_MAJ_FLT]	= U64,
	[VMSCOPE_PROC_A_START_CODE]	= U64,
	[VMSCOPE_PROC_A_END_CODE]	= U64,
	[VMSCOPE_PROC_A_START_DATA]	= U64,
	[VMSCOPE_PROC_A_END_DATA]	= U64,
	[VMSCOPE_PROC_A_START_BRK]	= U64,
	[VMSCOPE_PROC_A_BRK]		= U64,
	[VMSCOPE_PROC_A_START_STACK]	= U64,
	[VMSCOPE_PROC_A_ARG_START]	= U64,
	[VMSCOPE_PROC_A_ARG_END]	= U64,
	[VMSCOPE_PROC_A_ENV_START]	= U64,
	[VMSCOPE_PROC_A_ENV_END]	= U64,
	[VMSCOPE_PROC_A_MAP_COUNT]	= U32,
	[VMSCOPE_PROC_A_TOTAL_VM]	= U64,
	[VMSCOPE_PROC_A_RSS_FILE]	= U64,
	[VMSCOPE_PROC_A_RSS_ANON]	= U64,
	[VMSCOPE_PROC_A_RSS_SHMEM]	= U64,
	[VMSCOPE_PROC_A_SWAP]		= U64,
	[VMSCOPE_PROC_A_PAGE_SIZE]	= U64,
	[VMSCOPE_PROC_A_FAULTS]		= U64,
	[VMSCOPE_PROC_A_FAULTS_READ]	= U64,
	[VMSCOPE_PROC_A_FAULTS_WRITE]	= U64,
	[VMSCOPE_PROC_A_FAULTS_EXEC]	= U64,
	[VMSCOPE_PROC_A_FAULTS_KERNEL]	= U64,
	[VMSCOPE_PROC_A_COW_FAULTS]	= U64,
	[VMSCOPE_PROC_A_COW_COPIES]	= U64,
	[VMSCOPE_PROC_A_COW_REUSES]	= U64,
	[VMSCOPE_PROC_A_COW_ZERO]	= U64,
	[VMSCOPE_PROC_A_COW_UNSHARE]	= U64,
	[VMSCOPE_PROC_A_VMA_OVERFLOW]	= U64,
	[VMSCOPE_PROC_A_FAULTS_PROT]	= U64,
};

/* Every PROC_GET attribute of family version 1 is printed, so required. */
static const int vs_proc_mandatory[] = {
	VMSCOPE_PROC_A_PID, VMSCOPE_PROC_A_COMM, VMSCOPE_PROC_A_THREADS,
	VMSCOPE_PROC_A_MIN_FLT, VMSCOPE_PROC_A_MAJ_FLT,
	VMSCOPE_PROC_A_START_CODE, VMSCOPE_PROC_A_END_CODE,
	VMSCOPE_PROC_A_START_DATA, VMSCOPE_PROC_A_END_DATA,
	VMSCOPE_PROC_A_START_BRK, VMSCOPE_PROC_A_BRK,
	VMSCOPE_PROC_A_START_STACK, VMSCOPE_PROC_A_ARG_START,
	VMSCOPE_PROC_A_ARG_END, VMSCOPE_PROC_A_ENV_START,
	VMSCOPE_PROC_A_ENV_END, VMSCOPE_PROC_A_MAP_COUNT,
	VMSCOPE_PROC_A_TOTAL_VM, VMSCOPE_PROC_A_RSS_FILE,
	VMSCOPE_PROC_A_RSS_ANON, VMSCOPE_PROC_A_RSS_SHMEM,
	VMSCOPE_PROC_A_SWAP, VMSCOPE_PROC_A_PAGE_SIZE, 0
};

static const char *const vs_proc_names[VMSCOPE_PROC_A_MAX + 1] = {
	[VMSCOPE_PROC_A_PAD]		= "PAD",
	[VMSCOPE_PROC_A_PID]		= "PID",
	[VMSCOPE_PROC_A_COMM]		= "COMM",
	[VMSCOPE_PROC_A_THREADS]	= "THREADS",
	[VMSCOPE_PROC_A_MIN_FLT]	= "MIN_FLT",
	[VMSCOPE_PROC_A_MAJ_FLT]	= "MAJ_FLT",
	[VMSCOPE_PROC_A_START_CODE]	= "START_CODE",
	[VMSCOPE_PROC_A_END_CODE]	= "END_CODE",
	[VMSCOPE_PROC_A_START_DATA]	= "START_DATA",
	[VMSCOPE_PROC_A_END_DATA]	= "END_DATA",
	[VMSCOPE_PROC_A_START_BRK]	= "START_BRK",
	[VMSCOPE_PROC_A_BRK]		= "BRK",
	[VMSCOPE_PROC_A_START_STACK]	= "START_STACK",
	[VMSCOPE_PROC_A_ARG_START]	= "ARG_START",
	[VMSCOPE_PROC_A_ARG_END]	= "ARG_END",
	[VMSCOPE_PROC_A_ENV_START]	= "ENV_START",
	[VMSCOPE_PROC_A_ENV_END]	= "ENV_END",
	[VMSCOPE_PROC_A_MAP_COUNT]	= "MAP_COUNT",
	[VMSCOPE_PROC_A_TOTAL_VM]	= "TOTAL_VM",
	[VMSCOPE_PROC_A_RSS_FILE]	= "RSS_FILE",
	[VMSCOPE_PROC_A_RSS_ANON]	= "RSS_ANON",
	[VMSCOPE_PROC_A_RSS_SHMEM]	= "RSS_SHMEM",
	[VMSCOPE_PROC_A_SWAP]		= "SWAP",
	[VMSCOPE_PROC_A_PAGE_SIZE]	= "PAGE_SIZE",
	[VMSCOPE_PROC_A_FAULTS]		= "FAULTS",
	[VMSCOPE_PROC_A_FAULTS_READ]	= "FAULTS_READ",
	[VMSCOPE_PROC_A_FAULTS_WRITE]	= "FAULTS_WRITE",
	[VMSCOPE_PROC_A_FAULTS_EXEC]	= "FAULTS_EXEC",
	[VMSCOPE_PROC_A_FAULTS_KERNEL]	= "FAULTS_KERNEL",
	[VMSCOPE_PROC_A_COW_FAULTS]	= "COW_FAULTS",
	[VMSCOPE_PROC_A_COW_COPIES]	= "COW_COPIES",
	[VMSCOPE_PROC_A_COW_REUSES]	= "COW_REUSES",
	[VMSCOPE_PROC_A_COW_ZERO]	= "COW_ZERO",
	[VMSCOPE_PROC_A_COW_UNSHARE]	= "COW_UNSHARE",
	[VMSCOPE_PROC_A_VMA_OVERFLOW]	= "VMA_OVERFLOW",
	[VMSCOPE_PROC_A_FAULTS_PROT]	= "FAULTS_PROT",
};

static const struct nla_policy vs_info_policy[VMSCOPE_INFO_A_MAX + 1] = {
	[VMSCOPE_INFO_A_VERSION]		= STR,
	[VMSCOPE_INFO_A_FEATURES]		= U64,
	[VMSCOPE_INFO_A_ALLOW_SAME_USER]	= U32,
	[VMSCOPE_INFO_A_HOOKS]			= U64,
	[VMSCOPE_INFO_A_COUNTERS_EXACT]		= U64,
	[VMSCOPE_INFO_A_COUNTERS_DERIVED]	= U64,
	[VMSCOPE_INFO_A_MEMORY]			= U64,
	[VMSCOPE_INFO_A_PROC_SLOTS]		= U32,
	[VMSCOPE_INFO_A_PROC_USED]		= U32,
	[VMSCOPE_INFO_A_PROC_OVERFLOW]		= U64,
	[VMSCOPE_INFO_A_VMA_SLOTS]		= U32,
	[VMSCOPE_INFO_A_VMA_USED]		= U32,
	[VMSCOPE_INFO_A_VMA_OVERFLOW]		= U64,
	[VMSCOPE_INFO_A_RING_SIZE]		= U32,
	[VMSCOPE_INFO_A_EVENTS]			= U64,
	[VMSCOPE_INFO_A_EVENTS_DROPPED]		= U64,
	[VMSCOPE_INFO_A_LISTENERS]		= U32,
	[VMSCOPE_INFO_A_KRETPROBE_MISSED]	= U64,
};

static const int vs_info_mandatory[] = {
	VMSCOPE_INFO_A_VERSION, VMSCOPE_INFO_A_FEATURES,
	VMSCOPE_INFO_A_ALLOW_SAME_USER, 0
};

static const char *const vs_info_names[VMSCOPE_INFO_A_MAX + 1] = {
	[VMSCOPE_INFO_A_PAD]			= "PAD",
	[VMSCOPE_INFO_A_VERSION]		= "VERSION",
	[VMSCOPE_INFO_A_FEATURES]		= "FEATURES",
	[VMSCOPE_INFO_A_ALLOW_SAME_USER]	= "ALLOW_SAME_USER",
	[VMSCOPE_INFO_A_HOOKS]			= "HOOKS",
	[VMSCOPE_INFO_A_COUNTERS_EXACT]		= "COUNTERS_EXACT",
	[VMSCOPE_INFO_A_COUNTERS_DERIVED]	= "COUNTERS_DERIVED",
	[VMSCOPE_INFO_A_MEMORY]			= "MEMORY",
	[VMSCOPE_INFO_A_PROC_SLOTS]		= "PROC_SLOTS",
	[VMSCOPE_INFO_A_PROC_USED]		= "PROC_USED",
	[VMSCOPE_INFO_A_PROC_OVERFLOW]		= "PROC_OVERFLOW",
	[VMSCOPE_INFO_A_VMA_SLOTS]		= "VMA_SLOTS",
	[VMSCOPE_INFO_A_VMA_USED]		= "VMA_USED",
	[VMSCOPE_INFO_A_VMA_OVERFLOW]		= "VMA_OVERFLOW",
	[VMSCOPE_INFO_A_RING_SIZE]		= "RING_SIZE",
	[VMSCOPE_INFO_A_EVENTS]			= "EVENTS",
	[VMSCOPE_INFO_A_EVENTS_DROPPED]		= "EVENTS_DROPPED",
	[VMSCOPE_INFO_A_LISTENERS]		= "LISTENERS",
	[VMSCOPE_INFO_A_KRETPROBE_MISSED]	= "KRETPROBE_MISSED",
};

static const struct nla_policy vs_watch_policy[VMSCOPE_WATCH_A_MAX + 1] = {
	[VMSCOPE_WATCH_A_PID]		= U32,
	[VMSCOPE_WATCH_A_ALL]		= { .type = NLA_FLAG },
};

static const int vs_watch_mandatory[] = { 0 };

static const char *const vs_watch_names[VMSCOPE_WATCH_A_MAX + 1] = {
	[VMSCOPE_WATCH_A_PID]		= "PID",
	[VMSCOPE_WATCH_A_ALL]		= "ALL",
};

static const struct nla_policy vs_event_policy[VMSCOPE_EVENT_A_MAX + 1] = {
	[VMSCOPE_EVENT_A_SEQ]		= U64,
	[VMSCOPE_EVENT_A_TIME_NS]	= U64,
	[VMSCOPE_EVENT_A_PID]		= U32,
	[VMSCOPE_EVENT_A_TID]		= U32,
	[VMSCOPE_EVENT_A_COMM]		= STR,
	[VMSCOPE_EVENT_A_KIND]		= U32,
	[VMSCOPE_EVENT_A_ACCESS]	= U32,
	[VMSCOPE_EVENT_A_FLAGS]		= U32,
	[VMSCOPE_EVENT_A_ADDR]		= U64,
	[VMSCOPE_EVENT_A_IP]		= U64,
	[VMSCOPE_EVENT_A_VMA_START]	= U64,
	[VMSCOPE_EVENT_A_VMA_END]	= U64,
	[VMSCOPE_EVENT_A_VMA_FLAGS]	= U64,
	[VMSCOPE_EVENT_A_VMA_NAME]	= STR,
	[VMSCOPE_EVENT_A_DROPPED_BUFFER] = U64,
	[VMSCOPE_EVENT_A_DROPPED_SOCKET] = U64,
};

/* "All are present in every event except IP and VMA_NAME." */
static const int vs_event_mandatory[] = {
	VMSCOPE_EVENT_A_SEQ, VMSCOPE_EVENT_A_TIME_NS, VMSCOPE_EVENT_A_PID,
	VMSCOPE_EVENT_A_TID, VMSCOPE_EVENT_A_COMM, VMSCOPE_EVENT_A_KIND,
	VMSCOPE_EVENT_A_ACCESS, VMSCOPE_EVENT_A_FLAGS, VMSCOPE_EVENT_A_ADDR,
	VMSCOPE_EVENT_A_VMA_START, VMSCOPE_EVENT_A_VMA_END,
	VMSCOPE_EVENT_A_VMA_FLAGS, VMSCOPE_EVENT_A_DROPPED_BUFFER,
	VMSCOPE_EVENT_A_DROPPED_SOCKET, 0
};

static const char *const vs_event_names[VMSCOPE_EVENT_A_MAX + 1] = {
	[VMSCOPE_EVENT_A_PAD]		= "PAD",
	[VMSCOPE_EVENT_A_SEQ]		= "SEQ",
	[VMSCOPE_EVENT_A_TIME_NS]	= "TIME_NS",
	[VMSCOPE_EVENT_A_PID]		= "PID",
	[VMSCOPE_EVENT_A_TID]		= "TID",
	[VMSCOPE_EVENT_A_COMM]		= "COMM",
	[VMSCOPE_EVENT_A_KIND]		= "KIND",
	[VMSCOPE_EVENT_A_ACCESS]	= "ACCESS",
	[VMSCOPE_EVENT_A_FLAGS]		= "FLAGS",
	[VMSCOPE_EVENT_A_ADDR]		= "ADDR",
	[VMSCOPE_EVENT_A_IP]		= "IP",
	[VMSCOPE_EVENT_A_VMA_START]	= "VMA_START",
	[VMSCOPE_EVENT_A_VMA_END]	= "VMA_END",
	[VMSCOPE_EVENT_A_VMA_FLAGS]	= "VMA_FLAGS",
	[VMSCOPE_EVENT_A_VMA_NAME]	= "VMA_NAME",
	[VMSCOPE_EVENT_A_DROPPED_BUFFER] = "DROPPED_BUFFER",
	[VMSCOPE_EVENT_A_DROPPED_SOCKET] = "DROPPED_SOCKET",
};

const struct vs_nl_reply vs_nl_ctrl_reply = {
	"CTRL_CMD_GETFAMILY", CTRL_ATTR_MAX, vs_ctrl_policy,
	vs_ctrl_mandatory, NULL
};

const struct vs_nl_reply vs_nl_vma_reply = {
	"VMA_GET", VMSCOPE_VMA_A_MAX, vs_vma_policy, vs_vma_mandatory,
	vs_vma_names
};

const struct vs_nl_reply vs_nl_proc_reply = {
	"PROC_GET", VMSCOPE_PROC_A_MAX, vs_proc_policy, vs_proc_mandatory,
	vs_proc_names
};

const struct vs_nl_reply vs_nl_info_reply = {
	"INFO_GET", VMSCOPE_INFO_A_MAX, vs_info_policy, vs_info_mandatory,
	vs_info_names
};

/* Only to name WATCH's attributes in the kernel's error messages. */
const struct vs_nl_reply vs_nl_watch_reply = {
	"WATCH", VMSCOPE_WATCH_A_MAX, vs_watch_policy, vs_watch_mandatory,
	vs_watch_names
};

const struct vs_nl_reply vs_nl_event_reply = {
	"EVENT", VMSCOPE_EVENT_A_MAX, vs_event_policy, vs_event_mandatory,
	vs_event_names
};

static void vs_nl_attr_name(const struct vs_nl_reply *spec, int type,
			    char *buf, size_t len)
{
	if (spec->attr_names && type <= spec->maxattr &&
	    spec->attr_names[type])
		snprintf(buf, len, "%s", spec->attr_names[type]);
	else
		snprintf(buf, len, "%d", type);
}

/* Minimum payloads of the policy types we use, as libnl's nla_parse(). */
static const uint16_t vs_nla_minlen[NLA_TYPE_MAX + 1] = {
	[NLA_U8]	= sizeof(uint8_t),
	[NLA_U16]	= sizeof(uint16_t),
	[NLA_U32]	= sizeof(uint32_t),
	[NLA_U64]	= sizeof(uint64_t),
	[NLA_STRING]	= 1,
	[NLA_FLAG]	= 0,
};

/* libnl's validate_nla(): the length limits, and a string's NUL. */
static int vs_nla_valid(const struct nlattr *nla, const struct nla_policy *pt)
{
	int len = nla->nla_len - NLA_HDRLEN;
	int min = pt->minlen ? pt->minlen : vs_nla_minlen[pt->type];

	if (len < min || (pt->maxlen && len > pt->maxlen))
		return 0;
	return pt->type != NLA_STRING || !vs_nla_data(nla)[len - 1];
}

/*
 * Parse a reply with spec's policy and check its mandatory attributes.
 * The rules of libnl's genlmsg_parse(): types above maxattr are ignored,
 * the last of repeated attributes wins, trailing bytes are ignored.  It is
 * done here, inline, because it runs once per VMA of a dump.
 * Returns 0 or VS_NL_EMALFORMED with the reason in nl->why.
 */
int vs_nl_parse(struct vs_nl *nl, const struct nlmsghdr *nlh,
		const struct vs_nl_reply *spec, struct nlattr **tb)
{
	const size_t hdrlen = NLMSG_HDRLEN + GENL_HDRLEN;
	struct nlattr *nla;
	char name[32];
	int rem, i;

	memset(tb, 0, (spec->maxattr + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < hdrlen) {
		snprintf(nl->why, sizeof(nl->why), "%s reply: %s", spec->name,
			 nl_geterror(-NLE_MSG_TOOSHORT));
		return VS_NL_EMALFORMED;
	}

	nla = (struct nlattr *)((char *)nlh + hdrlen);
	rem = nlh->nlmsg_len - hdrlen;
	while (rem >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	       nla->nla_len <= rem) {
		int type = nla->nla_type & NLA_TYPE_MASK;

		if (type <= spec->maxattr) {
			if (!vs_nla_valid(nla, &spec->policy[type])) {
				vs_nl_attr_name(spec, type, name, sizeof(name));
				snprintf(nl->why, sizeof(nl->why),
					 "%s reply: bad attribute %s",
					 spec->name, name);
				return VS_NL_EMALFORMED;
			}
			tb[type] = nla;
		}
		rem -= NLA_ALIGN(nla->nla_len);
		nla = (struct nlattr *)((char *)nla + NLA_ALIGN(nla->nla_len));
	}

	for (i = 0; spec->mandatory[i]; i++) {
		if (tb[spec->mandatory[i]])
			continue;
		vs_nl_attr_name(spec, spec->mandatory[i], name, sizeof(name));
		snprintf(nl->why, sizeof(nl->why),
			 "%s reply lacks attribute %s", spec->name, name);
		return VS_NL_EMALFORMED;
	}
	return 0;
}

/* The type of the attribute at byte offset offs of request req, or -1. */
int vs_nl_attr_at(const struct nlmsghdr *req, uint32_t offs)
{
	const size_t base = NLMSG_HDRLEN + GENL_HDRLEN;
	struct nlattr *nla;
	int rem;

	if (req->nlmsg_len < base)
		return -1;
	nla_for_each_attr(nla, (struct nlattr *)((char *)req + base),
			  req->nlmsg_len - base, rem)
		if ((char *)nla - (char *)req == (long)offs)
			return nla_type(nla);
	return -1;
}

/*
 * Decode the errno and extended-ack TLVs of an NLMSG_ERROR or of the
 * NLMSG_DONE that ends a dump (iw's error_handler idiom).  The TLVs follow
 * the echoed request, or only its header when NLM_F_CAPPED is set; in
 * NLMSG_DONE they follow the int errno.  Returns 0 or -EBADMSG.
 */
int vs_nl_parse_ack(const struct nlmsghdr *nlh, struct vs_nl_error *e)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	size_t len = nlh->nlmsg_len, off;
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->miss_type = -1;
	e->bad_attr = -1;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = NLMSG_DATA(nlh);

		if (len < NLMSG_HDRLEN + sizeof(*err))
			return -EBADMSG;
		e->error = err->error;
		off = NLMSG_HDRLEN + sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (err->msg.nlmsg_len < NLMSG_HDRLEN)
				return -EBADMSG;
			off += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		if (len < NLMSG_HDRLEN + sizeof(int))
			return 0;	/* an old-style DONE: success */
		memcpy(&e->error, NLMSG_DATA(nlh), sizeof(int));
		off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	} else {
		return -EBADMSG;
	}

	/* A positive errno is a protocol violation (iw does the same). */
	if (e->error > 0)
		e->error = -EPROTO;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= len)
		return 0;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      len - off, NULL) < 0)
		return -EBADMSG;

	if (tb[NLMSGERR_ATTR_MSG]) {
		const char *m = nla_data(tb[NLMSGERR_ATTR_MSG]);
		size_t n = nla_len(tb[NLMSGERR_ATTR_MSG]);

		/* One line, whatever the kernel put there. */
		for (i = 0; i < n && i + 1 < sizeof(e->msg) && m[i]; i++)
			e->msg[i] = (unsigned char)m[i] < 0x20 ? ' ' : m[i];
		e->msg[i] = '\0';
	}
	if (tb[NLMSGERR_ATTR_OFFS] &&
	    nla_len(tb[NLMSGERR_ATTR_OFFS]) >= (int)sizeof(uint32_t)) {
		e->has_offs = 1;
		e->offs = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= (int)sizeof(uint32_t))
		e->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	return 0;
}

/* The errno and extack of an NLMSG_ERROR or NLMSG_DONE into nl->err. */
static int vs_nl_set_error(struct vs_nl *nl, const struct nlmsghdr *nlh)
{
	struct vs_nl_error e;

	if (vs_nl_parse_ack(nlh, &e) < 0) {
		snprintf(nl->why, sizeof(nl->why), "truncated %s message",
			 nlh->nlmsg_type == NLMSG_DONE ? "NLMSG_DONE" :
			 "NLMSG_ERROR");
		return VS_NL_EMALFORMED;
	}
	if (!e.error)
		return 0;
	if (e.has_offs && nl->req)
		e.bad_attr = vs_nl_attr_at(nlmsg_hdr(nl->req), e.offs);
	nl->err = e;
	return 0;
}

/*
 * One message of a reply, in place in the receive buffer: libnl's
 * recvmsgs() rules for what ends a request, minus its copy of every
 * message into a new nl_msg.  Returns 0 to go on, or an error that stops
 * reading.
 */
static int vs_nl_msg(struct vs_nl *nl, struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_seq != nl->seq) {
		nl->nlerr = -NLE_SEQ_MISMATCH;
		return VS_NL_EIO;
	}
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		nl->intr = 1;

	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return 0;
	case NLMSG_OVERRUN:
		nl->nlerr = -NLE_MSG_OVERFLOW;
		return VS_NL_EIO;
	case NLMSG_ERROR:	/* an ACK is an NLMSG_ERROR with error 0 */
	case NLMSG_DONE:
		nl->done = 1;
		return vs_nl_set_error(nl, nlh);
	}

	/* An interrupted dump is read to its end, then sent again. */
	if (nlh->nlmsg_type != nl->req_type || nl->intr || !nl->fn)
		return 0;
	return nl->fn(nl, nlh, nl->arg);
}

/* Read replies until the ACK, the error or the end of the dump. */
static int vs_nl_recv(struct vs_nl *nl)
{
	struct sockaddr_nl peer;
	struct nlmsghdr *nlh;
	unsigned char *buf;
	int n, ret = 0;

	while (!nl->done && !ret) {
		n = nl_recv(nl->sk, &peer, &buf, NULL);
		if (n < 0) {
			nl->nlerr = n;
			return VS_NL_EIO;
		}
		if (!n)
			continue;
		/* Only the kernel answers; ignore anyone else's datagram. */
		if (peer.nl_pid) {
			free(buf);
			continue;
		}
		for (nlh = (struct nlmsghdr *)buf;
		     !nl->done && !ret && nlmsg_ok(nlh, n);
		     nlh = nlmsg_next(nlh, &n))
			ret = vs_nl_msg(nl, nlh);
		free(buf);
	}
	return ret;
}

/* Allocate the socket; no I/O yet. */
int vs_nl_alloc(struct vs_nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	return nl->sk ? 0 : -ENOMEM;
}

/* Connect and ask for extended acks; returns 0 or VS_NL_EIO. */
int vs_nl_connect(struct vs_nl *nl)
{
	int one = 1;
	int err;

	err = genl_connect(nl->sk);
	if (err < 0) {
		nl->nlerr = err;
		return VS_NL_EIO;
	}
	/* Kernels before 4.12 have no extack; errors then come bare. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	/* Dumps of big address spaces: do not drop replies. */
	nl_socket_set_buffer_size(nl->sk, VS_NL_RCVBUF, 0);
	nl_socket_disable_msg_peek(nl->sk);
	nl_socket_set_msg_buf_size(nl->sk, VS_NL_MSGBUF);
	return 0;
}

void vs_nl_free(struct vs_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

static int vs_nl_transact_req(struct vs_nl *nl, struct nl_msg *req,
			      vs_nl_reset_fn reset, void *arg)
{
	int ret;

	for (;;) {
		nl->done = 0;
		nl->intr = 0;
		nl->nlerr = 0;
		nl->why[0] = '\0';
		memset(&nl->err, 0, sizeof(nl->err));
		nl->err.miss_type = -1;
		nl->err.bad_attr = -1;

		nlmsg_hdr(req)->nlmsg_seq = NL_AUTO_SEQ;
		ret = nl_send_auto(nl->sk, req);
		if (ret < 0) {
			nl->nlerr = ret;
			return VS_NL_EIO;
		}
		nl->seq = nlmsg_hdr(req)->nlmsg_seq;

		ret = vs_nl_recv(nl);
		if (nl->err.error)
			return nl->err.error;
		if (ret)
			return ret;
		if (nl->intr) {
			if (nl->restarts == VS_NL_DUMP_RETRIES)
				return VS_NL_EINTR;
			nl->restarts++;
			if (reset)
				reset(arg);
			continue;
		}
		return 0;
	}
}

/*
 * Send req and process every reply until the ACK, the error or the end
 * of the dump.  fn is called for each reply message.  A dump that the
 * kernel flags NLM_F_DUMP_INTR is discarded (reset) and sent again.
 * Returns 0, the kernel's negative errno (details in nl->err) or one
 * of VS_NL_E*.
 */
int vs_nl_transact(struct vs_nl *nl, struct nl_msg *req, vs_nl_msg_fn fn,
		   vs_nl_reset_fn reset, void *arg)
{
	int ret;

	nl->req = req;
	nl->fn = fn;
	nl->arg = arg;
	nl->restarts = 0;
	nl->req_type = nlmsg_hdr(req)->nlmsg_type;
	nl->req_cmd = genlmsg_valid_hdr(nlmsg_hdr(req), 0) ?
		      genlmsg_hdr(nlmsg_hdr(req))->cmd : 0;
	ret = vs_nl_transact_req(nl, req, reset, arg);
	nl->req = NULL;
	nl->fn = NULL;
	return ret;
}

struct vs_nl_family {
	int found;
	int id;
	uint32_t version;
};

static int vs_nl_family_cb(struct vs_nl *nl, struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct vs_nl_family *f = arg;
	int ret;

	ret = vs_nl_parse(nl, nlh, &vs_nl_ctrl_reply, tb);
	if (ret)
		return ret;
	f->found = 1;
	f->id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	f->version = nla_get_u32(tb[CTRL_ATTR_VERSION]);
	return 0;
}

/*
 * Look a generic netlink family up by name (CTRL_CMD_GETFAMILY).
 * Returns 0, -ENOENT when there is no such family, or another error
 * of vs_nl_transact().
 */
int vs_nl_resolve(struct vs_nl *nl, const char *name, int *id,
		  uint32_t *version)
{
	struct vs_nl_family f = { 0 };
	struct nl_msg *msg;
	int ret;

	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, 0,
			 CTRL_CMD_GETFAMILY, 1) ||
	    nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, name) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = vs_nl_transact(nl, msg, vs_nl_family_cb, NULL, &f);
	nlmsg_free(msg);
	if (ret)
		return ret;
	if (!f.found) {
		snprintf(nl->why, sizeof(nl->why),
			 "CTRL_CMD_GETFAMILY: no reply for family %s", name);
		return VS_NL_EMALFORMED;
	}
	*id = f.id;
	*version = f.version;
	return 0;
}

/*
 * The one constructor of the CLI: socket, extack, the vmscope family and
 * its version.  Prints the error line itself; returns a VS_EXIT_* code.
 */
int vs_nl_init(struct vs_nl *nl)
{
	int ret;

	if (vs_nl_alloc(nl)) {
		vs_err("out of memory");
		return VS_EXIT_ERROR;
	}
	ret = vs_nl_connect(nl);
	if (ret)
		return vs_nl_report(nl, ret, 0);
	ret = vs_nl_resolve(nl, VMSCOPE_FAMILY_NAME, &nl->family,
			    &nl->version);
	if (ret == -ENOENT) {
		vs_err("kernel module not loaded; load it with 'modprobe vmscope' or 'insmod module/vmscope.ko'");
		return VS_EXIT_NOMODULE;
	}
	if (ret)
		return vs_nl_report(nl, ret, 0);
	if (nl->version != VMSCOPE_FAMILY_VERSION) {
		vs_err("version mismatch: the kernel module speaks vmscope family version %u, this CLI speaks version %d",
		       nl->version, VMSCOPE_FAMILY_VERSION);
		return VS_EXIT_VERSION;
	}
	return VS_EXIT_OK;
}

/* A request to the vmscope family; NULL when out of memory. */
struct nl_msg *vs_nl_req(struct vs_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, VMSCOPE_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The attribute set of the last request, to name attributes in errors. */
static const struct vs_nl_reply *vs_nl_req_spec(const struct vs_nl *nl)
{
	if (nl->req_type != nl->family)
		return NULL;
	switch (nl->req_cmd) {
	case VMSCOPE_CMD_VMA_GET:
		return &vs_nl_vma_reply;
	case VMSCOPE_CMD_PROC_GET:
		return &vs_nl_proc_reply;
	case VMSCOPE_CMD_INFO_GET:
		return &vs_nl_info_reply;
	case VMSCOPE_CMD_WATCH:
		return &vs_nl_watch_reply;
	}
	return NULL;
}

/* " (kernel: MSG; attribute NAME)" from the last error, or "". */
void vs_nl_kernel_msg(const struct vs_nl *nl, char *buf, size_t len)
{
	const struct vs_nl_reply *spec = vs_nl_req_spec(nl);
	const struct vs_nl_error *e = &nl->err;
	char attr[64] = "", name[32];

	if (e->bad_attr >= 0 || e->miss_type >= 0) {
		int type = e->bad_attr >= 0 ? e->bad_attr : e->miss_type;

		if (spec)
			vs_nl_attr_name(spec, type, name, sizeof(name));
		else
			snprintf(name, sizeof(name), "%d", type);
		snprintf(attr, sizeof(attr), "%sattribute %s",
			 e->bad_attr >= 0 ? "" : "missing ", name);
	} else if (e->has_offs) {
		snprintf(attr, sizeof(attr), "offset %u", e->offs);
	}

	if (e->msg[0] && attr[0])
		snprintf(buf, len, " (kernel: %s; %s)", e->msg, attr);
	else if (e->msg[0] || attr[0])
		snprintf(buf, len, " (kernel: %s)", e->msg[0] ? e->msg : attr);
	else if (len)
		buf[0] = '\0';
}

/* Print the one error line for ret (see vs_nl_transact); exit code. */
int vs_nl_report(struct vs_nl *nl, int ret, int pid)
{
	char k[400];

	vs_nl_kernel_msg(nl, k, sizeof(k));
	switch (ret) {
	case 0:
		return VS_EXIT_OK;
	case VS_NL_EMALFORMED:
		vs_err("malformed reply from kernel: %s", nl->why);
		return VS_EXIT_ERROR;
	case VS_NL_EIO:
		vs_err("netlink: %s", nl_geterror(nl->nlerr));
		return VS_EXIT_ERROR;
	case VS_NL_EINTR:
		vs_err("the dump was interrupted %d times by concurrent changes; giving up",
		       nl->restarts + 1);
		return VS_EXIT_ERROR;
	case -ESRCH:
		vs_err("no such process: pid %d not found%s", pid, k);
		return VS_EXIT_NOPROC;
	case -EPERM:
	case -EACCES:
		vs_err("permission denied: pid %d: reading another user's process needs CAP_SYS_PTRACE%s",
		       pid, k);
		return VS_EXIT_PERM;
	case -EOPNOTSUPP:
		vs_err("pid %d is a kernel thread: it has no user address space%s",
		       pid, k);
		return VS_EXIT_KTHREAD;
	default:
		if (ret < 0)
			vs_err("kernel error: %s%s", strerror(-ret), k);
		else
			vs_err("internal error %d", ret);
		return VS_EXIT_ERROR;
	}
}
