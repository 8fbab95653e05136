# SPDX-License-Identifier: GPL-2.0
"""The vmscope family through raw netlink sockets (nl.py, not libnl).

Modelled on tools/testing/selftests/net/netlink-dumps.c: hand-built
requests, malformed on purpose, and checks of the errno and of the
extended ack (NLMSGERR_ATTR_MSG, _OFFS, _MISS_TYPE).
"""

import errno
import os
import socket
import struct

from harness import (
    Cases, Fail, Mapper, check, check_eq, compare_lists, diag, parse_maps, read_text,
    stable_compare, test, is_kthread)
import nl

E = errno


class Req:
    """A request body built attribute by attribute, remembering where each
    attribute starts (its NLMSGERR_ATTR_OFFS: from the nlmsghdr)."""

    def __init__(self):
        self.body = b""
        self.offs = {}

    def add(self, key, raw):
        self.offs[key] = nl.HDRLEN + len(self.body)
        self.body += raw
        return self


CASES = None
DONE_HAS_ALL_TLVS = tuple(
    int(x) for x in os.uname().release.split("-")[0].split(".")[:2]) >= (6, 3)


def collecting(fn):
    """Let every reject() in FN run, then fail with all that failed."""
    def wrapper():
        global CASES
        with Cases() as c:
            CASES = c
            try:
                fn()
            finally:
                CASES = None
    return wrapper


def reject(req, want_errno, cmd=nl.CMD_VMA_GET, dump=False, offs_of=None,
           miss_type=None, need_msg=True, reserved=0, sock=None, cases=None):
    """Send REQ and check the rejection; returns the Reply.  Inside a
    @collecting test a failure is recorded and the test goes on (CASES
    False: this call is that recording)."""
    if cases is None:
        cases = CASES
    if cases:
        return cases.run(f"{nl.errname(want_errno)} case {cases.n + 1}",
                         reject, req, want_errno, cmd, dump, offs_of,
                         miss_type, need_msg, reserved, sock, False)
    own = sock is None
    s = nl.Vmscope() if own else sock
    try:
        rep = s.req(cmd, req.body, dump=dump, reserved=reserved)
    finally:
        if own:
            s.close()
    what = (f"cmd {cmd}{' dump' if dump else ''}: want "
            f"{nl.errname(want_errno)}; got {rep.describe()}")
    check(rep.final in ("error", "done") and rep.error == want_errno, what)
    check(not rep.msgs, f"{what}: data messages before the error")
    if need_msg:
        check(rep.ext_msg, f"{what}: no extack message")
    if offs_of is not None and rep.final == "done" and not DONE_HAS_ALL_TLVS:
        # An error from the dump itself comes in NLMSG_DONE, which carries
        # only the message string before Linux 6.3 ("netlink: support all
        # extack types in dumps"): no offset can be asked for there.
        diag(f"NLMSG_DONE on {os.uname().release}: offset not checked")
        offs_of = None
    if offs_of is not None:
        keys = offs_of if isinstance(offs_of, (list, tuple)) else [offs_of]
        want = [req.offs[k] for k in keys]
        check(rep.ext_offs in want,
              f"{what}: extack offset {rep.ext_offs}, want one of {want} "
              f"(the offending attribute)")
    if miss_type is not None:
        msg = (rep.ext_msg or "").lower()
        check(rep.ext_miss_type == miss_type or "pid" in msg,
              f"{what}: missing attribute not named (miss_type "
              f"{rep.ext_miss_type}, want {miss_type}, or 'pid' in the message)")
    diag(f"{nl.errname(rep.error)}: {rep.ext_msg!r} offs={rep.ext_offs} "
         f"miss_type={rep.ext_miss_type}")
    return rep


def pid_attr(pid=None):
    return nl.u32(nl.VMA_A_PID, os.getpid() if pid is None else pid)


@test("netlink: family resolves with version 1 and the documented ops")
def _():
    with nl.GenlSocket() as s:
        rep, fam = nl.resolve(s, "vmscope")
        check(fam is not None, f"CTRL_CMD_GETFAMILY vmscope: {rep.describe()}")
        check_eq(fam["name"], "vmscope", "family name")
        check_eq(fam["version"], nl.FAMILY_VERSION, "family version")
        ops = fam["ops"]
        for cmd, caps in ((nl.CMD_VMA_GET, nl.GENL_CMD_CAP_DO |
                           nl.GENL_CMD_CAP_DUMP),
                          (nl.CMD_PROC_GET, nl.GENL_CMD_CAP_DO),
                          (nl.CMD_INFO_GET, nl.GENL_CMD_CAP_DO)):
            check(cmd in ops, f"op {cmd} not listed: {ops}")
            check(ops[cmd] & caps == caps,
                  f"op {cmd} flags {ops[cmd]:#x} lack {caps:#x}")
            check(not ops[cmd] & (nl.GENL_ADMIN_PERM | nl.GENL_UNS_ADMIN_PERM),
                  f"op {cmd} needs CAP_NET_ADMIN ({ops[cmd]:#x}); "
                  f"unprivileged self-inspection must work")
        # Every request command of the UAPI header, and nothing else:
        # EVENT goes from kernel to user only.
        documented = {v for k, v in nl.UAPI.items()
                      if k.startswith("VMSCOPE_CMD_")
                      and k not in ("VMSCOPE_CMD_UNSPEC", "VMSCOPE_CMD_MAX",
                                    "VMSCOPE_CMD_EVENT")}
        check(set(ops) <= documented, f"undocumented ops {ops}")
        check(nl.UAPI["VMSCOPE_CMD_EVENT"] not in ops,
              f"EVENT is listed as a request: {ops}")
        # a family name that does not exist: ENOENT (the client is sound)
        rep, fam = nl.resolve(s, "vmscope-no-such")
        check(fam is None and rep.error == E.ENOENT, rep.describe())


@test("netlink: missing PID is EINVAL naming the attribute")
@collecting
def _():
    reject(Req(), E.EINVAL, dump=True, miss_type=nl.VMA_A_PID)
    reject(Req().add("addr", nl.u64(nl.VMA_A_ADDR, 0x1000)), E.EINVAL,
           miss_type=nl.VMA_A_PID)
    reject(Req(), E.EINVAL, cmd=nl.CMD_PROC_GET, miss_type=nl.PROC_A_PID)


@test("netlink: PID as u16 is EINVAL at the attribute")
@collecting
def _():
    bad = nl.attr(nl.VMA_A_PID, struct.pack("=H", os.getpid() & 0xffff))
    reject(Req().add("pid", bad), E.EINVAL, dump=True, offs_of="pid")
    reject(Req().add("pid", bad).add("addr", nl.u64(nl.VMA_A_ADDR, 0)),
           E.EINVAL, offs_of="pid")
    reject(Req().add("pid", bad), E.EINVAL, cmd=nl.CMD_PROC_GET,
           offs_of="pid")
    # and as u64
    reject(Req().add("pid", nl.u64(nl.VMA_A_PID, os.getpid())), E.EINVAL,
           dump=True, offs_of="pid")


@test("netlink: ADDR as u32 is EINVAL at the attribute")
@collecting
def _():
    reject(Req().add("pid", pid_attr()).add("addr", nl.u32(nl.VMA_A_ADDR,
                                                           0x1000)),
           E.EINVAL, offs_of="addr")


@test("netlink: unknown attribute types are EINVAL (strict validation)")
@collecting
def _():
    for t in (nl.VMA_A_MAX + 1, 200, 0x3fff):
        reject(Req().add("pid", pid_attr()).add("x", nl.u32(t, 1)),
               E.EINVAL, dump=True, offs_of="x")
    reject(Req().add("pid", nl.u32(nl.PROC_A_PID, os.getpid()))
           .add("x", nl.u32(nl.PROC_A_MAX + 1, 1)), E.EINVAL,
           cmd=nl.CMD_PROC_GET, offs_of="x")
    reject(Req().add("x", nl.u32(nl.INFO_A_MAX + 1, 1)), E.EINVAL,
           cmd=nl.CMD_INFO_GET,
           offs_of="x")


@test("netlink: unknown command numbers are EOPNOTSUPP")
@collecting
def _():
    for cmd in (nl.CMD_MAX + 1, 0, 200):
        for dump in (False, True):
            reject(Req().add("pid", pid_attr()), E.EOPNOTSUPP, cmd=cmd,
                   dump=dump, need_msg=False)
    # PROC_GET and INFO_GET have no dump
    for cmd in (nl.CMD_PROC_GET, nl.CMD_INFO_GET):
        reject(Req(), E.EOPNOTSUPP, cmd=cmd, dump=True, need_msg=False)


@test("netlink: QUERY_FLAGS with an undefined bit is EINVAL")
@collecting
def _():
    for bit in range(nl.QUERY_F_CNT, 32, 7):
        reject(Req().add("pid", pid_attr())
               .add("addr", nl.u64(nl.VMA_A_ADDR, 0x1000))
               .add("qf", nl.u32(nl.VMA_A_QUERY_FLAGS, 1 << bit)),
               E.EINVAL, offs_of="qf")


@test("netlink: FLAGS_REQUIRED/FORBIDDEN with undefined bits are EINVAL")
@collecting
def _():
    for t in (nl.VMA_A_FLAGS_REQUIRED, nl.VMA_A_FLAGS_FORBIDDEN):
        for bit in (nl.VMA_F_CNT, 40, 63):
            reject(Req().add("pid", pid_attr())
                   .add("f", nl.u64(t, 1 | 1 << bit)),
                   E.EINVAL, dump=True, offs_of="f")


@test("netlink: RANGE_END <= RANGE_START is EINVAL")
@collecting
def _():
    for lo, hi in ((0x2000, 0x2000), (0x3000, 0x2000), (1 << 40, 1)):
        reject(Req().add("pid", pid_attr())
               .add("lo", nl.u64(nl.VMA_A_RANGE_START, lo))
               .add("hi", nl.u64(nl.VMA_A_RANGE_END, hi)),
               E.EINVAL, dump=True, offs_of=("lo", "hi"))


@test("netlink: a non-zero genlmsghdr.reserved is EINVAL")
@collecting
def _():
    for cmd, dump, body in ((nl.CMD_VMA_GET, True, pid_attr()),
                            (nl.CMD_VMA_GET, False,
                             pid_attr() + nl.u64(nl.VMA_A_ADDR, 0)),
                            (nl.CMD_PROC_GET, False, pid_attr()),
                            (nl.CMD_INFO_GET, False, b"")):
        r = Req()
        r.body = body
        reject(r, E.EINVAL, cmd=cmd, dump=dump, reserved=1)


# The policy's minimum (NLA_POLICY_MIN) is enforced by the kernel's own
# netlink validation, which reports a value out of range as ERANGE.
@test("netlink: PID 0 is ERANGE at the attribute (policy minimum)")
@collecting
def _():
    reject(Req().add("pid", pid_attr(0)), E.ERANGE, dump=True, offs_of="pid")
    reject(Req().add("pid", pid_attr(0))
           .add("addr", nl.u64(nl.VMA_A_ADDR, 0)), E.ERANGE, offs_of="pid")
    reject(Req().add("pid", nl.u32(nl.PROC_A_PID, 0)), E.ERANGE,
           cmd=nl.CMD_PROC_GET, offs_of="pid")


def free_pid():
    pid_max = int(read_text("/proc/sys/kernel/pid_max"))
    for pid in range(pid_max - 1, 0, -1):
        if not os.path.exists(f"/proc/{pid}"):
            return pid
    raise Fail("no free pid")


@test("netlink: ESRCH, EOPNOTSUPP and ENOENT carry an extack message")
@collecting
def _():
    nopid = free_pid()
    for cmd, dump, extra in ((nl.CMD_VMA_GET, True, b""),
                             (nl.CMD_VMA_GET, False,
                              nl.u64(nl.VMA_A_ADDR, 0x1000)),
                             (nl.CMD_PROC_GET, False, b"")):
        r = Req().add("pid", nl.u32(2, nopid))
        r.body += extra
        reject(r, E.ESRCH, cmd=cmd, dump=dump)
        kt = [int(p) for p in os.listdir("/proc") if p.isdigit()
              and _kt(int(p))][0]
        r = Req().add("pid", nl.u32(2, kt))
        r.body += extra
        reject(r, E.EOPNOTSUPP, cmd=cmd, dump=dump)
    with Mapper() as m:
        want = parse_maps(read_text(f"/proc/{m.pid}/maps"))
        gap = next(a["end"] for a, b in zip(want, want[1:])
                   if a["end"] < b["start"])
        reject(Req().add("pid", pid_attr(m.pid))
               .add("addr", nl.u64(nl.VMA_A_ADDR, gap)), E.ENOENT)


def _kt(pid):
    try:
        return is_kthread(pid)
    except FileNotFoundError:
        return False


def raw_dump(s, pid, **filters):
    rep = s.req(nl.CMD_VMA_GET, nl.vma_dump_attrs(pid, **filters), dump=True)
    if rep.error:
        raise Fail(f"raw dump of {pid}: {rep.describe()}")
    return rep


def decode_all(rep, pid):
    out = []
    for cmd, a in rep.msgs:
        check_eq(cmd, nl.CMD_VMA_GET, "reply genl cmd")
        try:
            v = nl.decode_vma(a)
        except ValueError as e:
            raise Fail(f"malformed VMA message: {e}")
        out.append(v)
    return out


@test("netlink: a valid dump and do still work after malformed requests")
def _():
    with Mapper() as m, nl.Vmscope() as s:
        # the same socket that was just rejected, several times
        for body in (b"", nl.attr(nl.VMA_A_PID, b"\1\0"),
                     pid_attr(m.pid) + nl.u32(77, 0)):
            rep = s.req(nl.CMD_VMA_GET, body, dump=True)
            check(rep.error == E.EINVAL, f"setup: {rep.describe()}")
        got, want = stable_compare(
            m.pid, lambda: decode_all(raw_dump(s, m.pid), m.pid),
            "raw dump after malformed requests")
        # file attributes exactly for the VMAs that map a file
        files = set(os.listdir(f"/proc/{m.pid}/map_files"))
        for v in got:
            key = f"{v['start']:x}-{v['end']:x}"
            check(v["has_file"] == (key in files),
                  f"{key} {v['name']!r}: file attributes "
                  f"{'present' if v['has_file'] else 'absent'}, but "
                  f"map_files says {'a' if key in files else 'no'} file")
        check(any(v["has_file"] for v in got)
              and not all(v["has_file"] for v in got),
              "want both file and anonymous VMAs in the mapper")
        # do: every VMA by its start address
        for w in want[:10] + want[-5:]:
            rep = s.req(nl.CMD_VMA_GET, pid_attr(m.pid) +
                        nl.u64(nl.VMA_A_ADDR, w["start"]))
            check(rep.error == 0 and len(rep.msgs) == 1,
                  f"do at {w['start']:#x}: {rep.describe()}")
            compare_lists(decode_all(rep, m.pid), [w], "raw do")
        # do with COVERING_OR_NEXT below the first VMA
        rep = s.req(nl.CMD_VMA_GET, pid_attr(m.pid) +
                    nl.u64(nl.VMA_A_ADDR, 0) +
                    nl.u32(nl.VMA_A_QUERY_FLAGS,
                           nl.QUERY_F_COVERING_OR_NEXT))
        check(rep.error == 0 and len(rep.msgs) == 1, rep.describe())
        compare_lists(decode_all(rep, m.pid), [want[0]], "raw do next of 0")
        # PROC_GET
        rep = s.req(nl.CMD_PROC_GET, nl.u32(nl.PROC_A_PID, m.pid))
        check(rep.error == 0 and len(rep.msgs) == 1, rep.describe())
        check_eq(nl.get_u(rep.msgs[0][1], nl.PROC_A_PID), m.pid, "PROC pid")
        check_eq(nl.get_str(rep.msgs[0][1], nl.PROC_A_COMM), "mapper",
                 "PROC comm")


@test("netlink: sockets closed mid-dump x50, then the module still works",
      timeout=240)
def _():
    with Mapper() as m:
        m.cmd("many 60000", timeout=200)
        n_first = []
        for i in range(50):
            s = nl.Vmscope()
            seq = s.send_req(nl.CMD_VMA_GET, pid_attr(m.pid), dump=True)
            batch = s.recv_batch()
            n_first.append(len(batch))
            check(batch and batch[0][2] == seq and
                  batch[0][0] == s.id,
                  f"round {i}: first chunk is not VMA data: "
                  f"{[(t, fl, q) for t, fl, q, _ in batch[:3]]}")
            check(batch[-1][0] not in (nl.NLMSG_DONE, nl.NLMSG_ERROR),
                  f"round {i}: a 60000-VMA dump fit in one chunk")
            s.close()
        diag(f"{sum(n_first)} VMA messages read in 50 cut dumps")
        # the module still works: a complete dump equals /proc
        m.cmd("unmany")
        with nl.Vmscope() as s:
            stable_compare(m.pid, lambda: decode_all(raw_dump(s, m.pid),
                                                     m.pid),
                           "raw dump after the cut dumps")


def _in_child(fn):
    """Run fn() in a forked child; return its exit status and message."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        msg = b"ok"
        code = 0
        try:
            fn()
        except BaseException as e:
            msg = repr(e).encode()
            code = 1
        os.write(w, msg)
        os._exit(code)
    os.close(w)
    data = b""
    while True:
        c = os.read(r, 4096)
        if not c:
            break
        data += c
    os.close(r)
    _, st = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(st), data.decode()


@test("netlink: CAP_SYS_PTRACE is checked on both the opener and the sender")
def _():
    root_target = 1

    # opened by root, sent by an unprivileged process
    s = nl.Vmscope()

    def sender():
        nl.drop_privileges()
        rep = s.req(nl.CMD_VMA_GET, pid_attr(root_target), dump=True)
        if rep.error != E.EPERM:
            raise AssertionError(f"pid 1 from an unprivileged sender: "
                                 f"{rep.describe()}")
        rep = s.req(nl.CMD_PROC_GET, nl.u32(nl.PROC_A_PID, root_target))
        if rep.error != E.EPERM:
            raise AssertionError(f"PROC_GET pid 1: {rep.describe()}")
        rep = s.req(nl.CMD_VMA_GET, pid_attr(os.getpid()), dump=True)
        if rep.error or not rep.msgs:
            raise AssertionError(f"own pid: {rep.describe()}")
    code, msg = _in_child(sender)
    check(code == 0, f"root-opened socket: {msg}")
    # the same socket, back in the privileged parent: allowed
    rep = s.req(nl.CMD_VMA_GET, pid_attr(root_target), dump=True)
    check(rep.error == 0 and rep.msgs, f"root sender: {rep.describe()}")
    s.close()

    # opened unprivileged, handed to root, sent by root
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

    def opener():
        nl.drop_privileges()
        sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                           nl.NETLINK_GENERIC)
        sk.bind((0, 0))
        socket.send_fds(b, [b"x"], [sk.fileno()])
    code, msg = _in_child(opener)
    check(code == 0, f"unprivileged opener: {msg}")
    _, fds, _, _ = socket.recv_fds(a, 16, 1)
    a.close()
    b.close()
    check(len(fds) == 1, "no fd received")
    # Sent with send(2), no address: netlink_capable() checks the opener
    # only for such messages (see __netlink_ns_capable()).
    with nl.Vmscope(fileno=fds[0], plain_send=True) as s2:
        rep = s2.req(nl.CMD_VMA_GET, pid_attr(root_target), dump=True)
        check(rep.error == E.EPERM,
              f"pid 1 on an unprivileged opener's socket: {rep.describe()}")
        rep = s2.req(nl.CMD_VMA_GET, pid_attr(os.getpid()), dump=True)
        check(rep.error == 0 and rep.msgs, f"own pid: {rep.describe()}")
