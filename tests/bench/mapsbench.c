// SPDX-License-Identifier: GPL-2.0
/*
 * mapsbench: the timed parts of tests/bench.sh.  Every mode prints
 * "key=value" lines; times are in nanoseconds (CLOCK_MONOTONIC).
 *
 *   mapsbench parse PID BUFSIZE REPS
 *	REPS times: open /proc/PID/maps, read() it BUFSIZE bytes at a time
 *	and parse every line into start, end, perms, offset, device,
 *	inode and name, then close.  Prints each rep's time, the VMA count,
 *	the [vsyscall] line count apart, and a checksum of every field of
 *	every VMA, the same for every mode that sees the same VMAs.
 *   mapsbench query PID REPS
 *	REPS times: open /proc/PID/maps and walk every VMA with the
 *	PROCMAP_QUERY ioctl (COVERING_OR_NEXT from the previous VMA's end,
 *	with a name buffer), then close.  Prints as parse does.
 *   mapsbench dump PID BUFSIZE REPS
 *	REPS times: open a generic netlink socket, resolve the "vmscope"
 *	family, dump VMSCOPE_CMD_VMA_GET for PID with recv() of BUFSIZE
 *	bytes, take every VMA's attributes, close.  No libnl, no output:
 *	the module's interface at the cost of a bare client.  Prints as
 *	parse does.
 *   mapsbench exec REPS FILE PROG [ARG...]
 *	REPS times: fork, exec PROG with stdout on FILE (truncated), wait.
 *	Each rep is timed from before fork() to after waitpid().  Fails
 *	unless PROG exits with 0.
 *   mapsbench tsc
 *	The TSC's rate against CLOCK_MONOTONIC_RAW, in ticks per
 *	microsecond, to read "x86-tsc" trace timestamps as time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/types.h>
#include <linux/vmscope.h>

/*
 * PROCMAP_QUERY, from Linux 6.11's include/uapi/linux/fs.h: this host's
 * headers are older.
 */
#ifndef PROCFS_IOCTL_MAGIC
#define PROCFS_IOCTL_MAGIC 'f'
#endif

struct bench_procmap_query {
	__u64 size;
	__u64 query_flags;
	__u64 query_addr;
	__u64 vma_start;
	__u64 vma_end;
	__u64 vma_flags;
	__u64 vma_page_size;
	__u64 vma_offset;
	__u64 inode;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 vma_name_size;
	__u32 build_id_size;
	__u64 vma_name_addr;
	__u64 build_id_addr;
};

#define BENCH_PROCMAP_QUERY \
	_IOWR(PROCFS_IOCTL_MAGIC, 17, struct bench_procmap_query)
#define BENCH_PROCMAP_QUERY_COVERING_OR_NEXT_VMA	0x10

/* Longest maps line we accept: a PATH_MAX name and the fixed columns. */
#define LINE_MAX_LEN	(4096 + 128)

struct maps_line {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	uint64_t inode;
	unsigned int major;
	unsigned int minor;
	unsigned int perms;	/* r w x s/p as bits 0-3 */
	const char *name;	/* not NUL-terminated */
	size_t name_len;
};

struct tally {
	uint64_t count;
	uint64_t gate;
	uint64_t sum;
};

static void die(const char *what)
{
	fprintf(stderr, "mapsbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "mapsbench: %s\n", what);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse hex digits at *p up to @stop; returns -1 if there are none. */
static int parse_hex(const char **p, const char *lim, char stop,
		     uint64_t *val)
{
	const char *s = *p;
	uint64_t v = 0;
	int d;

	while (s < lim && (d = hexval(*s)) >= 0) {
		v = v << 4 | d;
		s++;
	}
	if (s == *p || s >= lim || *s != stop)
		return -1;
	*val = v;
	*p = s + 1;
	return 0;
}

static int parse_dec(const char **p, const char *lim, uint64_t *val)
{
	const char *s = *p;
	uint64_t v = 0;

	while (s < lim && *s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	if (s == *p)
		return -1;
	*val = v;
	*p = s;
	return 0;
}

/*
 * One line of /proc/PID/maps, [s, lim) without its '\n':
 * "start-end perms offset major:minor inode [padding name]".
 */
static int parse_line(const char *s, const char *lim, struct maps_line *l)
{
	static const char perm_chars[4] = { 'r', 'w', 'x', 's' };
	uint64_t major, minor;
	int i;

	if (parse_hex(&s, lim, '-', &l->start) ||
	    parse_hex(&s, lim, ' ', &l->end))
		return -1;
	if (lim - s < 5 || s[4] != ' ')
		return -1;
	l->perms = 0;
	for (i = 0; i < 4; i++) {
		if (s[i] == perm_chars[i])
			l->perms |= 1u << i;
		else if (s[i] != '-' && !(i == 3 && s[i] == 'p'))
			return -1;
	}
	s += 5;
	if (parse_hex(&s, lim, ' ', &l->offset) ||
	    parse_hex(&s, lim, ':', &major) ||
	    parse_hex(&s, lim, ' ', &minor) ||
	    parse_dec(&s, lim, &l->inode))
		return -1;
	l->major = major;
	l->minor = minor;
	while (s < lim && *s == ' ')
		s++;
	l->name = s;
	l->name_len = lim - s;
	return 0;
}

/*
 * Count a VMA and fold every field into the checksum, the name as FNV-1a.
 * The [vsyscall] gate VMA, which /proc/PID/maps shows but PROCMAP_QUERY
 * does not, is only counted apart, so both walks sum the same VMAs.
 */
static void tally_vma(struct tally *t, uint64_t start, uint64_t end,
		      uint64_t offset, uint64_t inode, unsigned int major,
		      unsigned int minor, unsigned int perms,
		      const char *name, size_t name_len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	if (name_len == 10 && !memcmp(name, "[vsyscall]", 10)) {
		t->gate++;
		return;
	}
	for (i = 0; i < name_len; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ull;
	t->sum = t->sum * 31 + (start ^ end ^ offset ^ inode ^ h ^
				((uint64_t)major << 40) ^
				((uint64_t)minor << 20) ^ perms);
	t->count++;
}

static void maps_parse(pid_t pid, size_t bufsize, struct tally *t)
{
	static char *buf;
	static size_t cap;
	struct maps_line l;
	size_t have = 0;
	char path[64];
	ssize_t n;
	int fd;

	if (!buf) {
		cap = bufsize + LINE_MAX_LEN;
		buf = malloc(cap);
		if (!buf)
			die("malloc");
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	memset(t, 0, sizeof(*t));
	for (;;) {
		char *p, *nl, *end;

		n = read(fd, buf + have, bufsize);
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		end = buf + have + n;
		p = buf;
		while ((nl = memchr(p, '\n', end - p))) {
			if (parse_line(p, nl, &l))
				fail("unparsable line in maps");
			tally_vma(t, l.start, l.end, l.offset, l.inode,
				  l.major, l.minor, l.perms, l.name,
				  l.name_len);
			p = nl + 1;
		}
		have = end - p;
		if (have > LINE_MAX_LEN - 1)
			fail("overlong line in maps");
		memmove(buf, p, have);
	}
	if (have)
		fail("maps ends without a newline");
	close(fd);
}

static void maps_query(pid_t pid, struct tally *t)
{
	struct bench_procmap_query q;
	static char name[4096];
	uint64_t addr = 0;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	memset(t, 0, sizeof(*t));
	for (;;) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = BENCH_PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
		q.query_addr = addr;
		q.vma_name_addr = (uintptr_t)name;
		q.vma_name_size = sizeof(name);
		if (ioctl(fd, BENCH_PROCMAP_QUERY, &q)) {
			if (errno == ENOENT)
				break;
			die("PROCMAP_QUERY");
		}
		/* vma_name_size counts the NUL; 0 when there is no name. */
		tally_vma(t, q.vma_start, q.vma_end, q.vma_offset, q.inode,
			  q.dev_major, q.dev_minor, q.vma_flags, name,
			  q.vma_name_size ? q.vma_name_size - 1 : 0);
		addr = q.vma_end;
	}
	close(fd);
}

/* A generic netlink request: headers, then room for a few attributes. */
struct nl_req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[64];
};

static void nl_put(struct nl_req *r, unsigned short type, const void *data,
		   unsigned short len)
{
	struct nlattr *a = (struct nlattr *)((char *)r +
					     NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void nl_send(int fd, struct nl_req *r)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) != (ssize_t)r->n.nlmsg_len)
		die("netlink sendto");
}

static void nl_req_init(struct nl_req *r, unsigned short type,
			unsigned short flags, unsigned char cmd)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | flags;
	r->n.nlmsg_seq = 1;
	r->g.cmd = cmd;
	r->g.version = 1;
}

/* Fails on an NLMSG_ERROR with an error, or on a dump's failed DONE. */
static void nl_check(const struct nlmsghdr *h)
{
	int err;

	if (h->nlmsg_type != NLMSG_ERROR && h->nlmsg_type != NLMSG_DONE)
		return;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return;
	memcpy(&err, NLMSG_DATA(h), sizeof(err));
	if (err) {
		errno = -err;
		die("vmscope netlink request");
	}
}

static unsigned short nl_family(int fd, char *buf, size_t bufsize)
{
	struct nl_req r;
	struct nlmsghdr *h;
	struct nlattr *a;
	int len, alen;

	nl_req_init(&r, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	nl_put(&r, CTRL_ATTR_FAMILY_NAME, VMSCOPE_FAMILY_NAME,
	       sizeof(VMSCOPE_FAMILY_NAME));
	nl_send(fd, &r);
	len = recv(fd, buf, bufsize, 0);
	if (len < 0)
		die("netlink recv");
	for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
	     h = NLMSG_NEXT(h, len)) {
		nl_check(h);
		if (h->nlmsg_type != GENL_ID_CTRL)
			continue;
		a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
		alen = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
		for (; alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
		       a->nla_len <= alen;
		     alen -= NLA_ALIGN(a->nla_len),
		     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
			if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
				return *(__u16 *)((char *)a + NLA_HDRLEN);
	}
	fail("no vmscope family (is the module loaded?)");
	return 0;
}

static uint64_t nla_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

static uint32_t nla_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, (const char *)a + NLA_HDRLEN, sizeof(v));
	return v;
}

/* One VMA_GET reply: its attributes, as /proc/PID/maps would show them. */
static void dump_vma(struct tally *t, const struct nlmsghdr *h)
{
	const struct nlattr *a = (const struct nlattr *)
		((const char *)NLMSG_DATA(h) + GENL_HDRLEN);
	int alen = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	uint64_t start = 0, end = 0, flags = 0, offset = 0, inode = 0;
	unsigned int major = 0, minor = 0, perms;
	const char *name = "";
	size_t name_len = 0;

	for (; alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= alen;
	     alen -= NLA_ALIGN(a->nla_len),
	     a = (const struct nlattr *)((const char *)a +
					 NLA_ALIGN(a->nla_len))) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case VMSCOPE_VMA_A_START:
			start = nla_u64(a);
			break;
		case VMSCOPE_VMA_A_END:
			end = nla_u64(a);
			break;
		case VMSCOPE_VMA_A_FLAGS:
			flags = nla_u64(a);
			break;
		case VMSCOPE_VMA_A_OFFSET:
			offset = nla_u64(a);
			break;
		case VMSCOPE_VMA_A_DEV_MAJOR:
			major = nla_u32(a);
			break;
		case VMSCOPE_VMA_A_DEV_MINOR:
			minor = nla_u32(a);
			break;
		case VMSCOPE_VMA_A_INODE:
			inode = nla_u64(a);
			break;
		case VMSCOPE_VMA_A_NAME:
			name = (const char *)a + NLA_HDRLEN;
			name_len = strnlen(name, a->nla_len - NLA_HDRLEN);
			break;
		}
	}
	if (start >= end)
		fail("VMA_GET reply without a valid START and END");
	perms = 0;
	if (flags & 1ull << VMSCOPE_VMA_F_READ)
		perms |= 1;
	if (flags & 1ull << VMSCOPE_VMA_F_WRITE)
		perms |= 2;
	if (flags & 1ull << VMSCOPE_VMA_F_EXEC)
		perms |= 4;
	if (flags & 1ull << VMSCOPE_VMA_F_MAYSHARE)
		perms |= 8;
	tally_vma(t, start, end, offset, inode, major, minor, perms, name,
		  name_len);
}

static void maps_dump(pid_t pid, size_t bufsize, struct tally *t)
{
	static char *buf;
	struct nlmsghdr *h;
	unsigned short family;
	uint32_t pid32 = pid;
	struct nl_req r;
	int fd, len, done = 0;

	if (!buf) {
		buf = malloc(bufsize);
		if (!buf)
			die("malloc");
	}
	memset(t, 0, sizeof(*t));
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("netlink socket");
	family = nl_family(fd, buf, bufsize);

	nl_req_init(&r, family, NLM_F_DUMP, VMSCOPE_CMD_VMA_GET);
	nl_put(&r, VMSCOPE_VMA_A_PID, &pid32, sizeof(pid32));
	nl_send(fd, &r);
	while (!done) {
		len = recv(fd, buf, bufsize, 0);
		if (len < 0)
			die("netlink recv");
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			nl_check(h);
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				fail("dump interrupted (NLM_F_DUMP_INTR)");
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == family)
				dump_vma(t, h);
		}
	}
	close(fd);
}

static void print_reps(const uint64_t *ns, int reps)
{
	uint64_t best = ns[0];
	int i;

	printf("rep_ns=");
	for (i = 0; i < reps; i++) {
		printf("%s%llu", i ? "," : "", (unsigned long long)ns[i]);
		if (ns[i] < best)
			best = ns[i];
	}
	printf("\nbest_ns=%llu\n", (unsigned long long)best);
}

static int parse_reps(const char *s)
{
	int reps = atoi(s);

	if (reps < 1 || reps > 1000)
		fail("REPS must be 1..1000");
	return reps;
}

enum walk { WALK_PARSE, WALK_QUERY, WALK_DUMP };

static int cmd_walk(int argc, char **argv, enum walk how)
{
	int query = how == WALK_QUERY;
	struct tally t, first;
	size_t bufsize = 0;
	uint64_t *ns;
	pid_t pid;
	int reps, i;

	if (argc != (query ? 4 : 5))
		fail("usage: mapsbench parse|dump PID BUFSIZE REPS | query PID REPS");
	pid = atoi(argv[2]);
	if (!query) {
		bufsize = strtoul(argv[3], NULL, 0);
		if (bufsize < 1)
			fail("BUFSIZE must be > 0");
	}
	reps = parse_reps(argv[query ? 3 : 4]);
	ns = calloc(reps, sizeof(*ns));
	if (!ns)
		die("calloc");
	for (i = 0; i < reps; i++) {
		uint64_t t0 = now_ns();

		if (how == WALK_QUERY)
			maps_query(pid, &t);
		else if (how == WALK_DUMP)
			maps_dump(pid, bufsize, &t);
		else
			maps_parse(pid, bufsize, &t);
		ns[i] = now_ns() - t0;
		if (!i)
			first = t;
		else if (t.count != first.count || t.sum != first.sum)
			fail("the maps changed between repetitions");
	}
	print_reps(ns, reps);
	printf("entries=%llu\ngate=%llu\nchecksum=%016llx\n",
	       (unsigned long long)t.count, (unsigned long long)t.gate,
	       (unsigned long long)t.sum);
	free(ns);
	return 0;
}

static int cmd_exec(int argc, char **argv)
{
	uint64_t *ns;
	int reps, i, status;
	pid_t child;

	if (argc < 5)
		fail("usage: mapsbench exec REPS FILE PROG [ARG...]");
	reps = parse_reps(argv[2]);
	ns = calloc(reps, sizeof(*ns));
	if (!ns)
		die("calloc");
	for (i = 0; i < reps; i++) {
		uint64_t t0 = now_ns();

		child = fork();
		if (child < 0)
			die("fork");
		if (!child) {
			int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC,
				      0644);

			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
			close(fd);
			execvp(argv[4], argv + 4);
			_exit(127);
		}
		if (waitpid(child, &status, 0) != child)
			die("waitpid");
		ns[i] = now_ns() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "mapsbench: %s: exit status %#x\n",
				argv[4], status);
			exit(1);
		}
	}
	print_reps(ns, reps);
	free(ns);
	return 0;
}

#if defined(__x86_64__) || defined(__i386__)
static int cmd_tsc(void)
{
	struct timespec a, b, pause = { 0, 200000000 };
	uint64_t ta, tb;
	double ns;

	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	ta = __builtin_ia32_rdtsc();
	nanosleep(&pause, NULL);
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	tb = __builtin_ia32_rdtsc();
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("tsc_per_us=%.6f\n", (tb - ta) * 1e3 / ns);
	return 0;
}
#else
static int cmd_tsc(void)
{
	fail("tsc: not an x86 machine");
	return 1;
}
#endif

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "parse"))
		return cmd_walk(argc, argv, WALK_PARSE);
	if (argc >= 2 && !strcmp(argv[1], "query"))
		return cmd_walk(argc, argv, WALK_QUERY);
	if (argc >= 2 && !strcmp(argv[1], "dump"))
		return cmd_walk(argc, argv, WALK_DUMP);
	if (argc >= 2 && !strcmp(argv[1], "exec"))
		return cmd_exec(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "tsc"))
		return cmd_tsc();
	fprintf(stderr,
		"usage: mapsbench parse PID BUFSIZE REPS\n"
		"       mapsbench query PID REPS\n"
		"       mapsbench dump PID BUFSIZE REPS\n"
		"       mapsbench exec REPS FILE PROG [ARG...]\n"
		"       mapsbench tsc\n");
	return 2;
}
