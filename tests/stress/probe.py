#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Privilege probe: what may this process read, by /proc and by vmscope?

    probe.py [--nobody] PID...

Runs as whatever identity its caller set up (nobody, fake root in a user
namespace, root in a pid namespace, ...); with --nobody it first drops to
uid/gid 65534 itself.  For every PID given and every process its /proc
shows, it records, as one JSON object per line:
  pid, proc: did reading /proc/PID/maps work (the ground truth),
  dump, query, proc_get, watch: the errno of each vmscope request (0: ok),
  ext: the extack messages of the refusals,
  same: when both /proc and the dump worked on a quiet target, whether they
        listed the same VMAs (so the pid named the same process).
kthread: whether /proc/PID/stat says PF_KTHREAD.  A last line {"watch_all": errno, "uid": ..., "pidns": ...} describes the
actor.  It never decides anything: priv.py does.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "vm"))
import nl  # noqa: E402


# x86-64's vsyscall gate page: maps prints it (vsyscall=xonly, the debug
# lane's), but it is no VMA of the process, and vmscope never lists it.
GATE_MIN = 0xffff800000000000


def proc_ranges(pid):
    with open(f"/proc/{pid}/maps") as f:
        ranges = [tuple(int(x, 16) for x in line.split()[0].split("-"))
                  for line in f]
    return [r for r in ranges if r[0] < GATE_MIN]


PF_KTHREAD = 0x00200000


def kthread(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return bool(int(f.read().rsplit(")", 1)[1].split()[6]) & PF_KTHREAD)
    except (OSError, IndexError, ValueError):
        return False


def req(sock, cmd, attrs, dump=False):
    rep = sock.req(cmd, attrs, dump=dump)
    return rep.error or 0, rep


def main():
    args = sys.argv[1:]
    if args and args[0] == "--nobody":
        nl.drop_privileges()
        args = args[1:]
    pids = {int(a) for a in args}
    # Every user process this /proc shows (kernel threads are all alike:
    # the ones given as arguments stand for them).
    pids |= {int(d) for d in os.listdir("/proc")
             if d.isdigit() and not kthread(d)}
    me = os.getpid()
    with nl.Vmscope() as s:
        for pid in sorted(pids):
            r = {"pid": pid, "ext": {}, "kthread": kthread(pid)}
            try:
                before = proc_ranges(pid)
                r["proc"] = True
            except FileNotFoundError:
                before = None
                r["proc"] = None        # no such process here
            except PermissionError:
                before = None
                r["proc"] = False
            except ProcessLookupError:
                before = None
                r["proc"] = None
            err, rep = req(s, nl.CMD_VMA_GET, nl.u32(nl.VMA_A_PID, pid),
                           dump=True)
            r["dump"] = err
            if err:
                r["ext"]["dump"] = rep.ext_msg
            elif before is not None and pid != me:
                got = [(nl.get_u(a, nl.VMA_A_START), nl.get_u(a, nl.VMA_A_END))
                       for _, a in rep.msgs]
                try:
                    after = proc_ranges(pid)
                except OSError:
                    after = None
                if before == after:
                    r["same"] = got == before
            err, rep = req(s, nl.CMD_VMA_GET,
                           nl.u32(nl.VMA_A_PID, pid) +
                           nl.u64(nl.VMA_A_ADDR, 0) +
                           nl.u32(nl.VMA_A_QUERY_FLAGS,
                                  nl.QUERY_F_COVERING_OR_NEXT))
            r["query"] = err
            if err:
                r["ext"]["query"] = rep.ext_msg
            err, rep = req(s, nl.CMD_PROC_GET, nl.u32(nl.PROC_A_PID, pid))
            r["proc_get"] = err
            if err:
                r["ext"]["proc_get"] = rep.ext_msg
            # A socket per WATCH: a watched fault storm can fill a
            # socket's buffer, and the next request's ack with it
            # (ENOBUFS).  Closing the socket ends the subscription.
            with nl.Vmscope() as w:
                err, rep = req(w, nl.UAPI["VMSCOPE_CMD_WATCH"],
                               nl.u32(nl.UAPI["VMSCOPE_WATCH_A_PID"], pid))
            r["watch"] = err
            if err:
                r["ext"]["watch"] = rep.ext_msg
            print(json.dumps(r), flush=True)
        with nl.Vmscope() as w:
            err, rep = req(w, nl.UAPI["VMSCOPE_CMD_WATCH"],
                           nl.attr(nl.UAPI["VMSCOPE_WATCH_A_ALL"], b""))
        print(json.dumps({"watch_all": err, "watch_all_ext": rep.ext_msg,
                          "uid": os.getuid(), "me": me,
                          "pidns": os.readlink("/proc/self/ns/pid")}))


if __name__ == "__main__":
    main()
