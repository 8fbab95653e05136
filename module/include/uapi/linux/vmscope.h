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
 *   no request attributes; replies with the VMSCOPE_INFO_A_* module facts.
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
 * no user address space).
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

	/* add new attributes above here */
	__VMSCOPE_PROC_A_MAX,
	VMSCOPE_PROC_A_MAX = __VMSCOPE_PROC_A_MAX - 1
};

/**
 * enum vmscope_features - VMSCOPE_INFO_A_FEATURES bits
 * @VMSCOPE_FEAT_VMA_DUMP: VMSCOPE_CMD_VMA_GET dump
 * @VMSCOPE_FEAT_VMA_QUERY: VMSCOPE_CMD_VMA_GET do
 * @VMSCOPE_FEAT_PROC: VMSCOPE_CMD_PROC_GET
 * @__VMSCOPE_FEAT_CNT: number of defined bits
 */
enum vmscope_features {
	VMSCOPE_FEAT_VMA_DUMP,
	VMSCOPE_FEAT_VMA_QUERY,
	VMSCOPE_FEAT_PROC,

	/* add new features above here */
	__VMSCOPE_FEAT_CNT
};

/**
 * enum vmscope_info_attrs - attributes of VMSCOPE_CMD_INFO_GET
 * @VMSCOPE_INFO_A_VERSION: string, the module's version
 * @VMSCOPE_INFO_A_FEATURES: u64, VMSCOPE_FEAT_* bits (as 1 << bit) that
 *	this module instance provides
 * @VMSCOPE_INFO_A_ALLOW_SAME_USER: u32, 1 if the allow_same_user module
 *	parameter is set, else 0
 * @VMSCOPE_INFO_A_PAD: padding for 64-bit attributes, never meaningful
 */
enum vmscope_info_attrs {
	VMSCOPE_INFO_A_UNSPEC,
	VMSCOPE_INFO_A_PAD,
	VMSCOPE_INFO_A_VERSION,
	VMSCOPE_INFO_A_FEATURES,
	VMSCOPE_INFO_A_ALLOW_SAME_USER,

	/* add new attributes above here */
	__VMSCOPE_INFO_A_MAX,
	VMSCOPE_INFO_A_MAX = __VMSCOPE_INFO_A_MAX - 1
};

#endif /* _UAPI_LINUX_VMSCOPE_H */
