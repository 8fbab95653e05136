// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: malformed and random generic-netlink messages to the vmscope family.
 *
 * Usage: fuzz [-s SEED] [-n MESSAGES] [-t THREADS] [-p PID]...
 *
 * THREADS senders (default 4), each with its own socket and its own random
 * stream derived from SEED, send MESSAGES messages in all (default 100000):
 * random commands (valid, EVENT, unknown), random netlink flags, versions
 * and reserved bytes, attributes of random types, lengths and values,
 * nested attributes, truncated headers and lying length fields, several
 * messages to a datagram, and pids and address ranges both sensible (-p
 * adds target pids; the fuzzer's own pid, 1 and 2 are always in the pool)
 * and absurd.  A run is deterministic per thread by SEED.
 *
 * After each datagram a sender sends a NLMSG_NOOP with NLM_F_ACK as a
 * sentinel and reads everything up to its ack (and to the end of any dump
 * the datagram started), so each reply is matched to its message.  Checks:
 *   - every rejection has an errno the UAPI documents (EINVAL, ERANGE,
 *     ESRCH, EPERM, ENOENT, EOPNOTSUPP, EBUSY);
 *   - every rejection carries an extended-ack message, except the few the
 *     netlink and genetlink core make before any policy exists: an unknown
 *     command or an unsupported do/dump (EOPNOTSUPP), a message shorter
 *     than the genetlink header (EINVAL), a dump while the socket's
 *     previous dump is still running (EBUSY);
 *   - the kernel answers within 60 s.
 * On the first failure it prints the seed, thread, message number and the
 * message bytes, and exits 1.  At the end it prints one summary line:
 *   fuzz: seed=S messages=N datagrams=D acks=A errors=E extack=X dumps=U
 *         events=V seconds=T rate=R/s
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "nlc.h"

#define MAX_PIDS	32
#define SENTINEL_BIT	0x80000000U

static uint64_t seed = 1;
static long total = 100000;
static int nthreads = 4;
static int family;
static uint32_t pids[MAX_PIDS];
static int npids;
static atomic_long n_msgs, n_dgrams, n_acks, n_errors, n_extack, n_dumps,
		   n_events, n_enobufs, n_send_err;
static long errno_hist[256];
static pthread_mutex_t hist_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool failed;

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(struct rng *r, unsigned int n)
{
	return rnd(r) % n;
}

static bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

/* What a sender remembers about one message it sent. */
struct sent {
	uint32_t seq;
	uint8_t cmd;
	uint16_t flags;
	uint32_t len;		/* nlmsg_len as sent */
	uint32_t real;		/* bytes actually in the datagram */
	bool busy;		/* a dump of this socket was still running */
	bool dump;		/* it started a dump (saw NLM_F_MULTI) */
	bool done;
};

struct sender {
	int id;
	struct rng rng;
	int fd;
	uint32_t seq;
	long sent;
	unsigned char dgram[65536];
	unsigned int dlen;
	struct sent msgs[4];
	int nmsgs;
	bool dump_running;
	unsigned char rbuf[1 << 17];
};

static const int ok_errnos[] = { EINVAL, ERANGE, ESRCH, EPERM, ENOENT,
				 EOPNOTSUPP, EBUSY };

static void fail(struct sender *s, const struct sent *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct sender *s, const struct sent *m, const char *fmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	va_list ap;
	unsigned int i;

	pthread_mutex_lock(&lock);
	if (atomic_exchange(&failed, true)) {
		pthread_mutex_unlock(&lock);
		return;
	}
	fprintf(stderr, "fuzz: FAIL seed=%" PRIu64 " thread=%d message=%ld: ",
		seed, s->id, s->sent);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nfuzz: reproduce with: fuzz -s %" PRIu64 " -t %d -n %ld\n",
		seed, nthreads, total);
	if (m)
		fprintf(stderr, "fuzz: message seq=%u cmd=%u flags=%#x nlmsg_len=%u (%u bytes sent)\n",
			m->seq, m->cmd, m->flags, m->len, m->real);
	fprintf(stderr, "fuzz: datagram (%u bytes):", s->dlen);
	for (i = 0; i < s->dlen && i < 512; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", s->dgram[i]);
	fprintf(stderr, "\n");
	pthread_mutex_unlock(&lock);
}

static uint32_t pick_pid(struct rng *r)
{
	static const uint32_t odd[] = { 0, 1, 2, 0x7fffffff, 0x80000000,
					0xffffffff, 4194303, 4194304, 4194305,
					65535, 32768 };

	if (chance(r, 65))
		return pids[below(r, npids)];
	if (chance(r, 60))
		return odd[below(r, sizeof(odd) / sizeof(odd[0]))];
	return rnd(r);
}

static uint64_t pick_u64(struct rng *r)
{
	static const uint64_t odd[] = {
		0, 1, 4095, 4096, 0x10000, 0x400000, 0x555555554000ULL,
		0x7ffffffff000ULL, 0x7fffffffffffULL, 0x800000000000ULL,
		0xff00000000000000ULL, 0xffff800000000000ULL,
		0xfffffffffffff000ULL, ~0ULL, ~0ULL - 1, 1ULL << 63,
		(1ULL << 35) - 1, 1ULL << 35,	/* VMA flag bits */
	};
	uint64_t v;

	switch (below(r, 5)) {
	case 0:
		return odd[below(r, sizeof(odd) / sizeof(odd[0]))];
	case 1:
		return (uintptr_t)&v & ~0xfffULL;	/* the stack */
	case 2:
		return (uintptr_t)pick_u64 & ~0xfffULL;	/* the text */
	case 3:
		return rnd(r) & 0x7ffffffff000ULL;
	default:
		return rnd(r);
	}
}

/* Payload sizes: mostly right for the type, sometimes anything. */
static unsigned int pick_size(struct rng *r)
{
	static const unsigned int sizes[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16,
					      31, 64, 255 };

	return sizes[below(r, sizeof(sizes) / sizeof(sizes[0]))];
}

static uint16_t pick_type(struct rng *r)
{
	uint16_t t;

	if (chance(r, 80))
		t = below(r, 24);
	else if (chance(r, 50))
		t = below(r, 64);
	else
		t = rnd(r);
	if (chance(r, 5))
		t |= NLA_F_NESTED;
	if (chance(r, 3))
		t |= NLA_F_NET_BYTEORDER;
	return t;
}

static void put_attrs(struct rng *r, struct nlc_msg *m, int depth);

static void put_attr(struct rng *r, struct nlc_msg *m, int depth)
{
	unsigned char data[256];
	uint16_t type = pick_type(r);
	unsigned int n, i;
	uint64_t v;
	uint32_t p;

	if (depth < 3 && chance(r, 6)) {
		/* A nest: its header, then children, then fix its length. */
		unsigned int at = m->len;
		struct nlattr *a;

		nlc_put_raw(m, type | NLA_F_NESTED, NLA_HDRLEN, NULL, 0);
		put_attrs(r, m, depth + 1);
		a = (struct nlattr *)(m->buf + at);
		if (at + NLA_HDRLEN <= m->len)
			a->nla_len = chance(r, 90) ? m->len - at : rnd(r);
		return;
	}
	switch (below(r, 6)) {
	case 0:
	case 1:
		p = pick_pid(r);
		nlc_put_u32(m, type, p);
		return;
	case 2:
	case 3:
		v = pick_u64(r);
		nlc_put_u64(m, type, v);
		return;
	case 4:
		nlc_put(m, type, NULL, 0);	/* a flag */
		return;
	default:
		n = pick_size(r);
		for (i = 0; i < n; i++)
			data[i] = chance(r, 50) ? 0 : rnd(r);
		if (chance(r, 10))
			nlc_put_raw(m, type, chance(r, 50) ? rnd(r) :
				    NLA_HDRLEN + n + below(r, 16), data, n);
		else
			nlc_put(m, type, data, n);
	}
}

static void put_attrs(struct rng *r, struct nlc_msg *m, int depth)
{
	int i, n = below(r, 7);

	for (i = 0; i < n; i++)
		put_attr(r, m, depth);
}

/* A structured request that usually gets past the policy. */
static void put_sensible(struct rng *r, struct nlc_msg *m, uint8_t cmd)
{
	switch (cmd) {
	case VMSCOPE_CMD_VMA_GET:
		nlc_put_u32(m, VMSCOPE_VMA_A_PID, pick_pid(r));
		if (chance(r, 50))
			nlc_put_u64(m, VMSCOPE_VMA_A_ADDR, pick_u64(r));
		if (chance(r, 30))
			nlc_put_u32(m, VMSCOPE_VMA_A_QUERY_FLAGS, below(r, 4));
		if (chance(r, 40))
			nlc_put_u64(m, VMSCOPE_VMA_A_RANGE_START, pick_u64(r));
		if (chance(r, 40))
			nlc_put_u64(m, VMSCOPE_VMA_A_RANGE_END, pick_u64(r));
		if (chance(r, 30))
			nlc_put_u64(m, VMSCOPE_VMA_A_FLAGS_REQUIRED,
				    chance(r, 70) ? 1ULL << below(r, 36) : pick_u64(r));
		if (chance(r, 30))
			nlc_put_u64(m, VMSCOPE_VMA_A_FLAGS_FORBIDDEN,
				    chance(r, 70) ? 1ULL << below(r, 36) : pick_u64(r));
		break;
	case VMSCOPE_CMD_PROC_GET:
		nlc_put_u32(m, VMSCOPE_PROC_A_PID, pick_pid(r));
		break;
	case VMSCOPE_CMD_WATCH: {
		int i, n = below(r, VMSCOPE_WATCH_MAX_PIDS + 3);

		if (chance(r, 15))
			nlc_put(m, VMSCOPE_WATCH_A_ALL, NULL, 0);
		for (i = 0; i < n; i++)
			nlc_put_u32(m, VMSCOPE_WATCH_A_PID, pick_pid(r));
		break;
	}
	default:
		break;
	}
}

static void build(struct sender *s)
{
	static __thread struct nlc_msg m;
	struct rng *r = &s->rng;
	unsigned int k, nmsgs = chance(r, 10) ? 2 + below(r, 2) : 1;

	s->dlen = 0;
	s->nmsgs = 0;
	for (k = 0; k < nmsgs; k++) {
		struct sent *sm = &s->msgs[s->nmsgs];
		uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
		uint8_t cmd, version = VMSCOPE_FAMILY_VERSION;
		struct nlmsghdr *h;
		struct genlmsghdr *g;
		unsigned int real;

		if (chance(r, 75))
			cmd = 1 + below(r, VMSCOPE_CMD_MAX);
		else if (chance(r, 50))
			cmd = below(r, VMSCOPE_CMD_MAX + 3);
		else
			cmd = rnd(r);
		if (chance(r, 30))
			flags |= NLM_F_DUMP;
		if (chance(r, 15))
			flags ^= 1U << below(r, 16);
		if (chance(r, 3))
			flags = rnd(r);
		if (chance(r, 5))
			version = rnd(r);
		nlc_start(&m, family, flags, ++s->seq & ~SENTINEL_BIT, cmd,
			  version);
		g = (struct genlmsghdr *)(m.buf + NLMSG_HDRLEN);
		if (chance(r, 4))
			g->reserved = rnd(r);
		if (chance(r, 60))
			put_sensible(r, &m, cmd);
		if (chance(r, 50))
			put_attrs(r, &m, 0);
		h = (struct nlmsghdr *)m.buf;
		real = m.len;
		if (chance(r, 8)) {		/* lie about the length */
			switch (below(r, 3)) {
			case 0:
				h->nlmsg_len = below(r, m.len + 1);
				break;
			case 1:
				h->nlmsg_len = m.len + 1 + below(r, 64);
				break;
			default:
				h->nlmsg_len = rnd(r);
			}
		}
		if (chance(r, 5))		/* truncate the bytes */
			real = below(r, m.len + 1);
		if (s->dlen + NLC_ALIGN(real) > sizeof(s->dgram))
			break;
		memcpy(s->dgram + s->dlen, m.buf, real);
		sm->seq = h->nlmsg_seq;
		sm->cmd = cmd;
		sm->flags = h->nlmsg_flags;
		sm->len = h->nlmsg_len;
		sm->real = real;
		sm->busy = false;
		sm->dump = false;
		sm->done = false;
		s->dlen += NLC_ALIGN(real);
		s->nmsgs++;
		atomic_fetch_add(&n_msgs, 1);
		if (real != m.len || h->nlmsg_len != m.len)
			break;	/* nothing after a broken message is parsed */
	}
}

static struct sent *find(struct sender *s, uint32_t seq)
{
	int i;

	for (i = 0; i < s->nmsgs; i++)
		if (s->msgs[i].seq == seq)
			return &s->msgs[i];
	return NULL;
}

static bool is_op(const struct sent *m)
{
	bool dump = (m->flags & NLM_F_DUMP) == NLM_F_DUMP;

	if (m->cmd < VMSCOPE_CMD_VMA_GET || m->cmd > VMSCOPE_CMD_UNWATCH)
		return false;
	return !dump || m->cmd == VMSCOPE_CMD_VMA_GET;
}

static void check_error(struct sender *s, struct sent *m, int err,
			const char *ext)
{
	unsigned int i;
	bool known = false;

	atomic_fetch_add(&n_errors, 1);
	if (ext)
		atomic_fetch_add(&n_extack, 1);
	err = -err;
	if (err > 0 && err < 256) {
		pthread_mutex_lock(&hist_lock);
		errno_hist[err]++;
		pthread_mutex_unlock(&hist_lock);
	}
	for (i = 0; i < sizeof(ok_errnos) / sizeof(ok_errnos[0]); i++)
		known |= err == ok_errnos[i];
	if (!known) {
		fail(s, m, "rejected with undocumented errno %d (%s), extack %s",
		     err, strerror(err), ext ? ext : "(none)");
		return;
	}
	if (ext)
		return;
	if (err == EOPNOTSUPP && !is_op(m))
		return;
	if (err == EINVAL && m->len < NLMSG_HDRLEN + GENL_HDRLEN)
		return;
	if (err == EBUSY && m->busy)
		return;
	fail(s, m, "rejected with %s but no extack message", strerror(err));
}

/* Read until the sentinel @sseq is acked and no dump is running. */
static int drain(struct sender *s, uint32_t sseq)
{
	bool sentinel = false;

	while (!sentinel || s->dump_running) {
		struct nlmsghdr *h;
		ssize_t n;
		int len;

		n = recv(s->fd, s->rbuf, sizeof(s->rbuf), 0);
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* Events overran the socket; acks may be lost. */
				atomic_fetch_add(&n_enobufs, 1);
				if (!sentinel) {
					struct nlmsghdr nh = {
						.nlmsg_len = NLMSG_HDRLEN,
						.nlmsg_type = NLMSG_NOOP,
						.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
						.nlmsg_seq = sseq,
					};

					nlc_send(s->fd, &nh, sizeof(nh));
				}
				continue;
			}
			if (errno == EINTR)
				continue;
			fail(s, NULL, "recv: %s (%s)", strerror(errno),
			     errno == EAGAIN ? "no answer within 60 s" : "error");
			return -1;
		}
		len = n;
		for (h = (struct nlmsghdr *)s->rbuf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct sent *m = find(s, h->nlmsg_seq);
			const char *ext;
			int err;

			if (h->nlmsg_seq == sseq && h->nlmsg_type == NLMSG_ERROR) {
				sentinel = true;
				continue;
			}
			if (h->nlmsg_type == family && h->nlmsg_seq == 0) {
				atomic_fetch_add(&n_events, 1);
				continue;
			}
			if (!m) {
				/* A late piece of an earlier round's dump. */
				if (h->nlmsg_type == NLMSG_DONE ||
				    h->nlmsg_type == NLMSG_ERROR)
					s->dump_running = false;
				continue;
			}
			switch (h->nlmsg_type) {
			case NLMSG_ERROR:
				ext = nlc_extack(h, &err);
				if (err)
					check_error(s, m, err, ext);
				else
					atomic_fetch_add(&n_acks, 1);
				if (m->dump)
					s->dump_running = false;
				m->done = true;
				break;
			case NLMSG_DONE:
				ext = nlc_extack(h, &err);
				if (err)
					check_error(s, m, err, ext);
				else
					atomic_fetch_add(&n_acks, 1);
				s->dump_running = false;
				m->done = true;
				break;
			default:
				if ((h->nlmsg_flags & NLM_F_MULTI) && !m->dump) {
					m->dump = true;
					s->dump_running = true;
					atomic_fetch_add(&n_dumps, 1);
				}
			}
			if (atomic_load(&failed))
				return -1;
		}
	}
	return 0;
}

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	long quota = total / nthreads + (s->id < total % nthreads);

	s->fd = nlc_socket(1 << 20);
	if (s->fd < 0) {
		fail(s, NULL, "socket: %s", strerror(errno));
		return NULL;
	}
	while (s->sent < quota && !atomic_load(&failed)) {
		struct nlmsghdr nh = {
			.nlmsg_len = NLMSG_HDRLEN,
			.nlmsg_type = NLMSG_NOOP,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		};
		bool busy;
		int i;

		build(s);
		/* A dump started by an earlier message of the same datagram
		 * is running too when a later one asks for another. */
		busy = s->dump_running;
		for (i = 0; i < s->nmsgs; i++) {
			s->msgs[i].busy = busy;
			busy |= (s->msgs[i].flags & NLM_F_DUMP) == NLM_F_DUMP &&
				s->msgs[i].cmd == VMSCOPE_CMD_VMA_GET;
		}
		/* The kernel reports problems in replies; sendto() itself
		 * fails only for a datagram it cannot take at all (an empty
		 * one: ENODATA).  Either way, the sentinel follows. */
		if (nlc_send(s->fd, s->dgram, s->dlen))
			atomic_fetch_add(&n_send_err, 1);
		atomic_fetch_add(&n_dgrams, 1);
		nh.nlmsg_seq = SENTINEL_BIT | ++s->seq;
		if (nlc_send(s->fd, &nh, sizeof(nh))) {
			fail(s, NULL, "send sentinel: %s", strerror(errno));
			break;
		}
		if (drain(s, nh.nlmsg_seq))
			break;
		s->sent += s->nmsgs;
		if (s->sent % 4096 < (unsigned int)s->nmsgs) {
			/* Now and then, start afresh: a new socket. */
			close(s->fd);
			s->fd = nlc_socket(1 << 20);
			s->dump_running = false;
			if (s->fd < 0) {
				fail(s, NULL, "socket: %s", strerror(errno));
				return NULL;
			}
		}
	}
	close(s->fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sender *senders;
	pthread_t *threads;
	struct timespec t0, t1;
	double secs;
	int c, i, fd;

	while ((c = getopt(argc, argv, "s:n:t:p:")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			total = strtol(optarg, NULL, 0);
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'p':
			if (npids < MAX_PIDS - 3)
				pids[npids++] = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: fuzz [-s SEED] [-n MESSAGES] [-t THREADS] [-p PID]...\n");
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > 64 || total < 1) {
		fprintf(stderr, "fuzz: bad -t or -n\n");
		return 2;
	}
	pids[npids++] = getpid();
	pids[npids++] = 1;
	pids[npids++] = 2;

	fd = nlc_socket(0);
	if (fd < 0 || (family = nlc_family(fd)) < 0) {
		fprintf(stderr, "fuzz: family %s: %s\n", VMSCOPE_FAMILY_NAME,
			strerror(fd < 0 ? errno : -family));
		return 1;
	}
	close(fd);

	senders = calloc(nthreads, sizeof(*senders));
	threads = calloc(nthreads, sizeof(*threads));
	if (!senders || !threads)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nthreads; i++) {
		senders[i].id = i;
		senders[i].rng.s = seed * 0x100000001b3ULL + i + 1;
		rnd(&senders[i].rng);
		if (pthread_create(&threads[i], NULL, sender_main, &senders[i])) {
			perror("fuzz: pthread_create");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("fuzz: seed=%" PRIu64 " messages=%ld datagrams=%ld acks=%ld errors=%ld extack=%ld dumps=%ld events=%ld enobufs=%ld send_errors=%ld seconds=%.1f rate=%.0f/s\n",
	       seed, atomic_load(&n_msgs), atomic_load(&n_dgrams),
	       atomic_load(&n_acks), atomic_load(&n_errors),
	       atomic_load(&n_extack), atomic_load(&n_dumps),
	       atomic_load(&n_events), atomic_load(&n_enobufs),
	       atomic_load(&n_send_err), secs,
	       atomic_load(&n_msgs) / (secs > 0 ? secs : 1));
	printf("fuzz: errnos:");
	for (i = 1; i < 256; i++)
		if (errno_hist[i])
			printf(" %s=%ld", strerrorname_np(i) ? strerrorname_np(i) : "?",
			       errno_hist[i]);
	printf("\n");
	return atomic_load(&failed) ? 1 : 0;
}
