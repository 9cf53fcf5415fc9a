#!/bin/sh
# tests/cli/map-svg.sh: map --svg and --html, rendered by a real browser
# (Debian's chromium, headless) to PNG; the picture's element counts
# (chromium's --dump-dom of the HTML) and its colours (the PNG's pixels,
# read by python3) must match the host: a box per CPU, a filled chip per
# pin in its guest's colour, a red frame where two guests' pins meet and
# nowhere else, memory bars in the guests' colours.
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
export NUMAPIN_STATE_DIR=$tmp/state

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

cp "$ex/origin-2010.json" "$tmp/h.json"
t="-c test:$tmp/h.json"

# --- the files --------------------------------------------------------------
"$np" $t map --svg "$tmp/m.svg" && [ -s "$tmp/m.svg" ] && ok || bad "map --svg"
"$np" $t map --html "$tmp/m.html" && [ -s "$tmp/m.html" ] && ok || bad "map --html"
"$np" $t map --svg - >"$tmp/stdout.svg" && cmp -s "$tmp/m.svg" "$tmp/stdout.svg" &&
    ok || bad "map --svg - is not the same picture"
"$np" --root "$fx/2s2c2t-2n" map --svg "$tmp/smt.svg" && ok || bad "map --svg of a tree"
"$np" -c "test:$top/tests/fixtures/json/sparse.json" map --svg "$tmp/sparse.svg" &&
    ok || bad "map --svg sparse"
"$np" --json $t map --svg "$tmp/j.svg" >"$tmp/j.json" &&
    grep -q '"svg"' "$tmp/j.json" && ok || bad "--json map --svg"
# last-level cache groups as boxes, as many as the text map lists
mkdir "$tmp/hw" && tar -xjf "$top/tests/fixtures/hwloc-linux/16amd64-8n2c.tar.bz2" \
    -C "$tmp/hw" && hw=$tmp/hw/16amd64-8n2c
"$np" --root "$hw" map --svg "$tmp/l3.svg" && ok || bad "map --svg with L3 groups"
want=$("$np" --root "$hw" map | sed -n 's/^  L[0-9] groups: //p' | tr ',' '\n' | grep -c .)
[ "$want" -gt 1 ] && [ "$(grep -c 'class="llc"' "$tmp/l3.svg")" = "$want" ] && ok ||
    bad "cache group boxes: $(grep -c 'class="llc"' "$tmp/l3.svg"), the text map lists $want"
# well-formed XML, names escaped (sparse.json's guest is 'sparse guest "quoted"/x')
for f in m.svg smt.svg sparse.svg l3.svg; do
    python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' \
        "$tmp/$f" && ok || bad "$f is not well-formed XML"
done
grep -q 'sparse guest &quot;quoted&quot;/x' "$tmp/sparse.svg" && ok ||
    bad "a guest name is not escaped"
# bad usage
"$np" $t map --svg >/dev/null 2>&1; [ $? = 1 ] && ok || bad "--svg without FILE"
"$np" $t map --svg a --html b >/dev/null 2>&1; [ $? = 1 ] && ok || bad "--svg and --html"
"$np" $t map --svg /nonexistent/dir/x.svg >/dev/null 2>&1; [ $? = 2 ] && ok ||
    bad "an unwritable FILE is exit 2"

# --- in a real browser --------------------------------------------------------
browser=/usr/bin/chromium
if [ ! -x "$browser" ]; then
    echo "skipped: the browser checks (no $browser: apt-get install chromium)"
    echo "map-svg: $pass passed, $fail failed"
    [ $fail = 0 ]
    exit
fi
chrome() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --user-data-dir="$(mktemp -d -p "$tmp")" \
        "$@" 2>>"$tmp/chromium.log"
}

# element counts, from the DOM the browser built
chrome --dump-dom "file://$tmp/m.html" >"$tmp/dom.html"
count() { grep -o "class=\"$1[\" ]" "$tmp/dom.html" | wc -l; }
[ "$(count node)" = 2 ] && ok || bad "nodes in the DOM: $(count node), want 2"
[ "$(count cpu)" = 8 ] && ok || bad "cpus in the DOM: $(count cpu), want 8"
# pins: web1/0 -> 4, web1/1 -> 5, db1/0 -> 5
[ "$(count pin)" = 3 ] && ok || bad "pins in the DOM: $(count pin), want 3"
[ "$(grep -o 'class="cpu overlap"' "$tmp/dom.html" | wc -l)" = 1 ] && ok ||
    bad "overlaps in the DOM, want 1 (cpu 5)"
grep -q 'class="cpu overlap" data-cpu="5"' "$tmp/dom.html" && ok ||
    bad "the overlap is not cpu 5"
[ "$(count legend)" = 3 ] && ok || bad "legend entries: $(count legend), want 3"
# rhel5xen and db1 on both nodes, web1 on one
[ "$(count memseg)" = 5 ] && ok || bad "memory segments: $(count memseg), want 5"
[ "$(grep -o 'class="vcpu"' "$tmp/dom.html" | wc -l)" = 8 ] && ok ||
    bad "the table's vcpu rows, want 8"

# colours, from the pixels
shot() { # SVG PNG
    chrome --window-size=700,560 --screenshot="$2" "file://$1" >/dev/null
    [ -s "$2" ]
}
colours() { # PNG -> "#rrggbb count" for every colour of the palette and red
    python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 4 if ctype == 6 else 3
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
counts = {}
want = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"}
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pr) & 255
    for x in range(w):
        col = "#%02x%02x%02x" % tuple(line[x * bpp:x * bpp + 3])
        if col in want:
            counts[col] = counts.get(col, 0) + 1
    prev = line
for col in sorted(want):
    print(col, counts.get(col, 0))
PY
}
px() { awk -v c="$2" '$1 == c { print $2 }' "$1"; }
if shot "$tmp/m.svg" "$tmp/m.png"; then
    ok
    colours "$tmp/m.png" >"$tmp/m.px"
    # rhel5xen (blue) floats: only its memory segment; web1 (orange) two
    # chips and memory; db1 (green) one chip and memory
    for c in "#1f77b4" "#ff7f0e" "#2ca02c"; do
        [ "$(px "$tmp/m.px" "$c")" -gt 200 ] && ok ||
            bad "guest colour $c: $(px "$tmp/m.px" "$c") pixels"
    done
    [ "$(px "$tmp/m.px" "#ff7f0e")" -gt "$(px "$tmp/m.px" "#2ca02c")" ] && ok ||
        bad "web1's two pins do not show more orange than db1's one"
    [ "$(px "$tmp/m.px" "#d62728")" -gt 300 ] && ok ||
        bad "no red frame around the overlap: $(px "$tmp/m.px" "#d62728") pixels"
else
    bad "chromium did not render the SVG"; tail -5 "$tmp/chromium.log"
fi
# the overlap gone: no red at all
"$np" $t vcpu-pin db1 0 6 >/dev/null
"$np" $t map --svg "$tmp/m2.svg"
if shot "$tmp/m2.svg" "$tmp/m2.png"; then
    colours "$tmp/m2.png" >"$tmp/m2.px"
    [ "$(px "$tmp/m2.px" "#d62728")" = 0 ] && ok ||
        bad "red without an overlap: $(px "$tmp/m2.px" "#d62728") pixels"
    [ "$(px "$tmp/m2.px" "#2ca02c")" -gt 200 ] && ok || bad "db1's chip moved away"
else
    bad "chromium did not render the second SVG"
fi

echo "map-svg: $pass passed, $fail failed"
[ $fail = 0 ]
