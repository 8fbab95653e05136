// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the vmscope kernel module, for host tests of the CLI.
 *
 * Linked with the CLI's objects into "vmscope-fake", it replaces libnl's
 * genl_connect() and nl_recv() (the executable's definitions win over the
 * library's), and answers every request through libnl's send override and
 * that nl_recv(), with the wire format of the kernel: genetlink replies,
 * NLMSG_ERROR with extack TLVs (capped or not), dumps ended by NLMSG_DONE
 * carrying an errno and TLVs, NLM_F_DUMP_INTR.  The data comes from the
 * host's /proc/PID/smaps, /proc/PID/stat, statm and status, so the CLI
 * output can be checked against the host kernel's own files.
 *
 * Knobs (environment):
 *   VS_FAKE_ABSENT=1         no "vmscope" family (ENOENT)
 *   VS_FAKE_VERSION=N        family version (default 1)
 *   VS_FAKE_ERRNO=N          fail every vmscope request with -N + extack
 *   VS_FAKE_CAPPED=1         errors with NLM_F_CAPPED (no request echo)
 *   VS_FAKE_NO_EXTACK=1      errors without extack TLVs
 *   VS_FAKE_DUMP_INTR=N      flag the first N VMA dumps NLM_F_DUMP_INTR
 *   VS_FAKE_DONE_ERRNO=N     VMA dumps end with -N in NLMSG_DONE + extack
 *   VS_FAKE_DROP_VMA=T       leave attribute T out of VMA replies
 *   VS_FAKE_DROP_PROC=T      leave attribute T out of PROC_GET replies
 *   VS_FAKE_BAD_LEN=1        send VMSCOPE_VMA_A_START as a u32
 *   VS_FAKE_EXTRA=1          add unknown attributes to every reply
 *   VS_FAKE_BATCH=N          messages per datagram (default 3)
 *   VS_FAKE_LOG=FILE         append one line per request received
 *   VS_FAKE_FOREIGN=1        before each vmscope reply, an EPERM error
 *                            datagram from port 4321 instead of the kernel
 *   VS_FAKE_BAD_SEQ=1        vmscope replies carry the wrong sequence number
 *   VS_FAKE_COUNTERS=1       fault and COW counters in VMA_GET and PROC_GET
 *                            replies: per VMA, faults grows by
 *                            (start >> 12) % 7 + 1 with every dump of the
 *                            process, the others follow from it; per
 *                            process, faults = min_flt + maj_flt of
 *                            /proc/PID/stat, cow_faults = min_flt / 2, ...
 *   VS_FAKE_INFO_FULL=1      INFO_GET with hooks, counters and tables
 *   VS_FAKE_EVENTS=N         a WATCH is followed by N events (default 0)
 *                            on the VMAs of its first pid, 3 per datagram
 *   VS_FAKE_SEQ_SKIP=K       after the K-th event, 3 events are lost to a
 *                            full socket: 3 sequence numbers skipped and
 *                            DROPPED_SOCKET up by 3; and 2 to a full CPU
 *                            buffer (no sequence numbers): DROPPED_BUFFER 2
 *   VS_FAKE_ENOBUFS=K        after the K-th event, recv() fails with ENOBUFS
 *                            once, and later events say DROPPED_SOCKET 1
 *   VS_FAKE_DROP_EVENT=T     leave attribute T out of events
 *   VS_FAKE_WATCH_ERRNO=N    WATCH fails with -N, its extack pointing at the
 *                            last PID attribute
 *
 * Each socket has its own queue of replies ("watch" uses two sockets).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/vmscope.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "format.h"

#define FAKE_FAMILY_ID	42

struct fake_vma {
	uint64_t start, end, flags, offset, inode, page_size;
	uint32_t major, minor;
	char *name;
};

struct dgram {
	unsigned char *buf;
	size_t len;
	uint32_t from;		/* sender's port; 0 is the kernel */
	int enobufs;		/* not data: recv() fails with ENOBUFS */
	struct dgram *next;
};

struct queue {
	struct nl_sock *sk;
	struct dgram *head, **tail;
};

static struct queue queues[8];
static struct queue *q_cur;		/* the current one */
#define q_head	(q_cur->head)
#define q_tail	(q_cur->tail)
static unsigned char *cur;
static size_t cur_len;
static int cur_msgs;
static uint32_t cur_from;
static int dumps;

static long env(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : def;
}

static void flush(void);

/* Make sk's queue the current one, the pending datagram sent first. */
static void use_queue(struct nl_sock *sk)
{
	unsigned int i;

	if (q_cur)
		flush();
	for (i = 0; i < 8 && queues[i].sk && queues[i].sk != sk; i++)
		;
	if (i == 8)
		abort();
	if (!queues[i].sk) {
		queues[i].sk = sk;
		queues[i].head = NULL;
		queues[i].tail = &queues[i].head;
	}
	q_cur = &queues[i];
}

static void flush(void)
{
	struct dgram *d;

	if (!cur_len)
		return;
	d = calloc(1, sizeof(*d));
	d->buf = cur;
	d->len = cur_len;
	d->from = cur_from;
	*q_tail = d;
	q_tail = &d->next;
	cur = NULL;
	cur_len = 0;
	cur_msgs = 0;
}

static void push(const struct nlmsghdr *nlh)
{
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

	cur = realloc(cur, cur_len + len);
	memset(cur + cur_len, 0, len);
	memcpy(cur + cur_len, nlh, nlh->nlmsg_len);
	cur_len += len;
	if (++cur_msgs >= env("VS_FAKE_BATCH", 3))
		flush();
}

static void push_msg(struct nl_msg *m)
{
	push(nlmsg_hdr(m));
	nlmsg_free(m);
}

static size_t put_tlv(unsigned char *buf, size_t off, int type,
		      const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)(buf + off);

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy(buf + off + NLA_HDRLEN, data, len);
	return off + NLA_ALIGN(NLA_HDRLEN + len);
}

/* NLMSG_ERROR (err != 0) or ACK, as net/netlink/af_netlink.c:netlink_ack. */
static void ack(const struct nlmsghdr *req, int err, const char *msg,
		int offs, int miss)
{
	int capped = !err || env("VS_FAKE_CAPPED", 0);
	int tlvs = err && !env("VS_FAKE_NO_EXTACK", 0) &&
		   (msg || offs >= 0 || miss >= 0);
	size_t payload = sizeof(struct nlmsgerr) +
			 (capped ? 0 : req->nlmsg_len - NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	unsigned char *buf = calloc(1, off + 512);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(nlh);

	e->error = err;
	memcpy(&e->msg, req, capped ? NLMSG_HDRLEN : req->nlmsg_len);
	if (tlvs) {
		uint32_t v;

		if (msg)
			off = put_tlv(buf, off, NLMSGERR_ATTR_MSG, msg,
				      strlen(msg) + 1);
		if (offs >= 0) {
			v = offs;
			off = put_tlv(buf, off, NLMSGERR_ATTR_OFFS, &v, 4);
		}
		if (miss >= 0) {
			v = miss;
			off = put_tlv(buf, off, NLMSGERR_ATTR_MISS_TYPE, &v, 4);
		}
	}
	nlh->nlmsg_len = off;
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) |
			   (tlvs ? NLM_F_ACK_TLVS : 0);
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = req->nlmsg_pid;
	push(nlh);
	flush();
	free(buf);
}

/* NLMSG_DONE, as net/netlink/af_netlink.c:netlink_dump_done. */
static void done(const struct nlmsghdr *req, int err, const char *msg,
		 int flags)
{
	unsigned char buf[512] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));

	memcpy(NLMSG_DATA(nlh), &err, sizeof(err));
	if (msg && !env("VS_FAKE_NO_EXTACK", 0)) {
		off = put_tlv(buf, off, NLMSGERR_ATTR_MSG, msg, strlen(msg) + 1);
		flags |= NLM_F_ACK_TLVS;
	}
	nlh->nlmsg_len = off;
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | flags;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = req->nlmsg_pid;
	push(nlh);
	flush();
}

/* The request's attribute of type t, for NLMSGERR_ATTR_OFFS. */
static int offset_of(const struct nlmsghdr *req, struct nlattr *a)
{
	return a ? (int)((char *)a - (char *)req) : -1;
}

/* nla_put_u64_64bit(): a PAD attribute first when needed for alignment. */
static void put_u64(struct nl_msg *m, int type, uint64_t v, int pad)
{
	if ((nlmsg_hdr(m)->nlmsg_len + NLA_HDRLEN) % 8)
		nla_put(m, pad, 0, NULL);
	nla_put_u64(m, type, v);
}

static void put_extra(struct nl_msg *m, int max)
{
	if (!env("VS_FAKE_EXTRA", 0))
		return;
	nla_put(m, max + 1, 3, "abc");
	nla_put(m, (max + 2) | NLA_F_NESTED, 0, NULL);
	nla_put_u64(m, max + 40, 0x1122334455667788ULL);
	nla_put_string(m, 0x3fff, "from the future");
}

static struct nl_msg *reply(const struct nlmsghdr *req, int flags, int cmd)
{
	struct nl_msg *m = nlmsg_alloc_size(65536);

	genlmsg_put(m, req->nlmsg_pid, req->nlmsg_seq, req->nlmsg_type, 0,
		    flags, cmd, 1);
	return m;
}

static char *trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

static int load_vmas(int pid, struct fake_vma **out, size_t *count,
		     const char **why)
{
	char path[64], line[4096];
	struct fake_vma *v = NULL;
	size_t n = 0;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (stat(path, &st)) {
		*why = "fake: no such pid";
		return -ESRCH;
	}
	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f) {
		*why = "fake: not permitted";
		return errno == ENOENT ? -ESRCH : -EPERM;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e, off, ino, kb;
		unsigned int maj, min;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &s, &e,
			   perms, &off, &maj, &min, &ino, &pos) == 7 && pos) {
			char *name = trim(line + pos);

			v = realloc(v, (n + 1) * sizeof(*v));
			memset(&v[n], 0, sizeof(v[n]));
			v[n].start = s;
			v[n].end = e;
			v[n].offset = off;
			v[n].major = maj;
			v[n].minor = min;
			v[n].inode = ino;
			v[n].name = *name ? strdup(name) : NULL;
			v[n].page_size = 4096;
			if (perms[3] == 's')
				v[n].flags |= 1ULL << VMSCOPE_VMA_F_MAYSHARE;
			n++;
		} else if (n && sscanf(line, "KernelPageSize: %llu kB", &kb) == 1) {
			v[n - 1].page_size = kb * 1024;
		} else if (n && !strncmp(line, "VmFlags:", 8)) {
			char *tok, *save;

			for (tok = strtok_r(line + 8, " \n", &save); tok;
			     tok = strtok_r(NULL, " \n", &save)) {
				int bit = strlen(tok) == 2 ?
					  vs_flag_lookup(tok) : -1;

				if (bit >= 0)
					v[n - 1].flags |= 1ULL << bit;
			}
		}
	}
	fclose(f);
	if (!n) {
		*why = "fake: kernel thread";
		return -EOPNOTSUPP;
	}
	*out = v;
	*count = n;
	return 0;
}

static void free_vmas(struct fake_vma *v, size_t n)
{
	while (n--)
		free(v[n].name);
	free(v);
}

static int vma_dumps;	/* VMA_GET dumps so far: the counters grow */

static void put_vma_counters(struct nl_msg *m, const struct fake_vma *v)
{
	const int pad = VMSCOPE_VMA_A_PAD;
	uint64_t f = (uint64_t)vma_dumps * ((v->start >> 12) % 7 + 1);

	if (!env("VS_FAKE_COUNTERS", 0))
		return;
	put_u64(m, VMSCOPE_VMA_A_FAULTS, f, pad);
	put_u64(m, VMSCOPE_VMA_A_FAULTS_READ, f / 2, pad);
	put_u64(m, VMSCOPE_VMA_A_FAULTS_WRITE, f - f / 2, pad);
	put_u64(m, VMSCOPE_VMA_A_FAULTS_EXEC, 0, pad);
	put_u64(m, VMSCOPE_VMA_A_FAULTS_KERNEL, f / 5, pad);
	put_u64(m, VMSCOPE_VMA_A_FAULTS_MAJOR, f / 7, pad);
	put_u64(m, VMSCOPE_VMA_A_COW_FAULTS, f / 3, pad);
	put_u64(m, VMSCOPE_VMA_A_COW_COPIES, f / 4, pad);
	/* COW_REUSES left out: "unavailable on this kernel". */
	put_u64(m, VMSCOPE_VMA_A_COW_ZERO, f / 8, pad);
	put_u64(m, VMSCOPE_VMA_A_COW_UNSHARE, 0, pad);
}

static void put_vma(const struct nlmsghdr *req, const struct fake_vma *v,
		    int flags)
{
	struct nl_msg *m = reply(req, flags, VMSCOPE_CMD_VMA_GET);
	long drop = env("VS_FAKE_DROP_VMA", -1);
	const int pad = VMSCOPE_VMA_A_PAD;

#define PUT(t, call) do { if ((t) != drop) call; } while (0)
	if (env("VS_FAKE_BAD_LEN", 0))
		nla_put_u32(m, VMSCOPE_VMA_A_START, v->start);
	else
		PUT(VMSCOPE_VMA_A_START,
		    put_u64(m, VMSCOPE_VMA_A_START, v->start, pad));
	PUT(VMSCOPE_VMA_A_END, put_u64(m, VMSCOPE_VMA_A_END, v->end, pad));
	PUT(VMSCOPE_VMA_A_FLAGS,
	    put_u64(m, VMSCOPE_VMA_A_FLAGS, v->flags, pad));
	/* As the module: the file attributes only for file mappings. */
	if (v->inode || v->major || v->minor) {
		PUT(VMSCOPE_VMA_A_OFFSET,
		    put_u64(m, VMSCOPE_VMA_A_OFFSET, v->offset, pad));
		PUT(VMSCOPE_VMA_A_DEV_MAJOR,
		    nla_put_u32(m, VMSCOPE_VMA_A_DEV_MAJOR, v->major));
		PUT(VMSCOPE_VMA_A_DEV_MINOR,
		    nla_put_u32(m, VMSCOPE_VMA_A_DEV_MINOR, v->minor));
		PUT(VMSCOPE_VMA_A_INODE,
		    put_u64(m, VMSCOPE_VMA_A_INODE, v->inode, pad));
	}
	if (v->name)
		PUT(VMSCOPE_VMA_A_NAME,
		    nla_put_string(m, VMSCOPE_VMA_A_NAME, v->name));
	PUT(VMSCOPE_VMA_A_PAGE_SIZE,
	    put_u64(m, VMSCOPE_VMA_A_PAGE_SIZE, v->page_size, pad));
	put_vma_counters(m, v);
	put_extra(m, VMSCOPE_VMA_A_MAX);
	push_msg(m);
}

static void vma_get(const struct nlmsghdr *req, struct nlattr **tb)
{
	uint64_t rs = 0, re = UINT64_MAX, need = 0, forbid = 0;
	int is_dump = req->nlmsg_flags & NLM_F_DUMP;
	struct fake_vma *v = NULL;
	const char *why = NULL;
	size_t n = 0, i, sent = 0;
	int pid, err, intr;

	if (!tb[VMSCOPE_VMA_A_PID]) {
		ack(req, -EINVAL, "fake: missing pid", -1, VMSCOPE_VMA_A_PID);
		return;
	}
	pid = nla_get_u32(tb[VMSCOPE_VMA_A_PID]);
	err = load_vmas(pid, &v, &n, &why);
	if (err) {
		ack(req, err, why, offset_of(req, tb[VMSCOPE_VMA_A_PID]), -1);
		return;
	}

	if (!is_dump) {
		uint64_t addr;
		uint32_t qf = 0;

		if (!tb[VMSCOPE_VMA_A_ADDR]) {
			ack(req, -EINVAL, "fake: missing addr", -1,
			    VMSCOPE_VMA_A_ADDR);
			goto out;
		}
		addr = nla_get_u64(tb[VMSCOPE_VMA_A_ADDR]);
		if (tb[VMSCOPE_VMA_A_QUERY_FLAGS])
			qf = nla_get_u32(tb[VMSCOPE_VMA_A_QUERY_FLAGS]);
		for (i = 0; i < n; i++) {
			if (addr >= v[i].start && addr < v[i].end)
				break;
			if ((qf & 1U << VMSCOPE_QUERY_F_COVERING_OR_NEXT) &&
			    v[i].start > addr)
				break;
		}
		if (i == n) {
			ack(req, -ENOENT, "fake: no VMA at this address",
			    offset_of(req, tb[VMSCOPE_VMA_A_ADDR]), -1);
			goto out;
		}
		put_vma(req, &v[i], 0);
		ack(req, 0, NULL, -1, -1);
		goto out;
	}

	if (tb[VMSCOPE_VMA_A_RANGE_START])
		rs = nla_get_u64(tb[VMSCOPE_VMA_A_RANGE_START]);
	if (tb[VMSCOPE_VMA_A_RANGE_END])
		re = nla_get_u64(tb[VMSCOPE_VMA_A_RANGE_END]);
	if (tb[VMSCOPE_VMA_A_FLAGS_REQUIRED])
		need = nla_get_u64(tb[VMSCOPE_VMA_A_FLAGS_REQUIRED]);
	if (tb[VMSCOPE_VMA_A_FLAGS_FORBIDDEN])
		forbid = nla_get_u64(tb[VMSCOPE_VMA_A_FLAGS_FORBIDDEN]);

	intr = dumps++ < env("VS_FAKE_DUMP_INTR", 0);
	vma_dumps++;
	for (i = 0; i < n; i++) {
		if (v[i].end <= rs || v[i].start >= re ||
		    (v[i].flags & need) != need || (v[i].flags & forbid))
			continue;
		put_vma(req, &v[i],
			NLM_F_MULTI | (intr && sent ? NLM_F_DUMP_INTR : 0));
		sent++;
	}
	err = env("VS_FAKE_DONE_ERRNO", 0);
	done(req, -err, err ? "fake: the process went away" : NULL,
	     intr ? NLM_F_DUMP_INTR : 0);
out:
	free_vmas(v, n);
}

static int read_stat(int pid, uint64_t *f, size_t nf, char *comm, size_t len)
{
	char path[64], buf[4096], *p, *save;
	size_t i = 1, got;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fp = fopen(path, "r");
	if (!fp)
		return -ESRCH;
	got = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[got] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	*p = '\0';
	snprintf(comm, len, "%s", strchr(buf, '(') + 1);
	/* f[i] is field i + 1 of proc(5) stat: f[2] is field 3, "state". */
	for (p = strtok_r(p + 2, " ", &save); p && ++i < nf;
	     p = strtok_r(NULL, " ", &save))
		f[i] = strtoull(p, NULL, 10);
	return 0;
}

static uint64_t status_kb(int pid, const char *key)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	size_t n = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			sscanf(line + n + 1, "%llu", &kb);
	fclose(f);
	return kb;
}

static void proc_get(const struct nlmsghdr *req, struct nlattr **tb)
{
	const int pad = VMSCOPE_PROC_A_PAD;
	long drop = env("VS_FAKE_DROP_PROC", -1);
	uint64_t st[64] = { 0 }, page = sysconf(_SC_PAGESIZE), brk;
	struct fake_vma *v = NULL;
	const char *why = NULL;
	char comm[64];
	struct nl_msg *m;
	size_t n = 0, i;
	int pid, err;

	if (!tb[VMSCOPE_PROC_A_PID]) {
		ack(req, -EINVAL, "fake: missing pid", -1, VMSCOPE_PROC_A_PID);
		return;
	}
	pid = nla_get_u32(tb[VMSCOPE_PROC_A_PID]);
	err = load_vmas(pid, &v, &n, &why);
	if (!err)
		err = read_stat(pid, st, 64, comm, sizeof(comm));
	if (err) {
		ack(req, err, why, offset_of(req, tb[VMSCOPE_PROC_A_PID]), -1);
		free_vmas(v, n);
		return;
	}
	brk = st[46];
	for (i = 0; i < n; i++)
		if (v[i].name && !strcmp(v[i].name, "[heap]"))
			brk = v[i].end;

	m = reply(req, 0, VMSCOPE_CMD_PROC_GET);
#define PUT64(t, val) do { if ((t) != drop) put_u64(m, t, val, pad); } while (0)
#define PUT32(t, val) do { if ((t) != drop) nla_put_u32(m, t, val); } while (0)
	PUT32(VMSCOPE_PROC_A_PID, pid);
	if (drop != VMSCOPE_PROC_A_COMM)
		nla_put_string(m, VMSCOPE_PROC_A_COMM, comm);
	PUT32(VMSCOPE_PROC_A_THREADS, st[19]);
	PUT64(VMSCOPE_PROC_A_MIN_FLT, st[9]);
	PUT64(VMSCOPE_PROC_A_MAJ_FLT, st[11]);
	PUT64(VMSCOPE_PROC_A_START_CODE, st[25]);
	PUT64(VMSCOPE_PROC_A_END_CODE, st[26]);
	PUT64(VMSCOPE_PROC_A_START_DATA, st[44]);
	PUT64(VMSCOPE_PROC_A_END_DATA, st[45]);
	PUT64(VMSCOPE_PROC_A_START_BRK, st[46]);
	PUT64(VMSCOPE_PROC_A_BRK, brk);
	PUT64(VMSCOPE_PROC_A_START_STACK, st[27]);
	PUT64(VMSCOPE_PROC_A_ARG_START, st[47]);
	PUT64(VMSCOPE_PROC_A_ARG_END, st[48]);
	PUT64(VMSCOPE_PROC_A_ENV_START, st[49]);
	PUT64(VMSCOPE_PROC_A_ENV_END, st[50]);
	PUT32(VMSCOPE_PROC_A_MAP_COUNT, n);
	PUT64(VMSCOPE_PROC_A_TOTAL_VM, status_kb(pid, "VmSize") * 1024 / page);
	PUT64(VMSCOPE_PROC_A_RSS_FILE, status_kb(pid, "RssFile") * 1024 / page);
	PUT64(VMSCOPE_PROC_A_RSS_ANON, status_kb(pid, "RssAnon") * 1024 / page);
	PUT64(VMSCOPE_PROC_A_RSS_SHMEM,
	      status_kb(pid, "RssShmem") * 1024 / page);
	PUT64(VMSCOPE_PROC_A_SWAP, status_kb(pid, "VmSwap") * 1024 / page);
	PUT64(VMSCOPE_PROC_A_PAGE_SIZE, page);
	if (env("VS_FAKE_COUNTERS", 0)) {
		PUT64(VMSCOPE_PROC_A_FAULTS, st[9] + st[11]);
		PUT64(VMSCOPE_PROC_A_FAULTS_READ, st[9] / 2);
		PUT64(VMSCOPE_PROC_A_FAULTS_WRITE, st[9] - st[9] / 2);
		PUT64(VMSCOPE_PROC_A_FAULTS_EXEC, st[11]);
		PUT64(VMSCOPE_PROC_A_FAULTS_KERNEL, 0);
		PUT64(VMSCOPE_PROC_A_FAULTS_PROT, st[9] / 2);
		PUT64(VMSCOPE_PROC_A_COW_FAULTS, st[9] / 2);
		PUT64(VMSCOPE_PROC_A_COW_COPIES, st[9] / 3);
		PUT64(VMSCOPE_PROC_A_COW_ZERO, st[9] / 5);
		PUT64(VMSCOPE_PROC_A_COW_UNSHARE, 0);
		PUT64(VMSCOPE_PROC_A_VMA_OVERFLOW, 0);
	}
	put_extra(m, VMSCOPE_PROC_A_MAX);
	push_msg(m);
	ack(req, 0, NULL, -1, -1);
	free_vmas(v, n);
}

static void info_get(const struct nlmsghdr *req)
{
	struct nl_msg *m = reply(req, 0, VMSCOPE_CMD_INFO_GET);

	nla_put_string(m, VMSCOPE_INFO_A_VERSION, "fake-1.0");
	put_u64(m, VMSCOPE_INFO_A_FEATURES,
		1ULL << VMSCOPE_FEAT_VMA_DUMP | 1ULL << VMSCOPE_FEAT_VMA_QUERY |
		1ULL << VMSCOPE_FEAT_PROC | 1ULL << 10 |
		(env("VS_FAKE_EVENTS", -1) >= 0 ? 1ULL << VMSCOPE_FEAT_WATCH |
		 1ULL << VMSCOPE_FEAT_COUNTERS : 0), VMSCOPE_INFO_A_PAD);
	nla_put_u32(m, VMSCOPE_INFO_A_ALLOW_SAME_USER, 1);
	if (env("VS_FAKE_INFO_FULL", 0)) {
		const int pad = VMSCOPE_INFO_A_PAD;

		put_u64(m, VMSCOPE_INFO_A_HOOKS,
			((1ULL << __VMSCOPE_HOOK_CNT) - 1) &
			~(1ULL << VMSCOPE_HOOK_WP_PAGE_REUSE), pad);
		put_u64(m, VMSCOPE_INFO_A_COUNTERS_EXACT,
			((1ULL << __VMSCOPE_CTR_CNT) - 1) &
			~(1ULL << VMSCOPE_CTR_COW_REUSES |
			  1ULL << VMSCOPE_CTR_COW_UNSHARE), pad);
		put_u64(m, VMSCOPE_INFO_A_COUNTERS_DERIVED,
			1ULL << VMSCOPE_CTR_COW_REUSES, pad);
		put_u64(m, VMSCOPE_INFO_A_MEMORY, 1234567, pad);
		nla_put_u32(m, VMSCOPE_INFO_A_PROC_SLOTS, 1024);
		nla_put_u32(m, VMSCOPE_INFO_A_PROC_USED, 17);
		put_u64(m, VMSCOPE_INFO_A_PROC_OVERFLOW, 2, pad);
		nla_put_u32(m, VMSCOPE_INFO_A_VMA_SLOTS, 65536);
		nla_put_u32(m, VMSCOPE_INFO_A_VMA_USED, 300);
		put_u64(m, VMSCOPE_INFO_A_VMA_OVERFLOW, 3, pad);
		nla_put_u32(m, VMSCOPE_INFO_A_RING_SIZE, 4096);
		put_u64(m, VMSCOPE_INFO_A_EVENTS, 99, pad);
		put_u64(m, VMSCOPE_INFO_A_EVENTS_DROPPED, 4, pad);
		nla_put_u32(m, VMSCOPE_INFO_A_LISTENERS, 1);
		put_u64(m, VMSCOPE_INFO_A_KRETPROBE_MISSED, 5, pad);
	}
	put_extra(m, VMSCOPE_INFO_A_MAX);
	push_msg(m);
	ack(req, 0, NULL, -1, -1);
}

/* An event as the module sends it: unicast, sequence number 0. */
static void put_event(uint64_t seq, int pid, const struct fake_vma *v,
		      unsigned int i, uint64_t dbuf, uint64_t dsock)
{
	struct nl_msg *m = nlmsg_alloc_size(8192);
	const int pad = VMSCOPE_EVENT_A_PAD;
	int user = i % 4 != 3;
	long drop = env("VS_FAKE_DROP_EVENT", -1);

	genlmsg_put(m, 0, 0, FAKE_FAMILY_ID, 0, 0, VMSCOPE_CMD_EVENT, 1);
	if (VMSCOPE_EVENT_A_SEQ != drop)
		put_u64(m, VMSCOPE_EVENT_A_SEQ, seq, pad);
	if (VMSCOPE_EVENT_A_TIME_NS != drop)
		put_u64(m, VMSCOPE_EVENT_A_TIME_NS, 5000000000ULL + i * 1000,
			pad);
	if (VMSCOPE_EVENT_A_PID != drop)
		nla_put_u32(m, VMSCOPE_EVENT_A_PID, pid);
	if (VMSCOPE_EVENT_A_TID != drop)
		nla_put_u32(m, VMSCOPE_EVENT_A_TID, pid + i % 2);
	if (VMSCOPE_EVENT_A_COMM != drop)
		nla_put_string(m, VMSCOPE_EVENT_A_COMM, i % 5 ? "fake" : "fa\"ke\n");
	if (VMSCOPE_EVENT_A_KIND != drop)
		nla_put_u32(m, VMSCOPE_EVENT_A_KIND, i % (__VMSCOPE_EVENT_CNT + 1));
	if (VMSCOPE_EVENT_A_ACCESS != drop)
		nla_put_u32(m, VMSCOPE_EVENT_A_ACCESS, i % __VMSCOPE_ACCESS_CNT);
	if (VMSCOPE_EVENT_A_FLAGS != drop)
		nla_put_u32(m, VMSCOPE_EVENT_A_FLAGS,
			    user ? 1U << VMSCOPE_EVENT_F_USER : 0);
	if (VMSCOPE_EVENT_A_ADDR != drop)
		put_u64(m, VMSCOPE_EVENT_A_ADDR,
			v->start + (i * 4096) % (v->end - v->start), pad);
	if (user && VMSCOPE_EVENT_A_IP != drop)
		put_u64(m, VMSCOPE_EVENT_A_IP, 0x401000 + i, pad);
	if (VMSCOPE_EVENT_A_VMA_START != drop)
		put_u64(m, VMSCOPE_EVENT_A_VMA_START, v->start, pad);
	if (VMSCOPE_EVENT_A_VMA_END != drop)
		put_u64(m, VMSCOPE_EVENT_A_VMA_END, v->end, pad);
	if (VMSCOPE_EVENT_A_VMA_FLAGS != drop)
		put_u64(m, VMSCOPE_EVENT_A_VMA_FLAGS, v->flags, pad);
	if (v->name && VMSCOPE_EVENT_A_VMA_NAME != drop)
		nla_put_string(m, VMSCOPE_EVENT_A_VMA_NAME, v->name);
	if (VMSCOPE_EVENT_A_DROPPED_BUFFER != drop)
		put_u64(m, VMSCOPE_EVENT_A_DROPPED_BUFFER, dbuf, pad);
	if (VMSCOPE_EVENT_A_DROPPED_SOCKET != drop)
		put_u64(m, VMSCOPE_EVENT_A_DROPPED_SOCKET, dsock, pad);
	put_extra(m, VMSCOPE_EVENT_A_MAX);
	push_msg(m);
}

static void watch(const struct nlmsghdr *req)
{
	long err = env("VS_FAKE_WATCH_ERRNO", 0), nev = env("VS_FAKE_EVENTS", 0);
	long skip = env("VS_FAKE_SEQ_SKIP", -1), nobufs = env("VS_FAKE_ENOBUFS", -1);
	const size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;
	struct nlattr *a, *last = NULL;
	struct fake_vma *v = NULL;
	const char *why = NULL;
	int pid = 0, rem, all = 0;
	uint64_t seq = 0, dbuf = 0, dsock = 0;
	size_t n = 0;
	long i;

	nla_for_each_attr(a, (struct nlattr *)((char *)req + hdr),
			  req->nlmsg_len - hdr, rem) {
		if (nla_type(a) == VMSCOPE_WATCH_A_PID) {
			if (!pid)
				pid = nla_get_u32(a);
			last = a;
		} else if (nla_type(a) == VMSCOPE_WATCH_A_ALL) {
			all = 1;
		}
	}
	if (err) {
		ack(req, -err, "fake: watch refused", offset_of(req, last), -1);
		return;
	}
	if (!pid && !all) {
		ack(req, -EINVAL, "fake: no pid", -1, VMSCOPE_WATCH_A_PID);
		return;
	}
	if (!pid)
		pid = getppid();
	if (load_vmas(pid, &v, &n, &why)) {
		ack(req, -ESRCH, why, offset_of(req, last), -1);
		return;
	}
	ack(req, 0, NULL, -1, -1);
	for (i = 0; i < nev; i++) {
		put_event(seq++, pid, &v[(i * 7) % n], i, dbuf, dsock);
		if (i + 1 == skip) {
			seq += 3;
			dsock += 3;
			dbuf += 2;
		}
		if (i + 1 == nobufs) {
			struct dgram *d;

			flush();
			d = calloc(1, sizeof(*d));
			d->enobufs = 1;
			*q_tail = d;
			q_tail = &d->next;
			dsock++;
			seq++;
		}
	}
	flush();
	free_vmas(v, n);
}

static void ctrl_get(const struct nlmsghdr *req)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nl_msg *m;

	if (genlmsg_parse((struct nlmsghdr *)req, 0, tb, CTRL_ATTR_MAX, NULL) ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]),
		   VMSCOPE_FAMILY_NAME) || env("VS_FAKE_ABSENT", 0)) {
		ack(req, -ENOENT, NULL, -1, -1);
		return;
	}
	m = reply(req, 0, CTRL_CMD_NEWFAMILY);
	nla_put_u16(m, CTRL_ATTR_FAMILY_ID, FAKE_FAMILY_ID);
	nla_put_string(m, CTRL_ATTR_FAMILY_NAME, VMSCOPE_FAMILY_NAME);
	nla_put_u32(m, CTRL_ATTR_VERSION, env("VS_FAKE_VERSION", 1));
	nla_put_u32(m, CTRL_ATTR_HDRSIZE, 0);
	nla_put_u32(m, CTRL_ATTR_MAXATTR, VMSCOPE_VMA_A_MAX);
	push_msg(m);
	ack(req, 0, NULL, -1, -1);
}

static void fake_log(const struct nlmsghdr *req, struct nlattr **tb)
{
	const char *path = getenv("VS_FAKE_LOG");
	struct genlmsghdr *g = nlmsg_data(req);
	FILE *f;
	int t;

	if (!path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "type=%u cmd=%u dump=%d", req->nlmsg_type, g->cmd,
		!!(req->nlmsg_flags & NLM_F_DUMP));
	for (t = 1; tb && t <= VMSCOPE_VMA_A_MAX; t++)
		if (tb[t])
			fprintf(f, " %d=%" PRIx64, t, nla_len(tb[t]) == 8 ?
				nla_get_u64(tb[t]) : nla_get_u32(tb[t]));
	fprintf(f, "\n");
	fclose(f);
}

static int fake_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *req = nlmsg_hdr(msg);
	struct nlattr *tb[VMSCOPE_VMA_A_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(req);
	long err = env("VS_FAKE_ERRNO", 0);

	use_queue(sk);
	if (req->nlmsg_type == GENL_ID_CTRL) {
		fake_log(req, NULL);
		ctrl_get(req);
		return req->nlmsg_len;
	}
	/* All our attribute sets have PID at the same type: one parse. */
	if (genlmsg_parse(req, 0, tb, VMSCOPE_VMA_A_MAX, NULL) < 0) {
		ack(req, -EINVAL, "fake: cannot parse", -1, -1);
		return req->nlmsg_len;
	}
	fake_log(req, tb);
	if (env("VS_FAKE_FOREIGN", 0)) {
		/* Any process can send to our port: not to be believed. */
		flush();
		cur_from = 4321;
		ack(req, -EPERM, "fake: from another process", -1, -1);
		cur_from = 0;
	}
	if (req->nlmsg_type != FAKE_FAMILY_ID) {
		ack(req, -ENOENT, NULL, -1, -1);
	} else if (err) {
		ack(req, -err, "fake: injected error",
		    offset_of(req, tb[VMSCOPE_VMA_A_PID]), -1);
	} else if (g->cmd == VMSCOPE_CMD_VMA_GET) {
		vma_get(req, tb);
	} else if (g->cmd == VMSCOPE_CMD_PROC_GET) {
		proc_get(req, tb);
	} else if (g->cmd == VMSCOPE_CMD_INFO_GET) {
		info_get(req);
	} else if (g->cmd == VMSCOPE_CMD_WATCH) {
		watch(req);
	} else {
		ack(req, -EOPNOTSUPP, "fake: unknown command", -1, -1);
	}
	return req->nlmsg_len;
}

int nl_recv(struct nl_sock *sk, struct sockaddr_nl *nla, unsigned char **buf,
	    struct ucred **creds)
{
	struct dgram *d = q_head;
	int len;

	use_queue(sk);
	d = q_head;
	if (!d)
		return -NLE_AGAIN;	/* the CLI waits for nothing: a bug */
	q_head = d->next;
	if (!q_head)
		q_tail = &q_head;
	if (d->enobufs) {
		free(d);
		errno = ENOBUFS;
		return -NLE_NOMEM;
	}
	memset(nla, 0, sizeof(*nla));
	nla->nl_family = AF_NETLINK;
	nla->nl_pid = d->from;
	if (env("VS_FAKE_BAD_SEQ", 0) &&
	    ((struct nlmsghdr *)d->buf)->nlmsg_type == FAKE_FAMILY_ID)
		((struct nlmsghdr *)d->buf)->nlmsg_seq++;
	*buf = d->buf;
	if (creds)
		*creds = NULL;
	len = d->len;
	free(d);
	return len;
}

int genl_connect(struct nl_sock *sk)
{
	struct nl_cb *cb = nl_socket_get_cb(sk);

	nl_cb_overwrite_send(cb, fake_send);
	nl_cb_put(cb);
	return 0;
}
