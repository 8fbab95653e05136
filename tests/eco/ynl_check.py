#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Drive the kernel's own YNL CLI (tools/net/ynl/cli.py from linux-source-6.12)
with nothing but module/vmscope.yaml, and compare what it decodes with /proc.
Runs in the VM as root, with the module loaded; tests/eco/host.sh stages
cli.py and the schema from linux-source-6.12 (tests/setup.sh).  Prints TAP lines without
numbers.

    tests/eco/ynl_check.py
"""

import json
import os
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The guest cannot see the host's /var/cache (a tmpfs hides it):
# tests/eco/host.sh copies tools/net/ynl and the schema into .build/pkg/ynl.
YNL = os.environ.get("VMSCOPE_YNL", os.path.join(TOP, ".build/pkg/ynl"))
CLI = os.path.join(YNL, "ynl/cli.py")
SCHEMA = os.path.join(YNL, "genetlink-legacy.yaml")
SPEC = os.path.join(TOP, "module/vmscope.yaml")
failed = 0


def tap(ok, name, diag=()):
    global failed
    failed += not ok
    print(f"{'' if ok else 'not '}ok - ynl: {name}")
    if not ok:
        for d in diag:
            print(f"#   {d}")


validated = False


def ynl(mode, op, attrs=None):
    """(exit status, decoded JSON or None, raw output) of one cli.py call.
    The first call validates the spec against the schema; under TCG that
    takes long enough not to repeat it."""
    global validated
    schema = ["--no-schema"] if validated else ["--schema", SCHEMA]
    validated = True
    cmd = ["/usr/bin/python3", CLI, "--spec", SPEC, *schema,
           f"--{mode}", op, "--output-json"]
    if attrs is not None:
        cmd += ["--json", json.dumps(attrs)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    try:
        out = json.loads(r.stdout) if r.returncode == 0 else None
    except ValueError:
        out = None
    return r.returncode, out, (r.stdout + r.stderr).strip()


def num(v):
    return int(v, 16) if isinstance(v, str) else int(v)


def from_ynl(v):
    flags = set(v.get("flags", []))
    perms = ("r" if "read" in flags else "-") + ("w" if "write" in flags else "-") + \
            ("x" if "exec" in flags else "-") + ("s" if "mayshare" in flags else "p")
    return (num(v["start"]), num(v["end"]), perms, num(v.get("offset", 0)),
            "%02x:%02x" % (v.get("dev-major", 0), v.get("dev-minor", 0)),
            int(v.get("inode", 0)), v.get("name", ""))


def from_maps(pid):
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            p = line.rstrip("\n").split(None, 5)
            name = p[5] if len(p) > 5 else ""
            if name == "[vsyscall]":  # the gate area: not a VMA (README)
                continue
            s, e = (int(x, 16) for x in p[0].split("-"))
            out.append((s, e, p[1], int(p[2], 16), p[3], int(p[4]), name))
    return out


def main():
    if not os.path.exists(CLI):
        print(f"ok - ynl: the kernel's YNL CLI # SKIP no {CLI} (tests/eco/host.sh stages it)")
        return 0
    # A target that stays put: a sleeping program, a file and an anonymous
    # mapping with a name-less gap above it come from its own libraries.
    target = subprocess.Popen(["sleep", "600"])
    pid = target.pid
    time.sleep(0.5)
    try:
        rc, dump, raw = ynl("dump", "vma-get", {"pid": pid})
        want = from_maps(pid)
        got = [from_ynl(v) for v in dump] if dump is not None else None
        diag = [raw[:300]] if got is None else \
            [f"ynl:  {g}" for g, w in zip(got, want) if g != w][:3] + \
            [f"maps: {w}" for g, w in zip(got, want) if g != w][:3] + \
            [f"{len(got)} VMAs from ynl, {len(want)} in maps"]
        tap(rc == 0 and got == want and len(want) > 5,
            f"cli.py --dump vma-get {{pid: {pid}}} = /proc/{pid}/maps, field by field "
            f"({len(want)} VMAs)", diag)

        v = want[len(want) // 2]
        rc, one, raw = ynl("do", "vma-get", {"pid": pid, "addr": v[0] + 1})
        tap(rc == 0 and one and from_ynl(one) == v,
            f"cli.py --do vma-get {{pid, addr}} = the maps line covering it ({v[0]:x}-{v[1]:x})",
            [raw[:300], f"maps: {v}"])

        gaps = [(a, b) for a, b in zip(want, want[1:]) if a[1] < b[0]]
        if gaps:
            a, b = gaps[0]
            rc, one, raw = ynl("do", "vma-get", {"pid": pid, "addr": a[1], "query-flags": 1})
            tap(rc == 0 and one and from_ynl(one) == b,
                "cli.py --do vma-get with query-flags covering-or-next, in a gap, "
                "= the next maps line", [raw[:300], f"maps: {b}"])
            rc, one, raw = ynl("do", "vma-get", {"pid": pid, "addr": a[1]})
            tap(rc != 0 and ("-2" in raw or "ENOENT" in raw or "No such file" in raw),
                "cli.py --do vma-get in a gap fails with ENOENT", [raw[:300]])

        rc, info, raw = ynl("do", "info-get")
        try:
            modver = open("/sys/module/vmscope/version").read().strip()
        except OSError as e:
            modver = str(e)
        feats = set(info.get("features", [])) if info else set()
        tap(rc == 0 and info and info.get("version") == modver and
            {"vma-dump", "vma-query", "proc"} <= feats,
            f"cli.py --do info-get: version = /sys/module/vmscope/version ({modver}), "
            f"features {sorted(feats)}", [raw[:300]])

        rc, proc, raw = ynl("do", "proc-get", {"pid": pid})
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read().rsplit(")", 1)[1].split()
        comm = open(f"/proc/{pid}/comm").read().strip()
        ok = rc == 0 and proc and proc.get("pid") == pid and proc.get("comm") == comm \
            and proc.get("map-count") == len(want) and proc.get("threads") == 1 \
            and proc.get("min-flt") == int(stat[7]) and proc.get("maj-flt") == int(stat[9])
        tap(ok, "cli.py --do proc-get: pid, comm, threads, map-count, min-flt, maj-flt "
            "= /proc/PID/{comm,maps,stat}",
            [raw[:400], f"comm {comm}, vmas {len(want)}, min_flt {stat[7]}, maj_flt {stat[9]}"])

        # The live policy: a reply-only attribute in a request, and pid 0.
        rc, _, raw = ynl("dump", "vma-get", {"pid": pid, "start": 0})
        tap(rc != 0 and ("-22" in raw or "EINVAL" in raw.upper() or "Invalid" in raw),
            "cli.py: a reply-only attribute (start) in a vma-get request is rejected (EINVAL)",
            [raw[:300]])
        rc, _, raw = ynl("do", "proc-get", {"pid": 0})
        tap(rc != 0 and ("-34" in raw or "ERANGE" in raw.upper() or "range" in raw),
            "cli.py: proc-get pid 0 is rejected by the policy's min check (ERANGE)",
            [raw[:300]])
    finally:
        target.kill()
        target.wait()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
