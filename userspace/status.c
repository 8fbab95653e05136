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

struct vs_info {
	int found;
	char version[64];
	uint64_t features;
	uint32_t allow_same_user;
};

static int vs_info_cb(struct vs_nl *nl, struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[VMSCOPE_INFO_A_MAX + 1];
	struct vs_info *i = arg;
	int ret;

	ret = vs_nl_parse(nl, nlh, &vs_nl_info_reply, tb);
	if (ret)
		return ret;
	nla_strlcpy(i->version, tb[VMSCOPE_INFO_A_VERSION], sizeof(i->version));
	i->features = nla_get_u64(tb[VMSCOPE_INFO_A_FEATURES]);
	i->allow_same_user = nla_get_u32(tb[VMSCOPE_INFO_A_ALLOW_SAME_USER]);
	i->found = 1;
	return 0;
}

static int vs_info_fetch(struct vs_nl *nl, struct vs_info *i)
{
	struct nl_msg *req;
	int ret;

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

static void vs_status_print(const struct vs_nl *nl, const struct vs_info *i,
			    int json)
{
	unsigned int bit;

	if (json) {
		printf("{\"loaded\":true,\"family\":\"%s\",\"family_id\":%d,\"family_version\":%u",
		       VMSCOPE_FAMILY_NAME, nl->family, nl->version);
		if (i) {
			printf(",\"version\":");
			vs_json_string(stdout, i->version, strlen(i->version));
			printf(",\"features\":");
			vs_json_bits(stdout, i->features, vs_feature_name);
			printf(",\"allow_same_user\":%s",
			       i->allow_same_user ? "true" : "false");
		}
		printf("}\n");
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
	for (bit = 0; bit < 64; bit++) {
		const char *name = vs_feature_name(bit);

		if (!(i->features & (1ULL << bit)))
			continue;
		if (name)
			printf(" %s", name);
		else
			printf(" bit%u", bit);
	}
	printf("%s\n", i->features ? "" : " none");
	printf("allow_same_user: %s\n", i->allow_same_user ? "yes" : "no");
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
