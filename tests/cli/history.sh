#!/bin/sh
# tests/cli/history.sh: the writer lock, the history and undo on the test
# backend (issue 10's failures 1, 2, 7 and 8, issue 15's history): every
# writing command recorded, kill -9 in the middle of an apply or a
# `vcpu-pin all` and another writer after it, a disk that fills
# mid-apply, a damaged record, concurrent writers, a writer waiting for
# the lock, a record made on another host (a copied state directory),
# offline sources that must not touch any state directory.
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset NUMAPIN_STATE_DIR
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect CODE TEXT numapin-args...: exit CODE, one stderr line with TEXT
expect_err() {
    code=$1 text=$2
    shift 2
    "$np" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc = "$code" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
        grep -qF -- "$text" "$tmp/err"; then ok; else
        bad "numapin $* (exit $rc, want $code): no '$text'"
        cat "$tmp/err"
    fi
}

# the pins and node affinities of a test host file, without where vCPUs
# last ran (a live host changes that by itself)
pins() { grep '"hard"\|"soft"\|"node_affinity"' "$1"; }

fresh() {
    rm -rf "$tmp/h.json.state"
    cp "$top/examples/origin-2010.json" "$tmp/h.json"
    cp "$tmp/h.json" "$tmp/orig.json"
}

t="-c test:$tmp/h.json"
st=$tmp/h.json.state

# ---- every write recorded beside the file; undo of a pin ---------------
fresh
"$np" $t vcpu-pin rhel5xen 0 5 >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ] && ok ||
    { bad "vcpu-pin"; cat "$tmp/out"; }
[ -f "$st/history/00000001.json" ] && [ -f "$st/lock" ] && ok ||
    bad "vcpu-pin: no record in FILE.state/"
# the same pin again changes nothing and records nothing
"$np" $t vcpu-pin rhel5xen 0 5 && [ ! -e "$st/history/00000002.json" ] && ok ||
    bad "a no-op pin was recorded"
"$np" $t vcpu-pin rhel5xen all 6 || bad "vcpu-pin all"
"$np" $t numatune rhel5xen 1 >/dev/null || bad "numatune"
# numatune to the node affinity a guest already has: nothing recorded
"$np" $t numatune rhel5xen 1 >"$tmp/out" 2>&1 && grep -q "nothing to change" "$tmp/out" &&
    [ ! -e "$st/history/00000004.json" ] && ok ||
    { bad "a no-op numatune was recorded"; cat "$tmp/out"; }
"$np" $t reset web1 || bad "reset"
"$np" $t history >"$tmp/hist" 2>&1
for want in "   1 .* done .* rhel5xen .* vcpu-pin rhel5xen 0 5$" \
    "   2 .* done .* rhel5xen .* vcpu-pin rhel5xen all 6$" \
    "   3 .* done .* rhel5xen .* numatune rhel5xen 1$" \
    "   4 .* done .* web1 .* reset web1$"; do
    grep -q "^$want" "$tmp/hist" && ok ||
        { bad "history: no line '$want'"; cat "$tmp/hist"; }
done
"$np" --json $t history >"$tmp/hj" 2>&1
python3 - "$tmp/hj" <<'EOF' && ok || bad "history --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert [h["id"] for h in d["history"]] == [1, 2, 3, 4], d
assert d["history"][1]["guests"] == ["rhel5xen"], d
assert d["history"][0]["command"] == "vcpu-pin rhel5xen 0 5", d
assert d["undoable"] == [4, 3, 2, 1], d
EOF
# -N shows, changes nothing
cp "$tmp/h.json" "$tmp/before-n.json"
"$np" $t -N undo 3 >"$tmp/out" 2>&1
grep -q "^would undo change 4 (reset web1)" "$tmp/out" &&
    grep -q "^would undo change 2 (vcpu-pin rhel5xen all 6)" "$tmp/out" &&
    grep -q "^rhel5xen vcpu 0: hard 5" "$tmp/out" &&
    grep -q "^rhel5xen vcpu 1: hard 0-7" "$tmp/out" &&
    cmp -s "$tmp/h.json" "$tmp/before-n.json" && ok ||
    { bad "undo -N 3"; cat "$tmp/out"; }
# undo of the reset, then of the other three at once: the host as it was
"$np" $t undo >"$tmp/out" 2>&1 && grep -q "^undone: 1 guest, " "$tmp/out" &&
    ok || { bad "undo"; cat "$tmp/out"; }
"$np" $t undo --to 1 >"$tmp/out" 2>&1 && grep -q "^undone: 1 guest" "$tmp/out" &&
    ok || { bad "undo --to 1"; cat "$tmp/out"; }
pins "$tmp/h.json" >"$tmp/a"
pins "$tmp/orig.json" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || { bad "undo --to 1 left"; diff "$tmp/b" "$tmp/a"; }
expect_err 1 "there is nothing to undo" $t undo

# ---- undo refuses where the host changed since ------------------------
fresh
"$np" $t vcpu-pin rhel5xen 1 2 || bad "pin 1"
# someone else's change, behind numapin's back (as xl vcpu-pin would)
sed 's/"hard": "2"/"hard": "3"/' "$tmp/h.json" >"$tmp/x" && cp "$tmp/x" "$tmp/h.json"
cp "$tmp/h.json" "$tmp/before-c.json"
expect_err 2 "cannot undo change 1 (vcpu-pin rhel5xen 1 2): rhel5xen vcpu 1's hard affinity was changed since (it is 3, the change left 2); nothing was changed" $t undo
cmp -s "$tmp/h.json" "$tmp/before-c.json" && ok || bad "a refused undo changed the host"

# ---- failure 1: kill -9 in the middle of an apply, then apply again ---
fresh
"$np" $t plan --all -o "$tmp/plan.json" >/dev/null 2>&1 || bad "plan"
NUMAPIN_TEST_UNBATCHED=1 NUMAPIN_TEST_KILL_AFTER=5 "$np" $t apply "$tmp/plan.json" >/dev/null 2>&1
[ $? = 137 ] && ok || bad "the apply was not killed"
grep -q '"state": "pending"' "$st/history/00000001.json" && ok ||
    bad "the killed apply left no pending record"
cmp -s "$tmp/h.json" "$tmp/orig.json" && bad "the killed apply changed nothing" || ok
cp "$tmp/h.json" "$tmp/half.json"
expect_err 2 "change 1 (apply $tmp/plan.json, " $t apply "$tmp/plan.json"
grep -q "did not finish: run \`numapin undo\` to put it back first" "$tmp/err" &&
    ok || bad "the refusal does not say what to do"
expect_err 2 "did not finish" $t vcpu-pin web1 0 1
cmp -s "$tmp/h.json" "$tmp/half.json" && [ ! -e "$st/history/00000002.json" ] &&
    ok || bad "a refused writer changed the host or the history"
"$np" $t -N undo >"$tmp/out" 2>&1
grep -q "^would put back the unfinished change 1 (apply $tmp/plan.json)" \
    "$tmp/out" && ok || { bad "undo -N after a kill"; cat "$tmp/out"; }
"$np" $t undo >"$tmp/out" 2>&1 &&
    grep -q "^undone: change 1, which did not finish, is put back" "$tmp/out" &&
    ok || { bad "undo after a kill"; cat "$tmp/out"; }
pins "$tmp/h.json" >"$tmp/a"
pins "$tmp/orig.json" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || { bad "undo after a kill left"; diff "$tmp/b" "$tmp/a"; }
grep -q '"state": "rolled-back"' "$st/history/00000001.json" && ok ||
    bad "the put back record is not rolled-back"
"$np" $t apply "$tmp/plan.json" >/dev/null 2>&1 && ok ||
    bad "apply after the undo"

# ---- failure 7: vcpu-pin all killed mid-way ---------------------------
fresh
NUMAPIN_TEST_UNBATCHED=1 NUMAPIN_TEST_KILL_AFTER=2 "$np" $t vcpu-pin rhel5xen all 7 >/dev/null 2>&1
grep -q '"state": "pending"' "$st/history/00000001.json" && ok ||
    bad "vcpu-pin all killed: no record"
"$np" $t undo >/dev/null 2>&1 || bad "undo of the killed vcpu-pin all"
pins "$tmp/h.json" >"$tmp/a"
pins "$tmp/orig.json" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "the killed vcpu-pin all was not put back"

# the disk fills mid-apply: the rollback's writes fail too; the error says
# so in one line (exit 2), the record stays "failed", the next writer is
# refused until undo, which puts everything back
fresh
"$np" $t plan --all -o "$tmp/plan.json" >/dev/null 2>&1 || bad "plan"
export NUMAPIN_TEST_UNBATCHED=1 NUMAPIN_TEST_FULL_AFTER=3
expect_err 2 \
    "(full after 3 writes); some changes could not be undone: run \`numapin undo\`" \
    $t apply "$tmp/plan.json"
unset NUMAPIN_TEST_UNBATCHED NUMAPIN_TEST_FULL_AFTER
grep -q '"state": "failed"' "$st/history/00000001.json" && ok ||
    bad "a rollback that failed left no failed record"
expect_err 2 "did not finish: run \`numapin undo\` to put it back first" \
    $t vcpu-pin web1 0 1
"$np" $t undo >/dev/null 2>&1 && ok || bad "undo after the full disk"
pins "$tmp/h.json" >"$tmp/a"
pins "$tmp/orig.json" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok || bad "undo after the full disk left pins"

# ---- a damaged record is never replaced; temporary files go -----------
fresh
"$np" $t vcpu-pin rhel5xen 0 1 || bad "pin"
printf '{"numapin_history": 1, "id": 2, "sta' >"$st/history/00000002.json"
cp "$st/history/00000002.json" "$tmp/damaged"
: >"$st/history/tmp.99999.abcdef"
expect_err 2 "history record '$st/history/00000002.json' is damaged: not JSON" \
    $t vcpu-pin rhel5xen 0 2
expect_err 2 "is damaged" $t undo
expect_err 1 "is damaged" $t -N undo
cmp -s "$st/history/00000002.json" "$tmp/damaged" && ok ||
    bad "the damaged record was touched"
[ ! -e "$st/history/tmp.99999.abcdef" ] && ok ||
    bad "a stale temporary record was left"

# ---- failure 2: concurrent writers lose no update ---------------------
fresh
round=0 lost=0
while [ $round -lt 5 ]; do
    for v in 0 1 2 3; do
        "$np" $t vcpu-pin rhel5xen $v $((v + 4 - round % 2 * 4)) \
            >"$tmp/c$v" 2>&1 &
    done
    wait
    for v in 0 1 2 3; do
        [ -s "$tmp/c$v" ] && { bad "concurrent pin $v said"; cat "$tmp/c$v"; }
        "$np" $t vcpu-list rhel5xen 2>/dev/null |
            grep -q "^rhel5xen  *1  *$v  .* $((v + 4 - round % 2 * 4)) / all" ||
            lost=$((lost + 1))
    done
    round=$((round + 1))
done
[ $lost = 0 ] && ok || bad "concurrent vcpu-pin lost $lost of 20 updates"
[ "$(ls "$st/history" | wc -l)" = 20 ] && ok ||
    bad "20 pins, $(ls "$st/history" | wc -l) records"

# a writer that waits: gives up naming the holder, or proceeds after it
fresh
NUMAPIN_TEST_SLOW_MS=400 "$np" $t vcpu-pin rhel5xen all 5 >/dev/null 2>&1 &
holder=$!
sleep 0.5
NUMAPIN_LOCK_WAIT_MS=100 "$np" $t vcpu-pin web1 0 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
    grep -q "another numapin (pid $holder, vcpu-pin) is changing this host: gave up after 100 ms" \
        "$tmp/err" && ok || { bad "the waiting writer (exit $rc)"; cat "$tmp/err"; }
"$np" $t vcpu-pin web1 0 1 && ok || bad "the second writer did not proceed"
wait $holder || bad "the holder failed"
"$np" $t vcpu-list >"$tmp/vl" 2>/dev/null
grep -q "^web1  *2  *0  .* 1 / all" "$tmp/vl" &&
    grep -q "^rhel5xen  *1  *3  .* 5 / all" "$tmp/vl" && ok ||
    { bad "both writers' changes"; cat "$tmp/vl"; }

# ---- a record made on another host (a state directory copied) --------
# two hosts alike but for their names and machine ids; b is a as the pin
# left it, with b's id, and has a's state directory
ident() { # FROM TO NAME ID
    sed "s/^  \"host\": {\$/  \"host\": {\\
    \"hostname\": \"$3\", \"host_id\": \"$4\",/" "$1" >"$2"
}
ida=0123456789abcdef0123456789abcdef
idb=fedcba9876543210fedcba9876543210
rm -rf "$tmp/a.json.state" "$tmp/b.json.state"
ident "$top/examples/origin-2010.json" "$tmp/a.json" host-a $ida
"$np" -c "test:$tmp/a.json" vcpu-pin rhel5xen 0 5 || bad "vcpu-pin on host-a"
grep -q "\"host_id\": \"$ida\"" "$tmp/a.json.state/history/00000001.json" &&
    ok || bad "the record does not name its host"
sed "s/$ida/$idb/; s/host-a/host-b/" "$tmp/a.json" >"$tmp/b.json"
cp -r "$tmp/a.json.state" "$tmp/b.json.state"
cp "$tmp/b.json" "$tmp/b0.json"
expect_err 2 "cannot undo change 1 (vcpu-pin rhel5xen 0 5): it was made on the host with id $ida, and this host's id is $idb" \
    -c "test:$tmp/b.json" undo
expect_err 2 "it was made on the host with id $ida, and this host's id is $idb" \
    -c "test:$tmp/b.json" -N undo
cmp -s "$tmp/b.json" "$tmp/b0.json" && ok ||
    bad "undo of another host's record changed this one"
[ ! -e "$tmp/b.json.state/history/00000002.json" ] && ok ||
    bad "undo of another host's record was recorded"
# a record without a host id (an older numapin) still undoes
rec=$tmp/b.json.state/history/00000001.json
grep -v '"host_id"' "$rec" >"$tmp/rec" && cat "$tmp/rec" >"$rec"
"$np" -c "test:$tmp/b.json" undo >/dev/null 2>"$tmp/err" && ok ||
    { bad "undo of a record without a host id"; cat "$tmp/err"; }
# on its own host it undoes
"$np" -c "test:$tmp/a.json" undo >/dev/null 2>"$tmp/err" && ok ||
    { bad "undo on the record's own host"; cat "$tmp/err"; }
pins "$tmp/a.json" >"$tmp/pa"
ident "$top/examples/origin-2010.json" "$tmp/a0.json" host-a $ida
pins "$tmp/a0.json" | cmp -s - "$tmp/pa" && ok ||
    bad "undo on host-a did not put it back"

# ---- offline sources never touch a state directory --------------------
NUMAPIN_STATE_DIR=$tmp/never
export NUMAPIN_STATE_DIR
expect_err 1 "a --topology file cannot change a host" \
    --topology "$tmp/orig.json" vcpu-pin rhel5xen 0 1
expect_err 1 "is a captured tree: numapin changes only the host it runs on" \
    --root "$top/tests/fixtures/sysfs/2s2c-2n" vcpu-pin nosuch 0 1
expect_err 1 "is a captured tree: numapin changes only the host it runs on" \
    --root "$top/tests/fixtures/sysfs/2s2c-2n" apply --all
expect_err 1 "is a captured tree: numapin changes only the host it runs on" \
    --root "$top/tests/fixtures/sysfs/2s2c-2n" undo
expect_err 1 "has no history" --topology "$tmp/orig.json" history
[ ! -e "$tmp/never" ] && ok || bad "an offline source made $tmp/never"
unset NUMAPIN_STATE_DIR

# ---- undo across a migration (issue 11): the test host moves memory as
# Xen does, by a copy under a new id (NUMAPIN_TEST_RELOCATE).  A pin made
# before the move is undone on the guest's new id; `undo 3` over the move
# is refused in one line and changes nothing; three single undos walk
# back through it to the host as it was.
fresh
NUMAPIN_STATE_DIR=$tmp/h.json.state
export NUMAPIN_STATE_DIR NUMAPIN_TEST_RELOCATE=1
pins "$tmp/h.json" >"$tmp/reloc.orig"
"$np" -c "test:$tmp/h.json" vcpu-pin rhel5xen 0 2 >/dev/null 2>&1 &&
    "$np" -c "test:$tmp/h.json" numatune rhel5xen 1 --migrate >/dev/null 2>&1 &&
    "$np" -c "test:$tmp/h.json" vcpu-pin rhel5xen 1 4 >/dev/null 2>&1 &&
    ok || bad "pin, numatune --migrate, pin on the test host failed"
pins "$tmp/h.json" >"$tmp/reloc.moved"
"$np" -c "test:$tmp/h.json" undo 3 >"$tmp/out" 2>"$tmp/err"
rc=$?
pins "$tmp/h.json" >"$tmp/reloc.refused"
if [ $rc = 1 ] &&
    [ "$(grep -vc '^warning:' "$tmp/err")" = 1 ] &&
    grep -qF "change 2 (numatune rhel5xen 1 --migrate) moved 'rhel5xen' to a new domain: undo it alone" "$tmp/err" &&
    cmp -s "$tmp/reloc.moved" "$tmp/reloc.refused"; then ok; else
    bad "undo 3 over a migration: exit $rc, or not one clear line, or the host changed"
    cat "$tmp/err"
fi
urc=
for k in 1 2 3; do
    "$np" -c "test:$tmp/h.json" undo >"$tmp/out" 2>"$tmp/err" || urc="$urc $k:$(grep -v '^warning:' "$tmp/err")"
done
pins "$tmp/h.json" >"$tmp/reloc.undone"
if [ -z "$urc" ] && cmp -s "$tmp/reloc.orig" "$tmp/reloc.undone"; then ok; else
    bad "three undos over a migration:$urc; pins differ from the start"
    diff "$tmp/reloc.orig" "$tmp/reloc.undone"
fi
unset NUMAPIN_STATE_DIR NUMAPIN_TEST_RELOCATE

echo "history: $pass passed, $fail failed"
[ $fail = 0 ]
