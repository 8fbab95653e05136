/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope CLI: exit codes, subcommands and shared helpers.
 */
#ifndef VMSCOPE_CLI_H
#define VMSCOPE_CLI_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <linux/vmscope.h>

#ifndef VMSCOPE_CLI_VERSION
#define VMSCOPE_CLI_VERSION "0.1.0"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((__format__(__printf__, a, b)))

/* Exit codes; the table in main.c and "vmscope --help" document them. */
enum vs_exit {
	VS_EXIT_OK = 0,
	VS_EXIT_ERROR = 1,
	VS_EXIT_USAGE = 2,
	VS_EXIT_NOMODULE = 3,
	VS_EXIT_NOPROC = 4,
	VS_EXIT_PERM = 5,
	VS_EXIT_VERSION = 6,
	VS_EXIT_NOVMA = 7,
	VS_EXIT_KTHREAD = 8,
	VS_EXIT_BUSY = 9,
	VS_EXIT_NOTSUP = 10,
};

struct vs_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

int vs_cmd_maps(int argc, char **argv);
int vs_cmd_stats(int argc, char **argv);
int vs_cmd_status(int argc, char **argv);
int vs_cmd_watch(int argc, char **argv);
int vs_cmd_top(int argc, char **argv);

__printf(1, 2) void vs_err(const char *fmt, ...);
__printf(2, 3) int vs_usage_err(const char *cmd, const char *fmt, ...);
void vs_print_usage(FILE *f, const char *cmd);

/* PROC_GET reply, shared by "stats" and the header of "maps". */
struct vs_proc {
	char comm[64];
	uint64_t val[VMSCOPE_PROC_A_MAX + 1];	/* by VMSCOPE_PROC_A_* */
	uint64_t has;				/* 1ULL << attr: present */
};

_Static_assert(VMSCOPE_PROC_A_MAX < 64, "vs_proc.has is a u64");

struct vs_nl;
struct vs_vma;
struct nlmsghdr;
int vs_proc_fetch(struct vs_nl *nl, int pid, struct vs_proc *p);
void vs_stats_prometheus(FILE *f, const struct vs_proc *p, size_t n);

/* INFO_GET reply, for "status" and the checks of "watch" and "top". */
struct vs_info {
	int found;
	char version[64];
	uint64_t val[VMSCOPE_INFO_A_MAX + 1];	/* by VMSCOPE_INFO_A_* */
	uint64_t has;				/* 1ULL << attr: present */
};

_Static_assert(VMSCOPE_INFO_A_MAX < 64, "vs_info.has is a u64");

int vs_info_fetch(struct vs_nl *nl, struct vs_info *i);

/* A VMA dump kept in memory, names owned ("watch", "top"). */
struct vs_vma_list {
	struct vs_vma *v;
	size_t n;
	size_t cap;
};

int vs_vma_parse(struct vs_nl *nl, struct nlmsghdr *nlh, struct vs_vma *v);
int vs_vma_list_fetch(struct vs_nl *nl, int pid, struct vs_vma_list *l);
void vs_vma_list_free(struct vs_vma_list *l);

/* CLOCK_MONOTONIC in ns: the time base of watch and top. */
static inline uint64_t vs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A plain decimal number (no sign, no blanks, no suffix). */
static inline int vs_parse_dec(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

#endif /* VMSCOPE_CLI_H */
