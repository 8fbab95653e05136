// SPDX-License-Identifier: GPL-2.0
/*
 * stress: the load generators and checkers of `make check-stress`
 * (tests/stress/).  Raw netlink (nlc.h), so it is fast enough under TCG.
 *
 *   stress dumps PID N STABLE ZONES
 *	N dumps of PID (full, range-filtered, flag-filtered in turn) plus one
 *	VMA_GET do query each, while PID's address space changes (race.c).
 *	STABLE: "START END PERMS" lines (hex, from /proc/PID/maps) of VMAs
 *	that exist for the whole run; ZONES: "START END" of the areas that
 *	change.  Every dump must be ordered and non-overlapping, hold every
 *	stable VMA unchanged, never show a VMA crossing a zone edge, and
 *	honour its filter.  Prints "dumps=N layouts=L vmas=V queries=Q
 *	seconds=S rate=R/s"; exits 1 on the first violation.
 *   stress lifetimes SECONDS MIN_FORKS
 *	A fork/exec/exit storm (children with 300 VMAs that exit or exec
 *	soon) while two threads dump and query the newest pids, closing the
 *	socket mid-dump now and then, and two threads watch them.  Every
 *	reply must be a complete ordered list or a documented error with an
 *	extack message (ESRCH when the target went away).  The storm runs
 *	SECONDS and at least MIN_FORKS forks (a KASAN kernel forks slowly).
 *	It fails if no dump ever saw its target go away, or no watcher ever
 *	got an event: then it tested nothing.
 *   stress clients SECONDS
 *	Clients that survive the module going away and coming back (module
 *	cycles): dumps, PROC_GET, a watcher and a fault storm, re-resolving
 *	the family whenever a request fails.  Only counts outcomes.  SIGTERM
 *	ends it early, with its summary.
 *   stress faults SECONDS NPROC NVMAS
 *	NPROC processes, each with NVMAS separate VMAs that it faults on and
 *	copies on write (fork) until SECONDS pass.
 * Each mode ends with one summary line of key=value pairs.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "nlc.h"

static long page;
static atomic_bool stop;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "stress: FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stdout);
	_exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t xrand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ------------------------------------------------------------ requests */

struct vma {
	uint64_t start, end, flags;
};

struct reply {
	struct vma *v;
	int nv, cap;
	int err;		/* final errno (positive), 0 if complete */
	const char *ext;	/* its extack message, if any */
	char extbuf[256];
	int nmsgs;
};

static void vma_cb(uint16_t type, const unsigned char *d, unsigned int n,
		   void *arg)
{
	struct vma *v = arg;

	if (n != 8)
		return;
	if (type == VMSCOPE_VMA_A_START)
		memcpy(&v->start, d, 8);
	else if (type == VMSCOPE_VMA_A_END)
		memcpy(&v->end, d, 8);
	else if (type == VMSCOPE_VMA_A_FLAGS)
		memcpy(&v->flags, d, 8);
}

/*
 * Read the answer to request @seq into @rep.  With @cut > 0, return after
 * @cut datagrams with data in them (the caller then closes the socket).
 * Returns 0 when finished, 1 when cut, -1 on a socket error.
 */
static int collect(int fd, int family, uint32_t seq, struct reply *rep,
		   int cut)
{
	static __thread unsigned char buf[1 << 17];

	rep->nv = 0;
	rep->err = 0;
	rep->ext = NULL;
	rep->nmsgs = 0;
	for (;;) {
		struct nlmsghdr *h;
		ssize_t n;
		int len;

		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EINTR)
				continue;
			return -1;
		}
		len = n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			const char *ext;
			int err;

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR ||
			    h->nlmsg_type == NLMSG_DONE) {
				ext = nlc_extack(h, &err);
				rep->err = -err;
				if (ext) {
					snprintf(rep->extbuf, sizeof(rep->extbuf),
						 "%s", ext);
					rep->ext = rep->extbuf;
				}
				return 0;
			}
			if (h->nlmsg_type != family)
				continue;
			rep->nmsgs++;
			if (rep->nv == rep->cap) {
				rep->cap = rep->cap ? 2 * rep->cap : 1024;
				rep->v = realloc(rep->v, rep->cap * sizeof(*rep->v));
				if (!rep->v)
					die("out of memory");
			}
			memset(&rep->v[rep->nv], 0, sizeof(rep->v[0]));
			nlc_attrs((unsigned char *)NLMSG_DATA(h) + GENL_HDRLEN,
				  h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
				  vma_cb, &rep->v[rep->nv]);
			rep->nv++;
		}
		if (cut && rep->nmsgs >= cut)
			return 1;
	}
}

struct filter {
	uint64_t start, end, required, forbidden;
	bool range, req, forb;
};

static int dump(int fd, int family, uint32_t seq, uint32_t pid,
		const struct filter *f, struct reply *rep, int cut)
{
	static __thread struct nlc_msg m;

	nlc_start(&m, family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq,
		  VMSCOPE_CMD_VMA_GET, VMSCOPE_FAMILY_VERSION);
	nlc_put_u32(&m, VMSCOPE_VMA_A_PID, pid);
	if (f && f->range) {
		nlc_put_u64(&m, VMSCOPE_VMA_A_RANGE_START, f->start);
		nlc_put_u64(&m, VMSCOPE_VMA_A_RANGE_END, f->end);
	}
	if (f && f->req)
		nlc_put_u64(&m, VMSCOPE_VMA_A_FLAGS_REQUIRED, f->required);
	if (f && f->forb)
		nlc_put_u64(&m, VMSCOPE_VMA_A_FLAGS_FORBIDDEN, f->forbidden);
	if (nlc_send(fd, m.buf, m.len))
		return -1;
	return collect(fd, family, seq, rep, cut);
}

static int request(int fd, int family, uint32_t seq, uint8_t cmd,
		   uint16_t type, uint32_t pid, int extra_type, uint64_t extra,
		   struct reply *rep)
{
	static __thread struct nlc_msg m;

	nlc_start(&m, family, NLM_F_REQUEST | NLM_F_ACK, seq, cmd,
		  VMSCOPE_FAMILY_VERSION);
	if (type)
		nlc_put_u32(&m, type, pid);
	if (extra_type)
		nlc_put_u64(&m, extra_type, extra);
	if (nlc_send(fd, m.buf, m.len))
		return -1;
	return collect(fd, family, seq, rep, 0);
}

static bool ordered(const struct reply *rep, char *why, size_t n)
{
	int i;

	for (i = 0; i < rep->nv; i++) {
		const struct vma *v = &rep->v[i];

		if (v->start >= v->end) {
			snprintf(why, n, "VMA %d is empty or inverted: %" PRIx64 "-%" PRIx64,
				 i, v->start, v->end);
			return false;
		}
		if (i && rep->v[i - 1].end > v->start) {
			snprintf(why, n, "VMA %d %" PRIx64 "-%" PRIx64 " overlaps or precedes %" PRIx64 "-%" PRIx64,
				 i, v->start, v->end, rep->v[i - 1].start,
				 rep->v[i - 1].end);
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------ dumps */

struct stable {
	uint64_t start, end;
	char perms[5];
};

static const char *perms_of(uint64_t fl, char *p)
{
	p[0] = fl & (1ULL << VMSCOPE_VMA_F_READ) ? 'r' : '-';
	p[1] = fl & (1ULL << VMSCOPE_VMA_F_WRITE) ? 'w' : '-';
	p[2] = fl & (1ULL << VMSCOPE_VMA_F_EXEC) ? 'x' : '-';
	p[3] = fl & (1ULL << VMSCOPE_VMA_F_MAYSHARE) ? 's' : 'p';
	p[4] = 0;
	return p;
}

static int load_ranges(const char *path, struct stable **out, bool perms)
{
	struct stable *s = NULL;
	char line[256];
	int n = 0, cap = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			s = realloc(s, cap * sizeof(*s));
		}
		memset(&s[n], 0, sizeof(s[n]));
		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %4s", &s[n].start,
			   &s[n].end, s[n].perms) < (perms ? 3 : 2))
			die("%s: bad line %s", path, line);
		n++;
	}
	fclose(f);
	*out = s;
	return n;
}

static int mode_dumps(int argc, char **argv)
{
	struct stable *st, *zones;
	struct reply rep = { 0 };
	uint64_t lo = ~0ULL, hi = 0, rs = 88172645463325252ULL;
	uint64_t *layouts = NULL;
	int nst, nz, i, j, n, nlayouts = 0, fd, family;
	long vmas = 0, queries = 0;
	uint32_t pid;
	char why[256], p[5];
	double t0;

	if (argc != 4)
		die("usage: stress dumps PID N STABLE ZONES");
	pid = atoi(argv[0]);
	n = atoi(argv[1]);
	nst = load_ranges(argv[2], &st, true);
	nz = load_ranges(argv[3], &zones, false);
	for (i = 0; i < nz; i++) {
		lo = zones[i].start < lo ? zones[i].start : lo;
		hi = zones[i].end > hi ? zones[i].end : hi;
	}
	layouts = calloc(n, sizeof(*layouts));
	fd = nlc_socket(1 << 20);
	if (fd < 0 || (family = nlc_family(fd)) < 0)
		die("no vmscope family");
	t0 = now();
	for (i = 0; i < n; i++) {
		struct filter f = { 0 };
		int mode = i % 3, k = 0;
		uint64_t h = 1469598103934665603ULL, addr;

		if (mode == 1) {
			f.range = true;
			f.start = lo;
			f.end = hi;
		} else if (mode == 2) {
			f.forb = true;
			f.forbidden = 1ULL << VMSCOPE_VMA_F_WRITE;
		}
		if (dump(fd, family, i + 1, pid, &f, &rep, 0))
			die("dump %d: recv: %s", i, strerror(errno));
		if (rep.err)
			die("dump %d (mode %d): error %s, extack %s", i, mode,
			    strerror(rep.err), rep.ext ? rep.ext : "(none)");
		if (!ordered(&rep, why, sizeof(why)))
			die("dump %d (mode %d): %s", i, mode, why);
		vmas += rep.nv;
		for (j = 0; j < nst; j++) {
			const struct stable *s = &st[j];

			if (mode == 2 && s->perms[1] == 'w')
				continue;
			if (mode == 1 && (s->end <= lo || s->start >= hi))
				continue;
			while (k < rep.nv && rep.v[k].end <= s->start)
				k++;
			if (k == rep.nv || rep.v[k].start != s->start ||
			    rep.v[k].end != s->end ||
			    strcmp(perms_of(rep.v[k].flags, p), s->perms))
				die("dump %d (mode %d): stable VMA %" PRIx64 "-%" PRIx64 " %s %s",
				    i, mode, s->start, s->end, s->perms,
				    k == rep.nv ? "missing" : "missing or changed");
		}
		for (j = 0; j < rep.nv; j++) {
			const struct vma *v = &rep.v[j];

			if (mode == 1 && (v->end <= lo || v->start >= hi))
				die("dump %d: VMA %" PRIx64 "-%" PRIx64 " outside the range",
				    i, v->start, v->end);
			if (mode == 2 && v->flags & (1ULL << VMSCOPE_VMA_F_WRITE))
				die("dump %d: writable VMA %" PRIx64 "-%" PRIx64 " despite the filter",
				    i, v->start, v->end);
			for (k = 0; k < nz; k++) {
				const struct stable *z = &zones[k];

				if (v->start < z->end && v->end > z->start) {
					if (v->start < z->start || v->end > z->end)
						die("dump %d: VMA %" PRIx64 "-%" PRIx64 " crosses zone %" PRIx64 "-%" PRIx64,
						    i, v->start, v->end, z->start, z->end);
					h = (h ^ v->start ^ (v->end << 1) ^ v->flags) * 1099511628211ULL;
				}
			}
		}
		for (j = 0; j < nlayouts && layouts[j] != h; j++)
			;
		if (j == nlayouts)
			layouts[nlayouts++] = h;
		/* A query: the VMA covering (or next after) a random address. */
		addr = lo + (xrand(&rs) % (hi - lo));
		if (request(fd, family, 0x40000000 + i, VMSCOPE_CMD_VMA_GET,
			    VMSCOPE_VMA_A_PID, pid, VMSCOPE_VMA_A_ADDR, addr, &rep))
			die("query %d: recv: %s", i, strerror(errno));
		if (rep.err && rep.err != ENOENT)
			die("query %d at %" PRIx64 ": %s, extack %s", i, addr,
			    strerror(rep.err), rep.ext ? rep.ext : "(none)");
		if (rep.err == ENOENT && !rep.ext)
			die("query %d: ENOENT without an extack message", i);
		if (!rep.err && (rep.nv != 1 || rep.v[0].start > addr ||
				 rep.v[0].end <= addr))
			die("query %d at %" PRIx64 ": got %d VMAs, first %" PRIx64 "-%" PRIx64,
			    i, addr, rep.nv, rep.nv ? rep.v[0].start : 0,
			    rep.nv ? rep.v[0].end : 0);
		queries++;
	}
	printf("dumps=%d layouts=%d vmas=%ld queries=%ld seconds=%.1f rate=%.0f/s\n",
	       n, nlayouts, vmas, queries, now() - t0, n / (now() - t0));
	return 0;
}

/* ------------------------------------------------------------ lifetimes */

static atomic_long n_complete, n_esrch, n_esrch_mid, n_cut, n_other,
		   n_watch_ok, n_watch_err, n_events, n_queries;
/* Shared with the storm process: its fork count and newest child. */
static struct {
	atomic_long forks;
	atomic_int last_pid;
} *lt_shared;

static void make_vmas(int n)
{
	char *a = mmap(NULL, n * 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	if (a == MAP_FAILED)
		return;
	for (i = 0; i < n; i++) {
		mprotect(a + 2 * i * page, page, i % 2 ? PROT_READ : PROT_NONE);
		a[(2 * i + 1) * page] = 1;
	}
}

/* The storm: keeps ~8 short-lived children, which exit, exec or fork. */
static void storm(double until, long min_forks, const char *self)
{
	uint64_t rs = getpid() * 2654435761ULL + 1;
	int live = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (now() < until || atomic_load(&lt_shared->forks) < min_forks) {
		pid_t c;

		while (live < 8) {
			c = fork();
			/*
			 * With children left, a failed fork waits for one to
			 * exit; with none, it would fail forever, short of the
			 * fork floor.
			 */
			if (c < 0 && !live)
				die("fork, with no child left: %s", strerror(errno));
			if (c < 0)
				break;
			if (!c) {
				int what = xrand(&rs) % 4;

				rs ^= getpid();
				make_vmas(300);
				usleep(xrand(&rs) % 20000);
				if (what == 0)
					execl(self, self, "child", NULL);
				if (what == 1 && fork() == 0) {
					make_vmas(20);
					_exit(0);
				}
				usleep(xrand(&rs) % 20000);
				_exit(0);
			}
			live++;
			atomic_store(&lt_shared->last_pid, c);
			atomic_fetch_add(&lt_shared->forks, 1);
		}
		if (waitpid(-1, NULL, 0) > 0)
			live--;
	}
	while (waitpid(-1, NULL, 0) > 0)
		;
	_exit(0);
}

/*
 * One of the storm's newest pids: a live child, a grandchild, one that just
 * exited.  Not /proc/sys/kernel/ns_last_pid: that needs
 * CONFIG_CHECKPOINT_RESTORE, which the debug lane's kernel lacks.
 */
static uint32_t recent_pid(uint64_t *rs)
{
	long last = atomic_load(&lt_shared->last_pid);

	last -= xrand(rs) % 24;
	return last > 1 ? last : 1;
}

static void check_rejection(const char *what, const struct reply *rep)
{
	if (rep->err != ESRCH && rep->err != EOPNOTSUPP && rep->err != ENOENT)
		die("%s: unexpected error %s, extack %s", what,
		    strerror(rep->err), rep->ext ? rep->ext : "(none)");
	if (!rep->ext)
		die("%s: %s without an extack message", what,
		    strerror(rep->err));
}

static void *lt_dumper(void *arg)
{
	uint64_t rs = (uintptr_t)arg * 7919 + 17;
	struct reply rep = { 0 };
	uint32_t seq = 1;
	char why[256];
	int fd = nlc_socket(1 << 20), family;

	if (fd < 0 || (family = nlc_family(fd)) < 0)
		die("no vmscope family");
	while (!atomic_load(&stop)) {
		uint32_t pid = recent_pid(&rs);
		int cut = xrand(&rs) % 4 == 0 ? 1 + xrand(&rs) % 3 : 0;
		int r;

		if (xrand(&rs) % 4 == 0) {
			r = request(fd, family, ++seq, VMSCOPE_CMD_PROC_GET,
				    VMSCOPE_PROC_A_PID, pid, 0, 0, &rep);
			if (r < 0)
				die("proc_get: recv: %s", strerror(errno));
			if (rep.err)
				check_rejection("proc_get", &rep);
			atomic_fetch_add(&n_queries, 1);
			continue;
		}
		r = dump(fd, family, ++seq, pid, NULL, &rep, cut);
		if (r < 0)
			die("dump: recv: %s", strerror(errno));
		if (r == 1) {
			/* Close the socket mid-dump. */
			close(fd);
			fd = nlc_socket(1 << 20);
			if (fd < 0)
				die("socket: %s", strerror(errno));
			atomic_fetch_add(&n_cut, 1);
			continue;
		}
		if (!ordered(&rep, why, sizeof(why)))
			die("dump of %u: %s", pid, why);
		if (!rep.err) {
			atomic_fetch_add(&n_complete, 1);
			continue;
		}
		check_rejection("dump", &rep);
		if (rep.err == ESRCH && rep.nv)
			atomic_fetch_add(&n_esrch_mid, 1);
		else if (rep.err == ESRCH)
			atomic_fetch_add(&n_esrch, 1);
		else
			atomic_fetch_add(&n_other, 1);
	}
	close(fd);
	return NULL;
}

static void *lt_watcher(void *arg)
{
	static __thread unsigned char buf[1 << 16];
	uint64_t rs = (uintptr_t)arg * 104729 + 3;
	struct reply rep = { 0 };
	struct nlc_msg *m = malloc(sizeof(*m));
	uint32_t seq = 1;
	int fd = nlc_socket(1 << 20), family;

	if (fd < 0 || !m || (family = nlc_family(fd)) < 0)
		die("no vmscope family");
	while (!atomic_load(&stop)) {
		int i, n = 1 + xrand(&rs) % 8;
		double until;

		nlc_start(m, family, NLM_F_REQUEST | NLM_F_ACK, ++seq,
			  VMSCOPE_CMD_WATCH, VMSCOPE_FAMILY_VERSION);
		for (i = 0; i < n; i++)
			nlc_put_u32(m, VMSCOPE_WATCH_A_PID, recent_pid(&rs));
		if (nlc_send(fd, m->buf, m->len))
			die("watch: send: %s", strerror(errno));
		if (collect(fd, family, seq, &rep, 0) < 0)
			die("watch: recv: %s", strerror(errno));
		if (rep.err) {
			check_rejection("watch", &rep);
			atomic_fetch_add(&n_watch_err, 1);
			continue;
		}
		atomic_fetch_add(&n_watch_ok, 1);
		until = now() + 0.05 + (xrand(&rs) % 100) / 1000.0;
		while (now() < until) {
			ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			struct nlmsghdr *h;
			int len;

			if (r < 0) {
				usleep(5000);
				continue;
			}
			len = r;
			for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
			     h = NLMSG_NEXT(h, len))
				if (h->nlmsg_type == family)
					atomic_fetch_add(&n_events, 1);
		}
		switch (xrand(&rs) % 3) {
		case 0:		/* unwatch */
			if (request(fd, family, ++seq, VMSCOPE_CMD_UNWATCH, 0, 0,
				    0, 0, &rep) < 0)
				die("unwatch: recv: %s", strerror(errno));
			if (rep.err && rep.err != ENOENT)
				die("unwatch: %s", strerror(rep.err));
			break;
		case 1:		/* close without unwatching */
			close(fd);
			fd = nlc_socket(1 << 20);
			if (fd < 0)
				die("socket: %s", strerror(errno));
			break;
		default:	/* replaced by the next WATCH */
			break;
		}
	}
	close(fd);
	return NULL;
}

static int mode_lifetimes(int argc, char **argv)
{
	pthread_t th[4];
	double t0 = now(), secs;
	long min_forks;
	char self[4096];
	ssize_t n;
	pid_t s;
	int i;

	if (argc != 2)
		die("usage: stress lifetimes SECONDS MIN_FORKS");
	secs = atof(argv[0]);
	min_forks = atol(argv[1]);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		die("readlink: %s", strerror(errno));
	self[n] = 0;
	lt_shared = mmap(NULL, page, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lt_shared == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	s = fork();
	if (!s)
		storm(t0 + secs, min_forks, self);
	/* The clients start on the storm's pids, not on pid 1. */
	while (!atomic_load(&lt_shared->last_pid)) {
		if (waitpid(s, NULL, WNOHANG) == s)
			die("the storm ended before its first fork");
		usleep(1000);
	}
	for (i = 0; i < 2; i++) {
		pthread_create(&th[i], NULL, lt_dumper, (void *)(uintptr_t)(i + 1));
		pthread_create(&th[2 + i], NULL, lt_watcher, (void *)(uintptr_t)(i + 1));
	}
	waitpid(s, NULL, 0);
	atomic_store(&stop, true);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("forks=%ld dumps_complete=%ld dumps_esrch=%ld dumps_esrch_mid=%ld dumps_cut=%ld dumps_other=%ld queries=%ld watches=%ld watch_errors=%ld events=%ld seconds=%.1f\n",
	       atomic_load(&lt_shared->forks), atomic_load(&n_complete),
	       atomic_load(&n_esrch), atomic_load(&n_esrch_mid),
	       atomic_load(&n_cut), atomic_load(&n_other),
	       atomic_load(&n_queries), atomic_load(&n_watch_ok),
	       atomic_load(&n_watch_err), atomic_load(&n_events), now() - t0);
	if (!atomic_load(&n_complete) || !atomic_load(&n_watch_ok))
		die("the storm starved the clients: nothing completed");
	if (!atomic_load(&n_esrch) && !atomic_load(&n_esrch_mid))
		die("no dump ever saw its target exit");
	if (!atomic_load(&n_events))
		die("no watcher ever got an event of a storm child");
	return 0;
}

/* ------------------------------------------------------------ clients */

static atomic_long c_ok, c_err, c_nofamily;

static void *cl_main(void *arg)
{
	uint64_t rs = (uintptr_t)arg * 31337 + 1;
	struct reply rep = { 0 };
	uint32_t seq = 1;
	int fd = -1, family = -1, role = (uintptr_t)arg;

	while (!atomic_load(&stop)) {
		int r;

		if (family < 0) {
			if (fd >= 0)
				close(fd);
			fd = nlc_socket(1 << 20);
			family = fd < 0 ? -1 : nlc_family(fd);
			if (family < 0) {
				atomic_fetch_add(&c_nofamily, 1);
				usleep(20000);
				continue;
			}
		}
		switch (role) {
		case 0:		/* dumps, sometimes cut */
			r = dump(fd, family, ++seq, xrand(&rs) % 2 ? getpid() : 1,
				 NULL, &rep, xrand(&rs) % 3 == 0);
			if (r == 1) {
				close(fd);
				fd = -1;
				family = -1;
				continue;
			}
			break;
		case 1:		/* PROC_GET and queries */
			r = request(fd, family, ++seq, VMSCOPE_CMD_PROC_GET,
				    VMSCOPE_PROC_A_PID, 1, 0, 0, &rep);
			break;
		default:	/* a watcher of itself and pid 1 */
			r = request(fd, family, ++seq, VMSCOPE_CMD_WATCH,
				    VMSCOPE_WATCH_A_PID, getpid(), 0, 0, &rep);
			if (!r && !rep.err)
				usleep(50000);
			break;
		}
		if (r < 0 || rep.err) {
			atomic_fetch_add(&c_err, 1);
			family = -1;	/* re-resolve: the module may be gone */
		} else {
			atomic_fetch_add(&c_ok, 1);
		}
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void fault_storm(double until, int nvmas)
{
	char *a = mmap(NULL, nvmas * 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t rs = getpid() | 1;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (a == MAP_FAILED)
		_exit(1);
	for (i = 0; i < nvmas; i++)
		mprotect(a + 2 * i * page, page, PROT_NONE);
	while (now() < until) {
		pid_t c;

		for (i = 0; i < nvmas; i++) {
			char *p = a + (2 * i + 1) * page;

			if (xrand(&rs) % 2)
				(void)*(volatile char *)p;
			else
				*(volatile char *)p = i;
		}
		c = fork();
		if (!c) {
			for (i = 0; i < nvmas; i++)
				a[(2 * i + 1) * page] = 2;	/* COW */
			_exit(0);
		}
		if (c > 0)
			waitpid(c, NULL, 0);
		madvise(a, nvmas * 2 * page, MADV_DONTNEED);
	}
	_exit(0);
}

static void on_term(int sig)
{
	(void)sig;
	atomic_store(&stop, true);
}

static int mode_clients(int argc, char **argv)
{
	pthread_t th[3];
	double t0 = now(), until;
	pid_t f;
	int i;

	if (argc != 1)
		die("usage: stress clients SECONDS");
	until = t0 + atof(argv[0]);
	signal(SIGTERM, on_term);
	f = fork();
	if (!f)
		fault_storm(until, 64);
	for (i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, cl_main, (void *)(uintptr_t)i);
	while (!atomic_load(&stop) && now() < until)
		usleep(100000);
	atomic_store(&stop, true);
	kill(f, SIGKILL);
	waitpid(f, NULL, 0);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("client_ok=%ld client_errors=%ld no_family=%ld seconds=%.1f\n",
	       atomic_load(&c_ok), atomic_load(&c_err),
	       atomic_load(&c_nofamily), now() - t0);
	return 0;
}

static int mode_faults(int argc, char **argv)
{
	double until;
	int i, n, nv;

	if (argc != 3)
		die("usage: stress faults SECONDS NPROC NVMAS");
	until = now() + atof(argv[0]);
	n = atoi(argv[1]);
	nv = atoi(argv[2]);
	for (i = 0; i < n; i++)
		if (!fork())
			fault_storm(until, nv);
	while (wait(NULL) > 0)
		;
	printf("processes=%d vmas=%d\n", n, nv);
	return 0;
}

int main(int argc, char **argv)
{
	page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "child"))
		return 0;	/* the image an exec in the storm loads */
	if (argc >= 2 && !strcmp(argv[1], "dumps"))
		return mode_dumps(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "lifetimes"))
		return mode_lifetimes(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "clients"))
		return mode_clients(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "faults"))
		return mode_faults(argc - 2, argv + 2);
	fprintf(stderr, "usage: stress dumps|lifetimes|clients|faults ...\n");
	return 2;
}
