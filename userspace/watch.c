// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope watch PID|self... | --all: the live stream of fault and
 * copy-on-write events (VMSCOPE_CMD_WATCH, then VMSCOPE_CMD_EVENT messages
 * unicast to the same socket), with every loss counted and shown, and
 * the VMA lifecycle of the watched processes.
 *
 * Losses.  Each event carries its subscription's sequence number, one per
 * event the kernel generated for it, so a jump is a loss; it also carries
 * the kernel's running totals of events dropped because a CPU's buffer
 * (DROPPED_BUFFER) or our socket's receive buffer (DROPPED_SOCKET) was
 * full.  recv() failing with ENOBUFS says the socket overran.  Each is
 * counted, shown as it happens ("lost" records) and in the summary.
 *
 * VMA lifecycle.  The kernel sends no VMA events; this command dumps the
 * VMAs of each watched process (VMA_GET, on a second socket, so that the
 * dump's replies and the events do not mix) every --vma-interval
 * milliseconds, and at once when an event names a VMA (start, end) that
 * is not in the last dump, and prints what changed between two dumps
 * (map, unmap, grow, shrink, split, merge, change).  It is sampled:
 * changes that come and go between two dumps are missed, several changes
 * between two dumps show as one, and there is none of it with --all.  The
 * dumps go by pid, the kernel's watch by address space: after an exec the
 * events stop while the dumps show the new image.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vmscope.h>

#include <netlink/socket.h>

#include "cli.h"
#include "event.h"
#include "format.h"
#include "nl.h"

#define VS_WATCH_RCVBUF		(8 * 1024 * 1024)
#define VS_WATCH_VMA_MS		100
/* An event naming an unknown VMA dumps at once, but not more often. */
#define VS_WATCH_REDUMP_NS	(10 * 1000000ULL)
/* After the last watched process exited, read what is still queued. */
#define VS_WATCH_DRAIN_NS	(200 * 1000000ULL)

struct vs_watched {
	int pid;
	int gone;
	int have_snap;		/* the first dump is the baseline: no changes */
	struct vs_vma_list snap;
	uint64_t dumped_ns;
};

struct vs_watch {
	int pids[VMSCOPE_WATCH_MAX_PIDS];
	int npids;
	int all;
	int json;
	uint64_t count;		/* 0: no limit */
	uint64_t duration_ns;	/* 0: no limit */
	uint64_t vma_ns;	/* 0: no lifecycle */
	int rcvbuf;

	struct vs_nl ev;	/* WATCH and the events */
	struct vs_nl q;		/* VMA dumps */
	int q_open;
	struct nl_msg *req;	/* the WATCH request, until its ACK */
	uint32_t watch_seq;
	int acked;
	int gone;		/* watched processes that exited */
	uint64_t gone_ns;
	struct vs_acct acct;
	struct vs_watched w[VMSCOPE_WATCH_MAX_PIDS];
};

static volatile sig_atomic_t vs_watch_stop;

static void vs_watch_signal(int sig)
{
	(void)sig;
	vs_watch_stop = 1;
}

/* A positive decimal number of seconds, e.g. "2" or "0.25". */
static int vs_parse_seconds(const char *s, uint64_t *ns)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || !(d > 0) || d > 1e9)
		return -EINVAL;
	*ns = (uint64_t)(d * 1e9);
	return *ns ? 0 : -EINVAL;
}

/* A count of at least 1. */
static int vs_parse_count(const char *s, uint64_t *v)
{
	return vs_parse_dec(s, v) || !*v ? -EINVAL : 0;
}

static int vs_watch_parse(int argc, char **argv, struct vs_watch *w)
{
	static const struct option opts[] = {
		{ "all",		no_argument,		NULL, 'a' },
		{ "json",		no_argument,		NULL, 'j' },
		{ "count",		required_argument,	NULL, 'c' },
		{ "duration",		required_argument,	NULL, 'd' },
		{ "vma-interval",	required_argument,	NULL, 'i' },
		{ "rcvbuf",		required_argument,	NULL, 'r' },
		{ "help",		no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	int c, i;

	w->vma_ns = VS_WATCH_VMA_MS * 1000000ULL;
	w->rcvbuf = VS_WATCH_RCVBUF;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":ajc:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			w->all = 1;
			break;
		case 'j':
			w->json = 1;
			break;
		case 'c':
			if (vs_parse_count(optarg, &w->count))
				return vs_usage_err("watch", "invalid count '%s': want a number > 0",
						    optarg);
			break;
		case 'd':
			if (vs_parse_seconds(optarg, &w->duration_ns))
				return vs_usage_err("watch", "invalid duration '%s': want seconds > 0",
						    optarg);
			break;
		case 'i':
			if (!strcmp(optarg, "0")) {
				w->vma_ns = 0;
				break;
			}
			if (vs_parse_count(optarg, &v) || v > 3600000)
				return vs_usage_err("watch", "invalid interval '%s': want milliseconds, 0 for none",
						    optarg);
			w->vma_ns = v * 1000000ULL;
			break;
		case 'r':
			if (vs_parse_count(optarg, &v) || v > (1U << 30))
				return vs_usage_err("watch", "invalid buffer size '%s': want bytes",
						    optarg);
			w->rcvbuf = v;
			break;
		case 'h':
			vs_print_usage(stdout, "watch");
			return -1;
		case ':':
			return vs_usage_err("watch", "option '%s' needs an argument",
					    argv[optind - 1]);
		default:
			return vs_usage_err("watch", "unknown option '%s'",
					    argv[optind - 1]);
		}
	}
	for (i = optind; i < argc; i++) {
		if (w->npids == VMSCOPE_WATCH_MAX_PIDS)
			return vs_usage_err("watch", "at most %d PIDs",
					    VMSCOPE_WATCH_MAX_PIDS);
		if (vs_parse_pid(argv[i], getpid(), &w->pids[w->npids]))
			return vs_usage_err("watch", "invalid PID '%s': want a number > 0 or 'self'",
					    argv[i]);
		w->npids++;
	}
	if (w->all && w->npids)
		return vs_usage_err("watch", "--all excludes PIDs");
	if (!w->all && !w->npids)
		return vs_usage_err("watch", "missing PID (or --all)");
	return 0;
}

/* The u32 of the request's attribute at byte offset offs, or 0. */
static int vs_watch_pid_at(const struct nl_msg *req, uint32_t offs)
{
	const struct nlmsghdr *nlh = nlmsg_hdr((struct nl_msg *)req);
	uint32_t pid;

	if (offs + NLA_HDRLEN + sizeof(pid) > nlh->nlmsg_len)
		return 0;
	memcpy(&pid, (const char *)nlh + offs + NLA_HDRLEN, sizeof(pid));
	return pid;
}

/* The one error line of a failed WATCH; returns the exit code. */
static int vs_watch_error(struct vs_watch *w, const struct nlmsghdr *nlh)
{
	struct vs_nl *nl = &w->ev;
	int pid = w->npids ? w->pids[0] : 0;
	char k[400];

	vs_nl_parse_ack(nlh, &nl->err);
	if (nl->err.has_offs) {
		nl->err.bad_attr = vs_nl_attr_at(nlmsg_hdr(w->req),
						 nl->err.offs);
		if (nl->err.bad_attr == VMSCOPE_WATCH_A_PID)
			pid = vs_watch_pid_at(w->req, nl->err.offs);
	}
	nl->req_type = nl->family;
	nl->req_cmd = VMSCOPE_CMD_WATCH;
	vs_nl_kernel_msg(nl, k, sizeof(k));

	switch (nl->err.error) {
	case -EPERM:
	case -EACCES:
		if (w->all) {
			vs_err("permission denied: watching every process needs CAP_SYS_ADMIN or CAP_PERFMON%s",
			       k);
			return VS_EXIT_PERM;
		}
		vs_err("permission denied: pid %d: watching another user's process needs CAP_SYS_PTRACE%s",
		       pid, k);
		return VS_EXIT_PERM;
	case -EBUSY:
		vs_err("too many sockets are watching (at most %d)%s",
		       VMSCOPE_WATCH_MAX_LISTENERS, k);
		return VS_EXIT_BUSY;
	case -EOPNOTSUPP:
		/* A kernel thread's pid has its attribute named. */
		if (w->all || nl->err.bad_attr != VMSCOPE_WATCH_A_PID) {
			vs_err("the module cannot watch: the hooks it needs are not attached%s",
			       k);
			return VS_EXIT_NOTSUP;
		}
		break;
	}
	return vs_nl_report(nl, nl->err.error, pid);
}

static int vs_watch_send(struct vs_watch *w)
{
	struct nl_sock *sk = w->ev.sk;
	int fd = nl_socket_get_fd(sk);
	int ret = 0, i;

	/*
	 * A big receive buffer: events come in bursts.  Root may go past
	 * net.core.rmem_max with SO_RCVBUFFORCE; else the capped size.
	 */
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &w->rcvbuf,
				  sizeof(w->rcvbuf)))
		nl_socket_set_buffer_size(sk, w->rcvbuf, 0);

	w->req = vs_nl_req(&w->ev, VMSCOPE_CMD_WATCH, 0);
	if (!w->req)
		return -ENOMEM;
	if (w->all)
		ret = nla_put_flag(w->req, VMSCOPE_WATCH_A_ALL);
	for (i = 0; i < w->npids && !ret; i++)
		ret = nla_put_u32(w->req, VMSCOPE_WATCH_A_PID, w->pids[i]);
	if (ret)
		return -ENOMEM;
	ret = nl_send_auto(sk, w->req);
	if (ret < 0) {
		w->ev.nlerr = ret;
		return VS_NL_EIO;
	}
	w->watch_seq = nlmsg_hdr(w->req)->nlmsg_seq;
	return 0;
}

static void vs_watch_change(const struct vs_change *c, void *arg)
{
	struct vs_watch *w = ((void **)arg)[0];
	struct vs_watched *p = ((void **)arg)[1];

	w->acct.vma_changes++;
	vs_change_print(stdout, c, p->pid, p->dumped_ns, w->json);
}

/*
 * Dump p's VMAs and print what changed since the last dump.  A process
 * that has exited is marked gone.  Returns 0 or an exit code.
 */
static int vs_watch_dump(struct vs_watch *w, struct vs_watched *p)
{
	struct vs_vma_list l = { 0 };
	void *arg[2] = { w, p };
	int ret;

	ret = vs_vma_list_fetch(&w->q, p->pid, &l);
	p->dumped_ns = vs_now_ns();
	if (ret == -ESRCH) {
		vs_vma_list_free(&l);
		p->gone = 1;
		w->gone++;
		w->gone_ns = p->dumped_ns;
		if (w->json)
			printf("{\"type\":\"exit\",\"time_ns\":%" PRIu64 ",\"pid\":%d}\n",
			       p->dumped_ns, p->pid);
		else
			printf("# pid %d has exited\n", p->pid);
		return 0;
	}
	if (ret) {
		vs_vma_list_free(&l);
		return vs_nl_report(&w->q, ret, p->pid);
	}
	if (p->have_snap)
		vs_vma_diff(p->snap.v, p->snap.n, l.v, l.n, vs_watch_change,
			    arg);
	vs_vma_list_free(&p->snap);
	p->snap = l;
	p->have_snap = 1;
	return 0;
}

static struct vs_watched *vs_watched_find(struct vs_watch *w, uint32_t pid)
{
	int i;

	for (i = 0; i < w->npids; i++)
		if ((uint32_t)w->w[i].pid == pid && !w->w[i].gone)
			return &w->w[i];
	return NULL;
}

static int vs_snap_has(const struct vs_vma_list *l, uint64_t start,
		       uint64_t end)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && l->v[lo].start == start && l->v[lo].end == end;
}

static int vs_watch_event(struct vs_watch *w, struct nlmsghdr *nlh)
{
	struct nlattr *tb[VMSCOPE_EVENT_A_MAX + 1];
	struct vs_acct_news news;
	struct vs_watched *p;
	struct vs_event e;
	unsigned int l;
	int ret;

	ret = vs_nl_parse(&w->ev, nlh, &vs_nl_event_reply, tb);
	if (ret)
		return vs_nl_report(&w->ev, ret, 0);
	memset(&e, 0, sizeof(e));
	e.seq = vs_nla_u64(tb[VMSCOPE_EVENT_A_SEQ]);
	e.time_ns = vs_nla_u64(tb[VMSCOPE_EVENT_A_TIME_NS]);
	e.pid = vs_nla_u32(tb[VMSCOPE_EVENT_A_PID]);
	e.tid = vs_nla_u32(tb[VMSCOPE_EVENT_A_TID]);
	e.comm = vs_nla_data(tb[VMSCOPE_EVENT_A_COMM]);
	e.kind = vs_nla_u32(tb[VMSCOPE_EVENT_A_KIND]);
	e.access = vs_nla_u32(tb[VMSCOPE_EVENT_A_ACCESS]);
	e.flags = vs_nla_u32(tb[VMSCOPE_EVENT_A_FLAGS]);
	e.addr = vs_nla_u64(tb[VMSCOPE_EVENT_A_ADDR]);
	if (tb[VMSCOPE_EVENT_A_IP]) {
		e.ip = vs_nla_u64(tb[VMSCOPE_EVENT_A_IP]);
		e.has_ip = 1;
	}
	e.vma_start = vs_nla_u64(tb[VMSCOPE_EVENT_A_VMA_START]);
	e.vma_end = vs_nla_u64(tb[VMSCOPE_EVENT_A_VMA_END]);
	e.vma_flags = vs_nla_u64(tb[VMSCOPE_EVENT_A_VMA_FLAGS]);
	if (tb[VMSCOPE_EVENT_A_VMA_NAME]) {
		e.vma_name = vs_nla_data(tb[VMSCOPE_EVENT_A_VMA_NAME]);
		e.vma_name_len = tb[VMSCOPE_EVENT_A_VMA_NAME]->nla_len -
				 NLA_HDRLEN - 1;
	}
	e.dropped_buffer = vs_nla_u64(tb[VMSCOPE_EVENT_A_DROPPED_BUFFER]);
	e.dropped_socket = vs_nla_u64(tb[VMSCOPE_EVENT_A_DROPPED_SOCKET]);

	if (vs_acct_event(&w->acct, &e, &news)) {
		vs_err("out of memory");
		return VS_EXIT_ERROR;
	}
	for (l = 0; l < VS_LOSS_N; l++)
		if (news.lost[l])
			vs_loss_print(stdout, l, news.lost[l], w->acct.lost[l],
				      w->json);
	vs_event_print(stdout, &e, w->json);

	/* A VMA the last dump did not have: the layout changed. */
	p = w->vma_ns ? vs_watched_find(w, e.pid) : NULL;
	if (p && !vs_snap_has(&p->snap, e.vma_start, e.vma_end) &&
	    vs_now_ns() - p->dumped_ns >= VS_WATCH_REDUMP_NS)
		return vs_watch_dump(w, p);
	return 0;
}

/* Every message of one datagram; returns 0 or an exit code. */
static int vs_watch_datagram(struct vs_watch *w, unsigned char *buf, int n)
{
	struct nlmsghdr *nlh;
	int ret = 0;

	for (nlh = (struct nlmsghdr *)buf; !ret && nlmsg_ok(nlh, n);
	     nlh = nlmsg_next(nlh, &n)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);

			if (nlh->nlmsg_seq != w->watch_seq || w->acked)
				continue;
			if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e)) {
				snprintf(w->ev.why, sizeof(w->ev.why),
					 "truncated NLMSG_ERROR message");
				return vs_nl_report(&w->ev, VS_NL_EMALFORMED,
						    0);
			}
			if (e->error)
				return vs_watch_error(w, nlh);
			w->acked = 1;
			continue;
		}
		if (nlh->nlmsg_type != w->ev.family ||
		    nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
		    ((struct genlmsghdr *)NLMSG_DATA(nlh))->cmd !=
		    VMSCOPE_CMD_EVENT)
			continue;
		ret = vs_watch_event(w, nlh);
		if (w->count && w->acct.events >= w->count)
			vs_watch_stop = 1;
		if (vs_watch_stop)
			break;
	}
	return ret;
}

/* Read what the socket has; wait at most timeout_ms for it. */
static int vs_watch_recv(struct vs_watch *w, int timeout_ms)
{
	int fd = nl_socket_get_fd(w->ev.sk);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_nl peer;
	unsigned char *buf = NULL;
	int n, ret;

	/* What came so far is out before waiting for more. */
	fflush(stdout);
	/* The host tests' fake kernel has no file descriptor: no poll. */
	if (fd >= 0) {
		n = poll(&pfd, 1, timeout_ms);
		if (n <= 0)
			return n < 0 && errno != EINTR ? VS_EXIT_ERROR : 0;
	}
	n = nl_recv(w->ev.sk, &peer, &buf, NULL);
	if (n == -NLE_NOMEM && errno == ENOBUFS) {
		vs_acct_enobufs(&w->acct);
		vs_loss_print(stdout, VS_LOSS_ENOBUFS, 1,
			      w->acct.lost[VS_LOSS_ENOBUFS], w->json);
		return 0;
	}
	if (n == -NLE_AGAIN || n == -NLE_INTR || !n) {
		if (fd < 0)
			poll(NULL, 0, timeout_ms);
		return 0;
	}
	if (n < 0) {
		w->ev.nlerr = n;
		return vs_nl_report(&w->ev, VS_NL_EIO, 0);
	}
	ret = peer.nl_pid ? 0 : vs_watch_datagram(w, buf, n);
	free(buf);
	return ret;
}

static int vs_watch_loop(struct vs_watch *w, uint64_t start_ns)
{
	uint64_t next_dump = start_ns + w->vma_ns;
	int ret = 0, i;

	while (!vs_watch_stop && !ret) {
		uint64_t now = vs_now_ns(), wake = UINT64_MAX;
		int timeout;

		if (w->duration_ns && now - start_ns >= w->duration_ns)
			break;
		if (w->npids && w->gone == w->npids &&
		    now - w->gone_ns >= VS_WATCH_DRAIN_NS)
			break;
		if (w->vma_ns && !w->all && now >= next_dump) {
			for (i = 0; i < w->npids && !ret; i++)
				if (!w->w[i].gone)
					ret = vs_watch_dump(w, &w->w[i]);
			next_dump = vs_now_ns() + w->vma_ns;
			continue;
		}
		if (w->vma_ns && !w->all)
			wake = next_dump;
		if (w->duration_ns && start_ns + w->duration_ns < wake)
			wake = start_ns + w->duration_ns;
		if (w->npids && w->gone == w->npids &&
		    w->gone_ns + VS_WATCH_DRAIN_NS < wake)
			wake = w->gone_ns + VS_WATCH_DRAIN_NS;
		timeout = wake == UINT64_MAX ? 1000 :
			  wake <= now ? 0 : (int)((wake - now + 999999) / 1000000);
		if (timeout > 1000)
			timeout = 1000;
		ret = vs_watch_recv(w, timeout);
	}
	return ret;
}

static int vs_watch_setup(struct vs_watch *w)
{
	struct vs_info info;
	int ret, i;

	ret = vs_nl_init(&w->ev);
	if (ret)
		return ret;
	ret = vs_info_fetch(&w->ev, &info);
	if (ret)
		return vs_nl_report(&w->ev, ret, 0);
	if (!(info.val[VMSCOPE_INFO_A_FEATURES] & (1ULL << VMSCOPE_FEAT_WATCH))) {
		vs_err("the loaded vmscope module (version %s) cannot watch: it lacks the watch feature",
		       info.version);
		return VS_EXIT_NOTSUP;
	}
	if (!w->all && w->vma_ns) {
		ret = vs_nl_init(&w->q);
		w->q_open = 1;
		if (ret)
			return ret;
	}
	ret = vs_watch_send(w);
	if (ret)
		return vs_nl_report(&w->ev, ret, 0);
	/* The ACK (or the error) first: events may come before it. */
	while (!w->acked && !vs_watch_stop) {
		ret = vs_watch_recv(w, 1000);
		if (ret)
			return ret;
	}
	for (i = 0; i < w->npids && w->q_open && !ret; i++) {
		w->w[i].pid = w->pids[i];
		ret = vs_watch_dump(w, &w->w[i]);
	}
	return ret;
}

int vs_cmd_watch(int argc, char **argv)
{
	struct vs_watch *w = calloc(1, sizeof(*w));
	struct sigaction sa = { .sa_handler = vs_watch_signal };
	uint64_t start;
	int ret, i;

	if (!w) {
		vs_err("out of memory");
		return VS_EXIT_ERROR;
	}
	ret = vs_watch_parse(argc, argv, w);
	if (ret) {
		free(w);
		return ret < 0 ? VS_EXIT_OK : ret;
	}
	vs_acct_init(&w->acct);
	vs_watch_stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Flushed before every wait for the socket (vs_watch_recv()). */
	setvbuf(stdout, NULL, _IOFBF, 64 * 1024);

	start = vs_now_ns();
	ret = vs_watch_setup(w);
	if (!ret) {
		if (!w->json)
			vs_watch_header(stdout);
		ret = vs_watch_loop(w, start);
	}
	/* Ctrl-C, SIGTERM, --count, --duration: the summary. */
	if (!ret)
		vs_summary_print(stdout, &w->acct, vs_now_ns() - start,
				 w->json);

	if (w->req)
		nlmsg_free(w->req);
	for (i = 0; i < w->npids; i++)
		vs_vma_list_free(&w->w[i].snap);
	vs_acct_free(&w->acct);
	if (w->q_open)
		vs_nl_free(&w->q);
	vs_nl_free(&w->ev);
	free(w);
	return ret;
}
