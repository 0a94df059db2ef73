"""Thyme (yfzhang114/Thyme, ``vlmeval/vlm/thyme/sandbox.py`` and ``model.py``):
the dangerous-code regex; first-line alignment, dedent and autopep8; the
``image_path`` rebinding, crop-coordinate clamp and ``cv``→``cv2`` AST
rewrites; ``/mnt/data/temp_processed_images/`` → ``./temp_processed_images/``;
one-digit ``:.Nf}`` formats widened to 8; ``exec`` with restricted builtins
and separate globals/locals; the output paths (``processed_path``, printed
paths, the directory fallback, the print output); the context carried to the
next call (picklable locals, modules by name) and rolled back when a turn is
discarded."""

from __future__ import annotations

import ast
import copy
import glob
import importlib
import itertools
import json
import math
import os
import pickle
import random
import re
import shutil
import string
import textwrap
import types

import numpy
from PIL import Image, UnidentifiedImageError

from .. import capture
from .base import Call, Family, alarm, error_dict, streams

DANGEROUS_PATTERNS = [
    r"\bsys\.", r"\bsocket\.", r"\bsubprocess\.", r"\bexec\(", r"\beval\(", r"\bcompile\(",
    r"\b__import__\(", r"\bos\.(remove|unlink|rmdir)\b", r"\bshutil\.rmtree\b", r"\bshutil\.move\b",
    r"\bos\.(rename|renames)\b",
]
EXEC_TIME_LIMIT = 10
OUT_DIR = "./temp_processed_images/"
ORIGINAL_PREFIX = "/mnt/data/temp_processed_images/"
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tiff", ".webp")
MIN_CROP = 64
COORD_VARS = ("crop_box", "bbox", "box", "coordinates", "coords", "crop_coords", "left_crop_coords",
              "right_crop_coords", "top_crop_coords", "bottom_crop_coords")
COORD_NAMES = ("x1", "y1", "x2", "y2", "left", "top", "right", "bottom")
CV_WRONG = ("cv", "cv4", "cv3", "CV")
ITEM = "N/A"
DANGEROUS_MESSAGE = (f"Sandbox for {ITEM}: Code contains potentially dangerous system operations such as "
                     "remove. Execution denied.")


class ThymeTimeout(AssertionError):
    """timeout_decorator.TimeoutError: an AssertionError whose str is repr('Timed Out')."""

    def __init__(self, value="Timed Out"):
        super().__init__(value)
        self.value = value

    def __str__(self):
        return repr(self.value)


ThymeTimeout.__name__ = ThymeTimeout.__qualname__ = "TimeoutError"


def is_dangerous(code: str) -> bool:
    return any(re.search(p, code, re.IGNORECASE) for p in DANGEROUS_PATTERNS)


def align_first_line(code: str) -> str:
    lines = code.splitlines()
    idx = [i for i, line in enumerate(lines) if line.strip()][:2]
    if len(idx) < 2:
        return code
    a, b = lines[idx[0]], lines[idx[1]]
    ia, ib = len(a) - len(a.lstrip(" ")), len(b) - len(b.lstrip(" "))
    if ia != ib:
        lines[idx[0]] = " " * ib + a.lstrip(" ")
    return "\n".join(lines)


class _PathRebind(ast.NodeTransformer):
    def __init__(self, real: str):
        self.real = real
        self.changed = False

    def visit_Assign(self, node):
        t = node.targets
        if len(t) == 1 and isinstance(t[0], ast.Name) and t[0].id == "image_path":
            v = node.value
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                p = v.value
                if not (os.path.exists(p) and os.path.isfile(p) and p.lower().endswith(IMAGE_EXTS)):
                    node.value = ast.Constant(value=self.real)
                    self.changed = True
        return self.generic_visit(node)


def clamp(x1, y1, x2, y2, width, height) -> list[float]:
    w, h = float(width), float(height)

    def axis(a, b, size):
        lo, hi = min(a, b), max(a, b)
        lo = min(max(0.0, lo), size - 1.0 if size > 0 else 0.0)
        hi = min(max(0.0, hi), size)
        if lo >= hi and size > 0:
            lo = max(0.0, hi - 1.0)
            if hi <= lo:
                hi = min(size, lo + 1.0)
        return lo, hi

    def widen(lo, hi, size):
        if size > 0 and hi - lo < MIN_CROP:
            if size < MIN_CROP:
                return 0.0, size
            hi = lo + MIN_CROP
            if hi > size:
                hi = size
                lo = max(0.0, hi - MIN_CROP)
        return lo, hi

    ax1, ax2 = widen(*axis(x1, x2, w), w)
    ay1, ay2 = widen(*axis(y1, y2, h), h)
    if w > 0 and ax1 >= ax2:
        ax2 = min(w, ax1 + 1.0)
    if h > 0 and ay1 >= ay2:
        ay2 = min(h, ay1 + 1.0)
    return [ax1, ay1, ax2, ay2]


class _CropClamp(ast.NodeTransformer):
    def __init__(self, width, height):
        self.w, self.h = width, height
        self.changed = False

    def _apply(self, elts):
        raw = [e.value if isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) else None for e in elts]
        if any(v is None for v in raw):
            return
        new = clamp(*raw, self.w, self.h)
        if [int(round(v)) for v in new] != [int(round(v)) for v in raw]:
            self.changed = True
            for i in range(4):
                elts[i] = ast.Constant(value=int(round(new[i])))

    def visit_Assign(self, node):
        t = node.targets[0] if len(node.targets) == 1 else None
        v = node.value
        if (isinstance(t, ast.Tuple) and len(t.elts) == 4 and all(isinstance(e, ast.Name) for e in t.elts)
                and isinstance(v, ast.Tuple) and len(v.elts) == 4):
            if any(e.id.lower() in COORD_NAMES for e in t.elts):
                self._apply(v.elts)
        elif isinstance(t, ast.Name) and t.id in COORD_VARS and isinstance(v, ast.Tuple) and len(v.elts) == 4:
            self._apply(v.elts)
        # The source's slice clamp needs ast.Index, which Python >= 3.9 never builds.
        return self.generic_visit(node)


class _CvPrefix(ast.NodeTransformer):
    changed = False

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in CV_WRONG:
            node.value.id = "cv2"
            self.changed = True
        return self.generic_visit(node)


def repair(code: str, input_path: str) -> str:
    """sandbox.py's repairs, in the harness's order (each failure ignored)."""
    import autopep8

    code = align_first_line(code)
    try:
        code = textwrap.dedent(code).strip()
        code = autopep8.fix_code(code, options={"aggressive": 2})
    except Exception:  # noqa: BLE001
        pass
    if input_path:
        try:
            t = _PathRebind(input_path)
            tree = t.visit(ast.parse(code))
            if t.changed:
                code = ast.unparse(tree)
        except Exception:  # noqa: BLE001
            pass
    size = None
    if input_path and os.path.isfile(input_path):
        try:
            with Image.open(input_path) as im:
                size = im.size
        except Exception:  # noqa: BLE001
            pass
    if size is not None:
        try:
            t = _CropClamp(*size)
            tree = t.visit(ast.parse(code))
            if t.changed:
                code = ast.unparse(tree)
        except Exception:  # noqa: BLE001
            pass
    try:
        t = _CvPrefix()
        tree = t.visit(ast.parse(code))
        if t.changed:
            code = ast.unparse(tree)
    except Exception:  # noqa: BLE001
        pass
    return code


def restricted_builtins() -> dict:
    import cmath
    import collections
    import datetime
    import time

    import PIL

    names = ("print len str int float list dict tuple range round abs min max sum sorted any all zip map "
             "filter isinstance issubclass Exception ValueError TypeError AttributeError IndexError KeyError "
             "NotImplementedError enumerate pow divmod bin oct hex complex __import__ globals locals open").split()
    import builtins

    b = {n: getattr(builtins, n) for n in names}
    b.update({"True": True, "False": False, "None": None, "os": os, "shutil": shutil, "itertools": itertools,
              "re": re, "time": time, "datetime": datetime, "math": math, "cmath": cmath,
              "collections": collections, "json": json, "PIL": PIL, "random": random,
              "UnidentifiedImageError": UnidentifiedImageError})
    return b


def _picklable(v) -> bool:
    if isinstance(v, numpy.ndarray) and v.dtype != object:
        return True
    try:
        pickle.dumps(v)
        return True
    except Exception:  # noqa: BLE001
        return False


def prune_unpicklable(d: dict) -> dict:
    """model.py _remove_unpickable_values: in place, recursing into dicts."""
    bad = []
    for k, v in d.items():
        if isinstance(v, dict):
            prune_unpicklable(v)
        elif not _picklable(v):
            bad.append(k)
    for k in bad:
        del d[k]
    return d


def output_images_in(directory: str) -> list[str]:
    out = []
    for ext in ("jpg", "jpeg", "png", "bmp", "gif", "tiff"):
        out.extend(sorted(glob.glob(os.path.join(directory, f"*.{ext}"))))
    return out


class Thyme(Family):
    name = "thyme"
    default_timeout = EXEC_TIME_LIMIT

    def __init__(self, session):
        super().__init__(session)
        self.input_path = ""
        self.context: dict | None = {}

    def bind_image(self, src) -> None:
        if src.index == 0 and src.files:
            self.input_path = os.path.relpath(src.files[0], self.workdir) if src.files[0].startswith(
                self.workdir + "/") else src.files[0]

    def _globals(self) -> dict:
        import cv2

        return {"__builtins__": restricted_builtins(), "os": os, "random": random, "string": string, "math": math,
                "Image": Image, "UnidentifiedImageError": UnidentifiedImageError, "numpy": numpy, "np": numpy,
                "json": json, "re": re, "cv2": cv2}

    def _execute(self, code: str, previous: dict | None, out) -> dict:
        """_sandboxed_execution_target."""
        g = self._globals()
        loc = {"image_path": self.input_path, "temp_output_dir": OUT_DIR}
        if previous:
            loc.update(previous.get("locals", {}))
            for alias, name in previous.get("globals", {}).items():
                try:
                    loc[alias] = importlib.import_module(name)
                except ImportError:
                    pass
        code = repair(code, self.input_path)
        paths: list[str] = []
        message = None
        printed = None
        exc = None
        try:
            pattern = re.compile(r"(['\"])(" + re.escape(ORIGINAL_PREFIX) + r"[^'\"]*)\1")
            for full in {m.group(2) for m in pattern.finditer(code)}:
                rest = full[len(ORIGINAL_PREFIX):].replace(" ", "")
                if rest and os.path.dirname(rest):
                    os.makedirs(os.path.join(OUT_DIR, os.path.dirname(rest)), exist_ok=True)
            code = code.replace(ORIGINAL_PREFIX, OUT_DIR)
            code = re.sub(r":\.\d{1}f}", ":.8f}", code)
            exec(code, g, loc)
            # The print output; past the stream's bounds, Fovea's line where its middle went.
            printed = out.marked().strip()
            had = previous and "processed_path" in previous.get("locals", {})
            if "processed_path" in loc and not had:
                p = loc["processed_path"]
                if isinstance(p, str) and p.startswith(OUT_DIR) and os.path.isfile(p):
                    paths.append(p)
                elif isinstance(p, str) and p.startswith(OUT_DIR) and not os.path.exists(p):
                    message = f"Sandbox for {ITEM}: 'processed_path' variable set to '{p}', but file does not exist."
                elif p is not None:
                    message = (f"Sandbox for {ITEM}: 'processed_path' variable was '{p}', which is not a valid "
                               f"file path in {OUT_DIR}.")
            if printed:
                pat = rf"({re.escape(OUT_DIR)}[^\s\'\"]+\.(?:jpg|jpeg|png|bmp|gif|tiff))"
                in_dir = output_images_in(OUT_DIR)
                maybe = ""
                n = 0
                for m in re.finditer(pat, printed):
                    p = m.group(1)
                    n += 1
                    if os.path.isfile(p):
                        if p not in paths:
                            paths.append(p)
                    elif not message:
                        maybe = f"Sandbox for {ITEM}: Path '{p}' found in print, but file does not exist or is not a file."
                if not paths:
                    if n == len(in_dir):
                        paths = in_dir
                    elif len(re.findall(r"([^\s\'\"]+\.(?:jpg|jpeg|png|bmp|gif|tiff))", printed)) == len(in_dir):
                        paths = in_dir
                    else:
                        message = maybe
                if not paths and OUT_DIR not in code:
                    paths.append(printed)
        except ImportError as e:
            exc, message = e, (f"Sandbox for {ITEM}: Code execution failed due to ImportError. Ensure all required "
                               f"modules are available and correctly named: {e}")
        except MemoryError as e:
            exc, message = e, (f"Sandbox for {ITEM}: Code execution failed due to MemoryError. The operation likely "
                               f"consumed too much memory: {e}")
        except SyntaxError as e:
            exc, message = e, f"Sandbox for {ITEM}: Code execution failed due to SyntaxError: {e}"
        except Exception as e:  # noqa: BLE001
            exc, message = e, f"Sandbox for {ITEM}: Code execution failed: {e}"
        imports, local_vars = {}, {}
        for k, v in loc.items():
            if k == "__builtins__" or k in g:
                continue
            if isinstance(v, types.ModuleType):
                imports[k] = v.__name__
            else:
                local_vars[k] = v
        return {"paths": paths, "printed": printed, "message": message, "exc": exc, "code": code,
                "context": {"globals": imports, "locals": local_vars}}

    def run(self, code: str, timeout: float | None) -> Call:
        call = Call(fresh=self.take_fresh())
        code = code.strip()
        previous = self.context
        rollback = copy.deepcopy(prune_unpicklable(previous)) if previous is not None else None
        with streams(call.stdout, call.stderr):
            if is_dangerous(code):
                sb = {"paths": [], "printed": "", "message": DANGEROUS_MESSAGE, "exc": None, "code": code,
                      "context": None}
            else:
                os.makedirs(OUT_DIR, exist_ok=True)
                try:
                    with alarm(timeout, ThymeTimeout):
                        sb = self._execute(code, previous, call.stdout)
                except ThymeTimeout as e:
                    sb = {"paths": [], "printed": "", "context": None, "exc": e, "code": None,
                          "message": f"Sandbox for {ITEM}: Execution timed out after {timeout:g} seconds."}
        discarded = not sb["paths"]
        self.context = rollback if discarded else sb["context"]
        call.executed_code = sb["code"]
        call.error = error_dict(sb["exc"], ["<string>"], sb["message"])
        call.timed_out = isinstance(sb["exc"], ThymeTimeout)
        unreadable = []
        shown_text = None
        if not discarded:
            first = sb["paths"][0]
            if os.path.exists(first):
                for p in sb["paths"]:
                    if not os.path.exists(p):
                        continue
                    out = capture.from_file(p, f"file:{os.path.normpath(p)}")
                    if out is None:
                        unreadable.append(p)
                    else:
                        call.images.append(out)
            else:
                shown_text = first
        call.harness.update({"discarded": discarded, "message": sb["message"], "paths": list(sb["paths"]),
                             "printOutput": sb["printed"], "text": shown_text, "unreadablePaths": unreadable})
        return call

