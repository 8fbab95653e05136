/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * vmscope: a process's virtual memory areas over generic netlink.
 *
 * This header is the contract between the vmscope kernel module and its
 * clients.  It is shared verbatim by the module and by the vmscope CLI.
 *
 * Stability rules
 * ---------------
 * - The family is "vmscope", version 1, and stays version 1.  New features
 *   add commands and attributes; nothing is ever renumbered or removed.
 * - Every enum below is append-only: new values go just above its __*_MAX
 *   (or __*_CNT) marker.  Clients must ignore attributes they do not know.
 * - Every attribute carries exactly one scalar (or one NUL-terminated string).
 *   No attribute ever carries a C struct.
 * - 64-bit values are NLA_U64 attributes, padded with the set's PAD attribute
 *   so that they are naturally aligned.
 * - Flag words (VMSCOPE_VMA_F_*, VMSCOPE_FEAT_*) are our own stable bits.
 *   They never expose the kernel's internal VM_* values, which differ between
 *   kernel versions.
 *
 * Commands
 * --------
 * VMSCOPE_CMD_VMA_GET (do and dump)
 *   dump: request VMSCOPE_VMA_A_PID, optionally VMSCOPE_VMA_A_RANGE_START,
 *         VMSCOPE_VMA_A_RANGE_END, VMSCOPE_VMA_A_FLAGS_REQUIRED and
 *         VMSCOPE_VMA_A_FLAGS_FORBIDDEN.  One message per VMA, in ascending
 *         address order.  Only VMAs intersecting [RANGE_START, RANGE_END) and
 *         having every REQUIRED and no FORBIDDEN flag are sent.
 *         Consistency: the whole list is not a snapshot (the same as
 *         /proc/PID/maps).  Each message describes one VMA as it was at one
 *         instant.  The messages are strictly ordered and never overlap, and
 *         every VMA that existed unchanged for the whole dump is in it.  If
 *         the target's address space goes away between two rounds of the dump,
 *         the dump ends with -ESRCH instead of a silently shortened list.
 *   do:   request VMSCOPE_VMA_A_PID and VMSCOPE_VMA_A_ADDR, optionally
 *         VMSCOPE_VMA_A_QUERY_FLAGS.  Replies with the VMA that covers ADDR;
 *         with VMSCOPE_QUERY_F_COVERING_OR_NEXT, with the first VMA that ends
 *         above ADDR (the PROCMAP_QUERY semantics).  -ENOENT if there is none.
 *
 * VMSCOPE_CMD_PROC_GET (do)
 *   request VMSCOPE_PROC_A_PID; replies with the VMSCOPE_PROC_A_* summary of
 *   the process: its mm layout, sizes and fault totals.
 *
 * VMSCOPE_CMD_INFO_GET (do)
 *   no request attributes; replies with the VMSCOPE_INFO_A_* module facts:
 *   the version, which hooks are attached, which counters are exact, and the
 *   module's tables and memory.
 *
 * VMSCOPE_CMD_WATCH (do)
 *   request one to VMSCOPE_WATCH_MAX_PIDS VMSCOPE_WATCH_A_PID attributes, or
 *   VMSCOPE_WATCH_A_ALL.  Subscribes the sending socket (its port id) to
 *   live fault events of those processes, replacing any earlier
 *   subscription of that socket.  Each pid is checked as for VMA_GET; ALL
 *   needs CAP_SYS_ADMIN or CAP_PERFMON.  Events are unicast to the socket
 *   as VMSCOPE_CMD_EVENT messages, several to an skb.  The subscription
 *   ends with VMSCOPE_CMD_UNWATCH, when the socket is closed, or when the
 *   module is unloaded.  At most VMSCOPE_WATCH_MAX_LISTENERS sockets watch at
 *   once (-EBUSY beyond that).  A watch follows the address space the pid
 *   had when it was checked, as an open /proc/PID/maps does: after an exec
 *   the new image is not watched (watch it anew), and faults that another
 *   process's get_user_pages() takes on the watched memory are included,
 *   with PID 0.  With ALL, the watching process's own faults are left out.
 *   Events are buffered per CPU and drained every 10 ms, so they arrive in
 *   order per CPU, not globally; TIME_NS orders them.
 *
 * VMSCOPE_CMD_UNWATCH (do)
 *   no request attributes; ends the sending socket's subscription.
 *
 * VMSCOPE_CMD_EVENT (kernel to user only)
 *   one fault or copy-on-write event, VMSCOPE_EVENT_A_*.  Never accepted as
 *   a request.
 *
 * Fault and copy-on-write counters
 * --------------------------------
 * The module counts, per process and per VMA, with hooks it attaches at load
 * time (VMSCOPE_INFO_A_HOOKS tells which attached; a missing kernel symbol
 * disables the counters that need it, VMSCOPE_INFO_A_COUNTERS_EXACT and
 * VMSCOPE_INFO_A_COUNTERS_DERIVED tell which counters are exact, derived
 * from other hooks, or unavailable).  Counting of a process starts with its
 * first fault after the module loads.  A process's counters belong to its
 * address space: exec starts a new one at zero, and they are freed when the
 * address space is torn down at exit.  Per process:
 *   faults     hardware page faults (the exceptions:page_fault_user and, on
 *              user addresses, page_fault_kernel tracepoints), including
 *              spurious ones and ones that end in SIGSEGV;
 *   faults_read/_write/_exec  the same, by access, from the error code;
 *   faults_prot  the subset on a present page (a protection fault), by the
 *              error code; the others hit a missing page;
 *   faults_kernel  the subset taken in kernel mode (copy_to_user and such);
 * and the copy-on-write counters below, next to the kernel's own
 * MIN_FLT/MAJ_FLT.  Per VMA:
 *   faults     handle_mm_fault() calls on the VMA, get_user_pages()
 *              faults included, by access and kernel mode, once per fault
 *              (a retry is not counted again).  How a fault is followed
 *              depends on the hook (the module parameter vma_complete):
 *              with VMSCOPE_HOOK_HANDLE_MM_FAULT_START (the default), each
 *              is counted when it starts.  On private anonymous memory
 *              (with VMSCOPE_HOOK_DO_SWAP_PAGE) that is the count of
 *              completed faults mm_account_fault() keeps; elsewhere, a
 *              fault that ends in an error is counted too, and one that
 *              the kernel retries under mmap_lock after trying under the
 *              VMA lock counts twice unless it was major.  With
 *              VMSCOPE_HOOK_HANDLE_MM_FAULT, every fault on other memory
 *              is followed to its end and only completed ones count, as
 *              mm_account_fault() does.  In both, a fault on private
 *              anonymous memory that then fails (out of memory, SIGBUS)
 *              is counted, since only its swap-ins are followed;
 *   faults_major  those that needed I/O or a retry (a retried fault is
 *              major, as mm_account_fault() says).  When counted at start,
 *              a major fault the kernel finishes without a retry on other
 *              than private anonymous memory (shmem swap-in; a
 *              get_user_pages() fault that may not drop its lock) counts
 *              as minor;
 * and copy-on-write, per process and per VMA, for private mappings only:
 *   cow_faults   write-protect faults on a private mapping (do_wp_page);
 *   cow_copies   new pages made by copy-on-write, zero-page ones included;
 *   cow_reuses   write faults that reused the page, which was exclusive;
 *   cow_zero     copies made from the shared zero page: the first write
 *                after a read of untouched anonymous memory;
 *   cow_unshare  unshare faults (GUP pinning a shared anonymous page).
 * A VMA's counters are those of the events whose VMA, at the time of the
 * event, started inside it.  So when a VMA splits, its history stays with
 * the piece that keeps the start address and the other piece starts at
 * zero; when VMAs merge, their counters add up; when a range is unmapped
 * (munmap, mremap moving it away, a MAP_FIXED mapping over it, exit), the
 * counters of events that started in it are dropped; a moved VMA starts at
 * zero at its new address.  Memory is bounded by module parameters: a
 * process or VMA that finds its table full is not counted, and the misses
 * are counted (VMSCOPE_INFO_A_*_OVERFLOW).
 *
 * PIDs
 * ----
 * Request PIDs are thread-group or thread ids in the sender's active pid
 * namespace.  A thread id selects its whole process.  Reply PIDs are
 * translated into the sender's pid namespace.
 *
 * Permissions
 * -----------
 * A process may always inspect its own thread group.  Any other target needs
 * CAP_SYS_PTRACE, checked with netlink_capable(): on the sender, and also
 * on the socket's opener unless the request was sent to an explicit
 * destination address (netlink's NETLINK_SKB_DST rule).  With
 * the module parameter allow_same_user=1, a target whose real, effective and
 * saved uids and gids all equal the caller's fsuid and fsgid, and which is
 * dumpable, is allowed too: the credential and dumpable checks of
 * ptrace_may_access(PTRACE_MODE_READ_FSCREDS), without the LSM hook.
 * Denials are -EPERM, unknown pids -ESRCH, both with an extack message.
 * WATCH applies the same rule to each pid, so no one sees another user's
 * fault addresses without privilege; watching every process needs
 * CAP_SYS_ADMIN or CAP_PERFMON (netlink_capable()).  Events are unicast to
 * the subscribing socket only; the family has no multicast group.
 *
 * Errors
 * ------
 * Every rejected request carries an extended-ack message, and an offending
 * attribute where there is one (before 6.2, a dump request rejected after
 * policy validation reports its error in NLMSG_DONE, with the message but
 * without an attribute offset): -EINVAL (malformed or missing attribute),
 * -ERANGE (a value outside its policy range, e.g. PID 0),
 * -ESRCH (no such process, or it has exited), -EPERM (not permitted),
 * -ENOENT (no VMA matches a do request), -EOPNOTSUPP (a kernel thread: it has
 * no user address space, or the hooks WATCH needs are not attached),
 * -EBUSY (too many watching sockets).
 */
#ifndef _UAPI_LINUX_VMSCOPE_H
#define _UAPI_LINUX_VMSCOPE_H

#define VMSCOPE_FAMILY_NAME	"vmscope"
#define VMSCOPE_FAMILY_VERSION	1

enum vmscope_cmd {
	VMSCOPE_CMD_UNSPEC,
	VMSCOPE_CMD_VMA_GET,
	VMSCOPE_CMD_PROC_GET,
	VMSCOPE_CMD_INFO_GET,
	VMSCOPE_CMD_WATCH,
	VMSCOPE_CMD_UNWATCH,
	VMSCOPE_CMD_EVENT,

	/* add new commands above here */
	__VMSCOPE_CMD_MAX,
	VMSCOPE_CMD_MAX = __VMSCOPE_CMD_MAX - 1
};

/**
 * enum vmscope_vma_flags - VMSCOPE_VMA_A_FLAGS bits, one per vm_flags meaning
 *
 * The two-letter names are those of the VmFlags line of /proc/PID/smaps.
 * A bit the running kernel does not have is never set.
 *
 * @VMSCOPE_VMA_F_READ: readable ("rd")
 * @VMSCOPE_VMA_F_WRITE: writable ("wr")
 * @VMSCOPE_VMA_F_EXEC: executable ("ex")
 * @VMSCOPE_VMA_F_SHARED: shared mapping ("sh"); private (COW) when clear
 * @VMSCOPE_VMA_F_MAYREAD: may become readable ("mr")
 * @VMSCOPE_VMA_F_MAYWRITE: may become writable ("mw")
 * @VMSCOPE_VMA_F_MAYEXEC: may become executable ("me")
 * @VMSCOPE_VMA_F_MAYSHARE: mapped MAP_SHARED ("ms"); the "s" of maps' perms
 * @VMSCOPE_VMA_F_GROWSDOWN: stack segment grows down ("gd")
 * @VMSCOPE_VMA_F_PFNMAP: pure PFN range ("pf")
 * @VMSCOPE_VMA_F_LOCKED: pages are mlocked ("lo")
 * @VMSCOPE_VMA_F_IO: memory-mapped I/O ("io")
 * @VMSCOPE_VMA_F_SEQ_READ: MADV_SEQUENTIAL ("sr")
 * @VMSCOPE_VMA_F_RAND_READ: MADV_RANDOM ("rr")
 * @VMSCOPE_VMA_F_DONTCOPY: not copied on fork, MADV_DONTFORK ("dc")
 * @VMSCOPE_VMA_F_DONTEXPAND: cannot be expanded by mremap ("de")
 * @VMSCOPE_VMA_F_LOCKONFAULT: mlocked on fault, MLOCK_ONFAULT ("lf")
 * @VMSCOPE_VMA_F_ACCOUNT: charged to the commit limit ("ac")
 * @VMSCOPE_VMA_F_NORESERVE: MAP_NORESERVE ("nr")
 * @VMSCOPE_VMA_F_HUGETLB: hugetlbfs mapping ("ht")
 * @VMSCOPE_VMA_F_SYNC: synchronous page faults, MAP_SYNC ("sf")
 * @VMSCOPE_VMA_F_WIPEONFORK: zeroed in the child, MADV_WIPEONFORK ("wf")
 * @VMSCOPE_VMA_F_DONTDUMP: left out of core dumps, MADV_DONTDUMP ("dd")
 * @VMSCOPE_VMA_F_SOFTDIRTY: soft-dirty ("sd")
 * @VMSCOPE_VMA_F_MIXEDMAP: mixed PFN and page mapping ("mm")
 * @VMSCOPE_VMA_F_HUGEPAGE: MADV_HUGEPAGE ("hg")
 * @VMSCOPE_VMA_F_NOHUGEPAGE: MADV_NOHUGEPAGE ("nh")
 * @VMSCOPE_VMA_F_MERGEABLE: KSM may merge it, MADV_MERGEABLE ("mg")
 * @VMSCOPE_VMA_F_UFFD_MISSING: userfaultfd missing-page tracking ("um")
 * @VMSCOPE_VMA_F_UFFD_WP: userfaultfd write-protect tracking ("uw")
 * @VMSCOPE_VMA_F_UFFD_MINOR: userfaultfd minor-fault tracking ("ui")
 * @VMSCOPE_VMA_F_SHADOW_STACK: x86 user shadow stack ("ss")
 * @VMSCOPE_VMA_F_SEALED: sealed with mseal() ("sl")
 * @VMSCOPE_VMA_F_DROPPABLE: MAP_DROPPABLE ("dp")
 * @VMSCOPE_VMA_F_ARCH_1: the architecture's first private flag ("ar");
 *	VM_PAT on x86
 * @__VMSCOPE_VMA_F_CNT: number of defined bits; new bits go above it
 */
enum vmscope_vma_flags {
	VMSCOPE_VMA_F_READ,
	VMSCOPE_VMA_F_WRITE,
	VMSCOPE_VMA_F_EXEC,
	VMSCOPE_VMA_F_SHARED,
	VMSCOPE_VMA_F_MAYREAD,
	VMSCOPE_VMA_F_MAYWRITE,
	VMSCOPE_VMA_F_MAYEXEC,
	VMSCOPE_VMA_F_MAYSHARE,
	VMSCOPE_VMA_F_GROWSDOWN,
	VMSCOPE_VMA_F_PFNMAP,
	VMSCOPE_VMA_F_LOCKED,
	VMSCOPE_VMA_F_IO,
	VMSCOPE_VMA_F_SEQ_READ,
	VMSCOPE_VMA_F_RAND_READ,
	VMSCOPE_VMA_F_DONTCOPY,
	VMSCOPE_VMA_F_DONTEXPAND,
	VMSCOPE_VMA_F_LOCKONFAULT,
	VMSCOPE_VMA_F_ACCOUNT,
	VMSCOPE_VMA_F_NORESERVE,
	VMSCOPE_VMA_F_HUGETLB,
	VMSCOPE_VMA_F_SYNC,
	VMSCOPE_VMA_F_WIPEONFORK,
	VMSCOPE_VMA_F_DONTDUMP,
	VMSCOPE_VMA_F_SOFTDIRTY,
	VMSCOPE_VMA_F_MIXEDMAP,
	VMSCOPE_VMA_F_HUGEPAGE,
	VMSCOPE_VMA_F_NOHUGEPAGE,
	VMSCOPE_VMA_F_MERGEABLE,
	VMSCOPE_VMA_F_UFFD_MISSING,
	VMSCOPE_VMA_F_UFFD_WP,
	VMSCOPE_VMA_F_UFFD_MINOR,
	VMSCOPE_VMA_F_SHADOW_STACK,
	VMSCOPE_VMA_F_SEALED,
	VMSCOPE_VMA_F_DROPPABLE,
	VMSCOPE_VMA_F_ARCH_1,

	/* add new flags above here */
	__VMSCOPE_VMA_F_CNT
};

#define VMSCOPE_VMA_F_ALL	((1ULL << __VMSCOPE_VMA_F_CNT) - 1)

/**
 * enum vmscope_query_flags - VMSCOPE_VMA_A_QUERY_FLAGS bits (VMA_GET do)
 * @VMSCOPE_QUERY_F_COVERING_OR_NEXT: if no VMA covers the address, reply
 *	with the next VMA above it instead of failing with -ENOENT
 * @__VMSCOPE_QUERY_F_CNT: number of defined bits
 */
enum vmscope_query_flags {
	VMSCOPE_QUERY_F_COVERING_OR_NEXT,

	/* add new flags above here */
	__VMSCOPE_QUERY_F_CNT
};

#define VMSCOPE_QUERY_F_ALL	((1U << __VMSCOPE_QUERY_F_CNT) - 1)

/**
 * enum vmscope_vma_attrs - attributes of VMSCOPE_CMD_VMA_GET
 *
 * Request attributes:
 * @VMSCOPE_VMA_A_PID: u32, target pid (request only)
 * @VMSCOPE_VMA_A_ADDR: u64, user address to look up (do only)
 * @VMSCOPE_VMA_A_QUERY_FLAGS: u32, VMSCOPE_QUERY_F_* bits (do only)
 * @VMSCOPE_VMA_A_RANGE_START: u64, dump filter: lowest address of interest
 * @VMSCOPE_VMA_A_RANGE_END: u64, dump filter: end (exclusive) of the range;
 *	must be above RANGE_START
 * @VMSCOPE_VMA_A_FLAGS_REQUIRED: u64, dump filter: VMSCOPE_VMA_F_* bits
 *	(as 1 << bit) that every reported VMA has; undefined bits are -EINVAL
 * @VMSCOPE_VMA_A_FLAGS_FORBIDDEN: u64, dump filter: bits that no reported
 *	VMA has; undefined bits are -EINVAL
 *
 * Reply attributes, one message per VMA.  START, END, FLAGS and PAGE_SIZE
 * are always present.  OFFSET, DEV_MAJOR, DEV_MINOR and INODE are present
 * exactly when the VMA maps a file; /proc/PID/maps prints 0 for them
 * otherwise.  NAME is present when the VMA has a name.
 * @VMSCOPE_VMA_A_START: u64, first address of the VMA
 * @VMSCOPE_VMA_A_END: u64, first address above the VMA
 * @VMSCOPE_VMA_A_FLAGS: u64, VMSCOPE_VMA_F_* bits (as 1 << bit)
 * @VMSCOPE_VMA_A_OFFSET: u64, file offset in bytes (vm_pgoff << PAGE_SHIFT)
 * @VMSCOPE_VMA_A_DEV_MAJOR: u32, major of the mapped file's device
 * @VMSCOPE_VMA_A_DEV_MINOR: u32, minor of the mapped file's device
 * @VMSCOPE_VMA_A_INODE: u64, inode number of the mapped file
 * @VMSCOPE_VMA_A_NAME: string, the name exactly as /proc/PID/maps prints it
 *	(a path, with "\n" escaped as "\012" and " (deleted)" appended when
 *	unlinked; "[heap]", "[stack]", "[vdso]", "[vvar]", "[anon:NAME]" ...).
 * @VMSCOPE_VMA_A_PAGE_SIZE: u64, the kernel page size backing the VMA
 *	(KernelPageSize in smaps)
 * Counter attributes (u64), present when the module counts (see "Fault and
 * copy-on-write counters" above); a counter that is unavailable on this
 * kernel is absent:
 * @VMSCOPE_VMA_A_FAULTS: faults on the VMA, once each (see "Fault and
 *	copy-on-write counters" for when a fault is counted)
 * @VMSCOPE_VMA_A_FAULTS_READ: of which read accesses
 * @VMSCOPE_VMA_A_FAULTS_WRITE: of which write accesses
 * @VMSCOPE_VMA_A_FAULTS_EXEC: of which instruction fetches
 * @VMSCOPE_VMA_A_FAULTS_KERNEL: of which not from user mode (kernel-mode
 *	faults on user memory, get_user_pages())
 * @VMSCOPE_VMA_A_FAULTS_MAJOR: of which major (needed I/O or a retry)
 * @VMSCOPE_VMA_A_COW_FAULTS: write-protect faults on a private mapping
 * @VMSCOPE_VMA_A_COW_COPIES: pages copied (zero-page copies included)
 * @VMSCOPE_VMA_A_COW_REUSES: write faults that reused an exclusive page
 * @VMSCOPE_VMA_A_COW_ZERO: copies made from the shared zero page
 * @VMSCOPE_VMA_A_COW_UNSHARE: unshare faults
 * @VMSCOPE_VMA_A_PAD: padding for 64-bit attributes, never meaningful
 */
enum vmscope_vma_attrs {
	VMSCOPE_VMA_A_UNSPEC,
	VMSCOPE_VMA_A_PAD,
	VMSCOPE_VMA_A_PID,
	VMSCOPE_VMA_A_ADDR,
	VMSCOPE_VMA_A_QUERY_FLAGS,
	VMSCOPE_VMA_A_RANGE_START,
	VMSCOPE_VMA_A_RANGE_END,
	VMSCOPE_VMA_A_FLAGS_REQUIRED,
	VMSCOPE_VMA_A_FLAGS_FORBIDDEN,
	VMSCOPE_VMA_A_START,
	VMSCOPE_VMA_A_END,
	VMSCOPE_VMA_A_FLAGS,
	VMSCOPE_VMA_A_OFFSET,
	VMSCOPE_VMA_A_DEV_MAJOR,
	VMSCOPE_VMA_A_DEV_MINOR,
	VMSCOPE_VMA_A_INODE,
	VMSCOPE_VMA_A_NAME,
	VMSCOPE_VMA_A_PAGE_SIZE,
	VMSCOPE_VMA_A_FAULTS,
	VMSCOPE_VMA_A_FAULTS_READ,
	VMSCOPE_VMA_A_FAULTS_WRITE,
	VMSCOPE_VMA_A_FAULTS_EXEC,
	VMSCOPE_VMA_A_FAULTS_KERNEL,
	VMSCOPE_VMA_A_FAULTS_MAJOR,
	VMSCOPE_VMA_A_COW_FAULTS,
	VMSCOPE_VMA_A_COW_COPIES,
	VMSCOPE_VMA_A_COW_REUSES,
	VMSCOPE_VMA_A_COW_ZERO,
	VMSCOPE_VMA_A_COW_UNSHARE,

	/* add new attributes above here */
	__VMSCOPE_VMA_A_MAX,
	VMSCOPE_VMA_A_MAX = __VMSCOPE_VMA_A_MAX - 1
};

/**
 * enum vmscope_proc_attrs - attributes of VMSCOPE_CMD_PROC_GET
 *
 * The address attributes are those of struct mm_struct, as the seeds
 * describe them and as /proc/PID/stat fields 26-28 and 45-51 show them.
 *
 * @VMSCOPE_PROC_A_PID: u32, target pid (request); the thread-group id in the
 *	sender's pid namespace (reply)
 * @VMSCOPE_PROC_A_COMM: string, the command name (/proc/PID/comm)
 * @VMSCOPE_PROC_A_THREADS: u32, number of threads
 * @VMSCOPE_PROC_A_MIN_FLT: u64, minor faults of all threads, living and
 *	dead, as /proc/PID/stat field 10
 * @VMSCOPE_PROC_A_MAJ_FLT: u64, major faults, as /proc/PID/stat field 12
 * @VMSCOPE_PROC_A_START_CODE: u64, mm->start_code
 * @VMSCOPE_PROC_A_END_CODE: u64, mm->end_code
 * @VMSCOPE_PROC_A_START_DATA: u64, mm->start_data
 * @VMSCOPE_PROC_A_END_DATA: u64, mm->end_data
 * @VMSCOPE_PROC_A_START_BRK: u64, mm->start_brk: where the heap starts
 * @VMSCOPE_PROC_A_BRK: u64, mm->brk: the current program break
 * @VMSCOPE_PROC_A_START_STACK: u64, mm->start_stack
 * @VMSCOPE_PROC_A_ARG_START: u64, mm->arg_start
 * @VMSCOPE_PROC_A_ARG_END: u64, mm->arg_end
 * @VMSCOPE_PROC_A_ENV_START: u64, mm->env_start
 * @VMSCOPE_PROC_A_ENV_END: u64, mm->env_end
 * @VMSCOPE_PROC_A_MAP_COUNT: u32, number of VMAs (mm->map_count)
 * @VMSCOPE_PROC_A_TOTAL_VM: u64, mapped pages (VmSize, /proc/PID/statm size)
 * @VMSCOPE_PROC_A_RSS_FILE: u64, resident file pages (RssFile)
 * @VMSCOPE_PROC_A_RSS_ANON: u64, resident anonymous pages (RssAnon)
 * @VMSCOPE_PROC_A_RSS_SHMEM: u64, resident shmem pages (RssShmem)
 * @VMSCOPE_PROC_A_SWAP: u64, swapped-out anonymous pages (VmSwap)
 * @VMSCOPE_PROC_A_PAGE_SIZE: u64, the base page size the page counts use
 * Counter attributes (u64), present when the module counts; a counter
 * unavailable on this kernel is absent.  All are 0 for a process that has
 * not faulted since the module loaded.
 * @VMSCOPE_PROC_A_FAULTS: hardware page faults on user addresses
 * @VMSCOPE_PROC_A_FAULTS_READ: of which reads
 * @VMSCOPE_PROC_A_FAULTS_WRITE: of which writes
 * @VMSCOPE_PROC_A_FAULTS_EXEC: of which instruction fetches
 * @VMSCOPE_PROC_A_FAULTS_KERNEL: of which taken in kernel mode
 * @VMSCOPE_PROC_A_COW_FAULTS: write-protect faults on private mappings
 * @VMSCOPE_PROC_A_COW_COPIES: pages copied (zero-page copies included)
 * @VMSCOPE_PROC_A_COW_REUSES: write faults that reused an exclusive page
 * @VMSCOPE_PROC_A_COW_ZERO: copies made from the shared zero page
 * @VMSCOPE_PROC_A_COW_UNSHARE: unshare faults
 * @VMSCOPE_PROC_A_VMA_OVERFLOW: events of this process that found the VMA
 *	table full and are missing from its per-VMA counters
 * @VMSCOPE_PROC_A_FAULTS_PROT: of the faults, those on a present page
 *	(protection faults: copy-on-write, write-notify, NUMA hinting,
 *	userfaultfd write-protect); the rest were on a missing page
 * @VMSCOPE_PROC_A_PAD: padding for 64-bit attributes, never meaningful
 */
enum vmscope_proc_attrs {
	VMSCOPE_PROC_A_UNSPEC,
	VMSCOPE_PROC_A_PAD,
	VMSCOPE_PROC_A_PID,
	VMSCOPE_PROC_A_COMM,
	VMSCOPE_PROC_A_THREADS,
	VMSCOPE_PROC_A_MIN_FLT,
	VMSCOPE_PROC_A_MAJ_FLT,
	VMSCOPE_PROC_A_START_CODE,
	VMSCOPE_PROC_A_END_CODE,
	VMSCOPE_PROC_A_START_DATA,
	VMSCOPE_PROC_A_END_DATA,
	VMSCOPE_PROC_A_START_BRK,
	VMSCOPE_PROC_A_BRK,
	VMSCOPE_PROC_A_START_STACK,
	VMSCOPE_PROC_A_ARG_START,
	VMSCOPE_PROC_A_ARG_END,
	VMSCOPE_PROC_A_ENV_START,
	VMSCOPE_PROC_A_ENV_END,
	VMSCOPE_PROC_A_MAP_COUNT,
	VMSCOPE_PROC_A_TOTAL_VM,
	VMSCOPE_PROC_A_RSS_FILE,
	VMSCOPE_PROC_A_RSS_ANON,
	VMSCOPE_PROC_A_RSS_SHMEM,
	VMSCOPE_PROC_A_SWAP,
	VMSCOPE_PROC_A_PAGE_SIZE,
	VMSCOPE_PROC_A_FAULTS,
	VMSCOPE_PROC_A_FAULTS_READ,
	VMSCOPE_PROC_A_FAULTS_WRITE,
	VMSCOPE_PROC_A_FAULTS_EXEC,
	VMSCOPE_PROC_A_FAULTS_KERNEL,
	VMSCOPE_PROC_A_COW_FAULTS,
	VMSCOPE_PROC_A_COW_COPIES,
	VMSCOPE_PROC_A_COW_REUSES,
	VMSCOPE_PROC_A_COW_ZERO,
	VMSCOPE_PROC_A_COW_UNSHARE,
	VMSCOPE_PROC_A_VMA_OVERFLOW,
	VMSCOPE_PROC_A_FAULTS_PROT,

	/* add new attributes above here */
	__VMSCOPE_PROC_A_MAX,
	VMSCOPE_PROC_A_MAX = __VMSCOPE_PROC_A_MAX - 1
};

/**
 * enum vmscope_features - VMSCOPE_INFO_A_FEATURES bits
 * @VMSCOPE_FEAT_VMA_DUMP: VMSCOPE_CMD_VMA_GET dump
 * @VMSCOPE_FEAT_VMA_QUERY: VMSCOPE_CMD_VMA_GET do
 * @VMSCOPE_FEAT_PROC: VMSCOPE_CMD_PROC_GET
 * @VMSCOPE_FEAT_COUNTERS: fault and copy-on-write counters in VMA_GET and
 *	PROC_GET replies
 * @VMSCOPE_FEAT_WATCH: VMSCOPE_CMD_WATCH and the event stream
 * @__VMSCOPE_FEAT_CNT: number of defined bits
 */
enum vmscope_features {
	VMSCOPE_FEAT_VMA_DUMP,
	VMSCOPE_FEAT_VMA_QUERY,
	VMSCOPE_FEAT_PROC,
	VMSCOPE_FEAT_COUNTERS,
	VMSCOPE_FEAT_WATCH,

	/* add new features above here */
	__VMSCOPE_FEAT_CNT
};

/**
 * enum vmscope_hooks - VMSCOPE_INFO_A_HOOKS bits: what the module attached to
 * @VMSCOPE_HOOK_FAULT_USER: tracepoint exceptions:page_fault_user
 * @VMSCOPE_HOOK_FAULT_KERNEL: tracepoint exceptions:page_fault_kernel
 * @VMSCOPE_HOOK_HANDLE_MM_FAULT: kretprobe on handle_mm_fault(), following
 *	each fault on other than private anonymous memory to its end
 * @VMSCOPE_HOOK_DO_WP_PAGE: function-entry hook on do_wp_page()
 * @VMSCOPE_HOOK_WP_PAGE_REUSE: kprobe on wp_page_reuse() (inlined on some
 *	builds)
 * @VMSCOPE_HOOK_NEW_ANON_RMAP: kprobe on folio_add_new_anon_rmap() or, before
 *	6.2, page_add_new_anon_rmap(), counting calls from the COW path
 * @VMSCOPE_HOOK_UNMAP_VMAS: kprobe on unmap_vmas(), to forget unmapped ranges
 * @VMSCOPE_HOOK_EXIT_MMAP: tracepoint mmap:exit_mmap, to free a process's
 *	counters
 * @VMSCOPE_HOOK_DO_SWAP_PAGE: kretprobe on do_swap_page(); with it, a
 *	fault on anonymous memory is counted when handle_mm_fault() starts,
 *	and only a swap-in (the one way such a fault can be major or retried)
 *	is followed to its end (see "Fault and copy-on-write counters")
 * @VMSCOPE_HOOK_COPY_CALLS: kprobes on the COW path's own calls of the
 *	new-anon-rmap function, found in its code at load time; when they
 *	attach, @VMSCOPE_HOOK_NEW_ANON_RMAP is not needed and not attached
 * @VMSCOPE_HOOK_HANDLE_MM_FAULT_START: ftrace hook on handle_mm_fault()'s
 *	entry, counting each fault on a VMA when it starts; the default, and
 *	@VMSCOPE_HOOK_HANDLE_MM_FAULT is attached instead with the module
 *	parameter vma_complete=1 or where this one cannot be
 * @VMSCOPE_HOOK_PTEP_CLEAR_FLUSH: ftrace hook on ptep_clear_flush(),
 *	counting its calls from the COW path (where a copy replaces the old
 *	page); when it attaches, neither @VMSCOPE_HOOK_COPY_CALLS nor
 *	@VMSCOPE_HOOK_NEW_ANON_RMAP is attached
 * @__VMSCOPE_HOOK_CNT: number of defined bits
 *
 * A function-entry hook is an ftrace callback where ftrace can hook the
 * function, else a kprobe: the same counters either way.
 */
enum vmscope_hooks {
	VMSCOPE_HOOK_FAULT_USER,
	VMSCOPE_HOOK_FAULT_KERNEL,
	VMSCOPE_HOOK_HANDLE_MM_FAULT,
	VMSCOPE_HOOK_DO_WP_PAGE,
	VMSCOPE_HOOK_WP_PAGE_REUSE,
	VMSCOPE_HOOK_NEW_ANON_RMAP,
	VMSCOPE_HOOK_UNMAP_VMAS,
	VMSCOPE_HOOK_EXIT_MMAP,
	VMSCOPE_HOOK_DO_SWAP_PAGE,
	VMSCOPE_HOOK_COPY_CALLS,
	VMSCOPE_HOOK_HANDLE_MM_FAULT_START,
	VMSCOPE_HOOK_PTEP_CLEAR_FLUSH,

	/* add new hooks above here */
	__VMSCOPE_HOOK_CNT
};

/**
 * enum vmscope_counters - VMSCOPE_INFO_A_COUNTERS_* bits, one per counter
 *
 * A counter whose bit is in neither COUNTERS_EXACT nor COUNTERS_DERIVED is
 * unavailable on this kernel and absent from replies.
 *
 * @VMSCOPE_CTR_FAULTS: per-process faults (and _read/_write/_exec/_prot/_kernel)
 * @VMSCOPE_CTR_VMA_FAULTS: per-VMA faults (and their split, and _major)
 * @VMSCOPE_CTR_COW_FAULTS: cow_faults
 * @VMSCOPE_CTR_COW_COPIES: cow_copies
 * @VMSCOPE_CTR_COW_REUSES: cow_reuses; derived as cow_faults - cow_copies
 *	(at least 0) when wp_page_reuse() cannot be probed, which undercounts
 *	by the copies that unshare faults make
 * @VMSCOPE_CTR_COW_ZERO: cow_zero
 * @VMSCOPE_CTR_COW_UNSHARE: cow_unshare
 * @__VMSCOPE_CTR_CNT: number of defined bits
 */
enum vmscope_counters {
	VMSCOPE_CTR_FAULTS,
	VMSCOPE_CTR_VMA_FAULTS,
	VMSCOPE_CTR_COW_FAULTS,
	VMSCOPE_CTR_COW_COPIES,
	VMSCOPE_CTR_COW_REUSES,
	VMSCOPE_CTR_COW_ZERO,
	VMSCOPE_CTR_COW_UNSHARE,

	/* add new counters above here */
	__VMSCOPE_CTR_CNT
};

/**
 * enum vmscope_info_attrs - attributes of VMSCOPE_CMD_INFO_GET
 * @VMSCOPE_INFO_A_VERSION: string, the module's version
 * @VMSCOPE_INFO_A_FEATURES: u64, VMSCOPE_FEAT_* bits (as 1 << bit) that
 *	this module instance provides
 * @VMSCOPE_INFO_A_ALLOW_SAME_USER: u32, 1 if the allow_same_user module
 *	parameter is set, else 0
 * @VMSCOPE_INFO_A_HOOKS: u64, VMSCOPE_HOOK_* bits (as 1 << bit) attached
 * @VMSCOPE_INFO_A_COUNTERS_EXACT: u64, VMSCOPE_CTR_* bits (as 1 << bit) of
 *	the counters that count exactly what they document
 * @VMSCOPE_INFO_A_COUNTERS_DERIVED: u64, VMSCOPE_CTR_* bits of the counters
 *	computed from other hooks, since their own is missing
 * @VMSCOPE_INFO_A_MEMORY: u64, bytes the module has allocated for its
 *	tables and event buffers
 * @VMSCOPE_INFO_A_PROC_SLOTS: u32, capacity of the process table
 *	(module parameter max_procs)
 * @VMSCOPE_INFO_A_PROC_USED: u32, processes counted now
 * @VMSCOPE_INFO_A_PROC_OVERFLOW: u64, faults of processes left uncounted
 *	because the process table was full
 * @VMSCOPE_INFO_A_VMA_SLOTS: u32, capacity of the per-VMA table (max_vmas)
 * @VMSCOPE_INFO_A_VMA_USED: u32, VMA entries in use now
 * @VMSCOPE_INFO_A_VMA_OVERFLOW: u64, events not counted per VMA because the
 *	VMA table was full
 * @VMSCOPE_INFO_A_RING_SIZE: u32, events each CPU's buffer holds
 *	(module parameter ring_size)
 * @VMSCOPE_INFO_A_EVENTS: u64, events queued for watchers since load
 * @VMSCOPE_INFO_A_EVENTS_DROPPED: u64, events lost because a CPU's buffer
 *	was full
 * @VMSCOPE_INFO_A_LISTENERS: u32, sockets watching now
 * @VMSCOPE_INFO_A_KRETPROBE_MISSED: u64, handle_mm_fault() and
 *	do_swap_page() calls the kretprobes missed (no free instance), so
 *	per-VMA faults may be off by as many
 * @VMSCOPE_INFO_A_PAD: padding for 64-bit attributes, never meaningful
 */
enum vmscope_info_attrs {
	VMSCOPE_INFO_A_UNSPEC,
	VMSCOPE_INFO_A_PAD,
	VMSCOPE_INFO_A_VERSION,
	VMSCOPE_INFO_A_FEATURES,
	VMSCOPE_INFO_A_ALLOW_SAME_USER,
	VMSCOPE_INFO_A_HOOKS,
	VMSCOPE_INFO_A_COUNTERS_EXACT,
	VMSCOPE_INFO_A_COUNTERS_DERIVED,
	VMSCOPE_INFO_A_MEMORY,
	VMSCOPE_INFO_A_PROC_SLOTS,
	VMSCOPE_INFO_A_PROC_USED,
	VMSCOPE_INFO_A_PROC_OVERFLOW,
	VMSCOPE_INFO_A_VMA_SLOTS,
	VMSCOPE_INFO_A_VMA_USED,
	VMSCOPE_INFO_A_VMA_OVERFLOW,
	VMSCOPE_INFO_A_RING_SIZE,
	VMSCOPE_INFO_A_EVENTS,
	VMSCOPE_INFO_A_EVENTS_DROPPED,
	VMSCOPE_INFO_A_LISTENERS,
	VMSCOPE_INFO_A_KRETPROBE_MISSED,

	/* add new attributes above here */
	__VMSCOPE_INFO_A_MAX,
	VMSCOPE_INFO_A_MAX = __VMSCOPE_INFO_A_MAX - 1
};

#define VMSCOPE_WATCH_MAX_PIDS		16
#define VMSCOPE_WATCH_MAX_LISTENERS	16

/**
 * enum vmscope_watch_attrs - attributes of VMSCOPE_CMD_WATCH
 * @VMSCOPE_WATCH_A_PID: u32, a process to watch; may repeat, up to
 *	VMSCOPE_WATCH_MAX_PIDS times
 * @VMSCOPE_WATCH_A_ALL: flag, watch every process (CAP_SYS_ADMIN or
 *	CAP_PERFMON); excludes PID
 */
enum vmscope_watch_attrs {
	VMSCOPE_WATCH_A_UNSPEC,
	VMSCOPE_WATCH_A_PID,
	VMSCOPE_WATCH_A_ALL,

	/* add new attributes above here */
	__VMSCOPE_WATCH_A_MAX,
	VMSCOPE_WATCH_A_MAX = __VMSCOPE_WATCH_A_MAX - 1
};

/**
 * enum vmscope_event_kind - VMSCOPE_EVENT_A_KIND values
 * @VMSCOPE_EVENT_FAULT: a page fault, as handle_mm_fault() starts on it (a
 *	fault the kernel retries shows twice; the counters count it once)
 * @VMSCOPE_EVENT_COW_COPY: copy-on-write made a new page from a shared one
 * @VMSCOPE_EVENT_COW_REUSE: a write fault reused the page, which was
 *	exclusive
 * @VMSCOPE_EVENT_COW_ZERO: copy-on-write of the shared zero page
 * @VMSCOPE_EVENT_COW_UNSHARE: an unshare fault
 * @__VMSCOPE_EVENT_CNT: number of defined kinds
 */
enum vmscope_event_kind {
	VMSCOPE_EVENT_FAULT,
	VMSCOPE_EVENT_COW_COPY,
	VMSCOPE_EVENT_COW_REUSE,
	VMSCOPE_EVENT_COW_ZERO,
	VMSCOPE_EVENT_COW_UNSHARE,

	/* add new kinds above here */
	__VMSCOPE_EVENT_CNT
};

/**
 * enum vmscope_access - VMSCOPE_EVENT_A_ACCESS values
 * @VMSCOPE_ACCESS_READ: a read
 * @VMSCOPE_ACCESS_WRITE: a write
 * @VMSCOPE_ACCESS_EXEC: an instruction fetch
 * @__VMSCOPE_ACCESS_CNT: number of defined values
 */
enum vmscope_access {
	VMSCOPE_ACCESS_READ,
	VMSCOPE_ACCESS_WRITE,
	VMSCOPE_ACCESS_EXEC,

	/* add new values above here */
	__VMSCOPE_ACCESS_CNT
};

/**
 * enum vmscope_event_flags - VMSCOPE_EVENT_A_FLAGS bits
 * @VMSCOPE_EVENT_F_USER: the fault was taken in user mode (clear: a
 *	kernel-mode access to user memory, or get_user_pages())
 * @__VMSCOPE_EVENT_F_CNT: number of defined bits
 */
enum vmscope_event_flags {
	VMSCOPE_EVENT_F_USER,

	/* add new flags above here */
	__VMSCOPE_EVENT_F_CNT
};

/**
 * enum vmscope_event_attrs - attributes of VMSCOPE_CMD_EVENT
 *
 * All are present in every event except IP (absent unless the fault was
 * taken in user mode: a kernel address never leaves the module) and
 * VMA_NAME (absent for an unnamed anonymous VMA).  The VMA is the one the
 * fault hit, read while the fault held it, not looked up later.
 *
 * @VMSCOPE_EVENT_A_SEQ: u64, this subscription's sequence number, counting
 *	from 0: one per event the module tried to send it, so a gap is an
 *	event lost at the socket.  Events lost earlier, in a full CPU buffer,
 *	never get a number: DROPPED_BUFFER counts them.
 * @VMSCOPE_EVENT_A_TIME_NS: u64, CLOCK_MONOTONIC time of the event
 * @VMSCOPE_EVENT_A_PID: u32, thread-group id in the watcher's pid namespace
 *	(0 if not visible there, or if the fault was another process's
 *	get_user_pages() on the watched memory)
 * @VMSCOPE_EVENT_A_TID: u32, thread id, likewise
 * @VMSCOPE_EVENT_A_COMM: string, the faulting thread's command name
 * @VMSCOPE_EVENT_A_KIND: u32, enum vmscope_event_kind
 * @VMSCOPE_EVENT_A_ACCESS: u32, enum vmscope_access
 * @VMSCOPE_EVENT_A_FLAGS: u32, VMSCOPE_EVENT_F_* bits (as 1 << bit)
 * @VMSCOPE_EVENT_A_ADDR: u64, the faulting user address
 * @VMSCOPE_EVENT_A_IP: u64, the user instruction pointer
 * @VMSCOPE_EVENT_A_VMA_START: u64, start of the VMA hit
 * @VMSCOPE_EVENT_A_VMA_END: u64, end of the VMA hit
 * @VMSCOPE_EVENT_A_VMA_FLAGS: u64, its VMSCOPE_VMA_F_* bits
 * @VMSCOPE_EVENT_A_VMA_NAME: string, its name as /proc/PID/maps prints it
 * @VMSCOPE_EVENT_A_DROPPED_BUFFER: u64, this subscription's events lost so
 *	far because a CPU's event buffer was full
 * @VMSCOPE_EVENT_A_DROPPED_SOCKET: u64, its events lost so far because the
 *	socket's receive buffer was full (the socket also gets ENOBUFS)
 * @VMSCOPE_EVENT_A_PAD: padding for 64-bit attributes, never meaningful
 */
enum vmscope_event_attrs {
	VMSCOPE_EVENT_A_UNSPEC,
	VMSCOPE_EVENT_A_PAD,
	VMSCOPE_EVENT_A_SEQ,
	VMSCOPE_EVENT_A_TIME_NS,
	VMSCOPE_EVENT_A_PID,
	VMSCOPE_EVENT_A_TID,
	VMSCOPE_EVENT_A_COMM,
	VMSCOPE_EVENT_A_KIND,
	VMSCOPE_EVENT_A_ACCESS,
	VMSCOPE_EVENT_A_FLAGS,
	VMSCOPE_EVENT_A_ADDR,
	VMSCOPE_EVENT_A_IP,
	VMSCOPE_EVENT_A_VMA_START,
	VMSCOPE_EVENT_A_VMA_END,
	VMSCOPE_EVENT_A_VMA_FLAGS,
	VMSCOPE_EVENT_A_VMA_NAME,
	VMSCOPE_EVENT_A_DROPPED_BUFFER,
	VMSCOPE_EVENT_A_DROPPED_SOCKET,

	/* add new attributes above here */
	__VMSCOPE_EVENT_A_MAX,
	VMSCOPE_EVENT_A_MAX = __VMSCOPE_EVENT_A_MAX - 1
};

#endif /* _UAPI_LINUX_VMSCOPE_H */
