/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope: the counter tables' entries and their lock-free fast path.
 *
 * counters.c owns the tables.  What the fault-path hooks run on every
 * event is here, to be inlined into each hook: out of line, with a call, a
 * return and a loop over the counter mask, the same counting made the four
 * hooks of a COW fault cost about 500 instructions instead of 320 (7.2,
 * see the README).  Inserting an entry, the rare case, stays out of line
 * in counters.c.
 */
#ifndef _VMSCOPE_COUNTERS_H
#define _VMSCOPE_COUNTERS_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>

#include "vmscope.h"

struct vmscope_proc_ent {
	struct hlist_node node;
	struct list_head regions;
	const struct mm_struct *mm;
	unsigned int nregions;
	atomic64_t c[VMSCOPE_C_NR];
	atomic64_t vma_overflow;
	struct rcu_head rcu;
	struct vmscope_proc_ent *next_free;
};

struct vmscope_region {
	struct hlist_node node;
	struct list_head plist;
	/* Its process: freed after it, so valid wherever it is found. */
	struct vmscope_proc_ent *proc;
	const struct mm_struct *mm;
	unsigned long start;
	atomic64_t c[VMSCOPE_C_NR];
	struct rcu_head rcu;
	struct vmscope_region *next_free;
};

extern raw_spinlock_t vmscope_tab_lock;
extern struct hlist_head *vmscope_proc_hash;
extern struct hlist_head *vmscope_region_hash;
/* BITS_PER_LONG minus each table's hash bits, as hash_long() computes it. */
extern unsigned int vmscope_proc_shift;
extern unsigned int vmscope_region_shift;

void vmscope_count_miss(const struct mm_struct *mm, unsigned long proc_mask,
			unsigned long vma_start, unsigned long vma_mask);

/* hash_long(), with the shift kept rather than worked out on every event. */
static __always_inline unsigned long vmscope_hash(unsigned long key,
						  unsigned int shift)
{
	return (key * GOLDEN_RATIO_64) >> shift;
}

static __always_inline struct hlist_head *
vmscope_proc_bucket(const struct mm_struct *mm)
{
	return &vmscope_proc_hash[vmscope_hash((unsigned long)mm,
					       vmscope_proc_shift)];
}

static __always_inline struct hlist_head *
vmscope_region_bucket(const struct mm_struct *mm, unsigned long start)
{
	return &vmscope_region_hash[vmscope_hash((unsigned long)mm ^
						 (start >> PAGE_SHIFT),
						 vmscope_region_shift)];
}

/*
 * Callers are in an RCU read side (any flavour) or hold vmscope_tab_lock.
 */
static __always_inline struct vmscope_proc_ent *
vmscope_proc_find(const struct mm_struct *mm)
{
	struct vmscope_proc_ent *p;

	hlist_for_each_entry_rcu(p, vmscope_proc_bucket(mm), node,
				 lockdep_is_held(&vmscope_tab_lock))
		if (p->mm == mm)
			return p;
	return NULL;
}

static __always_inline struct vmscope_region *
vmscope_region_find(const struct mm_struct *mm, unsigned long start)
{
	struct vmscope_region *r;

	hlist_for_each_entry_rcu(r, vmscope_region_bucket(mm, start), node,
				 lockdep_is_held(&vmscope_tab_lock))
		if (r->mm == mm && r->start == start)
			return r;
	return NULL;
}

/*
 * Bump the counters of @c in @mask: one bit per counter.  GCC works a
 * constant mask's iterations out, and unrolls them into one increment per
 * counter.
 */
static __always_inline void vmscope_bump(atomic64_t *c, unsigned long mask)
{
	while (mask) {
		atomic64_inc(&c[__ffs(mask)]);
		mask &= mask - 1;
	}
}

/*
 * The hooks' read side: preemption off, a per-CPU count, where
 * rcu_read_lock() costs a function call each way under PREEMPT_RCU (Debian
 * builds it in).  The consolidated RCU of 5.0 and later waits for it just
 * the same before vmscope's call_rcu() callbacks free an entry.
 */
#define vmscope_hook_rcu_lock()		rcu_read_lock_sched_notrace()
#define vmscope_hook_rcu_unlock()	rcu_read_unlock_sched_notrace()

/**
 * vmscope_count - count an event of the process that owns @mm
 * @mm: the address space
 * @proc_mask: VMSCOPE_C_* counters of the process to bump, as bits
 * @vma_start: start of the VMA the event hit
 * @vma_mask: VMSCOPE_C_* counters of that VMA to bump; 0 for none
 *
 * Called from the fault-path hooks, atomic or not (ftrace); never sleeps.
 */
static __always_inline void
vmscope_count(const struct mm_struct *mm, unsigned long proc_mask,
	      unsigned long vma_start, unsigned long vma_mask)
{
	struct vmscope_proc_ent *p;
	struct vmscope_region *r;

	vmscope_hook_rcu_lock();
	/* The common case: the VMA's entry exists, and leads to the process's. */
	if (vma_mask) {
		r = vmscope_region_find(mm, vma_start);
		if (likely(r)) {
			vmscope_bump(r->proc->c, proc_mask);
			vmscope_bump(r->c, vma_mask);
			goto out;
		}
	} else {
		p = vmscope_proc_find(mm);
		if (likely(p)) {
			vmscope_bump(p->c, proc_mask);
			goto out;
		}
	}
	/* Out of line, so that the hooks save no registers for it. */
	vmscope_count_miss(mm, proc_mask, vma_start, vma_mask);
out:
	vmscope_hook_rcu_unlock();
}

/**
 * vmscope_count_found - vmscope_count() into existing entries only
 * @mm: the address space
 * @proc_mask: VMSCOPE_C_* counters of the process to bump, as bits
 * @vma_start: start of the VMA the event hit
 * @vma_mask: VMSCOPE_C_* counters of that VMA to bump
 *
 * For a hook that may run as an NMI (an int3 kprobe): lock-free lookups
 * and atomics, never an insert.  An event whose entries are missing was
 * already counted as overflow by the hook that should have made them.
 */
static __always_inline void
vmscope_count_found(const struct mm_struct *mm, unsigned long proc_mask,
		    unsigned long vma_start, unsigned long vma_mask)
{
	struct vmscope_proc_ent *p;
	struct vmscope_region *r;

	vmscope_hook_rcu_lock();
	r = vmscope_region_find(mm, vma_start);
	p = r ? r->proc : vmscope_proc_find(mm);
	if (p)
		vmscope_bump(p->c, proc_mask);
	if (r)
		vmscope_bump(r->c, vma_mask);
	vmscope_hook_rcu_unlock();
}

#endif /* _VMSCOPE_COUNTERS_H */
