/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope: declarations shared by the module's files.
 */
#ifndef _VMSCOPE_H
#define _VMSCOPE_H

#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <net/genetlink.h>

#include <uapi/linux/vmscope.h>

struct mm_struct;
struct pid;
struct vm_area_struct;

/*
 * A required attribute: if it is missing, report its type (MISS_TYPE) and
 * a message naming it, so that no rejection comes without a message.
 */
#define VMSCOPE_REQUIRE(extack, attrs, type, msg) ({			\
	struct netlink_ext_ack *__ext = (extack);			\
	bool __missing = NL_REQ_ATTR_CHECK(__ext, NULL, attrs, type);	\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(__ext, msg);				\
	__missing;							\
})

extern bool vmscope_allow_same_user;
extern unsigned int vmscope_max_procs, vmscope_max_vmas;
extern struct genl_family vmscope_nl_family;

/**
 * struct vmscope_target - a process resolved and checked for one request
 * @pid: the target's thread-group pid (referenced)
 * @mm: the target's address space, pinned with mmgrab() only, so that a
 *	long dump does not keep a dead process's memory alive; every use
 *	takes mmget_not_zero() first
 * @nr: the target's thread-group id in the requester's pid namespace
 */
struct vmscope_target {
	struct pid *pid;
	struct mm_struct *mm;
	u32 nr;
};

int vmscope_target_get(struct vmscope_target *t, struct sk_buff *skb,
		       const struct nlattr *pid_attr,
		       struct netlink_ext_ack *extack);
void vmscope_target_put(struct vmscope_target *t);

/*
 * Counters, in the order of the VMSCOPE_VMA_A_FAULTS... attributes.  The
 * process-wide FAULTS* come from the fault tracepoints, the per-VMA ones
 * from handle_mm_fault(); the COW ones are the same hooks for both.  Every
 * fault is exactly one of READ, WRITE and EXEC, so FAULTS is never counted:
 * vmscope_put_counters() adds it up, which saves the hooks an increment.
 */
enum {
	VMSCOPE_C_FAULTS,
	VMSCOPE_C_FAULTS_READ,
	VMSCOPE_C_FAULTS_WRITE,
	VMSCOPE_C_FAULTS_EXEC,
	VMSCOPE_C_FAULTS_KERNEL,
	VMSCOPE_C_FAULTS_MAJOR,
	VMSCOPE_C_COW_FAULTS,
	VMSCOPE_C_COW_COPIES,
	VMSCOPE_C_COW_REUSES,
	VMSCOPE_C_COW_ZERO,
	VMSCOPE_C_COW_UNSHARE,
	VMSCOPE_C_FAULTS_PROT,		/* per process only */
	VMSCOPE_C_NR
};

/* One region's counters, copied out for a dump. */
struct vmscope_region_snap {
	unsigned long start;
	u64 c[VMSCOPE_C_NR];
};

struct vmscope_count_stats {
	u32 proc_used, vma_used;
	u64 proc_overflow, vma_overflow;
	size_t bytes;
};

/**
 * struct vmscope_event - one event on its way from a hook to the watchers
 * @time: CLOCK_MONOTONIC ns
 * @addr: faulting user address
 * @ip: user instruction pointer, 0 if not a user-mode fault
 * @vma_start: the VMA hit, as it was during the fault
 * @vma_end: its end
 * @vm_flags: its vm_flags, made VMSCOPE_VMA_F_* bits off the fault path
 * @file: its file, referenced, or NULL; the drain resolves the path
 * @name: its constant name if it has no file, or NULL
 * @tgid: faulting process, in the initial pid namespace (0: remote GUP)
 * @tid: faulting thread, likewise
 * @mask: watcher slots that want it
 * @kind: enum vmscope_event_kind
 * @access: enum vmscope_access
 * @flags: VMSCOPE_EVENT_F_* bits
 * @comm: faulting thread's name
 */
struct vmscope_event {
	u64 time;
	u64 addr, ip;
	u64 vma_start, vma_end;
	unsigned long vm_flags;
	struct file *file;
	const char *name;
	u32 tgid, tid;
	u32 mask;
	u8 kind, access, flags;
	char comm[TASK_COMM_LEN];
};

struct vmscope_watch_stats {
	u64 events, dropped;
	u32 listeners, ring_size;
	size_t bytes;
};

extern unsigned long vmscope_hooks, vmscope_hook_mask;
extern bool vmscope_vma_complete;
extern unsigned long vmscope_counters_exact, vmscope_counters_derived;
extern unsigned long vmscope_listener_bits;

/* Fault path: does anyone watch at all?  A plain load, no text patching. */
static inline bool vmscope_watching(void)
{
	return READ_ONCE(vmscope_listener_bits);
}

/* counters.c */
int vmscope_count_init(unsigned int max_procs, unsigned int max_vmas);
void vmscope_count_exit_tables(void);
void vmscope_uncount(const struct mm_struct *mm, unsigned long vma_start,
		     unsigned long vma_mask);
void vmscope_count_unmap(const struct mm_struct *mm, unsigned long start,
			 unsigned long end);
void vmscope_count_exit(const struct mm_struct *mm);
void vmscope_count_read_proc(const struct mm_struct *mm, u64 *c,
			     u64 *vma_overflow);
struct vmscope_region_snap *vmscope_snap_take(const struct mm_struct *mm,
					      unsigned int *n);
void vmscope_snap_sum(const struct vmscope_region_snap *s, unsigned int n,
		      unsigned int *pos, unsigned long start, unsigned long end,
		      u64 *c);
void vmscope_count_stats(struct vmscope_count_stats *st);
bool vmscope_counting(void);
int vmscope_put_counters(struct sk_buff *skb, const u64 *c, bool vma);

/* hooks.c */
int vmscope_hooks_init(void);
void vmscope_hooks_exit(void);
unsigned long vmscope_kretprobe_missed(void);

/* watch.c */
int vmscope_watch_init(unsigned int ring_size);
void vmscope_watch_exit(void);
void vmscope_watch_free_rings(void);
u32 vmscope_watch_match(const struct mm_struct *mm);
struct vmscope_event *vmscope_watch_reserve(u32 mask, unsigned long *flags);
void vmscope_watch_commit(unsigned long flags);
void vmscope_watch_stats(struct vmscope_watch_stats *st);
int vmscope_watch_doit(struct sk_buff *skb, struct genl_info *info);
int vmscope_unwatch_doit(struct sk_buff *skb, struct genl_info *info);

/* Events need the hook that sees every fault with its VMA. */
static inline bool vmscope_watch_available(void)
{
	return vmscope_hooks & (BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT) |
				BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT_START));
}

/* vma.c */
u64 vmscope_vma_flags(const struct vm_area_struct *vma);
u64 vmscope_vm_flags_uapi(unsigned long vm_flags);
const char *vmscope_vma_literal_name(struct vm_area_struct *vma);
int vmscope_put_name(struct sk_buff *skb, int attrtype, const char *name,
		     bool path);
void vmscope_vma_init(void);
int vmscope_nl_init(void);
void vmscope_nl_exit(void);

int vmscope_vma_get_doit(struct sk_buff *skb, struct genl_info *info);
int vmscope_vma_get_start(struct netlink_callback *cb);
int vmscope_vma_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vmscope_vma_get_done(struct netlink_callback *cb);

int vmscope_proc_get_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* _VMSCOPE_H */
