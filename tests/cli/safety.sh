#!/bin/sh
# tests/cli/safety.sh: issue 10's plan checks end to end: a JSON key given
# twice is refused by every reader of outside JSON (the test backend's
# host file, --topology, a plan, a history record, a fleet snapshot) with
# one line naming the key and the file, where json-c alone would keep the
# last; a plan made for another host (its machine id) is refused by apply;
# a guest name with an escape sequence reaches no terminal raw.
# Nothing is changed by what is refused.
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

# expect_err CODE TEXT numapin-args...: exit CODE, one stderr line with TEXT
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

# twice FILE LINE TEXT: insert TEXT as a new line after line LINE of FILE
twice() {
    sed -i "$2a\\
$3" "$1"
}

fresh() {
    rm -rf "$tmp/h.json.state"
    cp "$top/examples/origin-2010.json" "$tmp/h.json"
}
t="-c test:$tmp/h.json"

# ---- duplicate keys: host file, topology, fleet snapshot ---------------
fresh
cp "$tmp/h.json" "$tmp/dup.json"
twice "$tmp/dup.json" 1 '  "numapin": 2,'
expect_err 1 "$tmp/dup.json: top level: duplicate key 'numapin' (line 3)" \
    -c "test:$tmp/dup.json" vcpu-list
expect_err 1 "$tmp/dup.json: top level: duplicate key 'numapin'" \
    --topology "$tmp/dup.json" info
# a vCPU's pin given twice in the host file: the first would be ignored
cp "$tmp/h.json" "$tmp/dup2.json"
n=$(grep -n '"hard"' "$tmp/dup2.json" | head -1 | cut -d: -f1)
twice "$tmp/dup2.json" "$n" '            "hard": "0",'
expect_err 1 "duplicate key 'hard'" -c "test:$tmp/dup2.json" vcpu-list
grep -q 'guests\[0\].vcpus\[0\]: duplicate key' "$tmp/err" && ok ||
    { bad "the path of the duplicate"; cat "$tmp/err"; }
mkdir "$tmp/snaps"
"$np" $t dump >"$tmp/snaps/a.json" || bad "dump"
cp "$tmp/snaps/a.json" "$tmp/snaps/b.json"
twice "$tmp/snaps/b.json" 1 '  "numapin": 2,'
"$np" fleet report "$tmp/snaps" >/dev/null 2>"$tmp/err"
grep -q "skipping '$tmp/snaps/b.json': .*duplicate key 'numapin'" "$tmp/err" &&
    ok || { bad "fleet: a snapshot with a duplicate key"; cat "$tmp/err"; }

# ---- duplicate keys: a plan is refused and nothing is applied ----------
fresh
"$np" $t plan --all -o "$tmp/plan.json" >/dev/null || bad "plan"
cp "$tmp/h.json" "$tmp/before.json"
cp "$tmp/plan.json" "$tmp/dplan.json"
twice "$tmp/dplan.json" 1 '  "policy": "strict",'
expect_err 1 "$tmp/dplan.json: top level: duplicate key 'policy' (line " \
    $t apply "$tmp/dplan.json"
cmp -s "$tmp/h.json" "$tmp/before.json" && ok ||
    bad "a plan with a duplicate key changed the host"
[ ! -e "$tmp/h.json.state/history/00000001.json" ] && ok ||
    bad "a refused plan was recorded"

# ---- duplicate keys: a history record is damaged, and kept -------------
fresh
"$np" $t vcpu-pin rhel5xen 0 5 || bad "vcpu-pin"
rec=$tmp/h.json.state/history/00000001.json
twice "$rec" 1 '  "state": "failed",'
cp "$rec" "$tmp/rec"
expect_err 2 "history record '$rec' is damaged: top level: duplicate key 'state'" \
    $t undo
cmp -s "$rec" "$tmp/rec" && ok || bad "the damaged record was touched"

# ---- a guest name with an escape sequence and a newline ---------------
# (issue 10, failure 5) any local user names a QEMU guest on KVM: what
# reaches the terminal is escaped, every line of it
python3 - "$top/examples/origin-2010.json" "$tmp/evil.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["guests"][0]["name"] = "evil\u001b[2J\nname"
json.dump(d, open(sys.argv[2], "w"))
EOF
e="-c test:$tmp/evil.json"
esc=$(printf '\033')
for cmd in vcpu-list "vcpu-pin 1 0 1" history "plan --all" "-N undo" \
    "vcpu-pin 1 0 999" "numatune 1 7" map; do
    # shellcheck disable=SC2086
    "$np" $e $cmd >"$tmp/out" 2>"$tmp/err"
    if grep -q "$esc" "$tmp/out" "$tmp/err" || grep -q '^name' "$tmp/out" "$tmp/err"; then
        bad "$cmd: the guest's name reached the terminal raw"
        cat -A "$tmp/out" "$tmp/err" | head -5
    else
        ok
    fi
done
grep -qF 'evil\x1b[2J\nname' "$tmp/out" && ok ||
    { bad "map does not show the name escaped"; head -5 "$tmp/out"; }

# ---- a plan made on another host of the same shape --------------------
# two hosts alike but for their names and machine ids
ident() {
    sed "s/^  \"host\": {\$/  \"host\": {\\
    \"hostname\": \"$2\", \"host_id\": \"$3\",/" \
        "$top/examples/origin-2010.json" >"$1"
}
ida=0123456789abcdef0123456789abcdef
idb=fedcba9876543210fedcba9876543210
ident "$tmp/a.json" host-a $ida
ident "$tmp/b.json" host-b $idb
cp "$tmp/b.json" "$tmp/b0.json"
"$np" -c "test:$tmp/a.json" plan --all -o "$tmp/pa.json" >/dev/null ||
    bad "plan on host-a"
grep -q "\"host_id\": \"$ida\"" "$tmp/pa.json" &&
    grep -q '"hostname": "host-a"' "$tmp/pa.json" && ok ||
    bad "the plan does not name its host"
expect_err 1 "the plan was made for host 'host-a' (id $ida); this is 'host-b' (id $idb): make a new plan here" \
    -c "test:$tmp/b.json" apply "$tmp/pa.json"
cmp -s "$tmp/b.json" "$tmp/b0.json" && ok ||
    bad "a plan of another host changed this one"
[ ! -e "$tmp/b.json.state/history/00000001.json" ] && ok ||
    bad "a plan of another host was recorded"
# on its own host it applies; a plan that names no host (older numapin)
# still does
"$np" -c "test:$tmp/a.json" apply "$tmp/pa.json" >/dev/null 2>"$tmp/err" &&
    ok || { bad "the plan on its own host"; cat "$tmp/err"; }
grep -v '"host_id"\|"hostname"' "$tmp/pa.json" >"$tmp/pnone.json"
"$np" -c "test:$tmp/b.json" apply "$tmp/pnone.json" >/dev/null 2>"$tmp/err" &&
    ok || { bad "a plan without a host"; cat "$tmp/err"; }
# a plan made offline from a host's dump belongs to that host
"$np" -c "test:$tmp/a.json" dump >"$tmp/a.dump" || bad "dump"
"$np" --topology "$tmp/a.dump" plan --all -o "$tmp/pd.json" >/dev/null ||
    bad "plan from a dump"
expect_err 1 "the plan was made for host 'host-a'" \
    -c "test:$tmp/b.json" apply "$tmp/pd.json"

echo "safety: $pass passed, $fail failed"
[ $fail = 0 ]
