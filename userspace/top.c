// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope top PID|self: the VMAs of a process that fault most, from a
 * VMA_GET dump with counters every --interval seconds.  Each sample shows
 * what every counter grew by in the interval (the "delta") and its total,
 * the VMAs sorted by faults in the interval, then faults in all.
 *
 * A VMA is matched with the one of the previous dump that starts at the
 * same address: the module keeps a VMA's counters with its start address
 * (a split leaves them with the piece that keeps the start).  A VMA new
 * in this dump, or whose counter went down (unmapped and mapped again),
 * has its total as its delta.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/vmscope.h>

#include "cli.h"
#include "format.h"
#include "nl.h"

struct vs_top_row {
	const struct vs_vma *v;
	uint64_t delta[VS_CTR_N];
};

struct vs_top_args {
	int pid;
	int json;
	uint64_t interval_ns;
	uint64_t iterations;	/* 0: until stopped */
	uint64_t limit;
};

static volatile sig_atomic_t vs_top_stop;

static void vs_top_signal(int sig)
{
	(void)sig;
	vs_top_stop = 1;
}

static int vs_top_parse(int argc, char **argv, struct vs_top_args *a)
{
	static const struct option opts[] = {
		{ "interval",	required_argument,	NULL, 'i' },
		{ "iterations",	required_argument,	NULL, 'n' },
		{ "limit",	required_argument,	NULL, 'l' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	double d;
	int c;

	a->interval_ns = 1000000000ULL;
	a->limit = 20;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":i:n:l:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			errno = 0;
			d = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(d >= 0.01) ||
			    d > 86400)
				return vs_usage_err("top", "invalid interval '%s': want seconds from 0.01 to 86400",
						    optarg);
			a->interval_ns = (uint64_t)(d * 1e9);
			break;
		case 'n':
			if (vs_parse_dec(optarg, &a->iterations) ||
			    !a->iterations)
				return vs_usage_err("top", "invalid iterations '%s': want a number > 0",
						    optarg);
			break;
		case 'l':
			if (vs_parse_dec(optarg, &a->limit))
				return vs_usage_err("top", "invalid limit '%s': want a number",
						    optarg);
			break;
		case 'j':
			a->json = 1;
			break;
		case 'h':
			vs_print_usage(stdout, "top");
			return -1;
		case ':':
			return vs_usage_err("top", "option '%s' needs an argument",
					    argv[optind - 1]);
		default:
			return vs_usage_err("top", "unknown option '%s'",
					    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return vs_usage_err("top", "missing PID");
	if (optind + 1 < argc)
		return vs_usage_err("top", "unexpected argument '%s'",
				    argv[optind + 1]);
	if (vs_parse_pid(argv[optind], getpid(), &a->pid))
		return vs_usage_err("top", "invalid PID '%s': want a number > 0 or 'self'",
				    argv[optind]);
	return 0;
}

/* The VMA of l that starts at start, or NULL. */
static const struct vs_vma *vs_top_find(const struct vs_vma_list *l,
					uint64_t start)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && l->v[lo].start == start ? &l->v[lo] : NULL;
}

static int vs_top_cmp(const void *a, const void *b)
{
	const struct vs_top_row *x = a, *y = b;
	uint64_t dx = x->delta[VS_CTR_FAULTS], dy = y->delta[VS_CTR_FAULTS];
	uint64_t tx = x->v->ctr[VS_CTR_FAULTS], ty = y->v->ctr[VS_CTR_FAULTS];

	if (dx != dy)
		return dx < dy ? 1 : -1;
	if (tx != ty)
		return tx < ty ? 1 : -1;
	return x->v->start < y->v->start ? -1 : x->v->start > y->v->start;
}

/* Rows of cur with their deltas against prev, sorted; NULL if no memory. */
static struct vs_top_row *vs_top_rows(const struct vs_vma_list *prev,
				      const struct vs_vma_list *cur)
{
	struct vs_top_row *r = calloc(cur->n ? cur->n : 1, sizeof(*r));
	size_t i;
	int c;

	if (!r)
		return NULL;
	for (i = 0; i < cur->n; i++) {
		const struct vs_vma *v = &cur->v[i];
		const struct vs_vma *o = vs_top_find(prev, v->start);

		r[i].v = v;
		for (c = 0; c < VS_CTR_N; c++) {
			int both = o && (o->has_ctr & v->has_ctr & (1U << c));

			r[i].delta[c] = both && v->ctr[c] >= o->ctr[c] ?
					v->ctr[c] - o->ctr[c] : v->ctr[c];
		}
	}
	qsort(r, cur->n, sizeof(*r), vs_top_cmp);
	return r;
}

static void vs_top_json(const struct vs_top_args *a, const struct vs_proc *p,
			const struct vs_top_row *r, size_t n, uint64_t sample,
			uint64_t now)
{
	uint64_t sum[VS_CTR_N] = { 0 };
	uint32_t has = 0;
	size_t i;
	int c;

	printf("{\"type\":\"top\",\"pid\":%d,\"comm\":", a->pid);
	vs_json_string(stdout, p->comm, strlen(p->comm));
	printf(",\"sample\":%" PRIu64 ",\"time_ns\":%" PRIu64
	       ",\"interval_ns\":%" PRIu64 ",\"vmas\":[", sample, now,
	       a->interval_ns);
	for (i = 0; i < n; i++) {
		const struct vs_vma *v = r[i].v;
		char perms[VS_PERMS_LEN];

		vs_perms(v->flags, perms);
		printf("%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64
		       ",\"perms\":\"%s\",\"name\":", i ? "," : "", v->start,
		       v->end, perms);
		vs_json_string(stdout, v->name ? v->name : "", v->name_len);
		for (c = 0; c < VS_CTR_N; c++) {
			if (!(v->has_ctr & (1U << c)))
				continue;
			printf(",\"%s\":%" PRIu64 ",\"%s_delta\":%" PRIu64,
			       vs_ctrs[c].key, v->ctr[c], vs_ctrs[c].key,
			       r[i].delta[c]);
			sum[c] += r[i].delta[c];
			has |= 1U << c;
		}
		printf("}");
	}
	printf("],\"delta\":{");
	for (c = 0, i = 0; c < VS_CTR_N; c++)
		if (has & (1U << c))
			printf("%s\"%s\":%" PRIu64, i++ ? "," : "",
			       vs_ctrs[c].key, sum[c]);
	printf("}}\n");
}

static void vs_top_cell(const struct vs_vma *v, const struct vs_top_row *r,
			enum vs_ctr c)
{
	if (v->has_ctr & (1U << c))
		printf(" %8" PRIu64 " %9" PRIu64, r->delta[c], v->ctr[c]);
	else
		printf(" %8s %9s", "-", "-");
}

static void vs_top_table(const struct vs_top_args *a, const struct vs_proc *p,
			 const struct vs_top_row *r, size_t n, uint64_t sample)
{
	uint64_t sum = 0;
	size_t i;

	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
	for (i = 0; i < n; i++)
		sum += r[i].delta[VS_CTR_FAULTS];
	printf("vmscope top - pid %d (%s), sample %" PRIu64 ", every %" PRIu64
	       ".%03" PRIu64 " s: %" PRIu64 " faults, %zu VMAs\n\n", a->pid,
	       p->comm, sample, a->interval_ns / 1000000000,
	       a->interval_ns % 1000000000 / 1000000, sum, n);
	printf("%8s %9s %8s %9s %8s %9s %8s %9s %-4s %-33s %s\n", "dFlt",
	       "Flt", "dMajFlt", "MajFlt", "dCoW", "CoW", "dCoWCopy",
	       "CoWCopy", "Perm", "Address", "Mapping");
	for (i = 0; i < n && (!a->limit || i < a->limit); i++) {
		const struct vs_vma *v = r[i].v;
		char perms[VS_PERMS_LEN], range[40];

		vs_perms(v->flags, perms);
		snprintf(range, sizeof(range), "%016" PRIx64 "-%016" PRIx64,
			 v->start, v->end);
		vs_top_cell(v, &r[i], VS_CTR_FAULTS);
		vs_top_cell(v, &r[i], VS_CTR_FAULTS_MAJOR);
		vs_top_cell(v, &r[i], VS_CTR_COW_FAULTS);
		vs_top_cell(v, &r[i], VS_CTR_COW_COPIES);
		printf(" %-4s %-33s %.*s\n", perms, range,
		       v->name ? (int)v->name_len : 0, v->name ? v->name : "");
	}
	putchar('\n');
}

/* Sleep until deadline or a signal. */
static void vs_top_sleep(uint64_t deadline)
{
	uint64_t now;

	while (!vs_top_stop && (now = vs_now_ns()) < deadline) {
		struct timespec ts = {
			.tv_sec = (deadline - now) / 1000000000,
			.tv_nsec = (deadline - now) % 1000000000,
		};

		nanosleep(&ts, NULL);
	}
}

static int vs_top_has_counters(const struct vs_vma_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].has_ctr & (1U << VS_CTR_FAULTS))
			return 1;
	return !l->n;
}

static int vs_top_run(struct vs_nl *nl, const struct vs_top_args *a)
{
	struct vs_vma_list prev = { 0 }, cur = { 0 }, tmp;
	uint64_t sample, next;
	struct vs_proc p, np;
	int ret;

	ret = vs_nl_report(nl, vs_proc_fetch(nl, a->pid, &p), a->pid);
	if (ret)
		return ret;
	ret = vs_nl_report(nl, vs_vma_list_fetch(nl, a->pid, &prev), a->pid);
	if (ret)
		goto out;
	if (!vs_top_has_counters(&prev)) {
		vs_err("the loaded vmscope module sends no per-VMA fault counters");
		ret = VS_EXIT_NOTSUP;
		goto out;
	}
	next = vs_now_ns();
	for (sample = 1; !a->iterations || sample <= a->iterations; sample++) {
		struct vs_top_row *r;

		next += a->interval_ns;
		vs_top_sleep(next);
		if (vs_top_stop)
			break;
		/* The comm again: the process may have exec'ed. */
		if (vs_proc_fetch(nl, a->pid, &np) == 0)
			p = np;
		ret = vs_vma_list_fetch(nl, a->pid, &cur);
		if (ret == -ESRCH) {
			/* The process exited: the end, not an error. */
			if (a->json)
				printf("{\"type\":\"exit\",\"pid\":%d}\n",
				       a->pid);
			else
				printf("# pid %d has exited\n", a->pid);
			ret = 0;
			break;
		}
		ret = vs_nl_report(nl, ret, a->pid);
		if (ret)
			break;
		r = vs_top_rows(&prev, &cur);
		if (!r) {
			vs_err("out of memory");
			ret = VS_EXIT_ERROR;
			break;
		}
		if (a->json)
			vs_top_json(a, &p, r, cur.n, sample, vs_now_ns());
		else
			vs_top_table(a, &p, r, cur.n, sample);
		free(r);
		fflush(stdout);
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
out:
	vs_vma_list_free(&prev);
	vs_vma_list_free(&cur);
	return ret;
}

int vs_cmd_top(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = vs_top_signal };
	struct vs_top_args a = { 0 };
	struct vs_nl nl;
	int ret;

	ret = vs_top_parse(argc, argv, &a);
	if (ret)
		return ret < 0 ? VS_EXIT_OK : ret;
	vs_top_stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = vs_nl_init(&nl);
	if (!ret)
		ret = vs_top_run(&nl, &a);
	vs_nl_free(&nl);
	return ret;
}
