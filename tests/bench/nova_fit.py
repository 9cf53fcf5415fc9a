#!/usr/bin/python3
"""nova_fit.py: OpenStack Nova's own NUMA fitting on the benchmark's
instances (tests/bench, `make bench`).  Not a model: Debian's python3-nova,
nova.virt.hardware.numa_fit_instance_to_host() then
numa_usage_from_instance_numa(), guest after guest, exactly as the
resource tracker does when instances land on a host.

Input (written by np-bench): one instance after another,
    instance NAME
    policy prefer|isolate|require
    node INDEX ID MEM_TOTAL_KIB MEM_FREE_KIB
    cpus INDEX CPU,CPU,...
    core CPU,CPU,...                 (SMT siblings)
    old VCPUS MEM_KIB CPU,CPU,... NODE:KIB,...   (already there, pinned)
    guest VCPUS MEM_KIB
    end
Output, per instance and run:
    run INSTANCE TOOL MILLISECONDS
    g GUEST NR_CELLS                 (0: rejected)
    c NODE_INDEX VCPUS MEM_KIB CPU,CPU,...|float:CPU,CPU,...

Runs: "nova" (dedicated CPUs, cpu_thread_policy from the instance's
policy, arrival order; host cells in the legacy vcpu_pin_set configuration,
cpuset = pcpuset, under which Nova's isolate packs onto SMT hosts),
"nova-largest" (the same, largest memory first),
"nova-shared" (shared CPUs with cpu_allocation_ratio 1.0 and
ram_allocation_ratio 1.0, arrival order).  A guest that no single host
cell fits is tried again with hw:numa_nodes 2, 3 and 4 (its vCPUs and
memory split as evenly as they go), on hosts of up to 16 cells (up to 2
cells above that: numa_fit_instance_to_host tries every permutation of
host cells).  Each host cell has one 4 KiB page pool, so memory is
checked as Nova checks it on a real host.
"""
import logging
import sys
import time
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)  # Nova's own warnings are not results

from nova import objects  # noqa: E402

objects.register_all()
from nova.objects import fields  # noqa: E402
from nova.virt import hardware  # noqa: E402


def read_instances(f):
    inst = None
    for line in f:
        w = line.split()
        if not w:
            continue
        if w[0] == "instance":
            inst = {"name": " ".join(w[1:]), "nodes": [], "cpus": {},
                    "cores": [], "old": [], "guests": []}
        elif w[0] == "policy":
            inst["policy"] = w[1]
        elif w[0] == "node":
            inst["nodes"].append((int(w[1]), int(w[2]), int(w[3]),
                                  int(w[4])))
        elif w[0] == "cpus":
            inst["cpus"][int(w[1])] = (
                [int(c) for c in w[2].split(",")] if len(w) > 2 else [])
        elif w[0] == "core":
            inst["cores"].append([int(c) for c in w[1].split(",")])
        elif w[0] == "old":
            mem = {}
            if len(w) > 4:
                for kv in w[4].split(","):
                    k, v = kv.split(":")
                    mem[int(k)] = int(v)
            inst["old"].append((int(w[1]), int(w[2]),
                                [int(c) for c in w[3].split(",")], mem))
        elif w[0] == "guest":
            inst["guests"].append((int(w[1]), int(w[2])))
        elif w[0] == "end":
            yield inst


def host_topology(inst, shared):
    """A NUMATopology with the guests already there counted as used."""
    cells = []
    for idx, nid, total_kib, free_kib in inst["nodes"]:
        cpus = set(inst["cpus"].get(idx, []))
        siblings = [set(c) for c in inst["cores"] if set(c) <= cpus]
        pinned = set()
        used_kib = total_kib - free_kib
        for vcpus, mem_kib, ocpus, mem in inst["old"]:
            pinned |= set(ocpus) & cpus
        total_mib = total_kib // 1024
        # dedicated: the legacy configuration (vcpu_pin_set), cpuset and
        # pcpuset the same, the only one under which Nova's isolate policy
        # packs onto an SMT host rather than refusing it (bug #1889633)
        cell = objects.NUMACell(
            id=idx,
            cpuset=cpus,
            pcpuset=set() if shared else cpus,
            memory=total_mib,
            cpu_usage=len(pinned) if shared else 0,
            memory_usage=used_kib // 1024,
            pinned_cpus=set() if shared else pinned,
            siblings=siblings,
            mempages=[objects.NUMAPagesTopology(
                size_kb=4, total=total_kib // 4, used=used_kib // 4,
                reserved=0)],
            network_metadata=objects.NetworkMetadata(
                physnets=set(), tunneled=False),
            socket=idx)
        cells.append(cell)
    return objects.NUMATopology(cells=cells)


def split(n, parts):
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def instance_topology(vcpus, mem_kib, nodes, policy, shared):
    cells = []
    first = 0
    mem_mib = max(1, mem_kib // 1024)
    for i, (v, m) in enumerate(zip(split(vcpus, nodes),
                                   split(mem_mib, nodes))):
        ids = set(range(first, first + v))
        first += v
        if shared:
            cell = objects.InstanceNUMACell(
                id=i, cpuset=ids, pcpuset=set(), memory=m,
                cpu_policy=fields.CPUAllocationPolicy.SHARED)
        else:
            cell = objects.InstanceNUMACell(
                id=i, cpuset=set(), pcpuset=ids, memory=m,
                cpu_policy=fields.CPUAllocationPolicy.DEDICATED,
                cpu_thread_policy=policy)
        cells.append(cell)
    return objects.InstanceNUMATopology(cells=cells)


def run(inst, order, shared, out, index, tool):
    policy = {"prefer": fields.CPUThreadAllocationPolicy.PREFER,
              "isolate": fields.CPUThreadAllocationPolicy.ISOLATE,
              "require": fields.CPUThreadAllocationPolicy.REQUIRE}[
                  inst["policy"]]
    host = host_topology(inst, shared)
    limits = objects.NUMATopologyLimits(
        cpu_allocation_ratio=1.0, ram_allocation_ratio=1.0) if shared \
        else None
    ncells = len(inst["nodes"])
    max_split = 4 if ncells <= 16 else 2
    cell_cpus = {idx: inst["cpus"].get(idx, []) for idx, *_ in inst["nodes"]}
    nold = len(inst["old"])
    lines = []
    t0 = time.perf_counter()
    for gi in order:
        vcpus, mem_kib = inst["guests"][gi]
        fitted = None
        for nodes in range(1, max_split + 1):
            if nodes > vcpus or nodes > ncells:
                break
            want = instance_topology(vcpus, mem_kib, nodes, policy, shared)
            fitted = hardware.numa_fit_instance_to_host(host, want, limits)
            if fitted:
                break
        if not fitted:
            lines.append("g %d 0" % (nold + gi))
            continue
        host = hardware.numa_usage_from_instance_numa(host, fitted)
        lines.append("g %d %d" % (nold + gi, len(fitted.cells)))
        for cell in fitted.cells:
            if shared:
                cpus = "float:" + ",".join(
                    str(c) for c in sorted(cell_cpus[cell.id]))
                nv = len(cell.cpuset)
            else:
                cpus = ",".join(str(c) for c in
                                sorted(cell.cpu_pinning.values()))
                nv = len(cell.pcpuset)
            lines.append("c %d %d %d %s" % (cell.id, nv,
                                            cell.memory * 1024, cpus))
    ms = (time.perf_counter() - t0) * 1000.0
    out.write("run %d %s %.3f\n" % (index, tool, ms))
    out.write("\n".join(lines) + ("\n" if lines else ""))


def main():
    src = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    out = open(sys.argv[2], "w") if len(sys.argv) > 2 else sys.stdout
    for index, inst in enumerate(read_instances(src)):
        arrival = list(range(len(inst["guests"])))
        largest = sorted(arrival, key=lambda i: (-inst["guests"][i][1],
                                                 -inst["guests"][i][0], i))
        run(inst, arrival, False, out, index, "nova")
        run(inst, largest, False, out, index, "nova-largest")
        run(inst, arrival, True, out, index, "nova-shared")
        out.flush()


if __name__ == "__main__":
    main()
