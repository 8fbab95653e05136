// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope: resolve a request's PID to a process, check that the requester
 * may read it, and pin its address space.
 *
 * This follows what opening /proc/PID/maps does (proc_mem_open() and
 * mm_access()): the decision is made once, in the requester's own context
 * (.doit or a dump's .start), and binds the mm that was checked.  A dump's
 * later rounds reuse that mm and never look the PID up again, so an exec
 * in the target cannot swap a more privileged mm under a running dump.
 */
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <net/genetlink.h>

#include "vmscope.h"

/*
 * The credential and dumpable halves of __ptrace_may_access() for
 * PTRACE_MODE_READ_FSCREDS, and the capability module's half of its LSM
 * hook, cap_ptrace_access_check(), which every kernel runs: the caller must
 * be in the target's user namespace with at least the target's permitted
 * capabilities, or have CAP_SYS_PTRACE over it.  Without that, a process in
 * a user namespace (fake root, a rootless container) would read the
 * same-uid processes outside it, and a plain process one of the same uid
 * that holds more capabilities; /proc refuses both.  ptrace_may_access() is
 * not exported, so the other LSMs (Yama, SELinux, ...) are not consulted:
 * this rule is opt-in through the allow_same_user parameter, and documented
 * as such.
 */
static bool vmscope_same_user(struct task_struct *task, struct mm_struct *mm)
{
	const struct cred *cred = current_cred();
	const struct cred *tcred;
	bool ok;

	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (uid_eq(cred->fsuid, tcred->euid) &&
	      uid_eq(cred->fsuid, tcred->suid) &&
	      uid_eq(cred->fsuid, tcred->uid) &&
	      gid_eq(cred->fsgid, tcred->egid) &&
	      gid_eq(cred->fsgid, tcred->sgid) &&
	      gid_eq(cred->fsgid, tcred->gid)) ||
	     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	/* cap_ptrace_access_check() with PTRACE_MODE_FSCREDS */
	ok = ok && ((cred->user_ns == tcred->user_ns &&
		     cap_issubset(tcred->cap_permitted, cred->cap_effective)) ||
		    ns_capable(tcred->user_ns, CAP_SYS_PTRACE));
	rcu_read_unlock();
	if (!ok)
		return false;

	/* Pairs with the barrier in commit_creds(), as in ptrace. */
	smp_rmb();
	return get_dumpable(mm) == SUID_DUMP_USER ||
	       ns_capable(mm->user_ns, CAP_SYS_PTRACE);
}

static int vmscope_may_read(struct task_struct *task, struct mm_struct *mm,
			    struct sk_buff *skb, const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	if (same_thread_group(task, current))
		return 0;
	/* Checks both the socket's opener and the sender, as GENL_ADMIN_PERM. */
	if (netlink_capable(skb, CAP_SYS_PTRACE))
		return 0;
	if (vmscope_allow_same_user && vmscope_same_user(task, mm))
		return 0;

	if (vmscope_allow_same_user)
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "reading this process needs CAP_SYS_PTRACE, or the same user and a dumpable target");
	else
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "reading another process needs CAP_SYS_PTRACE");
	return -EPERM;
}

/**
 * vmscope_target_get() - resolve, check and pin a request's target
 * @t: filled on success; release with vmscope_target_put()
 * @skb: the request, for the capability check of its socket
 * @pid_attr: the request's PID attribute (validated as u32 >= 1)
 * @extack: for the reason of a refusal
 *
 * Must run in the requester's context: the PID is read in the requester's
 * pid namespace and the permission is the requester's.
 *
 * Return: 0, -ESRCH (no such process, or it has exited), -EOPNOTSUPP (a
 * kernel thread), -EPERM, or -EINTR if a fatal signal interrupted the wait.
 */
int vmscope_target_get(struct vmscope_target *t, struct sk_buff *skb,
		       const struct nlattr *pid_attr,
		       struct netlink_ext_ack *extack)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;
	int err;

	pid = find_get_pid(nla_get_u32(pid_attr));
	if (!pid) {
		NL_SET_ERR_MSG_ATTR(extack, pid_attr,
				    "no such process in the caller's pid namespace");
		return -ESRCH;
	}
	task = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	if (!task) {
		NL_SET_ERR_MSG_ATTR(extack, pid_attr, "process has exited");
		return -ESRCH;
	}
	if (task->flags & PF_KTHREAD) {
		NL_SET_ERR_MSG_ATTR(extack, pid_attr,
				    "kernel thread: it has no user address space");
		err = -EOPNOTSUPP;
		goto out_task;
	}

	/* As mm_access(): no exec may change the mm or creds under the check. */
	err = down_read_killable(&task->signal->exec_update_lock);
	if (err)
		goto out_task;
	mm = get_task_mm(task);
	if (!mm) {
		NL_SET_ERR_MSG_ATTR(extack, pid_attr,
				    "process has exited (zombie): no address space");
		err = -ESRCH;
		goto out_unlock;
	}
	err = vmscope_may_read(task, mm, skb, pid_attr, extack);
	if (err)
		goto out_mmput;

	mmgrab(mm);
	t->mm = mm;
	t->pid = get_pid(task_tgid(task));
	t->nr = task_tgid_nr_ns(task, task_active_pid_ns(current));

out_mmput:
	/* Only mm_count is kept: mm_users would pin a dead process's pages. */
	mmput(mm);
out_unlock:
	up_read(&task->signal->exec_update_lock);
out_task:
	put_task_struct(task);
	return err;
}

void vmscope_target_put(struct vmscope_target *t)
{
	if (t->mm)
		mmdrop(t->mm);
	put_pid(t->pid);
	t->mm = NULL;
	t->pid = NULL;
}
