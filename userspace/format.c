// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope CLI: flag tables, /proc/PID/maps style formatting, JSON output
 * and argument parsing.  Nothing here talks to the kernel.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vmscope.h>

#include "cli.h"
#include "format.h"

/* Indexed by enum vmscope_vma_flags; mnemonics as smaps' VmFlags line. */
static const struct {
	const char *name;
	const char *mnemonic;
} vs_flags[] = {
	[VMSCOPE_VMA_F_READ]		= { "read",		"rd" },
	[VMSCOPE_VMA_F_WRITE]		= { "write",		"wr" },
	[VMSCOPE_VMA_F_EXEC]		= { "exec",		"ex" },
	[VMSCOPE_VMA_F_SHARED]		= { "shared",		"sh" },
	[VMSCOPE_VMA_F_MAYREAD]		= { "mayread",		"mr" },
	[VMSCOPE_VMA_F_MAYWRITE]	= { "maywrite",		"mw" },
	[VMSCOPE_VMA_F_MAYEXEC]		= { "mayexec",		"me" },
	[VMSCOPE_VMA_F_MAYSHARE]	= { "mayshare",		"ms" },
	[VMSCOPE_VMA_F_GROWSDOWN]	= { "growsdown",	"gd" },
	[VMSCOPE_VMA_F_PFNMAP]		= { "pfnmap",		"pf" },
	[VMSCOPE_VMA_F_LOCKED]		= { "locked",		"lo" },
	[VMSCOPE_VMA_F_IO]		= { "io",		"io" },
	[VMSCOPE_VMA_F_SEQ_READ]	= { "seqread",		"sr" },
	[VMSCOPE_VMA_F_RAND_READ]	= { "randread",		"rr" },
	[VMSCOPE_VMA_F_DONTCOPY]	= { "dontcopy",		"dc" },
	[VMSCOPE_VMA_F_DONTEXPAND]	= { "dontexpand",	"de" },
	[VMSCOPE_VMA_F_LOCKONFAULT]	= { "lockonfault",	"lf" },
	[VMSCOPE_VMA_F_ACCOUNT]		= { "account",		"ac" },
	[VMSCOPE_VMA_F_NORESERVE]	= { "noreserve",	"nr" },
	[VMSCOPE_VMA_F_HUGETLB]		= { "hugetlb",		"ht" },
	[VMSCOPE_VMA_F_SYNC]		= { "sync",		"sf" },
	[VMSCOPE_VMA_F_WIPEONFORK]	= { "wipeonfork",	"wf" },
	[VMSCOPE_VMA_F_DONTDUMP]	= { "dontdump",		"dd" },
	[VMSCOPE_VMA_F_SOFTDIRTY]	= { "softdirty",	"sd" },
	[VMSCOPE_VMA_F_MIXEDMAP]	= { "mixedmap",		"mm" },
	[VMSCOPE_VMA_F_HUGEPAGE]	= { "hugepage",		"hg" },
	[VMSCOPE_VMA_F_NOHUGEPAGE]	= { "nohugepage",	"nh" },
	[VMSCOPE_VMA_F_MERGEABLE]	= { "mergeable",	"mg" },
	[VMSCOPE_VMA_F_UFFD_MISSING]	= { "uffd_missing",	"um" },
	[VMSCOPE_VMA_F_UFFD_WP]		= { "uffd_wp",		"uw" },
	[VMSCOPE_VMA_F_UFFD_MINOR]	= { "uffd_minor",	"ui" },
	[VMSCOPE_VMA_F_SHADOW_STACK]	= { "shadow_stack",	"ss" },
	[VMSCOPE_VMA_F_SEALED]		= { "sealed",		"sl" },
	[VMSCOPE_VMA_F_DROPPABLE]	= { "droppable",	"dp" },
	[VMSCOPE_VMA_F_ARCH_1]		= { "arch_1",		"ar" },
};

_Static_assert(ARRAY_SIZE(vs_flags) <= 64, "flags are a u64");

/* Indexed by enum vmscope_features. */
static const char *const vs_features[] = {
	[VMSCOPE_FEAT_VMA_DUMP]		= "vma_dump",
	[VMSCOPE_FEAT_VMA_QUERY]	= "vma_query",
	[VMSCOPE_FEAT_PROC]		= "proc",
};

/* "vmscope: ..." on stderr, always exactly one line. */
void vs_err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	fflush(stdout);
	fprintf(stderr, "vmscope: %s\n", buf);
}

unsigned int vs_flag_count(void)
{
	return ARRAY_SIZE(vs_flags);
}

const char *vs_flag_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(vs_flags) ? vs_flags[bit].name : NULL;
}

const char *vs_flag_mnemonic(unsigned int bit)
{
	return bit < ARRAY_SIZE(vs_flags) ? vs_flags[bit].mnemonic : NULL;
}

unsigned int vs_feature_count(void)
{
	return ARRAY_SIZE(vs_features);
}

const char *vs_feature_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(vs_features) ? vs_features[bit] : NULL;
}

void vs_flag_label(unsigned int bit, char *buf, size_t len)
{
	const char *name = vs_flag_name(bit);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "bit%u", bit);
}

/* The perms column of /proc/PID/maps (fs/proc/task_mmu.c:show_map_vma). */
void vs_perms(uint64_t flags, char out[VS_PERMS_LEN])
{
	out[0] = flags & (1ULL << VMSCOPE_VMA_F_READ) ? 'r' : '-';
	out[1] = flags & (1ULL << VMSCOPE_VMA_F_WRITE) ? 'w' : '-';
	out[2] = flags & (1ULL << VMSCOPE_VMA_F_EXEC) ? 'x' : '-';
	out[3] = flags & (1ULL << VMSCOPE_VMA_F_MAYSHARE) ? 's' : 'p';
	out[4] = '\0';
}

void vs_dev(uint32_t major, uint32_t minor, char out[VS_DEV_LEN])
{
	snprintf(out, VS_DEV_LEN, "%02x:%02x", major, minor);
}

/* A flag name, its smaps mnemonic or "bitN"; returns the bit or -1. */
int vs_flag_lookup(const char *name)
{
	unsigned int i;
	char *end;
	unsigned long bit;

	for (i = 0; i < ARRAY_SIZE(vs_flags); i++)
		if (!strcmp(name, vs_flags[i].name) ||
		    !strcmp(name, vs_flags[i].mnemonic))
			return i;

	if (strncmp(name, "bit", 3) || name[3] < '0' || name[3] > '9')
		return -1;
	errno = 0;
	bit = strtoul(name + 3, &end, 10);
	if (errno || *end || bit > 63)
		return -1;
	return bit;
}

/*
 * "read,write,ms" -> the mask of those bits.  On an unknown or empty name,
 * returns -EINVAL and copies the offending name to bad.
 */
int vs_parse_flags(const char *list, uint64_t *mask, char *bad, size_t badlen)
{
	const char *p = list;
	char name[32];
	uint64_t m = 0;

	for (;;) {
		size_t n = strcspn(p, ",");
		int bit = -1;

		if (n > 0 && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			bit = vs_flag_lookup(name);
		}
		if (bit < 0) {
			snprintf(bad, badlen, "%.*s", (int)n, p);
			return -EINVAL;
		}
		m |= 1ULL << bit;
		if (!p[n])
			break;
		p += n + 1;
	}
	*mask = m;
	return 0;
}

/*
 * A JSON string of len bytes: '"', '\' and control characters escaped,
 * every other byte (UTF-8 or not) passed through unchanged.
 */
void vs_json_string(FILE *f, const char *s, size_t len)
{
	size_t i;

	putc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

/* A JSON array of the names of the set bits, in bit order. */
void vs_json_bits(FILE *f, uint64_t bits, const char *(*name)(unsigned int))
{
	unsigned int bit;
	const char *sep = "";

	putc('[', f);
	for (bit = 0; bit < 64; bit++) {
		const char *n;

		if (!(bits & (1ULL << bit)))
			continue;
		n = name(bit);
		if (n)
			fprintf(f, "%s\"%s\"", sep, n);
		else
			fprintf(f, "%s\"bit%u\"", sep, bit);
		sep = ",";
	}
	putc(']', f);
}

/* One element of "vmscope maps --json"; the keys are a contract. */
void vs_vma_json(FILE *f, const struct vs_vma *v)
{
	char perms[VS_PERMS_LEN], dev[VS_DEV_LEN];

	vs_perms(v->flags, perms);
	vs_dev(v->dev_major, v->dev_minor, dev);
	fprintf(f, "{\"start\":%" PRIu64 ",\"end\":%" PRIu64
		",\"size\":%" PRIu64 ",\"offset\":%" PRIu64
		",\"perms\":\"%s\",\"dev\":\"%s\",\"inode\":%" PRIu64
		",\"name\":",
		v->start, v->end, v->end - v->start, v->offset,
		perms, dev, v->inode);
	vs_json_string(f, v->name ? v->name : "", v->name ? v->name_len : 0);
	fputs(",\"flags\":", f);
	vs_json_bits(f, v->flags, vs_flag_name);
	fprintf(f, ",\"page_size\":%" PRIu64 "}", v->page_size);
}

void vs_vma_header(FILE *f)
{
	fprintf(f, "%-16s %8s %-4s %-8s %-7s %-10s %s\n", "Address", "Kbytes",
		"Perm", "Offset", "Device", "Inode", "Mapping");
}

void vs_vma_row(FILE *f, const struct vs_vma *v)
{
	char perms[VS_PERMS_LEN], dev[VS_DEV_LEN];

	vs_perms(v->flags, perms);
	vs_dev(v->dev_major, v->dev_minor, dev);
	fprintf(f, "%016" PRIx64 " %8" PRIu64 " %s %08" PRIx64 " %-7s %-10"
		PRIu64 " ", v->start, (v->end - v->start) >> 10, perms,
		v->offset, dev, v->inode);
	if (v->name)
		fwrite(v->name, 1, v->name_len, f);
	putc('\n', f);
}

/*
 * A hexadecimal u64, with or without "0x": what strtoull(s, NULL, 16)
 * accepts, minus leading blanks and signs, with overflow an error.
 */
int vs_parse_u64(const char *s, uint64_t *val)
{
	uint64_t v = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -EINVAL;
		if (v >> 60)
			return -ERANGE;
		v = v << 4 | d;
	}
	*val = v;
	return 0;
}

/* "self" or a decimal pid > 0 that fits a pid_t. */
int vs_parse_pid(const char *s, int self, int *pid)
{
	long v = 0;
	const char *p;

	if (!strcmp(s, "self")) {
		*pid = self;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
		if (v > INT32_MAX)
			return -ERANGE;
	}
	if (!v)
		return -EINVAL;
	*pid = v;
	return 0;
}

/*
 * "START-END", "START-" or "START" (hex): [START, END).  *end is 0 when
 * there is no END, meaning up to the top of the address space.
 */
int vs_parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	const char *dash = strchr(s, '-');
	char buf[64];
	size_t n = dash ? (size_t)(dash - s) : strlen(s);
	uint64_t b, e = 0;
	int err;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	err = vs_parse_u64(buf, &b);
	if (err)
		return err;
	if (dash && dash[1]) {
		err = vs_parse_u64(dash + 1, &e);
		if (err)
			return err;
		if (e <= b)
			return -EINVAL;
	}
	*start = b;
	*end = e;
	return 0;
}

/* Bytes as "512 B", "4.0 KiB", "1.5 MiB" ... */
void vs_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	double v = bytes;
	unsigned int i = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && i + 1 < ARRAY_SIZE(unit)) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[i]);
}
