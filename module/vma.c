// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope: VMSCOPE_CMD_VMA_GET, a process's VMAs as /proc/PID/maps sees them.
 *
 * Locking follows /proc/PID/maps: the mm was pinned when the request was
 * checked; each dump round takes mmget_not_zero() and mmap_read_lock, walks
 * the maple tree with the VMA iterator from a saved *address*, and fills at
 * most one skb before it drops the lock.  Nothing allocates or sleeps while
 * the lock is held, apart from the lock itself.
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/kdev_t.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include <uapi/linux/vmscope.h>
#include "compat.h"
#include "vmscope.h"

/*
 * Internal vm_flags to the stable UAPI bits.  A flag this kernel or its
 * config does not have is VM_NONE here and never matches.
 */
static const struct {
	vm_flags_t vm;
	u8 bit;
} vmscope_vma_flag_map[] = {
	{ VM_READ,		VMSCOPE_VMA_F_READ },
	{ VM_WRITE,		VMSCOPE_VMA_F_WRITE },
	{ VM_EXEC,		VMSCOPE_VMA_F_EXEC },
	{ VM_SHARED,		VMSCOPE_VMA_F_SHARED },
	{ VM_MAYREAD,		VMSCOPE_VMA_F_MAYREAD },
	{ VM_MAYWRITE,		VMSCOPE_VMA_F_MAYWRITE },
	{ VM_MAYEXEC,		VMSCOPE_VMA_F_MAYEXEC },
	{ VM_MAYSHARE,		VMSCOPE_VMA_F_MAYSHARE },
	{ VM_GROWSDOWN,		VMSCOPE_VMA_F_GROWSDOWN },
	{ VM_PFNMAP,		VMSCOPE_VMA_F_PFNMAP },
	{ VM_LOCKED,		VMSCOPE_VMA_F_LOCKED },
	{ VM_IO,		VMSCOPE_VMA_F_IO },
	{ VM_SEQ_READ,		VMSCOPE_VMA_F_SEQ_READ },
	{ VM_RAND_READ,		VMSCOPE_VMA_F_RAND_READ },
	{ VM_DONTCOPY,		VMSCOPE_VMA_F_DONTCOPY },
	{ VM_DONTEXPAND,	VMSCOPE_VMA_F_DONTEXPAND },
	{ VM_LOCKONFAULT,	VMSCOPE_VMA_F_LOCKONFAULT },
	{ VM_ACCOUNT,		VMSCOPE_VMA_F_ACCOUNT },
	{ VM_NORESERVE,		VMSCOPE_VMA_F_NORESERVE },
	{ VM_HUGETLB,		VMSCOPE_VMA_F_HUGETLB },
	{ VM_SYNC,		VMSCOPE_VMA_F_SYNC },
	{ VM_WIPEONFORK,	VMSCOPE_VMA_F_WIPEONFORK },
	{ VM_DONTDUMP,		VMSCOPE_VMA_F_DONTDUMP },
	{ VM_SOFTDIRTY,		VMSCOPE_VMA_F_SOFTDIRTY },
	{ VM_MIXEDMAP,		VMSCOPE_VMA_F_MIXEDMAP },
	{ VM_HUGEPAGE,		VMSCOPE_VMA_F_HUGEPAGE },
	{ VM_NOHUGEPAGE,	VMSCOPE_VMA_F_NOHUGEPAGE },
	{ VM_MERGEABLE,		VMSCOPE_VMA_F_MERGEABLE },
	{ VM_UFFD_MISSING,	VMSCOPE_VMA_F_UFFD_MISSING },
	{ VM_UFFD_WP,		VMSCOPE_VMA_F_UFFD_WP },
	{ VM_UFFD_MINOR,	VMSCOPE_VMA_F_UFFD_MINOR },
	{ VM_SHADOW_STACK,	VMSCOPE_VMA_F_SHADOW_STACK },
	{ VM_SEALED,		VMSCOPE_VMA_F_SEALED },
	{ VM_DROPPABLE,		VMSCOPE_VMA_F_DROPPABLE },
	{ VM_ARCH_1,		VMSCOPE_VMA_F_ARCH_1 },
};

/* vm_flags bit number to UAPI bit; built by vmscope_vma_init(). */
static u8 vmscope_vm_bit[BITS_PER_LONG] __ro_after_init;
static unsigned long vmscope_vm_known __ro_after_init;

void __init vmscope_vma_init(void)
{
	int i, bit;

	for (i = 0; i < ARRAY_SIZE(vmscope_vma_flag_map); i++) {
		if (!vmscope_vma_flag_map[i].vm)
			continue;
		bit = __ffs(vmscope_vma_flag_map[i].vm);
		vmscope_vm_bit[bit] = vmscope_vma_flag_map[i].bit;
		vmscope_vm_known |= BIT(bit);
	}
}

/* Visits only the few bits that are set, not the whole table. */
u64 vmscope_vm_flags_uapi(unsigned long vm_flags)
{
	unsigned long vm = vm_flags & vmscope_vm_known;
	u64 flags = 0;
	int bit;

	for_each_set_bit(bit, &vm, BITS_PER_LONG)
		flags |= BIT_ULL(vmscope_vm_bit[bit]);
	return flags;
}

u64 vmscope_vma_flags(const struct vm_area_struct *vma)
{
	return vmscope_vm_flags_uapi(vma->vm_flags);
}

/* Room for a path; d_path() fails with -ENAMETOOLONG beyond it. */
#define VMSCOPE_NAME_BUF	PATH_MAX

/*
 * The name /proc/PID/maps prints for @vma (fs/proc/task_mmu.c,
 * get_vma_name()), built in @buf.  Returns NULL for a nameless mapping, or
 * an ERR_PTR.  *@is_path tells that it is a path, which still needs maps'
 * escaping of '\n' (see vmscope_put_name()).
 */
static const char *vmscope_vma_name(struct vm_area_struct *vma, char *buf,
				    bool *is_path)
{
	struct anon_vma_name *anon_name = anon_vma_name(vma);
	const char *name;

	*is_path = false;
	if (vma->vm_file) {
		if (anon_name) {
			snprintf(buf, VMSCOPE_NAME_BUF, "[anon_shmem:%s]",
				 anon_name->name);
			return buf;
		}
		*is_path = true;
		return d_path(vmscope_file_path(vma->vm_file), buf,
			      VMSCOPE_NAME_BUF);
	}
	name = vmscope_vma_literal_name(vma);
	if (name)
		return name;
	if (anon_name) {
		snprintf(buf, VMSCOPE_NAME_BUF, "[anon:%s]", anon_name->name);
		return buf;
	}
	return NULL;
}

/*
 * The name of a VMA that has no file, if it is a constant string: what the
 * fault-path hooks can take without a buffer.  Called with the VMA held.
 */
const char *vmscope_vma_literal_name(struct vm_area_struct *vma)
{
	const char *name;

	if (vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma);
		if (name)
			return name;
	}
	/* x86's arch_vma_name() is NULL for everything in the VMA tree. */
	if (vmscope_vma_is_heap(vma))
		return "[heap]";
	if (vmscope_vma_is_stack(vma))
		return "[stack]";
	return NULL;
}

/* maps escapes '\n' in paths as "\012" (seq_path(m, path, "\n")). */
int vmscope_put_name(struct sk_buff *skb, int attrtype, const char *name,
		     bool path)
{
	size_t len = strlen(name), i, nl = 0;
	struct nlattr *nla;
	char *p;

	if (path)
		for (i = 0; i < len; i++)
			nl += name[i] == '\n';
	if (!nl)
		return nla_put_string(skb, attrtype, name);

	nla = nla_reserve(skb, attrtype, len + 3 * nl + 1);
	if (!nla)
		return -EMSGSIZE;
	p = nla_data(nla);
	for (i = 0; i < len; i++) {
		if (name[i] == '\n') {
			memcpy(p, "\\012", 4);
			p += 4;
		} else {
			*p++ = name[i];
		}
	}
	*p = '\0';
	return 0;
}

/* The attributes only a file mapping has; absent means "no file". */
static int vmscope_vma_put_file(struct sk_buff *skb, struct vm_area_struct *vma)
{
	const struct inode *inode = vmscope_file_inode(vma->vm_file);

	if (nla_put_u64_64bit(skb, VMSCOPE_VMA_A_OFFSET,
			      (u64)vma->vm_pgoff << PAGE_SHIFT,
			      VMSCOPE_VMA_A_PAD) ||
	    nla_put_u32(skb, VMSCOPE_VMA_A_DEV_MAJOR,
			MAJOR(inode->i_sb->s_dev)) ||
	    nla_put_u32(skb, VMSCOPE_VMA_A_DEV_MINOR,
			MINOR(inode->i_sb->s_dev)) ||
	    nla_put_u64_64bit(skb, VMSCOPE_VMA_A_INODE, inode->i_ino,
			      VMSCOPE_VMA_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * One VMA as one message, with its counters @ctr unless NULL.  Runs under
 * mmap_read_lock.
 */
static int vmscope_vma_fill(struct sk_buff *skb, struct vm_area_struct *vma,
			    u64 flags, const u64 *ctr, char *buf, u32 portid,
			    u32 seq, int nlflags)
{
	const char *name;
	bool is_path;
	void *hdr;

	name = vmscope_vma_name(vma, buf, &is_path);
	if (IS_ERR(name))
		return PTR_ERR(name);

	hdr = genlmsg_put(skb, portid, seq, &vmscope_nl_family, nlflags,
			  VMSCOPE_CMD_VMA_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u64_64bit(skb, VMSCOPE_VMA_A_START, vma->vm_start,
			      VMSCOPE_VMA_A_PAD) ||
	    nla_put_u64_64bit(skb, VMSCOPE_VMA_A_END, vma->vm_end,
			      VMSCOPE_VMA_A_PAD) ||
	    nla_put_u64_64bit(skb, VMSCOPE_VMA_A_FLAGS, flags,
			      VMSCOPE_VMA_A_PAD) ||
	    nla_put_u64_64bit(skb, VMSCOPE_VMA_A_PAGE_SIZE,
			      vma_kernel_pagesize(vma), VMSCOPE_VMA_A_PAD) ||
	    (vma->vm_file && vmscope_vma_put_file(skb, vma)) ||
	    (name && vmscope_put_name(skb, VMSCOPE_VMA_A_NAME, name,
				      is_path)) ||
	    (ctr && vmscope_put_counters(skb, ctr, true)))
		goto nla_put_failure;

	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * struct vmscope_vma_dump - state of one VMA_GET dump, from .start to .done
 * @target: the checked and pinned process
 * @pos: where the next round's walk starts
 * @floor: lowest vm_start the next VMA may have; 0 before the first VMA
 * @end: end (exclusive) of the requested range
 * @required: VMSCOPE_VMA_F_* bits every reported VMA has
 * @forbidden: VMSCOPE_VMA_F_* bits no reported VMA has
 * @done: the walk reached @end; the next round ends the dump
 * @start_err: an error of the request, reported by the first round
 * @start_extack: its message, for kernels whose .start has no extack
 * @snap: the process's per-VMA counters, copied before the first round
 *	(NULL: none yet, or the module does not count)
 * @nsnap: entries in @snap
 * @snap_pos: cursor of the ascending join of @snap with the walk
 * @snapped: @snap was taken
 * @buf: room for a VMA's name, allocated before any lock is taken
 */
struct vmscope_vma_dump {
	struct vmscope_target target;
	unsigned long pos;
	unsigned long floor;
	unsigned long end;
	u64 required;
	u64 forbidden;
	bool done;
	int start_err;
	struct netlink_ext_ack start_extack;
	struct vmscope_region_snap *snap;
	unsigned int nsnap;
	unsigned int snap_pos;
	bool snapped;
	char buf[VMSCOPE_NAME_BUF];
};

static struct vmscope_vma_dump **vmscope_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct vmscope_vma_dump *) > sizeof(cb->ctx));
	return (struct vmscope_vma_dump **)cb->ctx;
}

static int vmscope_vma_flags_attr(const struct nlattr *attr, u64 *flags,
				  struct netlink_ext_ack *extack)
{
	if (!attr)
		return 0;
	*flags = nla_get_u64(attr);
	if (*flags & ~VMSCOPE_VMA_F_ALL) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "undefined VMA flag bits");
		return -EINVAL;
	}
	return 0;
}

/* Parse, check and resolve a dump request into @d. */
static int vmscope_vma_dump_init(struct vmscope_vma_dump *d,
				 struct nlattr **attrs, struct sk_buff *skb,
				 struct netlink_ext_ack *extack)
{
	int err;

	if (VMSCOPE_REQUIRE(extack, attrs, VMSCOPE_VMA_A_PID,
			    "missing the PID attribute"))
		return -EINVAL;
	if (attrs[VMSCOPE_VMA_A_ADDR] || attrs[VMSCOPE_VMA_A_QUERY_FLAGS]) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[VMSCOPE_VMA_A_ADDR] ?:
				    attrs[VMSCOPE_VMA_A_QUERY_FLAGS],
				    "address lookup is a do request, not a dump");
		return -EINVAL;
	}
	d->end = ULONG_MAX;
	if (attrs[VMSCOPE_VMA_A_RANGE_START])
		d->pos = nla_get_u64(attrs[VMSCOPE_VMA_A_RANGE_START]);
	if (attrs[VMSCOPE_VMA_A_RANGE_END])
		d->end = nla_get_u64(attrs[VMSCOPE_VMA_A_RANGE_END]);
	if (d->end <= d->pos) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[VMSCOPE_VMA_A_RANGE_END],
				    "range end must be above range start");
		return -EINVAL;
	}
	err = vmscope_vma_flags_attr(attrs[VMSCOPE_VMA_A_FLAGS_REQUIRED],
				     &d->required, extack) ?:
	      vmscope_vma_flags_attr(attrs[VMSCOPE_VMA_A_FLAGS_FORBIDDEN],
				     &d->forbidden, extack);
	if (err)
		return err;

	return vmscope_target_get(&d->target, skb, attrs[VMSCOPE_VMA_A_PID],
				  extack);
}

int vmscope_vma_get_start(struct netlink_callback *cb)
{
	struct vmscope_vma_dump *d;
	int err;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	/*
	 * Before 6.2, genetlink gives .start no extack (cb->extack is NULL)
	 * and an error returned here reaches the caller without a message.
	 * Then keep the error and its message, and fail the first round
	 * instead: a round's extack does reach the caller, in NLMSG_DONE.
	 */
	err = vmscope_vma_dump_init(d, vmscope_dump_attrs(cb), cb->skb,
				    cb->extack ?: &d->start_extack);
	if (err && cb->extack) {
		/* .done is not called when .start fails. */
		kfree(d);
		return err;
	}
	d->start_err = err;

	*vmscope_dump_ctx(cb) = d;
	/* Every skb of the dump must be able to hold the longest name. */
	cb->min_dump_alloc = NLMSG_GOODSIZE + 4 * VMSCOPE_NAME_BUF;
	return 0;
}

/*
 * At most this many VMAs are visited per mmap_lock hold.  A /proc/PID/maps
 * reader holds the lock for one 4 KiB page of text, about 80 lines; a VMA
 * costs us a little more than a line costs /proc, so holds stay shorter.
 */
#define VMSCOPE_VMAS_PER_HOLD	32

enum vmscope_walk {
	VMSCOPE_WALK_DONE,	/* reached the end of the range */
	VMSCOPE_WALK_FULL,	/* the skb is full: the next round resumes */
	VMSCOPE_WALK_YIELD,	/* budget spent or a writer waits: relock */
};

/* One hold of the lock: walk from d->pos, fill @skb. */
static int vmscope_vma_walk(struct vmscope_vma_dump *d, struct sk_buff *skb,
			    struct netlink_callback *cb, int *sent)
{
	VMA_ITERATOR(vmi, d->target.mm, d->pos);
	int budget = VMSCOPE_VMAS_PER_HOLD;
	struct vm_area_struct *vma;
	u64 flags, ctr[VMSCOPE_C_NR];
	bool counting = vmscope_counting();
	int err;

	for_each_vma_range(vmi, vma, d->end) {
		/*
		 * A VMA reaching below the last one sent has changed since;
		 * skipping it keeps the dump ordered and free of overlaps,
		 * and loses nothing that lived through the whole dump.
		 */
		if (vma->vm_start < d->floor)
			continue;
		flags = vmscope_vma_flags(vma);
		if ((flags & d->required) == d->required &&
		    !(flags & d->forbidden)) {
			if (counting)
				vmscope_snap_sum(d->snap, d->nsnap, &d->snap_pos,
						 vma->vm_start, vma->vm_end,
						 ctr);
			err = vmscope_vma_fill(skb, vma, flags,
					       counting ? ctr : NULL, d->buf,
					       NETLINK_CB(cb->skb).portid,
					       cb->nlh->nlmsg_seq, NLM_F_MULTI);
			if (err == -EMSGSIZE && *sent)
				return VMSCOPE_WALK_FULL;
			if (err)
				return err;
			(*sent)++;
		}
		d->pos = vma->vm_end;
		d->floor = vma->vm_end;
		if (--budget == 0 || mmap_lock_is_contended(d->target.mm))
			return d->pos >= d->end ? VMSCOPE_WALK_DONE :
						  VMSCOPE_WALK_YIELD;
	}
	return VMSCOPE_WALK_DONE;
}

int vmscope_vma_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vmscope_vma_dump *d = *vmscope_dump_ctx(cb);
	struct mm_struct *mm = d->target.mm;
	int sent = 0, ret;

	if (d->start_err) {
		if (cb->extack) {
			cb->extack->_msg = d->start_extack._msg;
			cb->extack->bad_attr = d->start_extack.bad_attr;
			cb->extack->miss_type = d->start_extack.miss_type;
		}
		return d->start_err;
	}
	if (d->done)
		return 0;
	/*
	 * Later rounds run in whoever calls recvmsg(): use nothing of
	 * current's, only what .start checked and pinned.
	 */
	if (!d->snapped && vmscope_counting()) {
		/* Counters as of the dump's start: no lock of ours per VMA. */
		d->snap = vmscope_snap_take(mm, &d->nsnap);
		if (IS_ERR(d->snap)) {
			d->snap = NULL;
			return -ENOMEM;
		}
		d->snapped = true;
	}
	if (!mmget_not_zero(mm)) {
		NL_SET_ERR_MSG(cb->extack, "process exited during the dump");
		return -ESRCH;
	}
	do {
		ret = mmap_read_lock_killable(mm);
		if (ret)
			break;
		ret = vmscope_vma_walk(d, skb, cb, &sent);
		mmap_read_unlock(mm);
		cond_resched();
	} while (ret == VMSCOPE_WALK_YIELD);
	mmput(mm);

	if (ret == VMSCOPE_WALK_DONE)
		d->done = true;
	if (ret < 0 && ret != -EINTR)
		NL_SET_ERR_MSG(cb->extack, "cannot describe a VMA");
	return ret < 0 ? ret : skb->len;
}

int vmscope_vma_get_done(struct netlink_callback *cb)
{
	struct vmscope_vma_dump *d = *vmscope_dump_ctx(cb);

	vmscope_target_put(&d->target);
	kvfree(d->snap);
	kfree(d);
	return 0;
}

int vmscope_vma_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct vmscope_target target;
	struct vmscope_region_snap *snap = NULL;
	u64 ctr[VMSCOPE_C_NR];
	struct vm_area_struct *vma;
	unsigned int nsnap = 0, pos = 0;
	struct sk_buff *msg;
	unsigned long addr;
	bool next = false;
	char *buf;
	int err;

	if (VMSCOPE_REQUIRE(info->extack, attrs, VMSCOPE_VMA_A_PID,
			    "missing the PID attribute") ||
	    VMSCOPE_REQUIRE(info->extack, attrs, VMSCOPE_VMA_A_ADDR,
			    "missing the ADDR attribute (a dump lists every VMA)"))
		return -EINVAL;
	addr = nla_get_u64(attrs[VMSCOPE_VMA_A_ADDR]);
	if (attrs[VMSCOPE_VMA_A_QUERY_FLAGS])
		next = nla_get_u32(attrs[VMSCOPE_VMA_A_QUERY_FLAGS]) &
		       BIT(VMSCOPE_QUERY_F_COVERING_OR_NEXT);

	/* Everything that may sleep for memory happens before the lock. */
	buf = kmalloc(VMSCOPE_NAME_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	msg = genlmsg_new(VMSCOPE_NAME_BUF * 4 + NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out_buf;
	}
	err = vmscope_target_get(&target, skb, attrs[VMSCOPE_VMA_A_PID],
				 info->extack);
	if (err)
		goto out_msg;
	if (vmscope_counting()) {
		snap = vmscope_snap_take(target.mm, &nsnap);
		if (IS_ERR(snap)) {
			err = PTR_ERR(snap);
			snap = NULL;
			goto out_target;
		}
	}
	if (!mmget_not_zero(target.mm)) {
		GENL_SET_ERR_MSG(info, "process has exited");
		err = -ESRCH;
		goto out_target;
	}
	err = mmap_read_lock_killable(target.mm);
	if (err)
		goto out_mmput;

	vma = find_vma(target.mm, addr);
	if (vma && (vma->vm_start <= addr || next)) {
		if (vmscope_counting())
			vmscope_snap_sum(snap, nsnap, &pos, vma->vm_start,
					 vma->vm_end, ctr);
		err = vmscope_vma_fill(msg, vma, vmscope_vma_flags(vma),
				       vmscope_counting() ? ctr : NULL, buf,
				       info->snd_portid, info->snd_seq, 0);
		if (err)
			GENL_SET_ERR_MSG(info, "cannot describe the VMA");
	} else if (next) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[VMSCOPE_VMA_A_ADDR],
				    "no VMA at or above the address");
		err = -ENOENT;
	} else {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[VMSCOPE_VMA_A_ADDR],
				    "no VMA covers the address");
		err = -ENOENT;
	}
	mmap_read_unlock(target.mm);
out_mmput:
	mmput(target.mm);
out_target:
	vmscope_target_put(&target);
	kvfree(snap);
	if (!err) {
		kfree(buf);
		/* genlmsg_reply() consumes msg, even when it fails. */
		return genlmsg_reply(msg, info);
	}
out_msg:
	nlmsg_free(msg);
out_buf:
	kfree(buf);
	return err;
}
