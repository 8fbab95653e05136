// SPDX-License-Identifier: GPL-2.0
/*
 * target: a process with a given number of VMAs, for tests/bench.sh.
 *
 * Usage: target TOTAL
 *
 * Counts its own VMAs (the lines of /proc/self/maps, less the [vsyscall]
 * gate, which is not in mm->map_count), then maps one anonymous region of
 * just enough pages and makes every other page writable, so that no two
 * neighbours merge and the process has TOTAL VMAs.  The region is
 * MAP_NORESERVE, which no other mapping of this process has, so it cannot
 * merge with what lies around it either.  No page is touched.
 *
 * Prints "PID VMAS REGION_START REGION_END" (VMAS as recounted afterwards,
 * addresses in hex) and then serves commands, one a line, on stdin:
 *   p	one mprotect() of the region's first page to the protection it
 *	already has: it takes this mm's mmap_lock for write and changes
 *	nothing; answers "ok"
 * It exits on end of file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "target: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The VMAs of this process, as mm->map_count counts them. */
static long count_vmas(void)
{
	char line[4096];
	long n = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		die("/proc/self/maps");
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n'))
			continue;	/* the head of an overlong line */
		if (!strstr(line, " [vsyscall]\n"))
			n++;
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	long total, base, pages, i;
	char cmd[64];
	char *region;

	total = argc == 2 ? atol(argv[1]) : 0;
	if (total < 2) {
		fprintf(stderr, "usage: target TOTAL\n");
		return 2;
	}
	/* stdio's own buffers first, so that they are in the count. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("%s", "");
	base = count_vmas();
	pages = total - base;
	if (pages < 1) {
		fprintf(stderr, "target: already %ld VMAs\n", base);
		return 1;
	}

	region = mmap(NULL, pages * page, PROT_READ,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		die("mmap");
	for (i = 1; i < pages; i += 2)
		if (mprotect(region + i * page, page, PROT_READ | PROT_WRITE))
			die("mprotect");

	printf("%d %ld %lx %lx\n", (int)getpid(), count_vmas(),
	       (unsigned long)region, (unsigned long)(region + pages * page));

	while (fgets(cmd, sizeof(cmd), stdin)) {
		if (cmd[0] != 'p')
			continue;
		if (mprotect(region, page, PROT_READ))
			die("mprotect");
		printf("ok\n");
	}
	return 0;
}
