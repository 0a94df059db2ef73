"""Run corpus snippets in sandboxed children and compare each call's fields
with the reference's (used by test_fidelity.py; also a command:
``python fidelity.py [ID...]`` prints the differences)."""

from __future__ import annotations

import sys

import corpus
import observation


def compare_call(snippet: dict, k: int, reply, exp: dict, workdir: str) -> list[str]:
    """Differences between one reply and the reference's record of the same call."""
    fam = snippet["family"]
    diffs = []
    msg = reply.msg
    if reply.killed:
        return [f"call {k}: child {reply.killed}"]

    def norm(s):
        return s.replace(workdir, "<workdir>") if isinstance(s, str) else s

    out = norm(msg["stdout"])
    if fam == "sketchpad" or fam == "deepeyesv2":
        pass
    if out != exp["stdout"]:
        diffs.append(f"call {k}: stdout {out!r} != {exp['stdout']!r}")
    if fam in ("deepeyesv2", "sketchpad") and norm(msg["stderr"]) != exp["stderr"]:
        diffs.append(f"call {k}: stderr {norm(msg['stderr'])!r} != {exp['stderr']!r}")
    if fam not in ("deepeyesv2", "sketchpad") and norm(msg["stderr"]) != exp["stderr"]:
        diffs.append(f"call {k}: stderr {norm(msg['stderr'])!r} != {exp['stderr']!r}")
    if norm(msg["result"]) != exp["result"]:
        diffs.append(f"call {k}: result {msg['result']!r} != {exp['result']!r}")
    e, x = msg["error"], exp["error"]
    if (e is None) != (x is None):
        diffs.append(f"call {k}: error {e!r} != {x!r}")
    elif e is not None and (e["type"] != x["type"] or norm(e["message"]) != x["message"]):
        diffs.append(f"call {k}: error {e['type']}: {norm(e['message'])!r} != {x['type']}: {x['message']!r}")
    got = [(a.shape[1], a.shape[0], corpus.mode_of(a), corpus.image_digest(a)) for a in reply.images]
    want = [(i["width"], i["height"], i["mode"], i["sha256"]) for i in exp["images"]]
    if len(got) != len(want):
        diffs.append(f"call {k}: {len(got)} images != {len(want)}: {[g[:3] for g in got]} vs {[w[:3] for w in want]}")
    else:
        for n, (g, w) in enumerate(zip(got, want), 1):
            if g[:3] != w[:3]:
                diffs.append(f"call {k}: image {n} {g[:3]} != {w[:3]}")
            elif g[3] != w[3]:
                diffs.append(f"call {k}: image {n} pixels differ ({g[:3]})")
    text = observation.text(fam, snippet, k, msg, workdir)
    if text is not None and text != exp["text"]:
        diffs.append(f"call {k}: text {text!r} != {exp['text']!r}")
    return diffs


def run_snippet(driver, snippet: dict) -> list[str]:
    exp = corpus.expected(snippet["id"])
    images = corpus.input_images(snippet)
    opts = dict(snippet.get("options") or {})
    timeout = opts.pop("timeout", None)
    child = driver.fork(snippet["id"])
    workdir = driver.child_settings["workDir"]
    observation.reset(snippet)
    diffs = []
    try:
        for k, code in enumerate(snippet["calls"], 1):
            reply = child.run(code, snippet["family"], images, timeout=timeout, options=opts or None,
                              deadline=60)
            diffs += compare_call(snippet, k, reply, exp[k - 1], workdir)
            if reply.killed:
                break
    finally:
        if child.alive:
            child.kill()
    return diffs


if __name__ == "__main__":
    from driver import Driver

    wanted = set(sys.argv[1:])
    filters = "--no-filter" not in wanted
    wanted.discard("--no-filter")
    bad = 0
    with Driver(filters=filters) as d:
        snips = [s for s in corpus.snippets() if not wanted or s["id"] in wanted or s["family"] in wanted]
        for s in snips:
            diffs = run_snippet(d, s)
            if diffs:
                bad += 1
                print(f"FAIL {s['id']}")
                for line in diffs:
                    print("   ", line[:600])
            else:
                print(f"ok   {s['id']}")
    print(f"{len(snips) - bad} passed, {bad} failed")
