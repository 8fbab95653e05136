// SPDX-License-Identifier: GPL-2.0
/*
 * faultbench: the fault-path microbenchmarks of `make bench`.
 *
 *   faultbench touch MIB REPS    first touch: map MIB MiB of private
 *                                anonymous memory (MADV_NOHUGEPAGE), write
 *                                one byte per page, unmap; REPS times
 *   faultbench fork MIB REPS     fork + child writes: the parent touches
 *                                MIB MiB, forks, and the child writes one
 *                                byte per page (one copy-on-write fault
 *                                each), REPS times
 *   faultbench storm PAGES MS    a fault storm: write PAGES pages, then
 *                                MADV_DONTNEED them, over and over for MS
 *                                milliseconds
 *
 * The process pins itself to one CPU.  Each rep is timed with
 * CLOCK_MONOTONIC (wall) and CLOCK_THREAD_CPUTIME_ID (the faulting
 * thread's CPU time, kernel fault path included); for fork, in the child.
 * Prints key=value lines: pages, best_ns, best_cpu_ns, rep_ns, rep_cpu_ns
 * (storm: touches, ns).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPS 64

static long page;

static uint64_t now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "faultbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *map(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	/* EINVAL: a kernel without THP, which has no huge pages anyway */
	if (madvise(p, len, MADV_NOHUGEPAGE) && errno != EINVAL)
		die("madvise");
	return p;
}

static void touch(char *p, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		((volatile char *)p)[i * page] = 1;
}

/* One timed pass over P: {wall ns, cpu ns}. */
static void timed_touch(char *p, size_t pages, uint64_t out[2])
{
	uint64_t w = now(CLOCK_MONOTONIC), c = now(CLOCK_THREAD_CPUTIME_ID);

	touch(p, pages);
	out[1] = now(CLOCK_THREAD_CPUTIME_ID) - c;
	out[0] = now(CLOCK_MONOTONIC) - w;
}

static void fork_rep(size_t len, uint64_t out[2])
{
	char *p = map(len);
	int fd[2];
	pid_t pid;
	int st;

	touch(p, len / page);
	if (pipe(fd))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		uint64_t r[2];

		timed_touch(p, len / page, r);
		if (write(fd[1], r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	if (read(fd[0], out, 2 * sizeof(uint64_t)) != 2 * sizeof(uint64_t))
		die("read");
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		die("child");
	close(fd[0]);
	close(fd[1]);
	munmap(p, len);
}

static void print_reps(const char *key, uint64_t *v, int reps)
{
	printf("%s=", key);
	for (int i = 0; i < reps; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)v[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	uint64_t wall[MAX_REPS], cpu[MAX_REPS], bw = UINT64_MAX,
		 bc = UINT64_MAX, r[2];
	cpu_set_t set;
	size_t len;
	int reps, cur;

	if (argc != 4) {
		fprintf(stderr, "usage: faultbench touch|fork MIB REPS | "
			"storm PAGES MS\n");
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	cur = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cur < 0 ? 0 : cur, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");

	if (!strcmp(argv[1], "storm")) {
		size_t pages = strtoul(argv[2], NULL, 0);
		uint64_t ms = strtoull(argv[3], NULL, 0), t0, t, n = 0;
		char *p = map(pages * page);

		t0 = now(CLOCK_MONOTONIC);
		do {
			touch(p, pages);
			if (madvise(p, pages * page, MADV_DONTNEED))
				die("madvise");
			n += pages;
			t = now(CLOCK_MONOTONIC);
		} while (t - t0 < ms * 1000000);
		printf("touches=%llu\nns=%llu\n", (unsigned long long)n,
		       (unsigned long long)(t - t0));
		return 0;
	}

	len = strtoul(argv[2], NULL, 0) << 20;
	reps = atoi(argv[3]);
	if (reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "faultbench: REPS out of range\n");
		return 2;
	}
	for (int i = 0; i < reps; i++) {
		if (!strcmp(argv[1], "touch")) {
			char *p = map(len);

			timed_touch(p, len / page, r);
			munmap(p, len);
		} else if (!strcmp(argv[1], "fork")) {
			fork_rep(len, r);
		} else {
			fprintf(stderr, "faultbench: unknown mode %s\n",
				argv[1]);
			return 2;
		}
		wall[i] = r[0];
		cpu[i] = r[1];
		if (r[0] < bw)
			bw = r[0];
		if (r[1] < bc)
			bc = r[1];
	}
	printf("pages=%zu\nbest_ns=%llu\nbest_cpu_ns=%llu\n", len / page,
	       (unsigned long long)bw, (unsigned long long)bc);
	print_reps("rep_ns", wall, reps);
	print_reps("rep_cpu_ns", cpu, reps);
	return 0;
}
