#!/usr/bin/env python3
"""Run the code-fidelity corpus through the reference harnesses.

    python3 run_reference.py --corpus snippets/corpus.jsonl --out DIR [--only ID]... [--jobs N]

For every snippet (a line of the corpus: ``id``, ``family``, ``images``,
``calls``, ``notes``, optional ``options`` passed to the Reference
constructor, optional ``paths`` giving the file name of each image inside
the working directory):

- a fresh child process (forked; one per snippet, so matplotlib, IPython and
  module state never leak between snippets);
- a fresh temporary working directory; each image of ``images`` (``name`` or
  ``name.ext`` from images.py) is written there (``paths[i]`` or
  ``<name>.<ext>``) and decoded back with Pillow, and the Reference gets
  ``(decoded PIL image, relative path)`` pairs; the working directory is the
  cwd during every call;
- one ``Reference.run`` per entry of ``calls``, in order, on the same object.

Outputs: ``DIR/<id>.json`` — a list with one object per call: ``call``
(1-based), ``stdout``, ``stderr``, ``result``, ``error``, ``text``, ``parts``,
``harness`` and ``images`` (``width``, ``height``, ``mode``, ``sha256`` of
``image.tobytes()`` — the raw RGB/RGBA bytes — and ``file``); and
``DIR/<id>/<call>-<n>.png`` for each image (call and n 1-based).  The
absolute working directory is replaced by ``<workdir>`` (and this directory by
``<fidelity>``) in every string so the output does not depend on where it ran.

Exit status: 0 when every snippet ran; 1 when the reference itself failed on
some snippet (an exception escaping ``Reference.run``/``__init__``, a crashed
child, a bad corpus line).  An exception in the model's code is an expected
result, not a failure.
"""

from __future__ import annotations

import os

# Single-threaded numeric libraries: deterministic sums and safe fork().
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import signal  # noqa: E402

# A parent may start us with signals blocked (a test runner's thread): the references' own
# timeouts (SIGALRM) must fire.
signal.pthread_sigmask(signal.SIG_SETMASK, set())

import argparse  # noqa: E402
import hashlib  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import images as test_images  # noqa: E402

FAMILIES = ("pyvision", "deepeyesv2", "thyme", "sketchpad", "r1v4", "plain")


def load_corpus(path: str) -> list[dict]:
    snippets = []
    seen = set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            s = json.loads(line)
            for key in ("id", "family", "images", "calls"):
                if key not in s:
                    raise ValueError(f"{path}:{n}: missing {key!r}")
            if s["family"] not in FAMILIES:
                raise ValueError(f"{path}:{n}: unknown family {s['family']!r}")
            if s["id"] in seen:
                raise ValueError(f"{path}:{n}: duplicate id {s['id']!r}")
            if not isinstance(s["calls"], list) or not all(isinstance(c, str) for c in s["calls"]):
                raise ValueError(f"{path}:{n}: calls must be a list of strings")
            seen.add(s["id"])
            snippets.append(s)
    return snippets


def _jsonable(obj, workdir: str):
    if isinstance(obj, str):
        return obj.replace(workdir, "<workdir>").replace(HERE, "<fidelity>")
    if isinstance(obj, dict):
        return {str(k): _jsonable(v, workdir) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v, workdir) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float)):
        return obj
    return _jsonable(repr(obj), workdir)


def prepare_images(snippet: dict, workdir: str) -> list:
    pairs = []
    paths = snippet.get("paths") or []
    for i, spec in enumerate(snippet["images"]):
        name, ext = test_images.parse_spec(spec)
        rel = paths[i] if i < len(paths) and paths[i] else f"{name}.{ext}"
        full = test_images.write_image(name, workdir, ext, filename=rel)
        pairs.append((test_images.load_file(full), rel))
    return pairs


def run_snippet(snippet: dict, out_dir: str) -> list[dict]:
    module = importlib.import_module(f"references.{snippet['family']}")
    workdir = os.path.realpath(tempfile.mkdtemp(prefix=f"fidelity-{snippet['id']}-"))
    try:
        pairs = prepare_images(snippet, workdir)
        ref = module.Reference(pairs, workdir, **snippet.get("options", {}))
        img_dir = os.path.join(out_dir, snippet["id"])
        shutil.rmtree(img_dir, ignore_errors=True)
        records = []
        for k, code in enumerate(snippet["calls"], 1):
            cwd = os.getcwd()
            res = ref.run(code)
            if os.getcwd() != cwd:
                raise RuntimeError("reference left the working directory changed")
            missing = {"stdout", "stderr", "result", "error", "text", "images"} - set(res)
            if missing:
                raise RuntimeError(f"result lacks {sorted(missing)}")
            imgs = []
            for n, img in enumerate(res["images"], 1):
                if img.mode not in ("RGB", "RGBA"):
                    raise RuntimeError(f"image {n} of call {k} has mode {img.mode}")
                os.makedirs(img_dir, exist_ok=True)
                fname = f"{k}-{n}.png"
                img.save(os.path.join(img_dir, fname))
                imgs.append({"width": img.width, "height": img.height, "mode": img.mode,
                             "sha256": hashlib.sha256(img.tobytes()).hexdigest(),
                             "file": f"{snippet['id']}/{fname}"})
            rec = {"call": k}
            for key in ("stdout", "stderr", "result", "error", "text", "parts", "harness"):
                rec[key] = _jsonable(res.get(key), workdir)
            rec["images"] = imgs
            records.append(rec)
        with open(os.path.join(out_dir, f"{snippet['id']}.json"), "w", encoding="utf-8") as f:
            json.dump(records, f, ensure_ascii=False, indent=1)
            f.write("\n")
        return records
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _child(snippet: dict, out_dir: str, conn) -> None:
    try:
        t0 = time.monotonic()
        records = run_snippet(snippet, out_dir)
        conn.send(("ok", time.monotonic() - t0, sum(len(r["images"]) for r in records)))
    except BaseException:
        conn.send(("fail", traceback.format_exc(), 0))
    finally:
        conn.close()


def _warm_imports() -> None:
    """Import what snippets use once in the parent, so forked children start warm."""
    import matplotlib

    matplotlib.use("Agg")
    for mod in ("numpy", "PIL.Image", "PIL.ImageEnhance", "PIL.ImageDraw", "PIL.ImageFilter", "PIL.ImageOps",
                "matplotlib.pyplot", "cv2", "scipy.ndimage", "scipy.signal", "skimage.filters",
                "skimage.measure", "skimage.morphology", "skimage.color", "sklearn.cluster", "autopep8",
                "cloudpickle", "IPython", "IPython.terminal.embed", "matplotlib_inline.backend_inline"):
        try:
            importlib.import_module(mod)
        except Exception:
            pass
    try:
        import cv2

        cv2.setNumThreads(1)
    except Exception:
        pass
    for fam in FAMILIES:
        importlib.import_module(f"references.{fam}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(HERE, "snippets", "corpus.jsonl"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", action="append", default=[], help="run only this snippet id (repeatable)")
    ap.add_argument("--jobs", type=int, default=1, help="snippets run in parallel (default 1)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    try:
        snippets = load_corpus(args.corpus)
    except Exception as e:
        print(f"bad corpus: {e}", file=sys.stderr)
        return 1
    if args.only:
        wanted = set(args.only)
        unknown = wanted - {s["id"] for s in snippets}
        if unknown:
            print(f"unknown snippet id(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 1
        snippets = [s for s in snippets if s["id"] in wanted]
    os.makedirs(args.out, exist_ok=True)
    _warm_imports()
    ctx = multiprocessing.get_context("fork")
    failures = []
    pending = list(snippets)
    running: list = []
    t_start = time.monotonic()
    while pending or running:
        while pending and len(running) < max(1, args.jobs):
            s = pending.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_child, args=(s, args.out, child))
            p.start()
            child.close()
            running.append((s, p, parent))
        s, p, conn = running.pop(0)
        try:
            status, info, nimg = conn.recv()
        except EOFError:
            status, info, nimg = "fail", "child process died without a report", 0
        p.join()
        if status == "ok" and p.exitcode == 0:
            if not args.quiet:
                print(f"ok    {s['id']:<48} {s['family']:<10} {len(s['calls'])} call(s) {nimg} image(s) {info:.2f}s")
        else:
            failures.append(s["id"])
            print(f"FAIL  {s['id']}\n{info}", file=sys.stderr)
    if not args.quiet:
        print(f"{len(snippets) - len(failures)}/{len(snippets)} snippets in {time.monotonic() - t_start:.1f}s; "
              f"output in {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
