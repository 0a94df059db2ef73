#!/usr/bin/env bash
# Cold tiling, two builds interleaved: both daemons run side by side and short
# `fovea bench tiling --cold` runs alternate between them, so both sample the same minutes
# of a shared machine. Prints, per run: wall, bare decode, their ratio, the decode alone
# (put + corner zoom) over the bare decode, the two-core bound and wall / bound.
#
#   Benchmarks/cold_ab.sh BEFORE_BINARY AFTER_BINARY IMAGE [SETS] [--put-by-path DIR]
#
# The daemons get --workers 2 --threads 2 --no-code (and --allow-dir for --put-by-path).
set -euo pipefail
before=$1 after=$2 image=$3 sets=${4:-6}
shift $(( $# < 4 ? $# : 4 ))
extra=("$@")
directory=$(mktemp -d)
allow=(--allow-dir "$directory")
if [ "${extra[0]:-}" = "--put-by-path" ]; then allow=(--allow-dir "${extra[1]}"); fi
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$directory"; }
trap cleanup EXIT
"$before" serve --socket "$directory/before.sock" --workers 2 --threads 2 --no-code "${allow[@]}" >"$directory/before.log" 2>&1 &
pids+=($!)
"$after" serve --socket "$directory/after.sock" --workers 2 --threads 2 --no-code "${allow[@]}" >"$directory/after.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$directory/before.sock" ] && [ -S "$directory/after.sock" ] && break; sleep 0.1; done
sleep 3  # the workers' warm-up
parser=$(cat <<'PY'
import json, sys
rows = {row["name"].strip(): row for row in json.load(sys.stdin)["rows"]}
tile = next(row for name, row in rows.items() if name.startswith("cold put") and "tile" in name)
decode = next(row for name, row in rows.items() if name.startswith("cold put") and "corner" in name)
bound = rows["bound: total CPU / 2 cores"]
print(f"{sys.argv[1]:6} set {sys.argv[2]}: wall {tile['fovea_ms']:.0f} ms, bare decode {tile['reference_ms']:.0f} ms,"
      f" ratio {tile['ratio']:.2f}, decode alone {decode['ratio']:.2f}, bound {bound['ratio']:.2f},"
      f" wall/bound {tile['fovea_ms'] / bound['fovea_ms']:.3f}, daemon CPU {rows['CPU: daemon']['fovea_ms']:.0f} ms")
PY
)
for set in $(seq "$sets"); do
    for build in before after; do
        "$after" bench tiling --cold --threads 2 --socket "$directory/$build.sock" --image "$image" --repeat 3 --json \
            "${extra[@]}" 2>/dev/null | python3 -c "$parser" "$build" "$set"
    done
done
