#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of the CLI's JSON and table output, with Python's json module
and the host kernel's /proc/PID/maps, smaps and comm as ground truth.

Usage: test_json.py FMT_TOOL VMSCOPE_FAKE UAPI_HEADER     (TAP on stdout)
"""

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

FMT, FAKE, UAPI = sys.argv[1:4]
n = 0
failed = 0


def ok(cond, name, diag=""):
    global n, failed
    n += 1
    print(f"{'' if cond else 'not '}ok {n} - {name}")
    if not cond:
        failed += 1
        for line in str(diag).splitlines()[:20]:
            print(f"# {line}")
    sys.stdout.flush()


def escape(data):
    return subprocess.run([FMT, "json-escape"], input=data,
                          capture_output=True, check=True).stdout


def decode(out):
    """CLI JSON bytes -> Python value; invalid UTF-8 kept as surrogates."""
    return json.loads(out.decode("utf-8", "surrogateescape"))


def to_bytes(s):
    return s.encode("utf-8", "surrogateescape")


# ------------------------------------------------------------ escaping
def test_escaping():
    rnd = random.Random(1)
    cases = [b"", b'"', b"\\", b"\\\"", b"\x00", b"\x1f\x7f", b"/a b/c",
             "h\u00e9llo \u2603 \U0001f600".encode(), b"\xff\xfe\x80",
             b"\xed\xa0\x80", b"a\nb\tc\r", b"[anon:x\"y]",
             b"/tmp/x (deleted)", b"\\012"]
    cases += [bytes([b]) for b in range(256)]
    # Long ones, escaped in chunks: control characters across the seams.
    cases += [b"\x01" * 700, bytes(range(256)) * 5, b"a" * 255 + b'"',
              b"a" * 256 + b"\x00\\", b"/" * 5000]
    cases += [bytes(rnd.randrange(256) for _ in range(rnd.randrange(64)))
              for _ in range(300)]
    bad = []
    for c in cases:
        out = escape(c)
        try:
            got = to_bytes(decode(out))   # json.loads is strict: no raw
        except ValueError as e:           # control characters allowed
            bad.append(f"{c!r}: {out!r}: {e}")
            continue
        if got != c:
            bad.append(f"{c!r} -> {out!r} -> {got!r}")
    ok(not bad, f"JSON strings of {len(cases)} byte strings decode "
       "(Python json) back to the same bytes", "\n".join(bad[:10]))

    out = escape(bytes(range(0x20)))
    ok(re.fullmatch(rb'"(\\u00[0-1][0-9a-f]){32}"', out) is not None,
       "control characters are escaped as \\u00XX", out)
    out = escape(b"\x80\xff\xc3\xa9")
    ok(out == b'"\x80\xff\xc3\xa9"', "bytes >= 0x80 pass through unchanged",
       out)


def test_sizes():
    bad = []
    values = [0, 1, 1023, 1024, 1536, 1048575, 1048576, 10 ** 9, 2 ** 40,
              2 ** 50 + 2 ** 49, 2 ** 60, 2 ** 64 - 1]
    values += [random.Random(2).randrange(2 ** 48) for _ in range(50)]
    for v in values:
        got = subprocess.run([FMT, "size", str(v)], capture_output=True,
                             text=True, check=True).stdout.strip()
        if v < 1024:
            want = f"{v} B"
        else:
            k = 1
            while v >= 1024 ** (k + 1) and k < 6:
                k += 1
            want = f"{v / 1024 ** k:.1f} {['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'][k - 1]}"
        if got != want:
            bad.append(f"{v}: {got!r}, want {want!r}")
    ok(not bad, f"size formatting of {len(values)} values", "\n".join(bad))


# ------------------------------------------------------------ /proc
MAPS_RE = re.compile(rb"([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][sp]) "
                     rb"([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) ([0-9]+) *(.*)")


def read_maps(pid):
    with open(f"/proc/{pid}/maps", "rb") as f:
        lines = f.read().split(b"\n")
    out = []
    for line in lines:
        if not line:
            continue
        m = MAPS_RE.fullmatch(line)
        if not m:
            raise ValueError(f"unparsable maps line {line!r}")
        out.append({"start": int(m[1], 16), "end": int(m[2], 16),
                    "perms": m[3].decode(), "offset": int(m[4], 16),
                    "dev": m[5].decode(), "inode": int(m[6]),
                    "name": m[7]})
    return out


def read_smaps_flags(pid):
    """(start, VmFlags mnemonics, KernelPageSize bytes) per VMA."""
    out = []
    with open(f"/proc/{pid}/smaps", "rb") as f:
        for line in f.read().split(b"\n"):
            m = MAPS_RE.fullmatch(line)
            if m:
                out.append([int(m[1], 16), [], None])
            elif line.startswith(b"VmFlags:"):
                out[-1][1] = line.split()[1:]
            elif line.startswith(b"KernelPageSize:"):
                out[-1][2] = int(line.split()[1]) * 1024
    return out


def uapi_mnemonics():
    """Bit -> smaps mnemonic, from the UAPI header's kernel-doc."""
    text = open(UAPI).read()
    enum = re.search(r"enum vmscope_vma_flags \{(.*?)\}", text, re.S)[1]
    names = re.findall(r"VMSCOPE_VMA_F_(\w+),", enum)
    doc = dict(re.findall(r'@VMSCOPE_VMA_F_(\w+):[^@]*?\("([a-z]{2})"\)',
                          text))
    return [doc[x] for x in names]


def run(*args):
    return subprocess.run([FAKE] + [str(a) for a in args],
                          capture_output=True)


def stable(pid, fn):
    """fn() while /proc/PID/maps stays the same, retried a few times."""
    for _ in range(5):
        before = read_maps(pid)
        res = fn()
        if read_maps(pid) == before:
            return res, before
    raise RuntimeError(f"/proc/{pid}/maps never stable")


WEIRD = [b"plain", b"with space", b'quote"and\\backslash', b"ctl\x01\x1f",
         "utf8-\u00e9\u2603".encode(), b"bad-utf8-\xff\xfe", b"tab\there",
         b"new\nline"]


def spawn_mapper(tmp):
    """A process that maps files with awkward names, then sleeps."""
    paths = []
    for i, w in enumerate(WEIRD):
        p = os.path.join(os.fsencode(tmp), b"%d-" % i + w)
        with open(p, "wb") as f:
            f.write(b"x" * 8192)
        paths.append(p)
    code = ("import mmap,sys,time\n"
            "ms=[]\n"
            "for p in sys.argv[1:]:\n"
            "    f=open(p,'rb'); ms.append(mmap.mmap(f.fileno(),0,"
            "prot=mmap.PROT_READ)); f.close()\n"
            "print('ready',flush=True)\n"
            "time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", code] + paths,
                            stdout=subprocess.PIPE)
    proc.stdout.readline()
    return proc, paths


def test_maps(pid, what):
    res, want = stable(pid, lambda: run("maps", pid, "--json"))
    ok(res.returncode == 0 and not res.stderr, f"{what}: maps --json runs",
       res.stderr)
    try:
        got = decode(res.stdout)
    except ValueError as e:
        ok(False, f"{what}: maps --json is JSON", f"{e}: {res.stdout[:300]!r}")
        return
    ok(isinstance(got, list) and all(isinstance(e, dict) for e in got),
       f"{what}: maps --json is an array of objects")

    keys = {"start", "end", "size", "offset", "perms", "dev", "inode",
            "name", "flags", "page_size"}
    bad = [e for e in got if set(e) != keys or
           any(not isinstance(e[k], int) or isinstance(e[k], bool)
               for k in ("start", "end", "size", "offset", "inode",
                         "page_size")) or
           not all(isinstance(e[k], str) for k in ("perms", "dev", "name"))
           or e["size"] != e["end"] - e["start"]]
    ok(not bad, f"{what}: every object has the contract keys and types",
       bad[:3])

    fields = ("start", "end", "perms", "offset", "dev", "inode")
    diff = []
    if len(got) != len(want):
        diff.append(f"{len(got)} VMAs, /proc has {len(want)}")
    for g, w in zip(got, want):
        gv = {k: g[k] for k in fields}
        wv = {k: w[k] for k in fields}
        if gv != wv or to_bytes(g["name"]) != w["name"]:
            diff.append(f"got  {gv} {to_bytes(g['name'])!r}\n"
                        f"want {wv} {w['name']!r}")
    ok(not diff, f"{what}: {len(want)} VMAs equal /proc/{pid}/maps field "
       "by field, names byte for byte", "\n".join(diff[:6]))

    mn = uapi_mnemonics()
    sm = {s: (f, ps) for s, f, ps in read_smaps_flags(pid)}
    diff = []
    for g in got:
        flags, ps = sm.get(g["start"], (None, None))
        if flags is None:
            continue
        want_mn = sorted(m.decode() for m in flags if m.decode() in mn)
        got_n = len(g["flags"])
        perms = "".join(c if f in g["flags"] else "-" for c, f in
                        (("r", "read"), ("w", "write"), ("x", "exec")))
        perms += "s" if "mayshare" in g["flags"] else "p"
        if got_n != len(want_mn) or perms != g["perms"] or \
                g["page_size"] != ps:
            diff.append(f"{g['start']:x}: {g['flags']} vs {want_mn}, "
                        f"page_size {g['page_size']} vs {ps}")
    ok(not diff, f"{what}: flags agree with smaps VmFlags and perms, "
       "page_size with KernelPageSize", "\n".join(diff[:6]))

    res, want = stable(pid, lambda: run("maps", pid))
    rows = res.stdout.split(b"\n")
    try:
        i = next(i for i, r in enumerate(rows) if r.startswith(b"Address"))
    except StopIteration:
        ok(False, f"{what}: table has a header", res.stdout[:300])
        return
    diff = []
    body = rows[i + 1:i + 1 + len(want)]
    for r, w in zip(body, want):
        f = r.split(None, 6)
        name = f[6] if len(f) > 6 else b""
        if (int(f[0], 16), int(f[1]), f[2].decode(), int(f[3], 16),
                f[4].decode(), int(f[5]), name) != \
                (w["start"], (w["end"] - w["start"]) // 1024, w["perms"],
                 w["offset"], w["dev"], int(w["inode"]), w["name"]):
            diff.append(f"{r!r}")
    total = sum((w["end"] - w["start"]) // 1024 for w in want)
    tail = rows[i + 1 + len(want):]
    ok(res.returncode == 0 and len(body) == len(want) and not diff and
       tail[:2] == [b"---------------- --------", b"total kB         %8d"
                    % total],
       f"{what}: table rows equal /proc/{pid}/maps, total kB {total}",
       "\n".join(diff[:6]) + f"\n{tail[:2]!r}")


def test_stats(pid, what):
    res = run("stats", pid, "--json")
    keys = ["pid", "comm", "threads", "min_flt", "maj_flt", "start_code",
            "end_code", "start_data", "end_data", "start_brk", "brk",
            "start_stack", "arg_start", "arg_end", "env_start", "env_end",
            "map_count", "total_vm", "rss_file", "rss_anon", "rss_shmem",
            "swap", "page_size"]
    try:
        got = decode(res.stdout)
    except ValueError as e:
        ok(False, f"{what}: stats --json is JSON", e)
        return
    comm = open(f"/proc/{pid}/comm", "rb").read().rstrip(b"\n")
    ok(list(got) == keys and got["pid"] == pid and
       to_bytes(got["comm"]) == comm and
       all(isinstance(got[k], int) for k in keys if k != "comm"),
       f"{what}: stats --json has the contract keys in order, pid and comm",
       res.stdout[:400])
    res = run("stats", pid)
    text = res.stdout.decode("utf-8", "replace")
    lines = text.splitlines()
    ok(res.returncode == 0 and [ln.split()[0] for ln in lines] == keys and
       re.search(r"^total_vm +\d+ pages, \d+ kB", text, re.M) and
       re.search(r"^page_size +\d+ bytes$", text, re.M),
       f"{what}: stats lists every field with its unit", text)


def main():
    test_escaping()
    test_sizes()
    sleeper = subprocess.Popen(["sleep", "120"])
    with tempfile.TemporaryDirectory() as tmp:
        mapper, paths = spawn_mapper(tmp)
        try:
            time.sleep(0.1)
            test_maps(sleeper.pid, "sleep")
            test_maps(mapper.pid, "files with awkward names")
            names = [w["name"] for w in read_maps(mapper.pid)]
            ok(all(any(n.startswith(p) for n in names) or
                   p.endswith(b"new\nline") for p in paths) and
               any(n.endswith(b"new\\012line") for n in names),
               "the awkward names are really in maps (\\n as \\012)",
               names)
            test_stats(sleeper.pid, "sleep")
        finally:
            mapper.kill()
            sleeper.kill()
            mapper.wait()
            sleeper.wait()
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
