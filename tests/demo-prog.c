// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's workload, after the seeds: grow the heap with sbrk(), map a
 * file MAP_SHARED and write through it, map an anonymous region and guard
 * it with PROT_NONE, then print its pid.  On a line "go" from stdin it acts
 * out the seeds live, for `vmscope watch`: mmap a new region and touch it
 * page by page (demand paging), grow the heap with sbrk(), split a VMA
 * with mprotect(), write pages shared with a forked child (copy-on-write)
 * and after it exits (reuse), and munmap the region.  Then it waits until stdin closes.
 *   demo-prog DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEMO_PAGES	4

static void demo_live(long page)
{
	char *live, *heap;
	pid_t child;
	int i;

	live = mmap(NULL, DEMO_PAGES * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (live == MAP_FAILED)
		exit(1);
	usleep(300000);
	for (i = 0; i < DEMO_PAGES; i++) {	/* one fault per first touch */
		live[i * page] = 1;
		usleep(50000);
	}
	heap = sbrk(8 * page);			/* the heap VMA grows */
	if (heap == (void *)-1)
		exit(1);
	heap[0] = 1;
	usleep(300000);
	if (mprotect(live + page, page, PROT_READ))	/* splits the VMA */
		exit(1);
	usleep(300000);
	child = fork();
	if (child == 0) {		/* shares every page, copy-on-write */
		usleep(500000);
		_exit(0);
	}
	live[0] = 2;			/* shared with the child: copied */
	waitpid(child, NULL, 0);
	live[2 * page] = 2;		/* ours alone again: reused */
	usleep(300000);
	munmap(live, DEMO_PAGES * page);	/* the VMAs go away */
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	char path[4096], line[16];
	char *heap, *file, *anon;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	heap = sbrk(64 * page);
	if (heap == (void *)-1)
		return 1;
	memset(heap, 1, 64 * page);

	snprintf(path, sizeof(path), "%s/seed.dat", argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 4 * page))
		return 1;
	file = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (file == MAP_FAILED)
		return 1;
	strcpy(file, "written through a MAP_SHARED mapping\n");

	anon = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || mprotect(anon + 8 * page, page, PROT_NONE))
		return 1;
	memset(anon, 2, 8 * page);

	printf("%d\n", getpid());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		if (!strcmp(line, "go\n"))
			demo_live(page);
	return 0;
}
