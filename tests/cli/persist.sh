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

# --- persist --libvirt-xml: a virsh dumpxml file ------------------------
cp "$top/examples/origin-2010.json" "$tmp/lv.json"
lv="-c test:$tmp/lv.json"
"$np" $lv vcpu-pin web1 0 4 >/dev/null && "$np" $lv vcpu-pin web1 1 5 >/dev/null &&
    "$np" $lv numatune web1 1 >/dev/null
cat >"$tmp/web1.xml" <<'XML'
<domain type='kvm' id='2'>
  <name>web1</name>
  <!-- sized by the capacity plan -->
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <cputune>
    <shares>2048</shares>
    <vcpupin vcpu='0' cpuset='1'/>
  </cputune>
  <devices>
    <!-- the disk -->
    <disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>
XML
cp "$tmp/web1.xml" "$tmp/web1.orig"
"$np" $lv -N persist web1 --libvirt-xml "$tmp/web1.xml" >"$tmp/lvn" &&
    cmp -s "$tmp/web1.xml" "$tmp/web1.orig" && [ ! -e "$tmp/web1.xml.bak" ] &&
    grep -q '<vcpupin vcpu="1" cpuset="5"/>' "$tmp/lvn" && ok ||
    bad "persist -N --libvirt-xml"
"$np" $lv persist web1 --libvirt-xml "$tmp/web1.xml" >/dev/null && ok ||
    bad "persist --libvirt-xml"
cmp -s "$tmp/web1.xml.bak" "$tmp/web1.orig" && ok || bad "libvirt .bak is not the old file"
python3 - "$tmp/web1.xml" <<'PY' && ok || bad "the rewritten domain XML"
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
txt = open(sys.argv[1]).read()
v = d.getElementsByTagName("vcpu")[0]
assert v.getAttribute("cpuset") == "4-5" and v.firstChild.data == "2", v.toxml()
pins = [(p.getAttribute("vcpu"), p.getAttribute("cpuset"))
        for p in d.getElementsByTagName("vcpupin")]
assert pins == [("0", "4"), ("1", "5")], pins
assert d.getElementsByTagName("shares")[0].firstChild.data == "2048"
mem = d.getElementsByTagName("numatune")[0].getElementsByTagName("memory")[0]
assert (mem.getAttribute("mode"), mem.getAttribute("nodeset")) == ("strict", "1")
assert "<!-- sized by the capacity plan -->" in txt and "<!-- the disk -->" in txt
assert d.getElementsByTagName("target")[0].getAttribute("dev") == "vda"
PY
# a reset guest: no pins, no cpuset, no <memory> in <numatune>
"$np" $lv reset web1 >/dev/null
"$np" $lv persist web1 --libvirt-xml "$tmp/web1.xml" >/dev/null &&
    ! grep -q "vcpupin\|cpuset\|nodeset" "$tmp/web1.xml" &&
    grep -q "<shares>2048</shares>" "$tmp/web1.xml" && ok ||
    { bad "persist --libvirt-xml after reset"; cat "$tmp/web1.xml"; }
# refused, the file unchanged: another guest's, not a domain, malformed, entities
cp "$tmp/web1.xml" "$tmp/before.xml"
for c in "db1 --libvirt-xml $tmp/web1.xml"; do
    "$np" $lv persist $c >/dev/null 2>"$tmp/err" && bad "persist $c" || ok
    grep -q "another guest's file" "$tmp/err" && ok || bad "persist $c: $(cat "$tmp/err")"
done
printf '<capabilities><name>web1</name></capabilities>\n' >"$tmp/caps.xml"
printf '<domain><name>web1</name>\n' >"$tmp/trunc.xml"
printf '<!DOCTYPE domain [<!ENTITY x "y">]>\n<domain><name>web1</name></domain>\n' \
    >"$tmp/ent.xml"
for f in caps trunc ent; do
    cp "$tmp/$f.xml" "$tmp/$f.orig"
    "$np" $lv persist web1 --libvirt-xml "$tmp/$f.xml" >/dev/null 2>"$tmp/err" &&
        bad "persist of $f.xml accepted" || ok
    [ "$(wc -l <"$tmp/err")" = 1 ] && cmp -s "$tmp/$f.xml" "$tmp/$f.orig" &&
        [ ! -e "$tmp/$f.xml.bak" ] && ok || bad "$f.xml: $(cat "$tmp/err")"
done
cmp -s "$tmp/web1.xml" "$tmp/before.xml" && ok || bad "a refused persist changed the file"

# vcpu-pin -f: one vCPU, as xl; never with all.
"$np" $t vcpu-pin -f rhel5xen 2 6 > /dev/null 2>&1 && ok || bad "vcpu-pin -f"
"$np" $t vcpu-pin -f rhel5xen all 6 > /dev/null 2> "$tmp/err" &&
    bad "vcpu-pin -f all" || ok
grep -q "'all' as vcpu are not allowed" "$tmp/err" && ok ||
    bad "vcpu-pin -f all: no clear error"

echo "persist: $pass passed, $fail failed"
[ $fail -eq 0 ]
