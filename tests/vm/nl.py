# SPDX-License-Identifier: GPL-2.0
"""A small, independent generic-netlink client (raw sockets, no libnl).

It builds requests byte by byte, so tests can send exactly the malformed
messages they want, and it decodes replies, error messages and extended
acks itself.  Numbers come from include/uapi/linux/{netlink,genetlink}.h and
from module/include/uapi/linux/vmscope.h.
"""

import errno
import os
import re
import socket
import struct

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200

NLMSG_NOOP = 1
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_OVERRUN = 4

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_COOKIE = 3
NLMSGERR_ATTR_POLICY = 4
NLMSGERR_ATTR_MISS_TYPE = 5
NLMSGERR_ATTR_MISS_NEST = 6

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_VERSION = 3
CTRL_ATTR_HDRSIZE = 4
CTRL_ATTR_MAXATTR = 5
CTRL_ATTR_OPS = 6
CTRL_ATTR_OP_ID = 1
CTRL_ATTR_OP_FLAGS = 2
GENL_ADMIN_PERM = 0x01
GENL_CMD_CAP_DO = 0x02
GENL_CMD_CAP_DUMP = 0x04
GENL_UNS_ADMIN_PERM = 0x10

NLA_F_NESTED = 1 << 15
NLA_F_NET_BYTEORDER = 1 << 14
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff

# vmscope.h: the contract.  Its enums are read from the header itself, so
# these tests follow it as it grows (append-only, per its rules).
UAPI_HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "..", "..", "module", "include", "uapi", "linux",
                           "vmscope.h")


def _uapi():
    text = open(UAPI_HEADER).read()
    consts = {}
    for m in re.finditer(r"#define\s+(VMSCOPE_\w+)\s+(\d+)\s*$", text, re.M):
        consts[m[1]] = int(m[2])
    for body in re.findall(r"enum\s+\w+\s*\{(.*?)\};", text, re.S):
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        val = 0
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, expr = item.partition("=")
            name = name.strip()
            if expr:
                m = re.fullmatch(r"\s*(\w+)\s*-\s*1\s*", expr)
                val = consts[m[1]] - 1 if m else int(expr, 0)
            consts[name] = val
            val += 1
    mnem = dict(re.findall(r"@VMSCOPE_VMA_F_(\w+):[^@]*?\(\"(\w\w)\"\)",
                           text, re.S))
    return consts, mnem


UAPI, UAPI_FLAG_MNEMONICS = _uapi()
FAMILY = "vmscope"
FAMILY_VERSION = UAPI["VMSCOPE_FAMILY_VERSION"]
CMD_VMA_GET = UAPI["VMSCOPE_CMD_VMA_GET"]
CMD_PROC_GET = UAPI["VMSCOPE_CMD_PROC_GET"]
CMD_INFO_GET = UAPI["VMSCOPE_CMD_INFO_GET"]
CMD_MAX = UAPI["VMSCOPE_CMD_MAX"]

VMA_A_PAD = UAPI["VMSCOPE_VMA_A_PAD"]
VMA_A_PID = UAPI["VMSCOPE_VMA_A_PID"]
VMA_A_ADDR = UAPI["VMSCOPE_VMA_A_ADDR"]
VMA_A_QUERY_FLAGS = UAPI["VMSCOPE_VMA_A_QUERY_FLAGS"]
VMA_A_RANGE_START = UAPI["VMSCOPE_VMA_A_RANGE_START"]
VMA_A_RANGE_END = UAPI["VMSCOPE_VMA_A_RANGE_END"]
VMA_A_FLAGS_REQUIRED = UAPI["VMSCOPE_VMA_A_FLAGS_REQUIRED"]
VMA_A_FLAGS_FORBIDDEN = UAPI["VMSCOPE_VMA_A_FLAGS_FORBIDDEN"]
VMA_A_START = UAPI["VMSCOPE_VMA_A_START"]
VMA_A_END = UAPI["VMSCOPE_VMA_A_END"]
VMA_A_FLAGS = UAPI["VMSCOPE_VMA_A_FLAGS"]
VMA_A_OFFSET = UAPI["VMSCOPE_VMA_A_OFFSET"]
VMA_A_DEV_MAJOR = UAPI["VMSCOPE_VMA_A_DEV_MAJOR"]
VMA_A_DEV_MINOR = UAPI["VMSCOPE_VMA_A_DEV_MINOR"]
VMA_A_INODE = UAPI["VMSCOPE_VMA_A_INODE"]
VMA_A_NAME = UAPI["VMSCOPE_VMA_A_NAME"]
VMA_A_PAGE_SIZE = UAPI["VMSCOPE_VMA_A_PAGE_SIZE"]
VMA_A_MAX = UAPI["VMSCOPE_VMA_A_MAX"]

QUERY_F_COVERING_OR_NEXT = 1 << UAPI["VMSCOPE_QUERY_F_COVERING_OR_NEXT"]
QUERY_F_CNT = UAPI["__VMSCOPE_QUERY_F_CNT"]
VMA_F_CNT = UAPI["__VMSCOPE_VMA_F_CNT"]
VMA_F_READ = UAPI["VMSCOPE_VMA_F_READ"]
VMA_F_WRITE = UAPI["VMSCOPE_VMA_F_WRITE"]
VMA_F_EXEC = UAPI["VMSCOPE_VMA_F_EXEC"]
VMA_F_MAYSHARE = UAPI["VMSCOPE_VMA_F_MAYSHARE"]
# enum suffixes in bit order, e.g. ["READ", "WRITE", ...]
VMA_F_SUFFIXES = sorted(
    (k[len("VMSCOPE_VMA_F_"):] for k, v in UAPI.items()
     if k.startswith("VMSCOPE_VMA_F_") and k != "VMSCOPE_VMA_F_ALL"),
    key=lambda k: UAPI["VMSCOPE_VMA_F_" + k])

PROC_A_PID = UAPI["VMSCOPE_PROC_A_PID"]
PROC_A_COMM = UAPI["VMSCOPE_PROC_A_COMM"]
PROC_A_MAX = UAPI["VMSCOPE_PROC_A_MAX"]

INFO_A_VERSION = UAPI["VMSCOPE_INFO_A_VERSION"]
INFO_A_FEATURES = UAPI["VMSCOPE_INFO_A_FEATURES"]
INFO_A_ALLOW_SAME_USER = UAPI["VMSCOPE_INFO_A_ALLOW_SAME_USER"]
INFO_A_MAX = UAPI["VMSCOPE_INFO_A_MAX"]
FEAT_CNT = UAPI["__VMSCOPE_FEAT_CNT"]

NLMSG_HDR = struct.Struct("=IHHII")
GENL_HDR = struct.Struct("=BBH")
NLA_HDR = struct.Struct("=HH")
HDRLEN = NLMSG_HDR.size + GENL_HDR.size


def align4(n):
    return (n + 3) & ~3


def attr(atype, payload, length=None):
    """One attribute; LENGTH overrides nla_len (for malformed ones)."""
    n = NLA_HDR.size + len(payload) if length is None else length
    raw = NLA_HDR.pack(n, atype) + payload
    return raw + b"\0" * (align4(len(raw)) - len(raw))


def u16(t, v):
    return attr(t, struct.pack("=H", v))


def u32(t, v):
    return attr(t, struct.pack("=I", v))


def u64(t, v):
    return attr(t, struct.pack("=Q", v))


def string(t, s):
    return attr(t, s.encode() + b"\0")


def parse_attrs(data):
    """{type: payload}; a repeated type keeps the first (tests check that)."""
    out = {}
    off = 0
    while off + NLA_HDR.size <= len(data):
        n, t = NLA_HDR.unpack_from(data, off)
        if n < NLA_HDR.size or off + n > len(data):
            raise ValueError(f"bad attribute length {n} at {off}")
        out.setdefault(t & NLA_TYPE_MASK, data[off + NLA_HDR.size:off + n])
        off += align4(n)
    return out


def attr_list(data):
    out = []
    off = 0
    while off + NLA_HDR.size <= len(data):
        n, t = NLA_HDR.unpack_from(data, off)
        if n < NLA_HDR.size or off + n > len(data):
            raise ValueError(f"bad attribute length {n} at {off}")
        out.append((t & NLA_TYPE_MASK, data[off + NLA_HDR.size:off + n]))
        off += align4(n)
    return out


def get_u(attrs, t):
    v = attrs.get(t)
    if v is None:
        return None
    return int.from_bytes(v, "little")


def get_str(attrs, t):
    v = attrs.get(t)
    if v is None:
        return None
    if not v.endswith(b"\0"):
        raise ValueError(f"string attribute {t} is not NUL-terminated")
    return v[:-1].decode("utf-8", "surrogateescape")


class Reply:
    """Everything the kernel answered to one request."""

    def __init__(self):
        self.msgs = []        # (genl cmd, {attr: bytes}) per data message
        self.error = None     # 0 for an ACK/DONE, else a positive errno
        self.ext = {}         # extended ack TLVs of the final message
        self.final = None     # "ack", "error", "done"

    @property
    def ext_msg(self):
        return get_str(self.ext, NLMSGERR_ATTR_MSG)

    @property
    def ext_offs(self):
        return get_u(self.ext, NLMSGERR_ATTR_OFFS)

    @property
    def ext_miss_type(self):
        return get_u(self.ext, NLMSGERR_ATTR_MISS_TYPE)

    def describe(self):
        e = self.error
        return (f"{self.final} errno={e}"
                f"({errname(e) if e else 'ok'}) "
                f"extack msg={self.ext_msg!r} offs={self.ext_offs} "
                f"miss_type={self.ext_miss_type} msgs={len(self.msgs)}")


class GenlSocket:
    def __init__(self, ext_ack=True, cap_ack=False, fileno=None,
                 plain_send=False):
        if fileno is None:
            self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                      NETLINK_GENERIC)
            self.sock.bind((0, 0))
        else:
            self.sock = socket.socket(fileno=fileno)
        if ext_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        if cap_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = 1000
        self.sock.settimeout(60)
        # send() without a destination address, as write(2) would: only
        # then does netlink_capable() check the socket's opener as well
        # (with an address, NETLINK_SKB_DST skips that check by design).
        self.plain_send = plain_send

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def build(mtype, cmd, attrs=b"", flags=NLM_F_REQUEST | NLM_F_ACK,
              version=FAMILY_VERSION, reserved=0, seq=0):
        body = GENL_HDR.pack(cmd, version, reserved) + attrs
        return NLMSG_HDR.pack(NLMSG_HDR.size + len(body), mtype, flags, seq,
                              0) + body

    def send(self, mtype, cmd, attrs=b"", flags=NLM_F_REQUEST | NLM_F_ACK,
             version=FAMILY_VERSION, reserved=0):
        self.seq += 1
        msg = self.build(mtype, cmd, attrs, flags, version, reserved,
                         self.seq)
        if self.plain_send:
            self.sock.send(msg)
        else:
            self.sock.sendto(msg, (0, 0))
        return self.seq

    def recv_batch(self):
        """One datagram, split into (type, flags, seq, payload) tuples."""
        data, _ = self.sock.recvfrom(1 << 20, socket.MSG_TRUNC)
        out = []
        off = 0
        while off + NLMSG_HDR.size <= len(data):
            n, t, fl, seq, _ = NLMSG_HDR.unpack_from(data, off)
            if n < NLMSG_HDR.size or off + n > len(data):
                raise ValueError(f"bad nlmsg_len {n}")
            out.append((t, fl, seq, data[off + NLMSG_HDR.size:off + n]))
            off += align4(n)
        return out

    def collect(self, seq, on_msg=None):
        """Read until the request SEQ is finished; return a Reply."""
        rep = Reply()
        while rep.final is None:
            for t, fl, s, payload in self.recv_batch():
                if s != seq:
                    continue
                if t == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", payload)[0]
                    rep.error = err
                    rep.final = "ack" if err == 0 else "error"
                    if fl & NLM_F_ACK_TLVS:
                        onl = NLMSG_HDR.unpack_from(payload, 4)[0]
                        skip = 4 + (NLMSG_HDR.size if fl & NLM_F_CAPPED
                                    else align4(onl))
                        rep.ext = parse_attrs(payload[skip:])
                elif t == NLMSG_DONE:
                    err = -struct.unpack_from("=i", payload)[0] \
                        if len(payload) >= 4 else 0
                    rep.error = err
                    rep.final = "done"
                    if fl & NLM_F_ACK_TLVS:
                        rep.ext = parse_attrs(payload[4:])
                elif t == NLMSG_OVERRUN:
                    raise ValueError("NLMSG_OVERRUN")
                elif t != NLMSG_NOOP:
                    cmd = payload[0]
                    item = (cmd, parse_attrs(payload[GENL_HDR.size:]))
                    if on_msg:
                        on_msg(item)
                    rep.msgs.append(item)
        return rep

    def request(self, mtype, cmd, attrs=b"", flags=NLM_F_REQUEST | NLM_F_ACK,
                **kw):
        return self.collect(self.send(mtype, cmd, attrs, flags, **kw))


def resolve(sock, name):
    """CTRL_CMD_GETFAMILY: (Reply, dict of family facts or None)."""
    rep = sock.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                       string(CTRL_ATTR_FAMILY_NAME, name), version=2)
    if rep.error or not rep.msgs:
        return rep, None
    a = rep.msgs[0][1]
    ops = {}
    if CTRL_ATTR_OPS in a:
        for _, op in attr_list(a[CTRL_ATTR_OPS]):
            oa = parse_attrs(op)
            ops[get_u(oa, CTRL_ATTR_OP_ID)] = get_u(oa, CTRL_ATTR_OP_FLAGS) or 0
    return rep, {"id": get_u(a, CTRL_ATTR_FAMILY_ID),
                 "name": get_str(a, CTRL_ATTR_FAMILY_NAME),
                 "version": get_u(a, CTRL_ATTR_VERSION),
                 "hdrsize": get_u(a, CTRL_ATTR_HDRSIZE),
                 "maxattr": get_u(a, CTRL_ATTR_MAXATTR),
                 "ops": ops}


class Vmscope(GenlSocket):
    """A GenlSocket bound to the vmscope family."""

    def __init__(self, **kw):
        super().__init__(**kw)
        rep, fam = resolve(self, FAMILY)
        if fam is None:
            self.close()
            raise OSError(rep.error or errno.ENOENT,
                          f"genl family {FAMILY!r} not found: "
                          + rep.describe())
        self.fam = fam
        self.id = fam["id"]

    def req(self, cmd, attrs=b"", dump=False, **kw):
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        return self.request(self.id, cmd, attrs, flags, **kw)

    def send_req(self, cmd, attrs=b"", dump=False, **kw):
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        return self.send(self.id, cmd, attrs, flags, **kw)




FILE_ATTRS = (VMA_A_OFFSET, VMA_A_DEV_MAJOR, VMA_A_DEV_MINOR, VMA_A_INODE)


def decode_vma(attrs):
    """A VMA message, in the CLI's JSON shape (so the same checks apply),
    plus "has_file": whether the file attributes were there.  Checks the
    message against the UAPI: START, END, FLAGS, PAGE_SIZE always; the
    file attributes all or none; NAME non-empty when present."""
    need = (VMA_A_START, VMA_A_END, VMA_A_FLAGS, VMA_A_PAGE_SIZE)
    missing = [t for t in need if t not in attrs]
    if missing:
        raise ValueError(f"VMA message lacks attributes {missing}")
    have = [t in attrs for t in FILE_ATTRS]
    if any(have) and not all(have):
        raise ValueError(f"VMA message has only some file attributes: "
                         f"{[t for t in FILE_ATTRS if t in attrs]}")
    sizes = {VMA_A_START: 8, VMA_A_END: 8, VMA_A_FLAGS: 8, VMA_A_OFFSET: 8,
             VMA_A_DEV_MAJOR: 4, VMA_A_DEV_MINOR: 4, VMA_A_INODE: 8,
             VMA_A_PAGE_SIZE: 8}
    for t, n in sizes.items():
        if t in attrs and len(attrs[t]) != n:
            raise ValueError(f"attribute {t} has length {len(attrs[t])}, "
                             f"want {n}")
    if VMA_A_NAME in attrs and get_str(attrs, VMA_A_NAME) == "":
        raise ValueError("empty NAME attribute")
    fl = get_u(attrs, VMA_A_FLAGS)
    if fl >> VMA_F_CNT:
        raise ValueError(f"undefined flag bits set: {fl:#x}")
    start, end = get_u(attrs, VMA_A_START), get_u(attrs, VMA_A_END)
    perms = ("r" if fl >> VMA_F_READ & 1 else "-") + \
        ("w" if fl >> VMA_F_WRITE & 1 else "-") + \
        ("x" if fl >> VMA_F_EXEC & 1 else "-") + \
        ("s" if fl >> VMA_F_MAYSHARE & 1 else "p")
    return {"start": start, "end": end, "perms": perms,
            "offset": get_u(attrs, VMA_A_OFFSET) or 0,
            "dev": f"{get_u(attrs, VMA_A_DEV_MAJOR) or 0:02x}:"
                   f"{get_u(attrs, VMA_A_DEV_MINOR) or 0:02x}",
            "inode": get_u(attrs, VMA_A_INODE) or 0,
            "name": get_str(attrs, VMA_A_NAME) or "",
            "flags": [CLI_FLAG_NAMES.get(k, k.lower())
                      for i, k in enumerate(VMA_F_SUFFIXES) if fl >> i & 1],
            "page_size": get_u(attrs, VMA_A_PAGE_SIZE),
            "size": end - start,
            "has_file": all(have)}


# The CLI's JSON names for the flag bits (its documented contract).
CLI_FLAG_NAMES = {
    "READ": "read", "WRITE": "write", "EXEC": "exec", "SHARED": "shared",
    "MAYREAD": "mayread", "MAYWRITE": "maywrite", "MAYEXEC": "mayexec",
    "MAYSHARE": "mayshare", "GROWSDOWN": "growsdown", "PFNMAP": "pfnmap",
    "LOCKED": "locked", "IO": "io", "SEQ_READ": "seqread",
    "RAND_READ": "randread", "DONTCOPY": "dontcopy",
    "DONTEXPAND": "dontexpand", "LOCKONFAULT": "lockonfault",
    "ACCOUNT": "account", "NORESERVE": "noreserve", "HUGETLB": "hugetlb",
    "SYNC": "sync", "WIPEONFORK": "wipeonfork", "DONTDUMP": "dontdump",
    "SOFTDIRTY": "softdirty", "MIXEDMAP": "mixedmap", "HUGEPAGE": "hugepage",
    "NOHUGEPAGE": "nohugepage", "MERGEABLE": "mergeable",
    "UFFD_MISSING": "uffd_missing", "UFFD_WP": "uffd_wp",
    "UFFD_MINOR": "uffd_minor", "SHADOW_STACK": "shadow_stack",
    "SEALED": "sealed", "DROPPABLE": "droppable", "ARCH_1": "arch_1",
}


def vma_dump_attrs(pid, **filters):
    a = u32(VMA_A_PID, pid)
    for key, t in (("range_start", VMA_A_RANGE_START),
                   ("range_end", VMA_A_RANGE_END),
                   ("required", VMA_A_FLAGS_REQUIRED),
                   ("forbidden", VMA_A_FLAGS_FORBIDDEN)):
        if key in filters:
            a += u64(t, filters[key])
    return a


def errname(e):
    if e == errno.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errno.errorcode.get(e, str(e)) if e else "0"


def drop_privileges(uid=65534, gid=65534):
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


# ---------------------------------------------------------------- issue 3:
# fault and copy-on-write counters, INFO facts, WATCH and the event stream.

CMD_WATCH = UAPI["VMSCOPE_CMD_WATCH"]
CMD_UNWATCH = UAPI["VMSCOPE_CMD_UNWATCH"]
CMD_EVENT = UAPI["VMSCOPE_CMD_EVENT"]
WATCH_A_PID = UAPI["VMSCOPE_WATCH_A_PID"]
WATCH_A_ALL = UAPI["VMSCOPE_WATCH_A_ALL"]
WATCH_MAX_PIDS = UAPI["VMSCOPE_WATCH_MAX_PIDS"]
WATCH_MAX_LISTENERS = UAPI["VMSCOPE_WATCH_MAX_LISTENERS"]


def _enum_names(prefix):
    """{value: lower-case name without PREFIX} of one UAPI enum."""
    return {v: k[len(prefix):].lower() for k, v in UAPI.items()
            if k.startswith(prefix) and not k.startswith("__")
            and not k[len(prefix):].endswith("MAX")
            and k[len(prefix):] not in ("UNSPEC", "PAD")}


VMA_ATTR_NAMES = _enum_names("VMSCOPE_VMA_A_")
PROC_ATTR_NAMES = _enum_names("VMSCOPE_PROC_A_")
INFO_ATTR_NAMES = _enum_names("VMSCOPE_INFO_A_")
EVENT_ATTR_NAMES = _enum_names("VMSCOPE_EVENT_A_")
# the strings; every other attribute is a u32 or a u64 (by its length)
STRING_ATTRS = {"comm", "name", "version", "vma_name"}
HOOK_NAMES = {v: k for k, v in _enum_names("VMSCOPE_HOOK_").items()}
CTR_BITS = {v: k for k, v in _enum_names("VMSCOPE_CTR_").items()}
FEAT_BITS = {v: k for k, v in _enum_names("VMSCOPE_FEAT_").items()}
EVENT_KINDS = {k[len("VMSCOPE_EVENT_"):].lower(): v for k, v in UAPI.items()
               if k.startswith("VMSCOPE_EVENT_")
               and not k.startswith(("VMSCOPE_EVENT_A_", "VMSCOPE_EVENT_F_"))}
EVENT_KIND_NAMES = {v: k for k, v in EVENT_KINDS.items()}
ACCESS = {v: k for k, v in _enum_names("VMSCOPE_ACCESS_").items()}
EVENT_F_USER = 1 << UAPI["VMSCOPE_EVENT_F_USER"]
# counter attribute names of VMA and PROC replies
VMA_COUNTERS = [n for n in VMA_ATTR_NAMES.values()
                if n.startswith(("faults", "cow_"))]
PROC_COUNTERS = [n for n in PROC_ATTR_NAMES.values()
                 if n.startswith(("faults", "cow_"))]


def decode_named(attrs, names):
    """{name: value} of the attributes in NAMES ({type: name}); unknown
    types are ignored (the UAPI's rule); u32/u64 by payload length."""
    out = {}
    for t, v in attrs.items():
        n = names.get(t)
        if n is None:
            continue
        if n in STRING_ATTRS:
            out[n] = get_str(attrs, t)
        elif len(v) in (1, 2, 4, 8):
            out[n] = int.from_bytes(v, "little")
        elif len(v) == 0:
            out[n] = True       # a flag
        else:
            raise ValueError(f"attribute {n} has length {len(v)}")
    return out


def info(sock):
    """INFO_GET as {name: value}."""
    rep = sock.req(CMD_INFO_GET)
    if rep.error or len(rep.msgs) != 1:
        raise OSError(rep.error or errno.EPROTO,
                      "INFO_GET: " + rep.describe())
    return decode_named(rep.msgs[0][1], INFO_ATTR_NAMES)


def bits(word, names):
    """The names of the bits set in WORD, per {name: bit}."""
    return {n for n, b in names.items() if word >> b & 1}


def proc_get(sock, pid):
    """PROC_GET as {name: value}; OSError with the errno on failure."""
    rep = sock.req(CMD_PROC_GET, u32(PROC_A_PID, pid))
    if rep.error or len(rep.msgs) != 1:
        raise OSError(rep.error or errno.EPROTO,
                      f"PROC_GET {pid}: " + rep.describe())
    return decode_named(rep.msgs[0][1], PROC_ATTR_NAMES)


def vma_dump(sock, pid, **filters):
    """VMA_GET dump as a list of {name: value} (all attributes by name)."""
    rep = sock.req(CMD_VMA_GET, vma_dump_attrs(pid, **filters), dump=True)
    if rep.error:
        raise OSError(rep.error, f"VMA_GET dump {pid}: " + rep.describe())
    return [decode_named(a, VMA_ATTR_NAMES) for _, a in rep.msgs]


def vma_at(sock, pid, addr):
    """The VMA_GET dump entry of PID's VMA that covers ADDR (or None)."""
    for v in vma_dump(sock, pid, range_start=addr, range_end=addr + 1):
        if v["start"] <= addr < v["end"]:
            return v
    return None


def watch_attrs(pids=(), all_=False):
    a = b"".join(u32(WATCH_A_PID, p) for p in pids)
    if all_:
        a += attr(WATCH_A_ALL, b"")
    return a


class Watcher(Vmscope):
    """A socket that WATCHes; events are kept in order as they arrive,
    also while waiting for the reply to a request."""

    def __init__(self, rcvbuf=None, **kw):
        super().__init__(**kw)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.events = []
        self.enobufs = 0

    def recv_batch(self):
        while True:
            try:
                return super().recv_batch()
            except OSError as e:
                # The receive queue overflowed: the kernel counts the loss
                # (DROPPED_SOCKET); keep reading.
                if e.errno != errno.ENOBUFS:
                    raise
                self.enobufs += 1

    def collect(self, seq, on_msg=None):
        def keep(item):
            if on_msg:
                on_msg(item)
        rep = Reply()
        # GenlSocket.collect skips messages of other sequence numbers:
        # events (seq 0) are taken here instead.
        while rep.final is None:
            for t, fl, s, payload in self.recv_batch():
                if t == getattr(self, "id", None) and payload \
                        and payload[0] == CMD_EVENT:
                    self.events.append(decode_named(
                        parse_attrs(payload[GENL_HDR.size:]),
                        EVENT_ATTR_NAMES))
                    continue
                if s != seq:
                    continue
                self._one(rep, t, fl, payload, keep)
        return rep

    @staticmethod
    def _one(rep, t, fl, payload, on_msg):
        if t == NLMSG_ERROR:
            err = -struct.unpack_from("=i", payload)[0]
            rep.error = err
            rep.final = "ack" if err == 0 else "error"
            if fl & NLM_F_ACK_TLVS:
                onl = NLMSG_HDR.unpack_from(payload, 4)[0]
                skip = 4 + (NLMSG_HDR.size if fl & NLM_F_CAPPED
                            else align4(onl))
                rep.ext = parse_attrs(payload[skip:])
        elif t == NLMSG_DONE:
            rep.error = -struct.unpack_from("=i", payload)[0] \
                if len(payload) >= 4 else 0
            rep.final = "done"
        elif t not in (NLMSG_NOOP, NLMSG_OVERRUN):
            item = (payload[0], parse_attrs(payload[GENL_HDR.size:]))
            on_msg(item)
            rep.msgs.append(item)

    def watch(self, pids=(), all_=False):
        return self.req(CMD_WATCH, watch_attrs(pids, all_))

    def unwatch(self):
        return self.req(CMD_UNWATCH)

    def poll(self, timeout, limit=None):
        """Read events until a quiet TIMEOUT seconds, or, under a steady
        stream, until LIMIT seconds have passed; returns how many arrived."""
        import time
        n0 = len(self.events)
        end = None if limit is None else time.monotonic() + limit
        self.sock.settimeout(timeout)
        try:
            while end is None or time.monotonic() < end:
                for t, _, _, payload in self.recv_batch():
                    if t == self.id and payload and payload[0] == CMD_EVENT:
                        self.events.append(decode_named(
                            parse_attrs(payload[GENL_HDR.size:]),
                            EVENT_ATTR_NAMES))
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(60)
        return len(self.events) - n0

    def wait_for(self, pred, timeout=30, quiet=0.5):
        """Read events until PRED(events) is true or TIMEOUT passes."""
        import time
        deadline = time.monotonic() + timeout
        while not pred(self.events):
            if time.monotonic() > deadline:
                return False
            self.poll(quiet, limit=max(quiet, deadline - time.monotonic()))
        return True
