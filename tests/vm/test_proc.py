# SPDX-License-Identifier: GPL-2.0
"""vmscope stats vs /proc/PID/{stat,statm,status,maps,comm}; vmscope status."""

import json
import os
import subprocess
import time

from harness import (
    CLI, Fail, Mapper, check, check_eq, cli, cli_json, describe, diag,
    page_align, proc_maps, proc_stat, proc_status, read_text, spawn_sleep,
    stop, test)
import nl

# /proc/PID/stat field numbers (1-based, proc(5))
STAT_FIELDS = {
    "min_flt": 10, "maj_flt": 12, "threads": 20, "start_code": 26,
    "end_code": 27, "start_stack": 28, "start_data": 45, "end_data": 46,
    "start_brk": 47, "arg_start": 48, "arg_end": 49, "env_start": 50,
    "env_end": 51,
}
STATUS_KB = {"rss_file": "RssFile", "rss_anon": "RssAnon",
             "rss_shmem": "RssShmem", "swap": "VmSwap", "total_vm": "VmSize"}
KEYS = ["pid", "comm", "threads", "min_flt", "maj_flt", "start_code",
        "end_code", "start_data", "end_data", "start_brk", "brk",
        "start_stack", "arg_start", "arg_end", "env_start", "env_end",
        "map_count", "total_vm", "rss_file", "rss_anon", "rss_shmem", "swap",
        "page_size"]


def proc_view(pid):
    """What /proc says about the fields stats reports."""
    st = proc_stat(pid)
    status = proc_status(pid)
    statm = read_text(f"/proc/{pid}/statm").split()
    v = {k: int(st[n]) for k, n in STAT_FIELDS.items()}
    v["comm"] = read_text(f"/proc/{pid}/comm").rstrip("\n")
    v["statm_size"] = int(statm[0])
    for k, s in STATUS_KB.items():
        check(s in status and status[s].endswith(" kB"),
              f"/proc/{pid}/status has no {s} in kB")
        v["kb_" + k] = int(status[s].split()[0])
    v["map_count"] = len(proc_maps(pid))
    v["tgid"] = int(status["Tgid"])
    return v


def compare_stats(got, want, pid, what):
    missing = [k for k in KEYS if k not in got]
    check(not missing, f"{what}: stats JSON lacks {missing}")
    for k in KEYS:
        if k != "comm" and (not isinstance(got[k], int)
                            or isinstance(got[k], bool)):
            raise Fail(f"{what}: {k} is not an integer: {got[k]!r}")
    errs = []

    def eq(k, g, w):
        if g != w:
            errs.append(f"{k}: vmscope {g!r}, /proc {w!r}")

    eq("pid", got["pid"], want["tgid"])
    eq("comm", got["comm"], want["comm"])
    for k in STAT_FIELDS:
        eq(k, got[k], want[k])
    eq("total_vm (statm size)", got["total_vm"], want["statm_size"])
    eq("map_count (maps lines)", got["map_count"], want["map_count"])
    ps = got["page_size"]
    if ps <= 0 or ps & (ps - 1):
        errs.append(f"page_size {ps} is not a power of two")
    else:
        for k in STATUS_KB:
            eq(f"{k} in kB ({STATUS_KB[k]})", got[k] * ps // 1024,
               want["kb_" + k])
    if errs:
        raise Fail(f"{what} (pid {pid}):\n  " + "\n  ".join(errs))


def stats_equal(target, pid=None, tries=6):
    pid = target if pid is None else pid
    for _ in range(tries):
        before = proc_view(pid)
        got = cli_json("stats", target)
        after = proc_view(pid)
        if before == after:
            compare_stats(got, before, pid, f"stats {target}")
            return got, before
        time.sleep(0.2)
    raise Fail(f"stats {target}: /proc/{pid} never stayed the same across "
               f"a run ({tries} tries)")


def heap_check(got, pid):
    heap = [e for e in proc_maps(pid) if e["name"] == "[heap]"]
    check(len(heap) == 1, f"want one [heap] VMA, got {heap}")
    h = heap[0]
    check(h["start"] <= got["brk"] <= h["end"],
          f"brk {got['brk']:#x} outside [heap] {h['start']:#x}-{h['end']:#x}")
    check_eq(h["end"], page_align(got["brk"]), "[heap] end vs PAGE_ALIGN(brk)")
    check(got["start_brk"] <= got["brk"],
          f"start_brk {got['start_brk']:#x} > brk {got['brk']:#x}")
    check(h["end"] >= got["start_brk"], "[heap] ends below start_brk")


@test("stats of the idle mapper vs /proc stat, statm, status, maps")
def _():
    with Mapper() as m:
        m.cmd("seed")
        stats_equal(m.pid)


@test("stats of a multithreaded mapper: threads and fault counts")
def _():
    with Mapper() as m:
        m.cmd("threads 5")
        got, want = stats_equal(m.pid)
        check_eq(got["threads"], 6, "threads")
        check(got["min_flt"] > 0, "no minor faults at all")
        # Faulting in more memory moves the counters; stats follows.
        m.cmd("many 64")
        m.cmd("sbrk 262144")
        got2, _ = stats_equal(m.pid)
        check(got2["total_vm"] > got["total_vm"], "total_vm did not grow")
        tids = [int(t) for t in os.listdir(f"/proc/{m.pid}/task")]
        other = max(t for t in tids if t != m.pid)
        got3, _ = stats_equal(other, m.pid)
        check_eq(got3["pid"], m.pid, "stats of a thread id: pid")


@test("stats brk equals the mapper's sbrk(0) and ends [heap]")
def _():
    with Mapper() as m:
        for step in ("brk", f"sbrk {3 * m.page + 17}", f"sbrk {40 * m.page}",
                     f"sbrk -{20 * m.page}"):
            r = m.cmd(step)
            cur = m.cmd("brk")["new"]
            got, _ = stats_equal(m.pid)
            check_eq(got["brk"], cur, f"brk after '{step}'")
            heap_check(got, m.pid)
            if "old" in r and step != "brk":
                check_eq(r["new"], cur, "mapper break")


@test("stats of pid 1 and of a sleep process vs /proc")
def _():
    stats_equal(1)
    p = spawn_sleep()
    try:
        got, _ = stats_equal(p.pid)
        check_eq(got["comm"], "sleep", "comm")
        check_eq(got["threads"], 1, "threads")
    finally:
        stop(p)


@test("stats self describes the CLI process itself")
def _():
    if not CLI.exists():
        raise Fail("CLI not built")
    p = subprocess.Popen([str(CLI), "stats", "self", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    out, err = p.communicate(timeout=60)
    check(p.returncode == 0, f"exit {p.returncode}: {err.strip()}")
    got = json.loads(out)
    check_eq(got["pid"], p.pid, "pid")
    check_eq(got["comm"], CLI.name, "comm")
    check_eq(got["threads"], 1, "threads")
    check(got["map_count"] > 0 and got["total_vm"] > 0,
          f"empty address space? {got}")
    check(got["start_code"] < got["end_code"] <= got["start_brk"],
          "code below the heap")
    check(got["arg_start"] < got["arg_end"] <= got["env_start"]
          < got["env_end"], "args and env")


@test("status --json agrees with the family, INFO_GET and sysfs")
def _():
    got = cli_json("status")
    with nl.Vmscope() as s:
        rep = s.req(nl.CMD_INFO_GET)
        check(rep.error == 0 and len(rep.msgs) == 1,
              f"INFO_GET: {rep.describe()}")
        a = rep.msgs[0][1]
        fam = s.fam
    check_eq(got.get("loaded"), True, "loaded")
    check_eq(got.get("family"), "vmscope", "family")
    check_eq(got.get("family_id"), fam["id"], "family_id")
    check_eq(got.get("family_version"), fam["version"], "family_version")
    check_eq(fam["version"], nl.FAMILY_VERSION, "family version")
    check_eq(got.get("version"), nl.get_str(a, nl.INFO_A_VERSION), "version")
    feats = nl.get_u(a, nl.INFO_A_FEATURES)
    check_eq(feats & ~((1 << nl.FEAT_CNT) - 1), 0,
             "INFO_GET features: only defined bits")
    base = ("VMSCOPE_FEAT_VMA_DUMP", "VMSCOPE_FEAT_VMA_QUERY",
            "VMSCOPE_FEAT_PROC")
    check(all(feats >> nl.UAPI[k] & 1 for k in base),
          f"INFO_GET features {feats:#x}: not all of {base}")
    # The CLI names each bit INFO_GET sets by its UAPI enum name, in order.
    names = sorted((v, k[len("VMSCOPE_FEAT_"):].lower())
                   for k, v in nl.UAPI.items()
                   if k.startswith("VMSCOPE_FEAT_") and v < nl.FEAT_CNT)
    check_eq(got.get("features"), [n for v, n in names if feats >> v & 1],
             "features")
    asu = nl.get_u(a, nl.INFO_A_ALLOW_SAME_USER)
    check_eq(got.get("allow_same_user"), bool(asu), "allow_same_user")
    param = "/sys/module/vmscope/parameters/allow_same_user"
    if os.path.exists(param):
        v = read_text(param).strip()
        check_eq(asu, 1 if v in ("1", "Y", "y") else 0,
                 f"INFO_GET allow_same_user vs {param} ({v})")
    else:
        diag(f"{param} not readable; not compared")
    ver = "/sys/module/vmscope/version"
    if os.path.exists(ver):
        check_eq(got.get("version"), read_text(ver).strip(),
                 "version vs /sys/module/vmscope/version")
    res = cli("status")
    check(res.returncode == 0 and "loaded" in res.stdout,
          f"status (text): {describe(res)}")
