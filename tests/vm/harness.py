# SPDX-License-Identifier: GPL-2.0
"""TAP runner and shared helpers for the vmscope VM tests.

Ground truth is always the running kernel's own /proc; nothing the kernel
decides is hard-coded here.  Every test runs in a forked child in its own
process group, so a crash, a hang or a stray helper process in one test
cannot affect the next one: on timeout the whole group is killed.
"""

import json
import mmap
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import nl

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "userspace" / "vmscope"
PROGS = REPO / "tests" / "progs"

NOBODY = 65534
SETPRIV = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
           "--clear-groups", "--inh-caps=-all"]

# (CLI name, smaps VmFlags mnemonic) per VMSCOPE_VMA_F_* bit, in bit order:
# the bits and mnemonics come from the UAPI header's enum and kernel-doc,
# the names are the CLI's documented JSON spelling.
FLAG_TABLE = [(nl.CLI_FLAG_NAMES.get(k, k.lower()),
               nl.UAPI_FLAG_MNEMONICS.get(k, "?" + k))
              for k in nl.VMA_F_SUFFIXES]
NAME_TO_MNEMONIC = dict(FLAG_TABLE)
MNEMONIC_TO_NAME = {m: n for n, m in FLAG_TABLE}
FLAG_BIT = {n: i for i, (n, _) in enumerate(FLAG_TABLE)}

# Everything at or above this is the x86-64 vsyscall gate area, which
# /proc/PID/maps prints but which is not in the mm's VMA tree.
GATE_MIN = 0xffff800000000000

MAPS_FIELDS = ("start", "end", "perms", "offset", "dev", "inode", "name")

_diag = []

# dmesg lines at the start of the suite (set by suite.py)
KLOG_BASELINE = None


class Fail(Exception):
    """A test assertion failed."""


class Skip(Exception):
    """The test cannot run here; the reason says why."""


def diag(msg):
    """Attach a diagnostic line to the current test's TAP output."""
    for line in str(msg).splitlines() or [""]:
        _diag.append(line)


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def check_eq(got, want, what):
    if got != want:
        raise Fail(f"{what}: got {got!r}, want {want!r}")


# ---------------------------------------------------------------- registry

TESTS = []


def test(name, timeout=60):
    """Register a test function under a TAP name, with a timeout in seconds."""
    def reg(fn):
        TESTS.append((name, fn, timeout))
        return fn
    return reg


def _run_child(fn, wfd):
    os.setpgid(0, 0)
    # Anything a test prints by mistake must not break the TAP stream.
    os.dup2(2, 1)
    result = {"status": "pass"}
    try:
        fn()
    except Skip as e:
        result = {"status": "skip", "reason": str(e)}
    except Fail as e:
        result = {"status": "fail"}
        diag(str(e))
    except BaseException:
        result = {"status": "fail"}
        diag(traceback.format_exc().rstrip())
    result["diag"] = _diag
    data = json.dumps(result).encode()
    view = memoryview(data)
    while view:
        n = os.write(wfd, view)
        view = view[n:]
    os.close(wfd)
    os._exit(0)


def run_one(fn, timeout):
    """Run one test in a forked child; return (status, reason, diag lines)."""
    rfd, wfd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        _run_child(fn, wfd)
    os.close(wfd)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    deadline = time.monotonic() + timeout
    chunks = []
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        r, _, _ = select.select([rfd], [], [], left)
        if not r:
            continue
        chunk = os.read(rfd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(rfd)
    if timed_out:
        _killpg(pid)
    _, status = os.waitpid(pid, 0)
    # Reap anything the test left behind in its process group.
    _killpg(pid)
    if timed_out:
        return "fail", None, [f"timed out after {timeout} s"]
    try:
        res = json.loads(b"".join(chunks).decode())
    except ValueError:
        return "fail", None, [f"test process died (wait status {status:#x})"]
    return res["status"], res.get("reason"), res.get("diag", [])


def _killpg(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def main(only=None):
    tests = [t for t in TESTS if not only or any(o in t[0] for o in only)]
    print("TAP version 13")
    print(f"1..{len(tests)}", flush=True)
    counts = {"pass": 0, "fail": 0, "skip": 0}
    t0 = time.monotonic()
    for n, (name, fn, timeout) in enumerate(tests, 1):
        t = time.monotonic()
        status, reason, lines = run_one(fn, timeout)
        took = time.monotonic() - t
        counts[status] += 1
        if status == "pass":
            print(f"ok {n} - {name}")
        elif status == "skip":
            print(f"ok {n} - {name} # SKIP {reason}")
        else:
            print(f"not ok {n} - {name}")
        for line in lines:
            print(f"# {line}")
        print(f"# {name}: {took:.1f} s")
        sys.stdout.flush()
    print(f"# total {time.monotonic() - t0:.1f} s")
    print(f"{counts['pass']} passed, {counts['fail']} failed, "
          f"{counts['skip']} skipped")
    sys.stdout.flush()
    return 0 if counts["fail"] == 0 else 1


# ---------------------------------------------------------------- scratch

_scratch = None


def _mmap_shared_works(d):
    path = os.path.join(d, ".probe")
    try:
        with open(path, "w+b") as f:
            f.write(b"\0" * mmap.PAGESIZE)
            f.flush()
            m = mmap.mmap(f.fileno(), mmap.PAGESIZE, mmap.MAP_SHARED)
            m.close()
        return True
    except OSError:
        return False
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def scratch_dir():
    """A new private directory on a filesystem that allows MAP_SHARED."""
    global _scratch
    if _scratch is None:
        for base in (None, "/dev/shm"):
            d = tempfile.mkdtemp(prefix="vmscope-", dir=base)
            if _mmap_shared_works(d):
                _scratch = base
                return d
            shutil.rmtree(d, ignore_errors=True)
        raise Fail("no scratch filesystem allows mmap(MAP_SHARED)")
    return tempfile.mkdtemp(prefix="vmscope-", dir=_scratch)


# ---------------------------------------------------------------- the CLI

def run(argv, timeout=60, **kw):
    return subprocess.run([str(a) for a in argv], capture_output=True,
                          text=True, timeout=timeout, **kw)


def cli(*args, timeout=120, unpriv=False, wrap=()):
    """Run the CLI; returns CompletedProcess (text stdout/stderr)."""
    if not CLI.exists():
        raise Fail(f"CLI not built: {CLI.relative_to(REPO)} is missing")
    argv = list(wrap) + [str(CLI)] + [str(a) for a in args]
    if unpriv:
        argv = SETPRIV + argv
    return run(argv, timeout=timeout)


def describe(res):
    out = res.stdout if len(res.stdout) < 400 else res.stdout[:400] + "..."
    return (f"exit {res.returncode}; stderr: {res.stderr.strip()!r}; "
            f"stdout: {out.strip()!r}")


def cli_json(*args, **kw):
    res = cli(*args, "--json", **kw)
    if res.returncode != 0:
        raise Fail(f"vmscope {' '.join(map(str, args))} --json: "
                   + describe(res))
    try:
        return json.loads(res.stdout)
    except ValueError as e:
        raise Fail(f"vmscope {' '.join(map(str, args))} --json: bad JSON "
                   f"({e}): {res.stdout[:300]!r}")


def expect_error(res, code, what):
    """The CLI failed with exit CODE and one 'vmscope: ' line on stderr."""
    if res.returncode != code:
        raise Fail(f"{what}: want exit {code}; {describe(res)}")
    lines = res.stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith("vmscope: ") \
            or len(lines[0]) <= len("vmscope: "):
        raise Fail(f"{what}: want one 'vmscope: ' error line on stderr, "
                   f"got {res.stderr!r}")
    if res.stdout.strip():
        raise Fail(f"{what}: unexpected stdout {res.stdout[:200]!r}")
    return lines[0]


# ---------------------------------------------------------------- /proc

_PREFIX_RE = re.compile(
    r"([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][sp]) ([0-9a-f]+) "
    r"([0-9a-f]+):([0-9a-f]+) ([0-9]+) ")
# show_vma_header_prefix(): seq_setwidth(m, 25 + sizeof(void *) * 6 - 1)
_NAME_COLUMN = 25 + 8 * 6 - 1


def parse_maps_line(line):
    """Parse one /proc/PID/maps line exactly as show_map_vma() prints it."""
    m = _PREFIX_RE.match(line)
    if not m:
        raise Fail(f"unparsable maps line {line!r}")
    start, end = int(m[1], 16), int(m[2], 16)
    off, major, minor = int(m[4], 16), int(m[5], 16), int(m[6], 16)
    ino = int(m[7])
    prefix = (f"{start:08x}-{end:08x} {m[3]} {off:08x} "
              f"{major:02x}:{minor:02x} {ino} ")
    if line[:len(prefix)] != prefix:
        raise Fail(f"maps line not in the kernel's format: {line!r}")
    rest = line[len(prefix):]
    if rest:
        pad = max(0, _NAME_COLUMN - len(prefix)) + 1
        if rest[:pad] != " " * pad or len(rest) == pad:
            raise Fail(f"maps line name padding unexpected: {line!r}")
        rest = rest[pad:]
    return {"start": start, "end": end, "perms": m[3], "offset": off,
            "dev": f"{major:02x}:{minor:02x}", "inode": ino, "name": rest}


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")


def split_gate(entries):
    """Drop the vsyscall gate line (x86-64) from a /proc maps list."""
    gate = [e for e in entries if e["start"] >= GATE_MIN]
    if gate:
        if len(gate) != 1 or gate[0]["name"] != "[vsyscall]" \
                or entries[-1] is not gate[0]:
            raise Fail(f"unexpected lines above the user address space: "
                       f"{gate}")
    return [e for e in entries if e["start"] < GATE_MIN]


def parse_maps(text):
    if text and not text.endswith("\n"):
        raise Fail("maps text does not end in a newline")
    return split_gate([parse_maps_line(l) for l in text.splitlines()])


def proc_maps(pid):
    return parse_maps(read_text(f"/proc/{pid}/maps"))


def proc_smaps(pid):
    """smaps entries: the maps fields plus 'fields' (dict) and 'vmflags'."""
    out = []
    for line in read_text(f"/proc/{pid}/smaps").splitlines():
        if _PREFIX_RE.match(line):
            e = parse_maps_line(line)
            e["fields"] = {}
            e["vmflags"] = None
            out.append(e)
        elif line.startswith("VmFlags:"):
            out[-1]["vmflags"] = line.split(":", 1)[1].split()
        else:
            k, v = line.split(":", 1)
            out[-1]["fields"][k] = v.strip()
    return split_gate(out)


def proc_stat(pid):
    """/proc/PID/stat as a dict {field number (1-based): string}."""
    text = read_text(f"/proc/{pid}/stat")
    head, tail = text.rsplit(")", 1)
    pid_s, comm = head.split(" (", 1)
    fields = {1: pid_s, 2: comm}
    for i, v in enumerate(tail.split(), 3):
        fields[i] = v
    return fields


def proc_status(pid):
    out = {}
    for line in read_text(f"/proc/{pid}/status").splitlines():
        k, v = line.split(":", 1)
        out[k] = v.strip()
    return out


def proc_state(pid):
    try:
        return proc_stat(pid)[3]
    except FileNotFoundError:
        return None


def is_kthread(pid):
    PF_KTHREAD = 0x00200000
    return int(proc_stat(pid)[9]) & PF_KTHREAD != 0


def page_align(x, page=mmap.PAGESIZE):
    return (x + page - 1) & ~(page - 1)


# ---------------------------------------------------------------- compare

def cli_entry(e):
    """Check one CLI JSON VMA object's shape; return its maps fields."""
    want = {"start", "end", "offset", "inode", "perms", "dev", "name",
            "flags", "page_size", "size"}
    if not isinstance(e, dict) or not want <= set(e):
        raise Fail(f"VMA object lacks keys {sorted(want - set(e or {}))}: {e}")
    for k in ("start", "end", "offset", "inode", "page_size", "size"):
        if not isinstance(e[k], int) or isinstance(e[k], bool):
            raise Fail(f"VMA key {k} is not an integer: {e}")
    if e["size"] != e["end"] - e["start"]:
        raise Fail(f"size != end - start: {e}")
    if not isinstance(e["flags"], list):
        raise Fail(f"flags is not a list: {e}")
    return {k: e[k] for k in MAPS_FIELDS}


def fmt_entry(e):
    return (f"{e['start']:x}-{e['end']:x} {e['perms']} {e['offset']:x} "
            f"{e['dev']} {e['inode']} {e['name']!r}")


def compare_lists(got, want, what, limit=6):
    """Compare VMA lists field by field; raise Fail with the differences."""
    got = [cli_entry(e) if "flags" in e else e for e in got]
    want = [{k: e[k] for k in MAPS_FIELDS} for e in want]
    if got == want:
        return
    lines = [f"{what}: {len(got)} VMAs from vmscope, {len(want)} in /proc"]
    gi = {(e["start"], e["end"]): e for e in got}
    wi = {(e["start"], e["end"]): e for e in want}
    for k in sorted(set(gi) | set(wi)):
        g, w = gi.get(k), wi.get(k)
        if g == w:
            continue
        if g is None:
            lines.append(f"  missing: {fmt_entry(w)}")
        elif w is None:
            lines.append(f"  extra:   {fmt_entry(g)}")
        else:
            diffs = [f"{f}: {g[f]!r} != {w[f]!r}" for f in MAPS_FIELDS
                     if g[f] != w[f]]
            lines.append(f"  {k[0]:x}-{k[1]:x}: " + ", ".join(diffs))
        if len(lines) > limit:
            lines.append("  ...")
            break
    if len(lines) == 1:
        lines.append("  same set of VMAs, different order")
    raise Fail("\n".join(lines))


def check_ordered(entries, what):
    prev_end = 0
    for e in entries:
        if not e["start"] < e["end"]:
            raise Fail(f"{what}: empty or inverted VMA {fmt_entry(e)}")
        if e["start"] < prev_end:
            raise Fail(f"{what}: VMA {fmt_entry(e)} starts below the "
                       f"previous end {prev_end:x}")
        prev_end = e["end"]


def format_line(e):
    """The /proc/PID/maps line show_map_vma() would print for entry E."""
    prefix = (f"{e['start']:08x}-{e['end']:08x} {e['perms']} "
              f"{e['offset']:08x} {e['dev']} {e['inode']} ")
    if not e["name"]:
        return prefix
    return prefix + " " * max(0, _NAME_COLUMN - len(prefix)) + " " + e["name"]


def maps_lines(text):
    """/proc/PID/maps text as lines, the vsyscall gate line dropped (the
    lines are sorted, so only the last one can be above GATE_MIN)."""
    if text and not text.endswith("\n"):
        raise Fail("maps text does not end in a newline")
    lines = text.splitlines()
    if lines and parse_maps_line(lines[-1])["start"] >= GATE_MIN:
        split_gate([parse_maps_line(lines[-1])])
        lines.pop()
    return lines


def cli_lines(entries, what):
    """CLI (or raw) VMA objects as maps lines, checking their shape."""
    if not isinstance(entries, list):
        raise Fail(f"{what}: want a JSON array, got {type(entries).__name__}")
    try:
        lines = [format_line(e) for e in entries]
        bad = [e for e in entries if e["size"] != e["end"] - e["start"]
               or type(e["page_size"]) is not int
               or type(e["flags"]) is not list]
    except (KeyError, TypeError, ValueError):
        bad = entries
    if bad:
        for e in bad:
            cli_entry(e)
        raise Fail(f"{what}: malformed VMA object {bad[0]}")
    return lines


def compare_text(got, want_text, what):
    """GOT (VMA objects) equals the maps text WANT_TEXT, line by line."""
    want = maps_lines(want_text)
    if cli_lines(got, what) == want:
        return
    compare_lists(got, parse_maps(want_text), what)
    raise Fail(f"{what}: lines differ but fields compare equal (format?)")


def stable_compare(pid, run_fn, what, tries=6, parse=True):
    """Judge run_fn() (a VMA list) against /proc/PID/maps read immediately
    before and after it; only judge when both reads are identical.
    Returns (VMA list, parsed /proc entries or the text if not PARSE)."""
    for _ in range(tries):
        before = read_text(f"/proc/{pid}/maps")
        got = run_fn()
        after = read_text(f"/proc/{pid}/maps")
        if before == after:
            compare_text(got, before, what)
            return got, parse_maps(before) if parse else before
        time.sleep(0.2)
    raise Fail(f"{what}: /proc/{pid}/maps never stayed the same across a "
               f"run ({tries} tries)")


def maps_equal_cli(target, pid=None, extra=(), parse=True):
    """vmscope maps TARGET --json equals /proc/PID/maps."""
    pid = target if pid is None else pid
    return stable_compare(pid, lambda: cli_json("maps", target, *extra),
                          f"maps {target}", parse=parse)


# ---------------------------------------------------------------- dmesg

BAD_KERNEL_LOG = re.compile(
    r"BUG:|WARNING:|Oops|KASAN|lockdep|RCU stall|rcu_.*stall|"
    r"general protection|UBSAN|kernel BUG|list_add corruption|"
    r"list_del corruption|refcount_t:|INFO: task .* blocked")


def kernel_log():
    res = run(["dmesg"], timeout=30)
    if res.returncode != 0:
        raise Fail(f"dmesg: {describe(res)}")
    return res.stdout.splitlines()


# ---------------------------------------------------------------- workloads

def prog(name):
    p = PROGS / name
    if not p.exists():
        raise Fail(f"helper not built: {p.relative_to(REPO)} "
                   f"(make -C tests/progs)")
    return p


def _parse_kv(words):
    out = {}
    for w in words:
        k, _, v = w.partition("=")
        try:
            out[k] = int(v, 0)
        except ValueError:
            out[k] = v
    return out


class Mapper:
    """tests/progs/mapper, driven line by line."""

    def __init__(self, argv_prefix=(), owner=None):
        self.dir = scratch_dir()
        if owner is not None:
            os.chown(self.dir, owner, owner)
        self.proc = subprocess.Popen(
            list(argv_prefix) + [str(prog("mapper")), self.dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            bufsize=1)
        line = self._readline(30)
        if not line.startswith("ready"):
            self.close()
            raise Fail(f"mapper did not start: {line!r}")
        self.pid = self.proc.pid
        self.info = self.cmd("info")
        self.page = self.info["page"]

    def _readline(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            raise Fail("mapper did not answer in time")
        return self.proc.stdout.readline().strip()

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def cmd(self, line, timeout=120):
        self.send(line)
        ans = self._readline(timeout)
        words = ans.split()
        if not words or words[0] != "ok":
            raise Fail(f"mapper {line!r}: {ans!r}")
        return _parse_kv(words[1:])

    def path(self, name):
        return os.path.join(self.dir, name)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def find_vma(entries, addr):
    for e in entries:
        if e["start"] <= addr < e["end"]:
            return e
    return None


def spawn_sleep(prefix=()):
    p = subprocess.Popen(list(prefix) + ["sleep", "1000"])
    # Wait until it really is sleep (not the setpriv/unshare still running).
    for _ in range(200):
        try:
            if read_text(f"/proc/{p.pid}/comm").strip() == "sleep":
                return p
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    p.kill()
    raise Fail("sleep did not start")


def stop(p):
    if p.poll() is None:
        p.kill()
    p.wait()


def mapsnap(argv, timeout=120):
    """Run ARGV under tests/progs/mapsnap.  Returns (CompletedProcess, pid,
    records), records being (syscall nr, "entry"/"exit", "net"/"other",
    maps text) for every system call stop after the last execve."""
    d = scratch_dir()
    try:
        out = os.path.join(d, "snap")
        res = run([prog("mapsnap"), out] + list(argv), timeout=timeout)
        pid = None
        records = []    # [nr, when, kind, lines, or None for "same"]
        for line in read_text(out).splitlines(keepends=True):
            if line.startswith("@@ "):
                w = line.split()
                if w[1] == "pid":
                    pid = int(w[2])
                elif w[1] == "exec":
                    records = []
                elif w[1] == "snap":
                    records.append([int(w[2]), w[3], w[4],
                                    None if w[-1] == "same" else []])
                continue
            if not records or records[-1][3] is None:
                raise Fail(f"mapsnap output: stray line {line!r}")
            records[-1][3].append(line)
        out_records = []
        text = None
        for nr, when, kind, lines in records:
            if lines is not None:
                text = "".join(lines)
            out_records.append((nr, when, kind, text))
        return res, pid, out_records
    finally:
        shutil.rmtree(d, ignore_errors=True)


def cli_self_maps(unpriv=False):
    """Check 'vmscope maps self --json' against the CLI's own maps.

    The CLI runs under mapsnap, which reads its /proc/PID/maps at every
    system call.  The kernel builds a dump's rounds inside the CLI's own
    system calls: the first inside the send of the request, the others
    inside receives.  So, per the UAPI's consistency rule, over the window
    from the last send (the dump request) to the last receive: the output
    is ordered and non-overlapping, every VMA in it is a VMA of one of the
    window's snapshots, and every VMA present unchanged in all of them is in
    it.  With one snapshot (nothing changed), that is plain equality.
    Returns (CLI entries, number of distinct snapshots in the window)."""
    argv = (SETPRIV if unpriv else []) + [str(CLI), "maps", "self", "--json"]
    if not CLI.exists():
        raise Fail(f"CLI not built: {CLI.relative_to(REPO)} is missing")
    res, pid, recs = mapsnap(argv)
    if res.returncode != 0:
        raise Fail(f"maps self --json: {describe(res)}")
    sends = [i for i, r in enumerate(recs)
             if r[2] == "send" and r[1] == "entry"]
    recvs = [i for i, r in enumerate(recs) if r[2] == "recv"]
    if not sends or not recvs or recvs[-1] < sends[-1]:
        raise Fail("mapsnap saw no netlink request and reply")
    texts = list(dict.fromkeys(r[3] for r in recs[sends[-1]:recvs[-1] + 1]))
    try:
        got = json.loads(res.stdout)
    except ValueError:
        raise Fail(f"maps self: bad JSON {res.stdout[:300]!r}")
    if len(texts) == 1:
        compare_text(got, texts[0], f"maps self (pid {pid})")
        return got, 1
    check_ordered(got, "maps self")
    lines = cli_lines(got, "maps self")
    snaps = [set(maps_lines(t)) for t in texts]
    union = set().union(*snaps)
    stable = set.intersection(*snaps)
    extra = [l for l in lines if l not in union]
    missing = sorted(stable - set(lines))
    if extra or missing:
        raise Fail(f"maps self (pid {pid}), {len(texts)} snapshots during the "
                   f"dump:\n  in no snapshot: {extra[:5]}\n  unchanged in "
                   f"all but not reported: {missing[:5]}")
    return got, len(texts)


class Cases:
    """Run every sub-case even when some fail; fail at the end with all.

        with Cases() as c:
            c.run("what", fn, args...)
    """

    def __init__(self):
        self.fails = []
        self.n = 0

    def run(self, what, fn, *args, **kw):
        self.n += 1
        try:
            return fn(*args, **kw)
        except Fail as e:
            self.fails.append(f"{what}: {e}")
        return None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and self.fails:
            raise Fail(f"{len(self.fails)} of {self.n} cases failed:\n"
                       + "\n".join(self.fails))
        return False


def parallel(fn, items, workers=3):
    """FN(item) for every item, a few at a time (each CLI run is mostly
    process start-up under emulation).  Returns the results in order;
    fails with every failure if any."""
    from concurrent.futures import ThreadPoolExecutor
    results, fails = [], []
    with ThreadPoolExecutor(max_workers=workers) as ex:
        for item, fut in zip(items, [ex.submit(fn, i) for i in items]):
            try:
                results.append(fut.result())
            except Fail as e:
                fails.append(str(e))
                results.append(None)
    if fails:
        raise Fail(f"{len(fails)} of {len(items)} failed:\n"
                   + "\n".join(fails[:10]))
    return results


class Cow:
    """tests/progs/cow (the fault and copy-on-write workload), driven line
    by line; cmd("child ...") reaches its forked child."""

    def __init__(self, argv_prefix=()):
        self.proc = subprocess.Popen(
            list(argv_prefix) + [str(prog("cow"))], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1)
        line = self._readline(30)
        if not line.startswith("ready"):
            self.close()
            raise Fail(f"cow did not start: {line!r}")
        r = _parse_kv(line.split()[1:])
        self.pid = self.proc.pid
        self.page = r["page"]
        self.cpu = r["cpu"]
        self.child = None

    def _readline(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            raise Fail("cow did not answer in time")
        return self.proc.stdout.readline().strip()

    def cmd(self, line, timeout=300):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        ans = self._readline(timeout)
        words = ans.split()
        if not words or words[0] != "ok":
            raise Fail(f"cow {line!r}: {ans!r}")
        return _parse_kv(words[1:])

    def map(self, pages, kind="private"):
        return self.cmd(f"map {pages} {kind}")

    def fork(self):
        self.child = self.cmd("fork")["pid"]
        return self.child

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


PM_PFN_MASK = (1 << 55) - 1
PM_EXCLUSIVE = 1 << 56
PM_FILE_OR_SHARED = 1 << 61
PM_PRESENT = 1 << 63


def pagemap(pid, addr, pages, page=mmap.PAGESIZE):
    """The /proc/PID/pagemap entries of PAGES pages from ADDR (root sees
    the PFNs): the kernel's own view of which page backs which address."""
    with open(f"/proc/{pid}/pagemap", "rb") as f:
        f.seek(addr // page * 8)
        data = f.read(pages * 8)
    if len(data) != pages * 8:
        raise Fail(f"short pagemap read for {pid}")
    return [int.from_bytes(data[i:i + 8], "little")
            for i in range(0, len(data), 8)]


def pfns(entries):
    """PFNs of present pages (None for the others)."""
    return [e & PM_PFN_MASK if e & PM_PRESENT else None for e in entries]
