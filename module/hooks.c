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
 * Every handler runs in atomic context on the fault path.  They only look up
 * a table entry under RCU, bump atomics and, if someone watches, copy one
 * event into a per-CPU buffer: no allocation, no sleeping, no netlink.
 * They never keep a pointer to a VMA: the VMA is stable only while the
 * faulting code holds its lock, which is while the handler runs.
 */
#include <linux/file.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <asm/trap_pf.h>

#include <uapi/linux/vmscope.h>
#include "compat.h"
#include "vmscope.h"

unsigned long vmscope_hooks;

/* Return addresses of the calls in the COW path that commit a new page. */
static struct {
	unsigned long lo, hi;
} vmscope_copy_callers[2];

static bool vmscope_vma_private(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE));
}

/*
 * An event for watchers, if any watches this address space.  The VMA is
 * read here, while the fault holds it; its file is referenced so that the
 * name can be resolved outside the fault path.
 */
static void vmscope_emit(struct vm_area_struct *vma, unsigned long addr,
			 u8 kind, u8 access, u8 flags, unsigned long ip)
{
	struct vmscope_event ev;

	if (!vmscope_watching())
		return;
	ev.mask = vmscope_watch_match(vma->vm_mm);
	if (!ev.mask)
		return;
	vmscope_event_fill(&ev, vma, addr, kind, access, flags, ip);
	vmscope_watch_push(&ev);
}

void vmscope_event_fill(struct vmscope_event *ev, struct vm_area_struct *vma,
			unsigned long addr, u8 kind, u8 access, u8 flags,
			unsigned long ip)
{
	ev->time = ktime_get_ns();
	ev->addr = addr;
	ev->ip = ip;
	ev->kind = kind;
	ev->access = access;
	ev->flags = flags;
	ev->vma_start = vma->vm_start;
	ev->vma_end = vma->vm_end;
	ev->vma_flags = vmscope_vma_flags(vma);
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

/* ---- tracepoints: per-process hardware faults, and teardown ---- */

#define VMSCOPE_TP_USER		((void *)1UL)
#define VMSCOPE_TP_KERNEL	((void *)2UL)

static void vmscope_tp_fault(void *data, unsigned long address,
			     struct pt_regs *regs, unsigned long error_code)
{
	struct mm_struct *mm = current->mm;
	unsigned long mask = BIT(VMSCOPE_C_FAULTS);

	/*
	 * A kernel-mode fault counts only on a user address of a process;
	 * nothing about it leaves the module but the count.  NMI code
	 * (perf's user stack walks) may fault too: not ours to count.
	 */
	if (!mm || address >= TASK_SIZE_MAX || in_nmi())
		return;
	if (error_code & X86_PF_INSTR)
		mask |= BIT(VMSCOPE_C_FAULTS_EXEC);
	else if (error_code & X86_PF_WRITE)
		mask |= BIT(VMSCOPE_C_FAULTS_WRITE);
	else
		mask |= BIT(VMSCOPE_C_FAULTS_READ);
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

/* ---- kretprobe: per-VMA completed faults, major/minor, fault events ---- */

/* What the entry saw of the VMA, for the return handler. */
struct vmscope_hmf {
	struct mm_struct *mm;
	unsigned long start;
	unsigned int flags;
};

static u8 vmscope_fault_access(unsigned int flags)
{
	if (flags & FAULT_FLAG_INSTRUCTION)
		return VMSCOPE_ACCESS_EXEC;
	if (flags & FAULT_FLAG_WRITE)
		return VMSCOPE_ACCESS_WRITE;
	return VMSCOPE_ACCESS_READ;
}

/*
 * The event goes out from here, while the VMA is held: the return handler
 * may run after the lock is gone, or, for a fault still sleeping when the
 * module unloads, never (which must not leak the file reference).
 */
static int vmscope_hmf_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(void *)regs_get_kernel_argument(regs, 0);
	struct pt_regs *uregs = (void *)regs_get_kernel_argument(regs, 3);
	struct vmscope_hmf *d = (void *)ri->data;
	unsigned long ip = 0;

	d->mm = vma->vm_mm;
	d->start = vma->vm_start;
	d->flags = regs_get_kernel_argument(regs, 2);
	if (vmscope_watching()) {
		/* Only a user-mode fault has a user ip to show. */
		if (uregs && user_mode(uregs))
			ip = instruction_pointer(uregs);
		vmscope_emit(vma, regs_get_kernel_argument(regs, 1),
			     VMSCOPE_EVENT_FAULT, vmscope_fault_access(d->flags),
			     d->flags & FAULT_FLAG_USER ?
			     BIT(VMSCOPE_EVENT_F_USER) : 0, ip);
	}
	return 0;
}

static const unsigned long vmscope_access_ctr[] = {
	[VMSCOPE_ACCESS_READ]	= BIT(VMSCOPE_C_FAULTS_READ),
	[VMSCOPE_ACCESS_WRITE]	= BIT(VMSCOPE_C_FAULTS_WRITE),
	[VMSCOPE_ACCESS_EXEC]	= BIT(VMSCOPE_C_FAULTS_EXEC),
};

static int vmscope_hmf_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	vm_fault_t ret = (__force vm_fault_t)regs_return_value(regs);
	struct vmscope_hmf *d = (void *)ri->data;
	unsigned long mask;

	/* As mm_account_fault(): a retried fault counts once, when done. */
	if (ret & (VM_FAULT_RETRY | VM_FAULT_ERROR))
		return 0;
	mask = BIT(VMSCOPE_C_FAULTS) |
	       vmscope_access_ctr[vmscope_fault_access(d->flags)];
	if (!(d->flags & FAULT_FLAG_USER))
		mask |= BIT(VMSCOPE_C_FAULTS_KERNEL);
	if ((ret & VM_FAULT_MAJOR) || (d->flags & FAULT_FLAG_TRIED))
		mask |= BIT(VMSCOPE_C_FAULTS_MAJOR);
	vmscope_count(d->mm, 0, d->start, mask);
	return 0;
}

static struct kretprobe vmscope_hmf_probe = {
	.kp.symbol_name	= "handle_mm_fault",
	.entry_handler	= vmscope_hmf_entry,
	.handler	= vmscope_hmf_ret,
	.data_size	= sizeof(struct vmscope_hmf),
};

/* ---- kprobes: copy-on-write ---- */

static int vmscope_wp_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vm_fault *vmf = (void *)regs_get_kernel_argument(regs, 0);
	struct vm_area_struct *vma = vmf->vma;
	unsigned long mask;
	u8 kind;

	/* A write fault on a shared mapping is write-notify, not COW. */
	if (!vmscope_vma_private(vma))
		return 0;
	if (vmf->flags & FAULT_FLAG_UNSHARE) {
		mask = BIT(VMSCOPE_C_COW_UNSHARE);
		kind = VMSCOPE_EVENT_COW_UNSHARE;
	} else if (is_zero_pfn(pte_pfn(vmf->orig_pte))) {
		mask = BIT(VMSCOPE_C_COW_FAULTS) | BIT(VMSCOPE_C_COW_ZERO);
		kind = VMSCOPE_EVENT_COW_ZERO;
	} else {
		mask = BIT(VMSCOPE_C_COW_FAULTS);
		kind = __VMSCOPE_EVENT_CNT;	/* the copy or reuse tells */
	}
	vmscope_count(vma->vm_mm, mask, vma->vm_start, mask);
	if (kind != __VMSCOPE_EVENT_CNT)
		vmscope_emit(vma, vmf->address, kind, VMSCOPE_ACCESS_WRITE,
			     0, 0);
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

static int vmscope_rmap_pre(struct kprobe *p, struct pt_regs *regs)
{
	/* At entry the stack pointer points at the return address. */
	unsigned long caller = *(unsigned long *)kernel_stack_pointer(regs);
	struct vm_area_struct *vma = (void *)regs_get_kernel_argument(regs, 1);
	const unsigned long mask = BIT(VMSCOPE_C_COW_COPIES);
	int i;

	for (i = 0; i < ARRAY_SIZE(vmscope_copy_callers); i++)
		if (caller >= vmscope_copy_callers[i].lo &&
		    caller < vmscope_copy_callers[i].hi)
			break;
	if (i == ARRAY_SIZE(vmscope_copy_callers) || !vmscope_vma_private(vma))
		return 0;
	vmscope_count(vma->vm_mm, mask, vma->vm_start, mask);
	vmscope_emit(vma, regs_get_kernel_argument(regs, 2),
		     VMSCOPE_EVENT_COW_COPY, VMSCOPE_ACCESS_WRITE, 0, 0);
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

static const int vmscope_kprobe_hook[] = {
	VMSCOPE_HOOK_DO_WP_PAGE,
	VMSCOPE_HOOK_WP_PAGE_REUSE,
	VMSCOPE_HOOK_NEW_ANON_RMAP,
	VMSCOPE_HOOK_UNMAP_VMAS,
};

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

static bool vmscope_copy_callers_init(void)
{
	struct kprobe kp = { .symbol_name = "wp_page_copy" };
	bool ok = false;

	if (!register_kprobe(&kp)) {
		ok = vmscope_func_range((unsigned long)kp.addr, 1);
		unregister_kprobe(&kp);
	}
	if (vmscope_hooks & BIT(VMSCOPE_HOOK_DO_WP_PAGE))
		ok |= vmscope_func_range((unsigned long)vmscope_kprobes[0].addr,
					 0);
	return ok;
}

unsigned long vmscope_counters_exact, vmscope_counters_derived;

static void vmscope_hooks_classify(bool callers)
{
	unsigned long h = vmscope_hooks, exact = 0, derived = 0;

	if ((h & BIT(VMSCOPE_HOOK_FAULT_USER)) &&
	    (h & BIT(VMSCOPE_HOOK_FAULT_KERNEL)))
		exact |= BIT(VMSCOPE_CTR_FAULTS);
	if (h & BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT))
		exact |= BIT(VMSCOPE_CTR_VMA_FAULTS);
	if (h & BIT(VMSCOPE_HOOK_DO_WP_PAGE))
		exact |= BIT(VMSCOPE_CTR_COW_FAULTS) |
			 BIT(VMSCOPE_CTR_COW_ZERO) |
			 BIT(VMSCOPE_CTR_COW_UNSHARE);
	if ((h & BIT(VMSCOPE_HOOK_NEW_ANON_RMAP)) && callers)
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
		if (!(vmscope_hooks & BIT(VMSCOPE_HOOK_EXIT_MMAP)) &&
		    t->hook != VMSCOPE_HOOK_EXIT_MMAP)
			continue;
		err = tracepoint_probe_register(t->tp, t->probe, t->data);
		if (err)
			pr_info("tracepoint %s: error %d\n", t->name, err);
		else
			vmscope_hooks |= BIT(t->hook);
	}
	if (!(vmscope_hooks & BIT(VMSCOPE_HOOK_EXIT_MMAP)))
		return 0;

	vmscope_hmf_probe.maxactive = max(64U, 4 * num_possible_cpus());
	err = register_kretprobe(&vmscope_hmf_probe);
	if (err)
		pr_info("kretprobe handle_mm_fault: error %d\n", err);
	else
		vmscope_hooks |= BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT);

	/* unmap_vmas first, so that no region outlives its range. */
	for (i = ARRAY_SIZE(vmscope_kprobes) - 1; i >= 0; i--) {
		err = register_kprobe(&vmscope_kprobes[i]);
		if (err) {
			pr_info("kprobe %s: error %d\n",
				vmscope_kprobes[i].symbol_name, err);
			continue;
		}
		vmscope_hooks |= BIT(vmscope_kprobe_hook[i]);
	}
	callers = vmscope_copy_callers_init();
	vmscope_hooks_classify(callers);
	pr_info("hooks %#lx, exact counters %#lx, derived %#lx\n",
		vmscope_hooks, vmscope_counters_exact,
		vmscope_counters_derived);
	return 0;
}

/* Detach in the reverse order; after this no handler runs or will run. */
void vmscope_hooks_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vmscope_kprobes); i++)
		if (vmscope_hooks & BIT(vmscope_kprobe_hook[i]))
			unregister_kprobe(&vmscope_kprobes[i]);
	if (vmscope_hooks & BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT))
		unregister_kretprobe(&vmscope_hmf_probe);
	for (i = 0; i < ARRAY_SIZE(vmscope_tps); i++)
		if (vmscope_hooks & BIT(vmscope_tps[i].hook))
			tracepoint_probe_unregister(vmscope_tps[i].tp,
						    vmscope_tps[i].probe,
						    vmscope_tps[i].data);
	tracepoint_synchronize_unregister();
	vmscope_hooks = 0;
}

unsigned long vmscope_kretprobe_missed(void)
{
	if (!(vmscope_hooks & BIT(VMSCOPE_HOOK_HANDLE_MM_FAULT)))
		return 0;
	return vmscope_hmf_probe.nmissed;
}
