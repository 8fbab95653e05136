// SPDX-License-Identifier: GPL-2.0
/*
 * mapsnap: run a program under ptrace and record its /proc/PID/maps at every
 * system call, so that a test can tell what a process's address space was
 * while that process inspected itself (vmscope maps self).
 *
 * Usage: mapsnap OUTFILE PROGRAM [ARG...]
 *
 * OUTFILE gets "@@ pid N", then "@@ exec" after each successful execve, then
 * one record per system call stop, "@@ snap NR WHEN KIND": WHEN is "entry" or
 * "exit", KIND is "send" for sendto/sendmsg, "recv" for recvfrom/recvmsg,
 * else "other".
 * The marker line is followed by the maps text, or ends in " same" when the
 * maps text equals the previous record's.  Entry stops are recorded for
 * every system call, exit stops too, so every change of the address space
 * made by a system call shows between two consecutive records.
 *
 * The exit status is the program's, or 128 + the signal that killed it.
 * Signals other than the tracing ones are passed on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static char *prev, *cur;
static size_t prev_len, cur_len, cur_cap;

static void die(const char *what)
{
	fprintf(stderr, "mapsnap: %s: %s\n", what, strerror(errno));
	exit(125);
}

static int read_maps(pid_t pid)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	cur_len = 0;
	for (;;) {
		if (cur_cap - cur_len < 65536) {
			cur_cap = cur_cap ? 2 * cur_cap : 1 << 20;
			cur = realloc(cur, cur_cap);
			if (!cur)
				die("realloc");
		}
		n = read(fd, cur + cur_len, cur_cap - cur_len);
		if (n < 0) {
			close(fd);
			return -1;
		}
		if (!n)
			break;
		cur_len += n;
	}
	close(fd);
	return 0;
}

static const char *kind_of(unsigned long long nr)
{
	if (nr == SYS_sendto || nr == SYS_sendmsg)
		return "send";
	if (nr == SYS_recvfrom || nr == SYS_recvmsg)
		return "recv";
	return "other";
}

static void record(FILE *out, pid_t pid, unsigned long long nr, int entry)
{
	const char *when = entry ? "entry" : "exit";
	const char *kind = kind_of(nr);

	if (read_maps(pid))
		return;
	if (prev && cur_len == prev_len && !memcmp(cur, prev, cur_len)) {
		fprintf(out, "@@ snap %llu %s %s same\n", nr, when, kind);
		return;
	}
	fprintf(out, "@@ snap %llu %s %s\n", nr, when, kind);
	fwrite(cur, 1, cur_len, out);
	free(prev);
	prev = malloc(cur_len ? cur_len : 1);
	if (!prev)
		die("malloc");
	memcpy(prev, cur, cur_len);
	prev_len = cur_len;
}

int main(int argc, char **argv)
{
	struct __ptrace_syscall_info info;
	unsigned long long nr = ~0ULL;
	int status, sig = 0;
	FILE *out;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: mapsnap OUTFILE PROGRAM [ARG...]\n");
		return 125;
	}
	out = fopen(argv[1], "w");
	if (!out)
		die(argv[1]);

	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		fclose(out);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			die("PTRACE_TRACEME");
		raise(SIGSTOP);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "mapsnap: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		die("waitpid");
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL))
		die("PTRACE_SETOPTIONS");
	fprintf(out, "@@ pid %d\n", (int)pid);

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig))
			die("PTRACE_SYSCALL");
		sig = 0;
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		if (WIFEXITED(status)) {
			fclose(out);
			return WEXITSTATUS(status);
		}
		if (WIFSIGNALED(status)) {
			fclose(out);
			return 128 + WTERMSIG(status);
		}
		if (!WIFSTOPPED(status))
			continue;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			memset(&info, 0, sizeof(info));
			if (ptrace(PTRACE_GET_SYSCALL_INFO, pid,
				   (void *)sizeof(info), &info) <= 0)
				die("PTRACE_GET_SYSCALL_INFO");
			if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
				nr = info.entry.nr;
				record(out, pid, nr, 1);
			} else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
				record(out, pid, nr, 0);
			}
		} else if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
			fprintf(out, "@@ exec\n");
			free(prev);
			prev = NULL;
			prev_len = 0;
		} else if (WSTOPSIG(status) != SIGTRAP) {
			sig = WSTOPSIG(status);
		}
	}
}
