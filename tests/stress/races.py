#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Dump-race campaign: N dumps of an address space that keeps changing.

    races.py DUMPS

Starts tests/progs/race (the mutator: split, merge, mprotect, mremap,
MAP_FIXED over, unmap), takes the VMAs that never change from
/proc/PID/maps before the mutator starts (the ground truth), and runs
`stress dumps`, which checks every dump against them.  Prints the helper's
summary line and "mutations=N"; exits non-zero on any violation.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROGS = os.path.join(HERE, "..", "progs")
# The lowest address of x86-64's vsyscall gate page (the harness's GATE_MIN).
GATE_MIN = 0xffff800000000000
UNITS = 12        # ~170 VMAs: dumps fast enough under TCG and KASAN


def main():
    dumps = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    d = tempfile.mkdtemp(prefix="vmscope-race-", dir="/dev/shm")
    race = subprocess.Popen([os.path.join(PROGS, "race"), d, str(UNITS)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, bufsize=1)
    try:
        zones = []
        while True:
            w = race.stdout.readline().split()
            if not w:
                print("races: the race helper died during setup")
                return 1
            if w[0] == "zone":
                zones.append((int(w[1], 16), int(w[2], 16)))
            elif w[0] == "ready":
                break
        stable = []
        with open(f"/proc/{race.pid}/maps") as f:
            for line in f:
                rng, perms = line.split()[:2]
                s, e = (int(x, 16) for x in rng.split("-"))
                # The vsyscall gate page is no VMA of the process, and
                # vmscope never lists it (README); kernels with
                # vsyscall=xonly (the debug lane's) print it last.
                if s >= GATE_MIN:
                    continue
                if not any(s < z[1] and e > z[0] for z in zones):
                    stable.append(f"{s:x} {e:x} {perms}\n")
        sfile = os.path.join(d, "stable")
        zfile = os.path.join(d, "zones")
        with open(sfile, "w") as f:
            f.writelines(stable)
        with open(zfile, "w") as f:
            f.writelines(f"{s:x} {e:x}\n" for s, e in zones)
        race.stdin.write("go\n")
        race.stdin.flush()
        res = subprocess.run([os.path.join(PROGS, "stress"), "dumps",
                              str(race.pid), str(dumps), sfile, zfile],
                             capture_output=True, text=True)
        race.stdin.write("stop\n")
        race.stdin.flush()
        w = race.stdout.readline().split()
        sys.stdout.write(res.stdout)
        sys.stderr.write(res.stderr)
        if not w or w[0] != "stopped":
            print(f"races: the race helper died: {w}")
            return 1
        print(f"races: stable_vmas={len(stable)} {w[1].replace('ops', 'mutations')}")
        if res.returncode:
            return res.returncode
        layouts = int(res.stdout.split("layouts=")[1].split()[0])
        if layouts < 2:
            print("races: every dump saw the same layout: no race happened")
            return 1
        return 0
    finally:
        race.stdin.close()
        race.wait(timeout=30)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
