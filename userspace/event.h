/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope CLI: the pure parts of "watch" (no netlink I/O): one event and
 * its output, the loss accounting (sequence gaps, ENOBUFS, the kernel's
 * drop counters), per-VMA totals and the VMA lifecycle diff.  Unit-tested
 * on the host by tests/unit/test_watch.c.
 */
#ifndef VMSCOPE_EVENT_H
#define VMSCOPE_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/vmscope.h>

#include "format.h"

/* One VMSCOPE_CMD_EVENT; the strings point into the message. */
struct vs_event {
	uint64_t seq;
	uint64_t time_ns;
	uint64_t addr;
	uint64_t ip;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t dropped_buffer;
	uint64_t dropped_socket;
	uint32_t pid;
	uint32_t tid;
	uint32_t kind;		/* enum vmscope_event_kind */
	uint32_t access;	/* enum vmscope_access */
	uint32_t flags;		/* 1 << VMSCOPE_EVENT_F_* */
	int has_ip;
	const char *comm;	/* NUL-terminated */
	const char *vma_name;	/* vma_name_len bytes; NULL if none */
	size_t vma_name_len;
};

/* Where events were lost; the "reason" values of the "lost" records. */
enum vs_loss {
	VS_LOSS_BUFFER,		/* the kernel's DROPPED_BUFFER went up */
	VS_LOSS_SOCKET,		/* the kernel's DROPPED_SOCKET went up */
	VS_LOSS_ENOBUFS,	/* recv() said ENOBUFS */
	VS_LOSS_SEQ_GAP,	/* sequence numbers were skipped */
	VS_LOSS_N
};

const char *vs_loss_name(enum vs_loss l);

/* The events of one VMA (pid, start, end), for the summary. */
struct vs_vma_total {
	uint32_t pid;
	uint64_t start;
	uint64_t end;
	char *name;		/* as the first event named it; NULL if none */
	uint64_t events;
	uint64_t kinds[__VMSCOPE_EVENT_CNT + 1];	/* last: unknown */
	struct vs_vma_total *next;
};

#define VS_TOTAL_BUCKETS	1024

struct vs_acct {
	uint64_t events;
	uint64_t first_seq;
	uint64_t last_seq;	/* highest seen */
	int have_seq;
	uint64_t lost[VS_LOSS_N];	/* BUFFER/SOCKET: the kernel's totals */
	uint64_t reordered;	/* arrived below the highest seen */
	uint64_t vma_changes;
	size_t nvmas;
	struct vs_vma_total *vmas[VS_TOTAL_BUCKETS];
};

/* What one event told the accounting, to show at once. */
struct vs_acct_news {
	uint64_t lost[VS_LOSS_N];	/* new losses by reason */
};

/* The first sequence number of a subscription. */
#define VS_FIRST_SEQ	0

void vs_acct_init(struct vs_acct *a);
void vs_acct_free(struct vs_acct *a);
int vs_acct_event(struct vs_acct *a, const struct vs_event *e,
		  struct vs_acct_news *news);
void vs_acct_enobufs(struct vs_acct *a);
uint64_t vs_acct_lost(const struct vs_acct *a);

void vs_watch_header(FILE *f);
void vs_event_print(FILE *f, const struct vs_event *e, int json);
void vs_loss_print(FILE *f, enum vs_loss l, uint64_t count, uint64_t total,
		   int json);
void vs_summary_print(FILE *f, const struct vs_acct *a, uint64_t duration_ns,
		      int json);

/* VMA lifecycle: what changed between two dumps of one process. */
enum vs_change_kind {
	VS_CH_MAP,
	VS_CH_UNMAP,
	VS_CH_GROW,
	VS_CH_SHRINK,
	VS_CH_SPLIT,
	VS_CH_MERGE,
	VS_CH_CHANGE,		/* anything else: n VMAs became m */
	VS_CH_N
};

const char *vs_change_name(enum vs_change_kind k);

/* One change: old[0..nold) became new[0..nnew), overlapping each other. */
struct vs_change {
	enum vs_change_kind kind;
	const struct vs_vma *old;
	size_t nold;
	const struct vs_vma *new;
	size_t nnew;
};

typedef void (*vs_change_fn)(const struct vs_change *c, void *arg);

size_t vs_vma_diff(const struct vs_vma *old, size_t nold,
		   const struct vs_vma *new, size_t nnew,
		   vs_change_fn fn, void *arg);
void vs_change_print(FILE *f, const struct vs_change *c, uint32_t pid,
		     uint64_t time_ns, int json);

#endif /* VMSCOPE_EVENT_H */
