"""DeepEyesV2 reference (Visual-Agent/DeepEyesV2 @ 0373e6e; sandbox
ChenShawn/MultiModal-Jupyter-Sandbox, ``fast_api_server.py`` as of 148d8d8 —
the ``/jupyter_sandbox`` endpoint DeepEyesV2 posts to; the V2 server
``fast_api_server_v2.py`` serves ``/run_jupyter`` and is not what DeepEyesV2
calls).

Sources:
- A1 ``reinforcement_learning/verl/workers/agent/envs/deepeyesv2/deepeyesv2.py``
  (the RL environment the model was trained in): ``INITIALIZATION_CODE_TEMPLATE``,
  ``fix_python_indentation``, ``DeepEyesV2_ENV.execute`` (observation,
  ``max_images_per_round = 10``), ``reset`` (init cell),
  ``request_jupyter_execution`` (``code_timeout=200``), ``maybe_resize_image``.
- A2 ``reinforcement_learning/verl/workers/agent/envs/deepeyesv2/prompt.py``:
  ``RETURN_CODE_PROMPT``.
- A3 ``evaluation/VLMEvalKit/vlmeval/api/agent_utils.py`` and
  ``vllm_api.py`` (the evaluation harness, variant ``"eval"``):
  ``init_code``, ``execute_code`` (``code_timeout=60.0``),
  ``maybe_resize_image_v2``/``smart_resize``, ``replace_image_path_resize``,
  ``check_white_image``, ``encode_pil_image_to_base64``,
  ``prepare_inputs_agent_turn``; ``prompt.py`` ``AGENT_CONFIG['return_template']``.
- B ``fast_api_server.py`` (sandbox): ``SAFE_PREFIX``,
  ``get_interactive_shell_from_redis``, ``is_valid_python``,
  ``run_notebook_code`` (plt.show patch, traceback redirection, stdout
  capture, ``time_limit``), ``save_namespace_to_redis`` (cloudpickle),
  ``jupyter_sandbox`` (hard-timeout text), ``strip_ansi``.

Contract reproduced (variant ``"rl"``, the default — the training format):
- Session = a redis key holding ``cloudpickle.dumps`` of the IPython user
  namespace, filtered to names not starting with ``"__"`` whose value
  cloudpickle can serialise.  Every call runs in a *fresh process* with a
  fresh ``InteractiveShellEmbed`` whose ``user_ns`` is updated from that blob.
  So: picklable values persist (as copies; functions defined in cells are
  pickled by value together with the globals they reference, so a helper
  later sees the snapshot of those globals), unpicklable values (generators,
  OpenCV objects, open files…) silently disappear, modules persist by name,
  pyplot figures persist only if pickled while still registered with pyplot
  (then they come back as open figures in the next call), rcParams and other
  process state never persist.
- First call of a session (the init cell sent by ``reset``): ``SAFE_PREFIX``
  runs first (it imports ``builtins, os, shutil, subprocess, sys``,
  ``matplotlib.pyplot as plt`` and calls ``plt.tight_layout()``; it also sets
  many ``os``/``shutil`` functions and ``builtins.exit/quit`` to ``None`` *in
  that process only*).  The init cell is
  ``INITIALIZATION_CODE_TEMPLATE``: ``from PIL import Image``,
  ``import base64``, ``from io import BytesIO``, ``_img_base64 = "<PNG of the
  first image>"``, ``image_1 = Image.open(BytesIO(base64.b64decode(_img_base64)))``
  (lazy PngImageFile, mode of the original).  So the model's code sees
  ``builtins, os, shutil, subprocess, sys, plt, Image, base64, BytesIO,
  _img_base64, image_1`` (and IPython's ``In``/``Out``/``_`` …).
- Before sending, the agent rewrites the code with ``fix_python_indentation``:
  every line is stripped, blank lines dropped, and indentation is rebuilt:
  depth starts at 0; a line starting with ``except``/``elif``/``else``/
  ``finally`` (plain prefix test, so ``elsewhere = 1`` counts) first drops
  the depth by one (not below 0); the line is emitted with ``4*depth`` spaces;
  a line ending with ``:`` raises the depth by one.  Nothing else ever lowers
  the depth, so code after a block stays inside it.  The result is
  ``textwrap.dedent(...).strip()`` then ``autopep8.fix_code(..., options=
  {'aggressive': 2})``; on any exception the original code is used.
- Sandbox (``run_notebook_code``): ``compile(code, '<string>', 'exec')``
  first; a SyntaxError gives ``stderr = "SyntaxError - " + str(err)`` and
  nothing runs.  Otherwise ``plt.show`` is replaced by a callback that, for
  every ``plt.get_fignums()``: ``fig = plt.figure(n)``; ``fig.tight_layout()``;
  ``fig.savefig(buf, bbox_inches='tight', format='png')``; then
  ``plt.close()`` (the current — last — figure only) and calls the original
  ``plt.show``.  ``shell.run_cell(code)`` (``store_history=False``: always
  execution count 1) runs under ``redirect_stdout`` and a SIGALRM
  ``time_limit(200)`` raising ``TimeoutException("Timed out!")``.  IPython's
  traceback printing is redirected into the stderr buffer; nothing else
  writes there (``print(..., file=sys.stderr)`` and warnings are lost).  The
  trailing expression is printed by IPython's display hook into stdout as
  ``"Out[1]: " + pretty-repr`` (a newline after the prompt when the repr has
  several lines; simple prompt because the server has no tty).  ANSI escapes
  are stripped from both with ``\\x1B\\[[0-?]*[ -/]*[@-~]``.
- Observation (A1 ``execute`` + A2): ``RETURN_CODE_PROMPT.format(stdout=…,
  stderr=…, image=("Images:\\n" + "<image>" * n) if n else "").strip()``, i.e.
  ``"Code execution result:\\nstdout:\\n```\\n{stdout}\\n```\\n\\nstderr:\\n```\\n"
  "{stderr}\\n```"`` plus ``"\\n\\nImages:\\n<image>…"`` when there are images;
  the images (at most 10: ``image_list[:10]``) follow as multi-modal data,
  each passed through ``maybe_resize_image`` (aspect ratio > 200 → resized
  with LANCZOS; shorter side < 32 → scaled up to 32 with LANCZOS, sizes
  ``ceil``-ed).  The env wraps it in
  ``"<|im_end|>\\n<|im_start|>user\\n" … "<|im_end|>\\n<|im_start|>assistant\\n<think>"``.
- Empty code after the re-indent → the server answers status ``error`` and
  the env returns ``"Code execution error"`` and ends the episode.
- A process that produced no result within ``timeout + 1`` s is killed:
  ``stderr = "TimeOutError: code execution timed out"`` (``HARD_TIMEOUT_STDERR``);
  the namespace is not saved, so the session keeps its previous state.

Variant ``"eval"`` (VLMEvalKit, A3): the input image is first resized with
Qwen's ``smart_resize`` (factor 28, 4·28² ≤ pixels ≤ 16384·28², BILINEAR) and
re-saved with Pillow defaults to a new path; the init cell is
``from PIL import Image`` / ``image_1 = Image.open('<that path>')``; the code
is extracted, re-indented the same way and run with ``timeout=60``; the
observation is ``AGENT_CONFIG['return_template']`` (same text but *not*
stripped and always ending ``"\\n\\nImages:\\n"``); returned images that are
entirely ≥ 250 are dropped, the rest smart-resized (BILINEAR), converted
RGBA→RGB and re-encoded as JPEG (Pillow default quality 75) — no 10-image cap.

Choices / deviations:
- The reference runs everything in this process: it replays the fresh-process
  semantics by creating a new ``InteractiveShellEmbed`` per call (made the
  IPython singleton, as in a fresh process), round-tripping the namespace
  through cloudpickle, resetting rcParams and closing all figures after each
  call.  SAFE_PREFIX's assignments that disable ``os``/``shutil``/
  ``builtins`` functions are *not* executed (they would cripple the
  reference); only its imports and ``plt.tight_layout()`` are.
- IPython version: the sandbox does not pin it; the reference uses the pinned
  one in requirements.txt (8.37.0, the version Visual Sketchpad pins).
  Traceback text (``Cell In[1], line N`` blocks) follows that version.
- The soft timeout's traceback contains a frame of the harness's own signal
  handler; its file/line/source lines are the reference's, not
  ``fast_api_server.py``'s.  The hard timeout (process killed) cannot happen
  in-process; ``HARD_TIMEOUT_STDERR`` documents the text.
- Multi-image inputs: the harness defines only ``image_1`` although the
  prompt promises ``image_i`` for every image; the reference defines
  ``image_1 … image_n`` with the same template per image (identical for one
  image).
- Writes to ``sys.stderr`` outside tracebacks are discarded (as in the
  harness); they are kept in ``harness["uncaptured_stderr"]`` for debugging.
"""

from __future__ import annotations

import base64
import contextlib
import io
import math
import os
import re
import textwrap

import numpy as np
from PIL import Image

from . import common

RETURN_CODE_PROMPT = """Code execution result:
stdout:
```
{stdout}
```

stderr:
```
{stderr}
```

{image}
"""

EVAL_RETURN_TEMPLATE = """Code execution result:
stdout:
```
{stdout}
```

stderr:
```
{stderr}
```

Images:\n"""

INITIALIZATION_CODE_TEMPLATE = """
from PIL import Image
import base64
from io import BytesIO

_img_base64 = "{base64_image}"
image_{index} = Image.open(BytesIO(base64.b64decode(_img_base64)))
"""

EVAL_INIT_CODE = """
from PIL import Image
image_{index} = Image.open({img_path!r})
"""

# The imports and the figure SAFE_PREFIX leaves behind (its "= None"
# assignments are not replayed, see the module docstring).
SAFE_PREFIX_REPLAY = """
import builtins
import os
import shutil
import subprocess
import sys
import matplotlib.pyplot as plt
plt.tight_layout()
"""

HARD_TIMEOUT_STDERR = "TimeOutError: code execution timed out"
CODE_EXECUTION_ERROR = "Code execution error"
MAX_IMAGES_PER_ROUND = 10
RL_TIMEOUT = 200.0  # request_jupyter_execution(code_timeout=200)
EVAL_TIMEOUT = 60.0  # agent_utils.execute_code(code_timeout=60.0)

_ANSI = re.compile(r"\x1B\[[0-?]*[ -/]*[@-~]")


def strip_ansi(s: str) -> str:
    return _ANSI.sub("", s)


def fix_python_indentation(code: str) -> str:
    """A1 fix_python_indentation (same algorithm, see module docstring)."""
    import autopep8

    try:
        stripped = [line.strip() for line in code.split("\n") if line.strip()]
        rebuilt = []
        depth = 0
        for line in stripped:
            if any(line.startswith(kw) for kw in ["except", "elif", "else", "finally"]):
                depth = max(0, depth - 1)
            rebuilt.append("    " * depth + line)
            if line.endswith(":"):
                depth += 1
        dedented = textwrap.dedent("\n".join(rebuilt)).strip()
        return autopep8.fix_code(dedented, options={"aggressive": 2})
    except Exception:
        return code


def maybe_resize_image(image: Image.Image) -> Image.Image:
    """A1 DeepEyesV2_ENV.maybe_resize_image."""
    height, width = image.height, image.width
    if max(height, width) / min(height, width) > 200:
        max_val = max(height, width)
        min_val = min(height, width)
        old_scale = max_val / min_val
        max_ratio = min(150, old_scale / 2)
        target_max = int(min_val * max_ratio)
        if height > width:
            new_height = target_max
            new_width = int(width * old_scale / max_ratio)
        else:
            new_width = target_max
            new_height = int(height * old_scale / max_ratio)
        image = image.resize((int(new_width), int(new_height)), Image.LANCZOS)
        height, width = image.height, image.width
    if min(height, width) >= 32:
        return image
    ratio = 32 / min(height, width)
    return image.resize((math.ceil(width * ratio), math.ceil(height * ratio)), Image.LANCZOS)


IMAGE_FACTOR = 28
MIN_PIXELS = 4 * 28 * 28
MAX_PIXELS = 16384 * 28 * 28


def smart_resize(height: int, width: int, factor: int = IMAGE_FACTOR,
                 min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """A3 smart_resize (Qwen2.5-VL's rule)."""
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = math.floor(height / beta / factor) * factor
        w_bar = math.floor(width / beta / factor) * factor
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def maybe_resize_image_v2(image: Image.Image) -> Image.Image:
    """A3 maybe_resize_image_v2."""
    new_h, new_w = smart_resize(image.height, image.width)
    if new_h == image.height and new_w == image.width:
        return image
    return image.resize((new_w, new_h), Image.BILINEAR)


def check_white_image(pil_image: Image.Image) -> bool:
    return bool(np.all(np.array(pil_image) >= 250))


class TimeoutException(Exception):
    """fast_api_server.TimeoutException (raised as TimeoutException("Timed out!"))."""


def _timeout_exc():
    return TimeoutException("Timed out!")


def _new_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.terminal.embed import InteractiveShellEmbed
    from traitlets.config import Config

    # A fresh process has no IPython singleton: the new shell becomes it (this
    # decides how tracebacks name the cell: "Cell In[1], line N").
    InteractiveShellEmbed.clear_instance()
    InteractiveShell.clear_instance()
    cfg = Config()
    cfg.TerminalInteractiveShell.simple_prompt = True  # no tty on the server
    cfg.HistoryManager.hist_file = ":memory:"
    return InteractiveShellEmbed(config=cfg)


def _is_serializable(obj) -> bool:
    import cloudpickle

    try:
        cloudpickle.dumps(obj)
        return True
    except Exception:
        return False


class Reference:
    family = "deepeyesv2"

    def __init__(self, images, workdir, variant: str = "rl", timeout: float | None = None):
        if variant not in ("rl", "eval"):
            raise ValueError(variant)
        self.variant = variant
        self.workdir = workdir
        self.timeout = timeout if timeout is not None else (RL_TIMEOUT if variant == "rl" else EVAL_TIMEOUT)
        self.rc = common.RcState(persist=False)
        self.blob: bytes | None = None  # the redis value
        self.init_results = []
        for i, (img, path) in enumerate(images, start=1):
            if variant == "rl":
                buf = io.BytesIO()
                img.save(buf, format="PNG")  # pil_image_to_base64(format="PNG")
                code = INITIALIZATION_CODE_TEMPLATE.format(
                    base64_image=base64.b64encode(buf.getvalue()).decode("utf-8"), index=i)
            else:
                code = EVAL_INIT_CODE.format(index=i, img_path=self._resized_copy(img, path, i))
            self.init_results.append(self._sandbox_call(code))

    # A3 replace_image_path_resize: resize (smart_resize) and re-save with
    # Pillow's defaults, keeping the file name.
    def _resized_copy(self, img: Image.Image, path, index: int) -> str:
        name = os.path.basename(path) if path else f"image_{index}.png"
        out_dir = os.path.join(self.workdir, "LMUData_Resize")
        os.makedirs(out_dir, exist_ok=True)
        out = os.path.join(out_dir, name)
        maybe_resize_image_v2(img).save(out)
        return out

    def _sandbox_call(self, code: str) -> dict:
        """One POST /jupyter_sandbox: a fresh shell, namespace from the blob."""
        common.use_agg()
        common.close_all_figures()
        self.rc.enter()
        lost_err = common.TeeIO()
        try:
            with common.working_directory(self.workdir), contextlib.redirect_stderr(lost_err):
                shell = _new_shell()
                if self.blob is not None:
                    import cloudpickle

                    shell.user_ns.update(cloudpickle.loads(self.blob))
                else:
                    with contextlib.redirect_stdout(common.TeeIO()):
                        shell.run_cell(SAFE_PREFIX_REPLAY)
                try:
                    out = self._run_notebook_code(shell, code)
                except TimeoutException:
                    # escaped run_cell: the process would not have answered in time
                    return {"result": None, "stdout": "", "stderr": HARD_TIMEOUT_STDERR, "images": [],
                            "exc": None, "hard_timeout": True, "uncaptured_stderr": lost_err.getvalue()}
                self._save_namespace(shell.user_ns)
                out["uncaptured_stderr"] = lost_err.getvalue()
                return out
        finally:
            common.close_all_figures()  # the process exits
            self.rc.leave()

    def _save_namespace(self, user_ns: dict) -> None:
        import cloudpickle

        filtered = {k: v for k, v in user_ns.items() if not k.startswith("__") and _is_serializable(v)}
        self.blob = cloudpickle.dumps(filtered)

    def _run_notebook_code(self, shell, code: str) -> dict:
        import matplotlib.pyplot as plt

        try:
            compile(code, "<string>", "exec")
        except SyntaxError as err:
            return {"result": None, "stdout": "", "stderr": f"SyntaxError - {err}", "images": [], "exc": err}

        stdout_buf, stderr_buf = common.TeeIO(), common.TeeIO()
        images: list[str] = []
        result = None
        original_showtraceback = shell.showtraceback

        def custom_traceback(*args, **kwargs):
            with contextlib.redirect_stdout(stderr_buf):
                return original_showtraceback(*args, **kwargs)

        shell.showtraceback = custom_traceback
        origin_plot_func = plt.show

        def plot_callback(*args, **kwargs):
            for fig_num in plt.get_fignums():
                fig = plt.figure(fig_num)
                fig.tight_layout()
                buf = io.BytesIO()
                fig.savefig(buf, bbox_inches="tight", format="png")
                buf.seek(0)
                images.append(base64.b64encode(buf.read()).decode("utf-8"))
            plt.close()
            return origin_plot_func(*args, **kwargs)

        cell = None
        try:
            plt.show = plot_callback
            with contextlib.redirect_stdout(stdout_buf):
                with common.alarm(self.timeout, _timeout_exc):
                    cell = shell.run_cell(code)
                    result = getattr(cell, "result", None)
        finally:
            shell.showtraceback = original_showtraceback
            plt.show = origin_plot_func
            plt.close()
        exc = None
        if cell is not None:
            exc = cell.error_in_exec or cell.error_before_exec
        return {
            "result": result,
            "stdout": strip_ansi(stdout_buf.getvalue()),
            "stderr": strip_ansi(stderr_buf.getvalue()),
            "images": images,
            "exc": exc,
        }

    def run(self, code: str) -> dict:
        if self.variant == "eval":
            # vllm_api.generate_inner_agent: split on ```python / ``` and strip
            code = code.strip()
        fixed = fix_python_indentation(code)
        if fixed.strip() == "":
            return common.make_result(
                text=CODE_EXECUTION_ERROR, parts=[{"type": "text", "text": CODE_EXECUTION_ERROR}],
                harness={"done": True, "sent_code": fixed, "server": "Error: No code provided"})
        out = self._sandbox_call(fixed)
        exc = out.get("exc")
        result_repr = None if out["result"] is None else repr(out["result"])
        harness = {"sent_code": fixed, "uncaptured_stderr": out.get("uncaptured_stderr", "")}
        if out.get("hard_timeout"):
            harness["hard_timeout"] = True
        decoded = [common.decode_b64_image(b) for b in out["images"]]
        if self.variant == "rl":
            images = [common.as_output_image(maybe_resize_image(im)) for im in decoded]
            images = images[:MAX_IMAGES_PER_ROUND]
            image_field = "Images:\n" + "<image>" * len(images) if len(images) > 0 else ""
            text = RETURN_CODE_PROMPT.format(stdout=out["stdout"], stderr=out["stderr"], image=image_field).strip()
            harness["wrapper"] = ["<|im_end|>\n<|im_start|>user\n", "<|im_end|>\n<|im_start|>assistant\n<think>"]
        else:
            images = []
            for im in decoded:
                if check_white_image(im):
                    continue
                im = maybe_resize_image_v2(im)
                if im.mode == "RGBA":
                    im = im.convert("RGB")
                buf = io.BytesIO()
                im.save(buf, format="JPEG")
                images.append(common.as_output_image(common.decode_image_bytes(buf.getvalue())))
            text = EVAL_RETURN_TEMPLATE.format(stdout=out["stdout"], stderr=out["stderr"])
        parts = [{"type": "text", "text": text}] + [{"type": "image", "index": i} for i in range(len(images))]
        return common.make_result(
            stdout=out["stdout"], stderr=out["stderr"], result=result_repr,
            error=common.error_info(exc), text=text, images=images, parts=parts, harness=harness)
