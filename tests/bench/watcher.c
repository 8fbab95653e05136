// SPDX-License-Identifier: GPL-2.0
/*
 * watcher: the bench's event consumer.  A bare generic netlink client (no
 * libnl): resolves the "vmscope" family, sends VMSCOPE_CMD_WATCH with
 * VMSCOPE_WATCH_A_ALL (or one pid), prints "watching" once the WATCH is
 * acknowledged, then receives events (recv() of BUFSIZE bytes) until
 * SIGINT or SIGTERM, counting them and nothing else.  At the end it asks
 * INFO_GET and prints key=value lines:
 *   events        EVENT messages received
 *   first_seq, last_seq, dropped_buffer, dropped_socket   from the events
 *   enobufs       recv() calls that failed with ENOBUFS
 *   ring_size, info_events, info_events_dropped           INFO_GET
 *   rcvbuf        the socket's SO_RCVBUF as the kernel set it
 *
 *   watcher [PID|all] [BUFSIZE] [RCVBUF]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vmscope.h>

static volatile sig_atomic_t stop;

struct nl_req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[64];
};

static void die(const char *what)
{
	fprintf(stderr, "watcher: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void nl_put(struct nl_req *r, unsigned short type, const void *data,
		   unsigned short len)
{
	struct nlattr *a = (struct nlattr *)((char *)r +
					     NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void nl_send(int fd, struct nl_req *r, unsigned short type,
		    unsigned char cmd)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r->n.nlmsg_seq = 1;
	r->g.cmd = cmd;
	r->g.version = 1;
	if (sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) != (ssize_t)r->n.nlmsg_len)
		die("sendto");
}

static void req_init(struct nl_req *r)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
}

#define for_each_attr(a, h)						\
	for (int _l = (h)->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),	\
	     _ok = ((a) = (struct nlattr *)((char *)NLMSG_DATA(h) +	\
					    GENL_HDRLEN), 1);		\
	     _ok && _l >= NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN &&	\
	     (a)->nla_len <= _l;					\
	     _l -= NLA_ALIGN((a)->nla_len),				\
	     (a) = (struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))

static uint64_t nla_uint(const struct nlattr *a)
{
	uint64_t v64 = 0;
	uint32_t v32;

	if (a->nla_len - NLA_HDRLEN == 8) {
		memcpy(&v64, (const char *)a + NLA_HDRLEN, 8);
		return v64;
	}
	memcpy(&v32, (const char *)a + NLA_HDRLEN, 4);
	return v32;
}

/* Waits for the ack of request seq 1; returns its error (0 = ok). */
static int wait_ack(int fd, char *buf, size_t size, void (*each)(
		    struct nlmsghdr *h, void *arg), void *arg)
{
	for (;;) {
		int len = recv(fd, buf, size, 0);
		struct nlmsghdr *h;

		if (len < 0) {
			if (errno == ENOBUFS || errno == EINTR)
				continue;
			die("recv");
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == 1) {
				int err;

				memcpy(&err, NLMSG_DATA(h), sizeof(err));
				return -err;
			}
			if (each)
				each(h, arg);
		}
	}
}

static void family_cb(struct nlmsghdr *h, void *arg)
{
	struct nlattr *a;

	if (h->nlmsg_type != GENL_ID_CTRL)
		return;
	for_each_attr(a, h)
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			*(unsigned short *)arg =
				*(__u16 *)((char *)a + NLA_HDRLEN);
}

struct info {
	uint64_t v[VMSCOPE_INFO_A_MAX + 1];
	unsigned short family;
};

static void info_cb(struct nlmsghdr *h, void *arg)
{
	struct info *in = arg;
	struct nlattr *a;

	if (h->nlmsg_type != in->family ||
	    ((struct genlmsghdr *)NLMSG_DATA(h))->cmd != VMSCOPE_CMD_INFO_GET)
		return;
	for_each_attr(a, h) {
		int t = a->nla_type & NLA_TYPE_MASK;

		if (t <= VMSCOPE_INFO_A_MAX && a->nla_len == NLA_HDRLEN + 8)
			in->v[t] = nla_uint(a);
		else if (t <= VMSCOPE_INFO_A_MAX &&
			 a->nla_len == NLA_HDRLEN + 4)
			in->v[t] = nla_uint(a);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	const char *target = argc > 1 ? argv[1] : "all";
	size_t bufsize = argc > 2 ? strtoul(argv[2], NULL, 0) : 1 << 20;
	int rcvbuf = argc > 3 ? atoi(argv[3]) : 0;
	uint64_t events = 0, first = 0, last = 0, dbuf = 0, dsock = 0;
	uint64_t enobufs = 0;
	unsigned short family = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	struct nl_req r;
	struct info in;
	socklen_t sl = sizeof(rcvbuf);
	char *buf = malloc(bufsize);
	int fd, err;

	if (!buf)
		die("malloc");
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0)
		die("socket");
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf)))
		die("SO_RCVBUF");
	req_init(&r);
	nl_put(&r, CTRL_ATTR_FAMILY_NAME, VMSCOPE_FAMILY_NAME,
	       sizeof(VMSCOPE_FAMILY_NAME));
	nl_send(fd, &r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	err = wait_ack(fd, buf, bufsize, family_cb, &family);
	if (err || !family) {
		errno = err ? err : ENOENT;
		die("resolving the vmscope family");
	}

	req_init(&r);
	if (!strcmp(target, "all")) {
		nl_put(&r, VMSCOPE_WATCH_A_ALL, NULL, 0);
	} else {
		uint32_t pid = strtoul(target, NULL, 0);

		nl_put(&r, VMSCOPE_WATCH_A_PID, &pid, sizeof(pid));
	}
	nl_send(fd, &r, family, VMSCOPE_CMD_WATCH);
	err = wait_ack(fd, buf, bufsize, NULL, NULL);
	if (err) {
		errno = err;
		die("WATCH");
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &sl);
	printf("watching\n");
	fflush(stdout);

	while (!stop) {
		int len = recv(fd, buf, bufsize, 0);
		struct nlmsghdr *h;

		if (len < 0) {
			if (errno == ENOBUFS) {
				enobufs++;
				continue;
			}
			if (errno == EINTR)
				continue;
			die("recv");
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct genlmsghdr *g = NLMSG_DATA(h);
			struct nlattr *a;

			if (h->nlmsg_type != family ||
			    g->cmd != VMSCOPE_CMD_EVENT)
				continue;
			events++;
			for_each_attr(a, h) {
				switch (a->nla_type & NLA_TYPE_MASK) {
				case VMSCOPE_EVENT_A_SEQ:
					last = nla_uint(a);
					if (events == 1)
						first = last;
					break;
				case VMSCOPE_EVENT_A_DROPPED_BUFFER:
					dbuf = nla_uint(a);
					break;
				case VMSCOPE_EVENT_A_DROPPED_SOCKET:
					dsock = nla_uint(a);
					break;
				}
			}
		}
	}

	/*
	 * Ask INFO on a socket of its own: the watching one may still hold
	 * a full buffer of events, which would make the kernel drop the
	 * reply and its ack (ENOBUFS) and leave us waiting forever.
	 * Closing it ends the subscription.
	 */
	close(fd);
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0)
		die("socket");
	memset(&in, 0, sizeof(in));
	in.family = family;
	req_init(&r);
	nl_send(fd, &r, family, VMSCOPE_CMD_INFO_GET);
	/* Events still queued are skipped by info_cb (another cmd). */
	err = wait_ack(fd, buf, bufsize, info_cb, &in);
	printf("events=%llu\nfirst_seq=%llu\nlast_seq=%llu\n"
	       "dropped_buffer=%llu\ndropped_socket=%llu\nenobufs=%llu\n"
	       "rcvbuf=%d\nbufsize=%zu\nring_size=%llu\ninfo_events=%llu\n"
	       "info_events_dropped=%llu\ninfo_error=%d\n",
	       (unsigned long long)events, (unsigned long long)first,
	       (unsigned long long)last, (unsigned long long)dbuf,
	       (unsigned long long)dsock, (unsigned long long)enobufs, rcvbuf,
	       bufsize, (unsigned long long)in.v[VMSCOPE_INFO_A_RING_SIZE],
	       (unsigned long long)in.v[VMSCOPE_INFO_A_EVENTS],
	       (unsigned long long)in.v[VMSCOPE_INFO_A_EVENTS_DROPPED], err);
	return 0;
}
