// SPDX-License-Identifier: GPL-2.0
/*
 * mapper: a scriptable address-space workload for the vmscope VM tests.
 *
 * Usage: mapper DIR
 *
 * Sets up one of each kind of mapping the tests assert on (files are created
 * in DIR, which must allow MAP_SHARED, e.g. a tmpfs), prints "ready", then
 * reads one command per line on stdin and answers with exactly one line on
 * stdout: "ok [key=value ...]" or "err MESSAGE".  Addresses are printed in
 * hex with a 0x prefix.  End of input makes it exit.
 *
 *   info            addresses of the set-up mappings
 *   brk             the current program break
 *   sbrk N          grow (or shrink, N < 0) the break by N bytes
 *   many N          one anonymous region of N pages whose protection
 *                   alternates page by page, so it is N VMAs
 *   unmany          unmap that region
 *   seed            the seed example: create DIR/seed.txt, write to it, map
 *                   it MAP_SHARED and write through the mapping (kept mapped)
 *   unseed          the seed example's munmap + close
 *   split / merge   mprotect the middle page of a 3-page region read-only,
 *                   or back to read-write
 *   threads N       start N more threads that sleep until exit
 *   spawn PATH      fork a child with a copy of this address space that
 *                   waits for signals: SIGUSR1 makes it execv(PATH, {PATH,
 *                   "1000"}), e.g. a sleep; it dies with its parent
 *   dumpable N      prctl(PR_SET_DUMPABLE, N)
 *   exec PATH ARG.. execv PATH (no reply when it works)
 *   exit            exit 0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_ARGS 16

static const char *dir;
static long page;

static char *off_map, *shared_map, *deleted_map, *memfd_map, *newline_map;
static char *guard_map, *split_map;
static char *many_map;
static unsigned long many_pages;
static char *seed_map;
static int seed_fd = -1;

static void die(const char *what)
{
	fprintf(stderr, "mapper: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void reply_err(const char *what)
{
	reply("err %s: %s", what, strerror(errno));
}

static int make_file(const char *name, long size, int flags)
{
	char path[4096];
	char *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(path);
	buf = malloc(size);
	if (!buf)
		die("malloc");
	for (long i = 0; i < size; i++)
		buf[i] = (char)('a' + (i / page) % 26);
	if (write(fd, buf, size) != size)
		die("write");
	free(buf);
	if (flags == O_RDONLY) {
		close(fd);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die(path);
	}
	return fd;
}

static char *map_or_die(size_t len, int prot, int flags, int fd, off_t off)
{
	char *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void setup(void)
{
	char path[4096];
	int fd;

	/* Two pages of an eight-page file, from its fourth page on. */
	fd = make_file("offset.dat", 8 * page, O_RDWR);
	off_map = map_or_die(2 * page, PROT_READ, MAP_PRIVATE, fd, 3 * page);
	close(fd);

	fd = make_file("shared.dat", 2 * page, O_RDWR);
	shared_map = map_or_die(2 * page, PROT_READ | PROT_WRITE, MAP_SHARED,
				fd, 0);
	close(fd);
	shared_map[0] = 'S';

	/* Read-only file: "r--s", VM_MAYSHARE without VM_SHARED. */
	fd = make_file("deleted.dat", page, O_RDONLY);
	deleted_map = map_or_die(page, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/deleted.dat", dir);
	if (unlink(path))
		die("unlink");

	fd = memfd_create("vmscope-memfd", MFD_CLOEXEC);
	if (fd < 0)
		die("memfd_create");
	if (ftruncate(fd, 2 * page))
		die("ftruncate");
	memfd_map = map_or_die(2 * page, PROT_READ | PROT_WRITE, MAP_SHARED,
			       fd, 0);
	close(fd);
	memfd_map[0] = 'M';

	fd = make_file("new\nline name.dat", page, O_RDWR);
	newline_map = map_or_die(page, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);

	/* rw- --- rw- --- rw-: PROT_NONE guard pages between RW regions. */
	guard_map = map_or_die(5 * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mprotect(guard_map + page, page, PROT_NONE) ||
	    mprotect(guard_map + 3 * page, page, PROT_NONE))
		die("mprotect");
	guard_map[0] = guard_map[2 * page] = guard_map[4 * page] = 1;

	split_map = map_or_die(3 * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	split_map[0] = 1;
}

static void cmd_info(void)
{
	int on_stack;

	reply("ok page=%ld offset_map=%p offset_len=0x%lx offset=0x%lx "
	      "shared=%p deleted=%p memfd=%p newline=%p guard=%p split=%p "
	      "brk=%p stack=%p", page, off_map, 2 * page, 3 * page,
	      shared_map, deleted_map, memfd_map, newline_map, guard_map,
	      split_map, sbrk(0), (void *)&on_stack);
}

static void cmd_sbrk(const char *arg)
{
	long n = arg ? strtol(arg, NULL, 0) : 0;
	void *old = sbrk(n);

	if (old == (void *)-1) {
		reply_err("sbrk");
		return;
	}
	reply("ok old=%p new=%p", old, sbrk(0));
}

static void cmd_many(const char *arg)
{
	unsigned long n = arg ? strtoul(arg, NULL, 0) : 0;

	if (many_map || !n) {
		errno = EINVAL;
		reply_err("many");
		return;
	}
	many_map = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (many_map == MAP_FAILED) {
		many_map = NULL;
		reply_err("mmap");
		return;
	}
	many_pages = n;
	for (unsigned long i = 1; i < n; i += 2) {
		if (mprotect(many_map + i * page, page, PROT_READ)) {
			reply_err("mprotect");
			return;
		}
	}
	reply("ok addr=%p len=0x%lx", many_map, n * page);
}

static void cmd_unmany(void)
{
	if (!many_map) {
		errno = EINVAL;
		reply_err("unmany");
		return;
	}
	if (munmap(many_map, many_pages * page)) {
		reply_err("munmap");
		return;
	}
	many_map = NULL;
	reply("ok");
}

/* The seed article's example program, split in two halves. */
static void cmd_seed(void)
{
	static const char initial[] = "Initial content";
	static const char hello[] = "Hello, VMA!";
	char path[4096];

	if (seed_map) {
		errno = EBUSY;
		reply_err("seed");
		return;
	}
	snprintf(path, sizeof(path), "%s/seed.txt", dir);
	seed_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (seed_fd < 0) {
		reply_err("open");
		return;
	}
	if (write(seed_fd, initial, strlen(initial)) != (ssize_t)strlen(initial)) {
		reply_err("write");
		return;
	}
	seed_map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
			seed_fd, 0);
	if (seed_map == MAP_FAILED) {
		seed_map = NULL;
		reply_err("mmap");
		return;
	}
	strcpy(seed_map, hello);
	reply("ok addr=%p len=0x%lx", seed_map, page);
}

static void cmd_unseed(void)
{
	if (!seed_map) {
		errno = EINVAL;
		reply_err("unseed");
		return;
	}
	if (munmap(seed_map, page)) {
		reply_err("munmap");
		return;
	}
	close(seed_fd);
	seed_map = NULL;
	seed_fd = -1;
	reply("ok");
}

static void cmd_split(int prot)
{
	if (mprotect(split_map + page, page, prot)) {
		reply_err("mprotect");
		return;
	}
	reply("ok addr=%p len=0x%lx", split_map, 3 * page);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void cmd_threads(const char *arg)
{
	int n = arg ? atoi(arg) : 0;
	pthread_t t;
	int err;

	for (int i = 0; i < n; i++) {
		err = pthread_create(&t, NULL, idle_thread, NULL);
		if (err) {
			errno = err;
			reply_err("pthread_create");
			return;
		}
	}
	reply("ok");
}

static void cmd_dumpable(const char *arg)
{
	if (prctl(PR_SET_DUMPABLE, arg ? atoi(arg) : 1, 0, 0, 0))
		reply_err("prctl");
	else
		reply("ok");
}

static const char *spawn_path;

static void spawn_exec(int sig)
{
	char *const argv[] = { (char *)spawn_path, "1000", NULL };

	(void)sig;
	execv(spawn_path, argv);
	_exit(127);
}

/* A copy of this address space (fork copies every VMA) in a new process. */
static void cmd_spawn(const char *path)
{
	pid_t parent = getpid(), pid;
	int fd;

	if (!path) {
		errno = EINVAL;
		reply_err("spawn");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		reply_err("fork");
		return;
	}
	if (!pid) {
		spawn_path = path;
		signal(SIGUSR1, spawn_exec);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		for (;;)
			pause();
	}
	reply("ok pid=%d", (int)pid);
}

static void cmd_exec(char **argv)
{
	if (!argv[0]) {
		errno = EINVAL;
		reply_err("exec");
		return;
	}
	fflush(stdout);
	execv(argv[0], argv);
	reply_err("execv");
}

int main(int argc, char **argv)
{
	char line[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: mapper DIR\n");
		return 2;
	}
	dir = argv[1];
	page = sysconf(_SC_PAGESIZE);
	setup();
	reply("ready pid=%d", (int)getpid());

	while (fgets(line, sizeof(line), stdin)) {
		char *args[MAX_ARGS + 1] = { NULL };
		char *save = NULL;
		int n = 0;

		for (char *tok = strtok_r(line, " \t\n", &save);
		     tok && n < MAX_ARGS; tok = strtok_r(NULL, " \t\n", &save))
			args[n++] = tok;
		if (!n)
			continue;

		if (!strcmp(args[0], "info"))
			cmd_info();
		else if (!strcmp(args[0], "brk"))
			cmd_sbrk(NULL);
		else if (!strcmp(args[0], "sbrk"))
			cmd_sbrk(args[1]);
		else if (!strcmp(args[0], "many"))
			cmd_many(args[1]);
		else if (!strcmp(args[0], "unmany"))
			cmd_unmany();
		else if (!strcmp(args[0], "seed"))
			cmd_seed();
		else if (!strcmp(args[0], "unseed"))
			cmd_unseed();
		else if (!strcmp(args[0], "split"))
			cmd_split(PROT_READ);
		else if (!strcmp(args[0], "merge"))
			cmd_split(PROT_READ | PROT_WRITE);
		else if (!strcmp(args[0], "threads"))
			cmd_threads(args[1]);
		else if (!strcmp(args[0], "dumpable"))
			cmd_dumpable(args[1]);
		else if (!strcmp(args[0], "spawn"))
			cmd_spawn(args[1]);
		else if (!strcmp(args[0], "exec"))
			cmd_exec(args + 1);
		else if (!strcmp(args[0], "exit"))
			return 0;
		else
			reply("err unknown command %s", args[0]);
	}
	return 0;
}
