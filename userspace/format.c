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

/*
 * Indexed by enum vmscope_vma_flags; mnemonics as smaps' VmFlags line.
 * Each name sits NUL-padded in a 16-byte slot with its length, so that
 * the JSON formatter copies it with one fixed-size move.
 */
#define VS_FLAG(n, mn)	{ n, mn, sizeof(n) - 1 }

static const struct {
	char name[16];
	const char *mnemonic;
	unsigned char len;
} vs_flags[] = {
	[VMSCOPE_VMA_F_READ]		= VS_FLAG("read",		"rd"),
	[VMSCOPE_VMA_F_WRITE]		= VS_FLAG("write",		"wr"),
	[VMSCOPE_VMA_F_EXEC]		= VS_FLAG("exec",		"ex"),
	[VMSCOPE_VMA_F_SHARED]		= VS_FLAG("shared",		"sh"),
	[VMSCOPE_VMA_F_MAYREAD]		= VS_FLAG("mayread",		"mr"),
	[VMSCOPE_VMA_F_MAYWRITE]	= VS_FLAG("maywrite",		"mw"),
	[VMSCOPE_VMA_F_MAYEXEC]		= VS_FLAG("mayexec",		"me"),
	[VMSCOPE_VMA_F_MAYSHARE]	= VS_FLAG("mayshare",		"ms"),
	[VMSCOPE_VMA_F_GROWSDOWN]	= VS_FLAG("growsdown",		"gd"),
	[VMSCOPE_VMA_F_PFNMAP]		= VS_FLAG("pfnmap",		"pf"),
	[VMSCOPE_VMA_F_LOCKED]		= VS_FLAG("locked",		"lo"),
	[VMSCOPE_VMA_F_IO]		= VS_FLAG("io",			"io"),
	[VMSCOPE_VMA_F_SEQ_READ]	= VS_FLAG("seqread",		"sr"),
	[VMSCOPE_VMA_F_RAND_READ]	= VS_FLAG("randread",		"rr"),
	[VMSCOPE_VMA_F_DONTCOPY]	= VS_FLAG("dontcopy",		"dc"),
	[VMSCOPE_VMA_F_DONTEXPAND]	= VS_FLAG("dontexpand",		"de"),
	[VMSCOPE_VMA_F_LOCKONFAULT]	= VS_FLAG("lockonfault",	"lf"),
	[VMSCOPE_VMA_F_ACCOUNT]		= VS_FLAG("account",		"ac"),
	[VMSCOPE_VMA_F_NORESERVE]	= VS_FLAG("noreserve",		"nr"),
	[VMSCOPE_VMA_F_HUGETLB]		= VS_FLAG("hugetlb",		"ht"),
	[VMSCOPE_VMA_F_SYNC]		= VS_FLAG("sync",		"sf"),
	[VMSCOPE_VMA_F_WIPEONFORK]	= VS_FLAG("wipeonfork",		"wf"),
	[VMSCOPE_VMA_F_DONTDUMP]	= VS_FLAG("dontdump",		"dd"),
	[VMSCOPE_VMA_F_SOFTDIRTY]	= VS_FLAG("softdirty",		"sd"),
	[VMSCOPE_VMA_F_MIXEDMAP]	= VS_FLAG("mixedmap",		"mm"),
	[VMSCOPE_VMA_F_HUGEPAGE]	= VS_FLAG("hugepage",		"hg"),
	[VMSCOPE_VMA_F_NOHUGEPAGE]	= VS_FLAG("nohugepage",		"nh"),
	[VMSCOPE_VMA_F_MERGEABLE]	= VS_FLAG("mergeable",		"mg"),
	[VMSCOPE_VMA_F_UFFD_MISSING]	= VS_FLAG("uffd_missing",	"um"),
	[VMSCOPE_VMA_F_UFFD_WP]		= VS_FLAG("uffd_wp",		"uw"),
	[VMSCOPE_VMA_F_UFFD_MINOR]	= VS_FLAG("uffd_minor",		"ui"),
	[VMSCOPE_VMA_F_SHADOW_STACK]	= VS_FLAG("shadow_stack",	"ss"),
	[VMSCOPE_VMA_F_SEALED]		= VS_FLAG("sealed",		"sl"),
	[VMSCOPE_VMA_F_DROPPABLE]	= VS_FLAG("droppable",		"dp"),
	[VMSCOPE_VMA_F_ARCH_1]		= VS_FLAG("arch_1",		"ar"),
};

_Static_assert(ARRAY_SIZE(vs_flags) <= 64, "flags are a u64");

/* Indexed by enum vmscope_features. */
static const char *const vs_features[] = {
	[VMSCOPE_FEAT_VMA_DUMP]		= "vma_dump",
	[VMSCOPE_FEAT_VMA_QUERY]	= "vma_query",
	[VMSCOPE_FEAT_PROC]		= "proc",
	[VMSCOPE_FEAT_COUNTERS]		= "counters",
	[VMSCOPE_FEAT_WATCH]		= "watch",
};

/* Indexed by enum vmscope_hooks. */
static const char *const vs_hooks[] = {
	[VMSCOPE_HOOK_FAULT_USER]	= "fault_user",
	[VMSCOPE_HOOK_FAULT_KERNEL]	= "fault_kernel",
	[VMSCOPE_HOOK_HANDLE_MM_FAULT]	= "handle_mm_fault",
	[VMSCOPE_HOOK_DO_WP_PAGE]	= "do_wp_page",
	[VMSCOPE_HOOK_WP_PAGE_REUSE]	= "wp_page_reuse",
	[VMSCOPE_HOOK_NEW_ANON_RMAP]	= "new_anon_rmap",
	[VMSCOPE_HOOK_UNMAP_VMAS]	= "unmap_vmas",
	[VMSCOPE_HOOK_EXIT_MMAP]	= "exit_mmap",
	[VMSCOPE_HOOK_DO_SWAP_PAGE]	= "do_swap_page",
	[VMSCOPE_HOOK_COPY_CALLS]	= "copy_calls",
	[VMSCOPE_HOOK_HANDLE_MM_FAULT_START] = "handle_mm_fault_start",
	[VMSCOPE_HOOK_PTEP_CLEAR_FLUSH]	= "ptep_clear_flush",
};

/* Indexed by enum vmscope_counters. */
static const char *const vs_counters[] = {
	[VMSCOPE_CTR_FAULTS]		= "faults",
	[VMSCOPE_CTR_VMA_FAULTS]	= "vma_faults",
	[VMSCOPE_CTR_COW_FAULTS]	= "cow_faults",
	[VMSCOPE_CTR_COW_COPIES]	= "cow_copies",
	[VMSCOPE_CTR_COW_REUSES]	= "cow_reuses",
	[VMSCOPE_CTR_COW_ZERO]		= "cow_zero",
	[VMSCOPE_CTR_COW_UNSHARE]	= "cow_unshare",
};

/* Indexed by enum vmscope_event_kind. */
static const char *const vs_event_kinds[] = {
	[VMSCOPE_EVENT_FAULT]		= "fault",
	[VMSCOPE_EVENT_COW_COPY]	= "cow-copy",
	[VMSCOPE_EVENT_COW_REUSE]	= "cow-reuse",
	[VMSCOPE_EVENT_COW_ZERO]	= "zero",
	[VMSCOPE_EVENT_COW_UNSHARE]	= "unshare",
};

/* Indexed by enum vmscope_access. */
static const char vs_access[] = {
	[VMSCOPE_ACCESS_READ]		= 'r',
	[VMSCOPE_ACCESS_WRITE]		= 'w',
	[VMSCOPE_ACCESS_EXEC]		= 'x',
};

_Static_assert(ARRAY_SIZE(vs_hooks) == __VMSCOPE_HOOK_CNT, "hook names");
_Static_assert(ARRAY_SIZE(vs_counters) == __VMSCOPE_CTR_CNT, "counter names");
_Static_assert(ARRAY_SIZE(vs_event_kinds) == __VMSCOPE_EVENT_CNT, "kinds");
_Static_assert(ARRAY_SIZE(vs_access) == __VMSCOPE_ACCESS_CNT, "accesses");

/* The counters' JSON keys and attributes; the keys are a contract. */
const struct vs_ctr_def vs_ctrs[VS_CTR_N] = {
	[VS_CTR_FAULTS] = { "faults", VMSCOPE_VMA_A_FAULTS,
		VMSCOPE_PROC_A_FAULTS,
		"Page faults on user addresses (per VMA: handle_mm_fault() calls, once per fault)." },
	[VS_CTR_FAULTS_READ] = { "faults_read", VMSCOPE_VMA_A_FAULTS_READ,
		VMSCOPE_PROC_A_FAULTS_READ, "Page faults on a read access." },
	[VS_CTR_FAULTS_WRITE] = { "faults_write", VMSCOPE_VMA_A_FAULTS_WRITE,
		VMSCOPE_PROC_A_FAULTS_WRITE, "Page faults on a write access." },
	[VS_CTR_FAULTS_EXEC] = { "faults_exec", VMSCOPE_VMA_A_FAULTS_EXEC,
		VMSCOPE_PROC_A_FAULTS_EXEC,
		"Page faults on an instruction fetch." },
	[VS_CTR_FAULTS_KERNEL] = { "faults_kernel",
		VMSCOPE_VMA_A_FAULTS_KERNEL, VMSCOPE_PROC_A_FAULTS_KERNEL,
		"Page faults on user addresses taken in kernel mode." },
	[VS_CTR_FAULTS_MAJOR] = { "faults_major", VMSCOPE_VMA_A_FAULTS_MAJOR,
		0, "Page faults that needed I/O." },
	[VS_CTR_COW_FAULTS] = { "cow_faults", VMSCOPE_VMA_A_COW_FAULTS,
		VMSCOPE_PROC_A_COW_FAULTS,
		"Write-protect faults on private mappings (do_wp_page)." },
	[VS_CTR_COW_COPIES] = { "cow_copies", VMSCOPE_VMA_A_COW_COPIES,
		VMSCOPE_PROC_A_COW_COPIES,
		"Pages copied by copy-on-write, zero-page copies included." },
	[VS_CTR_COW_REUSES] = { "cow_reuses", VMSCOPE_VMA_A_COW_REUSES,
		VMSCOPE_PROC_A_COW_REUSES,
		"Write faults that reused an exclusive page instead of copying." },
	[VS_CTR_COW_ZERO] = { "cow_zero", VMSCOPE_VMA_A_COW_ZERO,
		VMSCOPE_PROC_A_COW_ZERO,
		"Copy-on-write copies made from the shared zero page." },
	[VS_CTR_COW_UNSHARE] = { "cow_unshare", VMSCOPE_VMA_A_COW_UNSHARE,
		VMSCOPE_PROC_A_COW_UNSHARE,
		"Unshare faults (GUP pinning a shared anonymous page)." },
};

const char *vs_hook_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(vs_hooks) ? vs_hooks[bit] : NULL;
}

const char *vs_counter_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(vs_counters) ? vs_counters[bit] : NULL;
}

unsigned int vs_counter_count(void)
{
	return ARRAY_SIZE(vs_counters);
}

/* The kind's name; NULL for a kind newer than this CLI. */
const char *vs_event_kind_name(unsigned int kind)
{
	return kind < ARRAY_SIZE(vs_event_kinds) ? vs_event_kinds[kind] : NULL;
}

/* 'r', 'w', 'x', or '?' for an access newer than this CLI. */
char vs_access_char(unsigned int access)
{
	return access < ARRAY_SIZE(vs_access) ? vs_access[access] : '?';
}

/*
 * A Prometheus label value, quoted: backslash, double quote and line feed
 * escaped as the text exposition format says; other bytes as they are.
 */
void vs_prom_label(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
	putc('"', f);
}

/* A HELP docstring: backslash and line feed escaped. */
void vs_prom_help(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
}

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

/*
 * The output of every VMA is built in memory with these, not with printf:
 * "vmscope maps" formats one line or object per VMA, and printf's parsing
 * of the format string was most of the CLI's time per VMA.
 */

#define VS_D10(t)	t "0" t "1" t "2" t "3" t "4" \
			t "5" t "6" t "7" t "8" t "9"
#define VS_X16(t)	VS_D10(t) t "a" t "b" t "c" t "d" t "e" t "f"

/* "00" to "99" and "00" to "ff": output two digits per step. */
static const char vs_digits[] =
	VS_D10("0") VS_D10("1") VS_D10("2") VS_D10("3") VS_D10("4")
	VS_D10("5") VS_D10("6") VS_D10("7") VS_D10("8") VS_D10("9");
static const char vs_xdigits[] =
	VS_X16("0") VS_X16("1") VS_X16("2") VS_X16("3") VS_X16("4")
	VS_X16("5") VS_X16("6") VS_X16("7") VS_X16("8") VS_X16("9")
	VS_X16("a") VS_X16("b") VS_X16("c") VS_X16("d") VS_X16("e")
	VS_X16("f");

static const uint64_t vs_pow10[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

/*
 * The number of decimal digits of v >= 10: log10(2) ~ 1233 / 4096 times
 * its bit length, corrected by one comparison.
 */
static unsigned int vs_dec_len(uint64_t v)
{
	unsigned int n = (64 - __builtin_clzll(v)) * 1233 >> 12;

	return n + (v >= vs_pow10[n]);
}

/* v in decimal at p ("%" PRIu64); returns the end. */
static char *vs_put_dec(char *p, uint64_t v)
{
	char *end;

	if (v < 10) {
		*p = '0' + v;
		return p + 1;
	}
	end = p + vs_dec_len(v);
	for (p = end; v >= 100; v /= 100) {
		p -= 2;
		memcpy(p, vs_digits + 2 * (v % 100), 2);
	}
	if (v >= 10)
		memcpy(p - 2, vs_digits + 2 * v, 2);
	else
		p[-1] = '0' + v;
	return end;
}

/* v in hex, zero-padded to at least width digits ("%0*" PRIx64). */
static char *vs_put_hex(char *p, uint64_t v, unsigned int width)
{
	unsigned int n = (64 - __builtin_clzll(v | 1) + 3) / 4;
	char *end;

	if (n < width)
		n = width;
	end = p + n;
	for (p = end; n >= 2; n -= 2, v >>= 8) {
		p -= 2;
		memcpy(p, vs_xdigits + 2 * (v & 0xff), 2);
	}
	if (n)
		p[-1] = vs_xdigits[2 * (v & 0xf) + 1];
	return end;
}

/* v right-aligned in width columns ("%*" PRIu64). */
static char *vs_put_dec_right(char *p, uint64_t v, unsigned int width)
{
	unsigned int n = v < 10 ? 1 : vs_dec_len(v);

	for (; n < width; n++)
		*p++ = ' ';
	return vs_put_dec(p, v);
}

/* Pad [start, end) with blanks on the right to width <= 16 ("%-*s"). */
static char *vs_pad_right(char *start, char *end, size_t width)
{
	if ((size_t)(end - start) >= width)
		return end;
	memcpy(end, "                ", 16);
	return start + width;
}

/* The perms column of /proc/PID/maps (fs/proc/task_mmu.c:show_map_vma). */
static char *vs_put_perms(char *p, uint64_t flags)
{
	p[0] = flags & (1ULL << VMSCOPE_VMA_F_READ) ? 'r' : '-';
	p[1] = flags & (1ULL << VMSCOPE_VMA_F_WRITE) ? 'w' : '-';
	p[2] = flags & (1ULL << VMSCOPE_VMA_F_EXEC) ? 'x' : '-';
	p[3] = flags & (1ULL << VMSCOPE_VMA_F_MAYSHARE) ? 's' : 'p';
	return p + 4;
}

void vs_perms(uint64_t flags, char out[VS_PERMS_LEN])
{
	*vs_put_perms(out, flags) = '\0';
}

/* "%02x:%02x" */
static char *vs_put_dev(char *p, uint32_t major, uint32_t minor)
{
	p = vs_put_hex(p, major, 2);
	*p++ = ':';
	return vs_put_hex(p, minor, 2);
}

void vs_dev(uint32_t major, uint32_t minor, char out[VS_DEV_LEN])
{
	*vs_put_dev(out, major, minor) = '\0';
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
 * A JSON string's contents for len bytes at p: '"', '\' and control
 * characters escaped, every other byte (UTF-8 or not) passed through
 * unchanged.  Needs 6 * len bytes of room; returns the end.
 */
char *vs_json_escape(char *p, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = c;
		} else if (c < 0x20) {
			p = VS_PUT_LIT(p, "\\u00");
			memcpy(p, vs_xdigits + 2 * c, 2);
			p += 2;
		} else {
			*p++ = c;
		}
	}
	return p;
}

/* The same, quoted, to f. */
void vs_json_string(FILE *f, const char *s, size_t len)
{
	char buf[6 * 256];
	size_t n;

	putc('"', f);
	for (; len; s += n, len -= n) {
		n = len < 256 ? len : 256;
		fwrite(buf, 1, vs_json_escape(buf, s, n) - buf, f);
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

/* vs_json_bits(f, flags, vs_flag_name) at p; returns the end. */
static char *vs_put_flags(char *p, uint64_t flags)
{
	*p++ = '[';
	for (; flags; flags &= flags - 1) {
		unsigned int bit = __builtin_ctzll(flags);

		*p++ = '"';
		if (bit < ARRAY_SIZE(vs_flags)) {
			memcpy(p, vs_flags[bit].name, sizeof(vs_flags->name));
			p += vs_flags[bit].len;
		} else {
			p = VS_PUT_LIT(p, "bit");
			p = vs_put_dec(p, bit);
		}
		*p++ = '"';
		*p++ = ',';
	}
	if (p[-1] == ',')
		p--;
	*p++ = ']';
	return p;
}

/*
 * One element of "vmscope maps --json" at p, which has vs_vma_room(v)
 * bytes; returns the end.  The keys are a contract.
 */
char *vs_vma_json(char *p, const struct vs_vma *v)
{
	p = VS_PUT_LIT(p, "{\"start\":");
	p = vs_put_dec(p, v->start);
	p = VS_PUT_LIT(p, ",\"end\":");
	p = vs_put_dec(p, v->end);
	p = VS_PUT_LIT(p, ",\"size\":");
	p = vs_put_dec(p, v->end - v->start);
	p = VS_PUT_LIT(p, ",\"offset\":");
	p = vs_put_dec(p, v->offset);
	p = VS_PUT_LIT(p, ",\"perms\":\"");
	p = vs_put_perms(p, v->flags);
	p = VS_PUT_LIT(p, "\",\"dev\":\"");
	p = vs_put_dev(p, v->dev_major, v->dev_minor);
	p = VS_PUT_LIT(p, "\",\"inode\":");
	p = vs_put_dec(p, v->inode);
	p = VS_PUT_LIT(p, ",\"name\":\"");
	p = vs_json_escape(p, v->name, v->name_len);
	p = VS_PUT_LIT(p, "\",\"flags\":");
	p = vs_put_flags(p, v->flags);
	p = VS_PUT_LIT(p, ",\"page_size\":");
	p = vs_put_dec(p, v->page_size);
	if (v->has_ctr) {
		unsigned int i;

		for (i = 0; i < VS_CTR_N; i++) {
			size_t n;

			if (!(v->has_ctr & (1U << i)))
				continue;
			n = strlen(vs_ctrs[i].key);
			p = VS_PUT_LIT(p, ",\"");
			memcpy(p, vs_ctrs[i].key, n);
			p += n;
			p = VS_PUT_LIT(p, "\":");
			p = vs_put_dec(p, v->ctr[i]);
		}
	}
	*p++ = '}';
	return p;
}

void vs_vma_header(FILE *f)
{
	vs_vma_header_ctr(f, 0);
}

/* The counter columns of "maps --counters": faults, major, COW, copies. */
static const enum vs_ctr vs_ctr_cols[] = {
	VS_CTR_FAULTS, VS_CTR_FAULTS_MAJOR, VS_CTR_COW_FAULTS,
	VS_CTR_COW_COPIES,
};

#define VS_CTR_COL_W	8

void vs_vma_header_ctr(FILE *f, int counters)
{
	fprintf(f, "%-16s %8s %-4s %-8s %-7s %-10s ", "Address", "Kbytes",
		"Perm", "Offset", "Device", "Inode");
	if (counters)
		fprintf(f, "%8s %8s %8s %8s ", "Flt", "MajFlt", "CoW",
			"CoWCopy");
	fprintf(f, "Mapping\n");
}

/*
 * One table row at p, which has vs_vma_room(v) bytes; returns the end.
 * printf("%016" PRIx64 " %8" PRIu64 " %s %08" PRIx64 " %-7s %-10" PRIu64
 * " %s\n") of start, size in KiB, perms, offset, dev, inode and name.
 */
char *vs_vma_row(char *p, const struct vs_vma *v)
{
	return vs_vma_row_ctr(p, v, 0);
}

/*
 * The same, with the counter columns before the name when counters is
 * set: each right-aligned in 8 characters, "-" when the module did not
 * send that counter.
 */
char *vs_vma_row_ctr(char *p, const struct vs_vma *v, int counters)
{
	p = vs_put_hex(p, v->start, 16);
	*p++ = ' ';
	p = vs_put_dec_right(p, (v->end - v->start) >> 10, 8);
	*p++ = ' ';
	p = vs_put_perms(p, v->flags);
	*p++ = ' ';
	p = vs_put_hex(p, v->offset, 8);
	*p++ = ' ';
	p = vs_pad_right(p, vs_put_dev(p, v->dev_major, v->dev_minor), 7);
	*p++ = ' ';
	p = vs_pad_right(p, vs_put_dec(p, v->inode), 10);
	*p++ = ' ';
	if (counters) {
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(vs_ctr_cols); i++) {
			enum vs_ctr c = vs_ctr_cols[i];

			if (v->has_ctr & (1U << c)) {
				p = vs_put_dec_right(p, v->ctr[c],
						     VS_CTR_COL_W);
			} else {
				memset(p, ' ', VS_CTR_COL_W - 1);
				p += VS_CTR_COL_W - 1;
				*p++ = '-';
			}
			*p++ = ' ';
		}
	}
	if (v->name_len)
		memcpy(p, v->name, v->name_len);
	p += v->name_len;
	*p++ = '\n';
	return p;
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
