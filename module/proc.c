// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope: VMSCOPE_CMD_PROC_GET, the summary of one process's address
 * space: the mm_struct layout the seeds describe, its sizes, and its fault
 * totals as /proc/PID/stat reports them.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <net/genetlink.h>

#include <uapi/linux/vmscope.h>
#include "compat.h"
#include "vmscope.h"

/* What is read under the locks, then put into the reply without them. */
struct vmscope_proc {
	char comm[TASK_COMM_LEN];
	u32 threads;
	u64 min_flt, maj_flt;
	u64 layout[VMSCOPE_PROC_A_ENV_END - VMSCOPE_PROC_A_START_CODE + 1];
	u32 map_count;
	u64 total_vm, rss_file, rss_anon, rss_shmem, swap;
	u64 ctr[VMSCOPE_C_NR], vma_overflow;
};

/* As /proc/PID/stat with "whole": dead threads' faults plus live ones'. */
static void vmscope_proc_task(struct vmscope_proc *p, struct task_struct *task)
{
	struct task_struct *t;

	get_task_comm(p->comm, task);
	rcu_read_lock();
	p->threads = get_nr_threads(task);
	p->min_flt = task->signal->min_flt;
	p->maj_flt = task->signal->maj_flt;
	for_each_thread(task, t) {
		p->min_flt += t->min_flt;
		p->maj_flt += t->maj_flt;
	}
	rcu_read_unlock();
}

static void vmscope_proc_mm(struct vmscope_proc *p, struct mm_struct *mm)
{
	u64 *l = p->layout;

	/* In enum order, VMSCOPE_PROC_A_START_CODE to VMSCOPE_PROC_A_ENV_END. */
	*l++ = mm->start_code;
	*l++ = mm->end_code;
	*l++ = mm->start_data;
	*l++ = mm->end_data;
	*l++ = mm->start_brk;
	*l++ = mm->brk;
	*l++ = mm->start_stack;
	spin_lock(&mm->arg_lock);
	*l++ = mm->arg_start;
	*l++ = mm->arg_end;
	*l++ = mm->env_start;
	*l++ = mm->env_end;
	spin_unlock(&mm->arg_lock);

	p->map_count = mm->map_count;
	p->total_vm = mm->total_vm;
	p->rss_file = vmscope_mm_counter(mm, MM_FILEPAGES);
	p->rss_anon = vmscope_mm_counter(mm, MM_ANONPAGES);
	p->rss_shmem = vmscope_mm_counter(mm, MM_SHMEMPAGES);
	p->swap = vmscope_mm_counter(mm, MM_SWAPENTS);
}

static int vmscope_proc_fill(struct sk_buff *msg, const struct vmscope_proc *p,
			     u32 nr, struct genl_info *info)
{
	void *hdr;
	int i;

	hdr = genlmsg_put_reply(msg, info, &vmscope_nl_family, 0,
				VMSCOPE_CMD_PROC_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, VMSCOPE_PROC_A_PID, nr) ||
	    nla_put_string(msg, VMSCOPE_PROC_A_COMM, p->comm) ||
	    nla_put_u32(msg, VMSCOPE_PROC_A_THREADS, p->threads) ||
	    nla_put_u64_64bit(msg, VMSCOPE_PROC_A_MIN_FLT, p->min_flt,
			      VMSCOPE_PROC_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_PROC_A_MAJ_FLT, p->maj_flt,
			      VMSCOPE_PROC_A_PAD))
		goto nla_put_failure;
	for (i = 0; i < ARRAY_SIZE(p->layout); i++)
		if (nla_put_u64_64bit(msg, VMSCOPE_PROC_A_START_CODE + i,
				      p->layout[i], VMSCOPE_PROC_A_PAD))
			goto nla_put_failure;
	if (nla_put_u32(msg, VMSCOPE_PROC_A_MAP_COUNT, p->map_count) ||
	    nla_put_u64_64bit(msg, VMSCOPE_PROC_A_TOTAL_VM, p->total_vm,
			      VMSCOPE_PROC_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_PROC_A_RSS_FILE, p->rss_file,
			      VMSCOPE_PROC_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_PROC_A_RSS_ANON, p->rss_anon,
			      VMSCOPE_PROC_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_PROC_A_RSS_SHMEM, p->rss_shmem,
			      VMSCOPE_PROC_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_PROC_A_SWAP, p->swap,
			      VMSCOPE_PROC_A_PAD) ||
	    nla_put_u64_64bit(msg, VMSCOPE_PROC_A_PAGE_SIZE, PAGE_SIZE,
			      VMSCOPE_PROC_A_PAD))
		goto nla_put_failure;
	if (vmscope_counting() &&
	    (vmscope_put_counters(msg, p->ctr, false) ||
	     nla_put_u64_64bit(msg, VMSCOPE_PROC_A_VMA_OVERFLOW,
			       p->vma_overflow, VMSCOPE_PROC_A_PAD)))
		goto nla_put_failure;
	genlmsg_end(msg, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

int vmscope_proc_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vmscope_target target;
	struct task_struct *task;
	struct vmscope_proc *p;
	struct sk_buff *msg;
	int err;

	if (VMSCOPE_REQUIRE(info->extack, info->attrs, VMSCOPE_PROC_A_PID,
			    "missing the PID attribute"))
		return -EINVAL;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out_free;
	}
	err = vmscope_target_get(&target, skb, info->attrs[VMSCOPE_PROC_A_PID],
				 info->extack);
	if (err)
		goto out_msg;

	task = get_pid_task(target.pid, PIDTYPE_TGID);
	if (!task || !mmget_not_zero(target.mm)) {
		GENL_SET_ERR_MSG(info, "process has exited");
		err = -ESRCH;
		goto out_task;
	}
	vmscope_proc_task(p, task);
	/* brk and the VMA count change only under the write lock. */
	err = mmap_read_lock_killable(target.mm);
	if (!err) {
		vmscope_proc_mm(p, target.mm);
		mmap_read_unlock(target.mm);
	}
	vmscope_count_read_proc(target.mm, p->ctr, &p->vma_overflow);
	mmput(target.mm);
	if (!err)
		err = vmscope_proc_fill(msg, p, target.nr, info);

out_task:
	if (task)
		put_task_struct(task);
	vmscope_target_put(&target);
	if (!err) {
		kfree(p);
		/* genlmsg_reply() consumes msg, even when it fails. */
		return genlmsg_reply(msg, info);
	}
out_msg:
	nlmsg_free(msg);
out_free:
	kfree(p);
	return err;
}
