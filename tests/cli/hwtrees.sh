#!/bin/sh
# tests/cli/hwtrees.sh: numapin reads every captured machine
# (tests/fixtures/hwloc-linux/, unpacked into the build directory, and
# tests/fixtures/sysfs/) as the kernel's own files and hwloc's lstopo
# output say (tests/hw/check_trees.py).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(dirname "$NUMAPIN")
exec python3 "$top/tests/hw/check_trees.py" "$NUMAPIN" "$build/tests/hwloc-linux"
