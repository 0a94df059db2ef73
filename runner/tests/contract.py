"""The runner's reply contract (docs/CODE-CONVENTIONS.md, "What the runner sends for each
family"), checked the way the Swift supervisor reads a reply: a Python mirror of
``CodeRunReply(json:request:limits:)`` and ``CodeHarnessFacts`` (Sources/FoveaProtocol/Code/),
plus the optional real judge — those Swift sources themselves, built outside the repository
(``judge()``).

``problems(msg, conventions, rid, max_images)`` lists every way a reply breaks the contract:
a reply with any problem is one the supervisor refuses whole.
"""

from __future__ import annotations

import json
import os
import subprocess

KIB = 1024
MAX_MESSAGE = 64 * KIB
MAX_STREAM = 40 * KIB
MAX_TRACEBACK = 16 * KIB
MAX_MESSAGE_TEXT = 4 * KIB
MAX_RESULT = 16 * KIB
MAX_EXECUTED_CODE = 64 * KIB
MAX_SOURCE = 1024 + 5
MAX_OUTPUTS = 1024
MAX_SIDE = 32768
MAX_PIXELS = 150_000_000


def nbytes(s: str) -> int:
    return len(s.encode("utf-8", "surrogatepass"))


class _Checker:
    def __init__(self):
        self.found: list[str] = []

    def fail(self, where: str, why: str) -> None:
        self.found.append(f"{where}: {why}")

    def string(self, obj: dict, key: str, limit: int, where: str, optional: bool = False):
        if key not in obj or obj[key] is None:
            if not optional:
                self.fail(where + key, "missing")
            return None
        v = obj[key]
        if not isinstance(v, str):
            self.fail(where + key, f"not a string ({type(v).__name__})")
            return None
        if nbytes(v) > limit:
            self.fail(where + key, f"{nbytes(v)} bytes > {limit}")
        return v

    def integer(self, obj: dict, key: str, where: str, lo: int, hi: int, optional: bool = False):
        if key not in obj or obj[key] is None:
            if not optional:
                self.fail(where + key, "missing")
            return None
        v = obj[key]
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(where + key, f"not an integer ({v!r})")
            return None
        if not lo <= v <= hi:
            self.fail(where + key, f"{v} out of [{lo}, {hi}]")
        return v

    def boolean(self, obj: dict, key: str, where: str, optional: bool = True):
        if key not in obj or (optional and obj[key] is None):
            if not optional:
                self.fail(where + key, "missing")
            return None
        if not isinstance(obj[key], bool):
            self.fail(where + key, f"not a boolean ({obj[key]!r})")
            return None
        return obj[key]

    def cut(self, obj: dict, key: str, text, where: str) -> None:
        """``{"at", "bytes"}`` or nothing; ``at`` inside the text (code points)."""
        c = obj.get(key)
        if c is None:
            return
        if not isinstance(c, dict):
            self.fail(where + key, "not an object")
            return
        at = self.integer(c, "at", where + key + ".", 0, 1 << 50)
        n = self.integer(c, "bytes", where + key + ".", 1, 1 << 50)
        if at is not None and isinstance(text, str) and at > len(text):
            self.fail(where + key, f"at {at} beyond the text's {len(text)} code points")
        _ = n


def problems(msg: dict, conventions: str, rid: int, max_images: int) -> list[str]:
    ck = _Checker()
    if msg.get("type") != "result":
        return [f"type {msg.get('type')!r} is not 'result'"]
    if msg.get("id") != rid:
        ck.fail("id", f"{msg.get('id')!r} answers no pending run (expected {rid})")
    size = len(json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace"))
    if size > MAX_MESSAGE:
        ck.fail("reply", f"{size} bytes > one datagram")
    for key in ("stdout", "stderr"):
        text = ck.string(msg, key, MAX_STREAM, "")
        total = ck.integer(msg, key + "Bytes", "", 0, 1 << 50)
        if isinstance(text, str) and total is not None and total < nbytes(text):
            ck.fail(key + "Bytes", f"{total} is less than the text sent ({nbytes(text)})")
        ck.cut(msg, key + "Omitted", text, "")
    images = msg.get("images")
    if not isinstance(images, list) or len(images) > max_images:
        ck.fail("images", f"must be an array of at most {max_images} entries")
        images = []
    for i, im in enumerate(images):
        w = f"images[{i}]."
        if not isinstance(im, dict):
            ck.fail(w, "not an object")
            continue
        width = ck.integer(im, "width", w, 1, MAX_SIDE)
        height = ck.integer(im, "height", w, 1, MAX_SIDE)
        ck.integer(im, "bands", w, 3, 4)
        if width and height and width * height > MAX_PIXELS:
            ck.fail(w, "too many pixels")
        src = ck.string(im, "source", MAX_SOURCE, w)
        if isinstance(src, str):
            if not (src in ("figure", "display") or (src.startswith("file:") and nbytes(src) > 5)):
                ck.fail(w + "source", f"{src!r} is not figure, display or file:<path>")
            if any(ord(c) < 0x20 or ord(c) == 0x7F for c in src):
                ck.fail(w + "source", "control characters")
    dropped = ck.integer(msg, "imagesDropped", "", 0, 1 << 20, optional=True) or 0
    e = msg.get("elapsedMs")
    if isinstance(e, bool) or not isinstance(e, (int, float)) or not 0 <= e <= 1e10:
        ck.fail("elapsedMs", f"{e!r} is not a non-negative number of milliseconds")
    err = msg.get("error")
    if err is not None:
        if not isinstance(err, dict):
            ck.fail("error", "not an object")
        else:
            t = ck.string(err, "type", 128, "error.")
            if t is not None and (not t or not all(c == "." or ("a" + c).isidentifier() for c in t)):
                ck.fail("error.type", f"{t!r} is not a Python class name")
            ck.integer(err, "line", "error.", 0, 1 << 31, optional=True)
            ck.string(err, "message", MAX_MESSAGE_TEXT, "error.")
            ck.string(err, "traceback", MAX_TRACEBACK, "error.", optional=True)
    if "timedOut" in msg:
        ck.boolean(msg, "timedOut", "", optional=False)
    else:
        ck.fail("timedOut", "missing (the contract sends it in every family)")
    ck.boolean(msg, "freshSession", "", optional=False)
    ck.string(msg, "result", MAX_RESULT, "", optional=True)
    ck.string(msg, "executedCode", MAX_EXECUTED_CODE, "", optional=True)
    h = msg.get("harness")
    if h is None:
        h = {}
    if not isinstance(h, dict):
        ck.fail("harness", "not an object")
        h = {}
    count = len(images) + dropped
    if conventions == "deepeyesv2":
        ck.boolean(h, "done", "harness.")
    elif conventions == "thyme":
        ck.boolean(h, "discarded", "harness.")
        ck.string(h, "message", MAX_MESSAGE_TEXT, "harness.", optional=True)
        ck.string(h, "text", MAX_STREAM, "harness.", optional=True)
    elif conventions == "sketchpad":
        _sketchpad(ck, h, count)
    return ck.found


def _sketchpad(ck: _Checker, h: dict, count: int) -> None:
    ck.boolean(h, "parsed", "harness.")
    outs = h.get("outputs")
    if outs is None:
        return
    if not isinstance(outs, list) or len(outs) > MAX_OUTPUTS:
        ck.fail("harness.outputs", f"must be an array of at most {MAX_OUTPUTS} messages")
        return
    referenced: set[int] = set()
    for i, o in enumerate(outs):
        w = f"harness.outputs[{i}]."
        if not isinstance(o, dict) or not o:
            ck.fail(w, "an output must be a non-empty object")
            continue
        if "stream" in o and o["stream"] is not None:
            if o["stream"] not in ("stdout", "stderr"):
                ck.fail(w + "stream", f"{o['stream']!r}")
            text = ck.string(o, "text", MAX_STREAM, w)
            ck.cut(o, "omitted", text, w)
        elif o.get("display") is not None or o.get("result") is not None:
            b = o.get("display") if o.get("display") is not None else o.get("result")
            _bundle(ck, b, w, count, referenced)
        elif o.get("error") is not None:
            e = o["error"]
            if not isinstance(e, dict):
                ck.fail(w + "error", "not an object")
                continue
            tb = e.get("traceback")
            if not isinstance(tb, list) or len(tb) > 256:
                ck.fail(w + "error.traceback", "must be an array of at most 256 lines")
            elif not all(isinstance(x, str) for x in tb):
                ck.fail(w + "error.traceback", "lines must be strings")
            elif sum(nbytes(x) for x in tb) > MAX_STREAM:
                ck.fail(w + "error.traceback", f"{sum(nbytes(x) for x in tb)} bytes")
            ck.string(e, "ename", 128, w + "error.")
            ck.string(e, "evalue", MAX_MESSAGE_TEXT, w + "error.")
        elif o.get("timeout") is True:
            pass
        else:
            ck.fail(w, f"not a stream, display, result, error or timeout: {sorted(o)}")


def _bundle(ck: _Checker, b, w: str, count: int, referenced: set[int]) -> None:
    if not isinstance(b, dict):
        ck.fail(w, "a bundle must be an object")
        return
    for key in b:
        if key not in ("text", "data"):
            ck.fail(w + key, "not a key of the contract's bundle (ignored by the supervisor)")
    texts = b.get("text")
    if texts is not None:
        if not isinstance(texts, list) or len(texts) > 64:
            ck.fail(w + "text", "must be an array of at most 64 strings")
        else:
            for t in texts:
                if not isinstance(t, str) or nbytes(t) > MAX_STREAM:
                    ck.fail(w + "text", f"items must be strings of at most {MAX_STREAM} bytes")
    data = b.get("data")
    if data is not None:
        if not isinstance(data, list) or len(data) > 64:
            ck.fail(w + "data", "must be an array of at most 64 items")
            return
        for d in data:
            if not isinstance(d, dict):
                ck.fail(w + "data", f"item {d!r} is not an object")
            elif d.get("image") is not None:
                k = d["image"]
                if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < count:
                    ck.fail(w + "data", f"image {k!r} is not one of the reply's {count}")
                elif k in referenced:
                    ck.fail(w + "data", f"image {k} is referenced twice")
                else:
                    referenced.add(k)
            elif d.get("html") is not None:
                p = d["html"]
                if not isinstance(p, str) or nbytes(p) > 1024 or any(ord(c) < 0x20 or c == "'" for c in p):
                    ck.fail(w + "data", f"html path {p!r}")
            elif d.get("text") is not None:
                if not isinstance(d["text"], str) or nbytes(d["text"]) > MAX_STREAM:
                    ck.fail(w + "data", "text item too long or not a string")
            else:
                ck.fail(w + "data", f"item {d!r} is not {{image}}, {{html}} or {{text}}")


# --- the Swift judge ------------------------------------------------------------------
JUDGE_DIR = os.environ.get("FOVEA_RUNNER_JUDGE_DIR", "/work/.runner-judge")
JUDGE_SCRATCH = os.environ.get("FOVEA_RUNNER_JUDGE_SCRATCH", "/work/.build-runner")


def judge_binary() -> str | None:
    """The judge built from Sources/FoveaProtocol (runner/tools/build_judge.sh), if any."""
    p = os.environ.get("FOVEA_RUNNER_JUDGE") or os.path.join(JUDGE_SCRATCH, "release", "judge")
    return p if os.access(p, os.X_OK) else None


def judge(entries: list[dict]) -> list[dict]:
    """Each entry {conventions, id, maxImages, variant, firstImageClue, imageFiles, reply}
    through the Swift parser and formatter: {ok, text, parts, isError, notes} or {ok: False, error}."""
    binary = judge_binary()
    if binary is None:
        raise RuntimeError("no judge binary")
    data = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries).encode("utf-8", "surrogatepass")
    out = subprocess.run([binary], input=data, capture_output=True, check=True, timeout=120).stdout
    answers = [json.loads(line) for line in out.decode("utf-8").splitlines() if line.strip()]
    assert len(answers) == len(entries), (len(answers), len(entries))
    return answers
