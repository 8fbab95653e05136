// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope: show a process's VMAs through the vmscope kernel module's
 * generic netlink family.
 *
 * Exit codes
 * ----------
 *   0  success
 *   1  other error: netlink failure, malformed reply from kernel, I/O
 *   2  usage error
 *   3  kernel module not loaded (no "vmscope" generic netlink family)
 *   4  no such process (ESRCH)
 *   5  permission denied (EPERM, EACCES)
 *   6  kernel module and CLI speak different family versions
 *   7  no VMA matches (ENOENT from "maps --addr")
 *   8  the target is a kernel thread, it has no address space (EOPNOTSUPP)
 *   9  too many sockets are watching (EBUSY from "watch")
 *  10  the loaded module lacks what the command needs (its hooks for
 *      "watch", its counters for "top")
 *
 * Every error is one line on stderr, "vmscope: ...", with the kernel's
 * extended-ack message when there is one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/vmscope.h>

#include "cli.h"
#include "format.h"

static const struct vs_cmd vs_cmds[] = {
	{
		"maps", vs_cmd_maps,
		"PID|self [--addr ADDR [--next]] [--range START-END] [--require FLAGS] [--forbid FLAGS] [--counters] [--json]",
		"List the VMAs of a process, like pmap -x.\n"
		"  --addr ADDR      only the VMA covering ADDR (hex)\n"
		"  --next           with --addr: or else the first VMA above ADDR\n"
		"  --range S-E      only VMAs intersecting [S, E) (hex; E optional)\n"
		"  --require FLAGS  only VMAs with all these flags (comma-separated)\n"
		"  --forbid FLAGS   only VMAs with none of these flags\n"
		"  --counters       add the columns Flt (faults), MajFlt, CoW (cow_faults)\n"
		"                   and CoWCopy (cow_copies); - where the module has none\n"
		"  --json           print a JSON array, one object per VMA (with the\n"
		"                   fault and copy-on-write counters the module sends)\n"
	},
	{
		"stats", vs_cmd_stats,
		"PID|self [--json] | --prometheus PID|self...",
		"Show a process's memory layout, sizes, fault and copy-on-write counts.\n"
		"  --json           print one JSON object\n"
		"  --prometheus     print the counters of every PID in the Prometheus\n"
		"                   text format (node_exporter's textfile collector):\n"
		"                   vmscope_<counter>_total{pid=\"..\",comm=\"..\"}; a PID\n"
		"                   that fails is reported on stderr and left out\n"
	},
	{
		"status", vs_cmd_status,
		"[--json]",
		"Show whether the kernel module is loaded, what it provides, which hooks\n"
		"are attached, which counters are exact, derived or unavailable, and its\n"
		"tables, memory and event stream.\n"
		"  --json           print one JSON object\n"
	},
	{
		"watch", vs_cmd_watch,
		"PID|self... | --all [--json] [--count N] [--duration SECONDS] [--vma-interval MS] [--rcvbuf BYTES]",
		"Stream the fault and copy-on-write events of up to 16 processes (or,\n"
		"with CAP_SYS_ADMIN or CAP_PERFMON, of all), one line each: time (s,\n"
		"CLOCK_MONOTONIC), pid, tid, comm, kind (fault, cow-copy, cow-reuse,\n"
		"zero, unshare), ACC (access r/w/x, then u/k: user or kernel mode),\n"
		"address, instruction pointer (- if taken in kernel mode) and the VMA hit\n"
		"as the kernel saw it.  Ends with a summary on Ctrl-C, SIGTERM, --count\n"
		"or --duration, or when every watched process has exited (seen in the\n"
		"VMA dumps: not with --vma-interval 0).\n"
		"  --all            watch every process\n"
		"  --json           one JSON object per line: \"type\" is event, lost, vma,\n"
		"                   exit, or summary (the last line)\n"
		"  --count N        stop after N events\n"
		"  --duration S     stop after S seconds\n"
		"  --vma-interval MS  dump the VMAs every MS ms (default 100, 0: never)\n"
		"  --rcvbuf BYTES   the socket's receive buffer (default 8 MiB)\n"
		"Losses are never silent: a sequence gap, ENOBUFS from recv(), or a rise of\n"
		"the kernel's dropped-events counts (CPU buffer full, socket full) prints a\n"
		"'lost' line at once, and the summary totals them.\n"
		"VMA lifecycle (map, unmap, grow, shrink, split, merge, change) is found by\n"
		"comparing VMA dumps of each watched process, taken every MS ms and when\n"
		"an event hits a VMA the last dump lacks.  It is sampled: changes that come\n"
		"and go between two dumps are missed, several show as one; none with --all.\n"
	},
	{
		"top", vs_cmd_top,
		"PID|self [--interval SECONDS] [--iterations N] [--limit N] [--json]",
		"Show the VMAs of a process with the most faults in each interval, from\n"
		"periodic VMA dumps with counters: the change in the interval and totals.\n"
		"  --interval S     seconds between samples (default 1)\n"
		"  --iterations N   stop after N samples (default: until Ctrl-C)\n"
		"  --limit N        at most N VMAs per table (default 20; 0: all)\n"
		"  --json           one JSON object per sample and line, every VMA\n"
	},
};

static const char vs_exit_help[] =
	"Exit codes:\n"
	"  0  success\n"
	"  1  other error (netlink failure, malformed reply from kernel, I/O)\n"
	"  2  usage error\n"
	"  3  kernel module not loaded\n"
	"  4  no such process\n"
	"  5  permission denied (another user's process needs CAP_SYS_PTRACE)\n"
	"  6  kernel module / CLI version mismatch\n"
	"  7  no VMA matches (maps --addr)\n"
	"  8  the target is a kernel thread (no address space)\n"
	"  9  too many sockets are watching (watch)\n"
	" 10  the module lacks what the command needs (hooks, counters)\n";

static const struct vs_cmd *vs_find_cmd(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vs_cmds); i++)
		if (!strcmp(name, vs_cmds[i].name))
			return &vs_cmds[i];
	return NULL;
}

static void vs_print_flags(FILE *f)
{
	unsigned int i;

	fprintf(f, "\nVMA flags (name or smaps mnemonic, or bitN):\n");
	for (i = 0; i < vs_flag_count(); i++)
		fprintf(f, "  %-13s %s%s", vs_flag_name(i),
			vs_flag_mnemonic(i), i % 4 == 3 ? "\n" : "");
	if (i % 4)
		fputc('\n', f);
}

void vs_print_usage(FILE *f, const char *name)
{
	const struct vs_cmd *c = vs_find_cmd(name);

	if (!c)
		return;
	fprintf(f, "Usage: vmscope %s %s\n\n%s", c->name, c->usage, c->help);
	if (c->fn == vs_cmd_maps)
		vs_print_flags(f);
}

int vs_usage_err(const char *cmd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (cmd)
		vs_err("%s: %s; try 'vmscope help %s'", cmd, buf, cmd);
	else
		vs_err("%s; try 'vmscope --help'", buf);
	return VS_EXIT_USAGE;
}

static void vs_help(FILE *f)
{
	unsigned int i;

	fprintf(f, "Usage: vmscope COMMAND [ARGS]\n"
		"       vmscope help [COMMAND] | --help | --version\n\n"
		"Show a process's virtual memory areas through the vmscope kernel module.\n\n"
		"Commands:\n");
	for (i = 0; i < ARRAY_SIZE(vs_cmds); i++)
		fprintf(f, "  %s %s\n", vs_cmds[i].name, vs_cmds[i].usage);
	fprintf(f, "\nPID is a decimal process id or 'self' (vmscope itself).\n\n%s",
		vs_exit_help);
}

static int vs_cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return vs_usage_err("help", "unexpected argument '%s'",
				    argv[2]);
	if (argc == 2) {
		if (!vs_find_cmd(argv[1]))
			return vs_usage_err(NULL, "unknown command '%s'",
					    argv[1]);
		vs_print_usage(stdout, argv[1]);
		return VS_EXIT_OK;
	}
	vs_help(stdout);
	return VS_EXIT_OK;
}

static int vs_finish(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		vs_err("cannot write output: %m");
		return VS_EXIT_ERROR;
	}
	return ret;
}

int main(int argc, char **argv)
{
	const struct vs_cmd *c;

	if (argc < 2)
		return vs_usage_err(NULL, "missing command");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return vs_finish(vs_cmd_help(1, argv + 1));
	if (!strcmp(argv[1], "help"))
		return vs_finish(vs_cmd_help(argc - 1, argv + 1));
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("vmscope %s (generic netlink family \"%s\" version %d)\n",
		       VMSCOPE_CLI_VERSION, VMSCOPE_FAMILY_NAME,
		       VMSCOPE_FAMILY_VERSION);
		return vs_finish(VS_EXIT_OK);
	}
	if (argv[1][0] == '-')
		return vs_usage_err(NULL, "unknown option '%s'", argv[1]);

	c = vs_find_cmd(argv[1]);
	if (!c)
		return vs_usage_err(NULL, "unknown command '%s'", argv[1]);
	return vs_finish(c->fn(argc - 1, argv + 1));
}
