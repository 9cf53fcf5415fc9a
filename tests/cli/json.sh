#!/bin/sh
# tests/cli/json.sh: --json for every command: each output is one JSON
# object, validated against its schema in docs/schema/ (tests/json-validate,
# python3-jsonschema); info, nodeinfo, capabilities and freecell each have
# their own shape; warnings are data; a command with nothing
# machine-readable says so with an error.
#
# To cover a new command: add its runs to the list below (`j NAME ARGS...`)
# and its schema as docs/schema/COMMAND.json.
set -u
np=${NUMAPIN:?set NUMAPIN to the numapin binary}
top=$(cd "$(dirname "$0")/../.." && pwd)
ex=$top/examples
fx=$top/tests/fixtures/sysfs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
unset NUMAPIN_TEST_FAIL_AFTER
NUMAPIN_STATE_DIR=$tmp/state
export NUMAPIN_STATE_DIR
mkdir "$tmp/out"

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# j NAME ARGS...: `numapin --json ARGS` exits 0 (or $want_rc) and prints
# one JSON object, kept as out/NAME.json for the schema check.
want_rc=0
j() {
    name=$1
    shift
    "$np" --json "$@" >"$tmp/out/$name.json" 2>"$tmp/err"
    rc=$?
    if [ $rc != "$want_rc" ]; then
        bad "numapin --json $*: exit $rc, want $want_rc"
        cat "$tmp/err"
        return
    fi
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
sys.exit(not isinstance(d, dict))' "$tmp/out/$name.json" 2>/dev/null; then
        ok
    else
        bad "numapin --json $*: not one JSON object"
        head -5 "$tmp/out/$name.json"
    fi
}

# field FILE PYTHON-EXPR: the expression over the document d is true.
field() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out/$1.json" "$2" &&
        ok || bad "$1.json: not $2"
}

cp "$ex/origin-2010.json" "$tmp/h.json"
t="-c test:$tmp/h.json"
o="--topology $ex/origin-2010.xml"
r="--root $fx/2s2c2t-2n"
printf 'name = "web1"\nvcpus = 2\n' >"$tmp/web1.cfg"

# --- every command -------------------------------------------------------
j info $t info
j info-n $t info -n
j info-root $r info -n
j nodeinfo $t nodeinfo
j nodeinfo-root $r nodeinfo
j caps $t capabilities
j caps-xml $o capabilities
j caps-root $r capabilities
j freecell $t freecell
j freecell-all $r freecell --all
j freecell-1 $o freecell 1
j cpulist $o cpulist 0-3,^2
j vcpu-list $t vcpu-list
j vcpu-list-web1 $t vcpu-list web1
j vcpuinfo $t vcpuinfo db1
j map $t map
j numastat $t numastat
j map-root $r map
j place $o place --vcpus 4 --memory 3G
j plan $t plan --all
j vcpu-pin-n $t -N vcpu-pin web1 all 0-3
j vcpu-pin-n0 $o -N vcpu-pin 0 0 node:1
j vcpu-pin $t vcpu-pin rhel5xen 0 4
j numatune $t numatune web1 1
j numatune-n $t -N numatune web1 auto
j reset-n $t -N reset web1
j reset $t reset db1
j reset-all $t reset --all
j apply-n $t -N apply --all
j apply $t apply --all
j undo-n $t -N undo
j undo $t undo
j history $t history
j persist-n $t -N persist web1 --xl-config "$tmp/web1.cfg"
j persist $t persist web1 --xl-config "$tmp/web1.cfg"
j persist-again $t persist web1 --xl-config "$tmp/web1.cfg"
j version --version
j dump $t dump
j dump-root $r dump
# a KVM host from captured trees: flat-1n's sysfs and the QEMU processes of
# tests/fixtures/proc/qemu-cgroup (one alone in a v1 cpuset cgroup, one
# with its RAM bound by policy=bind): memory_policy in vcpu-list
mkdir -p "$tmp/kvmroot"
cp -r "$fx/flat-1n/sys" "$fx/flat-1n/proc" "$tmp/kvmroot/"
cp -r "$top/tests/fixtures/proc/qemu-cgroup/." "$tmp/kvmroot/"
j vcpu-list-kvm --root "$tmp/kvmroot" vcpu-list
j dump-kvm --root "$tmp/kvmroot" dump
# partial plans exit 3 and still print their document
cp "$top/tests/fixtures/json/partial-2010.json" "$tmp/p.json" 2>/dev/null &&
    { want_rc=3; j plan-partial -c "test:$tmp/p.json" plan --all; want_rc=0; }

# --- the schemas ------------------------------------------------------------
python3 "$top/tests/json-validate" "$tmp"/out/*.json >"$tmp/v" 2>&1 &&
    ok || bad "schema validation"
cat "$tmp/v"
# the check can fail: a document with a wrong type, an unknown key, a
# command without a schema
sed 's/"nr_cpus": 8/"nr_cpus": "8"/' "$tmp/out/info.json" >"$tmp/x1.json"
sed 's/"cells": \[/"cellz": 1, "cells": [/' "$tmp/out/freecell.json" >"$tmp/x2.json"
sed 's/"command": "map"/"command": "frob"/' "$tmp/out/map.json" >"$tmp/x3.json"
for x in x1 x2 x3; do
    python3 "$top/tests/json-validate" "$tmp/$x.json" >/dev/null 2>&1 &&
        bad "json-validate accepted the broken $x.json" || ok
done

# --- each host command its own shape ----------------------------------------
field info "'host' in d and d['host']['sockets'] == 2 and 'cells' not in d"
field info-n "len(d['cpu_topology']) == 8 and len(d['numa_info']) == 2"
field vcpu-list-kvm "[g['memory_policy'].get('cgroup') for g in d['guests']] == ['/np15-t', '/'] and d['guests'][0]['memory_policy']['cpuset_mems'] == '0' and d['guests'][1]['memory_policy']['policy'] == 'bind:0' and not d['guests'][0]['memory_policy']['cgroup_shared'] and d['guests'][1]['memory_policy']['cgroup_shared']"
field dump-kvm "[g['node_affinity'] for g in d['guests']] == ['all', 'all']"
field info-root "d['host']['sockets'] == 2 and d['host']['threads_per_core'] == 2"
field nodeinfo "d['cells'] == 2 and d['sockets_per_cell'] == 1 and d['sockets'] == 2"
field caps "len(d['cells']) == 2 and len(d['cells'][1]['cpus']) == 4"
field caps-root "d['topology'] == {'sockets': 1, 'cores': 2, 'threads': 2}"
field freecell "d['cells'] == [] and d['total_kib'] == 5558404"
field freecell-1 "d['cells'] == [{'id': 1, 'free_kib': 3354784}] and 'total_kib' not in d"
field freecell-all "len(d['cells']) == 2"
field cpulist "d['canonical'] == '0-1,3' and d['count'] == 3"
for a in info nodeinfo caps freecell; do
    for b in info nodeinfo caps freecell; do
        [ $a = $b ] && continue
        cmp -s "$tmp/out/$a.json" "$tmp/out/$b.json" &&
            bad "$a and $b print the same document" || ok
    done
done

# --- warnings are data ------------------------------------------------------
field vcpu-list "[w['cpu'] for w in d['warnings'] if w['kind'] == 'overlap'] == [5]"
field vcpu-list "d['warnings'][0]['vcpus'] == [{'guest': 'web1', 'vcpu': 1}, {'guest': 'db1', 'vcpu': 0}]"
field vcpu-list "[g['name'] for g in d['guests']] == ['rhel5xen', 'web1', 'db1']"
field vcpu-list-web1 "[g['name'] for g in d['guests']] == ['web1']"
field map "[c['cpu'] for n in d['nodes'] for c in n['cpus'] if c['overlap']] == [5]"
field map "len(d['warnings']) == 1"
field map "[r['guest'] for c in d['nodes'][1]['cpus'] if c['cpu'] == 5 for r in c['pinned']] == ['web1', 'db1']"
field vcpu-pin-n "d['dry_run'] and d['hard'] == '0-3' and d['soft'] is None"
field apply "d['guests'] == 3 and d['changes'] > 0"
field undo-n "d['dry_run'] and len(d['steps']) > 0"
field history "d['history'][-1]['command'] == 'undo' and d['history'][-1]['reverts'] == [d['history'][-2]['id']] and d['undoable'] == [i['id'] for i in d['history'] if i['command'] != 'undo' and i['id'] != d['history'][-2]['id']][::-1]"
field persist "d['changed'] and d['backup'].endswith('.bak')"
field persist-again "not d['changed']"
"$np" --json $t vcpu-list 2>"$tmp/err" >/dev/null
[ ! -s "$tmp/err" ] && ok || bad "vcpu-list --json printed on stderr: $(cat "$tmp/err")"

# --- nothing machine-readable: an error, not text ----------------------------
"$np" --json help >"$tmp/o" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && [ ! -s "$tmp/o" ] && grep -q "has no JSON output" "$tmp/err" &&
    ok || bad "--json help: exit $rc"
"$np" --json vcpu-pin --help >"$tmp/o" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && [ ! -s "$tmp/o" ] && grep -q "has no JSON output" "$tmp/err" &&
    ok || bad "--json vcpu-pin --help: exit $rc"

echo "json: $pass passed, $fail failed"
[ $fail = 0 ]
