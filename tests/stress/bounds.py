#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Memory-bounds campaign: every table filled past its cap.

    bounds.py SECONDS

Run with the module loaded with small tables (max_procs, max_vmas,
ring_size); the tables made small (max_procs <= 64, max_vmas <= 1024,
ring_size <= 64) must overflow.  Starts more faulting processes, with more VMAs, than the
tables hold, a watcher of every process that never reads its socket, and
more watching sockets than VMSCOPE_WATCH_MAX_LISTENERS; samples INFO every
second.  Checks: the slots equal the parameters, use never exceeds them,
the overflow counters (PROC_OVERFLOW, VMA_OVERFLOW, EVENTS_DROPPED) grow,
the listener beyond the cap is refused with EBUSY and an extack message,
and MEMORY stays constant.
Prints "bounds: samples=N memory=B proc_overflow=P vma_overflow=V
events=E dropped=D".
"""

import errno
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "vm"))
import nl  # noqa: E402

PROGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "progs")
U = nl.UAPI


def info(s):
    rep = s.req(nl.CMD_INFO_GET)
    if rep.error or not rep.msgs:
        raise RuntimeError(f"INFO_GET: {rep.describe()}")
    a = rep.msgs[0][1]
    out = {}
    for k, v in U.items():
        if k.startswith("VMSCOPE_INFO_A_") and k not in (
                "VMSCOPE_INFO_A_MAX", "VMSCOPE_INFO_A_VERSION") and v in a:
            out[k[len("VMSCOPE_INFO_A_"):].lower()] = nl.get_u(a, v)
    return out


def param(name):
    with open(f"/sys/module/vmscope/parameters/{name}") as f:
        return int(f.read())


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 20
    bad = []
    s = nl.Vmscope()
    i0 = info(s)
    want = {"proc_slots": param("max_procs"), "vma_slots": param("max_vmas")}
    ring = param("ring_size")
    for k, v in want.items():
        if i0[k] != v:
            bad.append(f"{k} = {i0[k]}, the parameter says {v}")
    if i0["ring_size"] < ring or i0["ring_size"] & (i0["ring_size"] - 1):
        bad.append(f"ring_size {i0['ring_size']} for parameter {ring}")

    # A watcher of everything that never reads: its socket fills up.
    deaf = nl.Vmscope()
    deaf.sock.setsockopt(nl.socket.SOL_SOCKET, nl.socket.SO_RCVBUF, 4096)
    rep = deaf.req(U["VMSCOPE_CMD_WATCH"], nl.attr(U["VMSCOPE_WATCH_A_ALL"], b""))
    if rep.error:
        bad.append(f"WATCH ALL: {rep.describe()}")
    # Fill the listener table: the cap, minus the deaf one, then one more.
    extra = []
    for n in range(U["VMSCOPE_WATCH_MAX_LISTENERS"]):
        w = nl.Vmscope()
        extra.append(w)
        rep = w.req(U["VMSCOPE_CMD_WATCH"],
                    nl.u32(U["VMSCOPE_WATCH_A_PID"], os.getpid()))
        last = n == U["VMSCOPE_WATCH_MAX_LISTENERS"] - 1
        if last and (rep.error != errno.EBUSY or not rep.ext_msg):
            bad.append(f"listener {n + 2} of a {n + 1}-listener table: "
                       f"{rep.describe()}")
        elif not last and rep.error:
            bad.append(f"listener {n + 2}: {rep.describe()}")

    procs = min(4 * want["proc_slots"] + 4, 20)
    vmas = max(2 * want["vma_slots"] // procs, 32)
    load = subprocess.Popen([os.path.join(PROGS, "stress"), "faults",
                             str(secs), str(procs), str(vmas)],
                            stdout=subprocess.PIPE, text=True)
    samples = []
    t_end = time.monotonic() + secs
    while time.monotonic() < t_end:
        time.sleep(1)
        samples.append(info(s))
    # The storm checks the clock between rounds, and one round (20
    # processes of up to 1638 two-page VMAs each, all faulted, forked and
    # copied) took over 120 s on the debug kernel on a busy host.
    load.communicate(timeout=300)
    samples.append(info(s))
    for w in extra:
        w.close()
    deaf.close()
    time.sleep(0.5)
    samples.append(info(s))
    s.close()

    mem = {x["memory"] for x in samples} | {i0["memory"]}
    if len(mem) != 1:
        bad.append(f"MEMORY changed: {sorted(mem)}")
    for x in samples:
        if x["proc_used"] > x["proc_slots"] or x["vma_used"] > x["vma_slots"]:
            bad.append(f"use above the cap: {x}")
            break
    last = samples[-1]
    # The tables this load made small must overflow, and fill up.
    small = [("proc_overflow", "proc_used", "proc_slots", 64),
             ("vma_overflow", "vma_used", "vma_slots", 1024),
             ("events_dropped", None, "ring_size", 64)]
    for k, used, slots, limit in small:
        if last[slots] > limit:
            continue
        if last[k] <= i0.get(k, 0):
            bad.append(f"{k} did not grow ({i0.get(k)} -> {last[k]}) with "
                       f"{procs} processes x {vmas} VMAs")
        if used and max(x[used] for x in samples) < last[slots]:
            bad.append(f"{used} never reached {slots} ({last[slots]})")
    if last["listeners"] != 0:
        bad.append(f"{last['listeners']} listeners left after every "
                   "socket closed")
    print(f"bounds: samples={len(samples)} memory={mem.pop()} "
          f"proc_slots={last['proc_slots']} vma_slots={last['vma_slots']} "
          f"ring_size={last['ring_size']} "
          f"max_proc_used={max(x['proc_used'] for x in samples)} "
          f"max_vma_used={max(x['vma_used'] for x in samples)} "
          f"proc_overflow={last['proc_overflow']} "
          f"vma_overflow={last['vma_overflow']} events={last['events']} "
          f"dropped={last['events_dropped']} violations={len(bad)}")
    for b in bad:
        print(f"bounds: VIOLATION {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
