// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope status [--json]: is the module loaded, its family and what
 * VMSCOPE_CMD_INFO_GET says about it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/vmscope.h>

#include "cli.h"
#include "format.h"
#include "nl.h"

/* The numbers of INFO_GET after the features, in output order. */
static const struct {
	const char *key;	/* JSON key, a contract */
	int attr;
	const char *label;	/* table */
} vs_info_nums[] = {
	{ "memory",		VMSCOPE_INFO_A_MEMORY,		 "memory (bytes)" },
	{ "proc_slots",		VMSCOPE_INFO_A_PROC_SLOTS,	 "process slots" },
	{ "proc_used",		VMSCOPE_INFO_A_PROC_USED,	 "process slots used" },
	{ "proc_overflow",	VMSCOPE_INFO_A_PROC_OVERFLOW,	 "process overflow" },
	{ "vma_slots",		VMSCOPE_INFO_A_VMA_SLOTS,	 "VMA slots" },
	{ "vma_used",		VMSCOPE_INFO_A_VMA_USED,	 "VMA slots used" },
	{ "vma_overflow",	VMSCOPE_INFO_A_VMA_OVERFLOW,	 "VMA overflow" },
	{ "ring_size",		VMSCOPE_INFO_A_RING_SIZE,	 "ring size (per CPU)" },
	{ "events",		VMSCOPE_INFO_A_EVENTS,		 "events queued" },
	{ "events_dropped",	VMSCOPE_INFO_A_EVENTS_DROPPED,	 "events dropped" },
	{ "listeners",		VMSCOPE_INFO_A_LISTENERS,	 "listeners" },
	{ "kretprobe_missed",	VMSCOPE_INFO_A_KRETPROBE_MISSED, "kretprobe missed" },
};

#define VS_HAS(i, a)	((i)->has & (1ULL << (a)))

static int vs_info_cb(struct vs_nl *nl, struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[VMSCOPE_INFO_A_MAX + 1];
	struct vs_info *i = arg;
	int ret, a;

	ret = vs_nl_parse(nl, nlh, &vs_nl_info_reply, tb);
	if (ret)
		return ret;
	memset(i, 0, sizeof(*i));
	nla_strlcpy(i->version, tb[VMSCOPE_INFO_A_VERSION], sizeof(i->version));
	for (a = VMSCOPE_INFO_A_FEATURES; a <= VMSCOPE_INFO_A_MAX; a++) {
		if (!tb[a] || a == VMSCOPE_INFO_A_PAD)
			continue;
		/* The policy fixed every length: 4 bytes is a u32. */
		i->val[a] = nla_len(tb[a]) == 4 ? vs_nla_u32(tb[a]) :
			    vs_nla_u64(tb[a]);
		i->has |= 1ULL << a;
	}
	i->found = 1;
	return 0;
}

/* INFO_GET; returns 0 or a vs_nl_transact() error. */
int vs_info_fetch(struct vs_nl *nl, struct vs_info *i)
{
	struct nl_msg *req;
	int ret;

	i->found = 0;
	req = vs_nl_req(nl, VMSCOPE_CMD_INFO_GET, 0);
	if (!req)
		return -ENOMEM;
	ret = vs_nl_transact(nl, req, vs_info_cb, NULL, i);
	nlmsg_free(req);
	if (!ret && !i->found) {
		snprintf(nl->why, sizeof(nl->why), "INFO_GET: no reply");
		ret = VS_NL_EMALFORMED;
	}
	return ret;
}

/* Names of the set bits, space-separated, or " none". */
static void vs_print_bits(uint64_t bits, const char *(*name)(unsigned int))
{
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		const char *n = name(bit);

		if (!(bits & (1ULL << bit)))
			continue;
		if (n)
			printf(" %s", n);
		else
			printf(" bit%u", bit);
	}
	printf("%s\n", bits ? "" : " none");
}

/*
 * The counters in neither COUNTERS_EXACT nor COUNTERS_DERIVED are
 * unavailable; only the ones this CLI knows can be named so.
 */
static uint64_t vs_ctr_unavailable(const struct vs_info *i)
{
	uint64_t known = (1ULL << __VMSCOPE_CTR_CNT) - 1;

	return known & ~(i->val[VMSCOPE_INFO_A_COUNTERS_EXACT] |
			 i->val[VMSCOPE_INFO_A_COUNTERS_DERIVED]);
}

static int vs_has_ctr_info(const struct vs_info *i)
{
	return VS_HAS(i, VMSCOPE_INFO_A_COUNTERS_EXACT) ||
	       VS_HAS(i, VMSCOPE_INFO_A_COUNTERS_DERIVED);
}

static void vs_status_json(const struct vs_nl *nl, const struct vs_info *i)
{
	unsigned int k;

	printf("{\"loaded\":true,\"family\":\"%s\",\"family_id\":%d,\"family_version\":%u",
	       VMSCOPE_FAMILY_NAME, nl->family, nl->version);
	if (i) {
		printf(",\"version\":");
		vs_json_string(stdout, i->version, strlen(i->version));
		printf(",\"features\":");
		vs_json_bits(stdout, i->val[VMSCOPE_INFO_A_FEATURES],
			     vs_feature_name);
		printf(",\"allow_same_user\":%s",
		       i->val[VMSCOPE_INFO_A_ALLOW_SAME_USER] ? "true" : "false");
		if (VS_HAS(i, VMSCOPE_INFO_A_HOOKS)) {
			printf(",\"hooks\":");
			vs_json_bits(stdout, i->val[VMSCOPE_INFO_A_HOOKS],
				     vs_hook_name);
		}
		if (vs_has_ctr_info(i)) {
			printf(",\"counters\":{\"exact\":");
			vs_json_bits(stdout,
				     i->val[VMSCOPE_INFO_A_COUNTERS_EXACT],
				     vs_counter_name);
			printf(",\"derived\":");
			vs_json_bits(stdout,
				     i->val[VMSCOPE_INFO_A_COUNTERS_DERIVED],
				     vs_counter_name);
			printf(",\"unavailable\":");
			vs_json_bits(stdout, vs_ctr_unavailable(i),
				     vs_counter_name);
			printf("}");
		}
		for (k = 0; k < ARRAY_SIZE(vs_info_nums); k++)
			if (VS_HAS(i, vs_info_nums[k].attr))
				printf(",\"%s\":%" PRIu64, vs_info_nums[k].key,
				       i->val[vs_info_nums[k].attr]);
	}
	printf("}\n");
}

static void vs_status_print(const struct vs_nl *nl, const struct vs_info *i,
			    int json)
{
	unsigned int k;

	if (json) {
		vs_status_json(nl, i);
		return;
	}

	printf("module:          loaded\n");
	printf("family:          %s\n", VMSCOPE_FAMILY_NAME);
	printf("family id:       %d\n", nl->family);
	printf("family version:  %u (this CLI: %d)\n", nl->version,
	       VMSCOPE_FAMILY_VERSION);
	if (!i)
		return;
	printf("module version:  %s\n", i->version);
	printf("features:       ");
	vs_print_bits(i->val[VMSCOPE_INFO_A_FEATURES], vs_feature_name);
	printf("allow_same_user: %s\n",
	       i->val[VMSCOPE_INFO_A_ALLOW_SAME_USER] ? "yes" : "no");
	if (VS_HAS(i, VMSCOPE_INFO_A_HOOKS)) {
		printf("hooks:          ");
		vs_print_bits(i->val[VMSCOPE_INFO_A_HOOKS], vs_hook_name);
		/* Not all are failures: some hooks stand in for others. */
		printf("not attached:   ");
		vs_print_bits(~i->val[VMSCOPE_INFO_A_HOOKS] &
			      ((1ULL << __VMSCOPE_HOOK_CNT) - 1), vs_hook_name);
	}
	if (vs_has_ctr_info(i)) {
		printf("counters exact: ");
		vs_print_bits(i->val[VMSCOPE_INFO_A_COUNTERS_EXACT],
			      vs_counter_name);
		printf("counters derived:");
		vs_print_bits(i->val[VMSCOPE_INFO_A_COUNTERS_DERIVED],
			      vs_counter_name);
		printf("counters unavailable:");
		vs_print_bits(vs_ctr_unavailable(i), vs_counter_name);
	}
	for (k = 0; k < ARRAY_SIZE(vs_info_nums); k++) {
		char label[32];

		if (!VS_HAS(i, vs_info_nums[k].attr))
			continue;
		snprintf(label, sizeof(label), "%s:", vs_info_nums[k].label);
		printf("%-16s %" PRIu64, label, i->val[vs_info_nums[k].attr]);
		if (vs_info_nums[k].attr == VMSCOPE_INFO_A_MEMORY) {
			char size[32];

			vs_format_size(i->val[VMSCOPE_INFO_A_MEMORY], size,
				       sizeof(size));
			printf(" (%s)", size);
		}
		putchar('\n');
	}
}

int vs_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct vs_info info = { 0 };
	struct vs_nl nl;
	int json = 0, ret, c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			vs_print_usage(stdout, "status");
			return VS_EXIT_OK;
		default:
			return vs_usage_err("status", "unknown option '%s'",
					    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vs_usage_err("status", "unexpected argument '%s'",
				    argv[optind]);

	ret = vs_nl_alloc(&nl) ? -ENOMEM : vs_nl_connect(&nl);
	if (ret) {
		ret = vs_nl_report(&nl, ret, 0);
		goto out;
	}
	ret = vs_nl_resolve(&nl, VMSCOPE_FAMILY_NAME, &nl.family, &nl.version);
	if (ret == -ENOENT) {
		if (json)
			printf("{\"loaded\":false}\n");
		else
			printf("module:          not loaded\n"
			       "load it with:    modprobe vmscope (installed) or insmod module/vmscope.ko (from the source tree)\n");
		vs_err("kernel module not loaded; load it with 'modprobe vmscope' or 'insmod module/vmscope.ko'");
		ret = VS_EXIT_NOMODULE;
		goto out;
	}
	if (ret) {
		ret = vs_nl_report(&nl, ret, 0);
		goto out;
	}
	if (nl.version != VMSCOPE_FAMILY_VERSION) {
		vs_status_print(&nl, NULL, json);
		vs_err("version mismatch: the kernel module speaks vmscope family version %u, this CLI speaks version %d",
		       nl.version, VMSCOPE_FAMILY_VERSION);
		ret = VS_EXIT_VERSION;
		goto out;
	}

	ret = vs_info_fetch(&nl, &info);
	if (ret < 0 && ret > -4096) {
		char k[400];

		vs_nl_kernel_msg(&nl, k, sizeof(k));
		vs_err("INFO_GET failed: %s%s", strerror(-ret), k);
		ret = VS_EXIT_ERROR;
		goto out;
	}
	ret = vs_nl_report(&nl, ret, 0);
	if (!ret)
		vs_status_print(&nl, &info, json);
out:
	vs_nl_free(&nl);
	return ret;
}
