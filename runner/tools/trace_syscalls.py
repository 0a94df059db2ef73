"""Which system calls the template and its children make after their filters
are loaded: ``strace -f`` of a template (filters replaced by allow-all) while
the whole fidelity corpus and an extra workload run, then the calls each
process made after its own ``seccomp(SECCOMP_SET_MODE_FILTER)``.

    .venv-code/bin/python runner/tools/trace_syscalls.py [--out trace.txt]

Prints ``call count`` for children (after their filter) and for the template
(after its filter, forks and reaps included).  policies/code.policy and
policies/code-template.policy were derived from this (docs/CODE-RUNNER.md).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import corpus  # noqa: E402
import fidelity  # noqa: E402
from driver import Driver, InputImage  # noqa: E402

EXTRA = [
    # What model code commonly does beyond the corpus.
    ("plain", "import os, tempfile, json, pickle, glob\nos.makedirs('out/sub', exist_ok=True)\n"
              "open('out/a.txt','w').write('x')\nprint(os.listdir('.'), glob.glob('out/*'))\n"
              "t = tempfile.NamedTemporaryFile(suffix='.png', delete=False); t.close()\n"
              "json.dump({'a': 1}, open('a.json', 'w')); pickle.dump([1], open('a.pkl', 'wb'))\n"
              "os.remove('a.json'); os.rename('a.pkl', 'b.pkl'); os.stat('b.pkl')\n"
              "import shutil; shutil.copy('b.pkl', 'c.pkl'); shutil.rmtree('out')\n"),
    ("plain", "import threading\nr = []\nt = threading.Thread(target=lambda: r.append(1)); t.start(); t.join()\n"
              "from concurrent.futures import ThreadPoolExecutor\n"
              "print(list(ThreadPoolExecutor(2).map(abs, [-1, -2])))\n"),
    ("plain", "import time, datetime, random, hashlib, zlib\ntime.sleep(0.01); print(datetime.datetime.now().year > 2000)\n"
              "print(len(hashlib.sha256(b'x').hexdigest()), len(zlib.compress(b'abc')), random.random() < 1)\n"),
    ("plain", "from PIL import Image\nimport numpy as np, cv2\nim = Image.open('image_1.jpg')\na = np.array(im)\n"
              "b = cv2.imread('image_1.jpg'); g = cv2.imread('image_1.jpg', 0)\n"
              "Image.fromarray(a).save('x.webp'); cv2.imwrite('y.png', b)\nim.convert('L').resize((100, 80)).save('z.jpg')\n"
              "import matplotlib.pyplot as plt\nplt.imshow(a); plt.savefig('f.png'); plt.close()\n"
              "import skimage.io; skimage.io.imread('y.png')\nimport sys; sys.setrecursionlimit(5000)\n"
              "def f(n): return 0 if n == 0 else 1 + f(n - 1)\nprint(f(3000))\n"),
    ("plain", "import numpy as np\na = np.random.rand(3000, 3000); b = a @ a; print(b.shape)\n"
              "big = np.zeros((8000, 8000, 3), np.uint8); del big\n"),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "fovea-code-trace.txt"))
    ap.add_argument("--only", action="append", default=[])
    args = ap.parse_args()
    d = Driver(filters=False)
    log = args.out
    st = subprocess.Popen(["strace", "-f", "-qq", "-o", log, "-p", str(d.pid)])
    time.sleep(1.0)
    try:
        for s in corpus.snippets():
            if args.only and s["id"] not in args.only:
                continue
            fidelity.run_snippet(d, s)
        img = corpus.input_images({"images": ["photo"], "paths": ["image_1.jpg"]})
        for fam, code in EXTRA:
            c = d.fork("extra")
            r = c.run(code, fam, img)
            if r.get("error"):
                print("extra workload error:", r["error"], file=sys.stderr)
            c.kill()
    finally:
        d.close()
        time.sleep(0.5)
        st.terminate()
        st.wait()
    counts = {"child": collections.Counter(), "template": collections.Counter(), "setup": collections.Counter()}
    line_re = re.compile(r"^(\d+)\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]")
    lines = []
    with open(log, errors="replace") as f:
        for line in f:
            m = line_re.match(line)
            if m and not line.split()[1] == "<...":  # "<... resumed>" halves are counted at their start
                lines.append((int(m.group(1)), m.group(2), line))
    marker = {d.pid: -1}  # pid -> position of its own filter (the template's precedes the attach)
    parent = {}  # new tid -> (creator, position, is_thread)
    for i, (pid, call, line) in enumerate(lines):
        if call == "seccomp" and "SECCOMP_SET_MODE_FILTER" in line:
            marker.setdefault(pid, i)
    # clone results may be printed on the "resumed" line: read them from the raw file
    with open(log, errors="replace") as f:
        pending = {}
        for i, line in enumerate(f):
            m = re.match(r"^(\d+)\s+(.*)$", line)
            if not m:
                continue
            pid, rest = int(m.group(1)), m.group(2)
            if re.match(r"(clone3?|fork|vfork)\(", rest):
                pending[pid] = "CLONE_THREAD" in rest
            r = re.search(r"= (\d+)\s*$", rest)
            if r and pid in pending and (re.match(r"(clone3?|fork|vfork)\(", rest) or "resumed>" in rest):
                parent[int(r.group(1))] = (pid, pending.pop(pid))

    def filtered_from(tid):
        """Position after which tid runs under its process's filter (None: never seen)."""
        if tid in marker:
            return marker[tid]
        p = parent.get(tid)
        if p is None:
            # clone() inside a child's PID namespace returns the namespaced tid, which strace
            # does not print for the new thread: an unknown tid is a child's thread.
            return -1
        if p[1]:
            return filtered_from(p[0])
        return None

    for i, (pid, call, line) in enumerate(lines):
        start = filtered_from(pid)
        if start is None or i <= start:
            if pid in parent and not parent[pid][1] and parent[pid][0] == d.pid and pid in marker:
                counts["setup"][call] += 1  # a child between the fork and its own filter
            continue
        root = pid
        while root in parent and parent[root][1]:
            root = parent[root][0]
        counts["template" if root == d.pid else "child"][call] += 1
    for who in ("child", "template", "setup"):
        print(f"# {who}: " + ("calls between the fork and the child's filter" if who == "setup"
                                  else "calls after its filter"))
        print(" ".join(f"{k} {v}" for k, v in sorted(counts[who].items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
