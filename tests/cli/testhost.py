#!/usr/bin/env python3
"""tests/cli/testhost.py: change a test backend host file as a hypervisor
would when guests start and stop, for tests/cli/watch.sh.

    testhost.py FILE add NAME VCPUS MEM_MIB [CPUS]   a new guest, floating
                                                     (or pinned to CPUS,
                                                     as by its config)
    testhost.py FILE remove NAME                     the guest is gone
    testhost.py FILE pins                            "NAME VCPU HARD" lines
                                                     (read only, no lock)

The change is made under numapin's writer lock ($NUMAPIN_STATE_DIR/lock,
flock), as every writer of a host must, and the file replaced atomically.
"""
import fcntl
import json
import os
import sys


def main():
    path, op = sys.argv[1], sys.argv[2]
    if op == "pins":
        with open(path) as f:
            host = json.load(f)
        for g in host.get("guests", []):
            for v in g["vcpus"]:
                print(g["name"], v["id"], v["hard"])
        return
    state = os.environ.get("NUMAPIN_STATE_DIR", "/var/lib/numapin")
    os.makedirs(state, mode=0o700, exist_ok=True)
    with open(os.path.join(state, "lock"), "a+") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        with open(path) as f:
            host = json.load(f)
        guests = host.setdefault("guests", [])
        if op == "add":
            name, vcpus, mib = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
            pin = sys.argv[6] if len(sys.argv) > 6 else "all"
            gid = max([g["id"] for g in guests] + [0]) + 1
            guests.append({
                "id": gid, "name": name, "memory_kib": mib * 1024,
                "node_affinity": "all",
                "vcpus": [{"id": v, "online": True, "running": True,
                           "blocked": False, "cpu": 0, "time_ns": 0,
                           "hard": pin, "soft": "all"}
                          for v in range(vcpus)]})
        elif op == "remove":
            host["guests"] = [g for g in guests if g["name"] != sys.argv[3]]
        else:
            sys.exit("unknown operation " + op)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(host, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)


main()
