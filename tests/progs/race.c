// SPDX-License-Identifier: GPL-2.0
/*
 * race: an address space that keeps changing while vmscope dumps it.
 *
 * Usage: race DIR [UNITS]
 *
 * Modelled on tools/testing/selftests/proc/proc-maps-race.c.  One arena is
 * cut into UNITS units (default 32).  Each unit is
 *
 *   page 0       anonymous r--p                       stable
 *   pages 1-16   anonymous rw-p "zone"                mutated
 *   page 17      one page of DIR/race.dat, r--s       stable
 *   pages 18-25  anonymous r-xp / ---p, alternating   stable
 *
 * Neighbouring stable VMAs have different protections or backing, so none of
 * them ever merges with another or with a zone.  The mutator only touches
 * zone pages 2-13, so a zone's outer pages stay rw-p and never merge with
 * the stable VMAs around it either.
 *
 * On start it prints "arena START END", one "zone START END" per unit and
 * "ready".  Then on stdin: "go" starts the mutator thread, "stop" stops it
 * and answers "stopped ops=N" (N mutations done), end of input exits.
 *
 * The mutator cycles through every unit doing, in turn, what the kselftest
 * does: split and merge (mprotect a middle page read-only and back), shrink
 * and expand (mremap), remap (mmap MAP_FIXED PROT_NONE over part, then back)
 * and move a page (mremap MREMAP_FIXED, then refill the hole).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define UNIT_PAGES	26
#define ZONE_FIRST	1
#define ZONE_PAGES	16
#define FILE_PAGE	17
#define FILLER_FIRST	18

static long page;
static int units;
static char *arena;
static atomic_bool stop;
static unsigned long ops;

static void die(const char *what)
{
	fprintf(stderr, "race: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *zone(int u)
{
	return arena + ((long)u * UNIT_PAGES + ZONE_FIRST) * page;
}

static void fixed(char *addr, long pages, int prot, int flags, int fd, off_t off)
{
	if (mmap(addr, pages * page, prot, flags | MAP_FIXED, fd, off) == MAP_FAILED)
		die("mmap");
}

static void anon(char *addr, long pages, int prot)
{
	fixed(addr, pages, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void touch(char *z)
{
	for (int i = 0; i < ZONE_PAGES; i++)
		z[(long)i * page] = 1;
}

static void mutate(char *z, int step)
{
	switch (step) {
	case 0:	/* split, then merge */
		if (mprotect(z + 4 * page, page, PROT_READ) ||
		    mprotect(z + 4 * page, page, PROT_READ | PROT_WRITE))
			die("mprotect");
		break;
	case 1:	/* shrink, then expand in place */
		if (mremap(z + 8 * page, 4 * page, page, 0) == MAP_FAILED ||
		    mremap(z + 8 * page, page, 4 * page, 0) == MAP_FAILED)
			die("mremap");
		break;
	case 2:	/* remap part PROT_NONE, then back */
		anon(z + 12 * page, 2, PROT_NONE);
		anon(z + 12 * page, 2, PROT_READ | PROT_WRITE);
		break;
	case 3:	/* move a page over another, then refill the hole */
		if (mremap(z + 2 * page, page, page, MREMAP_MAYMOVE | MREMAP_FIXED,
			   z + 6 * page) == MAP_FAILED)
			die("mremap fixed");
		anon(z + 2 * page, 1, PROT_READ | PROT_WRITE);
		break;
	}
	z[3 * page] = 1;
}

static void *mutator(void *arg)
{
	(void)arg;
	for (int step = 0; !atomic_load(&stop); step = (step + 1) % 4) {
		for (int u = 0; u < units && !atomic_load(&stop); u++) {
			mutate(zone(u), step);
			ops++;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	char path[4096], line[256];
	pthread_t thread;
	bool running = false;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: race DIR [UNITS]\n");
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	units = argc > 2 ? atoi(argv[2]) : 32;
	if (units < 1 || units > 1000) {
		fprintf(stderr, "race: bad UNITS\n");
		return 2;
	}

	snprintf(path, sizeof(path), "%s/race.dat", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(path);
	if (ftruncate(fd, (off_t)units * page))
		die("ftruncate");

	arena = mmap(NULL, (long)units * UNIT_PAGES * page, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		die("mmap arena");
	for (int u = 0; u < units; u++) {
		char *base = arena + (long)u * UNIT_PAGES * page;

		anon(base, 1, PROT_READ);
		anon(base + ZONE_FIRST * page, ZONE_PAGES, PROT_READ | PROT_WRITE);
		fixed(base + FILE_PAGE * page, 1, PROT_READ, MAP_SHARED, fd,
		      (off_t)u * page);
		for (int i = FILLER_FIRST; i < UNIT_PAGES; i++)
			anon(base + (long)i * page, 1,
			     (i - FILLER_FIRST) % 2 ? PROT_NONE : PROT_READ | PROT_EXEC);
		touch(zone(u));
	}
	close(fd);

	printf("arena %p %p\n", arena, arena + (long)units * UNIT_PAGES * page);
	for (int u = 0; u < units; u++)
		printf("zone %p %p\n", zone(u), zone(u) + ZONE_PAGES * page);
	printf("ready\n");
	fflush(stdout);

	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "go\n") && !running) {
			atomic_store(&stop, false);
			if (pthread_create(&thread, NULL, mutator, NULL))
				die("pthread_create");
			running = true;
		} else if (!strcmp(line, "stop\n") && running) {
			atomic_store(&stop, true);
			pthread_join(thread, NULL);
			running = false;
			printf("stopped ops=%lu\n", ops);
			fflush(stdout);
		}
	}
	if (running) {
		atomic_store(&stop, true);
		pthread_join(thread, NULL);
	}
	return 0;
}
