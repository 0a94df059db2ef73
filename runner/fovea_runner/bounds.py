"""The reply's bounds (docs/CODE-CONVENTIONS.md, "The result"): every string
within its bound in UTF-8 bytes, every count within its limit, the whole
reply in one 64 KiB datagram.  The supervisor refuses a reply that breaks
any bound whole (and treats the interpreter as broken), so the runner cuts
first: by bytes, never inside a character.

Streams keep 16 KiB of head and 16 KiB of tail with ``…Omitted: {at, bytes}``
(``at`` in code points: the supervisor puts its line ``[… N bytes of output
omitted …]`` there); other strings are cut in the middle with
``[… N bytes omitted …]``.  When the reply would not fit one datagram,
fields no observation reads go first (``executedCode``, informational
``harness`` keys, duplicates of what the family shows), then every bound is
scaled down together.
"""

from __future__ import annotations

from .capture import BoundedText, utf8_len, utf8_prefix, utf8_suffix
from .channel import MAX_MESSAGE, encoded_size

KIB = 1024
STREAM_HEAD = STREAM_TAIL = 16 * KIB  # stdout, stderr: ≤ 40 KiB each
MAX_STREAM = 40 * KIB
MAX_RESULT = 16 * KIB
MAX_MESSAGE_TEXT = 4 * KIB  # error.message, Thyme's message, Sketchpad's evalue
MAX_TRACEBACK = 16 * KIB
MAX_EXECUTED_CODE = 64 * KIB  # sent whole or not at all
MAX_TYPE = 128
MAX_PATH = 1024
MAX_OUTPUTS = 1024  # Sketchpad kernel messages
MAX_BUNDLE_ITEMS = 64
MAX_TRACEBACK_LINES = 256
REPLY_BUDGET = MAX_MESSAGE - 1024  # room for elapsedMs/cpuMs, added after fitting

# What each family's observation reads (docs/CODE-CONVENTIONS.md, "Per family"): these keep
# their room longest; everything else is informational (structuredContent, logs).
OBSERVED = {
    "pyvision": {"stdout", "error.message"},
    "deepeyesv2": {"stdout", "stderr"},
    "thyme": {"harness.text", "harness.message"},
    "sketchpad": {"harness.outputs", "error.message"},
    "r1v4": {"stdout", "error.traceback"},
    "plain": {"stdout", "stderr", "result", "error.traceback", "error.message"},
}
HARNESS_READ = {"deepeyesv2": ("done",), "thyme": ("discarded", "message", "text"),
                "sketchpad": ("parsed", "outputs")}
SCALES = (1.0, 1.0, 0.5, 0.25, 0.125, 1 / 32, 1 / 128, 0.0)


def cut(s: str | None, limit: int) -> str | None:
    """``s`` within ``limit`` UTF-8 bytes: its head, ``[… N bytes omitted …]``, its tail."""
    if s is None:
        return None
    total = utf8_len(s)
    if total <= limit:
        return s
    widest = len(_marker(total).encode("utf-8"))
    if limit <= widest:
        return utf8_prefix(s, max(0, limit))
    keep = limit - widest
    head = utf8_prefix(s, keep - keep // 2)
    tail = utf8_suffix(s, keep // 2)
    return head + _marker(total - utf8_len(head) - utf8_len(tail)) + tail


def _marker(n: int) -> str:
    return f"\n[… {n} bytes omitted …]\n"


def class_name(name) -> str:
    """An exception's class name as the supervisor takes it: identifier characters and
    dots (anything else becomes ``_``), at most 128 bytes."""
    name = name if isinstance(name, str) else type(name).__name__
    clean = "".join(c if c == "." or ("a" + c).isidentifier() else "_" for c in name)
    return utf8_prefix(clean, MAX_TYPE) or "Exception"


def image_source(source: str) -> str:
    """``figure``, ``display`` or ``file:<path>`` (≤ 1024 bytes, no control characters)."""
    if source in ("figure", "display"):
        return source
    path = source[5:] if source.startswith("file:") else source
    path = "".join("?" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in path)
    return "file:" + (utf8_prefix(path, MAX_PATH) or "?")


def stream_fields(prefix: str, bt: BoundedText, head: int, tail: int) -> dict:
    text, at, omitted = bt.kept(head, tail)
    return {prefix: text, f"{prefix}Bytes": bt.total,
            f"{prefix}Omitted": {"at": at, "bytes": omitted} if omitted else None}


def _limit(bound: int, scale: float) -> int:
    return int(bound * scale)


def error_field(error: dict | None, family: str, scale: float, level: int) -> dict | None:
    if error is None:
        return None
    observed = OBSERVED[family]
    s_msg = scale if level == 0 or "error.message" in observed else scale / 4
    line = error.get("line")
    if isinstance(line, bool) or not isinstance(line, int) or not 0 <= line <= 1 << 31:
        line = None
    tb = error.get("traceback")
    if level > 0 and "error.traceback" not in observed:
        tb = None
    elif tb is not None:
        tb = cut(str(tb), _limit(MAX_TRACEBACK, scale if "error.traceback" in observed else scale / 4))
    return {"type": class_name(error.get("type") or "Exception"),
            "message": cut(str(error.get("message", "")), _limit(MAX_MESSAGE_TEXT, s_msg)),
            "line": line, "traceback": tb}


# --- harness facts -----------------------------------------------------------------------
def harness_field(harness: dict, family: str, scale: float, level: int, image_map: list) -> dict:
    out = {}
    for key, value in harness.items():
        if key == "outputs" and family == "sketchpad":
            out[key] = sketchpad_outputs(value, scale, image_map)
        elif key == "message" and family == "thyme":
            out[key] = cut(value, _limit(MAX_MESSAGE_TEXT, scale)) if isinstance(value, str) else value
        elif key == "text" and family == "thyme":
            out[key] = cut(value, _limit(MAX_STREAM, scale)) if isinstance(value, str) else value
        elif key in HARNESS_READ.get(family, ()):
            out[key] = value
        elif level == 0:
            out[key] = _informational(value, 4 * KIB)
    return out


def _informational(value, limit: int):
    """A fact no observation reads, kept small (it goes first when room is short)."""
    if isinstance(value, str):
        return cut(value, limit)
    if isinstance(value, (list, tuple)):
        return [_informational(v, max(64, limit // 4)) for v in list(value)[:16]]
    if isinstance(value, dict):
        return {str(k): _informational(v, max(64, limit // 4)) for k, v in list(value.items())[:16]}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return cut(repr(value), limit)


# --- Sketchpad's kernel messages ---------------------------------------------------------------
def sketchpad_outputs(items: list, scale: float, image_map: list) -> list:
    """The kernel messages as the contract has them, within ``scale`` of the bounds:
    ``{"stream", "text", "omitted"?}`` from the runner's stream buffers, bundles with
    their texts cut and their image references renumbered to the reply's images (an
    image the reply does not carry loses its data item: the supervisor shows no line for
    it either), errors with at most 256 traceback lines in 40 KiB.  More than 1024
    messages, or more than the scaled budget, and a run of messages in the middle is
    replaced by one stream item whose ``omitted`` counts their text."""
    rendered = [_render(item, scale, image_map) for item in items]
    budget = _limit(48 * KIB, scale)
    sizes = [encoded_size(o) + 1 for o in rendered]
    if len(rendered) <= MAX_OUTPUTS and sum(sizes) <= budget:
        return rendered
    # Messages that carry images, errors and the timeout are kept; others from both ends
    # as far as half the budget (and half the count) each.
    must = [_essential(o) for o in rendered]
    keep = [False] * len(rendered)
    n_must = sum(must)
    room_n = max(0, MAX_OUTPUTS - n_must - 64)
    room_b = max(0, budget - sum(s for s, m in zip(sizes, must) if m))
    for order in (range(len(rendered)), range(len(rendered) - 1, -1, -1)):
        used_b, used_n = 0, 0
        for i in order:
            if must[i] or keep[i]:
                continue
            if used_b + sizes[i] > room_b // 2 or used_n + 1 > room_n // 2:
                break
            keep[i] = True
            used_b += sizes[i]
            used_n += 1
    out, run = [], 0
    for i, o in enumerate(rendered):
        if keep[i] or must[i]:
            if run:
                out.append(_omitted_item(run))
                run = 0
            out.append(o)
        else:
            run += max(1, _text_bytes(items[i]))
    if run:
        out.append(_omitted_item(run))
    return out


def _omitted_item(nbytes: int) -> dict:
    return {"stream": "stdout", "text": "", "omitted": {"at": 0, "bytes": nbytes}}


def _essential(o: dict) -> bool:
    if "error" in o or "timeout" in o:
        return True
    b = o.get("display") or o.get("result")
    return bool(b) and any("image" in d for d in b.get("data", []))


def _text_bytes(item: dict) -> int:
    if "stream" in item:
        return item["buf"].total
    b = item.get("display") or item.get("result")
    if b:
        return sum(utf8_len(t) for t in b.get("text", [])) + sum(utf8_len(d.get("text", "")) for d in b.get("data", []))
    return 0


def _render(item: dict, scale: float, image_map: list) -> dict:
    if "stream" in item:
        half = _limit(STREAM_HEAD, scale)
        text, at, omitted = item["buf"].kept(half, half)
        o = {"stream": item["stream"], "text": text}
        if omitted:
            o["omitted"] = {"at": at, "bytes": omitted}
        return o
    for kind in ("display", "result"):
        if kind in item:
            b = item[kind]
            per = _limit(16 * KIB, scale)
            data = []
            for d in b.get("data", [])[:MAX_BUNDLE_ITEMS]:
                if "image" in d:
                    k = d["image"]
                    new = image_map[k] if 0 <= k < len(image_map) else None
                    if new is not None:
                        data.append({"image": new})
                elif "text" in d:
                    data.append({"text": cut(d["text"], per)})
                else:
                    data.append(d)
            return {kind: {"text": [cut(t, per) for t in b.get("text", [])[:MAX_BUNDLE_ITEMS]], "data": data}}
    if "error" in item:
        e = item["error"]
        return {"error": {"ename": utf8_prefix(str(e.get("ename", "")), MAX_TYPE),
                          "evalue": cut(str(e.get("evalue", "")), _limit(MAX_MESSAGE_TEXT, scale)),
                          "traceback": _traceback_lines(list(e.get("traceback") or []), _limit(MAX_STREAM, scale))}}
    return dict(item)


def _traceback_lines(lines: list, budget: int) -> list:
    """At most 256 lines of at most ``budget`` bytes in all: long lines cut, then lines
    in the middle replaced by one line saying how many went."""
    lines = [str(x) for x in lines]
    per = max(64, budget // 4)
    lines = [cut(x, per) for x in lines]
    total = sum(utf8_len(x) for x in lines)
    if len(lines) <= MAX_TRACEBACK_LINES and total <= budget:
        return lines
    head, tail = [], []
    used = 0
    i, j = 0, len(lines) - 1
    room = budget - 64
    while i <= j and len(head) + len(tail) < MAX_TRACEBACK_LINES - 1:
        take_head = len(head) <= len(tail)
        x = lines[i] if take_head else lines[j]
        if used + utf8_len(x) > room:
            break
        used += utf8_len(x)
        if take_head:
            head.append(x)
            i += 1
        else:
            tail.append(x)
            j -= 1
    n = j - i + 1
    middle = [f"[… {n} lines omitted …]"] if n > 0 else []
    return head + middle + tail[::-1]


# --- the reply ------------------------------------------------------------------------------
def fit_reply(base: dict, call, family: str, image_map: list) -> dict:
    """The reply within every bound and one datagram.  ``base`` holds the fields that are
    never cut (type, id, images, imagesDropped, freshSession, timedOut); ``image_map`` maps
    the call's images to the reply's (None: not returned).

    First everything at the contract's bounds; then without the informational fields, the
    streams no observation of the family reads getting only the room the rest leaves
    (Sketchpad's and Thyme's observations carry their own copy of the output); then the
    bounds of everything scaled down together."""
    observed = OBSERVED.get(family, set())
    streams = {"stdout": call.stdout, "stderr": call.stderr}
    spare = [name for name, bt in streams.items() if name not in observed and bt.total]
    for level, scale in enumerate(SCALES):
        r = dict(base)
        for name, bt in streams.items():
            half = _limit(STREAM_HEAD, scale) if level == 0 or name in observed else 0
            r.update(stream_fields(name, bt, half, half))
        r["result"] = cut(call.result, _limit(MAX_RESULT, scale if level == 0 or "result" in observed else scale / 4))
        r["error"] = error_field(call.error, family, scale, level)
        code = call.executed_code
        r["executedCode"] = code if level == 0 and code is not None and utf8_len(code) <= MAX_EXECUTED_CODE else None
        r["harness"] = harness_field(call.harness or {}, family, scale, level, image_map)
        size = encoded_size(r)
        if size > REPLY_BUDGET:
            continue
        if level == 0 or not spare:
            return r
        # The room left goes to the streams no observation reads.
        half = min(STREAM_HEAD, (REPLY_BUDGET - size) // (2 * len(spare)))
        while half > 0:
            grown = dict(r)
            for name in spare:
                grown.update(stream_fields(name, streams[name], half, half))
            if encoded_size(grown) <= REPLY_BUDGET:
                return grown
            half = half * 3 // 4
        return r
    r = dict(base)
    r.update(stream_fields("stdout", call.stdout, 0, 0))
    r.update(stream_fields("stderr", call.stderr, 0, 0))
    r.update({"result": None, "executedCode": None, "harness": {},
              "error": {"type": "RuntimeError", "message": "the call's output could not be bounded", "line": None,
                        "traceback": None}})
    return r
