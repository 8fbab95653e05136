// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of userspace/format.c, checked against ground truth
 * written elsewhere: the UAPI header's documentation, the host kernel's
 * /proc/self/maps and /proc/self/smaps, and libc's strtoull()/strtol().
 *
 * Usage: test_format UAPI_HEADER
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/vmscope.h>

#include "cli.h"
#include "format.h"
#include "tap.h"

static uint64_t perms_to_bits(const char *p)
{
	uint64_t b = 0;

	if (p[0] == 'r')
		b |= 1ULL << VMSCOPE_VMA_F_READ;
	if (p[1] == 'w')
		b |= 1ULL << VMSCOPE_VMA_F_WRITE;
	if (p[2] == 'x')
		b |= 1ULL << VMSCOPE_VMA_F_EXEC;
	if (p[3] == 's')
		b |= 1ULL << VMSCOPE_VMA_F_MAYSHARE;
	return b;
}

/* The flag table against the kernel-doc of enum vmscope_vma_flags. */
static void test_flag_table(const char *uapi)
{
	char line[512], enums[64][64], docs[64][64], mnems[64][8];
	unsigned int ne = 0, nd = 0, i, j, bad = 0;
	int in_enum = 0, dup = 0;
	FILE *f = fopen(uapi, "r");

	if (!f) {
		tap_skip("flag table matches the UAPI documentation",
			 "cannot open %s", uapi);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char name[64], mn[8];

		if (strstr(line, "enum vmscope_vma_flags {")) {
			in_enum = 1;
			continue;
		}
		if (in_enum && strchr(line, '}'))
			in_enum = 0;
		if (in_enum && sscanf(line, " VMSCOPE_VMA_F_%63[A-Z_0-9],",
				      name) == 1 && ne < 64)
			snprintf(enums[ne++], sizeof(enums[0]), "%s", name);
		if (!in_enum && nd < 64 &&
		    sscanf(line, " * @VMSCOPE_VMA_F_%63[A-Z_0-9]:", name) == 1) {
			char *q = strstr(line, "(\"");

			if (!q || sscanf(q, "(\"%7[a-z]\")", mn) != 1)
				continue;
			snprintf(docs[nd], sizeof(docs[0]), "%s", name);
			snprintf(mnems[nd++], sizeof(mnems[0]), "%s", mn);
		}
	}
	fclose(f);

	tap_ok(ne == __VMSCOPE_VMA_F_CNT && ne > 0,
	       "UAPI header lists %u flags, __VMSCOPE_VMA_F_CNT is %d", ne,
	       __VMSCOPE_VMA_F_CNT);
	tap_ok(vs_flag_count() == __VMSCOPE_VMA_F_CNT,
	       "CLI flag table has an entry for every UAPI flag (%u)",
	       vs_flag_count());

	for (i = 0; i < ne; i++) {
		const char *want = NULL;

		for (j = 0; j < nd; j++)
			if (!strcmp(docs[j], enums[i]))
				want = mnems[j];
		if (!want || !vs_flag_mnemonic(i) ||
		    strcmp(want, vs_flag_mnemonic(i))) {
			tap_diag("bit %u VMSCOPE_VMA_F_%s: doc \"%s\", CLI \"%s\"",
				 i, enums[i], want ? want : "?",
				 vs_flag_mnemonic(i) ? vs_flag_mnemonic(i) : "?");
			bad++;
		}
	}
	tap_ok(ne && !bad,
	       "smaps mnemonic of every bit matches the UAPI kernel-doc");

	for (i = 0; i < vs_flag_count(); i++)
		for (j = 0; j < i; j++)
			if (!strcmp(vs_flag_name(i), vs_flag_name(j)) ||
			    !strcmp(vs_flag_mnemonic(i), vs_flag_mnemonic(j)))
				dup++;
	tap_ok(!dup, "flag names and mnemonics are unique");

	bad = 0;
	for (i = 0; i < vs_flag_count(); i++)
		if (vs_flag_lookup(vs_flag_name(i)) != (int)i ||
		    vs_flag_lookup(vs_flag_mnemonic(i)) != (int)i)
			bad++;
	tap_ok(!bad, "every flag name and mnemonic looks up to its own bit");
}

/*
 * /proc/self/smaps: rebuild the flag bits from each VmFlags line through
 * the CLI's mnemonic table, format them as maps perms and compare with
 * the perms the kernel printed in the VMA's header line.
 */
static void test_smaps(void)
{
	char line[4096], perms[8] = "", unknown[256] = "";
	unsigned int vmas = 0, bad = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f) {
		tap_skip("perms rebuilt from smaps VmFlags", "no /proc/self/smaps");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save, out[VS_PERMS_LEN];
		unsigned long long s, e;
		uint64_t bits = 0;

		if (sscanf(line, "%llx-%llx %7s", &s, &e, perms) == 3)
			continue;
		if (strncmp(line, "VmFlags:", 8))
			continue;
		for (tok = strtok_r(line + 8, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save)) {
			int bit = strlen(tok) == 2 ? vs_flag_lookup(tok) : -1;

			if (bit >= 0)
				bits |= 1ULL << bit;
			else if (!strstr(unknown, tok) &&
				 strlen(unknown) + strlen(tok) + 2 < sizeof(unknown)) {
				strcat(unknown, " ");
				strcat(unknown, tok);
			}
		}
		vs_perms(bits, out);
		vmas++;
		if (strcmp(out, perms)) {
			tap_diag("smaps perms %s, from VmFlags %s", perms, out);
			bad++;
		}
	}
	fclose(f);
	if (unknown[0])
		tap_diag("host VmFlags mnemonics with no vmscope bit:%s",
			 unknown);
	tap_ok(vmas > 0 && !bad,
	       "perms rebuilt from smaps VmFlags match the kernel's for %u VMAs",
	       vmas);
}

/* /proc/self/maps: perms and dev of every line, rebuilt and formatted. */
static void test_maps(void)
{
	char line[4096];
	unsigned int n = 0, bad_perms = 0, bad_dev = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f) {
		tap_skip("perms and dev formatting vs /proc/self/maps",
			 "no /proc/self/maps");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char perms[8], dev[32], out[VS_PERMS_LEN], odev[VS_DEV_LEN];
		unsigned long long s, e, off;
		unsigned int maj, min;

		if (sscanf(line, "%llx-%llx %7s %llx %31s", &s, &e, perms, &off,
			   dev) != 5 || sscanf(dev, "%x:%x", &maj, &min) != 2)
			continue;
		n++;
		vs_perms(perms_to_bits(perms), out);
		vs_dev(maj, min, odev);
		if (strcmp(out, perms))
			bad_perms++;
		if (strcmp(odev, dev)) {
			tap_diag("maps dev %s, formatted %s", dev, odev);
			bad_dev++;
		}
	}
	fclose(f);
	tap_ok(n && !bad_perms, "perms of %u /proc/self/maps lines round-trip",
	       n);
	tap_ok(n && !bad_dev, "dev of %u /proc/self/maps lines round-trip", n);
}

/* What strtoull(s, &end, 16) says, restricted to the CLI's syntax. */
static int ref_u64(const char *s, uint64_t *v)
{
	const char *p = s;
	char *end;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!isxdigit((unsigned char)*p))
		return -1;	/* blanks, signs, empty: not our syntax */
	errno = 0;
	*v = strtoull(s, &end, 16);
	return errno || *end ? -1 : 0;
}

static uint64_t rnd64(void)
{
	return (uint64_t)random() << 62 ^ (uint64_t)random() << 31 ^ random();
}

static void test_parse_u64(void)
{
	static const char *const fixed[] = {
		"0", "0x", "0X", "0x0", "0X1f", "1F", "ffffffffffffffff",
		"0xffffffffffffffff", "10000000000000000",
		"0x10000000000000000", "00000000000000000000001", " 1", "-1",
		"+1", "1g", "", "0xg", "0x-1", "1 ", "0x0x1", "x1",
		"7fffffffffff", "0x 1", "0x+1", "\t1", "1\n",
	};
	static const char alpha[] = "0123456789abcdefABCDEFxX -+g";
	unsigned int i, bad = 0, n = 0;
	char s[40];

	srandom(42);
	for (i = 0; i < ARRAY_SIZE(fixed) + 20000; i++) {
		uint64_t got = 0, want = 0;
		const char *in;
		int rg, rw;

		if (i < ARRAY_SIZE(fixed)) {
			in = fixed[i];
		} else if (i % 3 == 0) {
			snprintf(s, sizeof(s), i % 2 ? "%#" PRIx64 : "%" PRIX64,
				 rnd64() >> (random() % 64));
			in = s;
		} else {
			unsigned int len = random() % 20, k;

			for (k = 0; k < len; k++)
				s[k] = alpha[random() % (sizeof(alpha) - 1)];
			s[len] = '\0';
			in = s;
		}
		rg = vs_parse_u64(in, &got);
		rw = ref_u64(in, &want);
		n++;
		if ((rg == 0) != (rw == 0) || (!rg && got != want)) {
			if (bad++ < 5)
				tap_diag("parse_u64(\"%s\"): %d %" PRIx64
					 ", strtoull: %d %" PRIx64, in, rg,
					 got, rw, want);
		}
	}
	tap_ok(!bad, "hex parsing agrees with strtoull() on %u inputs", n);
}

static void test_parse_pid(void)
{
	static const char *const fixed[] = {
		"1", "0", "00", "007", "-1", "+1", "2147483647", "2147483648",
		"99999999999999999999", "", " 1", "1 ", "1a", "self", "Self",
		"selff", "0x10", "4194304",
	};
	unsigned int i, bad = 0;
	char s[32];

	srandom(7);
	for (i = 0; i < ARRAY_SIZE(fixed) + 5000; i++) {
		const char *in = s;
		int got = 0, rg, ok = 0;
		long want = 0;
		char *end;

		if (i < ARRAY_SIZE(fixed))
			in = fixed[i];
		else
			snprintf(s, sizeof(s), "%lu",
				 (unsigned long)rnd64() >> (random() % 64));
		rg = vs_parse_pid(in, 4242, &got);
		if (!strcmp(in, "self")) {
			ok = 1;
			want = 4242;
		} else if (*in >= '0' && *in <= '9') {
			errno = 0;
			want = strtol(in, &end, 10);
			ok = !errno && !*end && want > 0 && want <= INT_MAX;
		}
		if ((rg == 0) != ok || (ok && got != want)) {
			if (bad++ < 5)
				tap_diag("parse_pid(\"%s\") = %d (%d), want %d (%ld)",
					 in, rg, got, ok, want);
		}
	}
	tap_ok(!bad, "pid parsing agrees with strtol() and 'self'");
}

static void test_parse_range(void)
{
	static const struct {
		const char *in;
		int ok;
		uint64_t start, end;
	} t[] = {
		{ "1000-2000", 1, 0x1000, 0x2000 },
		{ "0x1000-0x2000", 1, 0x1000, 0x2000 },
		{ "0-ffffffffffffffff", 1, 0, UINT64_MAX },
		{ "1000-", 1, 0x1000, 0 },
		{ "1000", 1, 0x1000, 0 },
		{ "0", 1, 0, 0 },
		{ "2000-1000", 0, 0, 0 },
		{ "1000-1000", 0, 0, 0 },
		{ "-1000", 0, 0, 0 },
		{ "", 0, 0, 0 },
		{ "-", 0, 0, 0 },
		{ "1-2-3", 0, 0, 0 },
		{ "x-1", 0, 0, 0 },
		{ "1000-zz", 0, 0, 0 },
		{ "10000000000000000-", 0, 0, 0 },
	};
	unsigned int i, bad = 0;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		uint64_t s = 1, e = 1;
		int r = vs_parse_range(t[i].in, &s, &e);

		if ((r == 0) != t[i].ok ||
		    (t[i].ok && (s != t[i].start || e != t[i].end))) {
			tap_diag("parse_range(\"%s\") = %d %" PRIx64 "-%" PRIx64,
				 t[i].in, r, s, e);
			bad++;
		}
	}
	tap_ok(!bad, "range parsing: %zu cases", ARRAY_SIZE(t));
}

static void test_parse_flags(void)
{
	char bad[64] = "";
	uint64_t m = 0;
	int r;

	r = vs_parse_flags("read,write", &m, bad, sizeof(bad));
	tap_ok(!r && m == (1ULL << VMSCOPE_VMA_F_READ |
			   1ULL << VMSCOPE_VMA_F_WRITE),
	       "flag list 'read,write'");
	r = vs_parse_flags("ms,gd,bit40,sealed", &m, bad, sizeof(bad));
	tap_ok(!r && m == (1ULL << VMSCOPE_VMA_F_MAYSHARE |
			   1ULL << VMSCOPE_VMA_F_GROWSDOWN | 1ULL << 40 |
			   1ULL << VMSCOPE_VMA_F_SEALED),
	       "flag list with mnemonics and bitN");
	r = vs_parse_flags("read,bogus,exec", &m, bad, sizeof(bad));
	tap_ok(r == -EINVAL && !strcmp(bad, "bogus"),
	       "unknown flag name is rejected and reported");
	tap_ok(vs_parse_flags("", &m, bad, sizeof(bad)) == -EINVAL &&
	       vs_parse_flags("read,,exec", &m, bad, sizeof(bad)) == -EINVAL &&
	       vs_parse_flags("read,", &m, bad, sizeof(bad)) == -EINVAL &&
	       vs_parse_flags("bit64", &m, bad, sizeof(bad)) == -EINVAL &&
	       vs_parse_flags("bit", &m, bad, sizeof(bad)) == -EINVAL,
	       "empty names and out-of-range bits are rejected");
}

static void test_json_bits(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vs_json_bits(f, 1ULL << VMSCOPE_VMA_F_READ |
		     1ULL << VMSCOPE_VMA_F_MAYSHARE | 1ULL << 63,
		     vs_flag_name);
	vs_json_bits(f, 0, vs_flag_name);
	fclose(f);
	tap_ok(!strcmp(buf, "[\"read\",\"mayshare\",\"bit63\"][]"),
	       "flag arrays in bit order, unknown bits as bitN: %s", buf);
	free(buf);
}

/* The VMA formatters as they were, on stdio: the reference output. */
static void ref_json_string(FILE *f, const char *s, size_t len)
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

static void ref_perms_dev(const struct vs_vma *v, char *perms, char *dev)
{
	snprintf(perms, 5, "%c%c%c%c",
		 v->flags & 1ULL << VMSCOPE_VMA_F_READ ? 'r' : '-',
		 v->flags & 1ULL << VMSCOPE_VMA_F_WRITE ? 'w' : '-',
		 v->flags & 1ULL << VMSCOPE_VMA_F_EXEC ? 'x' : '-',
		 v->flags & 1ULL << VMSCOPE_VMA_F_MAYSHARE ? 's' : 'p');
	snprintf(dev, 24, "%02x:%02x", v->dev_major, v->dev_minor);
}

/* The counter keys of "maps --json", in order, as the issue lists them. */
static const char *const ctr_keys[] = {
	"faults", "faults_read", "faults_write", "faults_exec",
	"faults_kernel", "faults_major", "cow_faults", "cow_copies",
	"cow_reuses", "cow_zero", "cow_unshare",
};

static void ref_vma_json(FILE *f, const struct vs_vma *v)
{
	char perms[8], dev[24];
	unsigned int k;

	ref_perms_dev(v, perms, dev);
	fprintf(f, "{\"start\":%" PRIu64 ",\"end\":%" PRIu64
		",\"size\":%" PRIu64 ",\"offset\":%" PRIu64
		",\"perms\":\"%s\",\"dev\":\"%s\",\"inode\":%" PRIu64
		",\"name\":",
		v->start, v->end, v->end - v->start, v->offset,
		perms, dev, v->inode);
	ref_json_string(f, v->name ? v->name : "", v->name ? v->name_len : 0);
	fputs(",\"flags\":", f);
	vs_json_bits(f, v->flags, vs_flag_name);
	fprintf(f, ",\"page_size\":%" PRIu64, v->page_size);
	for (k = 0; k < ARRAY_SIZE(ctr_keys); k++)
		if (v->has_ctr & (1U << k))
			fprintf(f, ",\"%s\":%" PRIu64, ctr_keys[k], v->ctr[k]);
	putc('}', f);
}

/* With counters: faults, faults_major, cow_faults, cow_copies, or "-". */
static void ref_vma_row(FILE *f, const struct vs_vma *v, int counters)
{
	static const int cols[] = { 0, 5, 6, 7 };
	char perms[8], dev[24];
	unsigned int k;

	ref_perms_dev(v, perms, dev);
	fprintf(f, "%016" PRIx64 " %8" PRIu64 " %s %08" PRIx64 " %-7s %-10"
		PRIu64 " ", v->start, (v->end - v->start) >> 10, perms,
		v->offset, dev, v->inode);
	for (k = 0; counters && k < ARRAY_SIZE(cols); k++) {
		if (v->has_ctr & (1U << cols[k]))
			fprintf(f, "%8" PRIu64 " ", v->ctr[cols[k]]);
		else
			fprintf(f, "%8s ", "-");
	}
	if (v->name)
		fwrite(v->name, 1, v->name_len, f);
	putc('\n', f);
}

/* A u64 of random magnitude, or one around a power of ten or two. */
static uint64_t rnd_num(void)
{
	uint64_t p = 1;
	int k = random() % 20;

	switch (random() % 4) {
	case 0:
		while (k--)
			p *= 10;
		return p + random() % 3 - 1;
	case 1:
		return (1ULL << (random() % 64)) + random() % 3 - 1;
	default:
		return rnd64() >> (random() % 64);
	}
}

/*
 * vs_vma_json() and vs_vma_row() against the printf code they replaced,
 * byte for byte: edge values, random values, every flag, names with any
 * byte; and neither writes past vs_vma_room().
 */
static void test_vma_format(void)
{
	static char name[5000];
	unsigned int i, bad = 0, over = 0, n = 20000;
	char *ref = NULL, *buf;
	size_t ref_len;

	srandom(3);
	buf = malloc(vs_vma_room(&(struct vs_vma){ .name_len = sizeof(name) }) +
		     64);
	for (i = 0; i < n; i++) {
		struct vs_vma v = {
			.start = rnd_num(), .end = rnd_num(),
			.flags = rnd64() & rnd64(), .offset = rnd_num(),
			.inode = rnd_num(), .page_size = rnd_num(),
			.dev_major = rnd_num(), .dev_minor = rnd_num(),
		};
		size_t room, k;
		int fmt;

		if (i == 0)
			memset(&v, 0, sizeof(v));
		if (i == 1) {
			memset(&v, 0xff, sizeof(v));
			v.name = NULL;
		}
		if (i % 3 == 0)
			v.flags = rnd64() | rnd64() | rnd64();
		if (i % 4 == 2 || i == 1) {
			v.has_ctr = i == 1 ? (1U << ARRAY_SIZE(ctr_keys)) - 1 :
				    (uint32_t)random();
			for (k = 0; k < ARRAY_SIZE(ctr_keys); k++)
				v.ctr[k] = i == 1 ? UINT64_MAX : rnd_num();
		}
		if (i % 2) {
			v.name_len = i % 7 == 1 ? sizeof(name) :
				     (size_t)(random() % 300);
			for (k = 0; k < v.name_len; k++)
				name[k] = i % 5 == 1 ? (char)k : (char)random();
			v.name = name;
		}
		room = vs_vma_room(&v);
		for (fmt = 0; fmt < 3; fmt++) {
			FILE *f = open_memstream(&ref, &ref_len);
			char *end;

			if (fmt)
				ref_vma_row(f, &v, fmt == 2);
			else
				ref_vma_json(f, &v);
			fclose(f);
			memset(buf, 0xa5, room + 64);
			end = fmt == 2 ? vs_vma_row_ctr(buf, &v, 1) :
			      fmt ? vs_vma_row(buf, &v) : vs_vma_json(buf, &v);
			for (k = room; k < room + 64; k++)
				over += (unsigned char)buf[k] != 0xa5;
			if ((size_t)(end - buf) != ref_len ||
			    memcmp(buf, ref, ref_len)) {
				if (bad++ < 3)
					tap_diag("%s: got %.*s, want %s",
						 fmt ? "row" : "json",
						 (int)(end - buf), buf, ref);
			}
			free(ref);
		}
	}
	free(buf);
	tap_ok(!bad,
	       "rows (with and without counters) and JSON objects of %u VMAs equal printf's byte for byte",
	       n);
	tap_ok(!over, "no VMA is formatted past vs_vma_room()");
}

static void test_dev(void)
{
	char d[VS_DEV_LEN];
	int ok = 1;

	vs_dev(0, 0, d);
	ok &= !strcmp(d, "00:00");
	vs_dev(0x103, 0x2, d);
	ok &= !strcmp(d, "103:02");
	vs_dev(0xfd, 0x100001, d);
	ok &= !strcmp(d, "fd:100001");
	tap_ok(ok, "dev formatting keeps big majors and minors whole");
}

int main(int argc, char **argv)
{
	/* Make sure maps has every perms shape: shared, exec-only, none. */
	mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	     -1, 0);
	mmap(NULL, 4096, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mmap(NULL, 4096, PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	test_flag_table(argc > 1 ? argv[1] : "vmscope.h");
	test_smaps();
	test_maps();
	test_dev();
	test_parse_u64();
	test_parse_pid();
	test_parse_range();
	test_parse_flags();
	test_json_bits();
	test_vma_format();
	return tap_done();
}
