#!/bin/sh
# tests/cli/persist.sh: persist DOM --xl-config FILE, and vcpu-pin -f, on
# the test backend with the write-up's host (examples/origin-2010.json).
# The same command against real Xen (and xl create from the file) is in
# tests/xen/dom0-test.
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

cp "$top/examples/origin-2010.json" "$tmp/t.json"
t="-c test:$tmp/t.json"
"$np" $t vcpu-pin rhel5xen all 4-7 > /dev/null 2>&1
"$np" $t vcpu-pin rhel5xen 1 5 4-5 > /dev/null 2>&1

cat > "$tmp/rhel5xen.cfg" <<'EOF'
# the write-up's guest
name = "rhel5xen"
vcpus = 4   # four of them
cpus = "all"; memory = 2048
EOF
chmod 640 "$tmp/rhel5xen.cfg"
cp "$tmp/rhel5xen.cfg" "$tmp/orig"
ln -s rhel5xen.cfg "$tmp/link.cfg"

# -N: the new file on stdout, nothing written.
"$np" $t -N persist rhel5xen --xl-config "$tmp/rhel5xen.cfg" > "$tmp/dry" 2>&1
# shellcheck disable=SC2015
[ $? -ne 0 ] && bad "-N persist failed" || ok
cmp -s "$tmp/orig" "$tmp/rhel5xen.cfg" && [ ! -e "$tmp/rhel5xen.cfg.bak" ] &&
    ok || bad "-N persist changed the file"
grep -qxF 'cpus = ["4-7", "5", "4-7", "4-7"]; memory = 2048' "$tmp/dry" &&
    ok || { bad "-N persist output"; cat "$tmp/dry"; }

# Through the symlink: the file it names is replaced, the link stays.
"$np" $t persist rhel5xen --xl-config "$tmp/link.cfg" > "$tmp/out" 2>&1 &&
    ok || { bad "persist failed"; cat "$tmp/out"; }
[ -L "$tmp/link.cfg" ] && ok || bad "the symlink was replaced"
cmp -s "$tmp/dry" "$tmp/rhel5xen.cfg" && ok ||
    bad "the file is not what -N printed"
cmp -s "$tmp/orig" "$tmp/rhel5xen.cfg.bak" && ok || bad "no .bak of the old file"
[ "$(stat -c %a "$tmp/rhel5xen.cfg")" = 640 ] && ok ||
    bad "the file's mode changed"
[ "$(grep -c '^cpus_soft = \["all", "4-5", "all", "all"\]$' "$tmp/rhel5xen.cfg")" = 1 ] &&
    ok || bad "cpus_soft not appended once"
ls "$tmp" | grep -q 'XXXXXX\|\.cfg\.[A-Za-z0-9]\{6\}$' &&
    bad "a temporary file was left" || ok

# Again: nothing to change, no new .bak.
cp "$tmp/rhel5xen.cfg" "$tmp/after1"
"$np" $t persist rhel5xen --xl-config "$tmp/rhel5xen.cfg" > "$tmp/out" 2>&1 &&
    grep -q 'already holds' "$tmp/out" && ok || bad "second persist"
cmp -s "$tmp/orig" "$tmp/rhel5xen.cfg.bak" && ok || bad ".bak overwritten"

# Another guest's file, a missing file, no --xl-config: refused.
printf 'name = "web"\n' > "$tmp/web.cfg"
"$np" $t persist rhel5xen --xl-config "$tmp/web.cfg" > "$tmp/out" 2> "$tmp/err"
[ $? -ne 0 ] && grep -q "configuration of 'web', not of 'rhel5xen'" "$tmp/err" &&
    [ ! -s "$tmp/out" ] && [ ! -e "$tmp/web.cfg.bak" ] && ok ||
    { bad "another guest's file"; cat "$tmp/err"; }
"$np" $t persist rhel5xen --xl-config "$tmp/nope.cfg" > /dev/null 2>&1 &&
    bad "a missing file" || ok
"$np" $t persist rhel5xen > /dev/null 2>&1 && bad "no --xl-config" || ok

# vcpu-pin -f: one vCPU, as xl; never with all.
"$np" $t vcpu-pin -f rhel5xen 2 6 > /dev/null 2>&1 && ok || bad "vcpu-pin -f"
"$np" $t vcpu-pin -f rhel5xen all 6 > /dev/null 2> "$tmp/err" &&
    bad "vcpu-pin -f all" || ok
grep -q "'all' as vcpu are not allowed" "$tmp/err" && ok ||
    bad "vcpu-pin -f all: no clear error"

echo "persist: $pass passed, $fail failed"
[ $fail -eq 0 ]
