# SPDX-License-Identifier: GPL-2.0
"""WATCH, UNWATCH and the event stream, through tests/vm/nl.py (raw
netlink), against /proc/PID/maps, the workload's own account of what it
touched, and the per-VMA counters.

The workload is tests/progs/cow (see test_faults.py)."""

import errno
import os
import time

from harness import (
    Cow, Fail, Skip, check, check_eq, diag, find_vma, is_kthread,
    proc_maps, spawn_sleep, stop, test)
from test_faults import counters, module_facts
import nl

N = 128


def need_watch(s):
    inf = module_facts(s)
    feats = nl.bits(inf.get("features", 0), nl.FEAT_BITS)
    check("watch" in feats, f"the module has no WATCH: features "
          f"{sorted(feats)}")
    return inf


def in_region(r):
    return lambda e: r["addr"] <= e.get("addr", -1) < r["end"]


def kind_is(k):
    return lambda e: e.get("kind") == nl.EVENT_KINDS[k]


def count(events, *preds):
    return sum(1 for e in events if all(p(e) for p in preds))


def check_seq(events, what):
    """The UAPI's accounting: SEQ counts from 0, one per event the module
    tried to send to this subscription, so every gap between two delivered
    events is explained by DROPPED_SOCKET rising by exactly as much; events
    lost earlier in a full CPU buffer get no number (DROPPED_BUFFER).
    Returns (generated, delivered, dropped) since the subscription began."""
    if not events:
        raise Fail(f"{what}: no events")
    prev = -1, 0
    for e in events:
        for k in ("seq", "dropped_buffer", "dropped_socket"):
            if k not in e:
                raise Fail(f"{what}: event lacks {k}: {e}")
        gap = e["seq"] - prev[0] - 1
        lost = e["dropped_socket"] - prev[1]
        if gap != lost:
            raise Fail(f"{what}: seq {prev[0]} -> {e['seq']} (gap {gap}) "
                       f"while DROPPED_SOCKET went {prev[1]} -> "
                       f"{e['dropped_socket']} ({lost}): a silent loss or "
                       f"a bad count")
        prev = e["seq"], e["dropped_socket"]
    last = events[-1]
    delivered = len(events)
    check_eq(delivered + last["dropped_socket"], last["seq"] + 1,
             f"{what}: delivered + dropped at the socket vs SEQ + 1")
    for a, b in zip(events, events[1:]):
        if b["dropped_buffer"] < a["dropped_buffer"]:
            raise Fail(f"{what}: DROPPED_BUFFER went down: {a} -> {b}")
    dropped = last["dropped_socket"] + last["dropped_buffer"]
    return last["seq"] + 1 + last["dropped_buffer"], delivered, dropped


@test("watch: events of the watched pid carry its pid, comm and the VMA "
      "/proc/PID/maps shows, with no gaps")
def _():
    with nl.Vmscope() as s, Cow() as w, nl.Watcher() as wt:
        need_watch(s)
        r = w.map(N)
        z = w.map(N)
        rep = wt.watch([w.pid])
        check_eq(rep.error, 0, f"WATCH {w.pid}: {rep.describe()}")
        w.cmd(f"write {r['id']}")
        ok = wt.wait_for(lambda ev: count(ev, in_region(r)) >= N)
        ev = list(wt.events)
        check(ok, f"{count(ev, in_region(r))} events in the region, "
              f"want >= {N}")
        m = find_vma(proc_maps(w.pid), r["addr"])
        v = nl.vma_at(s, w.pid, r["addr"])
        bad = []
        for e in ev:
            if e.get("pid") != w.pid or e.get("tid") != w.pid:
                bad.append(f"pid/tid {e.get('pid')}/{e.get('tid')}")
            if e.get("comm") != "cow":
                bad.append(f"comm {e.get('comm')!r}")
            if not in_region(r)(e):
                continue
            if (e.get("vma_start"), e.get("vma_end")) != (m["start"],
                                                         m["end"]):
                bad.append(f"VMA {e.get('vma_start'):#x}-"
                           f"{e.get('vma_end'):#x}, maps {m['start']:#x}-"
                           f"{m['end']:#x}")
            if e.get("vma_flags") != v.get("flags"):
                bad.append(f"vma_flags {e.get('vma_flags'):#x}, VMA_GET "
                           f"{v.get('flags'):#x}")
            if e.get("kind") != nl.EVENT_KINDS["fault"] \
                    or e.get("access") != nl.ACCESS["write"]:
                bad.append(f"kind/access {e.get('kind')}/{e.get('access')}")
            if not e.get("flags", 0) & nl.EVENT_F_USER or "ip" not in e:
                bad.append(f"not a user fault / no ip: {e}")
            if "vma_name" in e:
                bad.append(f"anonymous VMA with a name {e['vma_name']!r}")
        check(not bad, f"{len(bad)} bad fields, e.g. {bad[:5]}")
        gen, dlv, drop = check_seq(ev, "watch")
        check_eq(drop, 0, "drops in a slow stream")
        # A FAULT event per fault handle_mm_fault() starts: at least one
        # per counted fault of the VMA (a retried fault shows twice).
        nfault = count(ev, in_region(r), kind_is("fault"))
        diag(f"{nfault} FAULT events in the region; VMA faults "
             f"{v['faults']}")
        check(nfault >= v["faults"], f"FAULT events {nfault} < the VMA's "
              f"faults counter {v['faults']}")
        pages = {e["addr"] // w.page for e in ev if in_region(r)(e)}
        check_eq(len(pages), N, "distinct pages in the region's events")
        # Zero-page copies: read, then write.
        w.cmd(f"read {z['id']}")
        w.cmd(f"write {z['id']}")
        wt.wait_for(lambda ev: count(ev, in_region(z), kind_is("cow_zero"))
                    >= N)
        vz = nl.vma_at(s, w.pid, z["addr"])
        diag(f"zero region VMA {counters(vz)}")
        check_eq(count(wt.events, in_region(z), kind_is("cow_zero")),
                 vz.get("cow_zero"), "COW_ZERO events vs cow_zero")
        check_seq(wt.events, "watch, after the zero-page copies")


@test("watch: fork and reuse produce COW_COPY events of the child and "
      "COW_REUSE events of the parent")
def _():
    with nl.Vmscope() as s, Cow() as w, nl.Watcher() as wt:
        inf = need_watch(s)
        # Without a wp_page_reuse() hook (inlined, as on 7.2) cow_reuses is
        # derived and no COW_REUSE event can exist.
        reuse_hook = "cow_reuses" in nl.bits(inf.get("counters_exact", 0),
                                             nl.CTR_BITS)
        need = N if reuse_hook else 0
        r = w.map(N)
        w.cmd(f"write {r['id']}")
        child = w.fork()
        rep = wt.watch([w.pid, child])
        check_eq(rep.error, 0, f"WATCH: {rep.describe()}")
        w.cmd(f"child write {r['id']}")
        w.cmd(f"write {r['id']}")
        wt.wait_for(lambda ev: count(ev, in_region(r), kind_is("cow_copy"))
                    >= N and count(ev, in_region(r), kind_is("cow_reuse"))
                    >= need)
        ev = wt.events
        cv = nl.vma_at(s, child, r["addr"])
        pv = nl.vma_at(s, w.pid, r["addr"])
        copies = [e for e in ev if in_region(r)(e) and kind_is("cow_copy")(e)]
        reuses = [e for e in ev if in_region(r)(e)
                  and kind_is("cow_reuse")(e)]
        diag(f"child VMA {counters(cv)}; parent VMA {counters(pv)}; "
             f"{len(copies)} COW_COPY, {len(reuses)} COW_REUSE events; "
             f"reuse hook {reuse_hook}")
        check_eq({e["pid"] for e in copies}, {child}, "COW_COPY pids")
        check_eq(len(copies), cv.get("cow_copies"), "COW_COPY events vs "
                 "the child's cow_copies")
        if reuse_hook:
            check_eq({e["pid"] for e in reuses}, {w.pid}, "COW_REUSE pids")
            check_eq(len(reuses), pv.get("cow_reuses"), "COW_REUSE events "
                     "vs the parent's cow_reuses")
        else:
            check_eq(len(reuses), 0, "COW_REUSE events without the hook")
        check_seq(ev, "fork watch")


@test("watch: a fault storm with a small socket buffer loses events "
      "countably: delivered + dropped == generated", timeout=600)
def _():
    with nl.Vmscope() as s, Cow() as w, nl.Watcher(rcvbuf=4096) as wt:
        inf0 = need_watch(s)
        r = w.map(64)
        rep = wt.watch([w.pid])
        check_eq(rep.error, 0, f"WATCH: {rep.describe()}")
        rounds = 50
        for attempt in range(4):
            t = w.cmd(f"storm {r['id']} {rounds}")["touches"]
            wt.poll(1.0)
            # One more fault while reading: its event carries the totals.
            n0 = len(wt.events)
            w.cmd(f"write {r['id']} 0 1")
            wt.poll(1.0)
            ev = wt.events
            if len(ev) == n0:
                raise Fail("no event after the storm")
            last = ev[-1]
            if last["dropped_buffer"] + last["dropped_socket"] > 0:
                break
            rounds *= 4
        inf1 = nl.info(s)
        gen, dlv, drop = check_seq(ev, "storm")
        diag(f"storm: {t} touches in the last round of {rounds}; "
             f"generated {gen}, delivered {dlv}, dropped {drop} "
             f"(buffer {last['dropped_buffer']}, socket "
             f"{last['dropped_socket']}); ENOBUFS seen {wt.enobufs}; "
             f"ring_size {inf1.get('ring_size')}; INFO events "
             f"{inf1.get('events', 0) - inf0.get('events', 0)}, dropped "
             f"{inf1.get('events_dropped', 0) - inf0.get('events_dropped', 0)}")
        check(drop > 0, "the storm never overflowed a 4 KiB socket buffer")
        # With the smallest CPU buffers (tests/guest.sh loads the module
        # with ring_size=16 for one pass), a 10 ms drain period cannot keep
        # up with a storm: the buffers overflow too.
        if inf1.get("ring_size", 1 << 30) <= 16:
            check(last["dropped_buffer"] > 0,
                  f"ring_size {inf1['ring_size']} but no buffer drops")
        if last["dropped_socket"]:
            check(wt.enobufs > 0, "socket drops but no ENOBUFS reported")
        # The module's own totals moved at least as much.
        check(inf1.get("events_dropped", 0) - inf0.get("events_dropped", 0)
              >= last["dropped_buffer"], "INFO events_dropped below the "
              "subscription's DROPPED_BUFFER")
        # The kernel's own count of the workload's faults on the region,
        # all after the WATCH: each generated an event (delivered or
        # counted as dropped).
        v = nl.vma_at(s, w.pid, r["addr"])
        check(gen >= v["faults"],
              f"generated {gen} < the region's faults {v['faults']}")


@test("watch: UNWATCH stops the stream; WATCH replaces the subscription")
def _():
    with nl.Vmscope() as s, Cow() as w, Cow() as w2, nl.Watcher() as wt:
        need_watch(s)
        r = w.map(16)
        r2 = w2.map(16)
        check_eq(wt.watch([w.pid]).error, 0, "WATCH")
        check_eq(wt.watch([w2.pid]).error, 0, "WATCH again (replaces)")
        w.cmd(f"write {r['id']}")
        w2.cmd(f"write {r2['id']}")
        wt.wait_for(lambda ev: count(ev, in_region(r2)) >= 16)
        pids = {e["pid"] for e in wt.events}
        check_eq(pids, {w2.pid}, "pids after the subscription was replaced")
        check_eq(wt.unwatch().error, 0, "UNWATCH")
        wt.poll(0.5)
        n = len(wt.events)
        w2.cmd(f"dontneed {r2['id']}")
        w2.cmd(f"write {r2['id']}")
        wt.poll(1.0)
        check_eq(len(wt.events), n, "events after UNWATCH")


@test("watch errors: unknown pid, kernel thread, PID with ALL, too many "
      "pids, no attribute; each with an extack message")
def _():
    with nl.Vmscope() as s, nl.Watcher() as wt:
        need_watch(s)
        p = spawn_sleep()
        pid = p.pid
        stop(p)
        kth = next(int(x) for x in sorted(os.listdir("/proc"),
                                          key=lambda x: (len(x), x))
                   if x.isdigit() and _kthread(int(x)))
        me = os.getpid()
        cases = [
            ("exited pid", wt.watch([pid]), errno.ESRCH),
            ("kernel thread", wt.watch([kth]), errno.EOPNOTSUPP),
            ("PID and ALL", wt.watch([me], all_=True), errno.EINVAL),
            ("too many pids", wt.watch([me] * (nl.WATCH_MAX_PIDS + 1)),
             errno.EINVAL),
            ("no attribute", wt.req(nl.CMD_WATCH), errno.EINVAL),
            ("EVENT as a request", wt.req(nl.CMD_EVENT), None),
        ]
        bad = []
        for what, rep, want in cases:
            diag(f"{what}: {rep.describe()}")
            if want is None:
                if rep.error == 0:
                    bad.append(f"{what}: accepted")
            elif rep.error != want or not rep.ext_msg:
                bad.append(f"{what}: {rep.describe()}, want "
                           f"{nl.errname(want)} with a message")
        check(not bad, "; ".join(bad))


def _kthread(pid):
    try:
        return is_kthread(pid)
    except OSError:
        return False


@test("watch: an unprivileged user cannot watch pid 1 or ALL (EPERM with "
      "extack), but can watch itself")
def _():
    with nl.Vmscope() as s:
        need_watch(s)
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        res = []
        try:
            nl.drop_privileges()
            with nl.Watcher() as wt:
                for what, rep in (("pid 1", wt.watch([1])),
                                  ("ALL", wt.watch(all_=True)),
                                  ("self", wt.watch([os.getpid()]))):
                    res.append(f"{what}\t{rep.error}\t{rep.ext_msg}")
        except BaseException as e:   # reported by the parent
            res.append(f"error\t{e!r}")
        os.write(wfd, "\n".join(res).encode())
        os._exit(0)
    os.close(wfd)
    out = b""
    while True:
        b = os.read(rfd, 65536)
        if not b:
            break
        out += b
    os.waitpid(pid, 0)
    got = {}
    for line in out.decode().splitlines():
        what, *rest = line.split("\t")
        got[what] = rest
    diag(f"as nobody: {got}")
    check("error" not in got, f"as nobody: {got.get('error')}")
    for what in ("pid 1", "ALL"):
        err, msg = got[what]
        check_eq(int(err), errno.EPERM, f"{what} as nobody")
        check(msg not in ("None", ""), f"{what} as nobody: no extack message")
    check_eq(int(got["self"][0]), 0, "watching itself as nobody")


@test("watch: at most WATCH_MAX_LISTENERS sockets, then EBUSY; INFO "
      "counts the listeners")
def _():
    with nl.Vmscope() as s:
        need_watch(s)
        # Earlier tests' watchers are closed: their slots must come free.
        deadline = time.monotonic() + 10
        while nl.info(s).get("listeners") != 0:
            check(time.monotonic() < deadline, "listeners of closed "
                  f"sockets linger: INFO listeners {nl.info(s)}")
            time.sleep(0.1)
        socks = []
        try:
            for i in range(nl.WATCH_MAX_LISTENERS):
                wt = nl.Watcher()
                socks.append(wt)
                rep = wt.watch([os.getpid()])
                check_eq(rep.error, 0, f"WATCH #{i + 1}: {rep.describe()}")
            check_eq(nl.info(s).get("listeners"), nl.WATCH_MAX_LISTENERS,
                     "INFO listeners")
            extra = nl.Watcher()
            socks.append(extra)
            rep = extra.watch([os.getpid()])
            check_eq(rep.error, errno.EBUSY, f"one more: {rep.describe()}")
            check(rep.ext_msg, "EBUSY without a message")
            socks.pop(0).close()      # closing a socket frees its slot
            deadline = time.monotonic() + 10
            while nl.info(s).get("listeners") != \
                    nl.WATCH_MAX_LISTENERS - 1:
                check(time.monotonic() < deadline,
                      "closing a watcher did not free its slot")
                time.sleep(0.1)
            check_eq(extra.watch([os.getpid()]).error, 0,
                     "WATCH after a watcher closed")
        finally:
            for x in socks:
                x.close()
