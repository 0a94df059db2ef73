"""The code-fidelity corpus (Tests/CodeFidelity) as the tests use it: the
snippets, their input images as files, and the references' expected outputs
(produced by running ``run_reference.py`` — the independent oracles — with
the same pinned packages)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from driver import REPO, InputImage

FIDELITY = os.path.join(REPO, "Tests", "CodeFidelity")


def snippets() -> list[dict]:
    with open(os.path.join(FIDELITY, "snippets", "corpus.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def expected_dir() -> str:
    """Run the references once per machine state (cached by the corpus and references' hash)."""
    h = hashlib.sha256()
    for root, _, files in os.walk(FIDELITY):
        for name in sorted(files):
            if name.endswith((".py", ".jsonl")):
                with open(os.path.join(root, name), "rb") as f:
                    h.update(name.encode() + f.read())
    out = os.path.join(tempfile.gettempdir(), f"fovea-code-expected-{h.hexdigest()[:16]}")
    if not os.path.exists(os.path.join(out, ".complete")):
        os.makedirs(out, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(FIDELITY, "run_reference.py"), "--out", out, "--jobs", "2",
                        "--quiet"], check=True)
        open(os.path.join(out, ".complete"), "w").close()
    return out


def expected(snippet_id: str) -> list[dict]:
    with open(os.path.join(expected_dir(), f"{snippet_id}.json"), encoding="utf-8") as f:
        return json.load(f)


def input_images(snippet: dict) -> list[InputImage]:
    sys.path.insert(0, FIDELITY)
    import images as test_images

    out = []
    paths = snippet.get("paths") or []
    with tempfile.TemporaryDirectory() as d:
        for i, spec in enumerate(snippet["images"]):
            name, ext = test_images.parse_spec(spec)
            rel = paths[i] if i < len(paths) and paths[i] else f"{name}.{ext}"
            full = test_images.write_image(name, d, ext, filename=rel)
            with open(full, "rb") as f:
                out.append(InputImage(f.read(), path=rel))
    return out


def image_digest(arr: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


def mode_of(arr: np.ndarray) -> str:
    return {3: "RGB", 4: "RGBA"}[arr.shape[2]]
