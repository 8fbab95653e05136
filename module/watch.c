// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope: VMSCOPE_CMD_WATCH, live fault events unicast to each watcher.
 *
 * The fault path only copies an event into its CPU's ring (a single
 * producer, with interrupts off) and counts a drop when the ring is full.
 * A delayed work drains the rings every few milliseconds, outside the fault
 * path: it resolves names and pid numbers, builds EVENT messages several to
 * an skb, and unicasts them to each interested socket.  A socket whose
 * receive queue is full loses that skb; the loss is counted, the socket
 * gets ENOBUFS, and the sequence numbers show the gap.
 *
 * Watchers live in a small RCU-protected array; an event carries the bit
 * of each slot that wanted it.  A slot is reused only after a grace period
 * and a drain, so no event ever reaches a later watcher of the same slot.
 */
#include <linux/bitops.h>
#include <linux/file.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include <uapi/linux/vmscope.h>
#include "compat.h"
#include "vmscope.h"

/* How often the rings are drained while anyone watches. */
#define VMSCOPE_DRAIN_MS	10
/* One unicast skb: many events, well under a default receive buffer. */
#define VMSCOPE_BATCH_BYTES	(16 * 1024)

/**
 * struct vmscope_listener - one watching socket
 * @portid: the socket's netlink port id, in the initial namespace
 * @all: watches every address space but the watcher's own
 * @self: the watcher's own address space, never reported with @all
 * @nmm: number of entries in @mm
 * @mm: the watched address spaces (mmgrab()ed; compared only).  A watch
 *	follows an address space, as an open /proc/PID/maps does: after an
 *	exec, the new image is not watched.
 * @ns: pid namespace the watcher's pids are translated into
 * @dropped_buffer: its events lost to full CPU rings
 * @seq: next sequence number (drain work only)
 * @dropped_socket: its events lost to a full socket (drain work only)
 * @skb: the batch being built (drain work only)
 * @nbatch: events in @skb
 * @dead: the socket is gone; freed by the drain work
 */
struct vmscope_listener {
	u32 portid;
	bool all;
	struct mm_struct *self;
	unsigned int nmm;
	struct mm_struct *mm[VMSCOPE_WATCH_MAX_PIDS];
	struct pid_namespace *ns;
	atomic64_t dropped_buffer;
	u64 seq;
	u64 dropped_socket;
	struct sk_buff *skb;
	unsigned int nbatch;
	bool dead;
};

struct vmscope_ring {
	unsigned int head;	/* written by the CPU's fault path */
	unsigned int tail;	/* written by the drain work */
	struct vmscope_event ev[];
};

static struct vmscope_listener __rcu *vmscope_listeners[VMSCOPE_WATCH_MAX_LISTENERS];
static DEFINE_MUTEX(vmscope_watch_mutex);
/*
 * Which slots of vmscope_listeners[] are taken, written under the mutex.
 * The fault path reads it locklessly: zero skips the watcher lookup, and
 * the lookup scans only the bits set.  Deliberately not a static key:
 * WATCH and UNWATCH are unprivileged, and flipping a static key patches
 * kernel text on every CPU (int3, IPIs) each time.
 */
unsigned long vmscope_listener_bits;
static struct vmscope_ring **vmscope_rings;
static unsigned int vmscope_ring_mask;
static atomic64_t vmscope_events = ATOMIC64_INIT(0);
static atomic64_t vmscope_events_dropped = ATOMIC64_INIT(0);
static char *vmscope_watch_buf;
static size_t vmscope_ring_bytes;

static void vmscope_watch_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(vmscope_watch_dwork, vmscope_watch_work);

/* Slot @i's watcher, for the holder of vmscope_watch_mutex. */
static struct vmscope_listener *vmscope_listener(int i)
{
	return rcu_dereference_protected(vmscope_listeners[i],
					 lockdep_is_held(&vmscope_watch_mutex));
}

/* Fault path: which watchers want events of @mm.  Atomic context. */
u32 vmscope_watch_match(const struct mm_struct *mm)
{
	unsigned long bits = READ_ONCE(vmscope_listener_bits);
	struct vmscope_listener *l;
	u32 mask = 0;
	int i, j;

	/*
	 * The hooks' flavour of read side, as in counters.c: the
	 * synchronize_rcu() before a watcher is freed waits for it too.
	 */
	rcu_read_lock_sched_notrace();
	for_each_set_bit(i, &bits, VMSCOPE_WATCH_MAX_LISTENERS) {
		l = rcu_dereference_sched(vmscope_listeners[i]);
		if (!l)
			continue;
		if (l->all) {
			if (l->self != mm)
				mask |= BIT(i);
			continue;
		}
		for (j = 0; j < l->nmm; j++)
			if (l->mm[j] == mm)
				mask |= BIT(i);
	}
	rcu_read_unlock_sched_notrace();
	return mask;
}

static void vmscope_watch_lost(u32 mask)
{
	struct vmscope_listener *l;
	unsigned long bits = mask;
	int i;

	rcu_read_lock();
	for_each_set_bit(i, &bits, VMSCOPE_WATCH_MAX_LISTENERS) {
		l = rcu_dereference(vmscope_listeners[i]);
		if (l)
			atomic64_inc(&l->dropped_buffer);
	}
	rcu_read_unlock();
}

/*
 * Fault path: the free slot of this CPU's ring for an event to the watchers
 * in @mask, which the caller fills in place; or NULL, the event counted
 * lost, if the ring is full.  Interrupts stay off until
 * vmscope_watch_commit(), so that nothing else on this CPU takes the slot.
 */
struct vmscope_event *vmscope_watch_reserve(u32 mask, unsigned long *flags)
{
	struct vmscope_event *ev;
	struct vmscope_ring *r;
	unsigned int head;

	local_irq_save(*flags);
	r = vmscope_rings[smp_processor_id()];
	head = r->head;
	/* Pairs with the drain's release: the slots below tail are free. */
	if (head - smp_load_acquire(&r->tail) > vmscope_ring_mask) {
		local_irq_restore(*flags);
		atomic64_inc(&vmscope_events_dropped);
		vmscope_watch_lost(mask);
		return NULL;
	}
	ev = &r->ev[head & vmscope_ring_mask];
	ev->mask = mask;
	return ev;
}

/* Hand the slot vmscope_watch_reserve() gave to the drain. */
void vmscope_watch_commit(unsigned long flags)
{
	struct vmscope_ring *r = vmscope_rings[smp_processor_id()];

	/* Publish the event before the index that hands it over. */
	smp_store_release(&r->head, r->head + 1);
	local_irq_restore(flags);
	atomic64_inc(&vmscope_events);
}

static u32 vmscope_watch_nr(u32 nr, struct pid_namespace *ns)
{
	struct pid *pid;
	u32 ret = 0;

	if (!nr)
		return 0;
	rcu_read_lock();
	pid = find_pid_ns(nr, &init_pid_ns);
	if (pid)
		ret = pid_nr_ns(pid, ns);
	rcu_read_unlock();
	return ret;
}

static void vmscope_watch_send(struct vmscope_listener *l)
{
	int err;

	if (!l->skb)
		return;
	err = genlmsg_unicast(&init_net, l->skb, l->portid);
	l->skb = NULL;
	if (err == -ECONNREFUSED)
		l->dead = true;
	if (err)
		l->dropped_socket += l->nbatch;
	l->nbatch = 0;
}

static int vmscope_event_put(struct sk_buff *skb, struct vmscope_listener *l,
			     const struct vmscope_event *ev, const char *name,
			     bool is_path)
{
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &vmscope_nl_family, 0, VMSCOPE_CMD_EVENT);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, VMSCOPE_EVENT_A_SEQ, l->seq,
			      VMSCOPE_EVENT_A_PAD) ||
	    nla_put_u64_64bit(skb, VMSCOPE_EVENT_A_TIME_NS, ev->time,
			      VMSCOPE_EVENT_A_PAD) ||
	    nla_put_u32(skb, VMSCOPE_EVENT_A_PID,
			vmscope_watch_nr(ev->tgid, l->ns)) ||
	    nla_put_u32(skb, VMSCOPE_EVENT_A_TID,
			vmscope_watch_nr(ev->tid, l->ns)) ||
	    nla_put_string(skb, VMSCOPE_EVENT_A_COMM, ev->comm) ||
	    nla_put_u32(skb, VMSCOPE_EVENT_A_KIND, ev->kind) ||
	    nla_put_u32(skb, VMSCOPE_EVENT_A_ACCESS, ev->access) ||
	    nla_put_u32(skb, VMSCOPE_EVENT_A_FLAGS, ev->flags) ||
	    nla_put_u64_64bit(skb, VMSCOPE_EVENT_A_ADDR, ev->addr,
			      VMSCOPE_EVENT_A_PAD) ||
	    (ev->ip && nla_put_u64_64bit(skb, VMSCOPE_EVENT_A_IP, ev->ip,
					 VMSCOPE_EVENT_A_PAD)) ||
	    nla_put_u64_64bit(skb, VMSCOPE_EVENT_A_VMA_START, ev->vma_start,
			      VMSCOPE_EVENT_A_PAD) ||
	    nla_put_u64_64bit(skb, VMSCOPE_EVENT_A_VMA_END, ev->vma_end,
			      VMSCOPE_EVENT_A_PAD) ||
	    nla_put_u64_64bit(skb, VMSCOPE_EVENT_A_VMA_FLAGS,
			      vmscope_vm_flags_uapi(ev->vm_flags),
			      VMSCOPE_EVENT_A_PAD) ||
	    (name && vmscope_put_name(skb, VMSCOPE_EVENT_A_VMA_NAME, name,
				      is_path)) ||
	    nla_put_u64_64bit(skb, VMSCOPE_EVENT_A_DROPPED_BUFFER,
			      atomic64_read(&l->dropped_buffer),
			      VMSCOPE_EVENT_A_PAD) ||
	    nla_put_u64_64bit(skb, VMSCOPE_EVENT_A_DROPPED_SOCKET,
			      l->dropped_socket, VMSCOPE_EVENT_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* One event to one watcher: into its batch, sending the batch when full. */
static void vmscope_watch_deliver(struct vmscope_listener *l,
				  const struct vmscope_event *ev,
				  const char *name, bool is_path)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (!l->skb) {
			l->skb = nlmsg_new(VMSCOPE_BATCH_BYTES, GFP_KERNEL);
			if (!l->skb)
				break;
		}
		if (!vmscope_event_put(l->skb, l, ev, name, is_path)) {
			l->nbatch++;
			l->seq++;
			return;
		}
		vmscope_watch_send(l);
	}
	/* No memory: lost, and the sequence number says so. */
	l->seq++;
	l->dropped_socket++;
}

static void vmscope_watch_dispatch(const struct vmscope_event *ev)
{
	unsigned long bits = ev->mask;
	struct vmscope_listener *l;
	const char *name = ev->name;
	bool is_path = false;
	int i;

	if (ev->file) {
		name = d_path(vmscope_file_path(ev->file), vmscope_watch_buf,
			      PATH_MAX);
		is_path = true;
		if (IS_ERR(name))
			name = NULL;
	}
	for_each_set_bit(i, &bits, VMSCOPE_WATCH_MAX_LISTENERS) {
		l = vmscope_listener(i);
		if (l && !l->dead)
			vmscope_watch_deliver(l, ev, name, is_path);
	}
}

/* Empty every CPU's ring and send what it held.  Under the mutex. */
static void vmscope_watch_drain(void)
{
	struct vmscope_listener *l;
	struct vmscope_ring *r;
	unsigned int head, tail;
	int cpu, i;

	lockdep_assert_held(&vmscope_watch_mutex);
	for_each_possible_cpu(cpu) {
		r = vmscope_rings[cpu];
		tail = r->tail;
		/* Pairs with the push's release: events below head are whole. */
		head = smp_load_acquire(&r->head);
		for (; tail != head; tail++) {
			struct vmscope_event *ev =
				&r->ev[tail & vmscope_ring_mask];

			vmscope_watch_dispatch(ev);
			if (ev->file)
				fput(ev->file);
		}
		/* Done reading the slots before the producer may reuse them. */
		smp_store_release(&r->tail, tail);
		cond_resched();
	}
	for (i = 0; i < VMSCOPE_WATCH_MAX_LISTENERS; i++) {
		l = vmscope_listener(i);
		if (l)
			vmscope_watch_send(l);
	}
}

static void vmscope_listener_free(struct vmscope_listener *l)
{
	int i;

	for (i = 0; i < l->nmm; i++)
		mmdrop(l->mm[i]);
	if (l->self)
		mmdrop(l->self);
	put_pid_ns(l->ns);
	kfree_skb(l->skb);
	kfree(l);
}

/*
 * Take slot @i's watcher out.  After the grace period no fault path can
 * pick its bit any more; the drain then disposes of every event that
 * still carries it, and the slot is clean for the next watcher.
 */
static void vmscope_listener_remove(int i)
{
	struct vmscope_listener *l;

	l = vmscope_listener(i);
	RCU_INIT_POINTER(vmscope_listeners[i], NULL);
	WRITE_ONCE(vmscope_listener_bits, vmscope_listener_bits & ~BIT(i));
	synchronize_rcu();
	vmscope_watch_drain();
	vmscope_listener_free(l);
}

static void vmscope_watch_work(struct work_struct *work)
{
	struct vmscope_listener *l;
	int i;

	mutex_lock(&vmscope_watch_mutex);
	vmscope_watch_drain();
	for (i = 0; i < VMSCOPE_WATCH_MAX_LISTENERS; i++) {
		l = vmscope_listener(i);
		if (l && l->dead)
			vmscope_listener_remove(i);
	}
	if (vmscope_listener_bits)
		schedule_delayed_work(&vmscope_watch_dwork,
				      msecs_to_jiffies(VMSCOPE_DRAIN_MS));
	mutex_unlock(&vmscope_watch_mutex);
}

static int vmscope_listener_find(u32 portid)
{
	struct vmscope_listener *l;
	int i;

	for (i = 0; i < VMSCOPE_WATCH_MAX_LISTENERS; i++) {
		l = vmscope_listener(i);
		if (l && l->portid == portid)
			return i;
	}
	return -1;
}

static int vmscope_watch_parse(struct vmscope_listener *l, struct sk_buff *skb,
			       struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct vmscope_target t;
	const struct nlattr *nla;
	int rem, err;

	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(nla) != VMSCOPE_WATCH_A_PID)
			continue;
		if (l->nmm == VMSCOPE_WATCH_MAX_PIDS) {
			NL_SET_ERR_MSG_ATTR(extack, nla, "too many PID attributes");
			return -EINVAL;
		}
		err = vmscope_target_get(&t, skb, nla, extack);
		if (err)
			return err;
		mmgrab(t.mm);
		l->mm[l->nmm++] = t.mm;
		vmscope_target_put(&t);
	}
	return 0;
}

int vmscope_watch_doit(struct sk_buff *skb, struct genl_info *info)
{
	bool all = !!info->attrs[VMSCOPE_WATCH_A_ALL];
	struct vmscope_listener *l;
	int err, i;

	if (!vmscope_watch_available()) {
		GENL_SET_ERR_MSG(info, "the fault hooks are not attached on this kernel");
		return -EOPNOTSUPP;
	}
	if (all && info->attrs[VMSCOPE_WATCH_A_PID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VMSCOPE_WATCH_A_ALL],
				    "ALL excludes PID");
		return -EINVAL;
	}
	if (!all && VMSCOPE_REQUIRE(info->extack, info->attrs,
				    VMSCOPE_WATCH_A_PID,
				    "missing the PID or ALL attribute"))
		return -EINVAL;
	if (all && !netlink_capable(skb, CAP_SYS_ADMIN) &&
	    !netlink_capable(skb, CAP_PERFMON)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VMSCOPE_WATCH_A_ALL],
				    "watching every process needs CAP_SYS_ADMIN or CAP_PERFMON");
		return -EPERM;
	}

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->portid = info->snd_portid;
	l->all = all;
	l->ns = get_pid_ns(task_active_pid_ns(current));
	if (all && current->mm) {
		mmgrab(current->mm);
		l->self = current->mm;
	}
	atomic64_set(&l->dropped_buffer, 0);
	err = vmscope_watch_parse(l, skb, info);
	if (err)
		goto err_free;

	mutex_lock(&vmscope_watch_mutex);
	i = vmscope_listener_find(l->portid);
	if (i >= 0)
		vmscope_listener_remove(i);
	for (i = 0; i < VMSCOPE_WATCH_MAX_LISTENERS; i++)
		if (!rcu_access_pointer(vmscope_listeners[i]))
			break;
	if (i == VMSCOPE_WATCH_MAX_LISTENERS) {
		mutex_unlock(&vmscope_watch_mutex);
		GENL_SET_ERR_MSG(info, "too many watching sockets");
		err = -EBUSY;
		goto err_free;
	}
	rcu_assign_pointer(vmscope_listeners[i], l);
	WRITE_ONCE(vmscope_listener_bits, vmscope_listener_bits | BIT(i));
	/* The first watcher starts the drain. */
	if (vmscope_listener_bits == BIT(i))
		schedule_delayed_work(&vmscope_watch_dwork,
				      msecs_to_jiffies(VMSCOPE_DRAIN_MS));
	mutex_unlock(&vmscope_watch_mutex);
	return 0;

err_free:
	vmscope_listener_free(l);
	return err;
}

static bool vmscope_watch_stop(u32 portid)
{
	int i;

	mutex_lock(&vmscope_watch_mutex);
	i = vmscope_listener_find(portid);
	if (i >= 0)
		vmscope_listener_remove(i);
	mutex_unlock(&vmscope_watch_mutex);
	return i >= 0;
}

int vmscope_unwatch_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (!vmscope_watch_stop(info->snd_portid)) {
		GENL_SET_ERR_MSG(info, "this socket is not watching");
		return -ENOENT;
	}
	return 0;
}

/* A closed socket stops watching at once, before its port id is reused. */
static int vmscope_netlink_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    net_eq(n->net, &init_net))
		vmscope_watch_stop(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block vmscope_netlink_nb = {
	.notifier_call = vmscope_netlink_event,
};

void vmscope_watch_stats(struct vmscope_watch_stats *st)
{
	st->events = atomic64_read(&vmscope_events);
	st->dropped = atomic64_read(&vmscope_events_dropped);
	st->listeners = hweight_long(READ_ONCE(vmscope_listener_bits));
	st->ring_size = vmscope_ring_mask + 1;
	st->bytes = vmscope_ring_bytes;
}

int __init vmscope_watch_init(unsigned int ring_size)
{
	size_t size;
	int cpu, err;

	ring_size = roundup_pow_of_two(clamp(ring_size, 16U, 1U << 20));
	vmscope_ring_mask = ring_size - 1;
	size = struct_size(vmscope_rings[0], ev, ring_size);
	err = -ENOMEM;
	vmscope_rings = kcalloc(nr_cpu_ids, sizeof(*vmscope_rings), GFP_KERNEL);
	vmscope_watch_buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!vmscope_rings || !vmscope_watch_buf)
		goto err_rings;
	for_each_possible_cpu(cpu) {
		vmscope_rings[cpu] = kvzalloc(size, GFP_KERNEL);
		if (!vmscope_rings[cpu])
			goto err_rings;
		vmscope_ring_bytes += size;
	}
	err = netlink_register_notifier(&vmscope_netlink_nb);
	if (err)
		goto err_rings;
	return 0;

err_rings:
	vmscope_watch_free_rings();
	return err;
}

void vmscope_watch_free_rings(void)
{
	int cpu;

	if (vmscope_rings)
		for_each_possible_cpu(cpu)
			kvfree(vmscope_rings[cpu]);
	kfree(vmscope_rings);
	kfree(vmscope_watch_buf);
	vmscope_rings = NULL;
	vmscope_watch_buf = NULL;
}

/*
 * The family is gone (no new watcher) and so are the hooks (no new event):
 * drop every watcher, deliver or release what the rings hold, free them.
 */
void vmscope_watch_exit(void)
{
	int i;

	netlink_unregister_notifier(&vmscope_netlink_nb);
	mutex_lock(&vmscope_watch_mutex);
	for (i = 0; i < VMSCOPE_WATCH_MAX_LISTENERS; i++)
		if (rcu_access_pointer(vmscope_listeners[i]))
			vmscope_listener_remove(i);
	vmscope_watch_drain();
	mutex_unlock(&vmscope_watch_mutex);
	cancel_delayed_work_sync(&vmscope_watch_dwork);
	vmscope_watch_free_rings();
}
