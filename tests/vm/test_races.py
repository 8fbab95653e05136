# SPDX-License-Identifier: GPL-2.0
"""Dumps racing address-space changes, exits and execs; the kernel log."""

import errno
import json
import os
import shutil
import signal
import subprocess
import time

import harness
from harness import (
    BAD_KERNEL_LOG, CLI, Fail, Mapper, check, check_eq, check_ordered,
    cli_entry, cli_json, cli_lines, compare_lists, compare_text, describe,
    diag, expect_error, kernel_log, maps_equal_cli, maps_lines, parse_maps,
    prog, read_text, scratch_dir, test)
import nl

RACE_SECONDS = float(os.environ.get("VMSCOPE_RACE_SECONDS", "20"))
RACE_UNITS = 40
STABLE_PER_UNIT = 10       # page 0, the file page, 8 filler pages


class Race:
    def __init__(self):
        self.dir = scratch_dir()
        self.proc = subprocess.Popen(
            [str(prog("race")), self.dir, str(RACE_UNITS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            bufsize=1)
        self.pid = self.proc.pid
        self.zones = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise Fail("race helper died during setup")
            w = line.split()
            if w[0] == "arena":
                self.arena = (int(w[1], 16), int(w[2], 16))
            elif w[0] == "zone":
                self.zones.append((int(w[1], 16), int(w[2], 16)))
            elif w[0] == "ready":
                break

    def send(self, s):
        self.proc.stdin.write(s + "\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def zone_of(zones, e):
    for z in zones:
        if e["start"] < z[1] and e["end"] > z[0]:
            return z
    return None


@test("race: dumps stay ordered and keep every stable VMA while VMAs "
      "split, merge, shrink, expand and move", timeout=int(RACE_SECONDS) + 120)
def _():
    r = Race()
    try:
        lo, hi = r.arena
        got0, want0 = maps_equal_cli(r.pid)
        full0 = {(e["start"], e["end"]): e for e in got0}
        stable = [e for e in want0 if lo <= e["start"] < hi
                  and zone_of(r.zones, e) is None]
        check_eq(len(stable), RACE_UNITS * STABLE_PER_UNIT,
                 "stable VMAs in the arena")
        for e in want0:
            z = zone_of(r.zones, e)
            check(z is None or z[0] <= e["start"] and e["end"] <= z[1],
                  f"VMA straddles a zone edge before the race: {e}")
        ref = {(e["start"], e["end"]): full0[(e["start"], e["end"])]
               for e in stable}
        stable_keys = set(ref)

        r.send("go")
        modes = [("full", []), ("range", ["--range", f"{lo:#x}-{hi:#x}"]),
                 ("forbid", ["--forbid", "write"])]
        layouts = set()
        dumps = {m: 0 for m, _ in modes}
        t_end = time.monotonic() + RACE_SECONDS
        i = 0
        while time.monotonic() < t_end:
            mode, extra = modes[i % len(modes)]
            i += 1
            got = cli_json("maps", r.pid, *extra)
            what = f"dump {i} ({mode})"
            for e in got:
                cli_entry(e)
            check_ordered(got, what)
            idx = {(e["start"], e["end"]): e for e in got}
            for k in stable_keys:
                g = idx.get(k)
                if g != ref[k]:
                    raise Fail(f"{what}: stable VMA {k[0]:x}-{k[1]:x} "
                               f"{'missing' if g is None else 'changed'}:"
                               f" {g} != {ref[k]}")
            layout = []
            for e in got:
                if mode == "range":
                    check(e["start"] < hi and e["end"] > lo,
                          f"{what}: VMA outside --range: {e}")
                if mode == "forbid":
                    check("write" not in e["flags"],
                          f"{what}: writable VMA despite --forbid: {e}")
                if not (lo <= e["start"] < hi):
                    continue
                z = zone_of(r.zones, e)
                if z is None:
                    check((e["start"], e["end"]) in stable_keys,
                          f"{what}: unexpected VMA in the arena: {e}")
                    continue
                check(z[0] <= e["start"] and e["end"] <= z[1],
                      f"{what}: VMA crosses a zone edge: {e}")
                check(e["perms"] in ("rw-p", "r--p", "---p")
                      and e["name"] == "" and e["inode"] == 0,
                      f"{what}: odd zone VMA {e}")
                layout.append((e["start"], e["end"], e["perms"]))
            layouts.add(tuple(layout))
            dumps[mode] += 1
        r.send("stop")
        line = r.proc.stdout.readline().split()
        check(line and line[0] == "stopped", f"race helper: {line}")
        ops = int(line[1].split("=")[1])
        diag(f"{sum(dumps.values())} dumps {dumps}, {ops} mutations, "
             f"{len(layouts)} distinct zone layouts seen")
        check(ops > 0, "the mutator did nothing")
        check(min(dumps.values()) >= 2, f"too few dumps: {dumps}")
        check(len(layouts) > 1, "every dump saw the same zone layout: "
              "the race never happened")
        check(r.proc.poll() is None, "race helper died")
        maps_equal_cli(r.pid)
    finally:
        r.close()


# ---------------------------------------------------------------- lifetimes

def big_mapper():
    m = Mapper()
    try:
        t = time.monotonic()
        m.cmd("many 60000", timeout=200)
        diag(f"60000 VMAs set up in {time.monotonic() - t:.1f} s")
    except BaseException:
        m.close()
        raise
    return m


def spawn(m):
    """A forked copy of the 60000-VMA mapper: (pid, its maps text).
    SIGUSR1 makes it exec sleep; SIGKILL kills it."""
    pid = m.cmd(f"spawn {shutil.which('sleep')}")["pid"]
    a = read_text(f"/proc/{pid}/maps")
    b = read_text(f"/proc/{pid}/maps")
    check(a == b, "spawned target not idle")
    return pid, a


def reap(pid):
    """Wait until PID is gone (the mapper, its parent, reaps it)."""
    for _ in range(400):
        st = None
        try:
            st = read_text(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if st in ("Z", "X"):
            return      # dead: its address space is gone
        time.sleep(0.05)
    raise Fail(f"pid {pid} did not die")


def exec_done(pid):
    for _ in range(400):
        if read_text(f"/proc/{pid}/comm").strip() == "sleep":
            return
        time.sleep(0.02)
    raise Fail(f"pid {pid} did not exec sleep")


def exec_settled(pid):
    """The maps text of PID once its exec of sleep is over: it sleeps, and
    its maps hold still."""
    prev = None
    for _ in range(400):
        st = read_text(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[0]
        cur = read_text(f"/proc/{pid}/maps")
        if st == "S" and cur == prev:
            return cur
        prev = cur
        time.sleep(0.05)
    raise Fail(f"pid {pid}: exec of sleep never settled")


def kill_it(pid):
    os.kill(pid, signal.SIGKILL)
    reap(pid)


def exec_it(pid):
    os.kill(pid, signal.SIGUSR1)
    exec_done(pid)


def raw_cut(pid, action):
    """Start a raw dump of PID, read one chunk, ACTION(pid), read the rest.
    Returns the Reply with every VMA message."""
    with nl.Vmscope() as s:
        seq = s.send_req(nl.CMD_VMA_GET, nl.u32(nl.VMA_A_PID, pid),
                         dump=True)
        first = s.recv_batch()
        check(first and first[0][0] == s.id, "first chunk is not VMA data")
        action(pid)
        rep = nl.Reply()
        for t, fl, q, payload in first:
            if t == s.id:
                rep.msgs.append((payload[0],
                                 nl.parse_attrs(payload[nl.GENL_HDR.size:])))
        rest = s.collect(seq)
        rep.msgs += rest.msgs
        rep.error, rep.ext, rep.final = rest.error, rest.ext, rest.final
    return rep


def check_prefix(rep, snap_text, what):
    snap = maps_lines(snap_text)
    try:
        got = [nl.decode_vma(a) for _, a in rep.msgs]
    except ValueError as e:
        raise Fail(f"{what}: malformed VMA message: {e}")
    check(rep.error == errno.ESRCH,
          f"{what}: want the dump to end with ESRCH; {rep.describe()}; "
          f"{len(got)} of {len(snap)} VMAs received")
    check(0 < len(got) < len(snap),
          f"{what}: {len(got)} VMAs before ESRCH, the target had {len(snap)}")
    if cli_lines(got, what) != snap[:len(got)]:
        compare_lists(got, parse_maps("\n".join(snap[:len(got)]) + "\n"),
                      f"{what}: VMAs before ESRCH")
    diag(f"{what}: {len(got)} of {len(snap)} VMAs, then ESRCH "
         f"(extack {rep.ext_msg!r})")


@test("lifetime: raw dumps end with ESRCH when the target dies or execs "
      "mid-dump, never showing the new image", timeout=200)
def _():
    m = big_mapper()
    try:
        pid, snap = spawn(m)
        check_prefix(raw_cut(pid, kill_it), snap, "killed mid-dump")
        pid, snap = spawn(m)
        check_prefix(raw_cut(pid, exec_it), snap, "exec mid-dump")
        # the new image is dumpable normally
        maps_equal_cli(pid)
    finally:
        m.close()


@test("lifetime: CLI dumps while the target dies or execs: the complete "
      "list or exit 4", timeout=300)
def _():
    m = big_mapper()
    try:
        # The CLI prints only after the whole dump: the time to its first
        # byte of output is its dump phase.  Events land inside that.
        p = subprocess.Popen([str(CLI), "maps", str(m.pid), "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t = time.monotonic()
        p.stdout.read(1)
        full = time.monotonic() - t
        p.stdout.read()
        p.wait()
        check(p.returncode == 0, f"full dump: exit {p.returncode}")
        outcomes = []
        for event, f in ((kill_it, 0.3), (exec_it, 0.45), (kill_it, 0.6),
                         (exec_it, 0.8)):
            pid, before = spawn(m)
            p = subprocess.Popen([str(CLI), "maps", str(pid), "--json"],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            time.sleep(full * f)
            event(pid)
            out, err = p.communicate(timeout=200)
            res = subprocess.CompletedProcess(p.args, p.returncode, out, err)
            what = f"{event.__name__} at {f:.0%} of the dump phase"
            after = None
            if event is exec_it:
                # The new image once its exec is over: the CLI's request
                # may reach the kernel well after exec_done() (slow
                # emulation), and meet any later state of the new mm.
                after = exec_settled(pid)
                os.kill(pid, signal.SIGKILL)
            if res.returncode == 4:
                expect_error(res, 4, what)
                outcomes.append(f"{event.__name__}: exit 4")
                continue
            check(res.returncode == 0, f"{what}: {describe(res)}")
            got = json.loads(res.stdout)
            lines = cli_lines(got, what)
            check_ordered(got, what)
            if lines == maps_lines(before):
                outcomes.append(f"{event.__name__}: complete")
            elif after is None:
                compare_text(got, before, f"{what} (vs before)")
            elif lines == maps_lines(after):
                outcomes.append(f"{event.__name__}: complete new image")
            else:
                # execve() releases exec_update_lock in setup_new_exec(),
                # before the loader maps the new image: a reader (/proc
                # too) can meet the new mm half built, e.g. a lone stack,
                # or the dynamic loader's transient mappings (ld.so.cache)
                # that the settled image no longer has.  That is one
                # instant of the new address space; what must never show
                # is anything of the old one mixed in.
                old = set(maps_lines(before)) - set(maps_lines(after))
                leaked = [l for l in lines if l in old]
                check(lines and not leaked,
                      f"{what}: {len(lines)} VMAs, neither the old image "
                      f"({len(maps_lines(before))}) nor the new one "
                      f"({len(maps_lines(after))}); old-image VMAs in it: "
                      f"{leaked[:3]}; all: {lines[:5]}")
                outcomes.append(f"{event.__name__}: new image half built "
                                f"({len(lines)} VMAs: {lines[:2]})")
        diag(f"dump phase {full:.1f} s; " + "; ".join(outcomes))
        check(any("exit 4" in o for o in outcomes),
              "no event landed during a dump")
    finally:
        m.close()


@test("kernel log: no BUG, WARNING, Oops, KASAN, lockdep or RCU stall "
      "since the suite started")
def _():
    base = harness.KLOG_BASELINE
    check(base is not None, "no baseline kernel log")
    seen = set(base)
    bad = [l for l in kernel_log() if l not in seen and BAD_KERNEL_LOG.search(l)]
    if bad:
        raise Fail("new kernel log lines:\n" + "\n".join(bad[:30]))
