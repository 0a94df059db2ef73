"""bounds.py without a sandbox: byte cuts never split a character and stay within their
bound, and any call's reply — seeded random streams, results, errors, harness facts and
Sketchpad messages of every size and script — keeps the contract and fits one datagram."""

from __future__ import annotations

import json
import random
import sys

import pytest

import contract
from driver import RUNNER

sys.path.insert(0, RUNNER)

from fovea_runner import bounds  # noqa: E402
from fovea_runner.capture import BoundedText  # noqa: E402
from fovea_runner.families.base import Call  # noqa: E402

ALPHABETS = ["abc xyz\n", "éüßж€", "ключ日本語", "🙂🚀𝄞", "a\x00\x1b[31m\"\\\t", "\ud800x"]


def text(rng: random.Random, n: int) -> str:
    chars = rng.choice(ALPHABETS) + rng.choice(ALPHABETS)
    chunk = "".join(rng.choice(chars) for _ in range(min(n, 257)))
    return (chunk * (n // max(1, len(chunk)) + 1))[:n]


@pytest.mark.parametrize("limit", [0, 1, 5, 30, 31, 64, 100, 4096])
def test_cut_keeps_whole_characters_within_the_bound(limit):
    rng = random.Random(limit)
    for _ in range(200):
        s = text(rng, rng.randrange(0, 3 * limit + 50)).replace("\ud800", "?")
        out = bounds.cut(s, limit)
        if contract.nbytes(s) <= limit:
            assert out == s
            continue
        assert contract.nbytes(out) <= limit
        head = out.split("\n[…")[0]
        assert s.startswith(head)
        if "\n[…" in out:
            tail = out.split("…]\n")[-1]
            assert s.endswith(tail)
            n = int(out.split("\n[… ")[1].split(" ")[0])
            assert n == contract.nbytes(s) - contract.nbytes(head) - contract.nbytes(tail)


def test_class_names_and_sources_are_what_the_supervisor_accepts():
    assert bounds.class_name("KeyError") == "KeyError"
    assert bounds.class_name("numpy.linalg.LinAlgError") == "numpy.linalg.LinAlgError"
    assert bounds.class_name("Ошибка") == "Ошибка"
    assert bounds.class_name("bad name!") == "bad_name_"
    assert bounds.class_name("") == "Exception"
    assert contract.nbytes(bounds.class_name("ж" * 200)) <= 128
    assert bounds.image_source("figure") == "figure"
    assert bounds.image_source("file:a\nb.png") == "file:a?b.png"
    assert contract.nbytes(bounds.image_source("file:" + "ж" * 2000)) <= 1029


def _stream(rng, n: int) -> BoundedText:
    bt = BoundedText()
    while n > 0:
        k = min(n, rng.randrange(1, 20000))
        bt.write(text(rng, k))
        n -= k
    return bt


def _random_call(rng: random.Random, family: str):
    big = lambda: rng.choice([0, 10, 1000, 20000, 60000])  # noqa: E731
    call = Call()
    call.stdout, call.stderr = _stream(rng, big()), _stream(rng, big())
    call.result = text(rng, big()) if rng.random() < 0.5 else None
    if rng.random() < 0.7:
        call.error = {"type": rng.choice(["KeyError", "Ошибка", "a b", "x" * 300]), "message": text(rng, big()),
                      "line": rng.choice([None, 3, -1, 1 << 40]), "traceback": text(rng, big())}
    call.executed_code = text(rng, big())
    if family == "thyme":
        call.harness = {"discarded": rng.random() < 0.5, "message": text(rng, big()), "text": text(rng, big()),
                        "paths": [text(rng, 300) for _ in range(rng.randrange(0, 200))], "printOutput": text(rng, big())}
    elif family == "deepeyesv2":
        call.harness = {"done": False, "sentCode": text(rng, big())}
    elif family == "sketchpad":
        items = []
        n_images = 0
        for _ in range(rng.choice([0, 3, 50, 1500])):
            kind = rng.random()
            if kind < 0.5:
                items.append({"stream": rng.choice(["stdout", "stderr"]), "buf": _stream(rng, rng.choice([1, 100, 50000]))})
            elif kind < 0.9:
                data = []
                if rng.random() < 0.2 and n_images < 12:
                    data.append({"image": n_images})
                    n_images += 1
                if rng.random() < 0.1:
                    data.append({"text": text(rng, big())})
                items.append({rng.choice(["display", "result"]): {"text": [text(rng, big()) for _ in range(rng.randrange(0, 3))],
                                                                   "data": data}})
        if rng.random() < 0.3:
            items.append({"error": {"ename": "ValueError", "evalue": text(rng, big()),
                                    "traceback": [text(rng, rng.choice([10, 5000])) for _ in range(rng.choice([3, 400]))]}})
        elif rng.random() < 0.1:
            items.append({"timeout": True})
        call.harness = {"parsed": True, "outputs": items, "executionCount": 3}
        call.images = list(range(n_images))
    return call


@pytest.mark.parametrize("family", ["pyvision", "deepeyesv2", "thyme", "sketchpad", "r1v4", "plain"])
def test_any_reply_keeps_the_contract(family):
    rng = random.Random(family)
    for trial in range(40):
        call = _random_call(rng, family)
        returned = rng.randrange(0, 11)
        image_map = [i if i < returned else None for i in range(len(call.images))]
        n_returned = sum(1 for i in image_map if i is not None)
        base = {"type": "result", "id": trial, "images": [{"width": 2, "height": 2, "bands": 3, "source": "figure"}] * n_returned,
                "imagesDropped": len(call.images) - n_returned, "freshSession": False, "timedOut": False}
        reply = bounds.fit_reply(base, call, family, image_map)
        reply["elapsedMs"], reply["cpuMs"] = 123456.78, 123456.78
        wire = json.loads(json.dumps(reply, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8"))
        assert contract.problems(wire, family, trial, 10) == [], f"trial {trial}"
        assert (reply["error"] or {}).get("message") != "the call's output could not be bounded"
        if contract.judge_binary() is not None and trial % 8 == 0:
            verdict = contract.judge([{"conventions": family, "id": trial, "maxImages": 10, "variant": "rl",
                                       "firstImageClue": 0, "imageFiles": [], "reply": wire}])[0]
            assert verdict["ok"], verdict["error"]
