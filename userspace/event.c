// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope CLI: events, loss accounting, per-VMA totals and the VMA
 * lifecycle diff of "vmscope watch".  Nothing here talks to the kernel.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vmscope.h>

#include "cli.h"
#include "event.h"
#include "format.h"

static const char *const vs_losses[VS_LOSS_N] = {
	[VS_LOSS_BUFFER]	= "buffer",
	[VS_LOSS_SOCKET]	= "socket",
	[VS_LOSS_ENOBUFS]	= "enobufs",
	[VS_LOSS_SEQ_GAP]	= "seq_gap",
};

static const char *const vs_loss_text[VS_LOSS_N] = {
	[VS_LOSS_BUFFER]	= "events dropped: the kernel's per-CPU event buffer was full",
	[VS_LOSS_SOCKET]	= "events dropped: this socket's receive buffer was full",
	[VS_LOSS_ENOBUFS]	= "ENOBUFS from recv(): the socket overran",
	[VS_LOSS_SEQ_GAP]	= "events missing: sequence numbers skipped",
};

static const char *const vs_changes[VS_CH_N] = {
	[VS_CH_MAP]	= "map",
	[VS_CH_UNMAP]	= "unmap",
	[VS_CH_GROW]	= "grow",
	[VS_CH_SHRINK]	= "shrink",
	[VS_CH_SPLIT]	= "split",
	[VS_CH_MERGE]	= "merge",
	[VS_CH_CHANGE]	= "change",
};

const char *vs_loss_name(enum vs_loss l)
{
	return vs_losses[l];
}

const char *vs_change_name(enum vs_change_kind k)
{
	return vs_changes[k];
}

void vs_acct_init(struct vs_acct *a)
{
	memset(a, 0, sizeof(*a));
}

void vs_acct_free(struct vs_acct *a)
{
	struct vs_vma_total *t, *next;
	unsigned int b;

	for (b = 0; b < VS_TOTAL_BUCKETS; b++) {
		for (t = a->vmas[b]; t; t = next) {
			next = t->next;
			free(t->name);
			free(t);
		}
		a->vmas[b] = NULL;
	}
	a->nvmas = 0;
}

static unsigned int vs_total_hash(uint32_t pid, uint64_t start, uint64_t end)
{
	uint64_t h = (start >> 12) * 0x9e3779b97f4a7c15ULL;

	h ^= (end >> 12) + pid * 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	return h % VS_TOTAL_BUCKETS;
}

static int vs_acct_vma(struct vs_acct *a, const struct vs_event *e)
{
	unsigned int b = vs_total_hash(e->pid, e->vma_start, e->vma_end);
	unsigned int kind = e->kind < __VMSCOPE_EVENT_CNT ?
			    e->kind : __VMSCOPE_EVENT_CNT;
	struct vs_vma_total *t;

	for (t = a->vmas[b]; t; t = t->next)
		if (t->pid == e->pid && t->start == e->vma_start &&
		    t->end == e->vma_end)
			break;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		t->pid = e->pid;
		t->start = e->vma_start;
		t->end = e->vma_end;
		if (e->vma_name) {
			t->name = malloc(e->vma_name_len + 1);
			if (!t->name) {
				free(t);
				return -ENOMEM;
			}
			memcpy(t->name, e->vma_name, e->vma_name_len);
			t->name[e->vma_name_len] = '\0';
		}
		t->next = a->vmas[b];
		a->vmas[b] = t;
		a->nvmas++;
	}
	t->events++;
	t->kinds[kind]++;
	return 0;
}

/*
 * Account one event.  Sequence numbers start at VS_FIRST_SEQ and grow by
 * one per event the kernel meant to send to this subscription, sent or
 * lost on the way to the socket: a jump is a loss.  (Events lost to a
 * full CPU buffer, before they had a sequence number, are only in
 * DROPPED_BUFFER.)  An event below the highest seen (delivered late
 * from another CPU's buffer) fills a gap counted before.  DROPPED_BUFFER
 * and DROPPED_SOCKET are the kernel's running totals; what they went up
 * by is new.  Returns 0 or -ENOMEM.
 */
int vs_acct_event(struct vs_acct *a, const struct vs_event *e,
		  struct vs_acct_news *news)
{
	uint64_t gap = 0;

	memset(news, 0, sizeof(*news));
	a->events++;
	if (!a->have_seq) {
		a->have_seq = 1;
		a->first_seq = e->seq;
		a->last_seq = e->seq;
		if (e->seq > VS_FIRST_SEQ)
			gap = e->seq - VS_FIRST_SEQ;
	} else if (e->seq > a->last_seq) {
		gap = e->seq - a->last_seq - 1;
		a->last_seq = e->seq;
	} else {
		a->reordered++;
		if (a->lost[VS_LOSS_SEQ_GAP])
			a->lost[VS_LOSS_SEQ_GAP]--;
		if (e->seq < a->first_seq)
			a->first_seq = e->seq;
	}
	a->lost[VS_LOSS_SEQ_GAP] += gap;
	news->lost[VS_LOSS_SEQ_GAP] = gap;

	if (e->dropped_buffer > a->lost[VS_LOSS_BUFFER]) {
		news->lost[VS_LOSS_BUFFER] =
			e->dropped_buffer - a->lost[VS_LOSS_BUFFER];
		a->lost[VS_LOSS_BUFFER] = e->dropped_buffer;
	}
	if (e->dropped_socket > a->lost[VS_LOSS_SOCKET]) {
		news->lost[VS_LOSS_SOCKET] =
			e->dropped_socket - a->lost[VS_LOSS_SOCKET];
		a->lost[VS_LOSS_SOCKET] = e->dropped_socket;
	}
	return vs_acct_vma(a, e);
}

/*
 * Events lost in all, as far as we know: those of full CPU buffers,
 * which never got a sequence number, and those lost on the way to the
 * socket, as the kernel counted them or as the gaps show, whichever is
 * more (the count may be ahead of the last event seen, the gaps cannot).
 */
uint64_t vs_acct_lost(const struct vs_acct *a)
{
	uint64_t sock = a->lost[VS_LOSS_SOCKET];

	if (a->lost[VS_LOSS_SEQ_GAP] > sock)
		sock = a->lost[VS_LOSS_SEQ_GAP];
	return a->lost[VS_LOSS_BUFFER] + sock;
}

/* recv() failed with ENOBUFS: at least one message is lost. */
void vs_acct_enobufs(struct vs_acct *a)
{
	a->lost[VS_LOSS_ENOBUFS]++;
}

static void vs_name_json(FILE *f, const char *key, const char *s, size_t len)
{
	fprintf(f, ",\"%s\":", key);
	vs_json_string(f, s ? s : "", s ? len : 0);
}

/* Table output: s with control characters as '?', one line per record. */
static void vs_put_clean(FILE *f, const char *s, size_t len, int width)
{
	size_t i;

	for (i = 0; i < len; i++)
		putc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i],
		     f);
	for (; (int)i < width; i++)
		putc(' ', f);
}

static void vs_kind_str(uint32_t kind, char *buf, size_t len)
{
	const char *n = vs_event_kind_name(kind);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "kind%u", kind);
}

/* Table: the header line of vs_event_print(). */
static void vs_event_header(FILE *f)
{
	fprintf(f, "%-17s %7s %7s %-16s %-9s %-3s %-16s %-16s %s\n", "TIME",
		"PID", "TID", "COMM", "KIND", "ACC", "ADDR", "IP", "VMA");
}

/*
 * One event: a JSON object with "type":"event", or a table row.  The
 * table's ACC column is the access (r, w, x), then u or k for user or
 * kernel mode.
 */
void vs_event_print(FILE *f, const struct vs_event *e, int json)
{
	char kind[32];

	vs_kind_str(e->kind, kind, sizeof(kind));
	if (json) {
		fprintf(f, "{\"type\":\"event\",\"seq\":%" PRIu64
			",\"time_ns\":%" PRIu64 ",\"pid\":%u,\"tid\":%u",
			e->seq, e->time_ns, e->pid, e->tid);
		vs_name_json(f, "comm", e->comm, strlen(e->comm));
		fprintf(f, ",\"kind\":\"%s\",\"access\":\"%c\",\"user\":%s,\"addr\":%" PRIu64,
			kind, vs_access_char(e->access),
			e->flags & (1U << VMSCOPE_EVENT_F_USER) ? "true" : "false",
			e->addr);
		if (e->has_ip)
			fprintf(f, ",\"ip\":%" PRIu64, e->ip);
		fprintf(f, ",\"vma_start\":%" PRIu64 ",\"vma_end\":%" PRIu64,
			e->vma_start, e->vma_end);
		vs_name_json(f, "vma_name", e->vma_name, e->vma_name_len);
		fprintf(f, ",\"vma_flags\":");
		vs_json_bits(f, e->vma_flags, vs_flag_name);
		fprintf(f, "}\n");
		return;
	}
	fprintf(f, "%10" PRIu64 ".%06" PRIu64 " %7u %7u ",
		e->time_ns / 1000000000, e->time_ns % 1000000000 / 1000,
		e->pid, e->tid);
	vs_put_clean(f, e->comm, strlen(e->comm), 16);
	fprintf(f, " %-9s %c%c  %016" PRIx64 " ", kind,
		vs_access_char(e->access),
		e->flags & (1U << VMSCOPE_EVENT_F_USER) ? 'u' : 'k', e->addr);
	if (e->has_ip)
		fprintf(f, "%016" PRIx64, e->ip);
	else
		fprintf(f, "%-16s", "-");
	fprintf(f, " %" PRIx64 "-%" PRIx64 " ", e->vma_start, e->vma_end);
	if (e->vma_name)
		vs_put_clean(f, e->vma_name, e->vma_name_len, 0);
	putc('\n', f);
}

void vs_watch_header(FILE *f)
{
	vs_event_header(f);
}

/* A loss as soon as it is known: "type":"lost", or a "#" line. */
void vs_loss_print(FILE *f, enum vs_loss l, uint64_t count, uint64_t total,
		   int json)
{
	if (json)
		fprintf(f, "{\"type\":\"lost\",\"reason\":\"%s\",\"count\":%"
			PRIu64 ",\"total\":%" PRIu64 "}\n",
			vs_losses[l], count, total);
	else
		fprintf(f, "# lost: %" PRIu64 " %s (%" PRIu64 " so far)\n",
			count, vs_loss_text[l], total);
}

static int vs_total_cmp(const void *a, const void *b)
{
	const struct vs_vma_total *x = *(const struct vs_vma_total *const *)a;
	const struct vs_vma_total *y = *(const struct vs_vma_total *const *)b;

	if (x->events != y->events)
		return x->events < y->events ? 1 : -1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

/* The per-VMA totals, most events first; NULL if none or no memory. */
static struct vs_vma_total **vs_totals_sorted(const struct vs_acct *a)
{
	struct vs_vma_total **v, *t;
	size_t n = 0;
	unsigned int b;

	if (!a->nvmas)
		return NULL;
	v = malloc(a->nvmas * sizeof(*v));
	if (!v)
		return NULL;
	for (b = 0; b < VS_TOTAL_BUCKETS; b++)
		for (t = a->vmas[b]; t; t = t->next)
			v[n++] = t;
	qsort(v, n, sizeof(*v), vs_total_cmp);
	return v;
}

static void vs_total_kinds(FILE *f, const struct vs_vma_total *t, int json)
{
	const char *sep = "";
	unsigned int k;

	for (k = 0; k <= __VMSCOPE_EVENT_CNT; k++) {
		const char *n = k < __VMSCOPE_EVENT_CNT ?
				vs_event_kind_name(k) : "unknown";

		if (!t->kinds[k])
			continue;
		if (json)
			fprintf(f, "%s\"%s\":%" PRIu64, sep, n, t->kinds[k]);
		else
			fprintf(f, "%s%s %" PRIu64, sep, n, t->kinds[k]);
		sep = json ? "," : ", ";
	}
}

/*
 * The end of a watch: events seen, losses by reason, sequence numbers,
 * and the per-VMA totals sorted by events.  In JSON one object with
 * "type":"summary".
 */
void vs_summary_print(FILE *f, const struct vs_acct *a, uint64_t duration_ns,
		      int json)
{
	struct vs_vma_total **v = vs_totals_sorted(a);
	unsigned int l;
	size_t i;

	if (json) {
		fprintf(f, "{\"type\":\"summary\",\"events\":%" PRIu64
			",\"duration_ns\":%" PRIu64 ",\"lost\":{",
			a->events, duration_ns);
		for (l = 0; l < VS_LOSS_N; l++)
			fprintf(f, "%s\"%s\":%" PRIu64, l ? "," : "",
				vs_losses[l], a->lost[l]);
		fprintf(f, "},\"lost_total\":%" PRIu64, vs_acct_lost(a));
		if (a->have_seq)
			fprintf(f, ",\"seq_first\":%" PRIu64 ",\"seq_last\":%"
				PRIu64, a->first_seq, a->last_seq);
		fprintf(f, ",\"reordered\":%" PRIu64 ",\"vma_changes\":%" PRIu64
			",\"vmas\":[", a->reordered, a->vma_changes);
		for (i = 0; v && i < a->nvmas; i++) {
			fprintf(f, "%s{\"pid\":%u,\"start\":%" PRIu64
				",\"end\":%" PRIu64, i ? "," : "", v[i]->pid,
				v[i]->start, v[i]->end);
			vs_name_json(f, "name", v[i]->name,
				     v[i]->name ? strlen(v[i]->name) : 0);
			fprintf(f, ",\"events\":%" PRIu64 ",\"kinds\":{",
				v[i]->events);
			vs_total_kinds(f, v[i], 1);
			fprintf(f, "}}");
		}
		fprintf(f, "]}\n");
		free(v);
		return;
	}

	fprintf(f, "--- summary: %" PRIu64 " events in %" PRIu64 ".%03" PRIu64
		" s\n", a->events, duration_ns / 1000000000,
		duration_ns % 1000000000 / 1000000);
	fprintf(f, "lost:");
	for (l = 0; l < VS_LOSS_N; l++)
		fprintf(f, "%s %s %" PRIu64, l ? "," : "", vs_losses[l],
			a->lost[l]);
	fprintf(f, "; %" PRIu64 " events in all\n", vs_acct_lost(a));
	if (a->have_seq)
		fprintf(f, "seq: %" PRIu64 "-%" PRIu64 ", %" PRIu64
			" arrived out of order\n", a->first_seq, a->last_seq,
			a->reordered);
	fprintf(f, "VMA changes: %" PRIu64 "\n", a->vma_changes);
	if (!v)
		return;
	fprintf(f, "%10s %7s %-33s %s\n", "EVENTS", "PID", "VMA", "NAME / KINDS");
	for (i = 0; i < a->nvmas; i++) {
		char range[40];

		snprintf(range, sizeof(range), "%" PRIx64 "-%" PRIx64,
			 v[i]->start, v[i]->end);
		fprintf(f, "%10" PRIu64 " %7u %-33s ", v[i]->events,
			v[i]->pid, range);
		if (v[i]->name)
			vs_put_clean(f, v[i]->name, strlen(v[i]->name), 0);
		fprintf(f, " (");
		vs_total_kinds(f, v[i], 0);
		fprintf(f, ")\n");
	}
	free(v);
}

static int vs_same_range(const struct vs_vma *a, const struct vs_vma *b)
{
	return a->start == b->start && a->end == b->end;
}

static enum vs_change_kind vs_classify(const struct vs_vma *o, size_t no,
				       const struct vs_vma *n, size_t nn)
{
	if (!no)
		return VS_CH_MAP;
	if (!nn)
		return VS_CH_UNMAP;
	if (no == 1 && nn == 1) {
		if (n->start <= o->start && n->end >= o->end)
			return VS_CH_GROW;
		if (n->start >= o->start && n->end <= o->end)
			return VS_CH_SHRINK;
		return VS_CH_CHANGE;
	}
	if (no == 1)
		return VS_CH_SPLIT;
	if (nn == 1)
		return VS_CH_MERGE;
	return VS_CH_CHANGE;
}

/*
 * Compare two dumps of one address space, each sorted and without
 * overlaps, and call fn once per change: a group of old VMAs and new
 * VMAs that overlap each other (transitively) and are not the same
 * ranges.  A VMA whose range is unchanged is no change, even if its
 * flags or name changed.  Returns the number of changes.
 *
 *   map     no old VMA, one new one
 *   unmap   one old VMA, no new one
 *   grow    one old, one new covering it (brk, a stack, mremap)
 *   shrink  one old, one new inside it
 *   split   one old, several new (mprotect, munmap of a middle part)
 *   merge   several old, one new
 *   change  anything else
 */
size_t vs_vma_diff(const struct vs_vma *old, size_t nold,
		   const struct vs_vma *new, size_t nnew,
		   vs_change_fn fn, void *arg)
{
	size_t i = 0, j = 0, changes = 0;

	while (i < nold || j < nnew) {
		struct vs_change c;
		size_t oi = i, nj = j;
		uint64_t end;

		if (i < nold && j < nnew && vs_same_range(&old[i], &new[j])) {
			i++;
			j++;
			continue;
		}
		if (j >= nnew || (i < nold && old[i].start <= new[j].start))
			end = old[i++].end;
		else
			end = new[j++].end;
		for (;;) {
			int o = i < nold && old[i].start < end;
			int n = j < nnew && new[j].start < end;

			if (o && (!n || old[i].start <= new[j].start)) {
				if (old[i].end > end)
					end = old[i].end;
				i++;
			} else if (n) {
				if (new[j].end > end)
					end = new[j].end;
				j++;
			} else {
				break;
			}
		}
		c.old = old + oi;
		c.nold = i - oi;
		c.new = new + nj;
		c.nnew = j - nj;
		c.kind = vs_classify(c.old, c.nold, c.new, c.nnew);
		changes++;
		if (fn)
			fn(&c, arg);
	}
	return changes;
}

static void vs_ranges_json(FILE *f, const char *key, const struct vs_vma *v,
			   size_t n)
{
	size_t i;

	fprintf(f, ",\"%s\":[", key);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64,
			i ? "," : "", v[i].start, v[i].end);
		vs_name_json(f, "name", v[i].name, v[i].name_len);
		fputc('}', f);
	}
	fputc(']', f);
}

/*
 * One lifecycle record.  Its range is what the change left: the union of
 * the new VMAs (for unmap: the old one), its name the first of those.
 * JSON: "type":"vma", with the old and new VMAs.
 */
void vs_change_print(FILE *f, const struct vs_change *c, uint32_t pid,
		     uint64_t time_ns, int json)
{
	const struct vs_vma *v = c->nnew ? c->new : c->old;
	size_t n = c->nnew ? c->nnew : c->nold, i;
	uint64_t start = v[0].start, end = v[n - 1].end;

	if (json) {
		fprintf(f, "{\"type\":\"vma\",\"time_ns\":%" PRIu64
			",\"pid\":%u,\"kind\":\"%s\",\"start\":%" PRIu64
			",\"end\":%" PRIu64, time_ns, pid, vs_changes[c->kind],
			start, end);
		vs_name_json(f, "name", v[0].name, v[0].name_len);
		vs_ranges_json(f, "old", c->old, c->nold);
		vs_ranges_json(f, "new", c->new, c->nnew);
		fprintf(f, "}\n");
		return;
	}
	fprintf(f, "%10" PRIu64 ".%06" PRIu64 " %7u vma %-6s %" PRIx64 "-%"
		PRIx64 " ", time_ns / 1000000000, time_ns % 1000000000 / 1000,
		pid, vs_changes[c->kind], start, end);
	if (v[0].name)
		vs_put_clean(f, v[0].name, v[0].name_len, 0);
	if (c->nold && c->nnew) {
		fprintf(f, " (was");
		for (i = 0; i < c->nold; i++)
			fprintf(f, "%s %" PRIx64 "-%" PRIx64, i ? "," : "",
				c->old[i].start, c->old[i].end);
		fprintf(f, ")");
	}
	fputc('\n', f);
}
