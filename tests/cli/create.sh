#!/bin/sh
# tests/cli/create.sh: numapin -N create CONFIG on the test backend (the
# plan from an xl.cfg and the copy it would start; the Xen test bed runs
# the real thing): cpus= per vCPU, the original untouched, a policy's
# nodes= and reserve, a config with cpus= of its own created as it is, and
# the errors (no name, vcpus not a number, fits nowhere, not Xen).
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
NUMAPIN_STATE_DIR=$tmp/state
export NUMAPIN_STATE_DIR
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# the write-up's host: CPUs 0-3 node 0 (2.1 GiB free), 4-7 node 1 (3.2 GiB)
cp "$top/examples/origin-2010.json" "$tmp/host.json"
NP="$np -c test:$tmp/host.json"
printf 'name = "web1"\nmemory = 3072   # MiB\nvcpus = 2\nkernel = "/boot/k"\n' \
    >"$tmp/web1.cfg"
cp "$tmp/web1.cfg" "$tmp/web1.orig"

# 3 GiB fits node 1 only
$NP -N create "$tmp/web1.cfg" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && grep -qx 'web1: node 1, cpus = \["[4-7]", "[4-7]"\]' "$tmp/out" &&
    grep -qx 'cpus = \["[4-7]", "[4-7]"\]' "$tmp/out" &&
    grep -qx 'kernel = "/boot/k"' "$tmp/out" &&
    cmp -s "$tmp/web1.cfg" "$tmp/web1.orig"; then
    ok
else
    bad "create -N web1: exit $rc"
    cat "$tmp/out" "$tmp/err"
fi
# a policy: soft pins, CPU 4 reserved
printf 'pin soft\nreserve 4\n' >"$tmp/pol"
$NP -N create --policy "$tmp/pol" "$tmp/web1.cfg" >"$tmp/out" 2>&1
if grep -qx 'web1: node 1, cpus_soft = \["[5-7]", "[5-7]"\]' "$tmp/out"; then
    ok
else
    bad "create --policy (soft, reserve 4)"
    cat "$tmp/out"
fi
# nodes= of a rule that cannot hold it
printf 'guest web* pin nodes=0\n' >"$tmp/pol2"
$NP -N create --policy "$tmp/pol2" "$tmp/web1.cfg" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
    grep -q "guest 'web1' fits nowhere: .*nothing was started" "$tmp/err"; then
    ok
else
    bad "create with nodes=0 for 3 GiB: exit $rc"
    cat "$tmp/out" "$tmp/err"
fi
# cpus= of its own: as it is
printf 'name = "db1"\nvcpus = 1\ncpus = "3"\n' >"$tmp/db1.cfg"
$NP -N create "$tmp/db1.cfg" >"$tmp/out" 2>&1
grep -q 'db1: pinned by its own configuration (cpus=): created as it is' \
    "$tmp/out" && ok || { bad "cpus= of its own"; cat "$tmp/out"; }
# errors: one line, exit 1 or 2
printf 'memory = 64\n' >"$tmp/noname.cfg"
printf 'name = "x"\nvcpus = "two"\n' >"$tmp/badv.cfg"
printf 'name = "x"\nvcpus = 64\n' >"$tmp/big.cfg"
for c in "1:noname.cfg:has no name=" "1:badv.cfg:line 2: vcpus is not a number" \
    "2:big.cfg:fits nowhere" "1:missing.cfg:cannot open"; do
    code=${c%%:*}
    rest=${c#*:}
    f=${rest%%:*}
    want=${rest#*:}
    $NP -N create "$tmp/$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc = "$code" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
        grep -qF "$want" "$tmp/err"; then
        ok
    else
        bad "create $f: exit $rc (want $code), '$want'"
        cat "$tmp/err"
    fi
done
# without -N on a backend that is not Xen
$NP create "$tmp/web1.cfg" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && grep -q "create starts Xen guests" "$tmp/err" && ok ||
    { bad "create on test without -N: exit $rc"; cat "$tmp/err"; }

echo "create: $pass passed, $fail failed"
[ $fail = 0 ]
