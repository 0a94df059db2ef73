#!/usr/bin/env python3
"""Where a cold tiling call's time goes: CPU of the daemon, each worker and this client, in
20 ms buckets, during one `images/put` + `tile` 4×4 of an image the daemon has not seen.

    python3 Benchmarks/cold_timeline.py IMAGE --socket PATH --daemon-pid PID [--bucket-ms 20]

Talks to a running daemon (it starts nothing) and samples `/proc/PID/task/*/schedstat`
(nanoseconds of CPU per thread) every 4 ms. Each row is one bucket: CPU milliseconds each
process ran in it; with C cores at most C × bucket fits in a row, so a row well under that is
a stretch where cores sat idle (waiting on a serial step). The client column includes this
script's sampler thread. A warm-up put + tile runs first (workers and client warmed, then the
image released).
"""
import argparse
import os
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("image")
parser.add_argument("--socket", required=True)
parser.add_argument("--daemon-pid", type=int, required=True)
parser.add_argument("--bucket-ms", type=float, default=20)
args = parser.parse_args()
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
from fovea_client import Fovea  # noqa: E402


def cpu_ns(pid):
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                    total += int(stat.read().split()[0])
            except OSError:
                pass
    except OSError:
        pass
    return total


def children(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                found += [int(child) for child in listing.read().split()]
        except OSError:
            pass
    return found


data = open(args.image, "rb").read()
fovea = Fovea(args.socket)
handle = fovea.put(data)
fovea.call_tool("tile", handle, grid=[4, 4])
fovea.release(handle)

# Workers come and go during a run (decode isolation replaces the decoder and starts a spare):
# every sample looks for new children, and a worker that exited keeps its last reading.
pids = [args.daemon_pid, os.getpid()]
names = {args.daemon_pid: "daemon", os.getpid(): "client"}
last = {}
samples, done = [], threading.Event()


def sample():
    while not done.is_set():
        for child in children(args.daemon_pid):
            if child not in names:
                names[child] = f"worker{len(names) - 2}"
                pids.append(child)
        reading = {}
        for pid in list(pids):
            value = cpu_ns(pid)
            reading[pid] = value if value > 0 else last.get(pid, 0)
            last[pid] = reading[pid]
        samples.append((time.perf_counter(), reading))
        time.sleep(0.004)


sampler = threading.Thread(target=sample)
sampler.start()
time.sleep(0.05)
start = time.perf_counter()
handle = fovea.put(data)
put_done = time.perf_counter()
result = fovea.call_tool("tile", handle, grid=[4, 4])
tile_done = time.perf_counter()
time.sleep(0.05)
done.set()
sampler.join()
fovea.release(handle)

bucket = args.bucket_ms / 1000
rows = {}
for (t0, before), (t1, after) in zip(samples, samples[1:]):
    # Spread each sampling interval's CPU over the buckets it overlaps, in proportion.
    span = max(t1 - t0, 1e-9)
    key = int((t0 - start) // bucket)
    while start + key * bucket < t1:
        overlap = min(t1, start + (key + 1) * bucket) - max(t0, start + key * bucket)
        row = rows.setdefault(key, [0.0] * len(pids))
        for i, pid in enumerate(pids):
            row[i] += (after.get(pid, 0) - before.get(pid, after.get(pid, 0))) / 1e6 * overlap / span
        key += 1
cores = os.cpu_count()
print(f"put answered at {1000 * (put_done - start):.0f} ms, tile answered at {1000 * (tile_done - start):.0f} ms; "
      f"{len(result.encoded_images)} tiles; CPU ms per {args.bucket_ms:.0f} ms bucket (at most {cores * args.bucket_ms:.0f})")
print("   t ms " + "".join(f"{names[pid]:>9s}" for pid in pids) + "    total")
totals = [0.0] * len(pids)
for key in sorted(rows):
    if key < 0 or key * bucket > tile_done - start + bucket:
        continue
    row = rows[key]
    totals = [a + b for a, b in zip(totals, row)]
    share = sum(row) / (cores * args.bucket_ms)
    print(f"{key * args.bucket_ms:7.0f} " + "".join(f"{v:9.1f}" for v in row) + f"  {sum(row):7.1f} " + "#" * round(20 * share))
print("    sum " + "".join(f"{v:9.1f}" for v in totals) + f"  {sum(totals):7.1f}")
