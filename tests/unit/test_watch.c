// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of userspace/event.c, the pure parts of "vmscope watch":
 * the loss accounting (sequence gaps and late arrivals, the kernel's drop
 * counters, ENOBUFS), the per-VMA totals of the summary, and the VMA
 * lifecycle diff, checked against the host kernel: this program maps,
 * splits, merges, grows, shrinks and unmaps memory of its own and diffs
 * /proc/self/maps before and after each step.
 */
#define _GNU_SOURCE	/* mremap() */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vmscope.h>

#include "cli.h"
#include "event.h"
#include "format.h"
#include "tap.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static struct vs_event ev(uint64_t seq, uint64_t vstart, uint32_t kind)
{
	struct vs_event e = {
		.seq = seq, .pid = 7, .tid = 7, .comm = "t", .kind = kind,
		.vma_start = vstart, .vma_end = vstart + 0x1000,
		.vma_name = "[heap]", .vma_name_len = 6,
	};

	return e;
}

static __attribute__((noinline)) char *
capture_summary(const struct vs_acct *a)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	vs_summary_print(f, a, 1500000000, 1);
	fclose(f);
	return buf;
}

static void test_seq(void)
{
	struct vs_acct a;
	struct vs_acct_news n;
	struct vs_event e;
	uint64_t s;
	int ok = 1;

	vs_acct_init(&a);
	for (s = VS_FIRST_SEQ; s < VS_FIRST_SEQ + 3; s++) {
		e = ev(s, 0x1000, VMSCOPE_EVENT_FAULT);
		vs_acct_event(&a, &e, &n);
		ok &= !n.lost[VS_LOSS_SEQ_GAP];
	}
	tap_ok(ok && !a.lost[VS_LOSS_SEQ_GAP] && a.events == 3,
	       "consecutive sequence numbers from %d: no loss", VS_FIRST_SEQ);

	e = ev(VS_FIRST_SEQ + 5, 0x1000, VMSCOPE_EVENT_FAULT);
	vs_acct_event(&a, &e, &n);
	tap_ok(n.lost[VS_LOSS_SEQ_GAP] == 2 && a.lost[VS_LOSS_SEQ_GAP] == 2,
	       "a jump by 3 is a gap of 2 events, shown at once (%" PRIu64 ")",
	       n.lost[VS_LOSS_SEQ_GAP]);

	e = ev(VS_FIRST_SEQ + 3, 0x1000, VMSCOPE_EVENT_FAULT);
	vs_acct_event(&a, &e, &n);
	tap_ok(!n.lost[VS_LOSS_SEQ_GAP] && a.lost[VS_LOSS_SEQ_GAP] == 1 &&
	       a.reordered == 1 && a.last_seq == VS_FIRST_SEQ + 5,
	       "a late event fills its gap and counts as reordered");
	vs_acct_free(&a);

	vs_acct_init(&a);
	e = ev(VS_FIRST_SEQ + 2, 0x1000, VMSCOPE_EVENT_FAULT);
	vs_acct_event(&a, &e, &n);
	tap_ok(n.lost[VS_LOSS_SEQ_GAP] == 2,
	       "the first events of a subscription missing is a gap too");
	vs_acct_free(&a);
}

static void test_drops(void)
{
	struct vs_acct a;
	struct vs_acct_news n;
	struct vs_event e;
	char *sum;

	vs_acct_init(&a);
	e = ev(0, 0x1000, VMSCOPE_EVENT_FAULT);
	e.dropped_buffer = 5;
	vs_acct_event(&a, &e, &n);
	tap_ok(n.lost[VS_LOSS_BUFFER] == 5 && a.lost[VS_LOSS_BUFFER] == 5,
	       "DROPPED_BUFFER going up is a new loss");
	e = ev(1, 0x1000, VMSCOPE_EVENT_FAULT);
	e.dropped_buffer = 5;
	e.dropped_socket = 2;
	vs_acct_event(&a, &e, &n);
	tap_ok(!n.lost[VS_LOSS_BUFFER] && n.lost[VS_LOSS_SOCKET] == 2,
	       "a running total that stays is no new loss; DROPPED_SOCKET counts");
	vs_acct_enobufs(&a);
	vs_acct_enobufs(&a);
	tap_ok(a.lost[VS_LOSS_ENOBUFS] == 2, "each ENOBUFS is counted");

	/* Totals: VMA 0x5000 3 events, 0x9000 2, 0x1000 2 (incl. above). */
	e = ev(2, 0x5000, VMSCOPE_EVENT_COW_COPY);
	vs_acct_event(&a, &e, &n);
	e = ev(3, 0x5000, VMSCOPE_EVENT_FAULT);
	vs_acct_event(&a, &e, &n);
	e = ev(4, 0x5000, 99);
	vs_acct_event(&a, &e, &n);
	e = ev(6, 0x9000, VMSCOPE_EVENT_COW_ZERO);
	vs_acct_event(&a, &e, &n);
	e = ev(7, 0x9000, VMSCOPE_EVENT_COW_ZERO);
	e.dropped_buffer = 6;
	vs_acct_event(&a, &e, &n);

	sum = capture_summary(&a);
	if (!tap_ok(strstr(sum, "{\"type\":\"summary\",\"events\":7,\"duration_ns\":1500000000,\"lost\":{\"buffer\":6,\"socket\":2,\"enobufs\":2,\"seq_gap\":1},\"lost_total\":8") != NULL,
	       "the summary totals every kind of loss: buffer + max(socket, gaps)"))
		tap_diag("%s", sum);
	{
		char *x = strstr(sum, "\"start\":20480,");
		char *y = strstr(sum, "\"start\":4096,");
		char *z = strstr(sum, "\"start\":36864,");

		if (!tap_ok(x && y && z && x < y && y < z &&
		       strstr(sum, "\"events\":3,\"kinds\":{\"fault\":1,\"cow-copy\":1,\"unknown\":1}") &&
		       strstr(sum, "\"events\":2,\"kinds\":{\"zero\":2}"),
		       "per-VMA totals by kind, most events first, ties by address"))
		tap_diag("%s", sum);
	}
	free(sum);
	vs_acct_free(&a);
}

/* ---------------------------------------------- lifecycle, real kernel */

#define MAXV 8192

struct snap {
	char buf[1 << 20];
	struct vs_vma v[MAXV];
	size_t n;
};

static struct snap s1, s2;

/* /proc/self/maps without malloc: nothing here may move the heap. */
static void snapshot(struct snap *s)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	size_t len = 0;
	ssize_t r;
	char *p, *nl;

	while ((r = read(fd, s->buf + len, sizeof(s->buf) - 1 - len)) > 0)
		len += r;
	close(fd);
	s->buf[len] = '\0';
	s->n = 0;
	for (p = s->buf; *p && s->n < MAXV; p = nl + 1) {
		struct vs_vma *v = &s->v[s->n++];
		unsigned long long a, b;
		int pos = 0;

		nl = strchr(p, '\n');
		*nl = '\0';
		memset(v, 0, sizeof(*v));
		sscanf(p, "%llx-%llx %*s %*s %*s %*s %n", &a, &b, &pos);
		v->start = a;
		v->end = b;
		if (pos && p[pos]) {
			v->name = p + pos;
			v->name_len = strlen(p + pos);
		}
	}
}

struct seen {
	int n;
	struct vs_change c;
	uint64_t start, end;
	char json[512];
};

static void record(const struct vs_change *c, void *arg)
{
	struct seen *s = arg;
	const struct vs_vma *v = c->nnew ? c->new : c->old;
	size_t n = c->nnew ? c->nnew : c->nold;
	FILE *f;

	if (s->n++)
		return;
	s->c = *c;
	s->start = v[0].start;
	s->end = v[n - 1].end;
	f = fmemopen(s->json, sizeof(s->json) - 1, "w");
	vs_change_print(f, c, 7, 123, 1);
	fclose(f);
}

static void expect(const char *what, enum vs_change_kind kind, size_t nold,
		   size_t nnew, uint64_t start, uint64_t end)
{
	struct seen s = { 0 };
	size_t n;

	snapshot(&s2);
	n = vs_vma_diff(s1.v, s1.n, s2.v, s2.n, record, &s);
	if (!tap_ok(n == 1 && s.c.kind == kind && s.c.nold == nold &&
	       s.c.nnew == nnew && s.start == start && s.end == end,
	       "%s is one '%s' of %zu VMA(s) into %zu", what,
	       vs_change_name(kind), nold, nnew))
		tap_diag("%zu changes, first %s %zu->%zu %" PRIx64 "-%" PRIx64
			 ", want %" PRIx64 "-%" PRIx64, n,
			 s.n ? vs_change_name(s.c.kind) : "-", s.c.nold,
			 s.c.nnew, s.start, s.end, start, end);
	memcpy(&s1, &s2, sizeof(s1));
	/* The names point into buf: move them with it. */
	for (n = 0; n < s1.n; n++)
		if (s1.v[n].name)
			s1.v[n].name = s1.buf + (s2.v[n].name - s2.buf);
}

static void test_lifecycle(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *base, *p, *brk0;
	struct seen s = { 0 };

	base = mmap(NULL, 64 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	munmap(base, 64 * pg);
	p = base + 16 * pg;

	snapshot(&s1);
	snapshot(&s2);
	tap_ok(vs_vma_diff(s1.v, s1.n, s2.v, s2.n, NULL, NULL) == 0,
	       "two dumps of an unchanged address space: no change");

	mmap(p, 4 * pg, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	expect("mmap", VS_CH_MAP, 0, 1, (uintptr_t)p, (uintptr_t)p + 4 * pg);

	mprotect(p + pg, pg, PROT_READ);
	expect("mprotect of a middle page", VS_CH_SPLIT, 1, 3, (uintptr_t)p,
	       (uintptr_t)p + 4 * pg);

	mprotect(p + pg, pg, PROT_READ | PROT_WRITE);
	expect("mprotect back", VS_CH_MERGE, 3, 1, (uintptr_t)p,
	       (uintptr_t)p + 4 * pg);

	mremap(p, 4 * pg, 8 * pg, 0);
	expect("mremap to 8 pages in place", VS_CH_GROW, 1, 1, (uintptr_t)p,
	       (uintptr_t)p + 8 * pg);

	mremap(p, 8 * pg, 2 * pg, 0);
	expect("mremap to 2 pages", VS_CH_SHRINK, 1, 1, (uintptr_t)p,
	       (uintptr_t)p + 2 * pg);

	munmap(p, 2 * pg);
	expect("munmap", VS_CH_UNMAP, 1, 0, (uintptr_t)p,
	       (uintptr_t)p + 2 * pg);

	/* The heap: make sure it exists, then grow it with sbrk(). */
	sbrk(16 * pg);
	snapshot(&s1);
	brk0 = sbrk(0);
	sbrk(16 * pg);
	snapshot(&s2);
	vs_vma_diff(s1.v, s1.n, s2.v, s2.n, record, &s);
	if (!tap_ok(s.n == 1 && s.c.kind == VS_CH_GROW && s.end >= (uintptr_t)brk0 +
	       16 * pg && s.c.new->name &&
	       !strncmp(s.c.new->name, "[heap]", 6),
	       "sbrk grows the [heap] VMA"))
		tap_diag("%d changes, %s", s.n, s.json);
	if (!tap_ok(strstr(s.json, "{\"type\":\"vma\",\"time_ns\":123,\"pid\":7,\"kind\":\"grow\",") == s.json &&
	       strstr(s.json, "\"name\":\"[heap]\",\"old\":[{\"start\":") &&
	       strstr(s.json, "],\"new\":[{\"start\":"),
	       "a lifecycle record in JSON"))
		tap_diag("%s", s.json);
}

static void test_change(void)
{
	struct vs_vma o[2] = {
		{ .start = 0x1000, .end = 0x3000 },
		{ .start = 0x3000, .end = 0x5000 },
	};
	struct vs_vma n[3] = {
		{ .start = 0x1000, .end = 0x2000 },
		{ .start = 0x2000, .end = 0x4000 },
		{ .start = 0x4000, .end = 0x5000 },
	};
	struct vs_vma m[1] = { { .start = 0x2000, .end = 0x6000 } };
	struct seen s = { 0 };

	vs_vma_diff(o, 2, n, 3, record, &s);
	tap_ok(s.n == 1 && s.c.kind == VS_CH_CHANGE && s.c.nold == 2 &&
	       s.c.nnew == 3, "2 VMAs becoming 3 other ones is one 'change'");
	memset(&s, 0, sizeof(s));
	vs_vma_diff(o, 1, m, 1, record, &s);
	tap_ok(s.n == 1 && s.c.kind == VS_CH_CHANGE,
	       "a VMA replaced by an overlapping one is a 'change'");
	memset(&s, 0, sizeof(s));
	tap_ok(vs_vma_diff(o, 2, o + 1, 1, record, &s) == 1 &&
	       s.c.kind == VS_CH_UNMAP && s.c.old == o,
	       "unmapping the first of two adjacent VMAs leaves the other");
}

int main(void)
{
	/* stdio's buffer now, not in the middle of the heap test. */
	printf("# test_watch\n");
	fflush(stdout);
	test_seq();
	test_drops();
	test_change();
	test_lifecycle();
	return tap_done();
}
