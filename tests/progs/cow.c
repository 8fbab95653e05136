// SPDX-License-Identifier: GPL-2.0
/*
 * cow: a scriptable fault and copy-on-write workload for the vmscope VM
 * tests, after the kernel's tools/testing/selftests/mm/cow.c.
 *
 * Usage: cow
 *
 * Pins itself to the CPU it starts on (so that the per-CPU LRU batches,
 * which hold page references, are drained by the faulting CPU itself and do
 * not turn reuses into copies), prints "ready pid=PID page=SIZE cpu=N",
 * then reads one command per line on stdin and answers with exactly one
 * line: "ok [key=value ...]" or "err MESSAGE".  Addresses are hex with 0x.
 * End of input makes it exit; its child, if any, exits with it.
 *
 * Regions are numbered from 0 in the order they are made.  Every region is
 * one VMA of its own: it is mapped between two PROT_NONE guard pages so it
 * merges with nothing, and (but for "thp") marked MADV_NOHUGEPAGE.
 *
 *   map N [KIND]      a new region of N pages; KIND is "private" (anonymous,
 *                     the default), "shared" (MAP_SHARED|MAP_ANONYMOUS),
 *                     "memfd" (MAP_SHARED of a memfd) or "thp" (private,
 *                     2 MiB aligned, MADV_HUGEPAGE; N is rounded up to a
 *                     multiple of 2 MiB).  Replies id= addr= end= pages=
 *   write R [OFF [N]] write one byte in each of N pages of region R from
 *                     page OFF (default: all of it)
 *   read R [OFF [N]]  read one byte of each such page
 *   dontneed R [OFF [N]]  MADV_DONTNEED those pages
 *   pageout R [OFF [N]]   MADV_PAGEOUT those pages (to swap, if any)
 *   protect R OFF N PROT  mprotect those pages; PROT is "r", "rw" or "none"
 *   unmap R           munmap the region (its guards stay)
 *   punch R OFF N     munmap N pages of region R from page OFF (the
 *                     region's other pages stay mapped)
 *   remap R           mremap the region to a new address (MREMAP_MAYMOVE |
 *                     MREMAP_FIXED into fresh guarded space); replies old=
 *                     addr= end=; the region is at its new address after
 *   mapat ADDR N      a new private region of N pages at ADDR, which must
 *                     be free (MAP_FIXED_NOREPLACE): replies id= addr= end=
 *   storm R ROUNDS    ROUNDS times: write every page of R, then
 *                     MADV_DONTNEED it; replies touches=
 *   fork              fork a child with a copy of this address space; it
 *                     runs this same command loop, reached with "child"
 *   child CMD...      run CMD in the child and relay its reply
 *   child exit        end the child and reap it; replies status=
 *   wait              nothing: replies ok (a round trip)
 *   exit              exit 0 (in the child: the child exits)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_REGIONS 64
#define MAX_ARGS 8
#define HPAGE (2UL << 20)

struct region {
	char *addr;
	size_t len;
	int kind;
	int mapped;
};

enum { K_PRIVATE, K_SHARED, K_MEMFD, K_THP };


/*
 * No transparent huge pages in this region.  A kernel built without THP
 * (vng's minimal config, as the 7.2 lane is) has none anyway, and its
 * madvise() rejects MADV_NOHUGEPAGE with EINVAL.
 */
static int no_thp(void *p, size_t len)
{
	if (madvise(p, len, MADV_NOHUGEPAGE) && errno != EINVAL)
		return -1;
	return 0;
}
static struct region regions[MAX_REGIONS];
static int nregions;
static long page;
static FILE *in, *out;
static pid_t child = -1;
static FILE *child_in, *child_out;

static void reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

static void reply_err(const char *what)
{
	reply("err %s: %s", what, strerror(errno));
}

/* Reserve LEN bytes plus a guard page each side, aligned to ALIGN. */
static char *reserve(size_t len, size_t align)
{
	size_t total = len + 2 * page + align;
	char *p = mmap(NULL, total, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t start;

	if (p == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)p + page + align - 1) & ~(uintptr_t)(align - 1);
	/* Trim the slack, keeping one guard page each side. */
	if (start - page > (uintptr_t)p)
		munmap(p, start - page - (uintptr_t)p);
	if ((uintptr_t)p + total > start + len + page)
		munmap((char *)(start + len + page),
		       (uintptr_t)p + total - (start + len + page));
	return (char *)start;
}

static int map_region(size_t pages, int kind)
{
	size_t len = pages * page;
	size_t align = page;
	int flags = MAP_FIXED | MAP_ANONYMOUS | MAP_PRIVATE;
	int fd = -1;
	struct region *r;
	char *p;

	if (nregions == MAX_REGIONS) {
		errno = ENOSPC;
		return -1;
	}
	if (kind == K_THP) {
		len = (len + HPAGE - 1) & ~(HPAGE - 1);
		align = HPAGE;
	}
	p = reserve(len, align);
	if (!p)
		return -1;
	if (kind == K_SHARED)
		flags = MAP_FIXED | MAP_ANONYMOUS | MAP_SHARED;
	if (kind == K_MEMFD) {
		fd = memfd_create("vmscope-cow", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, len))
			return -1;
		flags = MAP_FIXED | MAP_SHARED;
	}
	if (mmap(p, len, PROT_READ | PROT_WRITE, flags, fd, 0) == MAP_FAILED)
		return -1;
	if (fd >= 0)
		close(fd);
	if (kind == K_THP ? madvise(p, len, MADV_HUGEPAGE) : no_thp(p, len))
		return -1;
	r = &regions[nregions];
	r->addr = p;
	r->len = len;
	r->kind = kind;
	r->mapped = 1;
	return nregions++;
}

static struct region *get_region(const char *arg)
{
	char *end;
	long i = strtol(arg, &end, 0);

	if (*end || i < 0 || i >= nregions || !regions[i].mapped) {
		errno = EINVAL;
		return NULL;
	}
	return &regions[i];
}

/* Parse [OFF [N]] into a page range of R; returns 0 or -1. */
static int get_range(struct region *r, int argc, char **argv, size_t *off,
		     size_t *n)
{
	size_t pages = r->len / page;

	*off = argc > 0 ? strtoul(argv[0], NULL, 0) : 0;
	*n = argc > 1 ? strtoul(argv[1], NULL, 0) : pages - *off;
	if (*off > pages || *n > pages - *off) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

static void do_write(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((volatile char *)p)[i * page] = 1;
}

static unsigned long do_read(char *p, size_t n)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += ((volatile char *)p)[i * page];
	return sum;
}

static void run_child_loop(int rfd, int wfd);

static void cmd_fork(void)
{
	int down[2], up[2];

	if (child > 0) {
		errno = EEXIST;
		reply_err("fork");
		return;
	}
	if (pipe(down) || pipe(up)) {
		reply_err("pipe");
		return;
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		reply_err("fork");
		return;
	}
	if (child == 0) {
		close(down[1]);
		close(up[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		run_child_loop(down[0], up[1]);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	child_in = fdopen(down[1], "w");
	child_out = fdopen(up[0], "r");
	reply("ok pid=%d", (int)child);
}

static void cmd_child(char *line)
{
	char buf[512];

	int status;

	if (child <= 0) {
		errno = ESRCH;
		reply_err("child");
		return;
	}
	if (!strcmp(line, "exit")) {
		fclose(child_in);
		fclose(child_out);
		waitpid(child, &status, 0);
		child = -1;
		reply("ok status=%d", status);
		return;
	}
	fprintf(child_in, "%s\n", line);
	fflush(child_in);
	if (!fgets(buf, sizeof(buf), child_out)) {
		reply("err child: no reply");
		return;
	}
	buf[strcspn(buf, "\n")] = 0;
	reply("%s", buf);
}

static int prot_of(const char *s)
{
	if (!strcmp(s, "r"))
		return PROT_READ;
	if (!strcmp(s, "rw"))
		return PROT_READ | PROT_WRITE;
	if (!strcmp(s, "none"))
		return PROT_NONE;
	return -1;
}

/* One command; returns 0 to go on, 1 to exit. */
static int command(char *line)
{
	char copy[512], *argv[MAX_ARGS], *save, *w;
	int argc = 0;
	struct region *r;
	size_t off, n;

	snprintf(copy, sizeof(copy), "%s", line);
	for (w = strtok_r(copy, " \t", &save); w && argc < MAX_ARGS;
	     w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	if (!argc) {
		reply("err empty command");
		return 0;
	}
	if (!strcmp(argv[0], "exit"))
		return 1;
	if (!strcmp(argv[0], "wait")) {
		reply("ok");
	} else if (!strcmp(argv[0], "child")) {
		char *rest = line + strspn(line, " \t") + strlen("child");

		cmd_child(rest + strspn(rest, " \t"));
	} else if (!strcmp(argv[0], "fork")) {
		cmd_fork();
	} else if (!strcmp(argv[0], "map") && argc >= 2) {
		int kind = K_PRIVATE, id;
		const char *k = argc > 2 ? argv[2] : "private";

		if (!strcmp(k, "shared"))
			kind = K_SHARED;
		else if (!strcmp(k, "memfd"))
			kind = K_MEMFD;
		else if (!strcmp(k, "thp"))
			kind = K_THP;
		else if (strcmp(k, "private")) {
			reply("err unknown kind %s", k);
			return 0;
		}
		id = map_region(strtoul(argv[1], NULL, 0), kind);
		if (id < 0) {
			reply_err("map");
			return 0;
		}
		r = &regions[id];
		reply("ok id=%d addr=%p end=%p pages=%zu", id, r->addr,
		      r->addr + r->len, r->len / page);
	} else if (argc >= 2 && (!strcmp(argv[0], "write") ||
				 !strcmp(argv[0], "read") ||
				 !strcmp(argv[0], "dontneed") ||
				 !strcmp(argv[0], "pageout"))) {
		r = get_region(argv[1]);
		if (!r || get_range(r, argc - 2, argv + 2, &off, &n)) {
			reply_err(argv[0]);
			return 0;
		}
		if (argv[0][0] == 'w') {
			do_write(r->addr + off * page, n);
			reply("ok pages=%zu", n);
		} else if (argv[0][0] == 'r') {
			reply("ok pages=%zu sum=%lu", n,
			      do_read(r->addr + off * page, n));
		} else if (madvise(r->addr + off * page, n * page,
				   argv[0][0] == 'p' ? MADV_PAGEOUT :
				   MADV_DONTNEED)) {
			reply_err("madvise");
		} else {
			reply("ok pages=%zu", n);
		}
	} else if (!strcmp(argv[0], "protect") && argc == 5) {
		int prot = prot_of(argv[4]);

		r = get_region(argv[1]);
		if (!r || prot < 0 || get_range(r, 2, argv + 2, &off, &n) ||
		    mprotect(r->addr + off * page, n * page, prot)) {
			reply_err("protect");
			return 0;
		}
		reply("ok addr=%p end=%p", r->addr + off * page,
		      r->addr + (off + n) * page);
	} else if (!strcmp(argv[0], "punch") && argc == 4) {
		r = get_region(argv[1]);
		if (!r || get_range(r, 2, argv + 2, &off, &n) ||
		    munmap(r->addr + off * page, n * page)) {
			reply_err("punch");
			return 0;
		}
		reply("ok addr=%p end=%p", r->addr + off * page,
		      r->addr + (off + n) * page);
	} else if (!strcmp(argv[0], "unmap") && argc == 2) {
		r = get_region(argv[1]);
		if (!r || munmap(r->addr, r->len)) {
			reply_err("unmap");
			return 0;
		}
		r->mapped = 0;
		reply("ok addr=%p", r->addr);
	} else if (!strcmp(argv[0], "remap") && argc == 2) {
		char *to, *p;

		r = get_region(argv[1]);
		to = r ? reserve(r->len, page) : NULL;
		if (!to) {
			reply_err("remap");
			return 0;
		}
		p = mremap(r->addr, r->len, r->len,
			   MREMAP_MAYMOVE | MREMAP_FIXED, to);
		if (p == MAP_FAILED) {
			reply_err("mremap");
			return 0;
		}
		reply("ok old=%p addr=%p end=%p", r->addr, p, p + r->len);
		r->addr = p;
	} else if (!strcmp(argv[0], "mapat") && argc == 3) {
		char *at = (char *)strtoul(argv[1], NULL, 0), *p;
		size_t len = strtoul(argv[2], NULL, 0) * page;

		if (nregions == MAX_REGIONS) {
			errno = ENOSPC;
			reply_err("mapat");
			return 0;
		}
		p = mmap(at, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0);
		if (p == MAP_FAILED || no_thp(p, len)) {
			reply_err("mapat");
			return 0;
		}
		regions[nregions] = (struct region){ p, len, K_PRIVATE, 1 };
		reply("ok id=%d addr=%p end=%p", nregions++, p, p + len);
	} else if (!strcmp(argv[0], "storm") && argc == 3) {
		unsigned long rounds = strtoul(argv[2], NULL, 0);
		size_t pages;

		r = get_region(argv[1]);
		if (!r) {
			reply_err("storm");
			return 0;
		}
		pages = r->len / page;
		for (unsigned long i = 0; i < rounds; i++) {
			do_write(r->addr, pages);
			if (madvise(r->addr, r->len, MADV_DONTNEED)) {
				reply_err("madvise");
				return 0;
			}
		}
		reply("ok touches=%lu", rounds * pages);
	} else {
		reply("err unknown command: %s", line);
	}
	return 0;
}

static void loop(void)
{
	char line[512];

	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = 0;
		if (command(line))
			break;
	}
}

static void run_child_loop(int rfd, int wfd)
{
	in = fdopen(rfd, "r");
	out = fdopen(wfd, "w");
	child = -1;
	if (!in || !out)
		_exit(1);
	loop();
}

int main(void)
{
	cpu_set_t set;
	int cpu;

	page = sysconf(_SC_PAGESIZE);
	in = stdin;
	out = stdout;
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("cow: sched_setaffinity");
		return 1;
	}
	reply("ready pid=%d page=%ld cpu=%d", (int)getpid(), page, cpu);
	loop();
	if (child > 0) {
		fclose(child_in);
		waitpid(child, NULL, 0);
	}
	return 0;
}
