#!/usr/bin/env python3
"""Run the fidelity corpus through a running Fovea daemon's `code` tool and compare every call
with what the family's own harness returned (the references' output, run_reference.py).

    python3 compare_daemon.py --socket PATH --expected DIR [--only ID]... [--jobs N] [--deepeyesv2-variant eval]

For each snippet: its images are put (the same files run_reference.py gives the reference,
encoded by images.py), then each call goes through `tools/call` `code` with the snippet's
family as `conventions`, a session of its own (so state carries across its calls), and the
images with the file names the reference used. Compared per call, exactly:

- stdout, the error's type and message (or none), the trailing expression's value;
- the observation text the family's harness builds (the result's text block), with two
  differences Fovea makes on purpose (docs/CODE-CONVENTIONS.md): a Thyme turn its harness
  discards (it shows the model nothing and samples again) reads the sandbox's own message, and
  Sketchpad's `<img src='…'>` tags name `<working dir>/<the image's handle>.png` where autogen
  names a random `<uuid>.png`; the tags' places and number must still be the same;
- the number of images, each one's size, mode and pixels (sha256 of the decoded PNG's raw
  bytes against the reference's image).

Prints one line per snippet and a summary; exit status 1 on any difference. Run by the Swift
suite (CodeToolTests) against a real daemon.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import hashlib
import io
import json
import os
import re
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))

from PIL import Image  # noqa: E402

import images as test_images  # noqa: E402
from fovea_client import Fovea  # noqa: E402
from run_reference import load_corpus  # noqa: E402


IMG_TAG = re.compile(r"<img src='[^']*\.png'>")
# What Fovea shows for a Thyme turn its harness discards without a message of its own.
THYME_NOTHING_SHOWN = ("Sandbox for N/A: The code produced no output to show. Print the path of the processed "
                       "image (processed_path) or the result.")


def snippet_images(snippet: dict) -> list[tuple[bytes, str]]:
    """(encoded bytes, the file name the reference used) per image of the snippet."""
    out = []
    paths = snippet.get("paths") or []
    for i, spec in enumerate(snippet["images"]):
        name, ext = test_images.parse_spec(spec)
        rel = paths[i] if i < len(paths) and paths[i] else f"{name}.{ext}"
        out.append((test_images.encode(test_images.get_image(name), ext), rel))
    return out


def compare_call(got: dict, want: dict) -> list[str]:
    problems = []
    structured = got.get("structuredContent") or {}
    for key in ("stdout", "result"):
        if structured.get(key) != want.get(key):
            problems.append(f"{key}: {structured.get(key)!r} != {want.get(key)!r}")
    got_error = structured.get("error")
    want_error = want.get("error")
    if (got_error is None) != (want_error is None):
        problems.append(f"error: {got_error!r} != {want_error!r}")
    elif got_error is not None and (got_error.get("type"), got_error.get("message")) != (want_error.get("type"), want_error.get("message")):
        problems.append(f"error: {got_error.get('type')}: {got_error.get('message')!r} != {want_error.get('type')}: {want_error.get('message')!r}")
    texts = [block["text"] for block in got.get("content", []) if block.get("type") == "text"]
    text = texts[0] if texts else None
    want_text = want.get("text")
    harness = want.get("harness") or {}
    if isinstance(harness, dict) and harness.get("discarded"):
        want_text = harness.get("message") or THYME_NOTHING_SHOWN
    if text is not None and want_text is not None:
        text, want_text = IMG_TAG.sub("<img src='FILE'>", text), IMG_TAG.sub("<img src='FILE'>", want_text)
    if text != want_text:
        problems.append(f"text: {text!r} != {want_text!r}")
    blocks = [block for block in got.get("content", []) if block.get("type") == "image"]
    if len(blocks) != len(want["images"]):
        problems.append(f"images: {len(blocks)} != {len(want['images'])}")
    for n, (block, expected) in enumerate(zip(blocks, want["images"]), 1):
        image = Image.open(io.BytesIO(base64.b64decode(block["data"])))
        image.load()
        if image.mode != expected["mode"]:
            image = image.convert(expected["mode"])
        if (image.width, image.height) != (expected["width"], expected["height"]):
            problems.append(f"image {n}: {image.width}x{image.height} != {expected['width']}x{expected['height']}")
        elif hashlib.sha256(image.tobytes()).hexdigest() != expected["sha256"]:
            problems.append(f"image {n}: pixels differ")
    return problems


def run_snippet(socket_path: str, snippet: dict, expected_dir: str) -> tuple[str, list[str]]:
    with open(os.path.join(expected_dir, f"{snippet['id']}.json"), encoding="utf-8") as f:
        expected = json.load(f)
    session = f"fidelity-{snippet['id']}-{uuid.uuid4().hex[:8]}"
    problems = []
    with Fovea(socket_path, timeout=120) as fovea:
        images = [{"image": fovea.put(data), "path": path} for data, path in snippet_images(snippet)]
        options = snippet.get("options", {})
        for call, (code, want) in enumerate(zip(snippet["calls"], expected), 1):
            arguments = {"code": code, "conventions": snippet["family"], "session": session, "images": images}
            if "timeout" in options:
                arguments["timeout"] = options["timeout"]
            got = fovea.request("tools/call", {"name": "code", "arguments": arguments})
            problems += [f"call {call}: {p}" for p in compare_call(got, want)]
        fovea.request("sessions/close", {"session": session})
    return snippet["id"], problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--expected", required=True, help="run_reference.py's --out directory")
    parser.add_argument("--corpus", default=os.path.join(HERE, "snippets", "corpus.jsonl"))
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--deepeyesv2-variant", default="rl",
                        help="the daemon's --code-deepeyesv2-variant: snippets for the other variant are left out")
    args = parser.parse_args(argv)
    snippets = [s for s in load_corpus(args.corpus) if not args.only or s["id"] in args.only]
    snippets = [s for s in snippets if s.get("options", {}).get("variant", "rl") == args.deepeyesv2_variant]
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for snippet_id, problems in pool.map(lambda s: run_snippet(args.socket, s, args.expected), snippets):
            print(("ok    " if not problems else "DIFF  ") + snippet_id)
            for problem in problems:
                print("      " + problem[:600])
            failed += bool(problems)
    print(f"{len(snippets) - failed}/{len(snippets)} snippets equal to their family's harness")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
