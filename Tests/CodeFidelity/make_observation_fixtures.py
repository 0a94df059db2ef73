#!/usr/bin/env python3
"""Write the fixture of the Swift observation formatter's fidelity test.

    /work/venv-ref/bin/python make_observation_fixtures.py \
        [--out ../FoveaProtocolTests/Fixtures/code-observations.json] [--jobs N]

Runs every corpus snippet through its reference harness (as run_reference.py does: one forked
process and one fresh working directory per snippet) and writes, per call, what the sandboxed
runner would send for it — a ``result`` reply in the runner's wire format (docs/CODE-
CONVENTIONS.md, "What the runner sends for each family") — beside the reference's ``text`` and
``parts``. ``FoveaProtocolTests/CodeObservationFidelityTests.swift`` parses each reply with
``CodeRunReply`` and checks that ``CodeObservation`` rebuilds the text and parts byte for byte.

The reply is derived from the reference's own record: ``stdout``, ``stderr``, ``result``,
``error``, the images' sizes and modes, and the family facts of ``harness``.  Visual
Sketchpad's kernel messages are not in that record, so its reference is run with a hook that
keeps each model cell's messages and saved files and turns them into ``harness.outputs``.
The absolute working directory is replaced by ``<workdir>`` everywhere, as in run_reference.py.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import traceback  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import run_reference  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "..", "FoveaProtocolTests", "Fixtures", "code-observations.json")


def _install_sketchpad_hook() -> None:
    """Keep the kernel messages and saved files of the last cell in ``harness["outputs"]``."""
    from references import sketchpad

    original_execute = sketchpad.Reference._execute
    original_run = sketchpad.Reference.run

    def execute(self, content):
        r = original_execute(self, content)
        self._last_cell = r
        return r

    def run(self, code):
        self._last_cell = None
        res = original_run(self, code)
        cell = self._last_cell
        if cell is not None and res["harness"].get("parsed"):
            outputs, image_files = _sketchpad_outputs(cell["events"], cell["files"])
            res["harness"]["outputs"] = outputs
            res["harness"]["image_files"] = image_files
        return res

    sketchpad.Reference._execute = execute
    sketchpad.Reference.run = run


def _sketchpad_outputs(events, files):
    """The kernel messages in the runner's format: what autogen's client reads of them."""
    outputs, image_files = [], []
    files = list(files)
    for kind, content in events:
        if kind == "stream":
            outputs.append({"stream": content["name"], "text": content["text"]})
        elif kind in ("display_data", "execute_result"):
            texts, data = [], []
            for mime, value in content.items():
                if mime == "text/plain":
                    texts.append(value)
                elif mime == "image/png":
                    data.append({"image": len(image_files)})
                    image_files.append(files.pop(0))
                elif mime == "text/html":
                    data.append({"html": files.pop(0)})
                elif mime.startswith("image/"):
                    data.append({"text": json.dumps(value)})
                else:
                    texts.append(json.dumps(value))
            outputs.append({"display" if kind == "display_data" else "result": {"text": texts, "data": data}})
        elif kind == "error":
            outputs.append({"error": {"ename": content["ename"], "evalue": content["evalue"],
                                      "traceback": list(content["traceback"])}})
        elif kind == "client_timeout":
            outputs.append({"timeout": True})
    return outputs, image_files


def _reply(snippet: dict, k: int, rec: dict) -> dict:
    """What the runner sends for this call (the fields the observation depends on)."""
    family = snippet["family"]
    h = rec["harness"] or {}
    err = rec["error"]
    error = None if err is None else {"type": err["type"], "message": err["message"], "line": None, "traceback": None}
    harness: dict = {}
    timed_out = False
    if family == "pyvision":
        timed_out = bool(h.get("timed_out"))
        if error is not None:
            error["traceback"] = h.get("report")
    elif family == "deepeyesv2":
        if h.get("done"):
            harness["done"] = True
        if error is not None:
            error["traceback"] = rec["stderr"]
    elif family == "thyme":
        shows_text = not h["discarded"] and not rec["images"]
        harness = {"discarded": h["discarded"], "message": h.get("message"), "text": rec["text"] if shows_text else None}
        if error is not None:
            error["traceback"] = h.get("message")
    elif family == "sketchpad":
        harness = {"parsed": h.get("parsed", True), "outputs": h.get("outputs", [])}
        timed_out = err is not None and err["type"] == "TimeoutError" and any("timeout" in o for o in harness["outputs"])
    elif family in ("r1v4", "plain"):
        tb = h.get("traceback")
        timed_out = err is not None and err["type"] == "TimeoutError" and tb is None
        if error is not None:
            error["traceback"] = err["message"] if timed_out else tb
    out, errs = rec["stdout"], rec["stderr"]
    return {
        "type": "result", "id": k, "stdout": out, "stderr": errs,
        "stdoutBytes": len(out.encode("utf-8")), "stderrBytes": len(errs.encode("utf-8")),
        "result": rec["result"], "error": error,
        "images": [{"width": i["width"], "height": i["height"], "bands": 4 if i["mode"] == "RGBA" else 3,
                    "source": "figure"} for i in rec["images"]],
        "imagesDropped": 0, "executedCode": None, "freshSession": k == 1, "timedOut": timed_out,
        "elapsedMs": 0, "harness": harness,
    }


def fixture_records(snippet: dict) -> list[dict]:
    module = importlib.import_module(f"references.{snippet['family']}")
    workdir = os.path.realpath(tempfile.mkdtemp(prefix=f"fixture-{snippet['id']}-"))
    try:
        pairs = run_reference.prepare_images(snippet, workdir)
        ref = module.Reference(pairs, workdir, **snippet.get("options", {}))
        records = []
        clue = len(pairs)
        for k, code in enumerate(snippet["calls"], 1):
            res = ref.run(code)
            rec = {key: run_reference._jsonable(res.get(key), workdir)
                   for key in ("stdout", "stderr", "result", "error", "text", "parts", "harness")}
            rec["images"] = [{"width": im.width, "height": im.height, "mode": im.mode} for im in res["images"]]
            entry = {
                "id": snippet["id"], "call": k, "family": snippet["family"],
                "variant": snippet.get("options", {}).get("variant", "rl"),
                "firstImageClue": clue,
                "imageFiles": (rec["harness"] or {}).get("image_files", []),
                "discarded": bool((rec["harness"] or {}).get("discarded", False)),
                "reply": _reply(snippet, k, rec),
                "text": rec["text"], "parts": rec["parts"],
            }
            clue += len(rec["images"])
            records.append(entry)
        return records
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _child(snippet: dict, conn) -> None:
    try:
        _install_sketchpad_hook()
        conn.send(("ok", fixture_records(snippet)))
    except BaseException:
        conn.send(("fail", traceback.format_exc()))
    finally:
        conn.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(HERE, "snippets", "corpus.jsonl"))
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    snippets = run_reference.load_corpus(args.corpus)
    run_reference._warm_imports()
    ctx = multiprocessing.get_context("fork")
    results: dict = {}
    failures = []
    pending, running = list(snippets), []
    while pending or running:
        while pending and len(running) < max(1, args.jobs):
            s = pending.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_child, args=(s, child))
            p.start()
            child.close()
            running.append((s, p, parent))
        s, p, conn = running.pop(0)
        try:
            status, payload = conn.recv()
        except EOFError:
            status, payload = "fail", "child died without a report"
        p.join()
        if status == "ok":
            results[s["id"]] = payload
        else:
            failures.append(s["id"])
            print(f"FAIL {s['id']}\n{payload}", file=sys.stderr)
    if failures:
        return 1
    calls = [rec for s in snippets for rec in results[s["id"]]]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        # One call per line, so a change to the corpus or a reference reads as a small diff.
        f.write('{"generator": "Tests/CodeFidelity/make_observation_fixtures.py",\n "calls": [\n')
        f.write(",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in calls))
        f.write("\n]}\n")
    print(f"{len(calls)} calls of {len(snippets)} snippets -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
