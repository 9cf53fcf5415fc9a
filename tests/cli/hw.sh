#!/bin/sh
# tests/cli/hw.sh: the hardware model on the command line, on captured
# machines (tests/fixtures/hwloc-linux/, unpacked here): map and info -n
# show L3 groups and devices, place --device / --hugepages / --cpu-kind,
# capabilities XML and JSON read back with their caches and devices.
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
tree() { # NAME: unpack, print the root
    mkdir -p "$tmp/$1"
    tar -xjf "$top/tests/fixtures/hwloc-linux/$1.tar.bz2" -C "$tmp/$1"
    echo "$tmp/$1/$(ls "$tmp/$1")"
}
has() { # FILE TEXT WHAT
    if grep -qF -- "$2" "$1"; then ok; else bad "$3: no '$2' in:"; cat "$1"; fi
}

ccx=$(tree 16em64t-4s2c2t)
pci=$(tree fakepcilocalities)
hyb=$(tree 20em64t-hybrid-1p6c2t+2ca4co1t)

"$np" --root "$ccx" map > "$tmp/map" 2>&1 || bad "map exits $?"
has "$tmp/map" "  L3 groups: 0,4,8,12 (4M), 1,5,9,13 (4M), 2,6,10,14 (4M), 3,7,11,15 (4M)" "map L3"
"$np" --root "$pci" map > "$tmp/map" 2>&1
has "$tmp/map" "  devices: 0000:43:00.0 InfiniBand" "map devices"
"$np" --root "$pci" info -n > "$tmp/info" 2>&1
has "$tmp/info" "0000:43:00.0      1" "info -n device topology"
sed -n '/^cpu_topology/,/^numa_info/p' "$tmp/info" | grep -q '^device topology        :$' &&
    ok || bad "device topology not between cpu_topology and numa_info"
"$np" --root "$ccx" info -n > "$tmp/info" 2>&1
has "$tmp/info" "    1:      3       4096   1,5,9,13" "info -n cache_topology"

# place: within one L3, on the device's node, on the asked core kind
"$np" --root "$ccx" place --vcpus 4 --memory 1G > "$tmp/p" 2>&1
has "$tmp/p" 'cpus="0,4,8,12"' "place in one L3 group"
"$np" --root "$pci" place --vcpus 4 --memory 1G --device 43:00.0 > "$tmp/p" 2>&1
has "$tmp/p" "device 0000:43:00.0 is on node 1: placed there" "place --device"
has "$tmp/p" "memory: node 1" "place --device node"
"$np" --root "$pci" place --vcpus 4 --memory 1G --device 0000:77:00.0 > "$tmp/p" 2>&1
[ $? -eq 1 ] && ok || bad "unknown device: exit not 1"
has "$tmp/p" "device '0000:77:00.0' is not a PCI device of this host" "unknown device"
"$np" --root "$pci" place --vcpus 4 --memory 1G --device nonsense > "$tmp/p" 2>&1
[ $? -eq 1 ] && ok || bad "bad device: exit not 1"
"$np" --root "$pci" place --vcpus 1 --memory 1G --hugepages 1G > "$tmp/p" 2>&1
[ $? -eq 1 ] && ok || bad "no 1G pages: exit not 1"
has "$tmp/p" "no node of this host has 1.0 GiB huge pages" "no 1G pages"
"$np" --root "$pci" place --vcpus 1 --memory 1G --hugepages 3M > "$tmp/p" 2>&1
[ $? -eq 1 ] && ok || bad "3M pages: exit not 1"
"$np" --root "$hyb" place --vcpus 4 --memory 1G --cpu-kind e > "$tmp/p" 2>&1
has "$tmp/p" 'cpus="12-15"' "place --cpu-kind e"
"$np" --root "$hyb" place --vcpus 4 --memory 1G > "$tmp/p" 2>&1
has "$tmp/p" 'cpus="0-3"' "place: one kind, the performant one"
"$np" --root "$ccx" place --vcpus 4 --memory 1G --cpu-kind e > "$tmp/p" 2>&1
[ $? -eq 1 ] && ok || bad "--cpu-kind on one kind: exit not 1"

# the formats carry it and read it back
"$np" --root "$pci" --json dump > "$tmp/out" 2>/dev/null
"$np" --topology "$tmp/out" info -n > "$tmp/i2" 2>&1
"$np" --root "$pci" info -n > "$tmp/i1" 2>&1
cmp -s "$tmp/i1" "$tmp/i2" && ok || { bad "JSON read back: info -n differs"; diff "$tmp/i1" "$tmp/i2"; }
"$np" --root "$ccx" capabilities > "$tmp/caps" 2>&1
has "$tmp/caps" "<bank id='0' level='3' type='both' size='4096' unit='KiB' cpus='0,4,8,12'/>" "caps bank"
"$np" --topology "$tmp/caps" info -n | sed -n '/^cache_topology/,$p' > "$tmp/i2" 2>&1
"$np" --root "$ccx" info -n | sed -n '/^cache_topology/,$p' > "$tmp/i1" 2>&1
[ -s "$tmp/i1" ] && cmp -s "$tmp/i1" "$tmp/i2" && ok || { bad "XML read back: caches differ"; diff "$tmp/i1" "$tmp/i2"; }
"$np" --topology "$tmp/caps" place --vcpus 4 --memory 1G > "$tmp/p" 2>&1
has "$tmp/p" 'cpus="0,4,8,12"' "place from capabilities XML keeps the L3 rule"

# hwloc and libxml2 are loaded when first used (kvm/hwloc_lib.h,
# common/xml_lib.h), never linked: each command's start does without
# them, and the reads above went through dlopen
if command -v readelf > /dev/null 2>&1; then
    readelf -d "$np" > "$tmp/dyn" 2>&1 || bad "readelf -d $np exits $?"
    grep -q '(NEEDED)' "$tmp/dyn" && ok || bad "readelf shows no NEEDED in:"
    if grep -E '\(NEEDED\).*(libhwloc|libxml2)' "$tmp/dyn"; then
        bad "numapin is linked with hwloc or libxml2"
    else
        ok
    fi
fi

echo "hw: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
