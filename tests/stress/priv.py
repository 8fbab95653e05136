#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Privilege-boundary campaign, under load.

    priv.py ROUNDS

While a fault and copy-on-write storm runs, actors probe every process
(tests/stress/probe.py): nobody, a fake root in a user namespace (unshare
-U -r) started by root and by nobody, root in a new pid namespace (unshare
-p), and nobody's fake root in new user and pid namespaces.  Ground truth
is each actor's own /proc: whatever vmscope lets it read (dump, query,
PROC_GET) or watch, /proc/PID/maps must let it read too, and a pid must
name the same process for both (same VMAs).  Refusals are EPERM or ESRCH
with an extack message; watching every process is refused to all of them.
Sanity: root in the initial namespaces reads every user process, and so
does everyone read itself.  Targets: root's and nobody's sleepers (one
non-dumpable), pid 1, a kernel thread.
Prints "priv: rounds=N probes=P denied=D allowed=A".
"""

import errno
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, "probe.py")
PROGS = os.path.join(HERE, "..", "progs")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
ALLOW_SAME_USER = open("/sys/module/vmscope/parameters/allow_same_user"
                       ).read().strip() == "Y"

ACTORS = {
    "nobody": [sys.executable, PROBE, "--nobody"],
    "userns-root-by-root": ["unshare", "-U", "-r", sys.executable, PROBE],
    "userns-root-by-nobody": NOBODY + ["unshare", "-U", "-r",
                                       sys.executable, PROBE],
    "pidns-root": ["unshare", "-p", "-f", "--mount-proc",
                   sys.executable, PROBE],
    "userns-pidns-by-nobody": NOBODY + ["unshare", "-U", "-r", "-p", "-f",
                                        "--mount-proc", sys.executable,
                                        PROBE],
    "root": [sys.executable, PROBE],
}


def sleeper(prefix=(), dumpable=True):
    code = ("import ctypes,sys,time\n"
            f"{'' if dumpable else 'ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)'}\n"
            "print('up', flush=True)\ntime.sleep(100000)\n")
    p = subprocess.Popen(list(prefix) + [sys.executable, "-c", code],
                         stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    return p


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    bad = []
    probes = denied = allowed = 0
    # The load: a fault and copy-on-write storm (two processes).
    load = [subprocess.Popen([os.path.join(PROGS, "stress"), "faults",
                              "100000", "2", "64"],
                             stdout=subprocess.DEVNULL)]
    targets = {"root-sleeper": sleeper(),
               "nobody-sleeper": sleeper(NOBODY),
               "nobody-undumpable": sleeper(NOBODY, dumpable=False)}
    tpids = {k: p.pid for k, p in targets.items()}
    kthread = 2     # kthreadd, in the initial pid namespace
    args = [str(p) for p in tpids.values()] + ["1", str(kthread)]
    # A kernel without CONFIG_USER_NS (vng's minimal config, which the
    # debug lane adds it to) cannot host these actors.  Reported, not
    # counted.
    actors = dict(ACTORS)
    userns = subprocess.run(["unshare", "-U", "-r", "true"],
                            capture_output=True, text=True)
    if userns.returncode:
        skipped = [k for k, v in ACTORS.items() if "-U" in v]
        for k in skipped:
            del actors[k]
        print(f"priv: SKIP {' '.join(skipped)}: no user namespace here "
              f"({userns.stderr.strip()[:80]})")
    try:
        for rnd in range(rounds):
            for name, argv in actors.items():
                res = subprocess.run(argv + args, capture_output=True,
                                     text=True, timeout=600)
                if res.returncode:
                    bad.append(f"{name}: probe exited {res.returncode}: "
                               f"{res.stderr.strip()[-400:]}")
                    continue
                lines = [json.loads(x) for x in res.stdout.splitlines()]
                actor = lines.pop()
                root = name == "root"
                # Root in a new pid namespace keeps CAP_SYS_ADMIN, and the
                # UAPI lets it watch everything (events of processes it
                # cannot see carry PID 0).
                admin = root or name == "pidns-root"
                if actor["watch_all"] == 0 and not admin:
                    bad.append(f"{name}: WATCH ALL allowed")
                if admin and actor["watch_all"] != 0:
                    bad.append(f"root: WATCH ALL refused "
                               f"({actor['watch_all']})")
                for r in lines:
                    probes += 1
                    pid = r["pid"]
                    for op in ("dump", "query", "proc_get", "watch"):
                        e = r[op]
                        if e == 0:
                            allowed += 1
                            if r["proc"] is not True:
                                bad.append(f"{name}: {op} of pid {pid} "
                                           f"allowed, /proc says "
                                           f"{r['proc']}")
                            continue
                        denied += 1
                        if e == errno.EOPNOTSUPP and r["kthread"]:
                            continue
                        if op == "query" and e == errno.ENOENT:
                            continue
                        if e not in (errno.EPERM, errno.ESRCH):
                            bad.append(f"{name}: {op} of pid {pid}: "
                                       f"errno {e}")
                        if not r["ext"].get(op):
                            bad.append(f"{name}: {op} of pid {pid}: errno "
                                       f"{e} without an extack message")
                    if r.get("same") is False:
                        bad.append(f"{name}: pid {pid}: vmscope and /proc "
                                   "list different VMAs (another process?)")
                    if pid == actor["me"] and r["dump"]:
                        bad.append(f"{name}: cannot read itself "
                                   f"({r['dump']})")
                    if root and r["proc"] and not r["kthread"] and \
                            r["dump"]:
                        bad.append(f"root: dump of pid {pid} refused "
                                   f"({r['dump']})")
                    if (ALLOW_SAME_USER and name == "nobody" and
                            pid == tpids["nobody-sleeper"] and r["dump"]):
                        bad.append("nobody: allow_same_user=1 but its own "
                                   f"dumpable sleeper is refused "
                                   f"({r['dump']})")
    finally:
        for p in list(targets.values()) + load:
            p.kill()
            p.wait()
    print(f"priv: rounds={rounds} probes={probes} denied={denied} "
          f"allowed={allowed} allow_same_user={int(ALLOW_SAME_USER)} "
          f"violations={len(bad)}")
    for b in bad[:40]:
        print(f"priv: VIOLATION {b}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
