/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope CLI: pure formatting and parsing helpers (no netlink, no kernel),
 * unit-tested on the host by tests/unit.
 */
#ifndef VMSCOPE_FORMAT_H
#define VMSCOPE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Append string literal s at p: a fixed-size copy the compiler inlines. */
#define VS_PUT_LIT(p, s) (memcpy(p, s, sizeof(s) - 1), (p) + sizeof(s) - 1)

/*
 * The fault and copy-on-write counters, in the order of their JSON keys
 * (the same keys in "maps --json", "stats --json" and "top --json").
 */
enum vs_ctr {
	VS_CTR_FAULTS,
	VS_CTR_FAULTS_READ,
	VS_CTR_FAULTS_WRITE,
	VS_CTR_FAULTS_EXEC,
	VS_CTR_FAULTS_KERNEL,
	VS_CTR_FAULTS_MAJOR,		/* per VMA only */
	VS_CTR_COW_FAULTS,
	VS_CTR_COW_COPIES,
	VS_CTR_COW_REUSES,
	VS_CTR_COW_ZERO,
	VS_CTR_COW_UNSHARE,
	VS_CTR_N
};

struct vs_ctr_def {
	const char *key;	/* JSON key */
	int vma_attr;		/* VMSCOPE_VMA_A_*, 0 if none */
	int proc_attr;		/* VMSCOPE_PROC_A_*, 0 if none */
	const char *help;	/* one line, for Prometheus' HELP */
};

extern const struct vs_ctr_def vs_ctrs[VS_CTR_N];

/* One VMA as VMSCOPE_CMD_VMA_GET reports it. */
struct vs_vma {
	uint64_t start;
	uint64_t end;
	uint64_t flags;		/* 1ULL << VMSCOPE_VMA_F_* */
	uint64_t offset;
	uint64_t inode;
	uint64_t page_size;
	uint32_t dev_major;
	uint32_t dev_minor;
	const char *name;	/* name_len bytes, NULL if none; not owned */
	size_t name_len;
	uint32_t has_ctr;	/* 1 << VS_CTR_*: counters present */
	uint64_t ctr[VS_CTR_N];
};

/*
 * Room that vs_vma_json() and vs_vma_row_ctr() need at most for v: 840
 * bytes with every number at its longest and all 64 flags, 11 counters of
 * at most 36 bytes each, and 6 bytes per byte of name (a control
 * character is "\u00XX").
 */
static inline size_t vs_vma_room(const struct vs_vma *v)
{
	return 1536 + 6 * v->name_len;
}

#define VS_PERMS_LEN	5	/* "r-xp" and its NUL */
#define VS_DEV_LEN	24	/* "%02x:%02x" of two u32 and its NUL */

void vs_perms(uint64_t flags, char out[VS_PERMS_LEN]);
void vs_dev(uint32_t major, uint32_t minor, char out[VS_DEV_LEN]);

unsigned int vs_flag_count(void);
const char *vs_flag_name(unsigned int bit);
const char *vs_flag_mnemonic(unsigned int bit);
void vs_flag_label(unsigned int bit, char *buf, size_t len);
int vs_flag_lookup(const char *name);
int vs_parse_flags(const char *list, uint64_t *mask, char *bad, size_t badlen);

unsigned int vs_feature_count(void);
const char *vs_feature_name(unsigned int bit);

char *vs_json_escape(char *p, const char *s, size_t len);
void vs_json_string(FILE *f, const char *s, size_t len);
void vs_json_bits(FILE *f, uint64_t bits, const char *(*name)(unsigned int));
char *vs_vma_json(char *p, const struct vs_vma *v);
char *vs_vma_row(char *p, const struct vs_vma *v);
char *vs_vma_row_ctr(char *p, const struct vs_vma *v, int counters);
void vs_vma_header(FILE *f);
void vs_vma_header_ctr(FILE *f, int counters);

const char *vs_hook_name(unsigned int bit);
const char *vs_counter_name(unsigned int bit);
unsigned int vs_counter_count(void);
const char *vs_event_kind_name(unsigned int kind);
char vs_access_char(unsigned int access);

/* Prometheus text exposition format (version 0.0.4). */
void vs_prom_label(FILE *f, const char *s);
void vs_prom_help(FILE *f, const char *s);

int vs_parse_u64(const char *s, uint64_t *val);
int vs_parse_pid(const char *s, int self, int *pid);
int vs_parse_range(const char *s, uint64_t *start, uint64_t *end);

void vs_format_size(uint64_t bytes, char *buf, size_t len);

#endif /* VMSCOPE_FORMAT_H */
