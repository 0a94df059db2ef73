#!/usr/bin/env bash
# Warm zooms, two builds interleaved: both daemons run side by side (warm, --no-code) and short
# `fovea bench latency` runs alternate between them, 1 client then 8 clients, so both sample the
# same minutes of a shared machine. Prints every run, then the median and range of each column.
#
#   Benchmarks/warm_ab.sh BEFORE_BINARY AFTER_BINARY IMAGE [SETS] [SECONDS] [-- latency options]
#
# Latency options (e.g. --binary-images) go to every `fovea bench latency` run, of both builds;
# the runs use AFTER_BINARY's bench client against each daemon.
set -euo pipefail
before=$1 after=$2 image=$3 sets=${4:-5} seconds=${5:-4}
shift $(( $# < 5 ? $# : 5 ))
[ "${1:-}" = "--" ] && shift
options=("$@")
directory=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$directory"; }
trap cleanup EXIT
for build in before after; do
    binary=$before
    [ "$build" = after ] && binary=$after
    "$binary" serve --socket "$directory/$build.sock" --workers 2 --threads 2 --no-code >"$directory/$build.log" 2>&1 &
    pids+=($!)
done
for _ in $(seq 100); do [ -S "$directory/before.sock" ] && [ -S "$directory/after.sock" ] && break; sleep 0.1; done
sleep 3  # the workers' warm-up
for set in $(seq "$sets"); do
    for clients in 1 8; do
        for build in before after; do
            line=$("$after" bench latency --socket "$directory/$build.sock" --image "$image" --clients "$clients" \
                --seconds "$seconds" "${options[@]}" 2>&1 | grep "calls/s")
            echo "$build set $set: $line"
        done
    done
done | tee "$directory/runs.txt"
python3 - "$directory/runs.txt" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    build, clients = line.split()[0], int(re.search(r": (\d+) clients?", line).group(1))
    numbers = {
        "calls/s": float(re.search(r"([\d.]+) calls/s", line).group(1)),
        "p50 ms": float(re.search(r"p50 ([\d.]+)", line).group(1)),
        "p99 ms": float(re.search(r"p99 ([\d.]+)", line).group(1)),
        "CPU ms/call": float(re.search(r"total ([\d.]+)", line).group(1)),
        "daemon ms/call": float(re.search(r"daemon ([\d.]+)", line).group(1)),
    }
    runs.setdefault((clients, build), []).append(numbers)
print("\nmedian [range] over the sets")
for (clients, build), rows in sorted(runs.items()):
    cells = []
    for key in rows[0]:
        values = [row[key] for row in rows]
        cells.append(f"{key} {statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]")
    print(f"{clients} client{'s' if clients > 1 else ''}, {build:6}: " + "; ".join(cells))
PY
