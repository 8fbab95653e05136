# SPDX-License-Identifier: GPL-2.0
"""Fault and copy-on-write counters (VMA_GET and PROC_GET) against the
kernel's own accounts.

The workload is tests/progs/cow, pinned to one CPU, its regions one VMA
each and MADV_NOHUGEPAGE (after tools/testing/selftests/mm/cow.c).  The
ground truth is what the kernel itself shows: /proc/PID/pagemap (which page
backs each address: a copy has a new PFN, a reuse keeps it, the shared zero
page is one PFN for every untouched address), /proc/PID/stat fields 10 and
12 (min_flt, maj_flt), /proc/PID/maps and smaps, and bpftrace on the
kernel's tracepoints and functions.  The counter semantics tested are the
UAPI header's ("Fault and copy-on-write counters").
"""

import os
import re
import signal
import subprocess
import time

from harness import (
    Cow, Fail, Skip, check, check_eq, diag, find_vma, pagemap, pfns,
    proc_maps, proc_smaps, proc_stat, read_text, test)
import nl

N = 256          # pages per region: enough that nothing is a coincidence


def module_facts(s):
    """INFO_GET facts; fails if the module does not count at all."""
    inf = nl.info(s)
    feats = nl.bits(inf.get("features", 0), nl.FEAT_BITS)
    check("counters" in feats, f"the module does not count: features "
          f"{sorted(feats)}, INFO {inf}")
    inf["exact"] = nl.bits(inf.get("counters_exact", 0), nl.CTR_BITS)
    inf["derived"] = nl.bits(inf.get("counters_derived", 0), nl.CTR_BITS)
    inf["hook_set"] = nl.bits(inf.get("hooks", 0), nl.HOOK_NAMES)
    return inf


def ctr_bit(name, per_vma):
    if name.startswith("faults"):
        return "vma_faults" if per_vma else "faults"
    return name


def need(inf, *names, per_vma=True):
    """Skip unless every counter in NAMES is available; returns the
    subset that is only derived (diag'd)."""
    derived = set()
    for n in names:
        b = ctr_bit(n, per_vma)
        if b in inf["exact"]:
            continue
        if b in inf["derived"]:
            derived.add(n)
            continue
        raise Skip(f"counter {n} unavailable on this kernel (INFO "
                   f"COUNTERS_EXACT/DERIVED lack {b}; hooks attached: "
                   f"{sorted(inf['hook_set'])})")
    if derived:
        diag(f"derived, not exact on this kernel: {sorted(derived)}")
    return derived


def get(v, name, what):
    """Counter NAME of a decoded VMA/PROC reply; it must be present."""
    if v is None:
        raise Fail(f"{what}: no such VMA in the dump")
    if name not in v:
        raise Fail(f"{what}: reply lacks {name} ({sorted(v)})")
    return v[name]


def region_vma(s, pid, r, what):
    """The dump entry of region R (a cow 'map' reply) in PID, checked to be
    exactly the region's VMA, as /proc/PID/maps has it."""
    v = nl.vma_at(s, pid, r["addr"])
    if v is None:
        raise Fail(f"{what}: no VMA at {r['addr']:#x} in pid {pid}")
    m = find_vma(proc_maps(pid), r["addr"])
    check(m is not None and (m["start"], m["end"]) == (v["start"], v["end"]),
          f"{what}: vmscope VMA {v['start']:#x}-{v['end']:#x}, /proc/{pid}/"
          f"maps {m and (hex(m['start']), hex(m['end']))}")
    return v


def counters(v):
    return {k: v.get(k) for k in nl.VMA_COUNTERS if k in v}


def delta(after, before, keys):
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys}


def stat_flt(pid):
    st = proc_stat(pid)
    return int(st[10]), int(st[12])


@test("counters: INFO_GET reports hooks and counter exactness consistently")
def _():
    with nl.Vmscope() as s:
        inf = module_facts(s)
    diag(f"hooks {sorted(inf['hook_set'])}; exact {sorted(inf['exact'])}; "
         f"derived {sorted(inf['derived'])}")
    check(not inf["exact"] & inf["derived"],
          f"counters both exact and derived: {inf['exact'] & inf['derived']}")
    # A derived counter is only cow_reuses (the UAPI's only derivation),
    # and only when wp_page_reuse() is not hooked.
    check(inf["derived"] <= {"cow_reuses"},
          f"derived counters beyond cow_reuses: {inf['derived']}")
    if "cow_reuses" in inf["derived"]:
        check("wp_page_reuse" not in inf["hook_set"],
              "cow_reuses derived although wp_page_reuse is hooked")
    # Everything the kernel's own /proc/kallsyms has, the module hooks.
    ksyms = set()
    for line in read_text("/proc/kallsyms").splitlines():
        w = line.split()
        ksyms.add(re.sub(r"\.(cold|part|isra|constprop)\..*", "", w[2]))
    for hook, sym in (("do_wp_page", "do_wp_page"),
                      ("unmap_vmas", "unmap_vmas")):
        if sym in ksyms:
            check(hook in inf["hook_set"],
                  f"{sym} is in /proc/kallsyms but not hooked")
    # handle_mm_fault() is hooked one way: at its start (ftrace, the
    # default) or to its end (kretprobe, vma_complete=1).
    hmf = {"handle_mm_fault", "handle_mm_fault_start"} & inf["hook_set"]
    params = "/sys/module/vmscope/parameters/vma_complete"
    complete = read_text(params).strip() == "Y"
    diag(f"handle_mm_fault hooked as {sorted(hmf)}; vma_complete "
         f"{'Y' if complete else 'N'}")
    if "handle_mm_fault" in ksyms:
        check(len(hmf) == 1, f"handle_mm_fault hooked as {sorted(hmf)}, "
              "not exactly once")
        if complete:
            check_eq(sorted(hmf), ["handle_mm_fault"],
                     "vma_complete=1: the kretprobe")
    # A COW copy is seen one way: ptep_clear_flush(), else the rmap calls,
    # else the rmap function's entry.
    copy = {"ptep_clear_flush", "copy_calls", "new_anon_rmap"} & \
        inf["hook_set"]
    diag(f"COW copies seen by {sorted(copy)}")
    check(len(copy) <= 1, f"COW copies hooked {sorted(copy)} ways")
    diag("wp_page_reuse in /proc/kallsyms: "
         f"{'wp_page_reuse' in ksyms}")


@test("fork: the child's writes are exactly N cow_copies in its VMA")
def _():
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "cow_faults", "cow_copies")
        r = w.map(N)
        w.cmd(f"write {r['id']}")
        parent_pfn = pfns(pagemap(w.pid, r["addr"], N))
        check(None not in parent_pfn, "parent pages not all present")
        child = w.fork()
        w.cmd(f"child write {r['id']}")
        v = region_vma(s, child, r, "child")
        child_pfn = pfns(pagemap(child, r["addr"], N))
        copied = sum(1 for a, b in zip(parent_pfn, child_pfn) if a != b)
        # Ground truth: every child page is a new page.
        check_eq(copied, N, "child pages with a new PFN (pagemap)")
        c = counters(v)
        diag(f"child VMA counters: {c}")
        check_eq(get(v, "cow_copies", "child"), copied, "child cow_copies")
        check_eq(get(v, "cow_faults", "child"), N, "child cow_faults")
        for k in ("cow_zero", "cow_reuses", "cow_unshare"):
            if k in v:
                check_eq(v[k], 0, f"child {k}")
        p = nl.proc_get(s, child)
        check(get(p, "cow_copies", "child PROC") >= N,
              f"child process cow_copies {p.get('cow_copies')} < {N}")


@test("reuse: the parent's writes after the child's copies are N "
      "cow_reuses")
def _():
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        derived = need(inf, "cow_faults", "cow_copies", "cow_reuses")
        r = w.map(N)
        w.cmd(f"write {r['id']}")
        before_pfn = pfns(pagemap(w.pid, r["addr"], N))
        w.fork()
        w.cmd(f"child write {r['id']}")
        b = counters(region_vma(s, w.pid, r, "parent before"))
        w.cmd(f"write {r['id']}")
        a = counters(region_vma(s, w.pid, r, "parent after"))
        after_pfn = pfns(pagemap(w.pid, r["addr"], N))
        kept = sum(1 for x, y in zip(before_pfn, after_pfn) if x == y)
        d = delta(a, b, ("cow_faults", "cow_copies", "cow_reuses",
                         "cow_zero"))
        diag(f"parent VMA delta: {d}; pages that kept their PFN: {kept}")
        # Ground truth: the kernel reused every page (pinned to one CPU,
        # the LRU batches hold no extra reference).
        check_eq(kept, N, "parent pages that kept their PFN (pagemap)")
        check_eq(d["cow_faults"], N, "parent cow_faults")
        check_eq(d["cow_copies"], 0, "parent cow_copies")
        check_eq(d["cow_reuses"], kept,
                 "parent cow_reuses" + (" (derived)" if derived else ""))
        if derived:
            diag("cow_reuses is derived (cow_faults - cow_copies - "
                 "cow_unshare) on this kernel: checked as such")


@test("zero page: reads then writes of untouched memory are N cow_zero "
      "and N cow_copies")
def _():
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "cow_faults", "cow_copies", "cow_zero", "faults")
        r = w.map(N)
        w.cmd(f"read {r['id']}")
        zero = pfns(pagemap(w.pid, r["addr"], N))
        check(None not in zero, "read pages not all present")
        check_eq(len(set(zero)), 1,
                 "distinct PFNs after reading untouched memory (the zero "
                 "page is one)")
        b = counters(region_vma(s, w.pid, r, "after the reads"))
        check(b.get("faults_read", 0) >= N,
              f"read faults {b.get('faults_read')} < {N}")
        w.cmd(f"write {r['id']}")
        a = counters(region_vma(s, w.pid, r, "after the writes"))
        new = pfns(pagemap(w.pid, r["addr"], N))
        copies = sum(1 for x in new if x not in (None, zero[0]))
        check_eq(len(set(new)), N, "distinct PFNs after the writes")
        d = delta(a, b, ("cow_faults", "cow_copies", "cow_zero",
                         "cow_reuses", "faults", "faults_write"))
        diag(f"VMA delta over the writes: {d}")
        check_eq(d["cow_zero"], copies, "cow_zero")
        check_eq(d["cow_copies"], copies, "cow_copies")
        check_eq(d["cow_faults"], N, "cow_faults")
        check(d["faults_write"] >= N, f"write faults {d['faults_write']}")


@test("first touch: >= N faults on the VMA; process faults >= the "
      "min_flt + maj_flt delta of /proc/PID/stat")
def _():
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "faults")
        need(inf, "faults", per_vma=False)
        r = w.map(N)
        w.cmd("wait")
        mn0, mj0 = stat_flt(w.pid)
        p0 = nl.proc_get(s, w.pid)
        w.cmd(f"write {r['id']}")
        p1 = nl.proc_get(s, w.pid)
        mn1, mj1 = stat_flt(w.pid)
        v = region_vma(s, w.pid, r, "region")
        present = sum(1 for x in pfns(pagemap(w.pid, r["addr"], N)) if x)
        check_eq(present, N, "present pages (pagemap)")
        flt = (mn1 - mn0) + (mj1 - mj0)
        d = delta(p1, p0, nl.PROC_COUNTERS)
        diag(f"/proc stat min_flt+maj_flt delta {flt}; process delta {d}; "
             f"VMA {counters(v)}")
        check_eq(p1.get("min_flt"), mn1, "PROC min_flt vs /proc stat")
        check(get(v, "faults", "region") >= N,
              f"VMA faults {v.get('faults')} < {N}")
        check(get(v, "faults_write", "region") >= N,
              f"VMA write faults {v.get('faults_write')} < {N}")
        check_eq(v.get("faults_major", 0), 0, "major faults on anon memory")
        check(flt >= N, f"/proc stat fault delta {flt} < {N}")
        check(d["faults"] >= flt,
              f"process faults delta {d['faults']} < min_flt+maj_flt "
              f"delta {flt}")
        check(d["faults_write"] >= N, f"process write faults {d}")
        check_eq(d["faults"], d["faults_read"] + d["faults_write"]
                 + d["faults_exec"], "faults = read + write + exec")


class ZramSwap:
    """A zram swap device for the duration of a test, or Skip."""

    def __enter__(self):
        if not os.path.exists("/proc/swaps"):
            raise Skip("this kernel has no swap (CONFIG_SWAP)")
        if len(read_text("/proc/swaps").splitlines()) > 1:
            raise Skip("a swap device is already active")
        if not os.path.exists("/sys/block/zram0"):
            res = subprocess.run(["modprobe", "zram", "num_devices=1"],
                                 capture_output=True, text=True)
            if res.returncode or not os.path.exists("/sys/block/zram0"):
                raise Skip(f"no zram: {res.stderr.strip()[:120]}")
        with open("/sys/block/zram0/disksize", "w") as f:
            f.write("64M")
        for argv in (["mkswap", "/dev/zram0"], ["swapon", "/dev/zram0"]):
            res = subprocess.run(argv, capture_output=True, text=True)
            if res.returncode:
                self.__exit__()
                raise Fail(f"{' '.join(argv)}: {res.stderr.strip()}")
        return self

    def __exit__(self, *exc):
        subprocess.run(["swapoff", "/dev/zram0"], capture_output=True)
        with open("/sys/block/zram0/reset", "w") as f:
            f.write("1")


@test("swap-in: the VMA's faults_major is the maj_flt delta of "
      "/proc/PID/stat, its faults the swapped-out pages")
def _():
    """A fault on swapped-out anonymous memory is the one fault on a
    private anonymous VMA that can be major or be retried: the module
    counts such faults when they start and follows only do_swap_page() to
    its end.  MADV_PAGEOUT to a zram swap device, then read every page."""
    with nl.Vmscope() as s, ZramSwap(), Cow() as w:
        inf = module_facts(s)
        need(inf, "faults")
        r = w.map(N)
        w.cmd(f"write {r['id']}")
        w.cmd(f"pageout {r['id']}")
        present = sum(1 for x in pfns(pagemap(w.pid, r["addr"], N)) if x)
        swapped = N - present
        if swapped < N // 2:
            raise Skip(f"MADV_PAGEOUT swapped out {swapped} of {N} pages")
        v0 = region_vma(s, w.pid, r, "region")
        mn0, mj0 = stat_flt(w.pid)
        w.cmd(f"read {r['id']}")
        mn1, mj1 = stat_flt(w.pid)
        v1 = region_vma(s, w.pid, r, "region")
        d = delta(v1, v0, ["faults", "faults_major", "faults_read"])
        diag(f"{swapped} of {N} pages swapped out; /proc stat delta "
             f"min_flt {mn1 - mn0} maj_flt {mj1 - mj0}; VMA delta {d}; "
             f"hooks {sorted(inf['hook_set'])}")
        check(mj1 - mj0 > 0, "no major fault in /proc/PID/stat: the "
              "reads did not swap in")
        check_eq(d["faults_major"], mj1 - mj0,
                 "VMA faults_major vs /proc stat maj_flt delta")
        # One fault per swapped-out page, however the kernel classed it.
        check_eq(d["faults"], swapped, "VMA faults vs swapped-out pages "
                 "(pagemap)")
        check(mn1 - mn0 + mj1 - mj0 >= swapped,
              "/proc stat min_flt + maj_flt delta < swapped-out pages")


def shared_case(kind):
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "cow_faults", "cow_copies", "faults")
        r = w.map(N, kind)
        w.cmd("wait")
        p0 = nl.proc_get(s, w.pid)
        mn0, mj0 = stat_flt(w.pid)
        w.cmd(f"read {r['id']}")
        w.cmd(f"write {r['id']}")
        mn1, mj1 = stat_flt(w.pid)
        p1 = nl.proc_get(s, w.pid)
        v = region_vma(s, w.pid, r, kind)
        d = delta(p1, p0, nl.PROC_COUNTERS)
        flt = (mn1 - mn0) + (mj1 - mj0)
        diag(f"{kind}: process delta {d}; VMA {counters(v)}; /proc stat "
             f"min_flt+maj_flt delta {flt}")
        check(v["faults"] >= N, f"VMA faults {v['faults']} < {N}")
        # shmem, not private anonymous memory: each fault is followed to
        # its end or (the default) counted when it starts.  Either way no
        # fault here retries, so the VMA's are among the kernel's own
        # completed faults of the process.
        check(v["faults"] <= flt, f"VMA faults {v['faults']} > the "
              f"/proc stat min_flt+maj_flt delta {flt}")
        for k in ("cow_faults", "cow_copies", "cow_zero", "cow_reuses"):
            check_eq(v.get(k, 0), 0, f"VMA {k}")
            check_eq(d.get(k, 0), 0, f"process {k} delta")
        # After a fork, both sides write: still no copy-on-write.
        first = pfns(pagemap(w.pid, r["addr"], N))
        child = w.fork()
        w.cmd(f"child write {r['id']}")
        w.cmd(f"write {r['id']}")
        cv = region_vma(s, child, r, f"{kind} child")
        pv = region_vma(s, w.pid, r, f"{kind} parent")
        check_eq(pfns(pagemap(child, r["addr"], N)), first,
                 "child PFNs (pagemap: the same shared pages)")
        for k in ("cow_faults", "cow_copies", "cow_reuses"):
            check_eq(cv.get(k, 0), 0, f"child VMA {k}")
            check_eq(pv.get(k, 0), 0, f"parent VMA {k}")


@test("MAP_SHARED|MAP_ANONYMOUS: writes, also after fork, are no COW")
def _():
    shared_case("shared")


@test("MAP_SHARED memfd: writes, also after fork, are no COW")
def _():
    shared_case("memfd")


def thp_mode():
    try:
        t = read_text("/sys/kernel/mm/transparent_hugepage/enabled")
    except OSError:
        return None
    m = re.search(r"\[(\w+)\]", t)
    return m and m[1]


@test("THP: a 2 MiB MADV_HUGEPAGE region, first touch and COW after fork")
def _():
    """What the counters say of a PMD-mapped THP, documented by measuring.
    The first write fault on a 2 MiB-aligned MADV_HUGEPAGE region maps a
    whole THP (smaps AnonHugePages) in ONE handle_mm_fault(): the VMA has
    one fault, not 512.  After fork, the first write to the shared THP
    goes through do_huge_pmd_wp_page(), which is not do_wp_page(): the
    kernel splits the PMD and falls back to PTEs, and from then on each
    4 KiB write is a PTE-level do_wp_page() copy.  So cow_copies counts
    4 KiB pages (those pagemap shows with new PFNs), never 2 MiB units."""
    mode = thp_mode()
    if mode is None or mode == "never":
        raise Skip(f"THP is {mode or 'not configured'} in this guest")
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "faults", "cow_copies", "cow_faults")
        r = w.map(512, "thp")
        pages = r["pages"]
        w.cmd(f"write {r['id']} 0 1")
        sm = find_vma(proc_smaps(w.pid), r["addr"])
        huge = int(sm["fields"].get("AnonHugePages", "0 kB").split()[0])
        v = region_vma(s, w.pid, r, "thp")
        diag(f"THP mode {mode}; AnonHugePages {huge} kB after one write; "
             f"VMA {counters(v)}")
        if huge == 0:
            raise Skip("no THP was allocated (AnonHugePages 0 kB) on a "
                       "2 MiB-aligned MADV_HUGEPAGE region")
        check_eq(v["faults"], 1, "faults for a whole THP (one fault)")
        w.cmd(f"write {r['id']}")
        v = region_vma(s, w.pid, r, "thp")
        check_eq(v["faults"], 1, "faults after writing every 4 KiB page of "
                 "the mapped THP (no more faults)")
        before = pfns(pagemap(w.pid, r["addr"], pages))
        child = w.fork()
        w.cmd(f"child write {r['id']}")
        cv = region_vma(s, child, r, "thp child")
        after = pfns(pagemap(child, r["addr"], pages))
        copied = sum(1 for x, y in zip(before, after) if x != y)
        csm = find_vma(proc_smaps(child), r["addr"])
        diag(f"child: {copied} of {pages} pages with new PFNs; child "
             f"AnonHugePages {csm['fields'].get('AnonHugePages')}; "
             f"VMA {counters(cv)}")
        check_eq(cv["cow_copies"], copied,
                 "child cow_copies (4 KiB pages with new PFNs)")
        check(cv["cow_faults"] >= copied,
              f"child cow_faults {cv['cow_faults']} < copies {copied}")


# ------------------------------------------------------------ lifecycle

def vma_of(s, pid, addr, what):
    v = nl.vma_at(s, pid, addr)
    m = find_vma(proc_maps(pid), addr)
    check(v is not None and m is not None
          and (v["start"], v["end"]) == (m["start"], m["end"]),
          f"{what}: vmscope {v and (hex(v['start']), hex(v['end']))}, "
          f"/proc maps {m and (hex(m['start']), hex(m['end']))}")
    return v


@test("split (mprotect the middle): the history stays with the piece "
      "keeping the start; merge adds the counters up")
def _():
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "faults")
        third = N // 4
        r = w.map(3 * third)
        w.cmd(f"write {r['id']}")
        whole = vma_of(s, w.pid, r["addr"], "whole")
        check(whole["faults"] >= 3 * third, f"faults {whole['faults']}")
        p = w.cmd(f"protect {r['id']} {third} {third} r")
        a, b = p["addr"], p["end"]
        left = vma_of(s, w.pid, r["addr"], "left piece")
        mid = vma_of(s, w.pid, a, "middle piece")
        right = vma_of(s, w.pid, b, "right piece")
        check_eq((left["end"], mid["start"], mid["end"], right["start"]),
                 (a, a, b, b), "split boundaries")
        diag(f"before split {counters(whole)}; left {counters(left)}; "
             f"middle {counters(mid)}; right {counters(right)}")
        check_eq(counters(left), counters(whole),
                 "left piece (keeps the start): all the history")
        for k, v in counters(mid).items():
            check_eq(v, 0, f"middle piece {k}")
        for k, v in counters(right).items():
            check_eq(v, 0, f"right piece {k}")
        # New faults in the right piece count there.
        w.cmd(f"dontneed {r['id']} {2 * third} {third}")
        w.cmd(f"write {r['id']} {2 * third} {third}")
        right = vma_of(s, w.pid, b, "right piece after writes")
        check(right["faults"] >= third,
              f"right piece faults {right['faults']} < {third}")
        left2 = vma_of(s, w.pid, r["addr"], "left piece again")
        check_eq(counters(left2), counters(left), "left piece unchanged")
        # Merge: mprotect the middle back; the three pieces are one VMA.
        mid = vma_of(s, w.pid, a, "middle piece")
        w.cmd(f"protect {r['id']} {third} {third} rw")
        merged = vma_of(s, w.pid, r["addr"], "merged")
        check_eq((merged["start"], merged["end"]), (r["addr"], r["end"]),
                 "merged VMA")
        want = {k: left2[k] + mid.get(k, 0) + right.get(k, 0)
                for k in counters(left2)}
        diag(f"merged {counters(merged)}")
        check_eq(counters(merged), want, "merged = left + middle + right")


@test("move (mremap): the new address starts at 0; unmap then map at the "
      "same address starts at 0")
def _():
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "faults")
        r = w.map(N // 4)
        n = r["pages"]
        w.cmd(f"write {r['id']}")
        old = vma_of(s, w.pid, r["addr"], "before the move")
        check(old["faults"] >= n, f"faults {old['faults']} < {n}")
        m = w.cmd(f"remap {r['id']}")
        moved = vma_of(s, w.pid, m["addr"], "moved")
        diag(f"before {counters(old)}; moved {counters(moved)}")
        for k, v in counters(moved).items():
            check_eq(v, 0, f"moved VMA {k}")
        # The moved pages are present: writing them faults nothing; new
        # faults after MADV_DONTNEED count at the new address.
        w.cmd(f"dontneed {r['id']}")
        w.cmd(f"write {r['id']}")
        moved = vma_of(s, w.pid, m["addr"], "moved, rewritten")
        check(moved["faults"] >= n, f"moved faults {moved['faults']} < {n}")
        # A new mapping where the old one was starts at 0.
        again = w.cmd(f"mapat {m['old']:#x} {n}")
        check_eq(again["addr"], m["old"], "mapat address")
        v = vma_of(s, w.pid, m["old"], "new mapping at the old address")
        for k, x in counters(v).items():
            check_eq(x, 0, f"new mapping at the old address: {k}")
        # munmap, then a new mapping at the same address: 0 again.
        w.cmd(f"write {again['id']}")
        v = vma_of(s, w.pid, m["old"], "written")
        check(v["faults"] >= n, f"faults {v['faults']} < {n}")
        w.cmd(f"unmap {again['id']}")
        third = w.cmd(f"mapat {m['old']:#x} {n}")
        v = vma_of(s, w.pid, third["addr"], "mapped after munmap")
        for k, x in counters(v).items():
            check_eq(x, 0, f"mapping after munmap: {k}")


# ------------------------------------------------------------ bpftrace

# BEGIN runs once every probe is attached: "ready" is the go signal
# (bpftrace prints "Attaching N probes..." before it attaches them).
BPF_SCRIPT = r"""
BEGIN { printf("ready\n"); }
tracepoint:exceptions:page_fault_user /pid == $1/ { @user = count(); }
tracepoint:exceptions:page_fault_kernel /pid == $1 && args->address < 0x800000000000/ { @kernel = count(); }
kprobe:do_wp_page /pid == $1/ { @wp = count(); }
"""


def bpftrace(pid, argv_extra=()):
    exe = "/usr/bin/bpftrace"
    if not os.path.exists(exe):
        raise Fail("bpftrace is not installed (tests/setup.sh installs it)")
    p = subprocess.Popen([exe, "-B", "line", "-e", BPF_SCRIPT, str(pid)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    # Under TCG, bpftrace takes about a minute to load BTF and attach.
    deadline = time.monotonic() + 400
    line = ""
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line or line.startswith("ready"):
            break
    if not line.startswith("ready"):
        p.kill()
        out, err = p.communicate()
        raise Fail(f"bpftrace did not attach: exit {p.returncode}; "
                   f"{(line + out + err).strip()[:1500]!r}")
    return p


def bpftrace_result(p):
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    got = {"user": 0, "kernel": 0, "wp": 0}
    for m in re.finditer(r"^@(\w+)(?:\[(\d+)\])?: (\d+)$", out, re.M):
        got[m[1] + (m[2] or "")] = int(m[3])
    return got, out, err


@test("bpftrace cross-check: user/kernel page faults and do_wp_page "
      "calls of one process equal vmscope's counters", timeout=900)
def _():
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "faults", "cow_faults", per_vma=False)
        r = w.map(N)
        z = w.map(N)
        sh = w.map(N, "shared")
        w.cmd("wait")
        bt = bpftrace(w.pid)
        try:
            p0 = nl.proc_get(s, w.pid)
            w.cmd(f"write {r['id']}")
            w.fork()
            w.cmd(f"child write {r['id']}")
            w.cmd(f"write {r['id']}")       # reuses
            w.cmd(f"read {z['id']}")
            w.cmd(f"write {z['id']}")       # zero-page copies
            w.cmd(f"write {sh['id']}")      # shared: no COW
            w.cmd(f"child exit")
            p1 = nl.proc_get(s, w.pid)
        finally:
            got, out, err = bpftrace_result(bt)
        d = delta(p1, p0, nl.PROC_COUNTERS)
        diag(f"bpftrace: {got}")
        diag(f"vmscope process delta: {d}")
        if err.strip():
            diag(f"bpftrace stderr: {err.strip()[:500]}")
        check(d["faults"] >= 3 * N, f"faults delta {d['faults']}")
        check_eq(d["faults"] - d["faults_kernel"], got["user"],
                 "user-mode faults (tracepoint exceptions:page_fault_user)")
        check_eq(d["faults_kernel"], got["kernel"],
                 "kernel-mode faults on user addresses "
                 "(exceptions:page_fault_kernel)")
        # do_wp_page() also runs for shared mappings; the shared region
        # was first written (not read), so it took none here.
        check_eq(d["cow_faults"], got["wp"], "cow_faults vs do_wp_page calls")


# ------------------------------------------------------------ overflow

@test("counters: the process's per-VMA total covers its region faults; "
      "no overflow in a small workload")
def _():
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "faults")
        regs = [w.map(8) for _ in range(16)]
        for r in regs:
            w.cmd(f"write {r['id']}")
        vmas = nl.vma_dump(s, w.pid)
        p = nl.proc_get(s, w.pid)
        check_eq(p.get("vma_overflow", 0), 0, "process vma_overflow")
        total = sum(v.get("faults", 0) for v in vmas)
        check(total >= 16 * 8, f"per-VMA faults total {total}")
        for r in regs:
            v = find_vma(vmas, r["addr"])
            check(v and v.get("faults", 0) >= 8,
                  f"region {r['addr']:#x}: {v and counters(v)}")


# ------------------------------------------------------------ GUP

@test("get_user_pages(): writes through /proc/PID/mem are VMA faults in "
      "kernel mode (and COW copies after fork), not process faults")
def _():
    with nl.Vmscope() as s, Cow() as w, nl.Watcher() as wt:
        inf = module_facts(s)
        need(inf, "faults", "cow_copies")
        need(inf, "faults", per_vma=False)
        r = w.map(N)
        w.cmd("wait")
        check_eq(wt.watch([w.pid]).error, 0, "WATCH")
        mn0, mj0 = stat_flt(w.pid)
        p0 = nl.proc_get(s, w.pid)
        # access_remote_vm(): get_user_pages_remote(FOLL_FORCE|FOLL_WRITE)
        # in this process, on the workload's memory.
        with open(f"/proc/{w.pid}/mem", "r+b", buffering=0) as f:
            for i in range(N):
                f.seek(r["addr"] + i * w.page)
                f.write(b"\x01")
        p1 = nl.proc_get(s, w.pid)
        mn1, mj1 = stat_flt(w.pid)
        v = region_vma(s, w.pid, r, "region")
        present = sum(1 for x in pfns(pagemap(w.pid, r["addr"], N)) if x)
        d = delta(p1, p0, nl.PROC_COUNTERS)
        diag(f"VMA {counters(v)}; process delta {d}; target min_flt delta "
             f"{mn1 - mn0}")
        check_eq(present, N, "present pages (pagemap)")
        check_eq(v["faults"], N, "VMA faults (one GUP fault per page)")
        check_eq(v["faults_kernel"], N, "VMA faults_kernel")
        # The target took no hardware fault; the kernel's min_flt account
        # of a GUP fault goes to the task that called it, not the target.
        check_eq(d["faults"], 0, "the target's process faults")
        check_eq(mn1 - mn0 + mj1 - mj0, 0, "the target's min_flt+maj_flt")
        # Events: pid 0 (another process's GUP), not user mode.
        wt.wait_for(lambda ev: count_in(ev, r) >= N, timeout=20)
        ev = [e for e in wt.events if r["addr"] <= e["addr"] < r["end"]]
        check(len(ev) >= N, f"{len(ev)} events in the region, want >= {N}")
        bad = [e for e in ev if e.get("pid") != 0
               or e.get("flags", 0) & nl.EVENT_F_USER or "ip" in e]
        check(not bad, f"{len(bad)} GUP events with a pid, the user flag "
              f"or an ip, e.g. {bad[:2]}")
        # After fork, a GUP write to a COW-shared page copies it.
        child = w.fork()
        b = counters(region_vma(s, child, r, "child"))
        with open(f"/proc/{child}/mem", "r+b", buffering=0) as f:
            for i in range(N):
                f.seek(r["addr"] + i * w.page)
                f.write(b"\x02")
        a = counters(region_vma(s, child, r, "child after"))
        dd = delta(a, b, ("cow_faults", "cow_copies", "faults_kernel"))
        diag(f"child delta {dd}")
        parent = pfns(pagemap(w.pid, r["addr"], N))
        mine = pfns(pagemap(child, r["addr"], N))
        copied = sum(1 for x, y in zip(parent, mine) if x != y)
        check_eq(copied, N, "child pages with new PFNs (pagemap)")
        check_eq(dd["cow_copies"], copied, "child cow_copies by GUP")


def count_in(events, r):
    return sum(1 for e in events if r["addr"] <= e.get("addr", -1) < r["end"])


@test("partial munmap: unmapping the head drops the history (its events "
      "started there); unmapping the tail keeps it")
def _():
    with nl.Vmscope() as s, Cow() as w:
        inf = module_facts(s)
        need(inf, "faults")
        k = N // 4
        r = w.map(3 * k)
        w.cmd(f"write {r['id']}")
        whole = vma_of(s, w.pid, r["addr"], "whole")
        check(whole["faults"] >= 3 * k, f"faults {whole['faults']}")
        # The tail goes: the VMA keeps its start, and its history.
        w.cmd(f"punch {r['id']} {2 * k} {k}")
        head = vma_of(s, w.pid, r["addr"], "after the tail's munmap")
        check_eq(head["end"], r["addr"] + 2 * k * w.page, "end")
        diag(f"whole {counters(whole)}; without its tail {counters(head)}")
        check_eq(counters(head), counters(whole),
                 "counters after unmapping the tail")
        # The head goes: the rest starts at a new address; every event
        # started at the old start, now unmapped: all dropped.
        p = w.cmd(f"punch {r['id']} 0 {k}")
        rest = vma_of(s, w.pid, p["end"], "after the head's munmap")
        diag(f"without its head {counters(rest)}")
        for key, x in counters(rest).items():
            check_eq(x, 0, f"after unmapping the head: {key}")
        w.cmd(f"dontneed {r['id']} {k} {k}")
        w.cmd(f"write {r['id']} {k} {k}")
        rest = vma_of(s, w.pid, p["end"], "rewritten")
        check(rest["faults"] >= k, f"faults {rest['faults']} < {k}")
