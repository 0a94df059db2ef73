#!/usr/bin/env python3
"""A warm zoom from Python: Fovea's client against Pillow doing the same work in-process.

    python3 Benchmarks/python_client_vs_pillow.py IMAGE [--socket PATH] [--calls 400] [--daemon-pid PID]
                                                  [--client-dir DIR] [--data-url]

Talks to a running daemon (it starts nothing): `fovea serve` in another terminal, or
`./scripts/serve.sh`. The image is put once (and decoded once by the daemon); Pillow opens and
decodes it once too, so both sides start from an image they already hold. Then, alternating
call by call so both see the same machine:

- Fovea: `Fovea.zoom(handle, box, coords="pixel")` — the request line, the daemon's crop +
  bicubic resize to the preset's smart_resize size + JPEG q95 4:4:4, the answer line and its JSON
  parse, the JPEG read after it (binary images, the client's default; with --base64-images the
  JPEG comes as base64 in the line and is decoded); the caller ends holding the JPEG bytes.
- Pillow: `image.crop(box).resize(size, Image.BICUBIC)` to the size Fovea returned, then
  `save(JPEG, quality=95, subsampling=0)` into memory; the caller ends holding the JPEG bytes.

With --data-url both sides end holding what an OpenAI-style model server takes instead of
bytes: Fovea's `result.data_url` (the base64 text as received, never decoded) and Pillow's
JPEG base64-encoded into a data URL.

With --client-dir, fovea_client.py is imported from DIR instead (to time an older client).

The boxes are `fovea bench latency`'s: 1000×750 pixels moved over the image call by call. Prints
p50/p90 wall milliseconds of each and the ratio of the p50s (Fovea / Pillow), plus CPU
milliseconds per call of this process for each side and, with --daemon-pid, of the daemon and
its workers (from /proc) for Fovea's calls.
"""
import argparse
import base64
import io
import os
import statistics
import sys
import time

from PIL import Image

parser = argparse.ArgumentParser()
parser.add_argument("image")
parser.add_argument("--socket", help="the daemon's socket (default: fovea_client's default path)")
parser.add_argument("--calls", type=int, default=400, help="calls of each kind, after 20 warm-up calls")
parser.add_argument("--daemon-pid", type=int, help="also report the daemon's and its workers' CPU per Fovea call")
parser.add_argument("--data-url", action="store_true", help="both sides return a data URL instead of bytes")
parser.add_argument("--client-dir", help="import fovea_client from this directory (default: clients/python)")
parser.add_argument("--base64-images", action="store_true",
                    help="ask for base64 images in the JSON (as an MCP client gets them) instead of bytes after the line")
args = parser.parse_args()
sys.path.insert(0, args.client_dir or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
from fovea_client import Fovea  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid):
    """User + system CPU of `pid` and its children (the workers), from /proc/PID/stat."""
    total = 0
    pids = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as children:
                pids += [int(p) for p in children.read().split()]
        except OSError:
            pass
    for each in pids:
        try:
            with open(f"/proc/{each}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except OSError:
            pass
    return total / TICKS


def box(index, width, height):
    x = (index * 389) % max(1, width - 1000)
    y = (index * 211) % max(1, height - 750)
    return [x, y, x + 1000, y + 750]


data = open(args.image, "rb").read()
held = Image.open(io.BytesIO(data))
held.load()
held = held.convert("RGB")
width, height = held.size

with (Fovea(args.socket, binary_images=False) if args.base64_images else Fovea(args.socket)) as fovea:
    handle = fovea.put(data)
    size = None

    def fovea_call(index):
        global size
        result = fovea.zoom(handle, box(index, width, height), coords="pixel")
        size = (result.structured["width"], result.structured["height"])
        return result.data_url if args.data_url else result.image_bytes

    def pillow_call(index):
        out = io.BytesIO()
        held.crop(box(index, width, height)).resize(size, Image.BICUBIC).save(out, "JPEG", quality=95, subsampling=0)
        if args.data_url:
            return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
        return out.getvalue()

    for index in range(20):
        fovea_call(index)
        pillow_call(index)

    times = {"fovea": [], "pillow": []}
    cpu = {"fovea": 0.0, "pillow": 0.0}
    sizes = {"fovea": 0, "pillow": 0}
    # The daemon idles while Pillow runs, so its CPU over the whole loop is the Fovea calls'.
    daemon_start = tree_cpu_seconds(args.daemon_pid) if args.daemon_pid else 0.0
    for index in range(20, 20 + args.calls):
        for name, call in (("fovea", fovea_call), ("pillow", pillow_call)) if index % 2 else (("pillow", pillow_call), ("fovea", fovea_call)):
            before_cpu, before = time.process_time(), time.perf_counter()
            out = call(index)
            times[name].append((time.perf_counter() - before) * 1000)
            cpu[name] += time.process_time() - before_cpu
            sizes[name] += len(out)
    daemon_cpu = tree_cpu_seconds(args.daemon_pid) - daemon_start if args.daemon_pid else 0.0

calls = args.calls
print(f"{os.path.basename(args.image)} {width}x{height}; box 1000x750 -> {size[0]}x{size[1]} JPEG q95 4:4:4; "
      f"{calls} calls each, alternating; each ends holding {'a data URL' if args.data_url else 'the JPEG bytes'}"
      f"; Fovea's images as {'base64' if args.base64_images else 'binary'}")
for name in ("fovea", "pillow"):
    runs = sorted(times[name])
    line = (f"{name:7s} p50 {statistics.median(runs):6.2f} ms  p90 {runs[int(0.9 * len(runs))]:6.2f} ms  "
            f"this process CPU {cpu[name] / calls * 1000:5.2f} ms/call  mean output {sizes[name] // calls} {'characters' if args.data_url else 'bytes'}")
    if name == "fovea" and args.daemon_pid:
        line += f"  daemon+workers CPU {daemon_cpu / calls * 1000:5.2f} ms/call"
    print(line)
print(f"fovea p50 / pillow p50 = {statistics.median(times['fovea']) / statistics.median(times['pillow']):.2f}")
