#!/usr/bin/env python3
"""tests/hw/check_trees.py NUMAPIN OUTDIR: numapin against the machines'
own files.

Every captured tree of tests/fixtures/hwloc-linux/ (unpacked into OUTDIR)
and tests/fixtures/sysfs/ is read twice: here, from the kernel's raw files,
by a reader that shares no code with numapin; and by `numapin --root TREE
--json dump`.  Node ids, each node's online CPUs, MemTotal and distances
must be equal.  Where hwloc's own lstopo output for the tree exists
(NAME.console), each online CPU's package and core and the grouping of the
CPUs by L3 cache must be equal to it too.  A distance file whose columns
match neither node/online nor node/possible is not guessed at here: numapin
must then carry a note naming it.

Prints one line per failure and "hwtrees: N passed, M failed".
"""
import json
import os
import re
import subprocess
import sys
import tarfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HWLOC = os.path.join(TOP, "tests/fixtures/hwloc-linux")
SYSFS = os.path.join(TOP, "tests/fixtures/sysfs")


def text(path):
    """The file's text, without trailing NUL bytes and the last newline;
    None when absent."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    data = data.rstrip(b"\0")
    s = data.decode("ascii", "replace")
    return s[:-1] if s.endswith("\n") else s


def idlist(s):
    out = set()
    for part in s.split(","):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-")
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(part))
    return out


def mask(s):
    bits, v = set(), int(s.replace(",", ""), 16)
    i = 0
    while v:
        if v & 1:
            bits.add(i)
        v >>= 1
        i += 1
    return bits


def dirs(path, prefix):
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return set()
    return {int(n[len(prefix):]) for n in names
            if re.fullmatch(prefix + r"\d+", n) and
            os.path.isdir(os.path.join(path, n)) and
            not os.path.islink(os.path.join(path, n))}


def kernel_truth(root):
    cpu = os.path.join(root, "sys/devices/system/cpu")
    node = os.path.join(root, "sys/devices/system/node")
    t = text(os.path.join(cpu, "present"))
    present = idlist(t) if t is not None else dirs(cpu, "cpu")
    t = text(os.path.join(cpu, "online"))
    online_list = idlist(t) if t is not None else set(present)
    online = set()
    for c in present:
        v = text(os.path.join(cpu, "cpu%d/online" % c))
        if v in ("0", "1"):
            if v == "1":
                online.add(c)
        elif c in online_list:
            online.add(c)
    t = text(os.path.join(node, "online"))
    nodes = sorted(idlist(t) if t is not None else dirs(node, "node"))
    truth = {"nodes": {}, "odd_distance": []}
    if not nodes:
        mem = 0
        for line in (text(os.path.join(root, "proc/meminfo")) or "").split("\n"):
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1])
        truth["nodes"][0] = {"cpus": online, "mem": mem, "dist": {0: 10}}
        return truth
    t = text(os.path.join(node, "possible"))
    possible = sorted(idlist(t) | set(nodes)) if t is not None else None
    # A CPU that two nodes list (hwloc's fake trees do) is the lower
    # node's, and numapin says so.
    truth["shared"] = []
    taken = set()
    for n in nodes:
        d = os.path.join(node, "node%d" % n)
        t = text(os.path.join(d, "cpulist"))
        if t is not None:
            cpus = idlist(t)
        else:
            t = text(os.path.join(d, "cpumap"))
            cpus = mask(t) if t else set()
        mem = None
        for line in text(os.path.join(d, "meminfo")).split("\n"):
            f = line.split()
            if len(f) >= 4 and f[2] == "MemTotal:":
                mem = int(f[3])
        row = [int(x) for x in text(os.path.join(d, "distance")).split()]
        if len(row) == len(nodes):
            dist = dict(zip(nodes, row))
        elif possible and len(row) == len(possible):
            dist = {k: v for k, v in zip(possible, row) if k in nodes}
        else:
            dist = None
            truth["odd_distance"].append("sys/devices/system/node/node%d/distance" % n)
        if cpus & present & taken:
            truth["shared"].append("node %d lists" % n)
        mine = (cpus & present) - taken
        taken |= mine
        truth["nodes"][n] = {"cpus": mine & online, "mem": mem,
                             "dist": dist}
    return truth


def console_truth(path):
    """Per online PU (P#): its package P#, core P#, L3 L# (or None), from
    lstopo's console tree."""
    pus = {}
    stack = []
    for line in open(path):
        m = re.match(r"^( *)(\w+)(?:\([^)]*\))? L#(\d+)(?: \(P#(\d+))?", line)
        if not m:
            continue
        indent, kind = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, kind, int(m.group(3)),
                      int(m.group(4)) if m.group(4) else None))
        if kind == "PU":
            info = {"package": None, "core": None, "l3": None}
            for _, k, logical, phys in stack:
                if k == "Package":
                    info["package"] = phys
                elif k == "Core":
                    info["core"] = phys
                elif k == "L3Cache":
                    info["l3"] = logical
            pus[int(m.group(4))] = info
    return pus


FACTS = [0]


def partition(groups):
    return sorted(sorted(g) for g in groups if g)


def check(name, root, console, fails):
    r = subprocess.run([NUMAPIN, "--root", root, "--json", "dump"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fails.append("%s: numapin exits %d: %s" % (name, r.returncode,
                                                   r.stderr.strip()))
        return
    snap = json.loads(r.stdout)
    if VALIDATE:
        errs = list(VALIDATE.iter_errors(snap))
        if errs:
            fails.append("%s: the dump does not follow docs/schema: %s" %
                         (name, errs[0].message[:200]))
    host = snap["host"]
    hw = host.get("hardware", {})
    notes = "\n".join(hw.get("notes", []))
    truth = kernel_truth(root)
    got = {n["id"]: n for n in host["nodes"]}
    if sorted(got) != sorted(truth["nodes"]):
        fails.append("%s: nodes %s, the kernel's %s" %
                     (name, sorted(got), sorted(truth["nodes"])))
        return
    for n, want in truth["nodes"].items():
        g = got[n]
        FACTS[0] += 3 + (want["dist"] is not None)
        cpus = idlist(g["cpus"]) if g["cpus"] != "none" else set()
        if cpus != want["cpus"]:
            fails.append("%s: node %d cpus %s, the kernel's %s" %
                         (name, n, g["cpus"], sorted(want["cpus"])))
        if g["memory_kib"] != want["mem"]:
            fails.append("%s: node %d memory %s KiB, the kernel's %s" %
                         (name, n, g["memory_kib"], want["mem"]))
        if want["dist"] is not None:
            gd = {int(k): v for k, v in g.get("distances", {}).items()}
            if gd != want["dist"]:
                fails.append("%s: node %d distances %s, the kernel's %s" %
                             (name, n, gd, want["dist"]))
    for f in truth["odd_distance"] + truth.get("shared", []):
        if f not in notes:
            fails.append("%s: no note about %s" % (name, f))
    if not console:
        return
    # memory kinds: hwloc's NUMANode(SUBTYPE) P#id
    kinds = {"DRAM": "DRAM", "HBM": "HBM", "NVM": "NVM", "GPUMemory": "GPU"}
    hwnodes = {n["id"]: n for n in hw.get("nodes", [])}
    for line in open(console):
        m = re.match(r"^ *NUMANode\((\w+)\) L#\d+ \(P#(\d+)", line)
        if not m or m.group(1) not in kinds:
            continue
        FACTS[0] += 1
        got_kind = hwnodes.get(int(m.group(2)), {}).get("memory_kind")
        if got_kind != kinds[m.group(1)]:
            fails.append("%s: node %s memory kind %s, hwloc's %s" %
                         (name, m.group(2), got_kind, m.group(1)))
    pus = console_truth(console)
    cpus = {c["id"]: c for c in host["cpus"]}
    online = {i for i, c in cpus.items() if c["online"]}
    if set(pus) != online:
        fails.append("%s: online cpus %s, hwloc's %s" %
                     (name, sorted(online), sorted(pus)))
        return
    FACTS[0] += 2 * len(pus) + 2
    for p, info in pus.items():
        c = cpus[p]
        for key, mine in (("package", "socket"), ("core", "core")):
            if info[key] is not None and c.get(mine) != info[key]:
                fails.append("%s: cpu %d %s %s, hwloc's %s" %
                             (name, p, mine, c.get(mine), info[key]))
    l3 = [idlist(e["cpus"]) for e in hw.get("llc", []) if e["level"] == 3]
    want = {}
    for p, info in pus.items():
        if info["l3"] is not None:
            want.setdefault(info["l3"], set()).add(p)
    if partition(l3) != partition(want.values()):
        fails.append("%s: L3 groups %s, hwloc's %s" %
                     (name, partition(l3), partition(want.values())))
    nr = {"packages": len({c.get("socket") for i, c in cpus.items() if i in online}),
          "cores": len({(c.get("socket"), c.get("die"), c.get("core"))
                        for i, c in cpus.items() if i in online})}
    wantnr = {"packages": len({i["package"] for i in pus.values()}),
              "cores": len({(i["package"], i["core"]) for i in pus.values()})}
    if None not in {i["package"] for i in pus.values()} and nr != wantnr:
        fails.append("%s: %s, hwloc's %s" % (name, nr, wantnr))


def main():
    global NUMAPIN, VALIDATE
    try:
        import jsonschema
        with open(os.path.join(TOP, "docs/schema/snapshot.schema.json")) as f:
            VALIDATE = jsonschema.Draft202012Validator(json.load(f))
    except ImportError:
        VALIDATE = None
    NUMAPIN, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    trees = []
    for f in sorted(os.listdir(HWLOC)):
        if not f.endswith(".tar.bz2"):
            continue
        base = f[:-len(".tar.bz2")]
        dest = os.path.join(out, base)
        if not os.path.isdir(dest):
            with tarfile.open(os.path.join(HWLOC, f)) as tar:
                top = {m.name.split("/")[0] for m in tar.getmembers()}
                tmp = dest + ".tmp"
                tar.extractall(tmp, filter="tar") if hasattr(tarfile, "data_filter") \
                    else tar.extractall(tmp)
            (inner,) = top
            os.rename(os.path.join(tmp, inner), dest)
            os.rmdir(tmp)
        console = os.path.join(HWLOC, base + ".console")
        trees.append((base, dest, console if os.path.exists(console) else None))
    for d in sorted(os.listdir(SYSFS)):
        p = os.path.join(SYSFS, d)
        if os.path.isdir(os.path.join(p, "sys")):
            trees.append((d, p, None))
    passed = 0
    failed = 0
    for name, root, console in trees:
        fails = []
        check(name, root, console, fails)
        for f in fails:
            print("FAIL " + f)
        if fails:
            failed += 1
        else:
            passed += 1
    print("hwtrees: %d passed, %d failed (%d trees, %d with hwloc's output, "
          "%d facts compared)" % (passed, failed, len(trees),
                                  sum(1 for t in trees if t[2]), FACTS[0]))
    return 1 if failed or len(trees) < 29 else 0


if __name__ == "__main__":
    sys.exit(main())
