/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope CLI: the generic netlink context, requests and reply validation.
 */
#ifndef VMSCOPE_NL_H
#define VMSCOPE_NL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

/* Dumps interrupted by NLM_F_DUMP_INTR are restarted this many times. */
#define VS_NL_DUMP_RETRIES	5
#define VS_NL_RCVBUF		(1024 * 1024)
/*
 * One recvmsg() reads one whole datagram into a buffer this big, with no
 * MSG_PEEK first.  netlink_dump() sizes a dump's skbs for a 32 KiB reader
 * (older kernels also fill the slack of that allocation, under 64 KiB); a
 * do reply or an ACK is far smaller.  A bigger datagram would fail with
 * NLE_MSG_TRUNC, not lose data silently.
 */
#define VS_NL_MSGBUF		(64 * 1024)

/* What the kernel said about a failed request (struct nlmsgerr + extack). */
struct vs_nl_error {
	int error;		/* negative errno, 0 for none */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	int has_offs;
	uint32_t offs;		/* NLMSGERR_ATTR_OFFS: byte offset in request */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
	int bad_attr;		/* request attribute at offs, -1 if none */
};

/* How a reply message must look: a client-side policy (batctl style). */
struct vs_nl_reply {
	const char *name;		/* for "malformed reply" messages */
	int maxattr;			/* our MAX; higher types are ignored */
	const struct nla_policy *policy;
	const int *mandatory;		/* 0-terminated */
	const char *const *attr_names;	/* optional, indexed by type */
};

extern const struct vs_nl_reply vs_nl_ctrl_reply;
extern const struct vs_nl_reply vs_nl_vma_reply;
extern const struct vs_nl_reply vs_nl_proc_reply;
extern const struct vs_nl_reply vs_nl_info_reply;
extern const struct vs_nl_reply vs_nl_watch_reply;
extern const struct vs_nl_reply vs_nl_event_reply;

/* Return values of vs_nl_transact() that are not the kernel's errno. */
enum {
	VS_NL_LOCAL = 1 << 16,
	VS_NL_EMALFORMED,	/* a reply failed validation */
	VS_NL_EIO,		/* a libnl or socket failure */
	VS_NL_EINTR,		/* a dump kept being interrupted */
};

struct vs_nl;

typedef int (*vs_nl_msg_fn)(struct vs_nl *nl, struct nlmsghdr *nlh,
			    void *arg);
typedef void (*vs_nl_reset_fn)(void *arg);

struct vs_nl {
	struct nl_sock *sk;
	int family;			/* generic netlink family id */
	uint32_t version;		/* family version */

	/* The state of one vs_nl_transact(); req is NULL outside one. */
	struct nl_msg *req;
	vs_nl_msg_fn fn;
	void *arg;
	uint32_t seq;			/* of the request in flight */
	int done;			/* its ACK, error or NLMSG_DONE came */
	int intr;			/* its dump was NLM_F_DUMP_INTR */
	int restarts;			/* NLM_F_DUMP_INTR restarts */
	int nlerr;			/* libnl error code for VS_NL_EIO */
	int req_type;			/* nlmsg_type of the last request */
	int req_cmd;			/* its genetlink command */
	struct vs_nl_error err;
	char why[256];			/* detail for VS_NL_EMALFORMED */
};

int vs_nl_alloc(struct vs_nl *nl);
int vs_nl_connect(struct vs_nl *nl);
int vs_nl_resolve(struct vs_nl *nl, const char *name, int *id,
		  uint32_t *version);
int vs_nl_init(struct vs_nl *nl);
void vs_nl_free(struct vs_nl *nl);

struct nl_msg *vs_nl_req(struct vs_nl *nl, uint8_t cmd, int flags);
int vs_nl_transact(struct vs_nl *nl, struct nl_msg *req, vs_nl_msg_fn fn,
		   vs_nl_reset_fn reset, void *arg);
int vs_nl_parse(struct vs_nl *nl, const struct nlmsghdr *nlh,
		const struct vs_nl_reply *spec, struct nlattr **tb);

int vs_nl_parse_ack(const struct nlmsghdr *nlh, struct vs_nl_error *e);
int vs_nl_attr_at(const struct nlmsghdr *req, uint32_t offs);
int vs_nl_report(struct vs_nl *nl, int ret, int pid);
void vs_nl_kernel_msg(const struct vs_nl *nl, char *buf, size_t len);

/* Accessors for attributes that vs_nl_parse() validated: no checks. */
static inline const char *vs_nla_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static inline uint32_t vs_nla_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, vs_nla_data(nla), sizeof(v));
	return v;
}

static inline uint64_t vs_nla_u64(const struct nlattr *nla)
{
	uint64_t v;

	memcpy(&v, vs_nla_data(nla), sizeof(v));
	return v;
}

#endif /* VMSCOPE_NL_H */
