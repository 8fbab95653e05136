# SPDX-License-Identifier: GPL-2.0
"""Error exits, permissions and pid namespaces."""

import json
import os
import shutil
import subprocess
import time

from harness import (
    NOBODY, SETPRIV, Fail, Mapper, Skip, check, check_eq, cli, cli_json,
    cli_self_maps, describe, diag, expect_error, is_kthread,
    parallel,
    parse_maps, proc_state, read_text, run, spawn_sleep,
    stable_compare, stop, test)
from test_proc import compare_stats, proc_view


def free_pid():
    """A pid that no task has (checked), below pid_max."""
    pid_max = int(read_text("/proc/sys/kernel/pid_max"))
    for pid in range(pid_max - 1, pid_max // 2, -1):
        if not os.path.exists(f"/proc/{pid}"):
            return pid
    raise Fail("no free pid")


def all_forms(pid, code, what):
    """maps, maps --addr and stats of PID all fail with CODE."""
    msgs = parallel(
        lambda args: expect_error(cli(*args), code,
                                  f"{what}: vmscope {' '.join(map(str, args))}"),
        [["maps", pid], ["maps", pid, "--json"],
         ["maps", pid, "--addr", "0x400000"], ["stats", pid],
         ["stats", pid, "--json"]])
    diag(f"{what}: {msgs[0]}")
    return msgs


@test("a pid nobody has: exit 4 with one error line")
def _():
    all_forms(free_pid(), 4, "no such pid")


@test("a kernel thread: exit 8 with one error line")
def _():
    kthreads = [int(p) for p in os.listdir("/proc") if p.isdigit()
                and _safe_kthread(int(p))]
    check(kthreads, "no kernel thread found in /proc")
    # kthreadd (pid 2 normally) and one more, whichever they are
    for pid in sorted(kthreads)[:2]:
        all_forms(pid, 8, f"kernel thread {pid} "
                  f"({read_text(f'/proc/{pid}/comm').strip()})")


def _safe_kthread(pid):
    try:
        return is_kthread(pid)
    except (FileNotFoundError, ProcessLookupError):
        return False


@test("a zombie: exit 4 with one error line")
def _():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        for _ in range(200):
            if proc_state(pid) == "Z":
                break
            time.sleep(0.02)
        check_eq(proc_state(pid), "Z", f"state of unreaped child {pid}")
        all_forms(pid, 4, "zombie")
        check_eq(proc_state(pid), "Z", "still a zombie")
    finally:
        os.waitpid(pid, 0)


@test("usage errors: exit 2 with one error line")
def _():
    cases = [[], ["bogus"], ["maps"], ["maps", "1", "2"], ["maps", "abc"],
             ["maps", "0"], ["maps", "-5"], ["maps", "1", "--addr", "xyz"],
             ["maps", "1", "--range", "0x2000-0x1000"],
             ["maps", "1", "--require", "nosuchflag"],
             ["maps", "1", "--require", "read", "--forbid", "read"],
             ["maps", "1", "--bogus"], ["stats"], ["stats", "1", "--addr",
                                                   "0x1000"],
             ["status", "extra"]]
    parallel(lambda args: expect_error(cli(*args), 2,
                                       f"vmscope {' '.join(args)}"), cases)


@test("maps --addr in a gap: exit 7 with one error line")
def _():
    with Mapper() as m:
        want = parse_maps(read_text(f"/proc/{m.pid}/maps"))
        gaps = [(a["end"], b["start"]) for a, b in zip(want, want[1:])
                if a["end"] < b["start"]]
        check(gaps, "mapper has no gap")
        line = expect_error(cli("maps", m.pid, "--addr", hex(gaps[0][0])), 7,
                            "--addr in a gap")
        diag(line)


# ---------------------------------------------------------------- privileges

def need_setpriv():
    if not shutil.which("setpriv"):
        raise Skip("setpriv not installed")


@test("unprivileged: maps self equals the CLI's own /proc/PID/maps")
def _():
    need_setpriv()
    got, n = cli_self_maps(unpriv=True)
    diag(f"{len(got)} VMAs; {n} distinct address space(s) during the dump")
    # and it really ran unprivileged
    res = run(SETPRIV + ["id", "-u"])
    check_eq(res.stdout.strip(), str(NOBODY), "setpriv uid")


@test("unprivileged: pid 1 and a root process are denied (exit 5)")
def _():
    need_setpriv()
    lines = parallel(lambda args: expect_error(
        cli(*args, unpriv=True), 5, f"unprivileged vmscope {args}"),
        [["maps", 1], ["maps", 1, "--json"], ["stats", 1],
         ["maps", 1, "--addr", "0x1000"]])
    diag(lines[0])
    p = spawn_sleep()
    try:
        for args in (["maps", p.pid], ["stats", p.pid, "--json"]):
            expect_error(cli(*args, unpriv=True), 5,
                         f"unprivileged vs root sleep: {args}")
    finally:
        stop(p)


@test("unprivileged: a same-user process, as allow_same_user says")
def _():
    need_setpriv()
    status = cli_json("status")
    allow = status.get("allow_same_user")
    check(isinstance(allow, bool), f"status allow_same_user: {allow!r}")
    with Mapper(SETPRIV, owner=NOBODY) as m:
        st = read_text(f"/proc/{m.pid}/status")
        check(f"Uid:\t{NOBODY}\t{NOBODY}\t{NOBODY}" in st,
              "mapper does not run as nobody")
        if allow:
            stable_compare(m.pid, lambda: cli_json("maps", m.pid,
                                                   unpriv=True),
                           "same-user maps")
            got = cli_json("stats", m.pid, unpriv=True)
            check_eq(got["pid"], m.pid, "same-user stats pid")
        else:
            expect_error(cli("maps", m.pid, unpriv=True), 5,
                         "same-user maps, allow_same_user off")
            expect_error(cli("stats", m.pid, unpriv=True), 5,
                         "same-user stats, allow_same_user off")
        # not dumpable: never for another user, allow_same_user or not
        m.cmd("dumpable 0")
        expect_error(cli("maps", m.pid, unpriv=True), 5,
                     "same-user maps of a non-dumpable process")
        # root still may
        stable_compare(m.pid, lambda: cli_json("maps", m.pid),
                       "root maps of a non-dumpable process")
        diag(f"allow_same_user={allow}"
             + ("" if allow else " (the allowed path needs the module "
                "loaded with allow_same_user=1)"))


@test("unprivileged: a same-user process with more capabilities, as /proc")
def _():
    """The capability half of the ptrace check (cap_ptrace_access_check()):
    a process of the same uid whose permitted set exceeds the caller's
    effective set is the caller's only if the caller has CAP_SYS_PTRACE
    in the target's user namespace.  Regression: allow_same_user=1 once
    let nobody read a same-uid process with an ambient capability.  The
    other case, nobody's own fake root in a user namespace, is readable:
    nobody owns that namespace.  Ground truth: nobody's own read of
    /proc/PID/maps."""
    need_setpriv()
    allow = cli_json("status").get("allow_same_user")
    if not shutil.which("unshare"):
        raise Skip("unshare not installed")
    # An ambient capability: sleep keeps CAP_NET_RAW permitted after exec.
    capped = [a for a in SETPRIV if not a.startswith("--inh-caps")] + [
        "--inh-caps=-all,+net_raw", "--ambient-caps=+net_raw"]
    userns = SETPRIV + ["unshare", "-U", "-r"]
    cases = [("ambient CAP_NET_RAW", capped, "net_raw")]
    res = run(userns + ["true"])
    if res.returncode == 0:
        cases.append(("fake root in a user namespace", userns, None))
    else:
        diag("no user namespace for nobody here (7.2's minimal config "
             f"has none): {res.stderr.strip()[:100]}; that case left out")
    for what, prefix, want in cases:
        p = spawn_sleep(prefix)
        try:
            st = read_text(f"/proc/{p.pid}/status")
            check(f"Uid:\t{NOBODY}\t{NOBODY}\t{NOBODY}" in st,
                  f"{what}: target does not run as nobody")
            capprm = int(st.split("CapPrm:\t")[1].split()[0], 16)
            check(capprm != 0, f"{what}: target has no permitted "
                  f"capability (CapPrm {capprm:#x}); the test needs one")
            if want:
                check(capprm & (1 << 13), f"{what}: CapPrm {capprm:#x} "
                      "lacks CAP_NET_RAW")
            proc = run(SETPRIV + ["cat", f"/proc/{p.pid}/maps"])
            readable = proc.returncode == 0
            # nobody's fake root: nobody owns that user namespace, so it
            # has CAP_SYS_PTRACE there, and /proc lets it read.
            check(readable == (want is None),
                  f"{what}: /proc/{p.pid}/maps readable by nobody: "
                  f"{readable}, not as the ptrace rules say")
            for args in (["maps", p.pid], ["stats", p.pid, "--json"]):
                res = cli(*args, unpriv=True, timeout=30)
                name = (f"{what}, allow_same_user={allow}: "
                        f"{' '.join(map(str, args))}")
                if readable and allow:
                    check_eq(res.returncode, 0, name)
                else:
                    expect_error(res, 5, name)
            # watch: refused, or streaming until the timeout
            if not (readable and allow):
                expect_error(cli("watch", p.pid, "--json", unpriv=True,
                                 timeout=30), 5, f"{what}: watch")
            diag(f"{what}: CapPrm {capprm:#x}; /proc "
                 f"{'allows' if readable else 'refuses'}; vmscope "
                 f"{'allows' if readable and allow else 'refuses'}")
        finally:
            stop(p)


# ---------------------------------------------------------------- pid ns

def need_pidns_tools():
    for t in ("unshare", "nsenter"):
        if not shutil.which(t):
            raise Skip(f"{t} not installed")


def children(ppid):
    """PIDs whose parent is PPID, from /proc/PID/stat: .../children needs
    CONFIG_PROC_CHILDREN, which not every kernel has (the mainline lane's
    minimal config does not)."""
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            st = read_text(f"/proc/{d}/stat")
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(st.rsplit(")", 1)[1].split()[1]) == ppid:
            kids.append(d)
    return kids


def ns_init():
    """unshare -p -f --mount-proc sleep: returns (unshare Popen, host pid of
    the namespace's init)."""
    u = subprocess.Popen(["unshare", "-p", "-f", "--mount-proc",
                          "sleep", "1000"])
    for _ in range(200):
        for k in children(u.pid):
            try:
                if read_text(f"/proc/{k}/comm").strip() == "sleep":
                    st = read_text(f"/proc/{k}/status")
                    nspid = [l for l in st.splitlines()
                             if l.startswith("NSpid:")][0].split()[1:]
                    if nspid[-1] == "1":
                        return u, int(k)
            except (FileNotFoundError, IndexError):
                pass
        time.sleep(0.05)
    u.kill()
    raise Fail("unshare did not start its init")


def in_ns(init, *args):
    from harness import CLI
    return run(["nsenter", "-t", init, "-p", "-m", str(CLI)] +
               [str(a) for a in args])


@test("pid namespace: pids are the namespace's own")
def _():
    need_pidns_tools()
    u, init = ns_init()
    try:
        # maps 1 inside is the namespace's init, the host's pid INIT
        def inside():
            res = in_ns(init, "maps", "1", "--json")
            if res.returncode:
                raise Fail(f"maps 1 in the namespace: {describe(res)}")
            return json.loads(res.stdout)
        stable_compare(init, inside, "maps 1 inside the pid namespace")

        # stats 1 inside reports pid 1, and the same values as /proc
        for _ in range(6):
            before = proc_view(init)
            res = in_ns(init, "stats", "1", "--json")
            after = proc_view(init)
            check(res.returncode == 0, f"stats 1 inside: {describe(res)}")
            if before == after:
                break
        else:
            raise Fail("namespace init never idle")
        got = json.loads(res.stdout)
        check_eq(got["pid"], 1, "stats 1 inside: pid")
        got["pid"] = init
        compare_stats(got, before, init, "stats 1 inside")

        # a host pid that does not exist inside: exit 4
        outside = os.getpid()
        check(run(["nsenter", "-t", init, "-p", "-m", "test", "-e",
                   f"/proc/{outside}"]).returncode != 0,
              f"pid {outside} unexpectedly exists inside the namespace")
        expect_error(in_ns(init, "maps", outside), 4,
                     f"maps {outside} (outside the namespace)")
        expect_error(in_ns(init, "stats", outside), 4,
                     f"stats {outside} (outside the namespace)")
    finally:
        u.kill()
        u.wait()
        try:
            os.kill(init, 9)
        except ProcessLookupError:
            pass
