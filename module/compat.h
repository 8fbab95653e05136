/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope: every kernel-version difference the module has to bridge.
 *
 * The rest of the module is written against the newest API and includes
 * this header; no other file tests LINUX_VERSION_CODE or an API's presence.
 * Supported: 6.1 (maple-tree VMA iterator) and later.
 */
#ifndef _VMSCOPE_COMPAT_H
#define _VMSCOPE_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/capability.h>
#include <linux/ftrace.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <net/genetlink.h>

/* The one place that reads the kernel version; the tests below use it. */
#define VMSCOPE_KERNEL_SINCE(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

#if !VMSCOPE_KERNEL_SINCE(6, 1)
#error "vmscope needs Linux 6.1 or later (the maple-tree VMA iterator)"
#endif

/* The parsed attributes of a dump request, as genetlink's .start left them. */
#if VMSCOPE_KERNEL_SINCE(6, 2)
#define vmscope_dump_attrs(cb)	(genl_info_dump(cb)->attrs)
#else
#define vmscope_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

/*
 * /proc/PID/maps names a file mapping by the path the user opened, and
 * takes dev and inode from the same file.  Since 6.8 a stacking
 * filesystem's backing file reports the user-visible path and inode through
 * file_user_path() and file_user_inode(); before that, vm_file itself was
 * what /proc printed.
 */
#if VMSCOPE_KERNEL_SINCE(6, 8)
#define vmscope_file_path(f)	file_user_path(f)
#define vmscope_file_inode(f)	file_user_inode(f)
#else
#define vmscope_file_path(f)	(&(f)->f_path)
#define vmscope_file_inode(f)	file_inode(f)
#endif

/*
 * [heap] and [stack] as /proc/PID/maps decides them.  6.1 open-codes the
 * tests in fs/proc/task_mmu.c, with an inclusive heap test; 6.6 moved them
 * to mm.h and made the heap test exclusive.
 */
#if VMSCOPE_KERNEL_SINCE(6, 6)
#define vmscope_vma_is_heap(vma)	vma_is_initial_heap(vma)
#define vmscope_vma_is_stack(vma)	vma_is_initial_stack(vma)
#else
static inline bool vmscope_vma_is_heap(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->brk &&
	       vma->vm_end >= vma->vm_mm->start_brk;
}

static inline bool vmscope_vma_is_stack(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->start_stack &&
	       vma->vm_end >= vma->vm_mm->start_stack;
}
#endif

/*
 * An mm's RSS counter, exact as /proc/PID/status prints it.  Since 6.2 the
 * counters are per-CPU and get_mm_counter() reads only the approximate
 * global part; sum the CPUs' shares instead, as task_mem() does.
 */
#if VMSCOPE_KERNEL_SINCE(6, 2)
#define vmscope_mm_counter(mm, member) \
	percpu_counter_sum_positive(&(mm)->rss_stat[member])
#else
#define vmscope_mm_counter(mm, member)	get_mm_counter(mm, member)
#endif

/*
 * The dumpable half of ptrace's check (__ptrace_may_access()): the target
 * is dumpable by its owner, or the caller has CAP_SYS_PTRACE in the user
 * namespace the target was exec'd in.  Up to 6.12 both live in the mm
 * (get_dumpable() == SUID_DUMP_USER, mm->user_ns); 7.2 moved them to
 * task->exec_state (TASK_DUMPABLE_OWNER; mm->user_ns is gone), which exec
 * replaces only under exec_update_lock: the caller holds it for reading.
 */
#include <linux/sched/coredump.h>
#ifdef SUID_DUMP_USER
static inline bool vmscope_task_dumpable(struct task_struct *task,
					 struct mm_struct *mm)
{
	return get_dumpable(mm) == SUID_DUMP_USER ||
	       ns_capable(mm->user_ns, CAP_SYS_PTRACE);
}
#else
#include <linux/sched/exec_state.h>

static inline bool vmscope_task_dumpable(struct task_struct *task,
					 struct mm_struct *mm)
{
	const struct task_exec_state *es;
	bool ok;

	rcu_read_lock();
	es = rcu_dereference(task->exec_state);
	ok = READ_ONCE(es->dumpable) == TASK_DUMPABLE_OWNER ||
	     ns_capable(es->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	return ok;
}
#endif

/* vm_flags bits that only newer kernels (or some configs) have. */
#ifndef VM_SHADOW_STACK		/* 6.6 */
#define VM_SHADOW_STACK		VM_NONE
#endif
#ifndef VM_SEALED		/* 6.10 */
#define VM_SEALED		VM_NONE
#endif
#ifndef VM_DROPPABLE		/* 6.11 */
#define VM_DROPPABLE		VM_NONE
#endif

/*
 * The fault-path hooks' view of each kernel.  6.2 converted the function
 * that maps a newly made anonymous page to folios; COW copies call it.
 */
#if VMSCOPE_KERNEL_SINCE(6, 2)
#define VMSCOPE_NEW_ANON_RMAP	"folio_add_new_anon_rmap"
#else
#define VMSCOPE_NEW_ANON_RMAP	"page_add_new_anon_rmap"
#endif

/*
 * The arguments of a function an ftrace_ops hooks, at its entry.  With
 * DYNAMIC_FTRACE_WITH_ARGS (x86 since 5.x) ftrace saves them even without
 * FTRACE_OPS_FL_SAVE_REGS, which is what makes such a hook cheaper than a
 * kprobe.  6.12 has an accessor; 6.1's struct ftrace_regs is a pt_regs.
 * Without WITH_ARGS the hooks fall back to kprobes.
 */
#ifdef CONFIG_DYNAMIC_FTRACE_WITH_ARGS
#define VMSCOPE_HAVE_FTRACE_ARGS	true
#ifdef ftrace_regs_get_argument
#define vmscope_ftrace_arg(fregs, n)	ftrace_regs_get_argument(fregs, n)
#else
#define vmscope_ftrace_arg(fregs, n) \
	regs_get_kernel_argument(&(fregs)->regs, n)
#endif
#else
#define VMSCOPE_HAVE_FTRACE_ARGS	false
static inline unsigned long vmscope_ftrace_arg(struct ftrace_regs *fregs,
					       unsigned int n)
{
	return 0;
}
#endif

/*
 * The range unmap_vmas() is unmapping, read at its entry.  6.1 and 6.12 take
 * (tlb, mt or mas, vma, start_addr, end_addr, ...).  7.2 passes a
 * struct unmap_desc from mm/vma.h, which modules cannot include; its
 * leading members are mirrored here, checked against 7.2.13.
 */
#if VMSCOPE_KERNEL_SINCE(7, 2)
struct vmscope_unmap_desc {
	void *mas;
	struct vm_area_struct *first;
	unsigned long pg_start;
	unsigned long pg_end;
	unsigned long vma_start;
	unsigned long vma_end;
};

static inline void vmscope_unmap_vmas_range(struct pt_regs *regs,
					    struct mm_struct **mm,
					    unsigned long *start,
					    unsigned long *end)
{
	const struct vmscope_unmap_desc *u =
		(void *)regs_get_kernel_argument(regs, 1);

	*mm = u->first->vm_mm;
	*start = u->vma_start;
	*end = u->vma_end;
}
#else
static inline void vmscope_unmap_vmas_range(struct pt_regs *regs,
					    struct mm_struct **mm,
					    unsigned long *start,
					    unsigned long *end)
{
	const struct vm_area_struct *vma =
		(void *)regs_get_kernel_argument(regs, 2);

	*mm = vma->vm_mm;
	*start = regs_get_kernel_argument(regs, 3);
	*end = regs_get_kernel_argument(regs, 4);
}
#endif

#endif /* _VMSCOPE_COMPAT_H */
