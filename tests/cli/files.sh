#!/bin/sh
# tests/cli/files.sh: only numapin's own files are replaced, and no file
# makes numapin wait (issue 10, failures 4 and 6): -o FILE, -c test:FILE
# and persist refuse a symlink, a FIFO or device, a file with other hard
# links, keep owner and mode; persist refuses what is not the guest's
# xl.cfg and a read-only file unless -f; a FIFO given as a plan, an
# xl.cfg or a --topology file is refused at once; the temporary files of
# a writer that was killed are removed by the next one.
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NUMAPIN_STATE_DIR=$tmp/state
export NUMAPIN_STATE_DIR
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# refused CODE TEXT numapin-args...: exit CODE within 10 s, one stderr
# line with TEXT
refused() {
    code=$1 text=$2
    shift 2
    timeout 10 "$np" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc = "$code" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
        grep -qF -- "$text" "$tmp/err"; then ok; else
        bad "numapin $* (exit $rc, want $code): no '$text'"
        cat "$tmp/err"
    fi
}

cp "$top/examples/origin-2010.json" "$tmp/h.json"
t="-c test:$tmp/h.json"

# ---- -o FILE ----------------------------------------------------------
echo precious >"$tmp/target"
ln -s target "$tmp/link.json"
refused 2 "it is a symbolic link" $t plan --all -o "$tmp/link.json"
[ -L "$tmp/link.json" ] && [ "$(cat "$tmp/target")" = precious ] && ok ||
    bad "-o through a symlink replaced something"
mkfifo "$tmp/fifo"
refused 2 "not a regular file" $t plan --all -o "$tmp/fifo"
[ -p "$tmp/fifo" ] && ok || bad "-o replaced a FIFO"
refused 2 "not a regular file" $t plan --all -o /dev/null
[ -c /dev/null ] && ok || bad "-o replaced /dev/null"
echo old >"$tmp/a.json"
ln "$tmp/a.json" "$tmp/b.json"
refused 2 "it has 2 hard links" $t plan --all -o "$tmp/a.json"
[ "$(cat "$tmp/b.json")" = old ] && ok || bad "a hard link was broken"
# a file of ours keeps its mode; a stale temporary file is removed, a
# live writer's is not
"$np" $t plan --all -o "$tmp/p.json" >/dev/null || bad "plan -o"
chmod 640 "$tmp/p.json"
: >"$tmp/p.json.np-tmp.999999999.abcdef"
: >"$tmp/p.json.np-tmp.$$.ghijkl"
"$np" $t plan --all -o "$tmp/p.json" >/dev/null || bad "plan -o again"
[ "$(stat -c %a "$tmp/p.json")" = 640 ] && ok || bad "-o changed the mode"
[ ! -e "$tmp/p.json.np-tmp.999999999.abcdef" ] && ok ||
    bad "a dead writer's temporary file stayed"
[ -e "$tmp/p.json.np-tmp.$$.ghijkl" ] && ok ||
    bad "a live writer's temporary file was removed"

# ---- -c test:FILE -----------------------------------------------------
ln -s h.json "$tmp/hlink.json"
cp "$tmp/h.json" "$tmp/h0.json"
refused 2 "it is a symbolic link" -c "test:$tmp/hlink.json" vcpu-pin rhel5xen 0 3
[ -L "$tmp/hlink.json" ] && cmp -s "$tmp/h.json" "$tmp/h0.json" && ok ||
    bad "-c test: through a symlink replaced the file"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    chown nobody "$tmp/h.json"
    chmod 604 "$tmp/h.json"
    "$np" $t vcpu-pin rhel5xen 0 3 || bad "vcpu-pin on nobody's host file"
    [ "$(stat -c %U:%a "$tmp/h.json")" = nobody:604 ] && ok ||
        bad "the host file is now $(stat -c %U:%a "$tmp/h.json")"
fi

# ---- persist ----------------------------------------------------------
cp /etc/hosts "$tmp/hosts"
refused 2 "it has no name = \"...\": not an xl.cfg of 'rhel5xen'" \
    $t persist rhel5xen --xl-config "$tmp/hosts"
cmp -s /etc/hosts "$tmp/hosts" && [ ! -e "$tmp/hosts.bak" ] && ok ||
    bad "persist rewrote a copy of /etc/hosts"
printf 'name = "rhel5xen"\nvcpus = 4\n' >"$tmp/ro.cfg"
chmod 444 "$tmp/ro.cfg"
cp "$tmp/ro.cfg" "$tmp/ro0"
refused 2 "is read-only (mode 444): persist --force rewrites it" \
    $t persist rhel5xen --xl-config "$tmp/ro.cfg"
cmp -s "$tmp/ro.cfg" "$tmp/ro0" && ok || bad "a read-only file was rewritten"
"$np" $t persist -f rhel5xen --xl-config "$tmp/ro.cfg" >/dev/null &&
    grep -q '^cpus = ' "$tmp/ro.cfg" &&
    [ "$(stat -c %a "$tmp/ro.cfg")" = 444 ] && ok || bad "persist -f"
printf 'name = "rhel5xen"\n' >"$tmp/hl.cfg"
ln "$tmp/hl.cfg" "$tmp/hl2.cfg"
refused 2 "hard links" $t persist rhel5xen --xl-config "$tmp/hl.cfg"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    printf 'name = "rhel5xen"\n' >"$tmp/nob.cfg"
    chown nobody "$tmp/nob.cfg"
    "$np" $t persist rhel5xen --xl-config "$tmp/nob.cfg" >/dev/null &&
        [ "$(stat -c %U "$tmp/nob.cfg")" = nobody ] && ok ||
        bad "persist made another user's file $(stat -c %U "$tmp/nob.cfg")'s"
fi
# through a symlink, the .bak named is one that exists
mkdir "$tmp/etc"
printf 'name = "rhel5xen"\n' >"$tmp/etc/real.cfg"
ln -s etc/real.cfg "$tmp/sym.cfg"
"$np" $t persist rhel5xen --xl-config "$tmp/sym.cfg" >"$tmp/out" 2>&1
bak=$(sed -n 's/.*the old file is //p' "$tmp/out")
[ -n "$bak" ] && [ -f "$bak" ] && [ -L "$tmp/sym.cfg" ] && ok ||
    { bad "persist through a symlink named '$bak'"; cat "$tmp/out"; }

# ---- nothing blocks: FIFOs as input ------------------------------------
refused 1 "not a regular file" $t apply "$tmp/fifo"
refused 2 "not a regular file" $t persist rhel5xen --xl-config "$tmp/fifo"
refused 1 "not a regular file" --topology "$tmp/fifo" info
refused 1 "not a regular file" -c "test:$tmp/fifo" info

# ---- --root never leaves its tree; no error quotes a file -------------
cp -a "$top/tests/fixtures/sysfs/2s2c-2n" "$tmp/tree"
printf 'SECRET-0123456789 root:$6$hash:19000:0:99999:7:::\n' >"$tmp/secret"
mi=$tmp/tree/sys/devices/system/node/node0/meminfo
for link in "$tmp/secret" ../../../../../../secret; do
    rm -f "$mi"
    ln -s "$link" "$mi"
    refused 2 "it leads out of the root directory" --root "$tmp/tree" info
    grep -q SECRET "$tmp/err" "$tmp/out" && bad "an error quoted the secret" ||
        ok
done
rm -f "$mi"
mkfifo "$mi"
refused 2 "meminfo': not a regular file" --root "$tmp/tree" info
rm -f "$mi"
cp "$top/tests/fixtures/sysfs/2s2c-2n/sys/devices/system/node/node0/meminfo" "$mi"
# a file that only hwloc reads (numapin's own reader does not): the tree
# is refused before hwloc is given it, and nothing of the target is shown
mkdir -p "$tmp/tree/sys/devices/system/cpu/cpu0/cache/index0"
ln -s "$tmp/secret" "$tmp/tree/sys/devices/system/cpu/cpu0/cache/index0/size"
refused 2 "it is a link that leads out of the root directory" \
    --root "$tmp/tree" info
grep -q SECRET "$tmp/err" "$tmp/out" && bad "an error quoted the secret" || ok
rm "$tmp/tree/sys/devices/system/cpu/cpu0/cache/index0/size"
ln -s ../../../../../../../../../../etc "$tmp/tree/sys/devices/system/cpu/etc"
refused 2 "it is a link that leads out of the root directory" \
    --root "$tmp/tree" info
rm "$tmp/tree/sys/devices/system/cpu/etc"
"$np" --root "$tmp/tree" info >/dev/null 2>&1 && ok ||
    bad "a tree without links out was refused"

echo "files: $pass passed, $fail failed"
[ $fail = 0 ]
