/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlc.h: the few raw generic-netlink helpers the C stress programs share
 * (fuzz.c, stress.c).  No libnl: they build messages byte by byte, so they
 * can also build broken ones, and they parse replies and extended acks
 * themselves.  Header only; every function is static.
 */
#ifndef VMSCOPE_NLC_H
#define VMSCOPE_NLC_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vmscope.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLMSGERR_ATTR_MSG
#define NLMSGERR_ATTR_MSG 1
#endif

#define NLC_ALIGN(n)	(((n) + 3) & ~3U)

/* A message under construction. */
struct nlc_msg {
	unsigned char buf[65536];
	unsigned int len;
};

static inline void nlc_start(struct nlc_msg *m, uint16_t type, uint16_t flags,
			     uint32_t seq, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(h + 1);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	h->nlmsg_len = m->len;
}

/* Append an attribute; @len may lie about the payload (nla_len). */
static inline void nlc_put_raw(struct nlc_msg *m, uint16_t type, uint16_t nla_len,
			       const void *data, unsigned int dlen)
{
	struct nlattr *a;

	if (m->len + NLC_ALIGN(NLA_HDRLEN + dlen) > sizeof(m->buf))
		return;
	a = (struct nlattr *)(m->buf + m->len);
	a->nla_type = type;
	a->nla_len = nla_len;
	memcpy(a + 1, data, dlen);
	memset((unsigned char *)(a + 1) + dlen, 0,
	       NLC_ALIGN(NLA_HDRLEN + dlen) - NLA_HDRLEN - dlen);
	m->len += NLC_ALIGN(NLA_HDRLEN + dlen);
	((struct nlmsghdr *)m->buf)->nlmsg_len = m->len;
}

static inline void nlc_put(struct nlc_msg *m, uint16_t type, const void *data,
			   unsigned int dlen)
{
	nlc_put_raw(m, type, NLA_HDRLEN + dlen, data, dlen);
}

static inline void nlc_put_u32(struct nlc_msg *m, uint16_t type, uint32_t v)
{
	nlc_put(m, type, &v, sizeof(v));
}

static inline void nlc_put_u64(struct nlc_msg *m, uint16_t type, uint64_t v)
{
	nlc_put(m, type, &v, sizeof(v));
}

static inline int nlc_socket(int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 60 };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				 sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

static inline int nlc_send(int fd, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	return sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ?
		-errno : 0;
}

/* Walk the attributes in [p, p + len): calls fn(type, data, dlen, arg). */
static inline int nlc_attrs(const unsigned char *p, unsigned int len,
			    void (*fn)(uint16_t, const unsigned char *,
				       unsigned int, void *), void *arg)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -1;
		fn(a->nla_type & NLA_TYPE_MASK, p + NLA_HDRLEN,
		   a->nla_len - NLA_HDRLEN, arg);
		if (NLC_ALIGN(a->nla_len) >= len)
			break;
		len -= NLC_ALIGN(a->nla_len);
		p += NLC_ALIGN(a->nla_len);
	}
	return 0;
}

static void nlc_extack_cb(uint16_t type, const unsigned char *d,
			  unsigned int n, void *arg)
{
	const char **msg = arg;

	if (type == NLMSGERR_ATTR_MSG && n > 0 && d[n - 1] == '\0')
		*msg = (const char *)d;
}

/*
 * The extended-ack message of an NLMSG_ERROR or NLMSG_DONE, or NULL.
 * *@err gets the (negative) error.
 */
static inline const char *nlc_extack(const struct nlmsghdr *h, int *err)
{
	const unsigned char *p = NLMSG_DATA(h);
	unsigned int len = h->nlmsg_len - NLMSG_HDRLEN, skip;
	const char *msg = NULL;

	*err = 0;
	if (len < sizeof(int))
		return NULL;
	memcpy(err, p, sizeof(int));
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsghdr *orig;

		if (len < sizeof(int) + NLMSG_HDRLEN)
			return NULL;
		orig = (const struct nlmsghdr *)(p + sizeof(int));
		skip = sizeof(int) + (h->nlmsg_flags & NLM_F_CAPPED ?
				      NLMSG_HDRLEN : NLC_ALIGN(orig->nlmsg_len));
	} else {
		skip = sizeof(int);
	}
	if (skip > len)
		return NULL;
	nlc_attrs(p + skip, len - skip, nlc_extack_cb, &msg);
	return msg;
}

static void nlc_family_cb(uint16_t type, const unsigned char *d,
			  unsigned int n, void *arg)
{
	if (type == CTRL_ATTR_FAMILY_ID && n >= 2)
		memcpy(arg, d, 2);
}

/* The vmscope family id, or a negative errno (-ENOENT: not loaded). */
static inline int nlc_family(int fd)
{
	static __thread struct nlc_msg m;
	static __thread unsigned char rbuf[16384];
	const char *name = VMSCOPE_FAMILY_NAME;
	uint16_t id = 0;
	int err = -ENOENT;
	ssize_t n;

	nlc_start(&m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, 1,
		  CTRL_CMD_GETFAMILY, 2);
	nlc_put(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	if (nlc_send(fd, m.buf, m.len))
		return -errno;
	for (;;) {
		struct nlmsghdr *h;
		int len;

		n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0) {
			if (errno == ENOBUFS)
				continue;
			return -errno;
		}
		len = n;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != 1)
				continue;
			if (h->nlmsg_type == GENL_ID_CTRL) {
				nlc_attrs((unsigned char *)NLMSG_DATA(h) + GENL_HDRLEN,
					  h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
					  nlc_family_cb, &id);
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				nlc_extack(h, &err);
				if (!err)
					return id ? id : -ENOENT;
				return err;
			}
		}
	}
}

#endif /* VMSCOPE_NLC_H */
