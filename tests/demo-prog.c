// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's workload, after the seeds: grow the heap with sbrk(), map a
 * file MAP_SHARED and write through it, map an anonymous region and guard
 * it with PROT_NONE, then wait until stdin closes.
 *   demo-prog DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	char path[4096], buf[1];
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
	while (read(0, buf, 1) > 0)
		;
	return 0;
}
