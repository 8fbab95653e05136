// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of userspace/nl.c: client-side reply validation on
 * messages built with libnl, extended-ack decoding, and the whole
 * request/reply machinery against the host kernel's own generic netlink
 * controller ("nlctrl"), whose replies and errors nobody here wrote.
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

#include "cli.h"
#include "nl.h"
#include "tap.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_msg *vma_msg(int skip, int u32_start, int extra)
{
	struct nl_msg *m = nlmsg_alloc();

	genlmsg_put(m, 0, 1, 42, 0, 0, VMSCOPE_CMD_VMA_GET, 1);
	nla_put(m, VMSCOPE_VMA_A_PAD, 0, NULL);
	if (skip != VMSCOPE_VMA_A_START) {
		if (u32_start)
			nla_put_u32(m, VMSCOPE_VMA_A_START, 0x1000);
		else
			nla_put_u64(m, VMSCOPE_VMA_A_START, 0x1000);
	}
	if (extra) {
		nla_put(m, VMSCOPE_VMA_A_MAX + 1, 3, "abc");
		nla_put(m, (VMSCOPE_VMA_A_MAX + 2) | NLA_F_NESTED, 0, NULL);
		nla_put_u64(m, 0x3fff, 7);
	}
	if (skip != VMSCOPE_VMA_A_END)
		nla_put_u64(m, VMSCOPE_VMA_A_END, 0x3000);
	nla_put_u64(m, VMSCOPE_VMA_A_FLAGS, 0x5);
	nla_put_u64(m, VMSCOPE_VMA_A_OFFSET, 0);
	nla_put_u32(m, VMSCOPE_VMA_A_DEV_MAJOR, 8);
	nla_put_u32(m, VMSCOPE_VMA_A_DEV_MINOR, 1);
	nla_put_u64(m, VMSCOPE_VMA_A_INODE, 1234);
	if (skip != VMSCOPE_VMA_A_PAGE_SIZE)
		nla_put_u64(m, VMSCOPE_VMA_A_PAGE_SIZE, 4096);
	if (skip == -2)		/* a name without its NUL */
		nla_put(m, VMSCOPE_VMA_A_NAME, 3, "abc");
	else
		nla_put_string(m, VMSCOPE_VMA_A_NAME, "/bin/true");
	return m;
}

static void test_parse(void)
{
	struct nlattr *tb[VMSCOPE_VMA_A_MAX + 1];
	struct vs_nl nl = { 0 };
	struct nl_msg *m;
	int r;

	m = vma_msg(-1, 0, 1);
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(!r && nla_get_u64(tb[VMSCOPE_VMA_A_START]) == 0x1000 &&
	       nla_get_u64(tb[VMSCOPE_VMA_A_END]) == 0x3000 &&
	       !strcmp(nla_get_string(tb[VMSCOPE_VMA_A_NAME]), "/bin/true"),
	       "reply with unknown attributes above MAX is accepted (%d %s)",
	       r, nl.why);
	nlmsg_free(m);

	m = vma_msg(VMSCOPE_VMA_A_START, 0, 0);
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(r == VS_NL_EMALFORMED && strstr(nl.why, "START"),
	       "missing mandatory attribute is malformed: %s", nl.why);
	nlmsg_free(m);

	m = vma_msg(VMSCOPE_VMA_A_PAGE_SIZE, 0, 1);
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(r == VS_NL_EMALFORMED && strstr(nl.why, "PAGE_SIZE"),
	       "missing last mandatory attribute is malformed: %s", nl.why);
	nlmsg_free(m);

	m = vma_msg(-1, 1, 0);
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(r == VS_NL_EMALFORMED && strstr(nl.why, "bad attribute START"),
	       "u32 where the policy wants a u64 is malformed: %s", nl.why);
	nlmsg_free(m);

	m = vma_msg(-2, 0, 0);
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(r == VS_NL_EMALFORMED && strstr(nl.why, "NAME"),
	       "string without NUL is malformed: %s", nl.why);
	nlmsg_free(m);
}

/* The rules of libnl's nla_parse() with a policy, kept by vs_nl_parse(). */
static void test_parse_rules(void)
{
	struct nlattr *tb[VMSCOPE_VMA_A_MAX + 1];
	struct vs_nl nl = { 0 };
	struct nl_msg *m;
	uint64_t big = 8;
	int r;

	m = vma_msg(-1, 0, 0);
	nla_put(m, VMSCOPE_VMA_A_DEV_MAJOR, sizeof(big), &big);
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(r == VS_NL_EMALFORMED &&
	       strstr(nl.why, "bad attribute DEV_MAJOR"),
	       "u64 where the policy wants a u32 is malformed: %s", nl.why);
	nlmsg_free(m);

	m = vma_msg(-1, 0, 0);
	nla_put(m, VMSCOPE_VMA_A_NAME, 0, NULL);
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(r == VS_NL_EMALFORMED && strstr(nl.why, "bad attribute NAME"),
	       "empty string attribute is malformed: %s", nl.why);
	nlmsg_free(m);

	m = vma_msg(-1, 0, 0);
	nla_put_u64(m, VMSCOPE_VMA_A_START, 0x2000);
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(!r && nla_get_u64(tb[VMSCOPE_VMA_A_START]) == 0x2000,
	       "a repeated attribute: the last one counts (%d %s)", r, nl.why);
	nlmsg_free(m);

	/* PAGE_SIZE last, cut short: not an attribute any more. */
	m = vma_msg(-1, 0, 0);
	nlmsg_hdr(m)->nlmsg_len -= NLA_ALIGN(NLA_HDRLEN + 10) + 4;
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(r == VS_NL_EMALFORMED &&
	       strstr(nl.why, "lacks attribute PAGE_SIZE"),
	       "a truncated last attribute is ignored: %s", nl.why);
	nlmsg_free(m);

	m = vma_msg(-1, 0, 0);
	nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN + 2;
	r = vs_nl_parse(&nl, nlmsg_hdr(m), &vs_nl_vma_reply, tb);
	tap_ok(r == VS_NL_EMALFORMED && strstr(nl.why, "VMA_GET reply: "),
	       "a message without a genetlink header is malformed: %s",
	       nl.why);
	nlmsg_free(m);
}

/* Build an NLMSG_ERROR the way net/netlink/af_netlink.c:netlink_ack does. */
static size_t mk_error(unsigned char *buf, int err, int capped,
		       const char *msg, int offs)
{
	struct nlmsghdr req = {
		.nlmsg_len = NLMSG_HDRLEN + 12, .nlmsg_type = 42,
	};
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off;

	memset(buf, 0, 512);
	e->error = err;
	e->msg = req;
	off = NLMSG_HDRLEN + sizeof(*e) + (capped ? 0 : 12);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = capped ? NLM_F_CAPPED : 0;
	if (msg) {
		struct nlattr *a = (struct nlattr *)(buf + off);

		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = NLA_HDRLEN + strlen(msg) + 1;
		memcpy((char *)a + NLA_HDRLEN, msg, strlen(msg) + 1);
		off += NLA_ALIGN(a->nla_len);
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	}
	if (offs >= 0) {
		struct nlattr *a = (struct nlattr *)(buf + off);
		uint32_t v = offs;

		a->nla_type = NLMSGERR_ATTR_OFFS;
		a->nla_len = NLA_HDRLEN + 4;
		memcpy((char *)a + NLA_HDRLEN, &v, 4);
		off += 8;
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	}
	nlh->nlmsg_len = off;
	return off;
}

static void test_ack(void)
{
	unsigned char buf[512];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct vs_nl_error e;
	int r;

	mk_error(buf, -ESRCH, 0, "pid 7 not found", 20);
	r = vs_nl_parse_ack(nlh, &e);
	tap_ok(!r && e.error == -ESRCH && !strcmp(e.msg, "pid 7 not found") &&
	       e.has_offs && e.offs == 20,
	       "NLMSG_ERROR with the request echoed: errno, message, offset");

	mk_error(buf, -EPERM, 1, "not\npermitted", -1);
	r = vs_nl_parse_ack(nlh, &e);
	tap_ok(!r && e.error == -EPERM && !strcmp(e.msg, "not permitted") &&
	       !e.has_offs,
	       "NLMSG_ERROR capped: message found, made one line");

	mk_error(buf, -EINVAL, 0, NULL, -1);
	r = vs_nl_parse_ack(nlh, &e);
	tap_ok(!r && e.error == -EINVAL && !e.msg[0] && e.miss_type == -1,
	       "NLMSG_ERROR without extack");

	mk_error(buf, 5, 1, NULL, -1);
	r = vs_nl_parse_ack(nlh, &e);
	tap_ok(!r && e.error == -EPROTO, "positive errno becomes -EPROTO");

	mk_error(buf, -EINVAL, 0, NULL, -1);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	tap_ok(vs_nl_parse_ack(nlh, &e) == -EBADMSG,
	       "truncated NLMSG_ERROR is rejected");

	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	*(int *)NLMSG_DATA(nlh) = -ESRCH;
	{
		struct nlattr *a = (struct nlattr *)(buf + NLMSG_HDRLEN + 4);

		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = NLA_HDRLEN + 5;
		memcpy((char *)a + NLA_HDRLEN, "gone", 5);
		nlh->nlmsg_len = NLMSG_HDRLEN + 4 + NLA_ALIGN(a->nla_len);
	}
	r = vs_nl_parse_ack(nlh, &e);
	tap_ok(!r && e.error == -ESRCH && !strcmp(e.msg, "gone"),
	       "NLMSG_DONE with an errno and extack TLVs");

	nlh->nlmsg_len = NLMSG_HDRLEN;
	r = vs_nl_parse_ack(nlh, &e);
	tap_ok(!r && e.error == 0, "NLMSG_DONE without payload is success");
}

struct dump_count {
	int n;
	int nlctrl;
	int resets;
};

static int count_cb(struct vs_nl *nl, struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct dump_count *c = arg;
	int r = vs_nl_parse(nl, nlh, &vs_nl_ctrl_reply, tb);

	if (r)
		return r;
	c->n++;
	if (tb[CTRL_ATTR_FAMILY_NAME] &&
	    !strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), "nlctrl"))
		c->nlctrl++;
	return 0;
}

static void count_reset(void *arg)
{
	struct dump_count *c = arg;

	c->n = 0;
	c->nlctrl = 0;
	c->resets++;
}

/* CTRL_CMD_GETFAMILY with a 1-byte CTRL_ATTR_FAMILY_ID: policy violation. */
static int bad_request(struct vs_nl *nl)
{
	struct nl_msg *m = nlmsg_alloc();
	uint8_t one = 1;
	int r;

	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, 0,
		    CTRL_CMD_GETFAMILY, 1);
	nla_put_u32(m, CTRL_ATTR_VERSION, 0);
	nla_put(m, CTRL_ATTR_FAMILY_ID, sizeof(one), &one);
	r = vs_nl_transact(nl, m, count_cb, NULL, &(struct dump_count){ 0 });
	nlmsg_free(m);
	return r;
}

static void test_kernel(void)
{
	struct dump_count c = { 0 };
	struct vs_nl nl;
	struct nl_msg *m;
	uint32_t version = 0;
	int id = 0, r, one = 1;

	if (vs_nl_alloc(&nl) || vs_nl_connect(&nl)) {
		tap_skip("host kernel tests", "no generic netlink socket: %s",
			 nl_geterror(nl.nlerr));
		vs_nl_free(&nl);
		return;
	}

	r = vs_nl_resolve(&nl, "nlctrl", &id, &version);
	tap_ok(!r && id == GENL_ID_CTRL && version == 2,
	       "host kernel: family nlctrl resolves to id %d version %u (%d)",
	       id, version, r);

	r = vs_nl_resolve(&nl, "vmscope-nosuch", &id, &version);
	tap_ok(r == -ENOENT, "host kernel: unknown family is -ENOENT (%d)", r);

	r = vs_nl_resolve(&nl, VMSCOPE_FAMILY_NAME, &id, &version);
	if (r == -ENOENT)
		tap_ok(1, "host kernel: no vmscope family (module not loaded)");
	else
		tap_skip("host kernel: no vmscope family",
			 "a vmscope family is registered here (%d)", r);

	r = bad_request(&nl);
	tap_ok(r == -ERANGE && nl.err.msg[0] &&
	       nl.err.bad_attr == CTRL_ATTR_FAMILY_ID,
	       "host kernel: policy error decoded: %d, \"%s\", attribute %d",
	       r, nl.err.msg, nl.err.bad_attr);

	/* The same with NETLINK_CAP_ACK: the kernel sets NLM_F_CAPPED. */
	if (setsockopt(nl_socket_get_fd(nl.sk), SOL_NETLINK, NETLINK_CAP_ACK,
		       &one, sizeof(one))) {
		tap_skip("host kernel: capped error", "no NETLINK_CAP_ACK");
	} else {
		r = bad_request(&nl);
		tap_ok(r == -ERANGE && nl.err.msg[0] &&
		       nl.err.bad_attr == CTRL_ATTR_FAMILY_ID,
		       "host kernel: capped policy error decoded: %d, \"%s\", attribute %d",
		       r, nl.err.msg, nl.err.bad_attr);
	}

	m = nlmsg_alloc();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, NLM_F_DUMP,
		    CTRL_CMD_GETFAMILY, 1);
	r = vs_nl_transact(&nl, m, count_cb, count_reset, &c);
	nlmsg_free(m);
	tap_ok(!r && c.n > 1 && c.nlctrl == 1,
	       "host kernel: family dump ends at NLMSG_DONE, %d families (%d)",
	       c.n, r);

	r = vs_nl_resolve(&nl, "nlctrl", &id, &version);
	tap_ok(!r && id == GENL_ID_CTRL,
	       "host kernel: socket still in sequence after a dump (%d)", r);

	vs_nl_free(&nl);
}

int main(void)
{
	test_parse();
	test_parse_rules();
	test_ack();
	test_kernel();
	return tap_done();
}
