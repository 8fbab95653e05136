#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Keep the YNL spec, the UAPI header and the module's policies in agreement.

    tests/eco/spec_check.py [SPEC HEADER NETLINK_C SCHEMA]

Reads the three independently (the header's enums and kernel-doc, the
spec through PyYAML, the policies and ops table of module/netlink.c with
regular expressions) and compares, as TAP:
  - the spec validates against the kernel's genetlink-legacy schema;
  - family name and version, commands, every attribute set, every enum and
    constant: the same C names with the same values on both sides;
  - every attribute's type: the spec's, the header kernel-doc's ("u32, ...")
    and, for request attributes, the policy's (NLA_U32, NLA_POLICY_MIN...);
  - the spec's enum of an attribute is the one its kernel-doc names;
  - every op in module/netlink.c: do/dump as the spec says, its policy of the
    op's attribute set and holding exactly the spec's request attributes
    (reply-only attributes are not in it), with the same checks;
  - no multicast group on either side; resv_start_op is the first op.
"""

import os
import re
import sys

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.environ.get("VMSCOPE_CACHE", "/var/cache/vmscope")

n = 0
failed = 0


def tap(ok, name, diag=(), skip=None):
    global n, failed
    n += 1
    if skip:
        print(f"ok {n} - {name} # SKIP {skip}")
        return
    if not ok:
        failed += 1
    print(f"{'' if ok else 'not '}ok {n} - {name}")
    for d in diag if not ok else ():
        print(f"#   {d}")


def c_upper(s):
    return s.upper().replace("-", "_")


# ---- the header -----------------------------------------------------------

def parse_header(path):
    """enums: {enum_name: [(C_NAME, value), ...]}, defines: {NAME: value},
    docs: {C_NAME: (type, text)} from the kernel-doc comments."""
    text = open(path).read()
    defines = {}
    for m in re.finditer(r"^#define\s+(VMSCOPE_\w+)\s+(.+?)\s*$", text, re.M):
        v = m.group(2).strip()
        defines[m.group(1)] = int(v) if v.isdigit() else v.strip('"')
    enums = {}
    for m in re.finditer(r"enum\s+(\w+)\s*\{(.*?)\};", text, re.S):
        body = re.sub(r"/\*.*?\*/", "", m.group(2), flags=re.S)
        vals, cur = [], -1
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                name, expr = (s.strip() for s in item.split("=", 1))
                known = dict(vals)
                mm = re.fullmatch(r"(\w+)\s*-\s*1", expr)
                cur = known[mm.group(1)] - 1 if mm else int(expr, 0)
            else:
                name, cur = item, cur + 1
            vals.append((name, cur))
        enums[m.group(1)] = vals
    docs = {}
    for block in re.findall(r"/\*\*(.*?)\*/", text, re.S):
        section_type = None
        for m in re.finditer(r"^[ \t]*\*[ \t]?(?:@(\w+):[ \t]*(.*)|(.*))$", block, re.M):
            if m.group(1):
                body = m.group(2)
                first = re.match(r"(u8|u16|u32|u64|string|flag)\b", body)
                if first:
                    t = first.group(1)
                elif body.startswith("padding"):
                    t = "pad"
                else:
                    t = section_type
                docs[m.group(1)] = (t, body)
                last = m.group(1)
            else:
                line = m.group(3) or ""
                mm = re.search(r"attributes \((u32|u64)\)", line)
                if mm:
                    section_type = mm.group(1)
                elif docs and line.startswith("\t"):
                    t, body = docs[last]
                    docs[last] = (t, body + " " + line.strip())
    return enums, defines, docs


# ---- module/netlink.c -----------------------------------------------------

POLICY_RE = re.compile(
    r"static\s+const\s+struct\s+nla_policy\s+(\w+)\s*\[(\w+)\s*\+\s*1\]\s*=\s*\{(.*?)\};",
    re.S)


def parse_policy_expr(expr):
    """'{ .type = NLA_U64 }' / 'NLA_POLICY_MIN(NLA_U32, 1)' -> (type, checks)"""
    expr = " ".join(expr.split())
    m = re.fullmatch(r"\{\s*\.type\s*=\s*(NLA_\w+)\s*,?\s*\}", expr)
    if m:
        return m.group(1), {}
    m = re.fullmatch(r"NLA_POLICY_(MIN|MAX|MASK)\(\s*(NLA_\w+)\s*,\s*(\w+)\s*\)", expr)
    if m:
        return m.group(2), {m.group(1).lower(): m.group(3)}
    m = re.fullmatch(r"NLA_POLICY_RANGE\(\s*(NLA_\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*\)", expr)
    if m:
        return m.group(1), {"min": m.group(2), "max": m.group(3)}
    if expr == "{ .type = NLA_FLAG }":
        return "NLA_FLAG", {}
    return "?" + expr, {}


def parse_netlink_c(path):
    text = open(path).read()
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    policies = {}
    for m in POLICY_RE.finditer(code):
        entries = {}
        parts = re.split(r"\[(\w+)\]\s*=", m.group(3))
        for name, expr in zip(parts[1::2], parts[2::2]):
            entries[name] = parse_policy_expr(expr.strip().rstrip(",").strip())
        policies[m.group(1)] = (m.group(2), entries)
    ops = []
    mo = re.search(r"struct\s+genl_ops\s+\w+\[\]\s*=\s*\{(.*?)\n\};", code, re.S)
    for body in re.findall(r"\{(.*?)\}", mo.group(1) if mo else "", re.S):
        fields = dict(re.findall(r"\.(\w+)\s*=\s*([^,]+),", body))
        ops.append({k: v.strip() for k, v in fields.items()})
    fam = {}
    mf = re.search(r"struct\s+genl_family\s+\w+[^=]*=\s*\{(.*?)\};", code, re.S)
    if mf:
        fam = {k: v.strip() for k, v in re.findall(r"\.(\w+)\s*=\s*([^,]+),", mf.group(1))}
    return policies, ops, fam


# ---- the spec -------------------------------------------------------------

NLA = {"u8": "NLA_U8", "u16": "NLA_U16", "u32": "NLA_U32", "u64": "NLA_U64",
       "string": "NLA_NUL_STRING", "flag": "NLA_FLAG", "uint": "NLA_UINT"}


def spec_sets(spec):
    fam = spec["name"]
    out = {}
    for s in spec["attribute-sets"]:
        pfx = s.get("name-prefix", f"{fam}-{s['name']}-a-")
        val, attrs = 1, []
        for a in s["attributes"]:
            val = a.get("value", val)
            attrs.append(dict(a, value=val, c=c_upper(pfx + a["name"])))
            val += 1
        out[s["name"]] = dict(s, attrs=attrs, pfx=c_upper(pfx),
                              enum=s.get("enum-name") or "")
    return out


def spec_enums(spec):
    fam = spec["name"]
    enums, consts = {}, {}
    for d in spec.get("definitions", []):
        if d["type"] == "const":
            consts[c_upper(f"{fam}-{d['name']}")] = d["value"]
            continue
        if d["type"] not in ("enum", "flags"):
            continue
        pfx = d.get("name-prefix", f"{fam}-{d['name']}-")
        val, entries = d.get("value-start", 0), []
        for i, e in enumerate(d["entries"]):
            e = e if isinstance(e, dict) else {"name": e}
            if d["type"] == "flags":
                v = 1 << (i + d.get("value-start", 0))
            else:
                v = e.get("value", val)
                val = v + 1
            entries.append((c_upper(pfx + e["name"]), v))
        enums[d["name"]] = dict(d, c_entries=entries, pfx=c_upper(pfx))
    return enums, consts


def header_entries(vals):
    """The real members of a header enum: no UNSPEC, no __*_MAX/_CNT, no *_MAX alias."""
    out = []
    for name, v in vals:
        if name.startswith("__") or name.endswith("_UNSPEC"):
            continue
        if name.endswith("_MAX") and ("__" + name) in dict(vals):
            continue
        out.append((name, v))
    return out


def main(argv):
    spec_path = argv[1] if len(argv) > 1 else os.path.join(TOP, "module/vmscope.yaml")
    hdr_path = argv[2] if len(argv) > 2 else os.path.join(
        TOP, "module/include/uapi/linux/vmscope.h")
    nl_path = argv[3] if len(argv) > 3 else os.path.join(TOP, "module/netlink.c")
    schema_path = argv[4] if len(argv) > 4 else os.path.join(
        CACHE, "linux-source-6.12/Documentation/netlink/genetlink-legacy.yaml")

    spec = yaml.safe_load(open(spec_path))
    enums, defines, docs = parse_header(hdr_path)
    policies, ops, family = parse_netlink_c(nl_path)

    # 1. the schema
    if os.path.exists(schema_path):
        import jsonschema
        try:
            jsonschema.validate(spec, yaml.safe_load(open(schema_path)))
            tap(True, "spec validates against the kernel's genetlink-legacy.yaml")
        except jsonschema.ValidationError as e:
            tap(False, "spec validates against the kernel's genetlink-legacy.yaml",
                [str(e).splitlines()[0], "at " + "/".join(map(str, e.absolute_path))])
    else:
        tap(True, "spec validates against genetlink-legacy.yaml",
            skip=f"no schema at {schema_path} (run tests/setup.sh)")

    # 2. family
    diag = []
    if spec["name"] != defines.get("VMSCOPE_FAMILY_NAME"):
        diag.append(f"name: spec {spec['name']}, header {defines.get('VMSCOPE_FAMILY_NAME')}")
    if spec.get("version", 1) != defines.get("VMSCOPE_FAMILY_VERSION"):
        diag.append(f"version: spec {spec.get('version', 1)}, header {defines.get('VMSCOPE_FAMILY_VERSION')}")
    if spec.get("protocol") != "genetlink-legacy" or spec.get("kernel-policy") != "per-op":
        diag.append("spec: want protocol genetlink-legacy, kernel-policy per-op")
    if family.get("name") != "VMSCOPE_FAMILY_NAME" or family.get("version") != "VMSCOPE_FAMILY_VERSION":
        diag.append(f"netlink.c family: name {family.get('name')}, version {family.get('version')}")
    tap(not diag, "family name and version: spec, header and netlink.c agree", diag)

    # 3. commands
    opl = spec["operations"]["list"]
    pfx = spec["operations"].get("name-prefix", spec["name"] + "-cmd-")
    ename = spec["operations"].get("enum-name")
    val, spec_cmds = 1, []
    for o in opl:
        val = o.get("value", val)
        spec_cmds.append((c_upper(pfx + o["name"]), val))
        val += 1
    hdr_cmds = header_entries(enums.get(ename, []))
    diag = [f"spec {a}, header {b}" for a, b in zip(spec_cmds, hdr_cmds) if a != b]
    if len(spec_cmds) != len(hdr_cmds):
        diag.append(f"spec has {len(spec_cmds)} commands, header enum {ename} {len(hdr_cmds)}")
    tap(not diag and hdr_cmds, f"commands: spec operations = header enum {ename}", diag)

    # 4. attribute sets: names, values, types, enums
    sets = spec_sets(spec)
    senums, consts = spec_enums(spec)
    enum_by_cpfx = {e["pfx"]: name for name, e in senums.items()}
    enum_by_cname = {e.get("enum-name"): name for name, e in senums.items()}
    for sname, s in sets.items():
        hdr = header_entries(enums.get(s["enum"], []))
        diag = []
        if not hdr:
            diag.append(f"no enum {s['enum']} in the header")
        hmap = dict(hdr)
        for a in s["attrs"]:
            if a["c"] not in hmap:
                diag.append(f"{a['name']}: {a['c']} not in the header")
                continue
            if hmap[a["c"]] != a["value"]:
                diag.append(f"{a['name']}: value spec {a['value']}, header {hmap[a['c']]}")
            dt, dtext = docs.get(a["c"], (None, ""))
            if dt != a["type"]:
                diag.append(f"{a['name']}: type spec {a['type']}, header kernel-doc {dt}")
            named = set(re.findall(r"(VMSCOPE_\w+?_)\*", dtext))
            named |= {enum_by_cname.get(x) and senums[enum_by_cname[x]]["pfx"]
                      for x in re.findall(r"enum (vmscope_\w+)", dtext)} - {None}
            want = {enum_by_cpfx[p] for p in named if p in enum_by_cpfx}
            have = {a["enum"]} if "enum" in a else set()
            # An attribute whose kernel-doc names no enum may still use one.
            if want and want != have:
                diag.append(f"{a['name']}: spec enum {have or 'none'}, kernel-doc names {want or 'none'}")
        extra = set(hmap) - {a["c"] for a in s["attrs"]}
        if extra:
            diag.append(f"in the header only: {' '.join(sorted(extra))}")
        tap(not diag, f"attribute set {sname}: names, values, types and enums match "
            f"header enum {s['enum']} ({len(s['attrs'])} attributes)", diag)

    # 5. enums and constants
    for name, e in senums.items():
        hdr = header_entries(enums.get(e.get("enum-name"), []))
        diag = []
        if e["type"] == "flags":
            diag.append("type flags: the header's enums hold bit numbers; use type enum "
                        "and enum-as-flags on the attribute")
        if hdr != e["c_entries"]:
            hs, ss = set(hdr), set(e["c_entries"])
            diag += [f"header only: {c} = {v}" for c, v in hdr if (c, v) not in ss]
            diag += [f"spec only: {c} = {v}" for c, v in e["c_entries"] if (c, v) not in hs]
        tap(not diag and hdr, f"enum {name}: entries and values match header enum "
            f"{e.get('enum-name')}", diag)
    diag = [f"{k}: spec {v}, header {defines.get(k)}" for k, v in consts.items()
            if defines.get(k) != v]
    tap(not diag, f"constants: {' '.join(consts)} match the header", diag)

    # 6. policies and ops of module/netlink.c
    by_name = {c_upper(pfx + o["name"]): o for o in opl}
    served = set()
    for op in ops:
        cmd = op.get("cmd")
        o = by_name.get(cmd)
        diag = []
        if not o:
            tap(False, f"netlink.c op {cmd}: in the spec", ["not in the spec's operations"])
            continue
        served.add(cmd)
        if ("doit" in op) != ("do" in o):
            diag.append(f"doit in netlink.c: {'doit' in op}, do in spec: {'do' in o}")
        if ("dumpit" in op) != ("dump" in o):
            diag.append(f"dumpit in netlink.c: {'dumpit' in op}, dump in spec: {'dump' in o}")
        s = sets[o["attribute-set"]]
        want_max = c_upper(f"{s['pfx']}max")
        if op.get("maxattr") != want_max:
            diag.append(f"maxattr {op.get('maxattr')}, want {want_max}")
        pol = policies.get(op.get("policy"))
        req = []
        for mode in ("do", "dump"):
            for a in (o.get(mode) or {}).get("request", {}).get("attributes", []):
                if a not in req:
                    req.append(a)
        if pol is None:
            diag.append(f"policy {op.get('policy')} not found")
        else:
            if pol[0] != want_max:
                diag.append(f"policy {op.get('policy')} sized by {pol[0]}, want {want_max}")
            attrs = {a["name"]: a for a in s["attrs"]}
            want = {attrs[a]["c"]: attrs[a] for a in req}
            for c in sorted(set(pol[1]) - set(want)):
                diag.append(f"{c} is in the policy but not a request attribute in the spec")
            for c in sorted(set(want) - set(pol[1])):
                diag.append(f"{c} is a request attribute in the spec but not in the policy")
            for c, a in want.items():
                if c not in pol[1]:
                    continue
                ptype, checks = pol[1][c]
                if ptype != NLA.get(a["type"]) and not (a["type"] == "string" and ptype == "NLA_STRING"):
                    diag.append(f"{c}: policy {ptype}, spec {a['type']}")
                sc = a.get("checks", {})
                if str(sc.get("min", "")) != str(checks.get("min", "")) or \
                   str(sc.get("max", "")) != str(checks.get("max", "")):
                    diag.append(f"{c}: policy checks {checks}, spec checks {sc}")
                if "mask" in checks:
                    en = senums.get(a.get("enum"), {})
                    if not a.get("enum-as-flags") or checks["mask"] != en.get("pfx", "?") + "ALL":
                        diag.append(f"{c}: policy mask {checks['mask']}, spec enum "
                                    f"{a.get('enum')} enum-as-flags {a.get('enum-as-flags')}")
                    elif checks["mask"] not in defines:
                        diag.append(f"{c}: {checks['mask']} is not defined in the header")
                elif a.get("enum-as-flags") and a["type"] != "u64":
                    diag.append(f"{c}: spec flags on {a['type']}, policy has no mask")
        tap(not diag, f"op {o['name']}: netlink.c's {op.get('policy')} = the spec's "
            f"request attributes ({' '.join(req) or 'none'})", diag)
    for o in opl:
        if ("do" in o or "dump" in o) and c_upper(pfx + o["name"]) not in served:
            tap(True, f"op {o['name']}: in module/netlink.c's ops",
                skip=f"{c_upper(pfx + o['name'])} is in the header and the spec, not served by module/netlink.c yet")
        if "event" in o and c_upper(pfx + o["name"]) in served:
            tap(False, f"op {o['name']}: an event, not a request op in netlink.c")

    # 7. multicast groups, resv_start_op
    diag = []
    if spec.get("mcast-groups"):
        diag.append("spec has mcast-groups")
    if "mcgrps" in family or "n_mcgrps" in family:
        diag.append("netlink.c family has mcgrps")
    if any("mcgrp" in o for o in opl):
        diag.append("a spec op names an mcgrp")
    tap(not diag, "no multicast group: events are unicast (spec, netlink.c)", diag)
    first = c_upper(pfx + opl[0]["name"])
    tap(family.get("resv_start_op") == first,
        f"resv_start_op is {first}, the spec's first op",
        [f"netlink.c: {family.get('resv_start_op')}"])

    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
