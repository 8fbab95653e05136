#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Check vmscope(8) against what it documents.  Prints TAP lines without
numbers ("ok - ...", "not ok - ..."); the caller numbers them.

    man_check.py lint                 mandoc -T lint and groff -ww are silent
    man_check.py cli VMSCOPE          every command, option and exit code of
                                      `vmscope --help` / `help CMD` is in it
    man_check.py modinfo KO...        module parameters = `modinfo -p`; the
                                      module has a description, a version, a
                                      license, and every parameter a description
    man_check.py json NAME FILE...    every key of the JSON in FILE (a
                                      document or one per line) is in the
                                      "NAME --json" part of JSON OUTPUT
"""

import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAN = os.environ.get("VMSCOPE_MAN", os.path.join(TOP, "userspace/vmscope.8"))
failed = 0


def tap(ok, name, diag=()):
    global failed
    failed += not ok
    print(f"{'' if ok else 'not '}ok - {name}")
    if not ok:
        for d in diag:
            print(f"#   {d}")


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def rendered():
    """The page as man(1) shows it, wide and unhyphenated, by section and
    subsection: {("COMMANDS", "maps"): text, ("EXIT STATUS", ""): text}."""
    env = dict(os.environ, MANWIDTH="200", MAN_KEEP_FORMATTING="")
    out = run("man", "-l", MAN, env=env).stdout
    out = re.sub(r".\x08", "", out)
    parts, sec, sub = {}, "", ""
    for line in out.splitlines():
        if re.match(r"^[A-Z][A-Z ]+$", line):
            sec, sub = line.strip(), ""
        elif re.match(r"^   \S", line):
            sub = line.strip()
        parts.setdefault((sec, sub), []).append(line)
    return {k: "\n".join(v) for k, v in parts.items()}


def section(parts, sec, sub=None):
    return "\n".join(t for (s, ss), t in parts.items()
                     if s == sec and (sub is None or ss == sub))


def cmd_lint():
    r = run("mandoc", "-T", "lint", "-W", "warning", MAN)
    tap(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
        "vmscope.8: mandoc -T lint -W warning is silent",
        (r.stdout + r.stderr).splitlines())
    r = run("groff", "-ww", "-man", "-z", MAN)
    tap(r.returncode == 0 and not r.stderr.strip(),
        "vmscope.8: groff -ww -man is silent", r.stderr.splitlines())
    r = run("man", "--warnings=w", "-l", MAN, env=dict(os.environ, MANWIDTH="80"))
    tap(r.returncode == 0 and not r.stderr.strip() and "VMSCOPE(8)" in r.stdout,
        "vmscope.8: man -l renders it, without warnings", r.stderr.splitlines())
    parts = rendered()
    need = ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "JSON OUTPUT",
            "EXIT STATUS", "MODULE PARAMETERS", "PERMISSIONS", "SEE ALSO"]
    have = {s for s, _ in parts}
    tap(all(s in have for s in need), "vmscope.8 has the sections " + ", ".join(need),
        [f"missing {s}" for s in need if s not in have])


def cmd_cli(cli):
    parts = rendered()
    top = run(cli, "--help").stdout
    m = re.search(r"Commands:\n(.*?)\n\n", top, re.S)
    cmds = [l.split()[0] for l in (m.group(1) if m else "").splitlines() if l.strip()]
    tap(bool(cmds), f"`vmscope --help` lists commands ({' '.join(cmds)})")
    subs = {ss for (s, ss) in parts if s == "COMMANDS"}
    synopsis = section(parts, "SYNOPSIS")
    for c in cmds:
        tap(c in subs and f"vmscope {c}" in synopsis,
            f"vmscope.8: command {c} has a COMMANDS subsection and a SYNOPSIS line",
            [f"COMMANDS subsections: {sorted(subs)}"])
        help_text = run(cli, "help", c).stdout
        opts = sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", help_text)) - {"--help"})
        body = section(parts, "COMMANDS", c)
        missing = [o for o in opts if not re.search(rf"(?<![\w-]){o}(?![\w-])", body)]
        missing += [o for o in opts if o not in synopsis and o not in missing]
        tap(not missing, f"vmscope.8: every option of `vmscope help {c}` is in its "
            f"subsection and the synopsis ({' '.join(opts) or 'none'})",
            [f"missing {o}" for o in missing])
    m = re.search(r"Exit codes:\n(.*?)(?:\n\n|$)", top, re.S)
    codes = re.findall(r"^\s*(\d+)\s", m.group(1) if m else "", re.M)
    es = section(parts, "EXIT STATUS")
    man_codes = re.findall(r"^       (\d+)\s", es, re.M)
    tap(codes and set(codes) <= set(man_codes),
        f"vmscope.8: EXIT STATUS lists every exit code of --help ({' '.join(codes)})",
        [f"--help: {codes}", f"vmscope.8: {man_codes}"])
    return cmds


def cmd_modinfo(kos):
    parts = rendered()
    # The .TP tags of MODULE PARAMETERS, from the source: a short tag and
    # its paragraph share a line when rendered.
    src = open(MAN).read()
    m = re.search(r"^\.SH MODULE PARAMETERS$(.*?)^\.SH ", src, re.M | re.S)
    man_params = re.findall(r"^\.TP\n\.B ([a-z_][a-z0-9_]*)$", m.group(1) if m else "", re.M)
    ver = run("git", "-C", TOP, "describe", "--always", "--dirty").stdout.strip()
    for ko in kos:
        f = {k: run("modinfo", "-F", k, ko).stdout.strip()
             for k in ("description", "version", "license", "vermagic", "alias")}
        diag = [f"{k}: {v!r}" for k, v in f.items()]
        ok = (f["description"] and f["license"] in ("GPL", "GPL v2", "Dual BSD/GPL")
              and f["version"] and (not ver or f["version"] == ver)
              and "net-pf-16-proto-16-family-vmscope" in f["alias"])
        tap(ok, f"modinfo {os.path.basename(os.path.dirname(os.path.dirname(ko)))}: "
            f"description, license, version = git describe ({ver or 'no git'}), "
            "the genetlink family alias", diag + [f"git describe: {ver}"])
        parms = run("modinfo", "-p", ko).stdout.splitlines()
        names, nodesc = [], []
        for line in parms:
            name, _, desc = line.partition(":")
            names.append(name)
            if not re.sub(r"\s*\(\w+\)$", "", desc).strip():
                nodesc.append(name)
        tap(names and not nodesc, f"modinfo -p: every parameter has a description "
            f"({' '.join(names)})", [f"{n}: no description" for n in nodesc])
        tap(sorted(names) == sorted(man_params),
            "vmscope.8: MODULE PARAMETERS lists exactly the parameters of `modinfo -p`",
            [f"modinfo -p: {sorted(names)}", f"vmscope.8: {sorted(man_params)}"])


def keys_of(v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            out.add(k)
            keys_of(x, out)
    elif isinstance(v, list):
        for x in v:
            keys_of(x, out)


def cmd_json(name, files):
    parts = rendered()
    text = section(parts, "JSON OUTPUT", f"{name} --json")
    # A subsection may document keys by reference: "as in maps --json".
    for other in re.findall(r"as in (\w+) --json", " ".join(text.split())):
        text += "\n" + section(parts, "JSON OUTPUT", f"{other} --json")
    keys = set()
    for path in files:
        data = open(path).read()
        try:
            keys_of(json.loads(data), keys)
        except ValueError:
            for line in data.splitlines():
                if line.strip():
                    keys_of(json.loads(line), keys)
    def documented(k):
        if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", text):
            return True
        # "COUNTER_delta" documents faults_delta when faults is documented.
        base, sep, suffix = k.rpartition("_")
        return bool(sep) and f"COUNTER_{suffix}" in text and documented(base)

    missing = sorted(k for k in keys if not documented(k))
    tap(keys and text and not missing,
        f"vmscope.8: every key of `vmscope {name} --json` output is in JSON OUTPUT "
        f"({len(keys)} keys)", [f"missing {k}" for k in missing] or
        ([] if text else [f"no subsection \"{name} --json\""]))


def main(argv):
    if argv[1] == "lint":
        cmd_lint()
    elif argv[1] == "cli":
        cmd_cli(argv[2])
    elif argv[1] == "modinfo":
        cmd_modinfo(argv[2:])
    elif argv[1] == "json":
        cmd_json(argv[2], argv[3:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
