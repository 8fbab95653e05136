// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope: the fault and copy-on-write counter tables.
 *
 * Two fixed-size tables, sized at load time by module parameters and never
 * grown: one entry per address space (keyed by its mm_struct) and one per
 * VMA region (keyed by mm and the VMA's start address at the time of the
 * event).  The fault-path hooks look entries up under RCU, without a lock,
 * and bump atomic counters.  Only inserting or removing an entry takes
 * vmscope_tab_lock, a raw spinlock, so that it is usable from the hooks'
 * atomic context on PREEMPT_RT as well.  Removed entries go back to their
 * pool after a grace period, so a hook that still sees one writes to an
 * entry nobody reads, never to freed memory.
 *
 * The mm pointer is only ever compared, never dereferenced or reported.
 */
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <net/netlink.h>

#include <uapi/linux/vmscope.h>
#include "counters.h"
#include "vmscope.h"

DEFINE_RAW_SPINLOCK(vmscope_tab_lock);

static struct vmscope_proc_ent *vmscope_procs;
static struct vmscope_proc_ent *vmscope_proc_free;
struct hlist_head *vmscope_proc_hash;
static unsigned int vmscope_proc_bits;
unsigned int vmscope_proc_shift;
static unsigned int vmscope_proc_used;

static struct vmscope_region *vmscope_regions;
static struct vmscope_region *vmscope_region_free;
struct hlist_head *vmscope_region_hash;
static unsigned int vmscope_region_bits;
unsigned int vmscope_region_shift;
static unsigned int vmscope_region_used;

static atomic64_t vmscope_proc_overflow = ATOMIC64_INIT(0);
static atomic64_t vmscope_vma_overflow = ATOMIC64_INIT(0);
static size_t vmscope_tab_bytes;

static void vmscope_reset(atomic64_t *c, int n)
{
	while (n--)
		atomic64_set(&c[n], 0);
}

/* The slow half of vmscope_proc_get(): insert an entry for @mm. */
static struct vmscope_proc_ent *
vmscope_proc_add(const struct mm_struct *mm)
{
	struct vmscope_proc_ent *p;
	unsigned long flags;

	raw_spin_lock_irqsave(&vmscope_tab_lock, flags);
	p = vmscope_proc_find(mm);
	if (!p && vmscope_proc_free) {
		p = vmscope_proc_free;
		vmscope_proc_free = p->next_free;
		vmscope_proc_used++;
		p->mm = mm;
		p->nregions = 0;
		INIT_LIST_HEAD(&p->regions);
		vmscope_reset(p->c, VMSCOPE_C_NR);
		atomic64_set(&p->vma_overflow, 0);
		hlist_add_head_rcu(&p->node, vmscope_proc_bucket(mm));
	}
	raw_spin_unlock_irqrestore(&vmscope_tab_lock, flags);
	if (!p)
		atomic64_inc(&vmscope_proc_overflow);
	return p;
}

/* The slow half of vmscope_region_get(): insert an entry for @start. */
static struct vmscope_region *
vmscope_region_add(struct vmscope_proc_ent *p, unsigned long start)
{
	struct vmscope_region *r;
	unsigned long flags;

	raw_spin_lock_irqsave(&vmscope_tab_lock, flags);
	r = vmscope_region_find(p->mm, start);
	/* hlist_unhashed(): the process was torn down meanwhile. */
	if (!r && vmscope_region_free && !hlist_unhashed(&p->node)) {
		r = vmscope_region_free;
		vmscope_region_free = r->next_free;
		vmscope_region_used++;
		r->proc = p;
		r->mm = p->mm;
		r->start = start;
		vmscope_reset(r->c, VMSCOPE_C_NR);
		hlist_add_head_rcu(&r->node, vmscope_region_bucket(p->mm, start));
		list_add_tail_rcu(&r->plist, &p->regions);
		p->nregions++;
	}
	raw_spin_unlock_irqrestore(&vmscope_tab_lock, flags);
	if (!r) {
		atomic64_inc(&p->vma_overflow);
		atomic64_inc(&vmscope_vma_overflow);
	}
	return r;
}

/*
 * The entry of @mm, created on first use.  Any context; O(1) apart from the
 * hash chain.  NULL (and counted) when the table is full.
 */
static __always_inline struct vmscope_proc_ent *
vmscope_proc_get(const struct mm_struct *mm)
{
	struct vmscope_proc_ent *p = vmscope_proc_find(mm);

	return likely(p) ? p : vmscope_proc_add(mm);
}

static __always_inline struct vmscope_region *
vmscope_region_get(struct vmscope_proc_ent *p, unsigned long start)
{
	struct vmscope_region *r = vmscope_region_find(p->mm, start);

	return likely(r) ? r : vmscope_region_add(p, start);
}

/*
 * vmscope_count() when an entry is missing: make the entries, then count.
 * The caller is in the hooks' RCU read side.
 */
void vmscope_count_miss(const struct mm_struct *mm, unsigned long proc_mask,
			unsigned long vma_start, unsigned long vma_mask)
{
	struct vmscope_proc_ent *p;
	struct vmscope_region *r = NULL;

	p = vmscope_proc_get(mm);
	if (!p)
		return;
	if (vma_mask)
		r = vmscope_region_get(p, vma_start);
	vmscope_bump(p->c, proc_mask);
	if (r)
		vmscope_bump(r->c, vma_mask);
}

/**
 * vmscope_uncount - take back what vmscope_count() counted for a VMA
 * @mm: the address space
 * @vma_start: start of the VMA the event hit
 * @vma_mask: VMSCOPE_C_* counters of that VMA to decrement
 *
 * For a fault counted when it started that then did not complete.  Never
 * creates an entry (the range may be gone by now), and never takes a
 * counter below zero (the range may have been unmapped and mapped anew).
 */
void vmscope_uncount(const struct mm_struct *mm, unsigned long vma_start,
		     unsigned long vma_mask)
{
	struct vmscope_region *r;
	int i;

	vmscope_hook_rcu_lock();
	r = vmscope_region_find(mm, vma_start);
	if (r)
		for_each_set_bit(i, &vma_mask, VMSCOPE_C_NR)
			atomic64_dec_if_positive(&r->c[i]);
	vmscope_hook_rcu_unlock();
}

/* call_rcu() callbacks: back to the pool once no hook can see the entry. */
static void vmscope_region_free_rcu(struct rcu_head *head)
{
	struct vmscope_region *r = container_of(head, struct vmscope_region, rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&vmscope_tab_lock, flags);
	r->next_free = vmscope_region_free;
	vmscope_region_free = r;
	vmscope_region_used--;
	raw_spin_unlock_irqrestore(&vmscope_tab_lock, flags);
}

static void vmscope_proc_free_rcu(struct rcu_head *head)
{
	struct vmscope_proc_ent *p =
		container_of(head, struct vmscope_proc_ent, rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&vmscope_tab_lock, flags);
	p->next_free = vmscope_proc_free;
	vmscope_proc_free = p;
	vmscope_proc_used--;
	raw_spin_unlock_irqrestore(&vmscope_tab_lock, flags);
}

/* Under vmscope_tab_lock. */
static void vmscope_region_del(struct vmscope_proc_ent *p,
			       struct vmscope_region *r)
{
	hlist_del_init_rcu(&r->node);
	list_del_rcu(&r->plist);
	p->nregions--;
	call_rcu(&r->rcu, vmscope_region_free_rcu);
}

/**
 * vmscope_count_unmap - forget the regions of @mm that start in [@start, @end)
 * @mm: the address space
 * @start: first address being unmapped
 * @end: end (exclusive) of the range
 *
 * The range is being unmapped (munmap, mremap moving it, a MAP_FIXED
 * mapping over it, exit): its history goes with it.  Walks whichever is
 * shorter, the process's regions or the range's pages.
 */
void vmscope_count_unmap(const struct mm_struct *mm, unsigned long start,
			 unsigned long end)
{
	struct vmscope_region *r, *tmp;
	struct vmscope_proc_ent *p;
	unsigned long flags, addr;

	raw_spin_lock_irqsave(&vmscope_tab_lock, flags);
	p = vmscope_proc_find(mm);
	if (!p || !p->nregions)
		goto out;
	if ((end - start) >> PAGE_SHIFT < p->nregions) {
		for (addr = start & PAGE_MASK; addr < end; addr += PAGE_SIZE) {
			r = vmscope_region_find(mm, addr);
			if (r)
				vmscope_region_del(p, r);
		}
	} else {
		list_for_each_entry_safe(r, tmp, &p->regions, plist)
			if (r->start >= start && r->start < end)
				vmscope_region_del(p, r);
	}
out:
	raw_spin_unlock_irqrestore(&vmscope_tab_lock, flags);
}

/* The address space is being torn down: free everything it had. */
void vmscope_count_exit(const struct mm_struct *mm)
{
	struct vmscope_region *r, *tmp;
	struct vmscope_proc_ent *p;
	unsigned long flags;

	raw_spin_lock_irqsave(&vmscope_tab_lock, flags);
	p = vmscope_proc_find(mm);
	if (p) {
		list_for_each_entry_safe(r, tmp, &p->regions, plist)
			vmscope_region_del(p, r);
		hlist_del_init_rcu(&p->node);
		call_rcu(&p->rcu, vmscope_proc_free_rcu);
	}
	raw_spin_unlock_irqrestore(&vmscope_tab_lock, flags);
}

/* A process's counters, zero if it has none.  Process context. */
void vmscope_count_read_proc(const struct mm_struct *mm, u64 *c,
			     u64 *vma_overflow)
{
	struct vmscope_proc_ent *p;
	int i;

	rcu_read_lock();
	p = vmscope_proc_find(mm);
	for (i = 0; i < VMSCOPE_C_NR; i++)
		c[i] = p ? atomic64_read(&p->c[i]) : 0;
	*vma_overflow = p ? atomic64_read(&p->vma_overflow) : 0;
	rcu_read_unlock();
}

static int vmscope_snap_cmp(const void *a, const void *b)
{
	const struct vmscope_region_snap *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/**
 * vmscope_snap_take - copy a process's per-VMA counters, sorted by start
 * @mm: the address space
 * @n: set to the number of entries
 *
 * For a dump: joining the copy with the VMA walk needs no lock of ours
 * while the target's mmap_lock is held.  Process context; may sleep.
 * Returns NULL with *@n = 0 when the process has no regions.
 */
struct vmscope_region_snap *vmscope_snap_take(const struct mm_struct *mm,
					      unsigned int *n)
{
	struct vmscope_region_snap *s;
	struct vmscope_proc_ent *p;
	struct vmscope_region *r;
	unsigned int cap, i = 0;
	int k;

	*n = 0;
	rcu_read_lock();
	p = vmscope_proc_find(mm);
	cap = p ? READ_ONCE(p->nregions) : 0;
	rcu_read_unlock();
	if (!cap)
		return NULL;
	/* Regions added meanwhile get a little slack, then wait. */
	cap += 16;
	s = kvmalloc_array(cap, sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);

	rcu_read_lock();
	p = vmscope_proc_find(mm);
	if (p) {
		list_for_each_entry_rcu(r, &p->regions, plist) {
			if (i == cap)
				break;
			s[i].start = r->start;
			for (k = 0; k < VMSCOPE_C_NR; k++)
				s[i].c[k] = atomic64_read(&r->c[k]);
			i++;
		}
	}
	rcu_read_unlock();
	sort(s, i, sizeof(*s), vmscope_snap_cmp, NULL);
	*n = i;
	return s;
}

/**
 * vmscope_snap_sum - the counters of the VMA [@start, @end)
 * @s: the sorted snapshot
 * @n: its entries
 * @pos: cursor, kept between calls of an ascending walk
 * @start: the VMA's start
 * @end: the VMA's end
 * @c: VMSCOPE_C_* sums, out
 *
 * The sum over the regions that start inside it (see the UAPI header for
 * why: a split leaves history with the lower piece, a merge adds up).
 */
void vmscope_snap_sum(const struct vmscope_region_snap *s, unsigned int n,
		      unsigned int *pos, unsigned long start, unsigned long end,
		      u64 *c)
{
	unsigned int i = *pos;
	int k;

	memset(c, 0, sizeof(u64) * VMSCOPE_C_NR);
	if (i > n || (i > 0 && s[i - 1].start >= start))
		i = 0;	/* not ascending from here: search from the start */
	while (i < n && s[i].start < start)
		i++;
	for (; i < n && s[i].start < end; i++)
		for (k = 0; k < VMSCOPE_C_NR; k++)
			c[k] += s[i].c[k];
	*pos = i;
}

void vmscope_count_stats(struct vmscope_count_stats *st)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vmscope_tab_lock, flags);
	st->proc_used = vmscope_proc_used;
	st->vma_used = vmscope_region_used;
	raw_spin_unlock_irqrestore(&vmscope_tab_lock, flags);
	st->proc_overflow = atomic64_read(&vmscope_proc_overflow);
	st->vma_overflow = atomic64_read(&vmscope_vma_overflow);
	st->bytes = vmscope_tab_bytes;
}

static void *vmscope_tab_alloc(size_t n, size_t size)
{
	vmscope_tab_bytes += n * size;
	return kvcalloc(n, size, GFP_KERNEL);
}

int __init vmscope_count_init(unsigned int max_procs, unsigned int max_vmas)
{
	unsigned int i;

	/* At least two buckets: a shift by 64 would not hash at all. */
	vmscope_proc_bits = max(ilog2(roundup_pow_of_two(max_procs)), 1);
	vmscope_region_bits = max(ilog2(roundup_pow_of_two(max_vmas)), 1);
	vmscope_proc_shift = BITS_PER_LONG - vmscope_proc_bits;
	vmscope_region_shift = BITS_PER_LONG - vmscope_region_bits;
	vmscope_procs = vmscope_tab_alloc(max_procs, sizeof(*vmscope_procs));
	vmscope_proc_hash = vmscope_tab_alloc(1U << vmscope_proc_bits,
					      sizeof(*vmscope_proc_hash));
	vmscope_regions = vmscope_tab_alloc(max_vmas, sizeof(*vmscope_regions));
	vmscope_region_hash = vmscope_tab_alloc(1U << vmscope_region_bits,
						sizeof(*vmscope_region_hash));
	if (!vmscope_procs || !vmscope_proc_hash || !vmscope_regions ||
	    !vmscope_region_hash) {
		vmscope_count_exit_tables();
		return -ENOMEM;
	}
	for (i = 0; i < max_procs; i++) {
		vmscope_procs[i].next_free = vmscope_proc_free;
		vmscope_proc_free = &vmscope_procs[i];
	}
	for (i = 0; i < max_vmas; i++) {
		vmscope_regions[i].next_free = vmscope_region_free;
		vmscope_region_free = &vmscope_regions[i];
	}
	return 0;
}

/* After the hooks are gone: wait for pending frees, then drop the pools. */
void vmscope_count_exit_tables(void)
{
	rcu_barrier();
	kvfree(vmscope_procs);
	kvfree(vmscope_proc_hash);
	kvfree(vmscope_regions);
	kvfree(vmscope_region_hash);
	vmscope_procs = NULL;
	vmscope_proc_hash = NULL;
	vmscope_regions = NULL;
	vmscope_region_hash = NULL;
}

/* Is counting on at all: the hooks that free entries are attached. */
bool vmscope_counting(void)
{
	return vmscope_hooks & BIT(VMSCOPE_HOOK_EXIT_MMAP);
}

/* The VMSCOPE_CTR_* group each counter belongs to, per VMA and per process. */
static const struct {
	s8 vma_group;
	s8 proc_group;
	u16 proc_attr;
} vmscope_ctr_info[VMSCOPE_C_NR] = {
	[VMSCOPE_C_FAULTS]	 = { VMSCOPE_CTR_VMA_FAULTS, VMSCOPE_CTR_FAULTS,
				     VMSCOPE_PROC_A_FAULTS },
	[VMSCOPE_C_FAULTS_READ]	 = { VMSCOPE_CTR_VMA_FAULTS, VMSCOPE_CTR_FAULTS,
				     VMSCOPE_PROC_A_FAULTS_READ },
	[VMSCOPE_C_FAULTS_WRITE] = { VMSCOPE_CTR_VMA_FAULTS, VMSCOPE_CTR_FAULTS,
				     VMSCOPE_PROC_A_FAULTS_WRITE },
	[VMSCOPE_C_FAULTS_EXEC]	 = { VMSCOPE_CTR_VMA_FAULTS, VMSCOPE_CTR_FAULTS,
				     VMSCOPE_PROC_A_FAULTS_EXEC },
	[VMSCOPE_C_FAULTS_KERNEL] = { VMSCOPE_CTR_VMA_FAULTS, VMSCOPE_CTR_FAULTS,
				      VMSCOPE_PROC_A_FAULTS_KERNEL },
	[VMSCOPE_C_FAULTS_MAJOR] = { VMSCOPE_CTR_VMA_FAULTS, -1, 0 },
	[VMSCOPE_C_COW_FAULTS]	 = { VMSCOPE_CTR_COW_FAULTS, VMSCOPE_CTR_COW_FAULTS,
				     VMSCOPE_PROC_A_COW_FAULTS },
	[VMSCOPE_C_COW_COPIES]	 = { VMSCOPE_CTR_COW_COPIES, VMSCOPE_CTR_COW_COPIES,
				     VMSCOPE_PROC_A_COW_COPIES },
	[VMSCOPE_C_COW_REUSES]	 = { VMSCOPE_CTR_COW_REUSES, VMSCOPE_CTR_COW_REUSES,
				     VMSCOPE_PROC_A_COW_REUSES },
	[VMSCOPE_C_COW_ZERO]	 = { VMSCOPE_CTR_COW_ZERO, VMSCOPE_CTR_COW_ZERO,
				     VMSCOPE_PROC_A_COW_ZERO },
	[VMSCOPE_C_COW_UNSHARE]	 = { VMSCOPE_CTR_COW_UNSHARE,
				     VMSCOPE_CTR_COW_UNSHARE,
				     VMSCOPE_PROC_A_COW_UNSHARE },
	[VMSCOPE_C_FAULTS_PROT]	 = { -1, VMSCOPE_CTR_FAULTS,
				     VMSCOPE_PROC_A_FAULTS_PROT },
};

/**
 * vmscope_put_counters - the available counters as reply attributes
 * @skb: the message
 * @c: VMSCOPE_C_* values
 * @vma: a VMA's (VMSCOPE_VMA_A_*) rather than a process's (PROC_A)
 *
 * A counter whose hooks are missing is left out; a derived one is computed
 * here (see enum vmscope_counters).
 */
int vmscope_put_counters(struct sk_buff *skb, const u64 *c, bool vma)
{
	unsigned long ok = vmscope_counters_exact | vmscope_counters_derived;
	int i, group, attr, pad;
	u64 val;

	BUILD_BUG_ON(VMSCOPE_VMA_A_COW_UNSHARE - VMSCOPE_VMA_A_FAULTS !=
		     VMSCOPE_C_COW_UNSHARE);

	for (i = 0; i < VMSCOPE_C_NR; i++) {
		group = vma ? vmscope_ctr_info[i].vma_group :
			      vmscope_ctr_info[i].proc_group;
		if (group < 0 || !(ok & BIT(group)))
			continue;
		val = c[i];
		if (i == VMSCOPE_C_FAULTS)
			val = c[VMSCOPE_C_FAULTS_READ] +
			      c[VMSCOPE_C_FAULTS_WRITE] +
			      c[VMSCOPE_C_FAULTS_EXEC];
		else if (vmscope_counters_derived & BIT(group))
			/* only reuses are ever derived */
			val = c[VMSCOPE_C_COW_FAULTS] > c[VMSCOPE_C_COW_COPIES] ?
			      c[VMSCOPE_C_COW_FAULTS] - c[VMSCOPE_C_COW_COPIES] : 0;
		attr = vma ? VMSCOPE_VMA_A_FAULTS + i :
			     vmscope_ctr_info[i].proc_attr;
		pad = vma ? VMSCOPE_VMA_A_PAD : VMSCOPE_PROC_A_PAD;
		if (nla_put_u64_64bit(skb, attr, val, pad))
			return -EMSGSIZE;
	}
	return 0;
}
