"""Thyme reference (yfzhang114/Thyme @ b9285b7).

Sources:
- T1 ``eval/VLMEvalKit/vlmeval/vlm/thyme/sandbox.py`` (identical, apart from
  a test ``__main__``, to the training-time ``swift/trainers/sandbox.py``):
  ``DANGEROUS_PATTERNS``/``check_dangerous_code``, ``EXEC_TIME_LIMIT = 10``,
  ``TEMP_PROCESSED_IMAGES_DIR = "./temp_processed_images/"``,
  ``ReadOnlyPath``, ``align_first_line_to_second``, ``get_image_paths``,
  ``ImagePathTransformer``, ``CropCoordinateTransformer``,
  ``OpenCVNamespaceTransformer``, ``_sandboxed_execution_target``,
  ``execute_code_in_sandbox``.
- T2 ``eval/VLMEvalKit/vlmeval/vlm/thyme/model.py``:
  ``Thyme.generate_inner_transformers`` (code regex, how the sandbox output
  becomes the observation, roll-back on failure, ``_remove_unpickable_values``).
- T3 ``eval/VLMEvalKit/vlmeval/vlm/thyme/utils.py``: the prompt (``User Image
  Path``/``User Image Size``, "print the path of the processed image
  (processed_path) or the result").

Contract reproduced, in order, for one call:
1. ``check_dangerous_code`` on the raw code: any of ``\\bsys\\.``,
   ``\\bsocket\\.``, ``\\bsubprocess\\.``, ``\\bexec\\(``, ``\\beval\\(``,
   ``\\bcompile\\(`` (so ``re.compile(`` too), ``\\b__import__\\(``,
   ``\\bos\\.(remove|unlink|rmdir)\\b``, ``\\bshutil\\.rmtree\\b``,
   ``\\bshutil\\.move\\b``, ``\\bos\\.(rename|renames)\\b`` (re.IGNORECASE) →
   nothing runs, message "Sandbox for N/A: Code contains potentially
   dangerous system operations such as remove. Execution denied.".
2. The output dir ``./temp_processed_images/`` (relative to the cwd) is
   created; the input image is made read-only for the call.
3. Under a 10 s SIGALRM limit (``timeout_decorator``, raising
   ``TimeoutError('Timed Out')`` whose ``str`` is ``"'Timed Out'"``):
   a. ``align_first_line_to_second``: if the first two non-blank lines have
      different leading-space counts, the first gets the second's.
   b. ``textwrap.dedent(code).strip()`` then ``autopep8.fix_code(code,
      options={'aggressive': 2})`` (errors ignored).
   c. ``image_path = "<str literal>"`` (single Name target, anywhere in the
      tree) whose literal is not an existing file ending in .png .jpg .jpeg
      .gif .bmp .tiff .webp (case-insensitive) → literal replaced by the real
      input path; the code is then regenerated with ``ast.unparse`` (comments
      and formatting lost).
   d. Crop clamp (image size read with PIL from the input path): an
      assignment ``a, b, c, d = (n1, n2, n3, n4)`` (4 Names, a Tuple of 4
      numeric literals — negative numbers are not literals) where one target
      name, lower-cased, is x1/y1/x2/y2/left/top/right/bottom; or
      ``NAME = (n1, n2, n3, n4)`` for NAME in crop_box, bbox, box,
      coordinates, coords, crop_coords, left_crop_coords, right_crop_coords,
      top_crop_coords, bottom_crop_coords (tuples only, not lists).  Values are
      read as (x1, y1, x2, y2), ordered, clamped into the image, widened to at
      least 64 px per side (``MIN_CROP_DIMENSION``; to the whole side if the
      image is smaller), and written back as ``int(round(v))`` if any rounded
      value changed; then ``ast.unparse``.  The ``image[y1:y2, x1:x2]`` slice
      clamp in the source tests ``isinstance(slice, ast.Index)``, which is
      never true on Python ≥ 3.9: slices are NOT clamped.
   e. Attribute access on a Name ``cv``, ``cv3``, ``cv4`` or ``CV`` → ``cv2``
      (``ast.unparse`` if anything changed).
   f. Inside ``redirect_stdout``: sub-directories named by quoted string
      literals that start with ``/mnt/data/temp_processed_images/`` are
      created under the output dir (spaces removed); every occurrence of
      ``/mnt/data/temp_processed_images/`` in the code text becomes
      ``./temp_processed_images/``; ``re.sub(r':\\.\\d{1}f}', ':.8f}', code)``
      (every one-digit fixed-point format, also in plain strings); then
      ``exec(code, sandbox_globals, sandbox_locals)`` — *separate* globals
      and locals, so top-level names (imports included) are locals, invisible
      inside functions and (Python ≤ 3.11) comprehensions.
   Globals: ``__builtins__`` restricted to print len str int float list dict
   tuple range round abs min max sum sorted any all zip map filter True False
   None isinstance issubclass Exception ValueError TypeError AttributeError
   IndexError KeyError NotImplementedError enumerate pow divmod bin oct hex
   complex __import__ globals locals open os shutil itertools re time
   datetime math cmath collections json PIL random UnidentifiedImageError (no
   ``set``, ``bool``, ``type``, ``getattr``, ``hasattr``, ``reversed``,
   ``ZeroDivisionError``, ``__build_class__`` …); plus ``os random string math
   Image UnidentifiedImageError numpy np json re cv2``.  Locals start as
   ``image_path`` (the real input path) and ``temp_output_dir``
   (``"./temp_processed_images/"``), then the previous call's locals and
   re-imported modules.
4. Output paths (after a successful exec; ``print_output = stdout.strip()``):
   ``processed_path`` (only if the *previous* context did not already have
   one) when it is a str starting with the output dir and an existing file;
   then, if the print output is non-empty, every match of
   ``(<output dir>[^\\s'"]+\\.(?:jpg|jpeg|png|bmp|gif|tiff))`` that is an
   existing file; if still none: all images in the output dir (glob
   ``*.jpg``, ``*.jpeg``, ``*.png``, ``*.bmp``, ``*.gif``, ``*.tiff``, in that
   order) when the number of output-dir matches — or failing that, of any
   ``[^\\s'"]+\\.(?:jpg|…|tiff)`` match — equals their count; if still none and
   the output dir string does not occur in the final code: the print output
   itself.  An exception in any of this → no paths.
5. Context: every local except ``__builtins__`` and the global names; modules
   as ``{name: module.__name__}`` (re-imported next call).
6. Agent (T2): no paths → the turn is discarded (re-sampled; the model never
   sees errors) and the context rolls back to a deep copy taken before the
   call.  Before every call the context is pruned *in place* of values
   ``pickle.dumps`` rejects (recursing into dict values).  Otherwise the
   observation is ``<sandbox_output>`` + (the images at the paths that exist,
   if the first one exists) or (the first entry as text) + ``</sandbox_output>``.

``text`` is the content between the tags: ``""`` when images are returned,
else the print output.  ``harness`` has ``discarded``, ``message`` (the
sandbox's error string), ``paths`` and ``code`` (the code as executed).

Choices / deviations:
- The harness's output dir is shared by every sample of an evaluation run
  and never emptied, so its "all images in the dir" fallback counts files of
  earlier samples; the reference's dir lives in the session's workdir.
- ``glob`` order is the filesystem's; the reference sorts each extension's
  matches by name.
- ``_remove_unpickable_values`` in the harness only catches PicklingError,
  TypeError and AttributeError (anything else would crash the agent); the
  reference treats every exception as "unpicklable".
- Images are returned as decoded from the files (RGB/RGBA); the model side
  (qwen_vl_utils) later converts them to RGB and resizes them.
- Python version: the harness behaviour depends on it (comprehension scopes,
  ``ast.unparse`` output, ``ast.Index``); the reference runs on the
  interpreter it is given (3.11 here).
"""

from __future__ import annotations

import ast
import contextlib
import copy
import glob
import importlib
import io
import itertools
import json
import math
import os
import pickle
import random
import re
import shutil
import stat
import string
import textwrap
import types

import numpy
from PIL import Image, UnidentifiedImageError

from . import common

try:
    import cv2
except ImportError:  # pragma: no cover
    cv2 = None

DANGEROUS_PATTERNS = [
    r"\bsys\.",
    r"\bsocket\.",
    r"\bsubprocess\.",
    r"\bexec\(", r"\beval\(",
    r"\bcompile\(",
    r"\b__import__\(",
    r"\bos\.(remove|unlink|rmdir)\b",
    r"\bshutil\.rmtree\b",
    r"\bshutil\.move\b",
    r"\bos\.(rename|renames)\b",
]
EXEC_TIME_LIMIT = 10
TEMP_PROCESSED_IMAGES_DIR = "./temp_processed_images/"
VALID_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tiff", ".webp")
ORIGINAL_OUTPUT_PREFIX = "/mnt/data/temp_processed_images/"
MIN_CROP_DIMENSION = 64
KNOWN_COORD_VAR_NAMES = [
    "crop_box", "bbox", "box", "coordinates", "coords", "crop_coords",
    "left_crop_coords", "right_crop_coords", "top_crop_coords", "bottom_crop_coords",
]
COORD_UNPACK_NAMES = ["x1", "y1", "x2", "y2", "left", "top", "right", "bottom"]
OPENCV_WRONG_PREFIXES = ["cv", "cv4", "cv3", "CV"]
ITEM_ID = "N/A"  # model.py never passes item_id
DANGEROUS_MESSAGE = (f"Sandbox for {ITEM_ID}: Code contains potentially dangerous system operations "
                     "such as remove. Execution denied.")


class TimeoutError(AssertionError):  # noqa: A001 - timeout_decorator.TimeoutError
    def __init__(self, value="Timed Out"):
        self.value = value

    def __str__(self):
        return repr(self.value)


def check_dangerous_code(code: str) -> bool:
    return any(re.search(p, code, re.IGNORECASE) for p in DANGEROUS_PATTERNS)


def align_first_line_to_second(code: str) -> str:
    lines = code.splitlines()
    found = [i for i, line in enumerate(lines) if line.strip()][:2]
    if len(found) < 2:
        return code
    first, second = lines[found[0]], lines[found[1]]
    first_indent = len(first) - len(first.lstrip(" "))
    second_indent = len(second) - len(second.lstrip(" "))
    if first_indent != second_indent:
        lines[found[0]] = " " * second_indent + first.lstrip(" ")
    return "\n".join(lines)


def get_image_paths(temp_output_dir: str) -> list[str]:
    paths = []
    for ext in ["jpg", "jpeg", "png", "bmp", "gif", "tiff"]:
        paths.extend(sorted(glob.glob(os.path.join(temp_output_dir, f"*.{ext}"))))
    return paths


class ImagePathTransformer(ast.NodeTransformer):
    def __init__(self, replacement_path: str):
        self.replacement_path = replacement_path
        self.path_was_replaced = False

    def visit_Assign(self, node):
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "image_path":
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                p = value.value
                valid = (os.path.exists(p) and os.path.isfile(p)
                         and any(p.lower().endswith(ext) for ext in VALID_IMAGE_EXTENSIONS))
                if not valid:
                    node.value = ast.Constant(value=self.replacement_path)
                    self.path_was_replaced = True
        return self.generic_visit(node)


def clamp_coordinates(v_x1, v_y1, v_x2, v_y2, image_width, image_height) -> list[float]:
    """CropCoordinateTransformer._clamp_coordinates (same arithmetic)."""
    img_w, img_h = float(image_width), float(image_height)

    def axis(a, b, size):
        lo, hi = min(a, b), max(a, b)
        lo = min(max(0.0, lo), size - 1.0 if size > 0 else 0.0)
        hi = min(max(0.0, hi), size)
        if lo >= hi and size > 0:
            lo = max(0.0, hi - 1.0)
            if hi <= lo:
                hi = min(size, lo + 1.0)
        return lo, hi

    x1, x2 = axis(v_x1, v_x2, img_w)
    y1, y2 = axis(v_y1, v_y2, img_h)

    def widen(lo, hi, size):
        if size > 0 and hi - lo < MIN_CROP_DIMENSION:
            if size < MIN_CROP_DIMENSION:
                lo, hi = 0.0, size
            else:
                hi = lo + MIN_CROP_DIMENSION
                if hi > size:
                    hi = size
                    lo = max(0.0, hi - MIN_CROP_DIMENSION)
        return lo, hi

    x1, x2 = widen(x1, x2, img_w)
    y1, y2 = widen(y1, y2, img_h)
    if img_w > 0 and x1 >= x2:
        x2 = min(img_w, x1 + 1.0)
    if img_h > 0 and y1 >= y2:
        y2 = min(img_h, y1 + 1.0)
    return [x1, y1, x2, y2]


def _numeric(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    return None


class CropCoordinateTransformer(ast.NodeTransformer):
    def __init__(self, image_width, image_height, main_image_variable_name="image"):
        self.w = image_width
        self.h = image_height
        self.main_image_variable_name = main_image_variable_name
        self.coordinates_clamped = False

    def _apply(self, elts):
        raw = [_numeric(v) for v in elts]
        if not all(c is not None for c in raw):
            return False
        clamped = clamp_coordinates(*raw, self.w, self.h)
        if [int(round(c)) for c in clamped] != [int(round(c)) for c in raw]:
            self.coordinates_clamped = True
            for i in range(4):
                elts[i] = ast.Constant(value=int(round(clamped[i])))
        return True

    def visit_Assign(self, node):
        single = len(node.targets) == 1
        target = node.targets[0] if single else None
        value = node.value
        if (single and isinstance(target, ast.Tuple) and len(target.elts) == 4
                and all(isinstance(t, ast.Name) for t in target.elts)
                and isinstance(value, ast.Tuple) and len(value.elts) == 4):
            names = [t.id.lower() for t in target.elts]
            if any(n in names for n in COORD_UNPACK_NAMES):
                self._apply(value.elts)
        elif (single and isinstance(target, ast.Name) and target.id in KNOWN_COORD_VAR_NAMES
              and isinstance(value, ast.Tuple) and len(value.elts) == 4):
            self._apply(value.elts)
        # Case 3 (image[y1:y2, x1:x2]) requires the slice to be an ast.Index,
        # which Python >= 3.9 never produces: it cannot fire here.
        index_cls = getattr(ast, "Index", None)
        if (single and isinstance(target, ast.Name) and isinstance(value, ast.Subscript)
                and isinstance(value.value, ast.Name) and value.value.id == self.main_image_variable_name
                and index_cls is not None and type(value.slice) is index_cls):  # pragma: no cover
            pass
        return self.generic_visit(node)


class OpenCVNamespaceTransformer(ast.NodeTransformer):
    def __init__(self):
        self.namespace_updated = False

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in OPENCV_WRONG_PREFIXES:
            node.value.id = "cv2"
            self.namespace_updated = True
        return self.generic_visit(node)


def allowed_builtins() -> dict:
    return {
        "print": print, "len": len, "str": str, "int": int, "float": float,
        "list": list, "dict": dict, "tuple": tuple, "range": range, "round": round,
        "abs": abs, "min": min, "max": max, "sum": sum, "sorted": sorted,
        "any": any, "all": all, "zip": zip, "map": map, "filter": filter,
        "True": True, "False": False, "None": None, "isinstance": isinstance,
        "issubclass": issubclass, "Exception": Exception, "ValueError": ValueError,
        "TypeError": TypeError, "AttributeError": AttributeError, "IndexError": IndexError,
        "KeyError": KeyError, "NotImplementedError": NotImplementedError,
        "enumerate": enumerate, "pow": pow, "divmod": divmod, "bin": bin,
        "oct": oct, "hex": hex, "complex": complex, "__import__": __import__,
        "globals": globals, "locals": locals, "open": open,
        "os": os, "shutil": shutil,
        "itertools": itertools, "re": re, "time": __import__("time"),
        "datetime": __import__("datetime"), "math": math, "cmath": __import__("cmath"),
        "collections": __import__("collections"), "json": json, "PIL": __import__("PIL"),
        "random": random, "UnidentifiedImageError": UnidentifiedImageError,
    }


def _is_pickable(obj) -> bool:
    try:
        pickle.dumps(obj)
        return True
    except Exception:
        return False


def remove_unpickable_values(dictionary: dict) -> dict:
    """T2 Thyme._remove_unpickable_values (in place, recursing into dicts)."""
    remove = []
    for key, value in dictionary.items():
        if isinstance(value, dict):
            remove_unpickable_values(value)
        elif not _is_pickable(value):
            remove.append(key)
    for key in remove:
        del dictionary[key]
    return dictionary


@contextlib.contextmanager
def read_only(path):
    original = None
    if isinstance(path, str) and os.path.isfile(path):
        try:
            original = os.stat(path).st_mode
            ro = original & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
            if ro != original:
                os.chmod(path, ro)
        except OSError:
            original = None
    try:
        yield
    finally:
        if original is not None and os.path.isfile(path):
            with contextlib.suppress(OSError):
                os.chmod(path, original)


def _transform_code(code: str, input_image_path) -> str:
    import autopep8

    code = align_first_line_to_second(code)
    try:
        code = textwrap.dedent(code).strip()
        code = autopep8.fix_code(code, options={"aggressive": 2})
    except Exception:
        pass
    if input_image_path and isinstance(input_image_path, str):
        try:
            tree = ast.parse(code)
            t = ImagePathTransformer(input_image_path)
            tree = t.visit(tree)
            if t.path_was_replaced:
                code = ast.unparse(tree)
        except Exception:
            pass
    width = height = None
    if input_image_path and os.path.isfile(input_image_path):
        try:
            with Image.open(input_image_path) as im:
                width, height = im.size
        except Exception:
            pass
    if width is not None and height is not None:
        try:
            tree = ast.parse(code)
            t = CropCoordinateTransformer(width, height)
            tree = t.visit(tree)
            if t.coordinates_clamped:
                code = ast.unparse(tree)
        except Exception:
            pass
    try:
        tree = ast.parse(code)
        t = OpenCVNamespaceTransformer()
        tree = t.visit(tree)
        if t.namespace_updated:
            code = ast.unparse(tree)
    except Exception:
        pass
    return code


class Reference:
    family = "thyme"

    def __init__(self, images, workdir, timeout: float | None = EXEC_TIME_LIMIT):
        self.workdir = workdir
        self.timeout = timeout
        self.rc = common.RcState(persist=True)
        common.use_agg()
        common.close_all_figures()
        if not images:
            self.input_image_path = ""
        else:
            img, path = images[0]
            if path is None:
                path = "user_image.png"
                img.save(os.path.join(workdir, path))
            self.input_image_path = path
        self.temp_output_dir = TEMP_PROCESSED_IMAGES_DIR
        self.previous_execution_context: dict | None = {}

    # T1 _sandboxed_execution_target
    def _target(self, code: str, previous: dict | None, out: io.StringIO) -> dict:
        temp_output_dir = self.temp_output_dir
        input_image_path = self.input_image_path
        sandbox_globals = {
            "__builtins__": allowed_builtins(),
            "os": os, "random": random, "string": string, "math": math,
            "Image": Image, "UnidentifiedImageError": UnidentifiedImageError,
            "numpy": numpy, "np": numpy, "json": json, "re": re,
        }
        if cv2:
            sandbox_globals["cv2"] = cv2
        sandbox_locals = {"image_path": input_image_path, "temp_output_dir": temp_output_dir}
        if previous:
            sandbox_locals.update(previous.get("locals", {}))
            for alias, module_name in previous.get("globals", {}).items():
                try:
                    sandbox_locals[alias] = importlib.import_module(module_name)
                except ImportError:
                    pass
        code = _transform_code(code, input_image_path)
        processed_paths: list[str] = []
        error_msg = None
        full_print_output = None
        exc = None
        try:
            with contextlib.redirect_stdout(out):
                replacement = temp_output_dir
                if ORIGINAL_OUTPUT_PREFIX.endswith("/") and not temp_output_dir.endswith("/"):
                    replacement = temp_output_dir + "/"
                pattern = re.compile(r"(['\"])(" + re.escape(ORIGINAL_OUTPUT_PREFIX) + r"[^'\"]*)\1")
                for full in {m.group(2) for m in pattern.finditer(code)}:
                    suffix = full[len(ORIGINAL_OUTPUT_PREFIX):].replace(" ", "")
                    if suffix and os.path.dirname(suffix):
                        os.makedirs(os.path.join(temp_output_dir, os.path.dirname(suffix)), exist_ok=True)
                code = code.replace(ORIGINAL_OUTPUT_PREFIX, replacement)
                code = re.sub(r":\.\d{1}f}", ":.8f}", code)
                exec(code, sandbox_globals, sandbox_locals)
            full_print_output = out.getvalue().strip()
            had_processed = previous and "processed_path" in previous.get("locals", {})
            if "processed_path" in sandbox_locals and not had_processed:
                p = sandbox_locals["processed_path"]
                if isinstance(p, str) and p.startswith(temp_output_dir) and os.path.isfile(p):
                    processed_paths.append(p)
                elif isinstance(p, str) and p.startswith(temp_output_dir) and not os.path.exists(p):
                    error_msg = (f"Sandbox for {ITEM_ID}: 'processed_path' variable set to '{p}', "
                                 "but file does not exist.")
                elif p is not None:
                    error_msg = (f"Sandbox for {ITEM_ID}: 'processed_path' variable was '{p}', which is not "
                                 f"a valid file path in {temp_output_dir}.")
            if full_print_output:
                pat = rf"({re.escape(temp_output_dir)}[^\s\'\"]+\.(?:jpg|jpeg|png|bmp|gif|tiff))"
                possible = get_image_paths(temp_output_dir)
                possible_error_msg = ""
                n_parsed = 0
                for m in re.finditer(pat, full_print_output):
                    p = m.group(1)
                    n_parsed += 1
                    if os.path.isfile(p):
                        if p not in processed_paths:
                            processed_paths.append(p)
                    elif not error_msg:
                        possible_error_msg = (f"Sandbox for {ITEM_ID}: Path '{p}' found in print, but file "
                                              "does not exist or is not a file.")
                if len(processed_paths) == 0:
                    if n_parsed == len(possible):
                        processed_paths = possible
                    else:
                        any_pat = r"([^\s\'\"]+\.(?:jpg|jpeg|png|bmp|gif|tiff))"
                        if len(re.findall(any_pat, full_print_output)) == len(possible):
                            processed_paths = possible
                        else:
                            error_msg = possible_error_msg
                if not processed_paths and temp_output_dir not in code:
                    processed_paths.append(full_print_output)
        except ImportError as e:
            exc = e
            error_msg = (f"Sandbox for {ITEM_ID}: Code execution failed due to ImportError. Ensure all required "
                         f"modules are available and correctly named: {e}")
        except MemoryError as e:
            exc = e
            error_msg = (f"Sandbox for {ITEM_ID}: Code execution failed due to MemoryError. The operation likely "
                         f"consumed too much memory: {e}")
        except SyntaxError as e:
            exc = e
            error_msg = f"Sandbox for {ITEM_ID}: Code execution failed due to SyntaxError: {e}"
        except Exception as e:
            exc = e
            error_msg = f"Sandbox for {ITEM_ID}: Code execution failed: {e}"
        imports, local_vars = {}, {}
        for name, value in sandbox_locals.items():
            if name == "__builtins__" or name in sandbox_globals:
                continue
            if isinstance(value, types.ModuleType):
                imports[name] = value.__name__
            else:
                local_vars[name] = value
        return {
            "paths": processed_paths, "print_output": full_print_output, "error": error_msg,
            "context": {"globals": imports, "locals": local_vars}, "exc": exc, "code": code,
        }

    def run(self, code: str) -> dict:
        # T2: code_regex group(1).strip()
        code = code.strip()
        previous = self.previous_execution_context
        last = copy.deepcopy(remove_unpickable_values(previous)) if previous is not None else None
        common.use_agg()
        self.rc.enter()
        out, err = common.TeeIO(), common.TeeIO()
        images, parts, text, bad = [], [], "", []
        try:
            with common.working_directory(self.workdir):
                if check_dangerous_code(code):
                    sb = {"paths": [], "print_output": "", "error": DANGEROUS_MESSAGE, "context": None,
                          "exc": None, "code": code}
                else:
                    os.makedirs(self.temp_output_dir, exist_ok=True)
                    with read_only(self.input_image_path), contextlib.redirect_stderr(err):
                        try:
                            with common.alarm(self.timeout, TimeoutError):
                                sb = self._target(code, previous, out)
                        except TimeoutError as e:
                            sb = {"paths": [], "print_output": "", "context": None, "exc": e, "code": None,
                                  "error": f"Sandbox for {ITEM_ID}: Execution timed out after "
                                           f"{EXEC_TIME_LIMIT} seconds."}
                discarded = not sb["paths"]
                if not discarded:
                    images, parts, text, bad = self._observation(sb["paths"])
        finally:
            self.rc.leave()
        if discarded:
            self.previous_execution_context = last
        else:
            self.previous_execution_context = sb["context"]
        return common.make_result(
            stdout=out.getvalue(), stderr=err.getvalue(), error=common.error_info(sb["exc"]), text=text,
            images=images, parts=parts,
            harness={"discarded": discarded, "message": sb["error"], "paths": list(sb["paths"]),
                     "print_output": sb["print_output"], "code": sb["code"],
                     "wrapper": ["<sandbox_output>", "</sandbox_output>"], "unreadable_paths": bad})

    def _observation(self, paths: list[str]):
        """T2: images if the first path exists, else the first entry as text."""
        if not paths:
            return [], [], "", []
        first = paths[0]
        if os.path.exists(first):
            images, parts, bad = [], [], []
            for p in paths:
                if not os.path.exists(p):
                    continue
                try:
                    with Image.open(p) as im:
                        images.append(common.as_output_image(im.copy()))
                    parts.append({"type": "image", "index": len(images) - 1})
                except Exception:
                    bad.append(p)
            return images, parts, "", bad
        return [], [{"type": "text", "text": first}], first, []
