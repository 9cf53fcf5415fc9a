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

echo "numastat: $pass passed, $fail failed"
[ $fail = 0 ]
