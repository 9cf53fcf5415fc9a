#!/bin/sh
# tests/cli/numastat.sh: numastat's layouts on the test backend, and the
# double-count case of issue 11: two pinned 36 GiB guests, each alone on
# its 64 GiB node with 20 GiB free, must plan to the identity, whether
# their memory position is in the host file (measured) or not (estimated
# from the node affinity, never counted twice).
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
fj=$top/tests/fixtures/json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
NUMAPIN_STATE_DIR=$tmp/state
export NUMAPIN_STATE_DIR

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run CMD...: exit code in $rc, stdout in $tmp/out, stderr in $tmp/err.
run() {
    "$np" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# ---- numastat's text and JSON -----------------------------------------
t="-c test:$fj/small.json"
run $t numastat
if [ $rc = 0 ] && grep -q '^Guest  *Node 0  *Node 1  *Total  *Local$' "$tmp/out" &&
    grep -q '^7 (small)  *1024\.00  *0\.00  *1024\.00  *100\.0%$' "$tmp/out" &&
    grep -q '^Total  *1024\.00  *0\.00  *1024\.00$' "$tmp/out" &&
    grep -q 'from the host file' "$tmp/out"; then
    ok
else
    bad "numastat text"
    cat "$tmp/out" "$tmp/err"
fi
run $t --json numastat small
if [ $rc = 0 ] && python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
g = d["guests"][0]
assert d["command"] == "numastat" and d["source"].startswith("test backend")
assert g["name"] == "small" and g["id"] == 7, g
assert g["memory_per_node_kib"] == {"0": 1048576, "1": 0}, g
assert g["total_kib"] == 1048576 and g["local_pct"] == 100.0, g
assert g["source"] == "the host file", g
PY
then ok; else bad "numastat --json"; cat "$tmp/out" "$tmp/err"; fi
run $t numastat nosuch
if [ $rc = 1 ] && [ ! -s "$tmp/out" ] && grep -q "nosuch" "$tmp/err"; then
    ok
else
    bad "numastat of a guest that does not exist: exit $rc"
fi
run $t numastat --bogus
[ $rc = 1 ] && ok || bad "numastat --bogus: exit $rc"

# A guest whose memory is mostly away from its vCPUs gets a note.
python3 - "$fj/small.json" "$tmp/remote.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["guests"][0]["memory_per_node_kib"] = {"0": 262144, "1": 786432}
json.dump(d, open(sys.argv[2], "w"))
PY
run -c "test:$tmp/remote.json" numastat
if [ $rc = 0 ] && grep -q '  25\.0%$' "$tmp/out" &&
    grep -q "^note: 'small' has 75.0% of its memory on nodes where its vCPUs do not run$" "$tmp/out"; then
    ok
else
    bad "numastat: the remote note"
    cat "$tmp/out"
fi

# ---- the double-count case --------------------------------------------
# identity PLAN.json HOST.json: every guest's planned nodes and pins are
# the ones it has.
identity() {
    python3 - "$1" "$2" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
host = json.load(open(sys.argv[2]))
cur = {g["id"]: g for g in host["guests"]}
assert len(plan["guests"]) == 2, plan["guests"]
for pg in plan["guests"]:
    g = cur[pg["id"]]
    assert pg["placed"], pg
    assert pg["nodes"] == g["node_affinity"], (pg["nodes"], g["node_affinity"])
    for p in pg["pins"]:
        assert p["hard"] == g["vcpus"][p["vcpu"]]["hard"], (pg["name"], p)
PY
}
dc=$fj/double-count.json
run -c "test:$dc" plan --all -o "$tmp/dc-plan.json"
if [ $rc = 0 ] && identity "$tmp/dc-plan.json" "$dc"; then
    ok
else
    bad "double count, memory measured: not the identity (exit $rc)"
    cat "$tmp/out" "$tmp/err"
fi
# The same host as the Xen backend read it before numastat: no memory
# position.  Estimated from the node affinity, not counted twice.
python3 - "$dc" "$tmp/nopos.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for g in d["guests"]:
    del g["memory_per_node_kib"]
json.dump(d, open(sys.argv[2], "w"))
PY
run -c "test:$tmp/nopos.json" plan --all -o "$tmp/nopos-plan.json"
if [ $rc = 0 ] && identity "$tmp/nopos-plan.json" "$dc" &&
    grep -q "where the memory of 'big1' is now is not measured: estimated from its node affinity" "$tmp/out"; then
    ok
else
    bad "double count, memory not measured: not the identity (exit $rc)"
    cat "$tmp/out" "$tmp/err"
fi
run -c "test:$tmp/nopos.json" plan --all --no-measure
if [ $rc = 0 ] &&
    grep -q "the memory of 'big2' is estimated from its node affinity, not measured" "$tmp/out"; then
    ok
else
    bad "plan --no-measure does not say estimated (exit $rc)"
    cat "$tmp/out" "$tmp/err"
fi
cp "$dc" "$tmp/dc-apply.json"
run -c "test:$tmp/dc-apply.json" apply --all
if [ $rc = 0 ] && grep -q '^  big1: 100\.0% / 100\.0% / 100\.0%$' "$tmp/out"; then
    ok
else
    bad "apply: local shares before / planned / now"
    cat "$tmp/out" "$tmp/err"
fi

# ---- numatune --migrate as on Xen, and its undo ------------------------
# NUMAPIN_TEST_RELOCATE: the test host moves memory by a copy of the guest
# under a new id, from the copy's node affinity (xen_migrate.c on Xen).
# mkhost OUT AFFINITY MEM0 MEM1: two nodes (CPUs 0-1, 2-3), 1 GiB each,
# 512 MiB free; guest web (id 3, 256 MiB, vCPUs hard 0-1) with node
# affinity AFFINITY and MEM0/MEM1 KiB on nodes 0 and 1 (MEM0 "-": its
# memory position unknown).
mkhost() {
    python3 - "$@" <<'PY'
import json, sys
out, aff, m0, m1 = sys.argv[1:]
cpus = [{"id": c, "online": True, "socket": c // 2, "die": 0, "core": c % 2,
         "node": c // 2, "siblings": str(c)} for c in range(4)]
nodes = [{"id": n, "memory_kib": 1048576, "free_kib": 524288,
          "cpus": "%d-%d" % (2 * n, 2 * n + 1),
          "distances": {"0": 10 if n == 0 else 20, "1": 20 if n == 0 else 10}}
         for n in range(2)]
g = {"id": 3, "name": "web", "memory_kib": 262144, "node_affinity": aff,
     "vcpus": [{"id": v, "online": True, "running": False, "blocked": True,
                "cpu": v, "time_ns": 0, "hard": "0-1", "soft": "all"}
               for v in range(2)]}
if m0 != "-":
    g["memory_per_node_kib"] = {"0": int(m0), "1": int(m1)}
json.dump({"numapin": 2, "host": {"cpu_model": "x86_64", "cpu_mhz": 2400,
                                  "cpus": cpus, "nodes": nodes},
           "guests": [g]}, open(out, "w"), indent=1)
PY
}
# state HOST: "ID AFFINITY MEM0 MEM1 HARD0/SOFT0 HARD1/SOFT1" of web.
state() {
    python3 - "$1" <<'PY'
import json, sys
g = [g for g in json.load(open(sys.argv[1]))["guests"] if g["name"] == "web"][0]
m = g.get("memory_per_node_kib")
# a node missing from the table holds none of it; "-": no table
mem = ["-" if m is None else m.get(n, 0) for n in ("0", "1")]
print(g["id"], g.get("node_affinity"), mem[0], mem[1],
      " ".join("%s/%s" % (v["hard"], v.get("soft")) for v in g["vcpus"]))
PY
}
# reloc CASE HOST ARGS...: numapin on HOST as Xen moves memory, the
# history in $tmp/st-CASE.
reloc() {
    c=$1 h=$2
    shift 2
    NUMAPIN_TEST_RELOCATE=1 NUMAPIN_STATE_DIR=$tmp/st-$c run -c "test:$h" "$@"
}
# Memory all on node 0, node affinity automatic (numatune web auto after
# it was allocated): undo must bring it back to node 0, not spread it over
# every node as an automatic node affinity would, and the affinity goes
# back to automatic.
mkhost "$tmp/ra.json" all 262144 0
before=$(state "$tmp/ra.json")
reloc a "$tmp/ra.json" numatune web 1 --migrate
moved=$(state "$tmp/ra.json")
if [ $rc = 0 ] && grep -q '^web: memory moved to node(s) 1 by a live migration to this host: domain 3 is now domain 4$' "$tmp/out" &&
    [ "$moved" = "4 1 0 262144 2-3/all 2-3/all" ]; then
    ok
else
    bad "numatune --migrate as on Xen: exit $rc, web is '$moved'"
    cat "$tmp/out" "$tmp/err"
fi
reloc a "$tmp/ra.json" undo
undone=$(state "$tmp/ra.json")
if [ $rc = 0 ] && grep -q '^web: moved back to node(s) 0 by a live migration to this host: domain 4 is now domain 5$' "$tmp/out" &&
    [ "$undone" = "5 ${before#3 }" ]; then
    ok
else
    bad "undo of a migration (memory on node 0, automatic affinity): exit $rc, web was '$before', is '$undone'"
    cat "$tmp/out" "$tmp/err"
fi
# Memory on both nodes (node 0 was full when it started), node affinity
# 0: undo puts it back on both, with node affinity 0 again.
mkhost "$tmp/rb.json" 0 131072 131072
before=$(state "$tmp/rb.json")
reloc b "$tmp/rb.json" numatune web 1 --migrate
moved=$(state "$tmp/rb.json")
reloc b "$tmp/rb.json" undo
undone=$(state "$tmp/rb.json")
if [ $rc = 0 ] && [ "$moved" = "4 1 0 262144 2-3/all 2-3/all" ] &&
    grep -q '^web: moved back to node(s) 0-1 by a live migration' "$tmp/out" &&
    [ "$undone" = "5 ${before#3 }" ]; then
    ok
else
    bad "undo of a migration (memory on both nodes, affinity 0): exit $rc, web was '$before', moved '$moved', is '$undone'"
    cat "$tmp/out" "$tmp/err"
fi
# Neither measured nor a node affinity: undo refuses in one line and
# changes nothing.
mkhost "$tmp/rc.json" all - -
reloc c "$tmp/rc.json" numatune web 1 --migrate
moved=$(state "$tmp/rc.json")
reloc c "$tmp/rc.json" undo
after=$(state "$tmp/rc.json")
if [ $rc = 1 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l < "$tmp/err")" = 1 ] &&
    grep -q "change 1 migrated 'web', whose memory was not measured and whose node affinity was every node: undo cannot tell where to move it back" "$tmp/err" &&
    [ "$after" = "$moved" ]; then
    ok
else
    bad "undo of a migration from an unknown place: exit $rc, web '$moved' -> '$after'"
    cat "$tmp/out" "$tmp/err"
fi

echo "numastat: $pass passed, $fail failed"
[ $fail = 0 ]
