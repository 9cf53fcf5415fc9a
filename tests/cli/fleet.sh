#!/bin/sh
# tests/cli/fleet.sh: `numapin fleet place|report` over host snapshots of
# test-backend hosts of different shapes (Xen-like and KVM-like), the
# plans they write applied on those hosts with `numapin apply` unchanged,
# the JSON validated against docs/schema, bad snapshots named.
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
cli=$top/tests/cli
sch=$top/docs/schema
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_err CODE SUBSTRING CMD...: exit CODE, nothing on stdout, one line
# on stderr containing SUBSTRING.
expect_err() {
    code=$1 sub=$2
    shift 2
    "$np" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc = "$code" ] && [ ! -s "$tmp/out" ] &&
        [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qF -- "$sub" "$tmp/err"; then
        ok
    else
        bad "numapin $*: exit $rc (want $code), want '$sub'"
        cat "$tmp/out" "$tmp/err"
    fi
}

# --- the fleet: four hosts of four shapes
cd "$tmp" || exit 1
"$cli/mk-test-host" "$top/examples/origin-2010.json" xen-a xen xen-a.json
for x in "2s2c2t-2n xen-b xen" "4n-ring kvm-c kvm" "flat-1n kvm-d kvm"; do
    set -- $x
    "$np" --root "$top/tests/fixtures/sysfs/$1" dump >"$1.snap"
    "$cli/mk-test-host" "$1.snap" "$2" "$3" "$2.json"
done
mkdir snaps
for h in xen-a xen-b kvm-c kvm-d; do
    "$np" -c "test:$h.json" dump >"snaps/$h.json" && ok || bad "dump $h"
done
"$cli/check-schema" "$sch/snapshot.schema.json" snaps/*.json >/dev/null &&
    ok || bad "snapshots do not validate"

# --- report: one line per host
"$np" fleet report snaps >report.txt 2>err.txt && ok || bad "fleet report"
[ "$(wc -l <report.txt)" = 5 ] && [ ! -s err.txt ] && ok ||
    { bad "report lines"; cat report.txt err.txt; }
grep -Eq '^xen-a +xen +2 +3 +2 +1 +0  0:2151 1:3276$' report.txt && ok ||
    { bad "xen-a's report line"; cat report.txt; }
grep -Eq '^kvm-c +kvm +4 +0 +0 +0 +-  0:485 1:493 2:489 3:430$' report.txt &&
    ok || { bad "kvm-c's report line"; cat report.txt; }
"$np" --json fleet report snaps >report.json && ok || bad "report --json"
"$cli/check-schema" "$sch/fleet-report.schema.json" report.json >/dev/null &&
    ok || bad "report json does not validate"

# --- place: spread, each guest seeing the ones before it
"$np" fleet place -q --vcpus 2 --memory 128M --count 6 --name web snaps \
    >place.txt && ok || bad "fleet place"
cut -d' ' -f1-3 place.txt | tr '\n' ' ' >got.txt
want="web-1 -> xen-a web-2 -> xen-a web-3 -> xen-a web-4 -> kvm-c web-5 -> kvm-c web-6 -> kvm-c "
[ "$(cat got.txt)" = "$want" ] && ok || { bad "spread order"; cat place.txt; }
# pack fills the host with the least room that holds it on one node
"$np" fleet place -q --vcpus 2 --memory 128M --count 2 --pack snaps \
    >pack.txt && ok || bad "pack"
grep -c -- '-> xen-b (xen): node ' pack.txt | grep -qx 2 && ok ||
    { bad "pack did not fill xen-b"; cat pack.txt; }
# --hypervisor
"$np" fleet place -q --vcpus 1 --memory 64M --count 3 --hypervisor kvm \
    snaps >kvm.txt && ok || bad "--hypervisor kvm"
grep -v -- '-> kvm-' kvm.txt | grep -q . && { bad "a kvm guest went to xen";
    cat kvm.txt; } || ok
# the same input, the same answer
"$np" fleet place -q --vcpus 2 --memory 128M --count 6 --name web snaps \
    >again.txt
cmp -s place.txt again.txt && ok || bad "not stable"

# --- -o DIR: one plan per host, applied there unchanged
"$np" --json fleet place --vcpus 2 --memory 128M --count 4 --name db \
    -o plans snaps >place.json && ok || bad "place -o --json"
"$cli/check-schema" "$sch/fleet-place.schema.json" place.json >/dev/null &&
    ok || bad "place json does not validate"
[ -f plans/xen-a.json ] && [ -f plans/kvm-c.json ] && ok ||
    { bad "plans not written"; ls plans; }
expect_err 1 "guest 'db-1' of the plan is new and does not run on this host" \
    -c test:xen-a.json apply --state-dir st plans/xen-a.json
for h in xen-a kvm-c; do
    for g in $(python3 -c "import json,sys; print(' '.join(
        g['name'] for g in json.load(open('plans/$h.json'))['guests']))"); do
        "$cli/add-test-guest" "$h.json" "$g" 2 131072
    done
    "$np" -c "test:$h.json" apply --state-dir "st-$h" "plans/$h.json" \
        >/dev/null && ok || bad "apply on $h"
    # each guest's hard pins are now exactly the plan's
    "$np" -c "test:$h.json" dump >"after-$h.json"
    python3 - "plans/$h.json" "after-$h.json" <<'PY' && ok || bad "$h state"
import json, sys
plan = json.load(open(sys.argv[1]))
host = {g["name"]: g for g in json.load(open(sys.argv[2]))["guests"]}
for g in plan["guests"]:
    got = [v["hard"] for v in host[g["name"]]["vcpus"]]
    want = [p["hard"] for p in g["pins"]]
    if got != want:
        sys.exit("%s: %s, plan %s" % (g["name"], got, want))
PY
done
"$cli/check-schema" "$sch/snapshot.schema.json" after-*.json xen-a.json \
    kvm-c.json >/dev/null && ok || bad "applied host files do not validate"
# a new snapshot shows them
"$np" -c test:xen-a.json dump >snaps/xen-a.json
n=$(($(grep -c '"new": true' plans/xen-a.json) + 3))
"$np" fleet report snaps | grep -Eq "^xen-a +xen +2 +$n " && ok ||
    { bad "report after apply: not $n guests"; "$np" fleet report snaps; }

# --- fits nowhere: the best host's reason; partial: exit 3
expect_err 2 "guest 'huge' fits no host; on the best, 'xen-a': guest 'huge' does not fit: it needs 64 vCPUs" \
    fleet place --vcpus 64 --memory 1G --name huge snaps
"$np" fleet place -q --vcpus 4 --memory 256M --count 9 snaps >part.txt \
    2>part.err
[ $? = 3 ] && grep -q "fits no host; on the best" part.txt && ok ||
    { bad "partial placement"; cat part.txt part.err; }

# --- bad snapshots: skipped with one line each, or refused
printf '{"numapin": 2, "host": ' >snaps/broken.json
printf '{"numapin": 7}\n' >snaps/future.json
cp "$top/tests/fixtures/json/topology-only.json" snaps/
"$np" fleet place -q --vcpus 1 --memory 64M snaps >/dev/null 2>warn.txt &&
    ok || bad "place with bad snapshots"
[ "$(wc -l <warn.txt)" = 3 ] && grep -q "skipping 'snaps/broken.json': " \
    warn.txt && grep -q "skipping 'snaps/future.json': .*format version 7" \
    warn.txt && grep -q "topology-only.json': it has no guest list" warn.txt &&
    ok || { bad "warnings for bad snapshots"; cat warn.txt; }
rm snaps/broken.json snaps/future.json snaps/topology-only.json
cp snaps/xen-a.json snaps/xen-a-copy.json
expect_err 1 "host 'xen-a' has two snapshots, 'snaps/xen-a-copy.json' and 'snaps/xen-a.json': keep one" \
    fleet place --vcpus 1 --memory 64M snaps
rm snaps/xen-a-copy.json
# skipped then refused: the warning, then the error
"$np" fleet report "$top/tests/fixtures/json/topology-only.json" nosuch/ \
    >out.txt 2>err.txt
[ $? = 1 ] && [ ! -s out.txt ] && [ "$(wc -l <err.txt)" = 3 ] &&
    grep -q "skipping 'nosuch/': cannot open 'nosuch/': No such file" err.txt &&
    tail -1 err.txt | grep -qx "numapin: error: no usable host snapshot among the 2 paths given" &&
    ok || { bad "nothing usable"; cat err.txt; }
expect_err 1 "unknown hypervisor 'vmware'" fleet place --vcpus 1 --memory 1G \
    --hypervisor vmware snaps
expect_err 1 "--vcpus and --memory are needed" fleet place --vcpus 1 snaps
expect_err 1 "give host snapshots" fleet place --vcpus 1 --memory 1G
expect_err 1 "unknown subcommand 'plan'" fleet plan snaps
expect_err 1 "invalid count '0'" fleet place --vcpus 1 --memory 1G --count 0 \
    snaps

echo "fleet: $pass passed, $fail failed"
[ $fail = 0 ]
