#!/bin/sh
# tests/cli/plan.sh: place, plan, apply and undo end to end, on the
# write-up's host (examples/origin-2010.*) and the test backend, with
# failures injected through NUMAPIN_TEST_FAIL_AFTER.
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
ex=$top/examples
fx=$top/tests/fixtures/sysfs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
NUMAPIN_STATE_DIR=$tmp/state
export NUMAPIN_STATE_DIR
unset NUMAPIN_TEST_FAIL_AFTER

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_grep PATTERN CMD...: exit 0 and a line of stdout matches.
expect_grep() {
    eg_pat=$1
    shift
    "$np" "$@" >"$tmp/out" 2>"$tmp/err"
    eg_rc=$?
    if [ $eg_rc = 0 ] && grep -qF -- "$eg_pat" "$tmp/out"; then
        ok
    else
        bad "numapin $* (exit $eg_rc): no '$eg_pat'"
        cat "$tmp/out" "$tmp/err"
    fi
}

# expect_err CODE SUBSTRING CMD...: exit CODE, nothing on stdout, one line
# on stderr containing SUBSTRING.
expect_err() {
    code=$1
    sub=$2
    shift 2
    "$np" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    lines=$(wc -l <"$tmp/err")
    if [ $rc = "$code" ] && [ ! -s "$tmp/out" ] && [ "$lines" = 1 ] &&
        grep -qF -- "$sub" "$tmp/err"; then
        ok
    else
        bad "numapin $*: exit $rc (want $code), $lines stderr lines," \
            "want '$sub'"
        cat "$tmp/out" "$tmp/err"
    fi
}

# The host file without the "cpu" lines (where vCPUs last ran).
pins() { grep -v '"cpu":' "$1"; }

x="--topology $ex/origin-2010.xml"

# --- the write-up's case: 4 vCPUs and 3 GB go to node 1, CPUs 4-7 -----
expect_grep 'new guest new (4 vCPUs, 3.0 GiB): node 1, score 10.00' \
    $x place --vcpus 4 --memory 3G
expect_grep '  cpus="4-7"' $x place --vcpus 4 --memory 3G
expect_grep "<vcpu placement='static' cpuset='4-7'>4</vcpu>" \
    $x place --vcpus 4 --memory 3G
expect_grep "<vcpupin vcpu='3' cpuset='7'/>" $x place --vcpus 4 --memory 3G
expect_grep "<memory mode='strict' nodeset='1'/>" \
    $x place --vcpus 4 --memory 3072
expect_grep "node 0 cannot hold it alone: it has 2.1 GiB free, it needs" \
    $x place --vcpus 4 --memory 3G
# ... and 8 vCPUs: two 4-vCPU guests, or two virtual nodes
expect_grep "run 2 guests of 4 vCPUs" $x place --vcpus 8 --memory 1G
expect_grep "give it 2 virtual NUMA nodes" $x place --vcpus 8 --memory 1G
# JSON
"$np" --json $x place --vcpus 4 --memory 3G >"$tmp/p.json" &&
    grep -q '"nodes": "1"' "$tmp/p.json" &&
    grep -q '"hard": "7"' "$tmp/p.json" && ok ||
    { bad "place --json"; cat "$tmp/p.json"; }
# soft pins (Xen): cpus_soft=
expect_grep 'cpus_soft="4-7"' $x place --vcpus 4 --memory 3G --soft
# a reserved CPU is never used
expect_grep 'cpus="5-7"' $x place --vcpus 3 --memory 3G --reserve 4

# every captured host plans a small guest
for dir in "$fx"/*/; do
    "$np" -c "kvm:${dir%/}" place --vcpus 1 --memory 64M -q >"$tmp/o" \
        2>"$tmp/e" && ok || { bad "place on $(basename "$dir")"; cat "$tmp/e"; }
done

# --- errors: one line, exit 1 for bad input, 2 for no fit -------------
expect_err 1 "invalid vcpu count '0'" $x place --vcpus 0 --memory 1G
expect_err 1 "invalid memory size '3X'" $x place --vcpus 1 --memory 3X
expect_err 1 "unknown policy 'fast'" $x place --vcpus 1 --memory 1G \
    --policy fast
expect_err 1 "invalid overcommit '0'" $x place --vcpus 1 --memory 1G \
    --overcommit 0
expect_err 1 "option '--vcpus' needs a value" $x place --vcpus
expect_err 2 "guest 'new' does not fit: it needs 64.0 GiB" \
    $x place --vcpus 1 --memory 64G
expect_err 2 "it needs 9 vCPUs, 8 CPUs are usable" \
    $x place --vcpus 9 --memory 1G
"$np" $x place --vcpus 1 >/dev/null 2>"$tmp/err"
[ $? = 1 ] && grep -q "^usage: numapin \[options\] place" "$tmp/err" && ok ||
    bad "place without --memory: usage"

# --- plan, apply, undo on the test backend ----------------------------
cp "$ex/origin-2010.json" "$tmp/h.json"
cp "$tmp/h.json" "$tmp/orig.json"
t="-c test:$tmp/h.json"
expect_grep "guest rhel5xen (4 vCPUs, 1.0 GiB): node 0, score 10.00" \
    $t plan --all
expect_grep "'rhel5xen' has 4 of 4 vCPUs floating" $t plan web1
# incremental by default: web1 is pinned on node 1 with its memory there
"$np" $t plan --all >"$tmp/out" 2>&1
sed -n '/^guest web1/,/^guest db1/p' "$tmp/out" >"$tmp/web1"
grep -q "^guest web1 (2 vCPUs, 512 MiB): node 1, score 10.00" "$tmp/web1" &&
    grep -q "^  vcpu 0 -> cpu 4" "$tmp/web1" &&
    grep -q "^  vcpu 1 -> cpu 5" "$tmp/web1" &&
    grep -q "stays where it is: well placed" "$tmp/web1" &&
    grep -q "^# moves 2 of the 3 guests already there: 6 vCPUs re-pinned" \
        "$tmp/out" && ok || { bad "plan --all moved web1"; cat "$tmp/out"; }
expect_grep "moves from nodes 0-1 to node 1 because its memory is on several nodes: 2 of 2 vCPUs re-pinned, 512 MiB of memory to move" \
    $t plan --all
# ... and --rebalance may move it
expect_grep "--rebalance asks for the best layout" $t plan --all --rebalance
expect_grep "plan written to $tmp/plan.json" $t plan --all -o "$tmp/plan.json"
grep -q '"kind": "plan"' "$tmp/plan.json" && ok || bad "plan -o: no file"
cmp -s "$tmp/h.json" "$tmp/orig.json" && ok || bad "plan changed the host"
expect_err 1 "guest 'nosuch' does not exist" $t plan nosuch
expect_err 1 "give --all or guests, not both" $t plan --all web1

# dry run
expect_grep "rhel5xen vcpu 0: hard 0" $t -N apply "$tmp/plan.json"
cmp -s "$tmp/h.json" "$tmp/orig.json" && ok || bad "apply -N changed the host"

# a failure at every write: nothing changes, no journal stays
n=0
while [ $n -lt 10 ]; do
    NUMAPIN_TEST_FAIL_AFTER=$n "$np" $t apply "$tmp/plan.json" \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
        grep -q "nothing was changed" "$tmp/err" &&
        [ -z "$(ls "$tmp/state/history" 2>/dev/null)" ]
    then ok; else
        bad "apply failing at write $n: exit $rc"; cat "$tmp/out" "$tmp/err"
    fi
    # pins and node affinity back; memory moved back keeps the totals
    pins "$tmp/h.json" | grep -v '_kib\|"[01]": [0-9]*,\?$' >"$tmp/a"
    pins "$tmp/orig.json" | grep -v '_kib\|"[01]": [0-9]*,\?$' >"$tmp/b"
    cmp -s "$tmp/a" "$tmp/b" && ok ||
        { bad "apply failing at write $n changed pins"; diff "$tmp/b" \
            "$tmp/a" | head; }
    cp "$tmp/orig.json" "$tmp/h.json"
    n=$((n + 1))
done
# without moving memory, the file is the same but for where vCPUs ran
NUMAPIN_TEST_FAIL_AFTER=5 "$np" $t apply --no-move "$tmp/plan.json" \
    >/dev/null 2>&1
pins "$tmp/h.json" >"$tmp/a"
pins "$tmp/orig.json" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "failed apply --no-move changed the host"
cp "$tmp/orig.json" "$tmp/h.json"

# the real thing, then undo
expect_err 1 "there is nothing to undo" $t undo
"$np" $t apply "$tmp/plan.json" >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] && grep -q "applied: 2 guests, 10 changes" "$tmp/out" &&
    grep -q "memory moved for 2 guests" "$tmp/out" && [ ! -s "$tmp/err" ] &&
    ok || { bad "apply"; cat "$tmp/out" "$tmp/err"; }
"$np" $t vcpu-list >"$tmp/vl" 2>"$tmp/err"
grep -q "^rhel5xen  *1     0    0   r--       0.5  0 / all" "$tmp/vl" &&
    [ ! -s "$tmp/err" ] && ok ||
    { bad "vcpu-list after apply"; cat "$tmp/vl" "$tmp/err"; }
expect_grep "rhel5xen vcpu 0: hard 0-7" $t -N undo
expect_grep "undone: 2 guests" $t undo
pins "$tmp/h.json" | grep -v '_kib\|"[01]": [0-9]*,\?$' >"$tmp/a"
pins "$tmp/orig.json" | grep -v '_kib\|"[01]": [0-9]*,\?$' >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || { bad "undo did not restore the pins"; \
    diff "$tmp/b" "$tmp/a" | head; }
# the history holds the apply and its undo; nothing is left to undo
expect_err 1 "there is nothing to undo" $t undo
"$np" $t history >"$tmp/hist" 2>&1
grep -q "^   1  .*  done\*  .*rhel5xen, web1, db1  *apply $tmp/plan.json" \
    "$tmp/hist" && grep -q "^   2  .*  done  .*  undo$" "$tmp/hist" && ok ||
    { bad "history after apply and undo"; cat "$tmp/hist"; }
# applying the plan again re-applies it, and a second time is a no-op
expect_grep "applied: 2 guests" $t apply "$tmp/plan.json"
expect_grep "nothing to change: the host is already as the plan says" \
    $t apply "$tmp/plan.json"
[ "$(ls "$tmp/state/history" | wc -l)" = 3 ] && ok ||
    bad "a no-op apply was recorded"
cp "$tmp/orig.json" "$tmp/h.json"
rm -rf "$tmp/state"

# a fresh plan applied directly, with a --state-dir of its own
expect_grep "applied: 1 guest" $t apply rhel5xen --state-dir "$tmp/s2"
[ -e "$tmp/s2/history/00000001.json" ] && ok || bad "--state-dir: no record"
expect_grep "undone: 1 guest" $t undo --state-dir "$tmp/s2"

# stale plans are refused before anything changes
sed 's/"name": "web1"/"name": "web9"/' "$tmp/plan.json" >"$tmp/stale.json"
cp "$tmp/h.json" "$tmp/before.json"
expect_err 2 "guest id 2 is now 'web1', not 'web9'" $t apply "$tmp/stale.json"
expect_err 1 "cannot open '$tmp/none.json'" $t apply "$tmp/none.json"
echo '{"numapin_plan": 1, "kind": "plan", "bogus": 1}' >"$tmp/bad.json"
expect_err 1 "unknown key 'bogus'" $t apply "$tmp/bad.json"
expect_err 1 "a --topology file cannot change a host" \
    --topology "$tmp/h.json" apply "$tmp/plan.json"
cmp -s "$tmp/h.json" "$tmp/before.json" && ok || bad "a refused apply changed"

# --- a partial plan: printed, written, exit 3; apply does the rest ------
cp "$top/tests/fixtures/json/partial-2010.json" "$tmp/part.json"
cp "$tmp/part.json" "$tmp/part0.json"
pt="-c test:$tmp/part.json"
"$np" $pt plan --all -o "$tmp/pplan.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 3 ] && grep -q "^guest huge (10 vCPUs, 1.0 GiB): not placed" \
    "$tmp/out" && grep -q "^partial plan: 1 of 3 guests not placed" \
    "$tmp/out" && grep -q "^  huge: it needs 10 vCPUs, [0-9] CPUs are usable" \
    "$tmp/out" && grep -q "^guest web1 (2 vCPUs, 512 MiB): node" "$tmp/out" &&
    [ "$(wc -l <"$tmp/err")" = 1 ] &&
    grep -q "partial plan: 1 of 3 guests not placed ('huge'" "$tmp/err" &&
    grep -q '"placed": false' "$tmp/pplan.json" && ok ||
    { bad "partial plan: exit $rc"; cat "$tmp/out" "$tmp/err"; }
"$np" --json $pt plan --all >"$tmp/pj" 2>"$tmp/err"
[ $? = 3 ] && grep -q '"name": "huge"' "$tmp/pj" &&
    [ "$(wc -l <"$tmp/err")" = 1 ] && ok || bad "partial plan --json"
"$np" $pt -N apply "$tmp/pplan.json" >"$tmp/out" 2>"$tmp/err"
[ $? = 3 ] && grep -q "^web1 vcpu 0: hard" "$tmp/out" &&
    ! grep -q "^huge vcpu" "$tmp/out" && cmp -s "$tmp/part.json" \
    "$tmp/part0.json" && ok || { bad "apply -N of a partial plan"; \
    cat "$tmp/out" "$tmp/err"; }
"$np" $pt apply --state-dir "$tmp/s3" "$tmp/pplan.json" >"$tmp/out" \
    2>"$tmp/err"
[ $? = 3 ] && grep -q "^applied: 1 guest, 6 changes" "$tmp/out" &&
    grep -q "applied the others; these are left as they were" "$tmp/out" &&
    grep -q "^  huge: " "$tmp/out" && ok ||
    { bad "apply of a partial plan"; cat "$tmp/out" "$tmp/err"; }
"$np" $pt vcpu-list huge | grep -q "^huge  *4     0 .* all / all" && ok ||
    { bad "apply of a partial plan changed the guest left out"; \
    "$np" $pt vcpu-list huge; }
cp "$tmp/part0.json" "$tmp/part.json"
"$np" $pt apply --all --state-dir "$tmp/s4" >"$tmp/out" 2>"$tmp/err"
[ $? = 3 ] && grep -q "^applied: 1 guest, 6 changes" "$tmp/out" && ok ||
    { bad "apply --all, partial"; cat "$tmp/out" "$tmp/err"; }
expect_err 2 "no guest of the plan was placed ('huge'" $pt apply huge \
    --state-dir "$tmp/s5"

# --- a swap the host has no room for: refused before anything changes ---
python3 - "$ex/origin-2010.json" "$tmp/swap.json" "$tmp/swapplan.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
for n in h["host"]["nodes"]:
    n["free_kib"] = 0
web1 = h["guests"][1]
w0 = json.loads(json.dumps(web1))
w0["id"], w0["name"] = 4, "w0"
w0["memory_per_node_kib"] = {"0": 524288, "1": 0}
w0["node_affinity"] = "0"
for v, c in zip(w0["vcpus"], (0, 1)):
    v["cpu"], v["hard"] = c, str(c)
h["guests"] = [web1, w0]
json.dump(h, open(sys.argv[2], "w"), indent=2)
def guest(g, node, cpus):
    return {"id": g["id"], "name": g["name"], "new": False, "placed": True,
            "vcpus": 2, "memory_kib": 524288, "nodes": node,
            "node_affinity": node, "memory_per_node_kib": {node: 524288},
            "score": 10.0,
            "pins": [{"vcpu": i, "hard": str(c)} for i, c in enumerate(cpus)],
            "reasons": []}
plan = {"numapin_plan": 1, "kind": "plan", "backend": "test",
        "host": {"cpu_ids": 8, "node_ids": 2}, "policy": "prefer",
        "overcommit": 1, "pin": "hard", "score": 10.0, "reasons": [],
        "guests": [guest(web1, "0", (0, 1)), guest(w0, "1", (4, 5))]}
json.dump(plan, open(sys.argv[3], "w"), indent=2)
PY
cp "$tmp/swap.json" "$tmp/swap0.json"
expect_err 2 "the plan's memory moves cannot be ordered" \
    -c "test:$tmp/swap.json" apply --state-dir "$tmp/s6" "$tmp/swapplan.json"
cmp -s "$tmp/swap.json" "$tmp/swap0.json" && [ ! -e "$tmp/s6/undo.json" ] &&
    ok || bad "a refused swap changed the host"
expect_grep "applied: 2 guests" -c "test:$tmp/swap.json" apply --no-move \
    --state-dir "$tmp/s6" "$tmp/swapplan.json"

echo "plan: $pass passed, $fail failed"
[ $fail = 0 ]
