"""DeepEyesV2 (Visual-Agent/DeepEyesV2's RL env posting to
MultiModal-Jupyter-Sandbox's ``/jupyter_sandbox``): every call is a fresh
``InteractiveShellEmbed`` whose namespace comes from the cloudpickle blob the
previous call left (picklable values persist as copies, the rest vanishes;
figures still registered with pyplot come back open; rcParams and open
figures reset), after ``fix_python_indentation`` + autopep8.  ``plt.show``
saves every open figure (``tight_layout``, ``bbox_inches='tight'``); a
trailing expression is echoed as ``Out[1]:`` into stdout; tracebacks
(IPython's) go to stderr; ANSI escapes are stripped.

Options: ``variant`` ``"rl"`` (default: the training env) or ``"eval"``
(VLMEvalKit: the input resized with Qwen's smart_resize and re-saved, shown
images filtered/resized/JPEG-encoded)."""

from __future__ import annotations

import io
import math
import os
import re
import textwrap
import warnings

import numpy as np
from PIL import Image

from .. import capture, images
from .base import Call, Family, alarm, streams

RL_TIMEOUT = 200.0
EVAL_TIMEOUT = 60.0
MAX_IMAGES_PER_ROUND = 10
_ANSI = re.compile(r"\x1B\[[0-?]*[ -/]*[@-~]")
SAFE_PREFIX_IMPORTS = ("import builtins\nimport os\nimport shutil\nimport subprocess\nimport sys\n"
                       "import matplotlib.pyplot as plt\nplt.tight_layout()\n")
INIT_IMPORTS = "\nfrom PIL import Image\nimport base64\nfrom io import BytesIO\n"
EVAL_INIT = "\nfrom PIL import Image\nimage_{index} = Image.open({path!r})\n"

DEFAULT_RC: dict = {}  # matplotlib's rcParams in a fresh process (set by conventions.warm_up)


class TimeoutException(Exception):
    """fast_api_server.TimeoutException."""


def strip_ansi(s: str) -> str:
    return _ANSI.sub("", s)


def fix_python_indentation(code: str) -> str:
    import autopep8

    try:
        lines = [line.strip() for line in code.split("\n") if line.strip()]
        out, depth = [], 0
        for line in lines:
            if any(line.startswith(kw) for kw in ("except", "elif", "else", "finally")):
                depth = max(0, depth - 1)
            out.append("    " * depth + line)
            if line.endswith(":"):
                depth += 1
        return autopep8.fix_code(textwrap.dedent("\n".join(out)).strip(), options={"aggressive": 2})
    except Exception:  # noqa: BLE001
        return code


def maybe_resize_image(image: Image.Image) -> Image.Image:
    h, w = image.height, image.width
    if max(h, w) / min(h, w) > 200:
        mx, mn = max(h, w), min(h, w)
        old = mx / mn
        ratio = min(150, old / 2)
        target = int(mn * ratio)
        if h > w:
            nh, nw = target, int(w * old / ratio)
        else:
            nw, nh = target, int(h * old / ratio)
        image = image.resize((int(nw), int(nh)), Image.LANCZOS)
        h, w = image.height, image.width
    if min(h, w) >= 32:
        return image
    r = 32 / min(h, w)
    return image.resize((math.ceil(w * r), math.ceil(h * r)), Image.LANCZOS)


def smart_resize(height, width, factor=28, min_pixels=4 * 28 * 28, max_pixels=16384 * 28 * 28):
    hb = max(factor, round(height / factor) * factor)
    wb = max(factor, round(width / factor) * factor)
    if hb * wb > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        hb = math.floor(height / beta / factor) * factor
        wb = math.floor(width / beta / factor) * factor
    elif hb * wb < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        hb = math.ceil(height * beta / factor) * factor
        wb = math.ceil(width * beta / factor) * factor
    return hb, wb


def maybe_resize_image_v2(image: Image.Image) -> Image.Image:
    nh, nw = smart_resize(image.height, image.width)
    if (nh, nw) == (image.height, image.width):
        return image
    return image.resize((nw, nh), Image.BILINEAR)


def _new_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.terminal.embed import InteractiveShellEmbed
    from traitlets.config import Config

    InteractiveShellEmbed.clear_instance()
    InteractiveShell.clear_instance()
    cfg = Config()
    cfg.TerminalInteractiveShell.simple_prompt = True
    cfg.HistoryManager.hist_file = ":memory:"
    return InteractiveShellEmbed(config=cfg)


def _serialisable(v) -> bool:
    import cloudpickle

    try:
        cloudpickle.dumps(v)
        return True
    except Exception:  # noqa: BLE001
        return False


def _reset_matplotlib() -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(DEFAULT_RC)


class DeepEyesV2(Family):
    name = "deepeyesv2"

    def __init__(self, session):
        super().__init__(session)
        self.variant = self.options.get("variant", "rl")
        if self.variant not in ("rl", "eval"):
            raise ValueError(f"deepeyesv2 variant must be 'rl' or 'eval', not {self.variant!r}")
        self.default_timeout = RL_TIMEOUT if self.variant == "rl" else EVAL_TIMEOUT
        self.blob: bytes | None = None

    # -- images: the env's init cell for each image -----------------------------
    def bind_image(self, src) -> None:
        i = src.index + 1
        if self.variant == "rl":
            # image_i = Image.open(BytesIO(b64decode(<PNG of the image>))): a lazy PngImageFile.
            cls = images.mapped_class("PIL.PngImagePlugin", "PngImageFile", "PNG", "Portable network graphics")
            obj = images.make_mapped(src, src.mode, {}, cls)
            self._sandbox_call(INIT_IMPORTS, None, inject={f"image_{i}": obj, "_img_base64": ""})
        else:
            self._sandbox_call(EVAL_INIT.format(index=i, path=self._resized_copy(src, i)), None)

    def _resized_copy(self, src, i: int) -> str:
        name = os.path.basename(src.files[0]) if src.files else f"image_{i}.png"
        out_dir = os.path.join(self.workdir, "LMUData_Resize")
        os.makedirs(out_dir, exist_ok=True)
        out = os.path.join(out_dir, name)
        img = images.make_mapped(src, src.mode, src.info(), None)
        maybe_resize_image_v2(img).save(out)
        return out

    # -- one POST /jupyter_sandbox -------------------------------------------------
    def _sandbox_call(self, code: str, call: Call | None, inject: dict | None = None, timeout=None) -> dict:
        _reset_matplotlib()
        lost = capture.BoundedText()
        try:
            with streams(lost, lost):
                shell = _new_shell()
                if self.blob is not None:
                    import cloudpickle

                    shell.user_ns.update(cloudpickle.loads(self.blob))
                else:
                    shell.run_cell(SAFE_PREFIX_IMPORTS)
                if inject:
                    shell.user_ns.update(inject)
                out = self._run_notebook_code(shell, code, call, timeout)
                self.blob = self._dump({k: v for k, v in shell.user_ns.items() if not k.startswith("__")})
                return out
        finally:
            _reset_matplotlib()

    @staticmethod
    def _dump(ns: dict) -> bytes:
        import cloudpickle

        return cloudpickle.dumps({k: v for k, v in ns.items() if _serialisable(v)})

    def _run_notebook_code(self, shell, code: str, call: Call | None, timeout) -> dict:
        import matplotlib.pyplot as plt

        out = call.stdout if call else capture.BoundedText()
        err = call.stderr if call else capture.BoundedText()
        try:
            compile(code, "<string>", "exec")
        except SyntaxError as e:
            err.write(f"SyntaxError - {e}")
            return {"result": None, "exc": e, "images": [], "unrendered": 0}
        shown: list = []
        original_tb = shell.showtraceback

        def showtraceback(*a, **k):
            with streams(err, err):
                return original_tb(*a, **k)

        original_show = plt.show

        unrendered = [0]

        def plot_callback(*a, **k):
            for num in plt.get_fignums():
                fig = plt.figure(num)
                fig.tight_layout()
                if len(shown) < self.session.max_images:
                    shown.append(capture.render_figure(fig, bbox_inches="tight"))
                else:  # past maxImages the reply cannot carry it: not rendered, counted
                    unrendered[0] += 1
            plt.close()
            return original_show(*a, **k)

        cell = None
        result = None
        escaped = None
        shell.showtraceback = showtraceback
        try:
            plt.show = plot_callback
            with streams(out, sys_stderr()):
                with alarm(timeout, lambda: TimeoutException("Timed out!")):
                    cell = shell.run_cell(code)
                    result = getattr(cell, "result", None)
        except TimeoutException as e:  # the alarm fired in IPython's own code, outside the cell
            err.write(f"TimeoutException: {e}\n")
            escaped = e
        finally:
            shell.showtraceback = original_tb
            plt.show = original_show
            plt.close()
        exc = (cell.error_in_exec or cell.error_before_exec) if cell is not None else escaped
        return {"result": result, "exc": exc, "images": shown, "unrendered": unrendered[0]}

    # -- a model call ---------------------------------------------------------------
    def run(self, code: str, timeout: float | None) -> Call:
        call = Call(fresh=self.take_fresh())
        if self.variant == "eval":
            code = code.strip()
        fixed = fix_python_indentation(code)
        call.executed_code = fixed
        if fixed.strip() == "":
            call.harness.update({"done": True, "server": "Error: No code provided"})
            return call
        res = self._sandbox_call(fixed, call, timeout=timeout)
        call.stdout = capture.transformed(call.stdout, strip_ansi)
        call.stderr = capture.transformed(call.stderr, strip_ansi)
        exc = res["exc"]
        if res["result"] is not None:
            call.result = repr(res["result"])
        call.timed_out = isinstance(exc, TimeoutException)
        if exc is not None:
            line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else _cell_line(exc)
            call.error = {"type": type(exc).__name__, "message": str(exc), "line": line,
                          "traceback": call.stderr.getvalue()}
        shown = res["images"]
        if self.variant == "rl":
            # The env keeps the first 10 (max_images_per_round): only those past maxImages
            # among them are Fovea's to count.
            call.dropped = max(0, min(len(shown) + res["unrendered"], MAX_IMAGES_PER_ROUND) - len(shown))
        else:
            call.dropped = res["unrendered"]
        if self.variant == "rl":
            outs = []
            for o in shown[:MAX_IMAGES_PER_ROUND]:
                if o.width / max(1, o.height) > 200 or o.height / max(1, o.width) > 200 or min(o.width, o.height) < 32:
                    im = Image.frombytes("RGBA", (o.width, o.height), o.data)
                    outs.append(capture.from_pil(maybe_resize_image(im), o.source))
                else:
                    outs.append(o)
            call.images = outs
        else:
            for o in shown:
                im = Image.frombytes("RGBA", (o.width, o.height), o.data)
                if bool(np.all(np.asarray(im) >= 250)):
                    continue
                im = maybe_resize_image_v2(im)
                if im.mode == "RGBA":
                    im = im.convert("RGB")
                buf = io.BytesIO()
                im.save(buf, format="JPEG")
                call.images.append(capture.from_pil(Image.open(io.BytesIO(buf.getvalue())), o.source))
        call.harness["sentCode"] = fixed
        return call


def sys_stderr():
    """Writes to sys.stderr outside tracebacks are lost in the harness."""
    return capture.BoundedText(0, 0)


def _cell_line(exc: BaseException) -> int | None:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith("<ipython-input-") or "/ipykernel_" in name or name.startswith("<cell"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
