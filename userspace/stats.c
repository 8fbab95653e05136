// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope stats PID|self [--json]: the VMSCOPE_CMD_PROC_GET summary.
 * vmscope stats --prometheus PID|self...: its counters in Prometheus' text
 * exposition format, for node_exporter's textfile collector.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/vmscope.h>

#include "cli.h"
#include "format.h"
#include "nl.h"

enum vs_unit {
	U_NONE, U_ADDR, U_PAGES, U_BYTES, U_FAULTS, U_VMAS, U_PAGES_N, U_EVENTS
};

/*
 * In output order; the keys are the JSON contract of "stats --json".
 * The counters are printed when the module sends them (nl.c's policy
 * makes only family version 1's first attributes mandatory); absent means
 * unavailable, not 0.
 */
static const struct {
	const char *key;
	int attr;
	int is_u32;
	enum vs_unit unit;
} vs_proc_fields[] = {
	{ "pid",		VMSCOPE_PROC_A_PID,		1, U_NONE },
	{ "comm",		VMSCOPE_PROC_A_COMM,		0, U_NONE },
	{ "threads",		VMSCOPE_PROC_A_THREADS,		1, U_NONE },
	{ "min_flt",		VMSCOPE_PROC_A_MIN_FLT,		0, U_FAULTS },
	{ "maj_flt",		VMSCOPE_PROC_A_MAJ_FLT,		0, U_FAULTS },
	{ "start_code",		VMSCOPE_PROC_A_START_CODE,	0, U_ADDR },
	{ "end_code",		VMSCOPE_PROC_A_END_CODE,	0, U_ADDR },
	{ "start_data",		VMSCOPE_PROC_A_START_DATA,	0, U_ADDR },
	{ "end_data",		VMSCOPE_PROC_A_END_DATA,	0, U_ADDR },
	{ "start_brk",		VMSCOPE_PROC_A_START_BRK,	0, U_ADDR },
	{ "brk",		VMSCOPE_PROC_A_BRK,		0, U_ADDR },
	{ "start_stack",	VMSCOPE_PROC_A_START_STACK,	0, U_ADDR },
	{ "arg_start",		VMSCOPE_PROC_A_ARG_START,	0, U_ADDR },
	{ "arg_end",		VMSCOPE_PROC_A_ARG_END,		0, U_ADDR },
	{ "env_start",		VMSCOPE_PROC_A_ENV_START,	0, U_ADDR },
	{ "env_end",		VMSCOPE_PROC_A_ENV_END,		0, U_ADDR },
	{ "map_count",		VMSCOPE_PROC_A_MAP_COUNT,	1, U_VMAS },
	{ "total_vm",		VMSCOPE_PROC_A_TOTAL_VM,	0, U_PAGES },
	{ "rss_file",		VMSCOPE_PROC_A_RSS_FILE,	0, U_PAGES },
	{ "rss_anon",		VMSCOPE_PROC_A_RSS_ANON,	0, U_PAGES },
	{ "rss_shmem",		VMSCOPE_PROC_A_RSS_SHMEM,	0, U_PAGES },
	{ "swap",		VMSCOPE_PROC_A_SWAP,		0, U_PAGES },
	{ "page_size",		VMSCOPE_PROC_A_PAGE_SIZE,	0, U_BYTES },
	{ "faults",		VMSCOPE_PROC_A_FAULTS,		0, U_FAULTS },
	{ "faults_read",	VMSCOPE_PROC_A_FAULTS_READ,	0, U_FAULTS },
	{ "faults_write",	VMSCOPE_PROC_A_FAULTS_WRITE,	0, U_FAULTS },
	{ "faults_exec",	VMSCOPE_PROC_A_FAULTS_EXEC,	0, U_FAULTS },
	{ "faults_prot",	VMSCOPE_PROC_A_FAULTS_PROT,	0, U_FAULTS },
	{ "faults_kernel",	VMSCOPE_PROC_A_FAULTS_KERNEL,	0, U_FAULTS },
	{ "cow_faults",		VMSCOPE_PROC_A_COW_FAULTS,	0, U_FAULTS },
	{ "cow_copies",		VMSCOPE_PROC_A_COW_COPIES,	0, U_PAGES_N },
	{ "cow_reuses",		VMSCOPE_PROC_A_COW_REUSES,	0, U_FAULTS },
	{ "cow_zero",		VMSCOPE_PROC_A_COW_ZERO,	0, U_PAGES_N },
	{ "cow_unshare",	VMSCOPE_PROC_A_COW_UNSHARE,	0, U_FAULTS },
	{ "vma_overflow",	VMSCOPE_PROC_A_VMA_OVERFLOW,	0, U_EVENTS },
};

struct vs_proc_reply {
	struct vs_proc *p;
	int found;
};

static int vs_proc_cb(struct vs_nl *nl, struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[VMSCOPE_PROC_A_MAX + 1];
	struct vs_proc_reply *r = arg;
	unsigned int i;
	int ret;

	ret = vs_nl_parse(nl, nlh, &vs_nl_proc_reply, tb);
	if (ret)
		return ret;
	memset(r->p, 0, sizeof(*r->p));
	nla_strlcpy(r->p->comm, tb[VMSCOPE_PROC_A_COMM], sizeof(r->p->comm));
	for (i = 0; i < ARRAY_SIZE(vs_proc_fields); i++) {
		int a = vs_proc_fields[i].attr;

		if (a == VMSCOPE_PROC_A_COMM || !tb[a])
			continue;
		r->p->val[a] = vs_proc_fields[i].is_u32 ?
			nla_get_u32(tb[a]) : nla_get_u64(tb[a]);
		r->p->has |= 1ULL << a;
	}
	r->p->has |= 1ULL << VMSCOPE_PROC_A_COMM;
	r->found = 1;
	return 0;
}

/* PROC_GET for pid; returns 0 or a vs_nl_transact() error. */
int vs_proc_fetch(struct vs_nl *nl, int pid, struct vs_proc *p)
{
	struct vs_proc_reply r = { .p = p };
	struct nl_msg *req;
	int ret;

	req = vs_nl_req(nl, VMSCOPE_CMD_PROC_GET, 0);
	if (!req || nla_put_u32(req, VMSCOPE_PROC_A_PID, pid) < 0) {
		nlmsg_free(req);
		return -ENOMEM;
	}
	ret = vs_nl_transact(nl, req, vs_proc_cb, NULL, &r);
	nlmsg_free(req);
	if (!ret && !r.found) {
		snprintf(nl->why, sizeof(nl->why), "PROC_GET: no reply");
		ret = VS_NL_EMALFORMED;
	}
	return ret;
}

static void vs_stats_json(const struct vs_proc *p)
{
	const char *sep = "{";
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vs_proc_fields); i++) {
		int a = vs_proc_fields[i].attr;

		if (!(p->has & (1ULL << a)))
			continue;
		printf("%s\"%s\":", sep, vs_proc_fields[i].key);
		if (a == VMSCOPE_PROC_A_COMM)
			vs_json_string(stdout, p->comm, strlen(p->comm));
		else
			printf("%" PRIu64, p->val[a]);
		sep = ",";
	}
	printf("}\n");
}

static void vs_stats_human(const struct vs_proc *p)
{
	uint64_t page = p->val[VMSCOPE_PROC_A_PAGE_SIZE];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vs_proc_fields); i++) {
		int a = vs_proc_fields[i].attr;
		uint64_t v = p->val[a];
		char size[32];

		if (!(p->has & (1ULL << a)))
			continue;
		printf("%-13s ", vs_proc_fields[i].key);
		switch (vs_proc_fields[i].unit) {
		case U_ADDR:
			printf("0x%016" PRIx64 "\n", v);
			break;
		case U_PAGES:
			vs_format_size(v * page, size, sizeof(size));
			printf("%" PRIu64 " pages, %" PRIu64 " kB (%s)\n", v,
			       v * page / 1024, size);
			break;
		case U_BYTES:
			printf("%" PRIu64 " bytes\n", v);
			break;
		case U_FAULTS:
			printf("%" PRIu64 " faults\n", v);
			break;
		case U_VMAS:
			printf("%" PRIu64 " VMAs\n", v);
			break;
		case U_PAGES_N:
			printf("%" PRIu64 " pages\n", v);
			break;
		case U_EVENTS:
			printf("%" PRIu64 " events\n", v);
			break;
		case U_NONE:
			if (a == VMSCOPE_PROC_A_COMM)
				printf("%s\n", p->comm);
			else
				printf("%" PRIu64 "\n", v);
			break;
		}
	}
}

/* --prometheus: every pid, the ones that fail reported and skipped. */
static int vs_stats_prom(struct vs_nl *nl, const int *pids, int n)
{
	struct vs_proc *p = calloc(n, sizeof(*p));
	int i, got = 0, ret, first = VS_EXIT_OK;

	if (!p) {
		vs_err("out of memory");
		return VS_EXIT_ERROR;
	}
	for (i = 0; i < n; i++) {
		ret = vs_nl_report(nl, vs_proc_fetch(nl, pids[i], &p[got]),
				   pids[i]);
		if (ret == VS_EXIT_OK)
			got++;
		else if (first == VS_EXIT_OK)
			first = ret;
	}
	vs_stats_prometheus(stdout, p, got);
	free(p);
	return first;
}

int vs_cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct vs_proc p;
	struct vs_nl nl;
	int json = 0, prom = 0, pid, ret, c, i, npids;
	int *pids;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'p':
			prom = 1;
			break;
		case 'h':
			vs_print_usage(stdout, "stats");
			return VS_EXIT_OK;
		default:
			return vs_usage_err("stats", "unknown option '%s'",
					    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return vs_usage_err("stats", "missing PID");
	if (json && prom)
		return vs_usage_err("stats", "--json and --prometheus exclude each other");
	if (!prom && optind + 1 < argc)
		return vs_usage_err("stats", "unexpected argument '%s'",
				    argv[optind + 1]);
	npids = argc - optind;
	pids = calloc(npids, sizeof(*pids));
	if (!pids) {
		vs_err("out of memory");
		return VS_EXIT_ERROR;
	}
	for (i = 0; i < npids; i++) {
		if (vs_parse_pid(argv[optind + i], getpid(), &pids[i])) {
			ret = vs_usage_err("stats",
					   "invalid PID '%s': want a number > 0 or 'self'",
					   argv[optind + i]);
			free(pids);
			return ret;
		}
	}
	pid = pids[0];

	ret = vs_nl_init(&nl);
	if (ret == VS_EXIT_OK && prom) {
		ret = vs_stats_prom(&nl, pids, npids);
		free(pids);
		vs_nl_free(&nl);
		return ret;
	}
	free(pids);
	if (ret == VS_EXIT_OK) {
		ret = vs_proc_fetch(&nl, pid, &p);
		ret = vs_nl_report(&nl, ret, pid);
	}
	if (ret == VS_EXIT_OK) {
		if (json)
			vs_stats_json(&p);
		else
			vs_stats_human(&p);
	}
	vs_nl_free(&nl);
	return ret;
}
