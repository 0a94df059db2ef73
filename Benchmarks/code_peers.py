#!/usr/bin/env python3
"""The peers `fovea bench code` times the code tool against, in the same run:

    python code_peers.py --image photo8k.jpg --snippet pyvision --mode fresh|warm --calls N

- ``fresh``: a new ``python`` process per call, as a harness that starts a process (or a kernel)
  per call pays: the family's imports, the image's decode, the snippet;
- ``warm``: one process that imported everything and decoded the image once, then ``exec`` of
  the snippet per call: the floor CPython alone reaches (what in-process ``exec`` harnesses do,
  without any isolation).

The snippets and their harness semantics match Benchmarks/FoveaBench/CodeBench.swift: PyVision's
``plt.show()`` saves the current figure as PNG (default savefig arguments) and closes it; Thyme's
output is the file named by ``processed_path``, read back. Prints one JSON line:
``{"snippet", "mode", "calls", "p50_ms", "p90_ms"}``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SNIPPETS = {
    "pyvision": ("import numpy as np\na = np.array(image_clue_0)\nregion = a[1000:1600, 2000:3000]\n"
                 "plt.imshow(region)\nplt.title('region')\nplt.show()\n"),
    "thyme": ("from PIL import Image\nimage = Image.open(image_path)\ncrop = image.crop((2000, 1000, 3000, 1600))\n"
              "big = crop.resize((2000, 1200))\nprocessed_path = 'processed.png'\nbig.save(processed_path)\n"
              "print(processed_path)\n"),
    "print1": "print(1)\n",
}

PRELUDE = """
import io, os, sys
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
IMAGE = sys.argv[1]
image_path = IMAGE
image_clue_0 = Image.open(IMAGE).convert('RGB')
def _show():
    buf = io.BytesIO()
    plt.savefig(buf, format='png')
    plt.close()
    return buf.getvalue()
plt.show = _show
"""

EPILOGUE = """
if 'processed_path' in dir():
    open(processed_path, 'rb').read()
"""


def fresh(image: str, code: str, calls: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as work:
        for _ in range(calls):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", PRELUDE + code + EPILOGUE, image], check=True, cwd=work,
                           stdout=subprocess.DEVNULL)
            times.append((time.perf_counter() - start) * 1000)
    return times


def warm(image: str, code: str, calls: int) -> list[float]:
    namespace: dict = {}
    sys.argv = [sys.argv[0], image]
    exec(compile(PRELUDE, "<prelude>", "exec"), namespace)
    image_clue_0 = namespace["image_clue_0"]
    image_clue_0.load()
    compiled = compile(code + EPILOGUE, "<snippet>", "exec")
    times = []
    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        out = io.StringIO()
        for _ in range(calls + 1):  # the first call warms matplotlib's caches: not counted
            stdout, sys.stdout = sys.stdout, out
            start = time.perf_counter()
            try:
                exec(compiled, dict(namespace))
            finally:
                sys.stdout = stdout
            times.append((time.perf_counter() - start) * 1000)
    return times[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", required=True)
    parser.add_argument("--snippet", choices=sorted(SNIPPETS), required=True)
    parser.add_argument("--mode", choices=["fresh", "warm"], required=True)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    image = os.path.abspath(args.image)
    times = (fresh if args.mode == "fresh" else warm)(image, SNIPPETS[args.snippet], args.calls)
    times.sort()
    print(json.dumps({"snippet": args.snippet, "mode": args.mode, "calls": len(times),
                      "p50_ms": statistics.median(times), "p90_ms": times[min(len(times) - 1, len(times) * 9 // 10)]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
