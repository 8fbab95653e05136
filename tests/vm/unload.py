#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Unload under load: CYCLES times, insmod the module, start a fault storm
(tests/progs/cow), a watcher of it and a dumper of its VMAs (tests/vm/nl.py,
each in its own process, reconnecting whenever the family comes back), let
them run, then rmmod while they still do.  rmmod may be refused while a
dump or a request holds a reference on the module: kmod's own check says
"in use", and if the reference is taken after that check, the kernel's
delete_module() says EAGAIN ("Resource temporarily unavailable").  Both
are clean refusals, retried.  The caller (tests/guest.sh) looks for splats
in dmesg.

Usage: unload.py KO CYCLES   (as root, the module not loaded)
Prints one "# " line per cycle; exits 0 iff every cycle loaded, unloaded
and left no module behind.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
COW = os.path.join(HERE, "..", "progs", "cow")

CLIENT = r"""
import os, sys, time
sys.path.insert(0, sys.argv[1])
import nl
mode, pid, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
events = dumps = errors = 0


def report():
    with open(out + ".tmp", "w") as f:
        f.write(f"{events} {dumps} {errors}\n")
    os.replace(out + ".tmp", out)


while True:
    try:
        if mode == "watch":
            with nl.Watcher(rcvbuf=1 << 16) as w:
                rep = w.watch([pid])
                if rep.error:
                    errors += 1
                    time.sleep(0.05)
                    continue
                while True:
                    events += w.poll(0.2, limit=0.5)
                    report()
        else:
            with nl.Vmscope() as s:
                while True:
                    nl.vma_dump(s, pid)
                    dumps += 1
                    report()
    except OSError:
        errors += 1
        time.sleep(0.02)
"""


def progress(path):
    try:
        with open(path) as f:
            return tuple(int(x) for x in f.read().split())
    except (OSError, ValueError):
        return 0, 0, 0


def rmmod(deadline=30):
    t = time.monotonic() + deadline
    busy = 0
    while True:
        r = subprocess.run(["rmmod", "vmscope"], capture_output=True,
                           text=True)
        if r.returncode == 0:
            return busy, None
        why = r.stderr.lower()
        if not any(w in why for w in ("in use", "busy",
                                      "temporarily unavailable")):
            return busy, r.stderr.strip()
        busy += 1
        if time.monotonic() > t:
            return busy, f"still busy after {deadline} s: {r.stderr.strip()}"
        time.sleep(0.05)


def main():
    ko, cycles = sys.argv[1], int(sys.argv[2])
    fails = 0
    for i in range(1, cycles + 1):
        r = subprocess.run(["insmod", ko], capture_output=True, text=True)
        if r.returncode:
            print(f"# cycle {i}: insmod failed: {r.stderr.strip()}")
            return 1
        storm = subprocess.Popen([COW], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        storm.stdout.readline()
        storm.stdin.write("map 64\nstorm 0 100000000\n")
        storm.stdin.flush()
        d = tempfile.mkdtemp(prefix="vmscope-unload-")
        outs = [os.path.join(d, str(n)) for n in range(3)]
        clients = [subprocess.Popen([sys.executable, "-c", CLIENT, HERE, m,
                                     str(storm.pid), o])
                   for m, o in zip(("watch", "watch", "dump"), outs)]
        # Unload only once every client is at work (events received,
        # dumps done), then at a different moment each cycle.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
                progress(o)[0] + progress(o)[1] > 0 for o in outs):
            time.sleep(0.1)
        time.sleep((i % 5) * 0.2)
        before = [progress(o) for o in outs]
        busy, err = rmmod()
        gone = not any(line.startswith("vmscope ")
                       for line in open("/proc/modules"))
        alive = [c.poll() is None for c in clients] + [storm.poll() is None]
        for p in clients + [storm]:
            p.kill()
            p.wait()
        shutil.rmtree(d, ignore_errors=True)
        working = all(e + n > 0 for e, n, _ in before)
        print(f"# cycle {i}: rmmod {'ok' if not err else err} "
              f"(refusals retried {busy}); module gone {gone}; clients and "
              f"storm alive at rmmod: {alive}; (events, dumps, errors) "
              f"per client before it: {before}", flush=True)
        if not working:
            print(f"# cycle {i}: a client never got to work")
            fails += 1
        if err or not gone:
            fails += 1
            if not gone:
                return 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
