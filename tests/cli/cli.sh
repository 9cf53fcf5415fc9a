#!/bin/sh
# tests/cli/cli.sh: the numapin command end to end, on the captured Linux
# hosts (tests/fixtures/sysfs), the write-up's host and the test backend.
# Expected values come from the fixtures' own reference outputs
# (numactl -H, captured in the same guest) or from what xl/virsh print.
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
fx=$top/tests/fixtures/sysfs
ex=$top/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_out WANT CMD...: stdout equals WANT, exit 0.
expect_out() {
    eo_want=$1
    shift
    eo_got=$("$np" "$@" 2>"$tmp/err")
    eo_rc=$?
    if [ $eo_rc = 0 ] && [ "$eo_got" = "$eo_want" ]; then
        ok
    else
        bad "numapin $* (exit $eo_rc)"
        printf 'want:\n%s\ngot:\n%s\n' "$eo_want" "$eo_got"
        cat "$tmp/err"
    fi
}

# expect_err CODE SUBSTRING CMD...: exit CODE, nothing on stdout, exactly
# one line on stderr that contains SUBSTRING.
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

# numactl -H's "node N cpus: a b c" as a cpu-list ("a-c").
numactl_node_cpus() {
    sed -n "s/^node $2 cpus: *//p" "$1/numactl-H.txt" | tr ' ' '\n' |
        awk 'NF { if (s == "") { s = $1; e = $1 }
                  else if ($1 == e + 1) { e = $1 }
                  else { out = out sep (s == e ? s : s "-" e); sep = ",";
                         s = $1; e = $1 } }
             END { if (s != "") out = out sep (s == e ? s : s "-" e);
                   print (out == "" ? "none" : out) }'
}

for dir in "$fx"/*/; do
    name=$(basename "$dir")
    root=${dir%/}
    k="-c kvm:$root"

    # every command works on every captured host
    for cmd in "info -n" nodeinfo "freecell --all" capabilities dump; do
        if "$np" $k $cmd >"$tmp/o" 2>"$tmp/e"; then ok; else
            bad "$name: numapin $cmd"; cat "$tmp/e"; fi
    done

    # capabilities XML and JSON written, read back, written again: equal
    "$np" $k capabilities >"$tmp/a.xml"
    "$np" --topology "$tmp/a.xml" capabilities >"$tmp/b.xml" 2>"$tmp/e"
    if cmp -s "$tmp/a.xml" "$tmp/b.xml"; then ok; else
        bad "$name: capabilities XML round trip"; diff "$tmp/a.xml" \
            "$tmp/b.xml" | head; cat "$tmp/e"; fi
    "$np" $k dump >"$tmp/a.json"
    "$np" --topology "$tmp/a.json" dump >"$tmp/b.json" 2>"$tmp/e"
    if cmp -s "$tmp/a.json" "$tmp/b.json"; then ok; else
        bad "$name: JSON round trip"; cat "$tmp/e"; fi
    # the same host whether read from sysfs or from its XML
    for cmd in "info -n" nodeinfo "freecell --all"; do
        a=$("$np" $k $cmd)
        b=$("$np" --topology "$tmp/a.xml" $cmd)
        if [ "$a" = "$b" ]; then ok; else
            bad "$name: $cmd differs between sysfs and its XML"
            printf '%s\n---\n%s\n' "$a" "$b"; fi
    done

    # node:N is what numactl -H saw on node N; nr_nodes likewise
    nodes=$(sed -n 's/^available: \([0-9]*\) nodes.*/\1/p' \
        "$root/numactl-H.txt")
    "$np" $k info | grep -qx "nr_nodes               : $nodes" &&
        ok || bad "$name: nr_nodes is not $nodes"
    for n in $(sed -n 's/^node \([0-9]*\) cpus:.*/\1/p' \
        "$root/numactl-H.txt"); do
        want=$(numactl_node_cpus "$root" "$n")
        [ "$want" = none ] && continue
        # xl prints "all" when the map holds every CPU of the host
        [ "$want" = "$(cat "$root/sys/devices/system/cpu/present")" ] &&
            want=all
        expect_out "cpumap: $want" $k -N vcpu-pin 0 0 "node:$n"
        expect_out "cpumap: - $want" $k -N vcpu-pin 0 all - "node:$n"
    done
    expect_out "cpumap: all" $k -N vcpu-pin 0 0 all
done

# --- the write-up's host: what its virsh printed
o="--topology $ex/origin-2010.xml"
expect_out "0: 2203620 KiB" $o freecell 0
expect_out "1: 3354784 KiB" $o freecell 1
expect_out "    0:    2203620 KiB
    1:    3354784 KiB
--------------------
Total:    5558404 KiB" $o freecell --all
"$np" $o nodeinfo >"$tmp/ni"
for line in "CPU model:           x86_64" "CPU(s):              8" \
    "CPU frequency:       1000 MHz" "Core(s) per socket:  4" \
    "Thread(s) per core:  1" "Memory size:         8179176 KiB"; do
    grep -qxF "$line" "$tmp/ni" && ok || bad "origin nodeinfo: no '$line'"
done
"$np" $o capabilities >"$tmp/caps"
for cell in 0 1; do
    first=$((cell * 4))
    for cpu in $first $((first + 1)) $((first + 2)) $((first + 3)); do
        # each cpu listed in its cell, as in the post's XML
        awk -v c="$cell" -v id="$cpu" '
            /<cell id=/ { incell = ($0 ~ "id=.(" c ").") }
            incell && $0 ~ "<cpu id=." id "." { found = 1 }
            END { exit !found }' "$tmp/caps" && ok ||
            bad "origin capabilities: cpu $cpu not in cell $cell"
    done
done
grep -q "<cells num='2'>" "$tmp/caps" && ok || bad "origin: cells num"

# --- -N vcpu-pin prints what xl -N prints
expect_out "cpumap: 0-1,3" $o -N vcpu-pin 1 0 0-3,^2
expect_out "cpumap: all" $o -N vcpu-pin 1 0 all
expect_out "cpumap: none" $o -N vcpu-pin 1 0 ^2
expect_out "cpumap: 4-7 0-3" $o -N vcpu-pin 1 all node:1 nodes:0
expect_out "cpumap: - 1,3,5-7" $o -N vcpu-pin 1 all - 1-3,5,6-7,^2
expect_out "cpumap: 0-5,7" $o -N vcpu-pin 1 0 all,^6
expect_out "0-1,3" $o cpulist 0-3,^2
expect_out "all" $o cpulist nodes:0-1
expect_out "4-7" $o cpulist node:1

# --- bad input: one line, exit 1, nothing half done
expect_err 1 "cpu '8' does not exist: this host has cpus 0-7" \
    $o -N vcpu-pin 1 0 8
expect_err 1 "cannot combine '^' and 'all' in '^all'" $o cpulist ^all
expect_err 1 "invalid range '3-1'" $o cpulist 3-1
expect_err 1 "invalid range '1-': missing end" $o cpulist 1-
expect_err 1 "empty entry in cpu list '0,,1'" $o cpulist 0,,1
expect_err 1 "invalid token '0x3'" $o cpulist 0x3
expect_err 1 "invalid token ' 1'" $o cpulist "0, 1"
expect_err 1 "number too large in '99999999999'" $o cpulist 99999999999
expect_err 1 "node 2 in 'node:2' does not exist" $o cpulist node:2
expect_err 1 "invalid token '1\\nx'" $o cpulist "$(printf '1\nx')"
expect_err 1 "invalid vcpu 'x'" $o -N vcpu-pin 1 x 0
expect_err 1 "unknown command 'frobnicate'" $o frobnicate
expect_err 1 "unknown backend 'vmware'" -c vmware info
expect_err 1 "invalid node 'x'" $o freecell x
expect_err 1 "node '5' does not exist: this host has nodes 0-1" \
    $o freecell 5
expect_err 1 "cannot open" --topology "$tmp/none.xml" info
printf '<capabilities><host><topology><cells num="1"><cell id="0">' \
    >"$tmp/trunc.xml"
expect_err 1 "trunc.xml" --topology "$tmp/trunc.xml" info
printf '{"numapin": 1, "host": {' >"$tmp/trunc.json"
expect_err 1 "trunc.json" --topology "$tmp/trunc.json" info
printf 'hello\n' >"$tmp/junk"
expect_err 1 "neither capabilities XML nor numapin JSON" \
    --topology "$tmp/junk" info
expect_err 1 "describes a host without guests" $o vcpu-list

# --- the test backend: pin, list, map, overlap, atomic failure
cp "$ex/origin-2010.json" "$tmp/t.json"
t="-c test:$tmp/t.json"
"$np" $t vcpuinfo rhel5xen | grep -q "^# test backend: .*, not a live host$" && ok ||
    bad "test backend output does not name itself"
for v in 0 1 2 3; do
    "$np" $t vcpu-pin rhel5xen $v $((v + 4)) && ok || bad "pin vcpu $v"
done
"$np" $t vcpuinfo rhel5xen >"$tmp/vi"
for v in 0 1 2 3; do
    yn=$(printf '%s' "--------" | sed "s/./y/$((v + 5))")
    grep -qxF "CPU Affinity:   $yn" "$tmp/vi" && ok ||
        bad "vcpu $v affinity is not $yn"; done
"$np" $t vcpu-list rhel5xen 2>/dev/null | awk '!/^#/ && !/^Name/ { print $3, $7 }' >"$tmp/vl"
printf '0 4\n1 5\n2 6\n3 7\n' | cmp -s - "$tmp/vl" && ok ||
    { bad "vcpu-list after pins"; cat "$tmp/vl"; }
cp "$tmp/t.json" "$tmp/before.json"
expect_err 1 "guest 'nosuch' does not exist" $t vcpu-pin nosuch 0 1
expect_err 1 "has no vcpu 9" $t vcpu-pin rhel5xen 9 1
expect_err 1 "hard affinity: cpu '12' does not exist" \
    $t vcpu-pin rhel5xen all 12
cmp -s "$tmp/t.json" "$tmp/before.json" && ok ||
    bad "a refused pin changed the host"
"$np" $t map >"$tmp/map" 2>&1
grep -q "^warning: cpu" "$tmp/map" && ok ||
    { bad "map shows no overlap warning"; cat "$tmp/map"; }
"$np" $t vcpu-list >/dev/null 2>"$tmp/err"
grep -q "^warning: cpu" "$tmp/err" && ok || bad "vcpu-list: no warning"

echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
