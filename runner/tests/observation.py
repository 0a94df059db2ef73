"""Test-side formatting of each family's observation text from a reply's
fields — what the Swift supervisor does — so the fidelity tests check that
the fields are enough to rebuild the harness's text exactly
(docs/CODE-CONVENTIONS.md gives each format)."""

from __future__ import annotations

import ast
import json
import re

_STATE: dict = {}

RETURN_CODE_PROMPT = "Code execution result:\nstdout:\n```\n{stdout}\n```\n\nstderr:\n```\n{stderr}\n```\n\n{image}\n"
EVAL_RETURN = "Code execution result:\nstdout:\n```\n{stdout}\n```\n\nstderr:\n```\n{stderr}\n```\n\nImages:\n"
SK_SUCCESS = ("OBSERVATION: Execution success. The output is as follows:\n{output}\nPlease generate the next THOUGHT "
              "and ACTION. If you can get the answer, please also reply with ANSWER: <your answer> and ends with "
              "TERMINATE.")
SK_ERROR = ("OBSERVATION: Execution error. Exit code: {code}, Output:\n{output}\nPlease fix the error and generate the "
            "fixed code, in the next THOUGHT and ACTION.")
SK_PARSE = ("OBSERVATION: Parsing error. Error code: unknown, Error message:\n{msg}\nPlease fix the error and generate "
            "the fixed code, in the next THOUGHT and ACTION.")
SK_TIMEOUT = "ERROR: Timeout waiting for output from code block."


def reset(snippet: dict) -> None:
    _STATE.clear()
    _STATE["clue"] = len(snippet["images"])
    _STATE["files"] = 0


def _truncate(s: str, n: int = 400) -> str:
    return s[: n // 2] + "..." + s[-n // 2:] if len(s) > n else s


def text(family: str, snippet: dict, k: int, msg: dict, workdir: str):
    def norm(s):
        return s.replace(workdir, "<workdir>") if isinstance(s, str) else s

    f = {"pyvision": _pyvision, "deepeyesv2": _deepeyesv2, "thyme": _thyme, "r1v4": _r1v4, "plain": _plain,
         "sketchpad": _sketchpad}[family]
    return norm(f(snippet, msg))


def _pyvision(snippet, m):
    err = m["error"]
    if err is not None:
        return m["error"]["traceback"]
    out = m["stdout"]
    t = _truncate(out.strip()) if out else None
    s = f"\nText Result:\n{t}\nImage Result:\n"
    if not m["images"]:
        return s + "None"
    for _ in m["images"]:
        k = _STATE["clue"]
        s += f"<image_clue_{k}></image_clue_{k}>"
        _STATE["clue"] += 1
    return s


def _deepeyesv2(snippet, m):
    if m["harness"].get("done"):
        return "Code execution error"
    if (snippet.get("options") or {}).get("variant") == "eval":
        return EVAL_RETURN.format(stdout=m["stdout"], stderr=m["stderr"])
    n = len(m["images"])
    return RETURN_CODE_PROMPT.format(stdout=m["stdout"], stderr=m["stderr"],
                                     image=("Images:\n" + "<image>" * n) if n else "").strip()


def _thyme(snippet, m):
    h = m["harness"]
    if h["discarded"] or m["images"]:
        return ""
    return h["text"]


def _r1v4(snippet, m):
    body = m["stdout"]
    extra = m["error"]["traceback"] if m["error"] else ""
    if extra:
        if body and not body.endswith("\n"):
            body += "\n"
        body += extra
    return json.dumps({"result": body.strip(), "type": "code"}, ensure_ascii=False)


def _plain(snippet, m):
    t = m["stdout"] + m["stderr"]
    if m["result"] is not None:
        t += m["result"] + "\n"
    if m["error"]:
        t += m["error"]["traceback"]
        if m["error"]["type"] == "TimeoutError":
            t += "\n"
    return t


def _sketchpad(snippet, m):
    h = m["harness"]
    if not h.get("parsed"):
        return SK_PARSE.format(msg=m["error"]["traceback"])
    texts, data, err = [], [], None
    for item in h["outputs"]:
        if "timeout" in item:
            err = SK_TIMEOUT
            break
        if "stream" in item:
            t = item["text"]
            if item.get("omitted"):
                at = item["omitted"]["at"]
                t = t[:at] + f"\n[… {item['omitted']['bytes']} bytes of output omitted …]\n" + t[at:]
            texts.append(t)
        elif "error" in item:
            e = item["error"]
            err = f"ERROR: {e['ename']}: {e['evalue']}\n{e['traceback']}"
            break
        else:
            b = item.get("display") or item.get("result")
            texts += b["text"]
            data += b["data"]
    if err is not None:
        return SK_ERROR.format(code=1, output=_parse_error("ERROR: " + err))
    outputs = ["\n".join(texts)]
    files = []
    for d in data:
        if "image" in d:
            _STATE["files"] += 1
            p = f"<workdir>/{_STATE['files']:032x}.png"
            outputs.append(f"Image data saved to {p}")
            files.append(p)
        elif "html" in d:
            outputs.append(f"HTML data saved to {d['html']}")
            files.append(d["html"])
        else:
            outputs.append(d["text"])
    lines = "\n".join(outputs).split("\n")
    if files:
        lines = lines[: -2 * len(files)]
    s, used = "", 0
    for line in lines:
        if line.startswith("<PIL."):
            if used < len(files):
                s += f"<img src='{files[used]}'>"
                used += 1
        else:
            s += line
        s += "\n"
    for i, fpath in enumerate(files):
        if i >= used:
            s += f"<img src='{fpath}'>\n"
    return SK_SUCCESS.format(output=s)


def _parse_error(error: str) -> str:
    start = error.find("['")
    initial = error[:start].strip()
    try:
        tb = ast.literal_eval(error[start:])
    except SyntaxError:
        tb = []
    return initial + "\n\n" + "\n".join(re.sub(r"\x1b\[.*?m", "", line) for line in tb)
