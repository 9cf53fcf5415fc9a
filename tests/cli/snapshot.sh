#!/bin/sh
# tests/cli/snapshot.sh: `numapin dump` is the versioned host snapshot.
# Every snapshot numapin writes here (captured Linux hosts, the test
# backend before and after a write, --topology files) carries its identity
# and validates against docs/schema/snapshot.schema.json; version 1 files
# (tests/fixtures/json/v1) still read.
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
schema=$top/docs/schema/snapshot.schema.json
check=$top/tests/cli/check-schema
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
mkdir "$tmp/dumps"

# key FILE KEY: the value of the host's "KEY": "VALUE" line
key() { sed -n "s/^    \"$2\": \"\(.*\)\",\$/\1/p" "$1"; }

# --- captured Linux hosts: kvm backend, name from the tree
for dir in "$top"/tests/fixtures/sysfs/*/; do
    name=$(basename "$dir")
    out=$tmp/dumps/sysfs-$name.json
    if "$np" -c "kvm:${dir%/}" dump >"$out" 2>"$tmp/e"; then ok; else
        bad "$name: dump"; cat "$tmp/e"; continue; fi
    [ "$(key "$out" hostname)" = "$name" ] && ok ||
        bad "$name: hostname is '$(key "$out" hostname)'"
    [ "$(key "$out" backend)" = kvm ] && [ "$(key "$out" hypervisor)" = kvm ] &&
        ok || bad "$name: backend/hypervisor not kvm"
    key "$out" captured | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' &&
        ok || bad "$name: no capture time"
    # a snapshot read back keeps its identity, byte for byte
    "$np" --topology "$out" dump >"$tmp/again.json" &&
        cmp -s "$out" "$tmp/again.json" && ok || bad "$name: not stable"
done

# --- this machine (kvm on /): uname's name and the kernel release
"$np" -c kvm dump >"$tmp/dumps/local.json" 2>"$tmp/e" && ok ||
    { bad "dump of this host"; cat "$tmp/e"; }
[ "$(key "$tmp/dumps/local.json" hostname)" = "$(uname -n)" ] && ok ||
    bad "local hostname is not $(uname -n)"
[ "$(key "$tmp/dumps/local.json" hypervisor_version)" = "$(uname -r)" ] &&
    ok || bad "local hypervisor_version is not $(uname -r)"

# --- the test backend: the file's name, its identity kept across writes
cp "$top/examples/origin-2010.json" "$tmp/xen-a.json"
"$np" -c "test:$tmp/xen-a.json" dump >"$tmp/dumps/test.json" && ok ||
    bad "test dump"
[ "$(key "$tmp/dumps/test.json" hostname)" = xen-a ] &&
    [ "$(key "$tmp/dumps/test.json" backend)" = test ] && ok ||
    bad "test backend identity"
sed 's/^  "host": {$/  "host": {\n    "hostname": "xen-b",\n    "hypervisor": "xen",\n    "hypervisor_version": "4.17.3",/' \
    "$top/examples/origin-2010.json" >"$tmp/b.json"
"$np" -c "test:$tmp/b.json" vcpu-pin rhel5xen 0 4 && ok || bad "pin on b"
cp "$tmp/b.json" "$tmp/dumps/test-file-after-pin.json"
"$np" -c "test:$tmp/b.json" dump >"$tmp/dumps/test-b.json" && ok ||
    bad "dump of b"
[ "$(key "$tmp/dumps/test-b.json" hostname)" = xen-b ] &&
    [ "$(key "$tmp/dumps/test-b.json" hypervisor)" = xen ] &&
    [ "$(key "$tmp/dumps/test-b.json" hypervisor_version)" = 4.17.3 ] && ok ||
    bad "a test file's own identity is not kept"

# --- version 1 files still read, by every kind of command
for f in "$top"/tests/fixtures/json/v1/*.json; do
    "$np" --topology "$f" info >/dev/null 2>"$tmp/e" && ok ||
        { bad "v1 $(basename "$f") not read"; cat "$tmp/e"; }
    "$np" --topology "$f" dump >"$tmp/dumps/v1-$(basename "$f")" && ok ||
        bad "v1 dump"
    grep -q '^  "numapin": 2,$' "$tmp/dumps/v1-$(basename "$f")" && ok ||
        bad "v1 $(basename "$f") not written as version 2"
done
cp "$top/tests/fixtures/json/v1/origin-2010.json" "$tmp/v1.json"
"$np" -c "test:$tmp/v1.json" vcpu-pin web1 0 1 && ok ||
    bad "test backend on a v1 file"

# --- every snapshot written above validates; the schema can fail
if "$check" "$schema" "$tmp"/dumps/*.json "$top"/tests/fixtures/json/*.json \
    "$top"/tests/fixtures/json/v1/*.json "$top"/examples/*.json \
    >"$tmp/out" 2>&1; then ok; else bad "schema:"; cat "$tmp/out"; fi
sed 's/"backend": "test"/"backend": "vmware"/' "$tmp/dumps/test.json" \
    >"$tmp/bad1.json"
sed 's/"hard": "all"/"hard": "0-x"/' "$tmp/dumps/test.json" >"$tmp/bad2.json"
for b in bad1 bad2; do
    "$check" "$schema" "$tmp/$b.json" >"$tmp/out" 2>&1
    [ $? = 1 ] && ok || { bad "schema accepted $b"; cat "$tmp/out"; }
    "$np" --topology "$tmp/$b.json" dump >/dev/null 2>&1 && bad "read $b" ||
        ok
done

echo "snapshot: $pass passed, $fail failed"
[ $fail = 0 ]
