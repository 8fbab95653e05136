#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of the issue-3 commands of the CLI against the fake kernel:
watch (events, losses, summary, errors), top, stats --prometheus, status
and the counters of maps.  Ground truth: Python's json module, promtool
(Prometheus' own checker) when installed, the host's /proc/PID/stat and
/proc/PID/maps, and what the fake kernel was told to send.

Usage: test_watch_cli.py VMSCOPE_FAKE          (TAP on stdout)
"""

import json
import os
import re
import shutil
import subprocess
import sys

FAKE = sys.argv[1]
n = 0
failed = 0

CTR_KEYS = ["faults", "faults_read", "faults_write", "faults_exec",
            "faults_kernel", "faults_major", "cow_faults", "cow_copies",
            "cow_reuses", "cow_zero", "cow_unshare"]


def ok(cond, name, diag=""):
    global n, failed
    n += 1
    print(f"{'' if cond else 'not '}ok {n} - {name}")
    if not cond:
        failed += 1
        for line in str(diag).splitlines()[:20]:
            print(f"# {line}")
    sys.stdout.flush()


def run(args, env=None, timeout=20):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([FAKE] + [str(a) for a in args], env=e,
                       capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), \
        p.stderr.decode("utf-8", "surrogateescape")


def jlines(out):
    return [json.loads(line) for line in out.splitlines() if line]


def maps_of(pid):
    vmas = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(maxsplit=5)
            s, e = (int(x, 16) for x in parts[0].split("-"))
            vmas.append((s, e, parts[5].strip() if len(parts) > 5 else ""))
    return vmas


def stat_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    comm = data[data.index("(") + 1:data.rindex(")")]
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 of proc(5)
    return comm, int(fields[7]), int(fields[9])


def test_watch(pid):
    ev = {"VS_FAKE_EVENTS": "12"}
    rc, out, err = run(["watch", pid, "--json", "--count", 12], ev)
    recs = jlines(out) if rc == 0 else []
    events = [r for r in recs if r["type"] == "event"]
    ok(rc == 0 and len(events) == 12 and recs[-1]["type"] == "summary",
       "watch --json --count 12: 12 events, then the summary last",
       f"{rc} {err}\n{out}")
    if not events:
        return
    vmas = {(s, e): name for s, e, name in maps_of(pid)}
    bad = [e for e in events
           if (e["vma_start"], e["vma_end"]) not in vmas or
           vmas[(e["vma_start"], e["vma_end"])] != e["vma_name"] or
           not e["vma_start"] <= e["addr"] < e["vma_end"] or
           e["pid"] != pid or e["access"] not in "rwx" or
           ("ip" in e) != e["user"]]
    ok(not bad, "each event names a VMA of /proc/PID/maps, holds its "
       "address, and has an ip exactly when taken in user mode", bad[:3])
    ok([e["seq"] for e in events] == list(range(12)),
       "sequence numbers count from 0", [e["seq"] for e in events])
    kinds = {e["kind"] for e in events}
    ok({"fault", "cow-copy", "cow-reuse", "zero", "unshare", "kind5"} <= kinds,
       "kind names, and kindN for a kind newer than the CLI", kinds)
    ok(any(e["comm"] == 'fa"ke\n' for e in events),
       "comm with a quote and a newline survives JSON")
    s = recs[-1]
    tot = sum(v["events"] for v in s["vmas"])
    counts = [v["events"] for v in s["vmas"]]
    ok(s["events"] == 12 and tot == 12 and counts == sorted(counts,
                                                            reverse=True)
       and s["lost"] == {"buffer": 0, "socket": 0, "enobufs": 0,
                         "seq_gap": 0} and s["lost_total"] == 0,
       "summary: 12 events, per-VMA totals sorted by count, nothing lost", s)
    per = {}
    for e in events:
        per.setdefault((e["vma_start"], e["vma_end"]), []).append(e["kind"])
    unknown = re.compile(r"kind\d+")
    ok(all(sorted(unknown.sub("unknown", k)
                  for k in per[(v["start"], v["end"])]) ==
           sorted(k for k, c in v["kinds"].items() for _ in range(c))
           for v in s["vmas"]),
       "per-VMA totals by kind add up to the events seen")

    env = dict(ev, VS_FAKE_SEQ_SKIP="4", VS_FAKE_ENOBUFS="7")
    rc, out, err = run(["watch", pid, "--json", "--count", 12], env)
    recs = jlines(out) if rc == 0 else []
    lost = [r for r in recs if r["type"] == "lost"]
    s = recs[-1] if recs else {}
    ok(rc == 0 and s.get("lost") == {"buffer": 2, "socket": 4, "enobufs": 1,
                                     "seq_gap": 4} and
       s.get("lost_total") == 6,
       "socket drops, a CPU-buffer drop and ENOBUFS: all in the summary",
       f"{rc} {err} {s}")
    reasons = sorted((r["reason"], r["count"]) for r in lost)
    ok(reasons == [("buffer", 2), ("enobufs", 1), ("seq_gap", 1),
                   ("seq_gap", 3), ("socket", 1), ("socket", 3)],
       "each loss is shown at once as a 'lost' record", reasons)
    idx = [i for i, r in enumerate(recs) if r["type"] == "lost" and
           r["reason"] == "seq_gap" and r["count"] == 3]
    before = [r for r in recs[:idx[0]] if r["type"] == "event"] if idx else []
    after = [r for r in recs[idx[0]:] if r["type"] == "event"] if idx else []
    ok(before and after and before[-1]["seq"] == 3 and after[0]["seq"] == 7,
       "the gap record comes between the events around the gap")

    rc, out, err = run(["watch", pid, "--count", 5], env)
    ok(rc == 0 and "# lost: 3 events missing" in out and
       "--- summary: 5 events" in out and
       re.search(r"^lost: buffer 2, socket 3, enobufs 0, seq_gap 3; 5 events in all$",
                 out, re.M),
       "the table shows losses as '#' lines and sums them up", out)
    rows = [line for line in out.splitlines()
            if re.match(r"\s*\d+\.\d{6}\s+\d+\s+\d+ ", line)]
    ok(len(rows) == 5 and all(line.count("\n") == 0 for line in rows) and
       any("fa\"ke?" in line for line in rows),
       "one line per event, control characters shown as '?'", out)

    rc, out, err = run(["watch", pid, "--json", "--duration", "0.3"],
                       {"VS_FAKE_EVENTS": "4"})
    recs = jlines(out) if rc == 0 else []
    ok(rc == 0 and len([r for r in recs if r["type"] == "event"]) == 4 and
       recs[-1]["type"] == "summary" and
       0.3e9 <= recs[-1]["duration_ns"] < 5e9,
       "--duration stops the stream, with the summary", f"{rc} {err} {out}")

    rc, out, err = run(["watch", pid, os.getpid(), "--json", "--count", 1],
                       {"VS_FAKE_EVENTS": "1", "VS_FAKE_WATCH_ERRNO": "1"})
    ok(rc == 5 and out == "" and
       err == f"vmscope: permission denied: pid {os.getpid()}: watching "
       "another user's process needs CAP_SYS_PTRACE (kernel: fake: watch "
       "refused; attribute PID)\n",
       "EPERM: one line, the pid the kernel pointed at, its message, exit 5",
       f"{rc} {err!r}")
    rc, out, err = run(["watch", "--all", "--count", 1],
                       {"VS_FAKE_EVENTS": "1", "VS_FAKE_WATCH_ERRNO": "1"})
    ok(rc == 5 and "CAP_SYS_ADMIN or CAP_PERFMON" in err and
       err.count("\n") == 1, "--all refused: exit 5, the capability named",
       f"{rc} {err!r}")
    rc, out, err = run(["watch", pid, "--count", 1],
                       {"VS_FAKE_EVENTS": "1", "VS_FAKE_WATCH_ERRNO": "16"})
    ok(rc == 9 and "too many sockets" in err, "EBUSY: exit 9", err)
    rc, out, err = run(["watch", pid, "--count", 1])
    ok(rc == 10 and "cannot watch" in err and err.count("\n") == 1,
       "a module without the watch feature: exit 10", f"{rc} {err!r}")
    rc, out, err = run(["watch", pid, "--json", "--count", 3],
                       {"VS_FAKE_EVENTS": "3", "VS_FAKE_EXTRA": "1"})
    ok(rc == 0 and len(jlines(out)) == 4,
       "unknown attributes in events are ignored", f"{rc} {err}")
    for attr, name in ((2, "SEQ"), (13, "VMA_END"), (17, "DROPPED_SOCKET")):
        rc, out, err = run(["watch", pid, "--json", "--count", 3],
                           {"VS_FAKE_EVENTS": "3",
                            "VS_FAKE_DROP_EVENT": str(attr)})
        ok(rc == 1 and err == "vmscope: malformed reply from kernel: EVENT "
           f"reply lacks attribute {name}\n" and "summary" not in out,
           f"an event without {name}: one error line, exit 1", f"{rc} {err!r}")
    for attr in (11, 15):
        rc, out, err = run(["watch", pid, "--json", "--count", 3],
                           {"VS_FAKE_EVENTS": "3",
                            "VS_FAKE_DROP_EVENT": str(attr)})
        recs = jlines(out) if rc == 0 else []
        key = "ip" if attr == 11 else "vma_name"
        ok(rc == 0 and all(key not in r or r[key] == "" for r in recs
                           if r["type"] == "event"),
           f"an event without the optional {key} is fine", f"{rc} {err}")
    for args in (["watch"], ["watch", "--all", pid], ["watch", pid, "--count", 0],
                 ["watch", "--duration", "x", pid],
                 ["watch"] + [pid] * 17):
        rc, out, err = run(args, {"VS_FAKE_EVENTS": "1"})
        ok(rc == 2 and err.count("\n") == 1 and "try 'vmscope help watch'"
           in err, f"usage error: {' '.join(str(a) for a in args)[:40]}",
           f"{rc} {err!r}")


def test_top(pid):
    rc, out, err = run(["top", pid, "--json", "--iterations", 2,
                        "--interval", "0.05"], {"VS_FAKE_COUNTERS": "1"})
    recs = jlines(out) if rc == 0 else []
    ok(rc == 0 and [r["sample"] for r in recs] == [1, 2] and
       all(r["type"] == "top" and r["pid"] == pid for r in recs),
       "top --json --iterations 2: two samples", f"{rc} {err} {out[:300]}")
    if not recs:
        return
    real = maps_of(pid)
    r = recs[-1]
    ok(sorted((v["start"], v["end"]) for v in r["vmas"]) ==
       sorted((s, e) for s, e, _ in real),
       "every VMA of /proc/PID/maps is in a sample")
    # The fake's faults grow by (start >> 12) % 7 + 1 per dump.
    bad = [v for v in r["vmas"]
           if v["faults_delta"] != (v["start"] >> 12) % 7 + 1 or
           "cow_reuses" in v or "cow_reuses_delta" in v]
    ok(not bad, "deltas are what the counters grew by; an absent counter "
       "stays absent", bad[:3])
    keys = [(-v["faults_delta"], -v["faults"], v["start"]) for v in r["vmas"]]
    ok(keys == sorted(keys), "sorted by faults in the interval, then faults")
    ok(r["delta"]["faults"] == sum(v["faults_delta"] for v in r["vmas"]),
       "the sample's delta sums the VMAs'")

    rc, out, err = run(["top", pid, "--iterations", 1, "--interval", "0.05",
                        "--limit", 3], {"VS_FAKE_COUNTERS": "1"})
    rows = [line for line in out.splitlines() if re.match(r"\s+\d+\s+\d+", line)]
    ok(rc == 0 and "dFlt" in out and len(rows) == 3,
       "top table: header and --limit rows", out)
    rc, out, err = run(["top", pid, "--iterations", 1, "--interval", "0.05"])
    ok(rc == 10 and "no per-VMA fault counters" in err,
       "top without counters: exit 10", f"{rc} {err!r}")
    for args in (["top"], ["top", pid, "--interval", "0"],
                 ["top", pid, "--iterations", "x"]):
        rc, out, err = run(args)
        ok(rc == 2 and err.count("\n") == 1,
           f"usage error: {' '.join(str(a) for a in args)}", err)


def parse_prom(text):
    """A strict reader of the text format: HELP/TYPE, samples, escapes."""
    families, samples = {}, []
    lab = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
    for line in text.splitlines():
        m = re.fullmatch(r"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)", line)
        if m:
            families.setdefault(m.group(2), {})[m.group(1)] = m.group(3)
            continue
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:%s,?)*)\} (\d+)"
                         % lab, line)
        if not m:
            raise ValueError(f"bad line {line!r}")
        labels = {k: re.sub(r"\\(.)", lambda x: {"n": "\n"}.get(x.group(1),
                                                             x.group(1)), v)
                  for k, v in re.findall(lab, m.group(2))}
        samples.append((m.group(1), labels, int(m.group(m.lastindex))))
    return families, samples


def test_prometheus(pid):
    # A comm with a quote, a backslash and a newline, set by the process.
    weird = subprocess.Popen([sys.executable, "-c",
                              "import time\n"
                              "open('/proc/self/comm', 'wb').write(b'a\"b\\\\c\\nd')\n"
                              "print(flush=True)\n"
                              "time.sleep(300)"], stdout=subprocess.PIPE)
    weird.stdout.readline()
    try:
        rc, out, err = run(["stats", "--prometheus", pid, weird.pid],
                           {"VS_FAKE_COUNTERS": "1"})
        comm_w = open(f"/proc/{weird.pid}/comm").read().rstrip("\n")
    finally:
        weird.kill()
        weird.wait()
    try:
        fams, samples = parse_prom(out)
    except ValueError as e:
        fams, samples = {}, []
        ok(False, "the output parses as the text format", e)
    ok(rc == 0 and fams and all(f.get("TYPE") == "counter" and f.get("HELP")
                                for f in fams.values()) and
       all(s[0] in fams and s[0].endswith("_total") for s in samples),
       "stats --prometheus: HELP and TYPE counter for each _total metric",
       f"{rc} {err} {out[:500]}")
    names = {s[0] for s in samples}
    want = {"vmscope_" + k + "_total" for k in
            ["min_flt", "maj_flt", "vma_overflow", "faults_prot"] + CTR_KEYS
            if k not in ("faults_major", "cow_reuses")}
    ok(names == want, "one metric per counter of the reply", names ^ want)
    comm, minflt, majflt = stat_of(pid)
    mine = {s[0]: s[2] for s in samples if s[1]["pid"] == str(pid)}
    ok(mine.get("vmscope_min_flt_total") == minflt and
       mine.get("vmscope_maj_flt_total") == majflt and
       all(s[1]["comm"] == comm for s in samples if s[1]["pid"] == str(pid)),
       "values and comm of /proc/PID/stat", mine)
    other = [s for s in samples if s[1]["pid"] != str(pid)]
    ok(other and all(s[1]["comm"] == comm_w for s in other) and
       '\\"' in out and "\\\\" in out and "\\n" in out,
       "label values escaped: the comm with a quote, a backslash and a "
       "newline reads back the same", f"{comm_w!r} {other[:1]}")
    promtool = os.path.join(os.environ.get("VMSCOPE_CACHE",
                                           "/var/cache/vmscope"),
                            "promtool", "usr", "bin", "promtool")
    if not os.access(promtool, os.X_OK):
        promtool = shutil.which("promtool")
    if promtool:
        p = subprocess.run([promtool, "check", "metrics"], input=out.encode(),
                           capture_output=True)
        ok(p.returncode == 0, "promtool check metrics accepts it",
           p.stdout.decode() + p.stderr.decode())
    else:
        print("ok %d - promtool check metrics # SKIP promtool not installed"
              % (n + 1))
        globals()["n"] += 1

    rc, out2, err = run(["stats", "--prometheus", pid, 999999999],
                        {"VS_FAKE_COUNTERS": "1"})
    ok(rc == 4 and err.count("\n") == 1 and "999999999" in err and
       f'pid="{pid}"' in out2,
       "a PID that fails is reported, exit 4, the others still printed",
       f"{rc} {err!r}")
    rc, out2, err = run(["stats", "--prometheus", pid])
    ok(rc == 0 and "vmscope_min_flt_total{" in out2 and
       "vmscope_faults_total" not in out2,
       "without counters: only the kernel's min_flt and maj_flt", out2)
    rc, out2, err = run(["stats", "--json", pid, pid])
    ok(rc == 2, "several PIDs only with --prometheus", err)


def test_stats_status_maps(pid):
    rc, out, err = run(["stats", pid, "--json"], {"VS_FAKE_COUNTERS": "1"})
    j = json.loads(out) if rc == 0 else {}
    ok(all(k in j for k in CTR_KEYS if k not in ("faults_major", "cow_reuses"))
       and "vma_overflow" in j and "faults_prot" in j and
       "cow_reuses" not in j and
       "faults_major" not in j,
       "stats --json: the counters sent, absent ones absent", j)
    rc, out, err = run(["stats", pid, "--json"])
    j = json.loads(out) if rc == 0 else {}
    ok(rc == 0 and "min_flt" in j and not any(k in j for k in CTR_KEYS),
       "stats --json without counters: no counter keys", j)
    rc, out, err = run(["stats", pid], {"VS_FAKE_COUNTERS": "1"})
    ok(rc == 0 and re.search(r"^cow_copies +\d+ pages$", out, re.M) and
       re.search(r"^vma_overflow +\d+ events$", out, re.M),
       "stats table: the counters", out)

    rc, out, err = run(["status", "--json"], {"VS_FAKE_INFO_FULL": "1"})
    j = json.loads(out) if rc == 0 else {}
    ok(j.get("hooks") == ["fault_user", "fault_kernel", "handle_mm_fault",
                          "do_wp_page", "new_anon_rmap", "unmap_vmas",
                          "exit_mmap", "do_swap_page", "copy_calls",
                          "handle_mm_fault_start", "ptep_clear_flush"] and
       j.get("counters") == {"exact": ["faults", "vma_faults", "cow_faults",
                                       "cow_copies", "cow_zero"],
                             "derived": ["cow_reuses"],
                             "unavailable": ["cow_unshare"]},
       "status --json: hooks by name, counters exact/derived/unavailable", j)
    want = {"memory": 1234567, "proc_slots": 1024, "proc_used": 17,
            "proc_overflow": 2, "vma_slots": 65536, "vma_used": 300,
            "vma_overflow": 3, "ring_size": 4096, "events": 99,
            "events_dropped": 4, "listeners": 1, "kretprobe_missed": 5}
    ok(all(j.get(k) == v for k, v in want.items()),
       "status --json: memory, tables, ring, events, listeners, misses",
       {k: j.get(k) for k in want})
    rc, out, err = run(["status"], {"VS_FAKE_INFO_FULL": "1"})
    ok(rc == 0 and re.search(r"^not attached: +wp_page_reuse$", out, re.M)
       and re.search(r"^counters unavailable: cow_unshare$", out, re.M) and
       "memory (bytes):  1234567 (" in out,
       "status table: hooks, hooks not attached, counters, memory", out)
    rc, out, err = run(["status", "--json"])
    j = json.loads(out) if rc == 0 else {}
    ok(rc == 0 and "hooks" not in j and "counters" not in j and
       "memory" not in j, "status --json of an older module: no new keys", j)

    rc, out, err = run(["maps", pid, "--json"], {"VS_FAKE_COUNTERS": "1"})
    j = json.loads(out) if rc == 0 else []
    ok(j and all(all(k in v for k in CTR_KEYS if k != "cow_reuses") and
                 "cow_reuses" not in v for v in j),
       "maps --json: per-VMA counter keys, an absent one absent")
    rc, out, err = run(["maps", pid, "--json"])
    j = json.loads(out) if rc == 0 else []
    ok(j and not any(k in v for v in j for k in CTR_KEYS),
       "maps --json without counters: no counter keys")
    rc, out, err = run(["maps", pid, "--counters"], {"VS_FAKE_COUNTERS": "1"})
    ok(rc == 0 and re.search(r"Inode +Flt +MajFlt +CoW +CoWCopy Mapping", out)
       and "[stack]" in out, "maps --counters: the counter columns", out)
    rc, out, err = run(["maps", pid, "--counters"])
    ok(rc == 0 and re.search(r" +- +- +- +- \[stack\]", out),
       "maps --counters without counters: dashes", out)


def main():
    sleeper = subprocess.Popen(["sleep", "300"])
    try:
        pid = sleeper.pid
        test_watch(pid)
        test_top(pid)
        test_prometheus(pid)
        test_stats_status_maps(pid)
    finally:
        sleeper.kill()
        sleeper.wait()
    print(f"1..{n}")
    return 1 if failed else 0


sys.exit(main())
