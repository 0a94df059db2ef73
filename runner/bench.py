"""Benchmarks of the code runner through the test driver (a Python stand-in
for the supervisor; the Swift supervisor adds about 1 ms):

 (i)   the PyVision snippet on an 8K JPEG in a warm session (p50, >= 50 calls)
 (ii)  print(1) in a warm session (p50)
 (iii) a new session's first print(1): fork request -> hello -> reply (p50)
 (iv)  8 sessions in parallel doing print(1) (calls/s)
 (v)   a new session's private memory after its first call (smaps_rollup)

    .venv-code/bin/python runner/bench.py [--calls 60] [--json OUT]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import threading
import time

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "tests"))

from driver import Driver, InputImage  # noqa: E402

PYVISION = ("import numpy as np; a = np.array(image_clue_0); region = a[1000:1600, 2000:3000]; "
            "plt.imshow(region); plt.title(\"region\"); plt.show()")
TARGETS = {"pyvision_8k_ms": 70, "print_warm_ms": 2, "first_call_extra_ms": 25, "parallel_calls_per_s": 350,
           "private_mb": 30}


def photo_8k(width: int = 7680, height: int = 4320, quality: int = 90) -> bytes:
    """A deterministic photo-like 8K JPEG: gradients, shapes, texture and noise."""
    rs = np.random.RandomState(7)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 120 + 80 * np.sin(x / 700.0) * np.cos(y / 900.0)
    g = 100 + 90 * (y / height) + 30 * np.sin((x + y) / 350.0)
    b = 160 - 100 * (y / height) + 20 * np.cos(x / 230.0)
    img = np.stack([r, g, b], axis=2)
    for _ in range(60):
        cx, cy, rad = rs.randint(0, width), rs.randint(0, height), rs.randint(40, 600)
        col = rs.randint(0, 255, 3).astype(np.float32)
        y0, y1, x0, x1 = max(0, cy - rad), min(height, cy + rad), max(0, cx - rad), min(width, cx + rad)
        yy, xx = np.mgrid[y0:y1, x0:x1]
        m = ((yy - cy) ** 2 + (xx - cx) ** 2) < rad * rad
        img[y0:y1, x0:x1][m] = img[y0:y1, x0:x1][m] * 0.4 + col * 0.6
    img += rs.normal(0, 6, (height // 4, width // 4, 1)).repeat(4, 0).repeat(4, 1)
    img += rs.normal(0, 3, img.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def p50(xs):
    return statistics.median(xs)


def private_bytes(pid: int) -> int:
    total = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(("Private_Dirty:", "Private_Clean:")):
                total += int(line.split()[1]) * 1024
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=60)
    ap.add_argument("--json")
    args = ap.parse_args()
    n = max(50, args.calls)
    t = time.monotonic()
    jpeg = photo_8k()
    img = InputImage(jpeg, path="photo_8k.jpg")
    print(f"8K JPEG: {len(jpeg) / 1e6:.1f} MB, {img.pixels.shape}, made and decoded in {time.monotonic() - t:.1f} s")
    res = {}
    with Driver() as d:
        print(f"template ready in {d.start_seconds:.2f} s (imports {d.hello['importSeconds']} s)")
        # (i)
        c = d.fork("bench-pyvision")
        first = c.run(PYVISION, "pyvision", [img])
        assert first["error"] is None and len(first.images) == 1, first.msg
        times, inner, cpu = [], [], []
        for _ in range(n):
            r = c.run(PYVISION, "pyvision", [img])
            assert r["error"] is None and len(r.images) == 1
            times.append(r.elapsed * 1000)
            inner.append(r["elapsedMs"])
            cpu.append(r["cpuMs"])
        res["pyvision_8k_first_ms"] = round(first.elapsed * 1000, 1)
        res["pyvision_8k_ms"] = round(p50(times), 1)
        res["pyvision_8k_child_ms"] = round(p50(inner), 1)
        res["pyvision_8k_child_cpu_ms"] = round(p50(cpu), 1)
        c.kill()
        # (ii)
        c = d.fork("bench-print")
        c.run("print(1)")
        times, cpu = [], []
        for _ in range(n):
            r = c.run("print(1)", max_images=0)
            times.append(r.elapsed * 1000)
            cpu.append(r["cpuMs"])
        res["print_warm_ms"] = round(p50(times), 2)
        res["print_warm_child_cpu_ms"] = round(p50(cpu), 3)
        c.kill()
        # (iii) and (v)
        firsts, forks, mems, setup, tfork = [], [], [], [], []
        for i in range(max(20, n // 2)):
            t0 = time.monotonic()
            c = d.fork(f"bench-new-{i}")
            t1 = time.monotonic()
            r = c.run("print(1)", max_images=0)
            firsts.append((time.monotonic() - t0) * 1000)
            forks.append((t1 - t0) * 1000)
            mems.append(private_bytes(c.pid))
            setup.append(sum(c.hello["setupMs"].values()))
            tfork.append(c.fork_ms)
            c.kill()
        res["first_call_ms"] = round(p50(firsts), 1)
        res["fork_to_hello_ms"] = round(p50(forks), 1)
        res["first_call_extra_ms"] = round(res["first_call_ms"] - res["print_warm_ms"], 1)
        res["private_mb"] = round(p50(mems) / 2**20, 1)
        res["template_fork_ms"] = round(p50(tfork), 2)
        res["child_sandbox_ms"] = round(p50(setup), 2)
        # (iv)
        kids = [d.fork(f"bench-par-{i}") for i in range(8)]
        for k in kids:
            k.run("print(1)", max_images=0)
        stop = time.monotonic() + 5.0
        counts = [0] * len(kids)

        def loop(i):
            while time.monotonic() < stop:
                kids[i].run("print(1)", max_images=0)
                counts[i] += 1

        ts = [threading.Thread(target=loop, args=(i,)) for i in range(len(kids))]
        t0 = time.monotonic()
        for th in ts:
            th.start()
        for th in ts:
            th.join()
        res["parallel_calls_per_s"] = round(sum(counts) / (time.monotonic() - t0), 1)
        for k in kids:
            k.kill()
    res["cpus"] = os.cpu_count()
    res["loadavg"] = os.getloadavg()[0]
    for k, v in res.items():
        target = TARGETS.get(k)
        ok = "" if target is None else (" ok" if (v >= target if k == "parallel_calls_per_s" else v <= target)
                                         else f" MISSED (target {target})")
        print(f"{k:24} {v}{ok}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
