# SPDX-License-Identifier: GPL-2.0
"""vmscope maps vs /proc/PID/maps and /proc/PID/smaps."""

import os

from harness import (
    FLAG_TABLE, MNEMONIC_TO_NAME, NAME_TO_MNEMONIC, Fail, Mapper, check,
    check_eq, cli, cli_json, compare_lists, describe, diag, expect_error,
    find_vma, fmt_entry, maps_equal_cli, parse_maps, read_text,
    spawn_sleep, stable_compare, stop, test, cli_self_maps, parallel)


@test("maps self (root) equals the CLI's own /proc/PID/maps")
def _():
    got, n = cli_self_maps()
    diag(f"{len(got)} VMAs; {n} distinct address space(s) during the dump")


@test("maps 1 equals /proc/1/maps")
def _():
    maps_equal_cli(1)


@test("maps of a sleep process equals /proc/PID/maps")
def _():
    p = spawn_sleep()
    try:
        maps_equal_cli(p.pid)
    finally:
        stop(p)


@test("maps of the mapper equals /proc/PID/maps at every step")
def _():
    with Mapper() as m:
        steps = ["info", "sbrk 1048576", "seed", "split", "threads 2",
                 "many 300", "merge", "unseed", "unmany", "sbrk -1048576"]
        maps_equal_cli(m.pid)
        for s in steps:
            m.cmd(s)
            try:
                maps_equal_cli(m.pid)
            except Fail as e:
                raise Fail(f"after mapper '{s}': {e}")


def smaps_stable(pid, run_fn, what, tries=6):
    """Like stable_compare, but against smaps (for flags and page sizes)."""
    from harness import proc_smaps
    import time
    for _ in range(tries):
        before = proc_smaps(pid)
        got = run_fn()
        after = proc_smaps(pid)
        strip = [{k: v for k, v in e.items() if k not in ("fields",)}
                 for e in before]
        strip2 = [{k: v for k, v in e.items() if k not in ("fields",)}
                  for e in after]
        ps1 = [e["fields"].get("KernelPageSize") for e in before]
        ps2 = [e["fields"].get("KernelPageSize") for e in after]
        if strip == strip2 and ps1 == ps2:
            compare_lists(got, before, what)
            return got, before
        time.sleep(0.2)
    raise Fail(f"{what}: /proc/{pid}/smaps never stable")


def flag_targets():
    return [("self-mapper", None), ("pid 1", 1), ("sleep", "sleep")]


def with_targets(fn):
    """Run fn(pid, label) on the mapper, pid 1 and a sleep process."""
    with Mapper() as m:
        m.cmd("seed")
        m.cmd("split")
        fn(m.pid, "mapper")
    fn(1, "pid 1")
    p = spawn_sleep()
    try:
        fn(p.pid, "sleep")
    finally:
        stop(p)


@test("maps flags equal smaps VmFlags for every VMA")
def _():
    import nl
    for k in nl.VMA_F_SUFFIXES:
        check(k in nl.CLI_FLAG_NAMES and k in nl.UAPI_FLAG_MNEMONICS,
              f"VMSCOPE_VMA_F_{k}: no CLI name or smaps mnemonic known to "
              f"the tests")
    unmodelled = set()

    def one(pid, label):
        got, sm = smaps_stable(pid, lambda: cli_json("maps", pid),
                               f"maps {label}")
        for g, s in zip(got, sm):
            for f in g["flags"]:
                if f not in NAME_TO_MNEMONIC:
                    raise Fail(f"{label}: unknown flag name {f!r} in "
                               f"{fmt_entry(g)}")
            if s["vmflags"] is None:
                raise Fail(f"{label}: no VmFlags line for {fmt_entry(s)}")
            want = {m for m in s["vmflags"] if m in MNEMONIC_TO_NAME}
            unmodelled.update(m for m in s["vmflags"]
                              if m not in MNEMONIC_TO_NAME)
            have = {NAME_TO_MNEMONIC[f] for f in g["flags"]}
            if have != want:
                raise Fail(f"{label}: {fmt_entry(s)}: vmscope flags "
                           f"{sorted(have)} != smaps {sorted(want)} "
                           f"(missing {sorted(want - have)}, extra "
                           f"{sorted(have - want)})")
            order = [n for n, _ in FLAG_TABLE if n in g["flags"]]
            check_eq(g["flags"], order, f"{label}: flag order")
    with_targets(one)
    if unmodelled:
        diag(f"smaps mnemonics vmscope does not model (ignored): "
             f"{' '.join(sorted(unmodelled))}")


@test("maps page_size equals smaps KernelPageSize for every VMA")
def _():
    def one(pid, label):
        got, sm = smaps_stable(pid, lambda: cli_json("maps", pid),
                               f"maps {label}")
        for g, s in zip(got, sm):
            kps = s["fields"].get("KernelPageSize")
            check(kps is not None and kps.endswith(" kB"),
                  f"{label}: no KernelPageSize for {fmt_entry(s)}")
            check_eq(g["page_size"], int(kps.split()[0]) * 1024,
                     f"{label}: page_size of {fmt_entry(s)}")
    with_targets(one)


def addr_query(pid, addr, nxt=False):
    args = ["maps", pid, "--addr", hex(addr)] + (["--next"] if nxt else [])
    return cli(*args, "--json")


def one_vma(res, what):
    import json
    if res.returncode != 0:
        raise Fail(f"{what}: {describe(res)}")
    try:
        v = json.loads(res.stdout)
    except ValueError:
        raise Fail(f"{what}: bad JSON {res.stdout[:200]!r}")
    if not isinstance(v, list) or len(v) != 1:
        raise Fail(f"{what}: want a JSON array of one VMA, got {v!r:.300}")
    return v[0]


@test("maps --addr and --addr --next vs /proc for every mapper VMA",
      timeout=180)
def _():
    from concurrent.futures import ThreadPoolExecutor
    with Mapper() as m:
        text = read_text(f"/proc/{m.pid}/maps")
        want = parse_maps(text)
        jobs = []       # (description, address, --next, expected or None)
        for i, w in enumerate(want):
            jobs.append(("start", w["start"], False, w))
            jobs.append(("end - 1", w["end"] - 1, False, w))
            lo = want[i - 1]["end"] if i else 0
            if lo < w["start"]:     # the gap below this VMA
                gap = lo + (w["start"] - lo) // 2
                jobs.append(("gap", gap, False, None))
                jobs.append(("gap --next", gap, True, w))
                jobs.append(("gap end --next", w["start"] - 1, True, w))
        top = want[-1]["end"]
        jobs.append(("above all", top, False, None))
        jobs.append(("above all --next", top, True, None))
        jobs.append(("inside --next", want[1]["start"] + 1, True, want[1]))

        def one(job):
            what, a, nxt, w = job
            res = addr_query(m.pid, a, nxt)
            label = f"--addr {a:#x}{' --next' if nxt else ''} ({what})"
            if w is None:
                expect_error(res, 7, label)
            else:
                compare_lists([one_vma(res, label)], [w], label)

        with ThreadPoolExecutor(max_workers=3) as ex:
            errors = []
            for job, fut in zip(jobs, [ex.submit(one, j) for j in jobs]):
                try:
                    fut.result()
                except Fail as e:
                    errors.append(str(e))
        check(read_text(f"/proc/{m.pid}/maps") == text,
              "mapper changed during the test")
        if errors:
            raise Fail(f"{len(errors)} of {len(jobs)} queries wrong:\n"
                       + "\n".join(errors[:10]))
        diag(f"{len(jobs)} queries over {len(want)} VMAs")


def intersect(entries, lo, hi):
    return [e for e in entries if e["start"] < hi and e["end"] > lo]


@test("maps --range vs filtering /proc/PID/maps")
def _():
    with Mapper() as m:
        m.cmd("many 40")
        want = parse_maps(read_text(f"/proc/{m.pid}/maps"))
        page = m.page
        k = len(want) // 3
        a, b = want[k], want[2 * k]
        cases = [
            (a["start"], b["end"]),                       # exact bounds
            (a["start"] + page // 2, b["end"] - page // 2),  # unaligned
            (a["end"], b["start"]),                       # touching ends
            (a["start"], a["start"] + 1),                 # one byte
            (a["end"] - 1, a["end"]),                     # last byte
            (0, want[0]["start"]),                        # below everything
            (want[-1]["end"], want[-1]["end"] + page),    # above everything
            (0, 1 << 47),                                 # everything
        ]
        # a gap, if the mapper has one
        for x, y in zip(want, want[1:]):
            if x["end"] < y["start"]:
                cases.append((x["end"], y["start"]))
                break
        # open-ended: START- means up to the top
        cases.append((b["start"] + 1, None))

        def one(case):
            lo, hi = case
            arg = f"{lo:#x}-{'' if hi is None else f'{hi:#x}'}"
            got = cli_json("maps", m.pid, "--range", arg)
            compare_lists(got, intersect(want, lo, hi or 1 << 64),
                          f"--range {arg}")
        parallel(one, cases)
        check(parse_maps(read_text(f"/proc/{m.pid}/maps")) == want,
              "mapper changed during the test")


@test("maps --require/--forbid vs filtering smaps VmFlags")
def _():
    from harness import proc_smaps
    with Mapper() as m:
        m.cmd("seed")
        m.cmd("many 10")
        sm = proc_smaps(m.pid)

        def has(e, names):
            return all(NAME_TO_MNEMONIC[n] in e["vmflags"] for n in names)

        def none(e, names):
            return not any(NAME_TO_MNEMONIC[n] in e["vmflags"] for n in names)

        cases = [
            (["exec"], []), (["shared"], []), (["mayshare"], []),
            ([], ["read"]), (["read", "write"], ["exec"]),
            (["mayshare"], ["shared"]), (["growsdown"], []),
            ([], ["mayread", "maywrite"]), (["account"], []),
            (["read", "mayshare"], ["write"]), (["pfnmap"], []),
        ]
        def one(case):
            req, forb = case
            exp = [e for e in sm if has(e, req) and none(e, forb)]
            args = ["maps", m.pid]
            if req:
                args += ["--require", ",".join(req)]
            if forb:
                args += ["--forbid", ",".join(forb)]
            got = cli_json(*args)
            compare_lists(got, exp, " ".join(map(str, args[2:])))
            for g in got:
                check(all(f in g["flags"] for f in req)
                      and not any(f in g["flags"] for f in forb),
                      f"{args}: reported flags {g['flags']} do not match")
            return bool(exp)
        nonempty = sum(parallel(one, cases))
        # the mnemonic spelling works too
        exp = [e for e in sm if "ex" in e["vmflags"]]
        compare_lists(cli_json("maps", m.pid, "--require", "ex"), exp,
                      "--require ex")
        # with a range as well
        lo, hi = sm[len(sm) // 4]["start"], sm[3 * len(sm) // 4]["end"]
        exp = [e for e in intersect(sm, lo, hi) if "wr" in e["vmflags"]]
        compare_lists(cli_json("maps", m.pid, "--range", f"{lo:#x}-{hi:#x}",
                               "--require", "write"), exp,
                      "--range with --require")
        check(nonempty >= 8, f"only {nonempty} filter cases matched anything")
        after = proc_smaps(m.pid)
        check([e["vmflags"] for e in after] == [e["vmflags"] for e in sm],
              "mapper changed during the test")


# ---------------------------------------------------------------- mapper

def mapper_view(m):
    """Full equality first; then the /proc entries to assert on."""
    got, want = maps_equal_cli(m.pid)
    return want


def vma_at(entries, addr, what):
    e = find_vma(entries, addr)
    if e is None:
        raise Fail(f"{what}: no VMA at {addr:#x}")
    return e


def check_file_vma(m, e, name, what):
    """Name as expected; inode that of the file behind /proc/PID/map_files
    (st_dev is not compared: on an overlayfs it is the overlay's, while
    maps shows the underlying file's device)."""
    check_eq(e["name"], name, f"{what}: name")
    st = os.stat(f"/proc/{m.pid}/map_files/{e['start']:x}-{e['end']:x}")
    check_eq(e["inode"], st.st_ino, f"{what}: inode vs map_files")
    check(e["dev"] != "00:00", f"{what}: file VMA with device 00:00")


@test("mapper: a file mapped at a non-zero offset")
def _():
    with Mapper() as m:
        want = mapper_view(m)
        a = m.info["offset_map"]
        e = vma_at(want, a, "offset mapping")
        check_eq((e["start"], e["end"]), (a, a + m.info["offset_len"]),
                 "bounds")
        check_eq(e["offset"], m.info["offset"], "offset")
        check_eq(e["perms"], "r--p", "perms")
        check_file_vma(m, e, m.path("offset.dat"), "offset mapping")
        st = os.stat(m.path("offset.dat"))
        check_eq(e["inode"], st.st_ino, "inode vs stat()")


@test("mapper: a MAP_SHARED file mapping is 's' with shared and mayshare")
def _():
    with Mapper() as m:
        want = mapper_view(m)
        a = m.info["shared"]
        e = vma_at(want, a, "shared mapping")
        check_eq(e["perms"], "rw-s", "perms")
        check_file_vma(m, e, m.path("shared.dat"), "shared")
        got = one_vma(addr_query(m.pid, a), "--addr shared")
        check("shared" in got["flags"] and "mayshare" in got["flags"],
              f"flags {got['flags']}")
        with open(m.path("shared.dat"), "rb") as f:
            check_eq(f.read(1), b"S", "write through the shared mapping")


@test("mapper: an unlinked file's name ends in ' (deleted)'")
def _():
    with Mapper() as m:
        want = mapper_view(m)
        e = vma_at(want, m.info["deleted"], "deleted mapping")
        check(not os.path.exists(m.path("deleted.dat")), "file still there")
        check_file_vma(m, e, m.path("deleted.dat") + " (deleted)", "deleted")
        check_eq(e["perms"], "r--s", "perms")
        got = one_vma(addr_query(m.pid, e["start"]), "--addr deleted")
        check("mayshare" in got["flags"] and "shared" not in got["flags"],
              f"read-only MAP_SHARED flags {got['flags']}")


@test("mapper: a memfd mapping is '/memfd:NAME (deleted)'")
def _():
    with Mapper() as m:
        want = mapper_view(m)
        e = vma_at(want, m.info["memfd"], "memfd mapping")
        check_file_vma(m, e, "/memfd:vmscope-memfd (deleted)", "memfd")
        check_eq(e["perms"], "rw-s", "perms")


@test("mapper: a newline in a file name is printed as \\012")
def _():
    with Mapper() as m:
        want = mapper_view(m)
        e = vma_at(want, m.info["newline"], "newline mapping")
        check(os.path.exists(m.path("new\nline name.dat")), "no such file")
        check_file_vma(m, e, m.path("new\\012line name.dat"), "newline")


@test("mapper: PROT_NONE guard pages between RW regions")
def _():
    with Mapper() as m:
        want = mapper_view(m)
        g, p = m.info["guard"], m.page
        for i, perms in enumerate(["rw-p", "---p", "rw-p", "---p", "rw-p"]):
            e = vma_at(want, g + i * p, f"guard page {i}")
            check_eq(e["perms"], perms, f"guard page {i} perms")
            if i in (1, 2, 3):
                check_eq((e["start"], e["end"]), (g + i * p, g + (i + 1) * p),
                         f"guard page {i} bounds")
        check_eq(vma_at(want, g, "guard 0")["end"], g + p, "guard 0 end")
        check_eq(vma_at(want, g + 4 * p, "guard 4")["start"], g + 4 * p,
                 "guard 4 start")


@test("mapper: [heap] end moves with sbrk")
def _():
    with Mapper() as m:
        before = [e for e in mapper_view(m) if e["name"] == "[heap]"]
        r = m.cmd(f"sbrk {64 * m.page + 123}")
        after = [e for e in mapper_view(m) if e["name"] == "[heap]"]
        check(len(before) == 1 and len(after) == 1,
              f"want one [heap] VMA, got {before} / {after}")
        b, a = before[0], after[0]
        check_eq(a["start"], b["start"], "heap start")
        check_eq(a["end"], (r["new"] + m.page - 1) & ~(m.page - 1),
                 "heap end vs the new break")
        check(a["end"] > b["end"], "heap did not grow")
        r = m.cmd(f"sbrk -{64 * m.page + 123}")
        again = [e for e in mapper_view(m) if e["name"] == "[heap]"]
        check_eq([e["end"] for e in again], [b["end"]], "heap end after shrink")


@test("mapper: [stack] holds the stack and grows down; [vdso] is there")
def _():
    with Mapper() as m:
        want = mapper_view(m)
        e = vma_at(want, m.info["stack"], "stack")
        check_eq(e["name"], "[stack]", "name of the VMA holding a local")
        check_eq(e["perms"], "rw-p", "stack perms")
        got = one_vma(addr_query(m.pid, m.info["stack"]), "--addr stack")
        check("growsdown" in got["flags"], f"stack flags {got['flags']}")
        vdso = [x for x in want if x["name"] == "[vdso]"]
        check(len(vdso) == 1, f"want one [vdso] in /proc, got {vdso}")
        check_eq(vdso[0]["perms"], "r-xp", "vdso perms")
        check(any(x["name"].startswith("[vvar") for x in want),
              "no [vvar] in /proc")


@test("mapper: mprotect splits a region into three VMAs and back")
def _():
    with Mapper() as m:
        s, p = m.info["split"], m.page
        m.cmd("split")
        want = mapper_view(m)
        mid = vma_at(want, s + p, "split middle")
        check_eq((mid["start"], mid["end"], mid["perms"]),
                 (s + p, s + 2 * p, "r--p"), "middle page")
        check_eq(vma_at(want, s, "split low")["end"], s + p, "low part end")
        check_eq(vma_at(want, s + 2 * p, "split high")["start"], s + 2 * p,
                 "high part start")
        m.cmd("merge")
        want = mapper_view(m)
        check_eq(vma_at(want, s + p, "merged")["perms"], "rw-p",
                 "merged perms")


@test("mapper: 60000 VMAs, all equal to /proc", timeout=240)
def _():
    import time
    with Mapper() as m:
        t = time.monotonic()
        r = m.cmd("many 60000", timeout=200)
        t1 = time.monotonic()
        got, text = maps_equal_cli(m.pid, parse=False)
        t2 = time.monotonic()
        inside = [e for e in got
                  if r["addr"] <= e["start"] < r["addr"] + r["len"]]
        check(len(inside) >= 59999, f"only {len(inside)} VMAs in the region")
        diag(f"{len(got)} VMAs compared; setup {t1 - t:.1f} s, "
             f"dump and compare {t2 - t1:.1f} s")


@test("seed example: the MAP_SHARED VMA appears, then disappears")
def _():
    with Mapper() as m:
        r = m.cmd("seed")
        a = r["addr"]
        want = mapper_view(m)
        e = vma_at(want, a, "seed mapping")
        check_eq((e["start"], e["end"], e["perms"], e["offset"]),
                 (a, a + r["len"], "rw-s", 0), "seed VMA")
        check_file_vma(m, e, m.path("seed.txt"), "seed")
        got = one_vma(addr_query(m.pid, a), "--addr seed")
        compare_lists([got], [e], "--addr seed")
        with open(m.path("seed.txt"), "rb") as f:
            data = f.read()
        check(data.startswith(b"Hello, VMA!\0"),
              f"write through the mapping not in the file: {data!r}")
        m.cmd("unseed")
        want = mapper_view(m)
        check(find_vma(want, a) is None or find_vma(want, a)["start"] != a,
              "seed VMA still in /proc after munmap")
        if find_vma(want, a) is None:
            expect_error(addr_query(m.pid, a), 7, "--addr after munmap")


@test("maps of a thread id shows its whole process")
def _():
    with Mapper() as m:
        m.cmd("threads 2")
        tids = sorted(int(t) for t in os.listdir(f"/proc/{m.pid}/task"))
        others = [t for t in tids if t != m.pid]
        check(len(others) == 2, f"threads: {tids}")
        stable_compare(m.pid, lambda: cli_json("maps", others[0]),
                       f"maps {others[0]} (a thread of {m.pid})")
