// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope: the fault-path hooks.
 *
 * What each kernel lets us attach to differs (inlining changes with the
 * version and the config), so every hook is optional: init tries each one,
 * records what attached in vmscope_hooks, and a missing one only disables
 * the counters that need it.  See the UAPI header for what each counter
 * means, and module/compat.h for the per-version symbol names.
 *
 * Every handler runs on the fault path: tracepoint and kprobe handlers in
 * atomic context, ftrace callbacks in whatever context the hooked function
 * has (ftrace calls a lone callback directly, preemptible), so each is
 * written for both.  They only look up a table entry under RCU, bump
 * atomics and, if someone watches, copy one event into a per-CPU buffer:
 * no allocation, no sleeping, no netlink.  No ftrace callback can recurse:
 * none touches user memory or calls a hooked function, which is why they
 * go without ftrace's recursion guard (FTRACE_OPS_FL_RECURSION).  They
 * never keep a pointer to a VMA: the VMA is stable only while the faulting
 * code holds its lock, which is while the handler runs.
 */
#include <linux/file.h>
#include <linux/hugetlb_inline.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>
#include <asm/trap_pf.h>

#include <uapi/linux/vmscope.h>
#include "compat.h"
#include "counters.h"
#include "vmscope.h"

unsigned long vmscope_hooks;

/* Return addresses of the calls in the COW path that commit a new page. */
static struct {
	unsigned long lo, hi;
} vmscope_copy_callers[2];

static __always_inline bool
vmscope_vma_private(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE));
}

/*
 * Fill @ev from the fault at @addr in @vma.  The VMA is read here, while
 * the fault holds it; its file is referenced so that the name can be
 * resolved outside the fault path.
 */
static void vmscope_event_fill(struct vmscope_event *ev,
			       struct vm_area_struct *vma, unsigned long addr,
			       u8 kind, u8 access, u8 flags, unsigned long ip)
{
	/*
	 * The NMI-safe clock: a probe that is not on a function entry is an
	 * int3, whose handler runs as an NMI, where ktime_get_ns()'s seqcount
	 * could spin on a writer it interrupted.
	 */
	ev->time = ktime_get_mono_fast_ns();
	ev->addr = addr;
	ev->ip = ip;
	ev->kind = kind;
	ev->access = access;
	ev->flags = flags;
	ev->vma_start = vma->vm_start;
	ev->vma_end = vma->vm_end;
	ev->vm_flags = vma->vm_flags;
	ev->name = NULL;
	ev->file = NULL;
	if (vma->vm_file)
		ev->file = get_file(vma->vm_file);
	else
		ev->name = vmscope_vma_literal_name(vma);
	/* Another process's get_user_pages() is not the watched process. */
	if (current->mm == vma->vm_mm) {
		ev->tgid = task_tgid_nr(current);
		ev->tid = task_pid_nr(current);
		memcpy(ev->comm, current->comm, sizeof(ev->comm));
		ev->comm[sizeof(ev->comm) - 1] = '\0';
	} else {
		ev->tgid = 0;
		ev->tid = 0;
		ev->comm[0] = '\0';
	}
}

/*
 * An event for the watchers of this address space, if any, written
 * straight into this CPU's ring.  Out of line: when nobody watches, the
 * hooks that call vmscope_emit() carry none of this in their frames.
 */
static noinline void vmscope_emit_event(struct vm_area_struct *vma,
					unsigned long addr, u8 kind, u8 access,
					u8 flags, unsigned long ip)
{
	struct vmscope_event *ev;
	unsigned long irqflags;
	u32 mask;

	mask = vmscope_watch_match(vma->vm_mm);
	if (!mask)
		return;
	ev = vmscope_watch_reserve(mask, &irqflags);
	if (!ev)
		return;
	vmscope_event_fill(ev, vma, addr, kind, access, flags, ip);
	vmscope_watch_commit(irqflags);
}

static __always_inline void vmscope_emit(struct vm_area_struct *vma,
					 unsigned long addr, u8 kind,
					 u8 access, u8 flags, unsigned long ip)
{
	if (unlikely(vmscope_watching()))
		vmscope_emit_event(vma, addr, kind, access, flags, ip);
}

/* ---- tracepoints: per-process hardware faults, and teardown ---- */

#define VMSCOPE_TP_USER		((void *)1UL)
#define VMSCOPE_TP_KERNEL	((void *)2UL)

static notrace void vmscope_tp_fault(void *data, unsigned long address,
				     struct pt_regs *regs,
				     unsigned long error_code)
{
	struct mm_struct *mm = current->mm;
	unsigned long mask;

	/*
	 * A kernel-mode fault counts only on a user address of a process;
	 * nothing about it leaves the module but the count.  NMI code
	 * (perf's user stack walks) may fault too: not ours to count.
	 */
	if (!mm || address >= TASK_SIZE_MAX || in_nmi())
		return;
	if (error_code & X86_PF_INSTR)
		mask = BIT(VMSCOPE_C_FAULTS_EXEC);
	else if (error_code & X86_PF_WRITE)
		mask = BIT(VMSCOPE_C_FAULTS_WRITE);
	else
		mask = BIT(VMSCOPE_C_FAULTS_READ);
	if (error_code & X86_PF_PROT)
		mask |= BIT(VMSCOPE_C_FAULTS_PROT);
	if (data == VMSCOPE_TP_KERNEL)
		mask |= BIT(VMSCOPE_C_FAULTS_KERNEL);
	vmscope_count(mm, mask, 0, 0);
}

static void vmscope_tp_exit_mmap(void *data, struct mm_struct *mm)
{
	vmscope_count_exit(mm);
}

static struct vmscope_tp {
	const char *name;
	void *probe;
	void *data;
	int hook;
	struct tracepoint *tp;
} vmscope_tps[] = {
	{ "page_fault_user", vmscope_tp_fault, VMSCOPE_TP_USER,
	  VMSCOPE_HOOK_FAULT_USER },
	{ "page_fault_kernel", vmscope_tp_fault, VMSCOPE_TP_KERNEL,
	  VMSCOPE_HOOK_FAULT_KERNEL },
	{ "exit_mmap", vmscope_tp_exit_mmap, NULL, VMSCOPE_HOOK_EXIT_MMAP },
};

static void vmscope_tp_find(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vmscope_tps); i++)
		if (!strcmp(tp->name, vmscope_tps[i].name))
			vmscope_tps[i].tp = tp;
}

/* ---- handle_mm_fault(): per-VMA faults, and fault events ---- */

/* What an entry saw of the VMA, for the return handler. */
struct vmscope_hmf {
	struct mm_struct *mm;
	unsigned long start;
	unsigned int flags;
};

/* Set once the do_swap_page() return probe is attached. */
static bool vmscope_settle;

static __always_inline u8 vmscope_fault_access(unsigned int flags)
{
	if (flags & FAULT_FLAG_INSTRUCTION)
		return VMSCOPE_ACCESS_EXEC;
	if (flags & FAULT_FLAG_WRITE)
		return VMSCOPE_ACCESS_WRITE;
	return VMSCOPE_ACCESS_READ;
}

/* The VMA counters of one completed fault, as mm_account_fault() sees it. */
static __always_inline unsigned long
vmscope_fault_mask(unsigned int flags, vm_fault_t ret)
{
	unsigned long mask;

	/* The access counters are in the order of the access kinds. */
	BUILD_BUG_ON(VMSCOPE_C_FAULTS_WRITE - VMSCOPE_C_FAULTS_READ !=
		     VMSCOPE_ACCESS_WRITE - VMSCOPE_ACCESS_READ ||
		     VMSCOPE_C_FAULTS_EXEC - VMSCOPE_C_FAULTS_READ !=
		     VMSCOPE_ACCESS_EXEC - VMSCOPE_ACCESS_READ);
	mask = BIT(VMSCOPE_C_FAULTS_READ + vmscope_fault_access(flags) -
		   VMSCOPE_ACCESS_READ);
	if (!(flags & FAULT_FLAG_USER))
		mask |= BIT(VMSCOPE_C_FAULTS_KERNEL);
	/* A retried fault is major: it could not be handled at once. */
	if ((ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED))
		mask |= BIT(VMSCOPE_C_FAULTS_MAJOR);
	return mask;
}

/*
 * Is the fault's outcome known when it starts?  On private anonymous memory
 * that has its anon_vma (so that the per-VMA-lock path need not retry to
 * make one) and no userfaultfd, handle_mm_fault() neither waits for I/O nor
 * retries, except in do_swap_page() (swap-in, migration entries), whose
 * return the second probe follows.  Such a fault is counted at entry and
 * needs no return probe, which is most of what a kretprobe costs.
 */
static __always_inline bool vmscope_fault_settles(struct vm_area_struct *vma)
{
	return vmscope_settle && vma_is_anonymous(vma) && vma->anon_vma &&
	       !userfaultfd_armed(vma) && !is_vm_hugetlb_page(vma);
}

/* The event of a fault that starts, for watchers. */
static noinline void vmscope_fault_event(struct vm_area_struct *vma,
					 unsigned long addr, unsigned int flags,
					 struct pt_regs *uregs)
{
	unsigned long ip = 0;

	/* Only a user-mode fault has a user ip to show. */
	if (uregs && user_mode(uregs))
		ip = instruction_pointer(uregs);
	vmscope_emit_event(vma, addr, VMSCOPE_EVENT_FAULT,
			   vmscope_fault_access(flags),
			   flags & FAULT_FLAG_USER ?
			   BIT(VMSCOPE_EVENT_F_USER) : 0, ip);
}

/*
 * handle_mm_fault(vma, addr, flags, regs) starts.  The event goes out from
 * here, while the VMA is held: a return handler may run after the lock is
 * gone, or, for a fault still sleeping when the module unloads, never
 * (which must not leak the file reference).  Counts the fault and returns
 * true, unless @follow (a return probe is there) and its outcome is open.
 */
static __always_inline bool
vmscope_fault_start(struct vm_area_struct *vma, unsigned long addr,
		    unsigned int flags, struct pt_regs *uregs,
		    bool follow, bool emit)
{
	unsigned long mask;

	if (vmscope_fault_settles(vma))
		mask = vmscope_fault_mask(flags, 0);
	else if (follow)
		mask = 0;	/* the return probe counts it */
	else if (flags & FAULT_FLAG_TRIED)
		/*
		 * The retry of a fault counted when its first try started,
		 * which makes it major, as mm_account_fault() classes it.
		 */
		mask = BIT(VMSCOPE_C_FAULTS_MAJOR);
	else
		mask = vmscope_fault_mask(flags, 0);
	if (mask)
		vmscope_count(vma->vm_mm, 0, vma->vm_start, mask);
	if (emit && unlikely(vmscope_watching()))
		vmscope_fault_event(vma, addr, flags, uregs);
	return mask != 0;
}

static noinline void vmscope_ft_fault_watched(struct ftrace_regs *fregs)
{
	vmscope_fault_start((void *)vmscope_ftrace_arg(fregs, 0),
			    vmscope_ftrace_arg(fregs, 1),
			    vmscope_ftrace_arg(fregs, 2),
			    (void *)vmscope_ftrace_arg(fregs, 3), false, true);
}

/*
 * The default: every fault counted when it starts, from an ftrace hook.
 * Split on whether anyone watches, so that the common case keeps no value
 * live across a call and saves no registers.
 */
static notrace void vmscope_ft_fault(unsigned long ip,
				     unsigned long parent_ip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	if (unlikely(vmscope_watching())) {
		vmscope_ft_fault_watched(fregs);
		return;
	}
	vmscope_fault_start((void *)vmscope_ftrace_arg(fregs, 0),
			    vmscope_ftrace_arg(fregs, 1),
			    vmscope_ftrace_arg(fregs, 2), NULL, false, false);
}

/* vma_complete=1: the kretprobe.  Returning 1 leaves the return out. */
static int vmscope_hmf_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(void *)regs_get_kernel_argument(regs, 0);
	unsigned int flags = regs_get_kernel_argument(regs, 2);
	struct vmscope_hmf *d = (void *)ri->data;

	if (vmscope_fault_start(vma, regs_get_kernel_argument(regs, 1), flags,
				(void *)regs_get_kernel_argument(regs, 3),
				true, true))
		return 1;
	d->mm = vma->vm_mm;
	d->start = vma->vm_start;
	d->flags = flags;
	return 0;
}

static int vmscope_hmf_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	vm_fault_t ret = (__force vm_fault_t)regs_return_value(regs);
	struct vmscope_hmf *d = (void *)ri->data;

	/* As mm_account_fault(): a retried fault counts once, when done. */
	if (ret & (VM_FAULT_RETRY | VM_FAULT_ERROR))
		return 0;
	vmscope_count(d->mm, 0, d->start, vmscope_fault_mask(d->flags, ret));
	return 0;
}

static struct kretprobe vmscope_hmf_probe = {
	.kp.symbol_name	= "handle_mm_fault",
	.entry_handler	= vmscope_hmf_entry,
	.handler	= vmscope_hmf_ret,
	.data_size	= sizeof(struct vmscope_hmf),
};

/* do_swap_page(vmf): follows the faults counted at entry that may not end. */
static int vmscope_swap_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct vm_fault *vmf = (void *)regs_get_kernel_argument(regs, 0);
	struct vmscope_hmf *d = (void *)ri->data;

	if (!vmscope_fault_settles(vmf->vma))
		return 1;	/* handle_mm_fault()'s return counts it */
	d->mm = vmf->vma->vm_mm;
	d->start = vmf->vma->vm_start;
	d->flags = vmf->flags;
	return 0;
}

static int vmscope_swap_ret(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	vm_fault_t ret = (__force vm_fault_t)regs_return_value(regs);
	struct vmscope_hmf *d = (void *)ri->data;

	if (ret & (VM_FAULT_RETRY | VM_FAULT_ERROR))
		vmscope_uncount(d->mm, d->start, vmscope_fault_mask(d->flags, 0));
	else if ((ret & VM_FAULT_MAJOR) && !(d->flags & FAULT_FLAG_TRIED))
		vmscope_count(d->mm, 0, d->start, BIT(VMSCOPE_C_FAULTS_MAJOR));
	return 0;
}

static struct kretprobe vmscope_swap_probe = {
	.kp.symbol_name	= "do_swap_page",
	.entry_handler	= vmscope_swap_entry,
	.handler	= vmscope_swap_ret,
	.data_size	= sizeof(struct vmscope_hmf),
};

/* ---- copy-on-write ---- */

/* The write-protect faults that are not a plain COW fault: rare. */
static noinline void vmscope_wp_special(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long mask;
	u8 kind;

	if (vmf->flags & FAULT_FLAG_UNSHARE) {
		mask = BIT(VMSCOPE_C_COW_UNSHARE);
		kind = VMSCOPE_EVENT_COW_UNSHARE;
	} else {
		mask = BIT(VMSCOPE_C_COW_FAULTS) | BIT(VMSCOPE_C_COW_ZERO);
		kind = VMSCOPE_EVENT_COW_ZERO;
	}
	vmscope_count(vma->vm_mm, mask, vma->vm_start, mask);
	vmscope_emit(vma, vmf->address, kind, VMSCOPE_ACCESS_WRITE, 0, 0);
}

/* do_wp_page(vmf): a write-protect fault, with the PTE it found. */
static __always_inline void vmscope_wp(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	const unsigned long mask = BIT(VMSCOPE_C_COW_FAULTS);

	/* A write fault on a shared mapping is write-notify, not COW. */
	if (!vmscope_vma_private(vma))
		return;
	if (unlikely((vmf->flags & FAULT_FLAG_UNSHARE) ||
		     is_zero_pfn(pte_pfn(vmf->orig_pte)))) {
		vmscope_wp_special(vmf);
		return;
	}
	/* The copy or the reuse that follows makes the event. */
	vmscope_count(vma->vm_mm, mask, vma->vm_start, mask);
}

static notrace void vmscope_ft_wp(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *op,
				  struct ftrace_regs *fregs)
{
	vmscope_wp((void *)vmscope_ftrace_arg(fregs, 0));
}

static int vmscope_wp_pre(struct kprobe *p, struct pt_regs *regs)
{
	vmscope_wp((void *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static int vmscope_reuse_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_fault *vmf = (void *)regs_get_kernel_argument(regs, 0);
	struct vm_area_struct *vma = vmf->vma;
	const unsigned long mask = BIT(VMSCOPE_C_COW_REUSES);

	if (!vmscope_vma_private(vma))
		return 0;
	vmscope_count(vma->vm_mm, mask, vma->vm_start, mask);
	vmscope_emit(vma, vmf->address, VMSCOPE_EVENT_COW_REUSE,
		     VMSCOPE_ACCESS_WRITE, 0, 0);
	return 0;
}

/* Is @ret a return address in the COW path's code? */
static __always_inline bool vmscope_cow_caller(unsigned long ret)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vmscope_copy_callers); i++)
		if (ret >= vmscope_copy_callers[i].lo &&
		    ret < vmscope_copy_callers[i].hi)
			return true;
	return false;
}

/*
 * A COW copy of the page at @addr in @vma.  From an int3 kprobe this runs as
 * an NMI: so it only finds the entries do_wp_page()'s hook made for this
 * fault a moment before, and never takes vmscope_tab_lock to insert one.
 */
static __always_inline void vmscope_copy(struct vm_area_struct *vma,
					 unsigned long addr)
{
	const unsigned long mask = BIT(VMSCOPE_C_COW_COPIES);

	if (!vmscope_vma_private(vma))
		return;
	vmscope_count_found(vma->vm_mm, mask, vma->vm_start, mask);
	vmscope_emit(vma, addr, VMSCOPE_EVENT_COW_COPY, VMSCOPE_ACCESS_WRITE,
		     0, 0);
}

/*
 * ptep_clear_flush(vma, addr, ptep): the COW path calls it once per copy,
 * to take the old page out before the new one goes in; its other callers
 * (migration, KSM, reclaim, uprobes) are told apart by the return address.
 */
static notrace void vmscope_ft_clear_flush(unsigned long ip,
					   unsigned long parent_ip,
					   struct ftrace_ops *op,
					   struct ftrace_regs *fregs)
{
	if (vmscope_cow_caller(parent_ip))
		vmscope_copy((void *)vmscope_ftrace_arg(fregs, 0),
			     vmscope_ftrace_arg(fregs, 1));
}

/* Fallbacks.  At one of the COW path's rmap calls: (folio, vma, addr). */
static int vmscope_copy_site_pre(struct kprobe *p, struct pt_regs *regs)
{
	vmscope_copy((void *)regs_get_kernel_argument(regs, 1),
		     regs_get_kernel_argument(regs, 2));
	return 0;
}

/* The rmap function's entry, for calls from the COW path only. */
static int vmscope_rmap_pre(struct kprobe *p, struct pt_regs *regs)
{
	/* At entry the stack pointer points at the return address. */
	if (vmscope_cow_caller(*(unsigned long *)kernel_stack_pointer(regs)))
		vmscope_copy((void *)regs_get_kernel_argument(regs, 1),
			     regs_get_kernel_argument(regs, 2));
	return 0;
}

static int vmscope_unmap_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct mm_struct *mm;
	unsigned long start, end;

	vmscope_unmap_vmas_range(regs, &mm, &start, &end);
	vmscope_count_unmap(mm, start, end);
	return 0;
}

static struct kprobe vmscope_kprobes[] = {
	{ .symbol_name = "do_wp_page", .pre_handler = vmscope_wp_pre },
	{ .symbol_name = "wp_page_reuse", .pre_handler = vmscope_reuse_pre },
	{ .symbol_name = VMSCOPE_NEW_ANON_RMAP, .pre_handler = vmscope_rmap_pre },
	{ .symbol_name = "unmap_vmas", .pre_handler = vmscope_unmap_pre },
};

enum { VMSCOPE_KP_WP, VMSCOPE_KP_REUSE, VMSCOPE_KP_RMAP, VMSCOPE_KP_UNMAP };

static const int vmscope_kprobe_hook[] = {
	[VMSCOPE_KP_WP]		= VMSCOPE_HOOK_DO_WP_PAGE,
	[VMSCOPE_KP_REUSE]	= VMSCOPE_HOOK_WP_PAGE_REUSE,
	[VMSCOPE_KP_RMAP]	= VMSCOPE_HOOK_NEW_ANON_RMAP,
	[VMSCOPE_KP_UNMAP]	= VMSCOPE_HOOK_UNMAP_VMAS,
};

/* Which of vmscope_kprobes[] are registered. */
static unsigned long vmscope_kp_on;

/*
 * The hooks on the hot path are ftrace callbacks where ftrace can hook the
 * function: a kprobe there is the same ftrace call plus its own dispatch,
 * which costs several times the callback (see the README's figures).
 */
static struct vmscope_ft {
	const char *sym;
	int hook;
	struct ftrace_ops ops;
} vmscope_fts[] = {
	{ "handle_mm_fault", VMSCOPE_HOOK_HANDLE_MM_FAULT_START,
	  { .func = vmscope_ft_fault } },
	{ "do_wp_page", VMSCOPE_HOOK_DO_WP_PAGE, { .func = vmscope_ft_wp } },
	{ "ptep_clear_flush", VMSCOPE_HOOK_PTEP_CLEAR_FLUSH,
	  { .func = vmscope_ft_clear_flush } },
};

enum { VMSCOPE_FT_FAULT, VMSCOPE_FT_WP, VMSCOPE_FT_CLEAR_FLUSH };

/* Which of vmscope_fts[] are registered. */
static unsigned long vmscope_ft_on;

static bool vmscope_hook_wanted(int hook)
{
	return vmscope_hook_mask & BIT(hook);
}

/* Hook vmscope_fts[@i]'s function with ftrace; false if ftrace cannot. */
static bool vmscope_ft_attach(int i)
{
	struct vmscope_ft *f = &vmscope_fts[i];
	/* The filter is a glob, parsed in place: never hand it a literal. */
	unsigned char glob[KSYM_NAME_LEN];
	int err;

	if (!VMSCOPE_HAVE_FTRACE_ARGS || !vmscope_hook_wanted(f->hook))
		return false;
	strscpy(glob, f->sym, sizeof(glob));
	err = ftrace_set_filter(&f->ops, glob, strlen(glob), 1);
	if (!err)
		err = register_ftrace_function(&f->ops);
	if (err) {
		ftrace_free_filter(&f->ops);
		pr_info("ftrace %s: error %d\n", f->sym, err);
		return false;
	}
	vmscope_ft_on |= BIT(i);
	vmscope_hooks |= BIT(f->hook);
	return true;
}

/* Register vmscope_kprobes[@i], if its hook is wanted. */
static void vmscope_kp_attach(int i)
{
	int err;

	if (!vmscope_hook_wanted(vmscope_kprobe_hook[i]))
		return;
	err = register_kprobe(&vmscope_kprobes[i]);
	if (err) {
		pr_info("kprobe %s: error %d\n",
			vmscope_kprobes[i].symbol_name, err);
		return;
	}
	vmscope_kp_on |= BIT(i);
	vmscope_hooks |= BIT(vmscope_kprobe_hook[i]);
}

/*
 * The extent of the function at @addr, from kallsyms' "name+0x0/0xsize".
 * 6.1 commits COW copies in wp_page_copy(); later kernels inline it into
 * do_wp_page().  Either (or both) is where a COW copy's rmap call returns.
 */
static bool vmscope_func_range(unsigned long addr, int slot)
{
	char buf[KSYM_SYMBOL_LEN];
	unsigned long off, size;
	char *p;

	sprint_symbol(buf, addr);
	p = strchr(buf, '+');
	if (!p || sscanf(p, "+%lx/%lx", &off, &size) != 2 || !size)
		return false;
	vmscope_copy_callers[slot].lo = addr - off;
	vmscope_copy_callers[slot].hi = addr - off + size;
	return true;
}

/* A kernel function's address, found the only way a module may. */
static unsigned long vmscope_sym_addr(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	unsigned long addr;

	if (register_kprobe(&kp))
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

static bool vmscope_copy_callers_init(void)
{
	unsigned long addr = vmscope_sym_addr("wp_page_copy");
	bool ok = false;

	if (addr)
		ok = vmscope_func_range(addr, 1);
	addr = vmscope_sym_addr("do_wp_page");
	if (addr)
		ok |= vmscope_func_range(addr, 0);
	return ok;
}

/*
 * Where ptep_clear_flush() cannot be hooked: the new-anon-rmap function
 * also runs on every first touch of anonymous memory, where a probe at its
 * entry would cost as much as the rest of the counting.  So probe the COW
 * path's own calls of it instead: the direct calls (E8 rel32) in the
 * ranges vmscope_copy_callers_init() found whose target is that function
 * or, with call depth tracking, its thunk in the padding just before it.
 * register_kprobe() refuses an address that is not an instruction
 * boundary, so a stray E8 byte inside another instruction is never probed.
 */
#define VMSCOPE_COPY_SITES	4
static struct kprobe vmscope_copy_kps[VMSCOPE_COPY_SITES];
static int vmscope_ncopy_kps;

static void vmscope_copy_sites_init(void)
{
	unsigned long target = vmscope_sym_addr(VMSCOPE_NEW_ANON_RMAP);
	unsigned long a, dest;
	int i;
	s32 rel;
	u8 op;

	if (!target)
		return;
	for (i = 0; i < ARRAY_SIZE(vmscope_copy_callers); i++) {
		for (a = vmscope_copy_callers[i].lo;
		     a + 5 <= vmscope_copy_callers[i].hi &&
		     vmscope_ncopy_kps < VMSCOPE_COPY_SITES; a++) {
			struct kprobe *kp = &vmscope_copy_kps[vmscope_ncopy_kps];

			if (copy_from_kernel_nofault(&op, (void *)a, 1) ||
			    op != 0xe8 ||
			    copy_from_kernel_nofault(&rel, (void *)(a + 1), 4))
				continue;
			dest = a + 5 + (long)rel;
			if (dest > target || target - dest >= 64)
				continue;
			memset(kp, 0, sizeof(*kp));
			kp->addr = (void *)a;
			kp->pre_handler = vmscope_copy_site_pre;
			if (!register_kprobe(kp))
				vmscope_ncopy_kps++;
		}
	}
	if (vmscope_ncopy_kps)
		vmscope_hooks |= BIT(VMSCOPE_HOOK_COPY_CALLS);
}

unsigned long vmscope_counters_exact, vmscope_counters_derived;

static void vmscope_hooks_classify(bool callers)
{
	unsigned long h = vmscope_hooks, exact = 0, derived = 0;

	if ((h & BIT(VMSCOPE_HOOK_FAULT_USER)) &&
	    (h & BIT(VMSCOPE_HOOK_FAULT_KERNEL)))
		exact |= BIT(VMSCOPE_CTR_FAULTS);
	if (h & (BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT) |
		 BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT_START)))
		exact |= BIT(VMSCOPE_CTR_VMA_FAULTS);
	if (h & BIT(VMSCOPE_HOOK_DO_WP_PAGE))
		exact |= BIT(VMSCOPE_CTR_COW_FAULTS) |
			 BIT(VMSCOPE_CTR_COW_ZERO) |
			 BIT(VMSCOPE_CTR_COW_UNSHARE);
	if (((h & BIT(VMSCOPE_HOOK_PTEP_CLEAR_FLUSH)) && callers) ||
	    (h & BIT(VMSCOPE_HOOK_COPY_CALLS)) ||
	    ((h & BIT(VMSCOPE_HOOK_NEW_ANON_RMAP)) && callers))
		exact |= BIT(VMSCOPE_CTR_COW_COPIES);
	if (h & BIT(VMSCOPE_HOOK_WP_PAGE_REUSE))
		exact |= BIT(VMSCOPE_CTR_COW_REUSES);
	else if ((exact & BIT(VMSCOPE_CTR_COW_FAULTS)) &&
		 (exact & BIT(VMSCOPE_CTR_COW_COPIES)))
		derived |= BIT(VMSCOPE_CTR_COW_REUSES);
	vmscope_counters_exact = exact;
	vmscope_counters_derived = derived;
}

/*
 * Attach everything this kernel has.  Never fails the load for a missing
 * hook; only the tables and exit_mmap (without which entries would leak
 * across address spaces) are required for counting at all.
 */
int __init vmscope_hooks_init(void)
{
	unsigned int maxactive = max(64U, 4 * num_possible_cpus());
	bool callers;
	int i, err;

	for_each_kernel_tracepoint(vmscope_tp_find, NULL);
	/* exit_mmap first: no entry may be created that cannot be freed. */
	for (i = ARRAY_SIZE(vmscope_tps) - 1; i >= 0; i--) {
		struct vmscope_tp *t = &vmscope_tps[i];

		if (!t->tp) {
			pr_info("tracepoint %s not found\n", t->name);
			continue;
		}
		if (t->hook != VMSCOPE_HOOK_EXIT_MMAP &&
		    (!(vmscope_hooks & BIT(VMSCOPE_HOOK_EXIT_MMAP)) ||
		     !vmscope_hook_wanted(t->hook)))
			continue;
		err = tracepoint_probe_register(t->tp, t->probe, t->data);
		if (err)
			pr_info("tracepoint %s: error %d\n", t->name, err);
		else
			vmscope_hooks |= BIT(t->hook);
	}
	if (!(vmscope_hooks & BIT(VMSCOPE_HOOK_EXIT_MMAP)))
		return 0;

	/* Before handle_mm_fault: no fault is counted at entry unfollowed. */
	if (vmscope_hook_wanted(VMSCOPE_HOOK_DO_SWAP_PAGE) &&
	    (vmscope_hook_wanted(VMSCOPE_HOOK_HANDLE_MM_FAULT) ||
	     vmscope_hook_wanted(VMSCOPE_HOOK_HANDLE_MM_FAULT_START))) {
		vmscope_swap_probe.maxactive = maxactive;
		err = register_kretprobe(&vmscope_swap_probe);
		if (err) {
			pr_info("kretprobe do_swap_page: error %d\n", err);
		} else {
			vmscope_hooks |= BIT(VMSCOPE_HOOK_DO_SWAP_PAGE);
			vmscope_settle = true;
		}
	}
	if ((vmscope_vma_complete || !vmscope_ft_attach(VMSCOPE_FT_FAULT)) &&
	    vmscope_hook_wanted(VMSCOPE_HOOK_HANDLE_MM_FAULT)) {
		vmscope_hmf_probe.maxactive = maxactive;
		err = register_kretprobe(&vmscope_hmf_probe);
		if (err)
			pr_info("kretprobe handle_mm_fault: error %d\n", err);
		else
			vmscope_hooks |= BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT);
	}

	/* unmap_vmas first, so that no region outlives its range. */
	vmscope_kp_attach(VMSCOPE_KP_UNMAP);
	vmscope_kp_attach(VMSCOPE_KP_REUSE);
	if (!vmscope_ft_attach(VMSCOPE_FT_WP))
		vmscope_kp_attach(VMSCOPE_KP_WP);
	/* A COW copy: ptep_clear_flush(), else the rmap calls, else its entry. */
	callers = vmscope_copy_callers_init();
	if (callers && !vmscope_ft_attach(VMSCOPE_FT_CLEAR_FLUSH) &&
	    vmscope_hook_wanted(VMSCOPE_HOOK_COPY_CALLS))
		vmscope_copy_sites_init();
	if (!(vmscope_hooks & (BIT(VMSCOPE_HOOK_PTEP_CLEAR_FLUSH) |
			       BIT(VMSCOPE_HOOK_COPY_CALLS))))
		vmscope_kp_attach(VMSCOPE_KP_RMAP);
	vmscope_hooks_classify(callers);
	pr_info("hooks %#lx, exact counters %#lx, derived %#lx, %d copy call sites\n",
		vmscope_hooks, vmscope_counters_exact,
		vmscope_counters_derived, vmscope_ncopy_kps);
	return 0;
}

/* Detach in the reverse order; after this no handler runs or will run. */
void vmscope_hooks_exit(void)
{
	int i;

	/* Each waits for the callbacks that run (tasks RCU, dynamic ops). */
	for (i = ARRAY_SIZE(vmscope_fts) - 1; i >= 0; i--)
		if (vmscope_ft_on & BIT(i)) {
			unregister_ftrace_function(&vmscope_fts[i].ops);
			ftrace_free_filter(&vmscope_fts[i].ops);
		}
	vmscope_ft_on = 0;
	for (i = 0; i < vmscope_ncopy_kps; i++)
		unregister_kprobe(&vmscope_copy_kps[i]);
	vmscope_ncopy_kps = 0;
	for (i = 0; i < ARRAY_SIZE(vmscope_kprobes); i++)
		if (vmscope_kp_on & BIT(i))
			unregister_kprobe(&vmscope_kprobes[i]);
	vmscope_kp_on = 0;
	if (vmscope_hooks & BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT))
		unregister_kretprobe(&vmscope_hmf_probe);
	if (vmscope_hooks & BIT(VMSCOPE_HOOK_DO_SWAP_PAGE))
		unregister_kretprobe(&vmscope_swap_probe);
	for (i = 0; i < ARRAY_SIZE(vmscope_tps); i++)
		if (vmscope_hooks & BIT(vmscope_tps[i].hook))
			tracepoint_probe_unregister(vmscope_tps[i].tp,
						    vmscope_tps[i].probe,
						    vmscope_tps[i].data);
	tracepoint_synchronize_unregister();
	vmscope_hooks = 0;
	vmscope_settle = false;
}

unsigned long vmscope_kretprobe_missed(void)
{
	unsigned long n = 0;

	if (vmscope_hooks & BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT))
		n += vmscope_hmf_probe.nmissed;
	if (vmscope_hooks & BIT(VMSCOPE_HOOK_DO_SWAP_PAGE))
		n += vmscope_swap_probe.nmissed;
	return n;
}
