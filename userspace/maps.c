// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope maps PID|self: the VMAs of a process, as a VMSCOPE_CMD_VMA_GET
 * dump (optionally filtered by the kernel) or, with --addr, one VMA from
 * a VMA_GET do request.
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

/*
 * The VMAs of the reply, formatted as they arrive (table rows or JSON
 * objects) and printed only once the reply is complete: an error or a
 * restarted dump prints nothing of them.
 */
struct vs_vmas {
	char *buf;
	size_t len;
	size_t cap;
	size_t n;		/* VMAs in buf */
	uint64_t end;		/* end of the last one */
	uint64_t kb;		/* their total size in KiB */
	int json;
	int counters;		/* table: the counter columns */
};

struct vs_maps_args {
	int pid;
	int json;
	int counters;
	int has_addr;
	int next;
	uint64_t addr;
	int has_range;
	uint64_t range_start;
	uint64_t range_end;	/* 0: to the top */
	uint64_t required;
	uint64_t forbidden;
};

static void vs_vmas_reset(void *arg)
{
	struct vs_vmas *l = arg;

	l->len = 0;
	l->n = 0;
	l->end = 0;
	l->kb = 0;
}

/* Make room for at least room more bytes in l->buf. */
static int vs_vmas_reserve(struct vs_vmas *l, size_t room)
{
	size_t cap = l->cap ? l->cap : 64 * 1024;
	char *buf;

	while (cap - l->len < room)
		cap *= 2;
	buf = realloc(l->buf, cap);
	if (!buf)
		return -ENOMEM;
	l->buf = buf;
	l->cap = cap;
	return 0;
}

/*
 * One VMA_GET reply into v; v->name points into the message.  Checks the
 * contract for one VMA (non-empty) but not the order.  Returns 0 or
 * VS_NL_EMALFORMED.
 */
int vs_vma_parse(struct vs_nl *nl, struct nlmsghdr *nlh, struct vs_vma *v)
{
	struct nlattr *tb[VMSCOPE_VMA_A_MAX + 1];
	unsigned int i;
	int ret;

	ret = vs_nl_parse(nl, nlh, &vs_nl_vma_reply, tb);
	if (ret)
		return ret;

	memset(v, 0, sizeof(*v));
	v->start = vs_nla_u64(tb[VMSCOPE_VMA_A_START]);
	v->end = vs_nla_u64(tb[VMSCOPE_VMA_A_END]);
	v->flags = vs_nla_u64(tb[VMSCOPE_VMA_A_FLAGS]);
	if (tb[VMSCOPE_VMA_A_OFFSET])
		v->offset = vs_nla_u64(tb[VMSCOPE_VMA_A_OFFSET]);
	if (tb[VMSCOPE_VMA_A_DEV_MAJOR])
		v->dev_major = vs_nla_u32(tb[VMSCOPE_VMA_A_DEV_MAJOR]);
	if (tb[VMSCOPE_VMA_A_DEV_MINOR])
		v->dev_minor = vs_nla_u32(tb[VMSCOPE_VMA_A_DEV_MINOR]);
	if (tb[VMSCOPE_VMA_A_INODE])
		v->inode = vs_nla_u64(tb[VMSCOPE_VMA_A_INODE]);
	v->page_size = vs_nla_u64(tb[VMSCOPE_VMA_A_PAGE_SIZE]);
	if (tb[VMSCOPE_VMA_A_NAME]) {
		/* NLA_STRING policy: the last byte is the NUL. */
		v->name = vs_nla_data(tb[VMSCOPE_VMA_A_NAME]);
		v->name_len = tb[VMSCOPE_VMA_A_NAME]->nla_len - NLA_HDRLEN - 1;
	}
	/* A counter the module does not send is absent, not 0. */
	for (i = 0; i < VS_CTR_N; i++) {
		const struct nlattr *a = tb[vs_ctrs[i].vma_attr];

		if (a) {
			v->ctr[i] = vs_nla_u64(a);
			v->has_ctr |= 1U << i;
		}
	}
	if (v->start >= v->end) {
		snprintf(nl->why, sizeof(nl->why),
			 "VMA_GET reply: VMA %" PRIx64 "-%" PRIx64 " is empty",
			 v->start, v->end);
		return VS_NL_EMALFORMED;
	}
	return 0;
}

static int vs_vma_cb(struct vs_nl *nl, struct nlmsghdr *nlh, void *arg)
{
	struct vs_vmas *l = arg;
	struct vs_vma v;
	size_t room;
	char *p;
	int ret;

	ret = vs_vma_parse(nl, nlh, &v);
	if (ret)
		return ret;

	/* The contract: ascending, never overlapping. */
	if (l->n && v.start < l->end) {
		snprintf(nl->why, sizeof(nl->why),
			 "VMA_GET reply: VMA %" PRIx64 "-%" PRIx64
			 " is out of order or overlapping", v.start, v.end);
		return VS_NL_EMALFORMED;
	}

	room = vs_vma_room(&v) + 4;
	if (l->cap - l->len < room && vs_vmas_reserve(l, room))
		return -ENOMEM;
	p = l->buf + l->len;
	if (l->json) {
		/* vs_maps_print() puts the "[" and the "\n]" around. */
		p = l->n ? VS_PUT_LIT(p, ",\n  ") : VS_PUT_LIT(p, "\n  ");
		p = vs_vma_json(p, &v);
	} else {
		p = vs_vma_row_ctr(p, &v, l->counters);
		l->kb += (v.end - v.start) >> 10;
	}
	l->len = p - l->buf;
	l->n++;
	l->end = v.end;
	return 0;
}

static int vs_maps_request(struct vs_nl *nl, const struct vs_maps_args *a,
			   struct vs_vmas *l)
{
	struct nl_msg *req;
	int ret = 0;

	req = vs_nl_req(nl, VMSCOPE_CMD_VMA_GET, a->has_addr ? 0 : NLM_F_DUMP);
	if (!req)
		return -ENOMEM;
	ret |= nla_put_u32(req, VMSCOPE_VMA_A_PID, a->pid);
	if (a->has_addr) {
		ret |= nla_put_u64(req, VMSCOPE_VMA_A_ADDR, a->addr);
		if (a->next)
			ret |= nla_put_u32(req, VMSCOPE_VMA_A_QUERY_FLAGS,
					   1U << VMSCOPE_QUERY_F_COVERING_OR_NEXT);
	}
	if (a->has_range) {
		ret |= nla_put_u64(req, VMSCOPE_VMA_A_RANGE_START,
				   a->range_start);
		if (a->range_end)
			ret |= nla_put_u64(req, VMSCOPE_VMA_A_RANGE_END,
					   a->range_end);
	}
	if (a->required)
		ret |= nla_put_u64(req, VMSCOPE_VMA_A_FLAGS_REQUIRED,
				   a->required);
	if (a->forbidden)
		ret |= nla_put_u64(req, VMSCOPE_VMA_A_FLAGS_FORBIDDEN,
				   a->forbidden);
	if (ret) {
		nlmsg_free(req);
		return -ENOMEM;
	}

	ret = vs_nl_transact(nl, req, vs_vma_cb, vs_vmas_reset, l);
	nlmsg_free(req);
	if (!ret && a->has_addr && l->n != 1) {
		snprintf(nl->why, sizeof(nl->why),
			 "VMA_GET do: %zu replies instead of one", l->n);
		ret = VS_NL_EMALFORMED;
	}
	return ret;
}

static void vs_maps_header(const struct vs_proc *p)
{
	const uint64_t *v = p->val;

	printf("%" PRIu64 ":   %s\n", v[VMSCOPE_PROC_A_PID], p->comm);
	printf("code   %016" PRIx64 "-%016" PRIx64 "\n",
	       v[VMSCOPE_PROC_A_START_CODE], v[VMSCOPE_PROC_A_END_CODE]);
	printf("data   %016" PRIx64 "-%016" PRIx64 "\n",
	       v[VMSCOPE_PROC_A_START_DATA], v[VMSCOPE_PROC_A_END_DATA]);
	printf("heap   %016" PRIx64 "-%016" PRIx64 "\n",
	       v[VMSCOPE_PROC_A_START_BRK], v[VMSCOPE_PROC_A_BRK]);
	printf("stack  %016" PRIx64 "\n", v[VMSCOPE_PROC_A_START_STACK]);
	printf("args   %016" PRIx64 "-%016" PRIx64 "\n",
	       v[VMSCOPE_PROC_A_ARG_START], v[VMSCOPE_PROC_A_ARG_END]);
	printf("env    %016" PRIx64 "-%016" PRIx64 "\n",
	       v[VMSCOPE_PROC_A_ENV_START], v[VMSCOPE_PROC_A_ENV_END]);
	printf("vmas   %" PRIu64 "\n\n", v[VMSCOPE_PROC_A_MAP_COUNT]);
}

static void vs_maps_print(const struct vs_vmas *l)
{
	if (l->json) {
		putchar('[');
		fwrite(l->buf, 1, l->len, stdout);
		fputs(l->n ? "\n]\n" : "]\n", stdout);
		return;
	}
	vs_vma_header_ctr(stdout, l->counters);
	fwrite(l->buf, 1, l->len, stdout);
	printf("---------------- --------\n");
	printf("total kB         %8" PRIu64 "\n", l->kb);
}

static int vs_maps_parse(int argc, char **argv, struct vs_maps_args *a)
{
	static const struct option opts[] = {
		{ "addr",	required_argument,	NULL, 'a' },
		{ "next",	no_argument,		NULL, 'n' },
		{ "range",	required_argument,	NULL, 'r' },
		{ "require",	required_argument,	NULL, 'R' },
		{ "forbid",	required_argument,	NULL, 'F' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "counters",	no_argument,		NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char bad[64];
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":a:nr:R:F:jch", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (vs_parse_u64(optarg, &a->addr))
				return vs_usage_err("maps", "invalid address '%s': want hex",
						    optarg);
			a->has_addr = 1;
			break;
		case 'n':
			a->next = 1;
			break;
		case 'r':
			if (vs_parse_range(optarg, &a->range_start,
					   &a->range_end))
				return vs_usage_err("maps",
						    "invalid range '%s': want hex START-END with START < END, or START-",
						    optarg);
			a->has_range = 1;
			break;
		case 'R':
		case 'F':
			if (vs_parse_flags(optarg, c == 'R' ? &a->required :
					   &a->forbidden, bad, sizeof(bad)))
				return vs_usage_err("maps", "unknown VMA flag '%s'",
						    bad);
			break;
		case 'j':
			a->json = 1;
			break;
		case 'c':
			a->counters = 1;
			break;
		case 'h':
			vs_print_usage(stdout, "maps");
			return -1;
		case ':':
			return vs_usage_err("maps", "option '%s' needs an argument",
					    argv[optind - 1]);
		default:
			return vs_usage_err("maps", "unknown option '%s'",
					    argv[optind - 1]);
		}
	}

	if (a->next && !a->has_addr)
		return vs_usage_err("maps", "--next needs --addr");
	if (a->has_addr && (a->has_range || a->required || a->forbidden))
		return vs_usage_err("maps",
				    "--addr cannot be combined with --range, --require or --forbid");
	if (a->required & a->forbidden)
		return vs_usage_err("maps", "a flag cannot be both required and forbidden");
	if (optind >= argc)
		return vs_usage_err("maps", "missing PID");
	if (optind + 1 < argc)
		return vs_usage_err("maps", "unexpected argument '%s'",
				    argv[optind + 1]);
	if (vs_parse_pid(argv[optind], getpid(), &a->pid))
		return vs_usage_err("maps", "invalid PID '%s': want a number > 0 or 'self'",
				    argv[optind]);
	return 0;
}

int vs_cmd_maps(int argc, char **argv)
{
	struct vs_maps_args a = { 0 };
	struct vs_vmas l = { 0 };
	struct vs_proc p;
	struct vs_nl nl;
	char k[400];
	int ret;

	ret = vs_maps_parse(argc, argv, &a);
	if (ret)
		return ret < 0 ? VS_EXIT_OK : ret;
	l.json = a.json;
	l.counters = a.counters;

	ret = vs_nl_init(&nl);
	if (ret)
		goto out;

	if (!a.json) {
		ret = vs_nl_report(&nl, vs_proc_fetch(&nl, a.pid, &p), a.pid);
		if (ret)
			goto out;
	}

	ret = vs_maps_request(&nl, &a, &l);
	if (ret == -ENOENT && a.has_addr) {
		vs_nl_kernel_msg(&nl, k, sizeof(k));
		vs_err("no VMA at %s0x%" PRIx64 " in pid %d%s",
		       a.next ? "or after " : "", a.addr, a.pid, k);
		ret = VS_EXIT_NOVMA;
		goto out;
	}
	ret = vs_nl_report(&nl, ret, a.pid);
	if (ret)
		goto out;

	if (!a.json)
		vs_maps_header(&p);
	vs_maps_print(&l);
out:
	free(l.buf);
	vs_nl_free(&nl);
	return ret;
}

/* A whole VMA dump into l, names copied; l is emptied first. */
static int vs_vma_list_cb(struct vs_nl *nl, struct nlmsghdr *nlh, void *arg)
{
	struct vs_vma_list *l = arg;
	struct vs_vma v, *nv;
	int ret;

	ret = vs_vma_parse(nl, nlh, &v);
	if (ret)
		return ret;
	if (l->n && v.start < l->v[l->n - 1].end) {
		snprintf(nl->why, sizeof(nl->why),
			 "VMA_GET reply: VMA %" PRIx64 "-%" PRIx64
			 " is out of order or overlapping", v.start, v.end);
		return VS_NL_EMALFORMED;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;

		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	if (v.name) {
		char *name = malloc(v.name_len + 1);

		if (!name)
			return -ENOMEM;
		memcpy(name, v.name, v.name_len);
		name[v.name_len] = '\0';
		v.name = name;
	}
	l->v[l->n++] = v;
	return 0;
}

static void vs_vma_list_reset(void *arg)
{
	struct vs_vma_list *l = arg;

	while (l->n)
		free((char *)l->v[--l->n].name);
}

void vs_vma_list_free(struct vs_vma_list *l)
{
	vs_vma_list_reset(l);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Dump pid's VMAs into l (emptied first); 0 or a vs_nl_transact() error. */
int vs_vma_list_fetch(struct vs_nl *nl, int pid, struct vs_vma_list *l)
{
	struct nl_msg *req;
	int ret;

	vs_vma_list_reset(l);
	req = vs_nl_req(nl, VMSCOPE_CMD_VMA_GET, NLM_F_DUMP);
	if (!req || nla_put_u32(req, VMSCOPE_VMA_A_PID, pid) < 0) {
		nlmsg_free(req);
		return -ENOMEM;
	}
	ret = vs_nl_transact(nl, req, vs_vma_list_cb, vs_vma_list_reset, l);
	nlmsg_free(req);
	return ret;
}
