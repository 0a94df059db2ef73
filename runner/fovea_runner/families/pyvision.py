"""PyVision (agents-x-project/PyVision, ``safe_persis_shared_vis_python_exe.py``):
one ``exec`` globals dict per trajectory; the forbidden-call regex; every
literal ``plt.show()`` replaced by the harness's capture block, whose
``plt.savefig(buf, format='png')`` line is recognised by its position and
rendered raw instead of PNG-encoded (same pixels, same code text, same line
numbers); stdout captured; figures and stdout of a failed call dropped."""

from __future__ import annotations

import re
import sys

import matplotlib.pyplot as plt

from .. import capture, images
from .base import Call, Family, alarm, error_dict

FORBIDDEN = re.compile(r"(\s|^)?(input|os\.system|subprocess)\(")
HEADERS = [
    "import matplotlib",
    "matplotlib.use('Agg')",
    "import matplotlib.pyplot as plt",
    "from PIL import Image",
    "import io",
    "import base64",
    "import numpy as np",
    "_captured_figures = []",
]
SHOW_REPLACEMENT = """
# Capture current figure
buf = io.BytesIO()
plt.savefig(buf, format='png')
buf.seek(0)
_captured_image = base64.b64encode(buf.read()).decode('utf-8')
_captured_figures.append(_captured_image)
plt.close()
"""
SAVEFIG_OFFSET = 3  # lines from the block's first line to its savefig line
TIMEOUT_SECONDS = 20


def truncate(s: str, max_length: int = 400) -> str:
    half = max_length // 2
    if len(s) > max_length:
        s = s[:half] + "..." + s[-half:]
    return s


class _WorkerTimeout(BaseException):
    pass


def replace_show(code: str) -> tuple[str, set[int]]:
    """The harness's textual replacement, and the 1-based line numbers of the
    capture blocks' ``plt.savefig`` lines in the result."""
    pieces = code.split("plt.show()")
    out = pieces[0]
    lines = set()
    for piece in pieces[1:]:
        first = out.count("\n") + 1  # the line the block's leading newline ends
        lines.add(first + SAVEFIG_OFFSET)
        out += SHOW_REPLACEMENT + piece
    return out, lines


class PyVision(Family):
    name = "pyvision"
    default_timeout = TIMEOUT_SECONDS

    def __init__(self, session):
        super().__init__(session)
        self.dead = False
        self.g: dict = {}
        for header in HEADERS:
            exec(header, self.g)
        self.code_obj = None
        self.savefig_lines: set[int] = set()
        self.pending: list = []
        self.unrendered = 0

    def bind_image(self, src) -> None:
        # Image.open(<data URL bytes>).convert("RGB"): an Image in RGB, the file's info.
        self.g[f"image_clue_{src.index}"] = images.make_mapped(src, "RGB", src.info(), images.mapped_class())
        # The harness seeds _captured_figures with base64(tobytes()) of each input;
        # they are never returned, so an empty string stands for each.
        self.g.setdefault("_captured_figures", []).append("")

    def _savefig(self, original):
        def savefig(*args, **kwargs):
            f = sys._getframe(1)
            if f.f_code is self.code_obj and f.f_lineno in self.savefig_lines:
                if len(self.pending) < self.session.max_images:
                    kw = {k: v for k, v in kwargs.items() if k != "format"}
                    self.pending.append(capture.pyplot_savefig(plt, **kw))
                else:  # past maxImages the reply cannot carry it: not rendered, counted
                    self.unrendered += 1
                return None
            return original(*args, **kwargs)

        return savefig

    def run(self, code: str, timeout: float | None) -> Call:
        call = Call(fresh=self.take_fresh())
        code = "\n".join(code.strip().split("\n"))
        call.executed_code = code
        if self.dead:
            return self._timeout(call)
        exc = None
        timed_out = False
        self.pending = []
        self.unrendered = 0
        original = plt.savefig
        try:
            from .base import streams

            with streams(call.stdout, call.stderr), alarm(timeout, _WorkerTimeout):
                if FORBIDDEN.search(code):
                    raise RuntimeError("Forbidden function calls detected")
                if "plt.show()" in code:
                    modified, self.savefig_lines = replace_show(code)
                    if "_captured_figures" not in self.g:
                        self.g["_captured_figures"] = []
                else:
                    modified, self.savefig_lines = code, set()
                call.executed_code = modified
                self.code_obj = compile(modified, "<string>", "exec")
                plt.savefig = self._savefig(original)
                try:
                    exec(self.code_obj, self.g)
                finally:
                    plt.savefig = original
        except _WorkerTimeout:
            timed_out = True
        except Exception as e:  # the harness's worker: except Exception
            exc = e
        except BaseException as e:  # SystemExit & co. end the harness's worker process
            self.dead = True
            call = self._timeout(call)
            call.error["type"] = type(e).__name__
            call.error["message"] = str(e)
            call.harness["workerDied"] = True
            return call
        finally:
            self.code_obj = None
        if timed_out:
            return self._timeout(call)
        if exc is not None:
            report = truncate(f"Error: {exc}".strip())
            call.error = error_dict(exc, ["<string>"], report)
            call.harness["report"] = report
            return call
        call.images = self.pending
        call.dropped = self.unrendered
        self.pending = []
        call.harness["report"] = "Done"
        return call

    def _timeout(self, call: Call) -> Call:
        call.error = {"type": "TimeoutError", "message": "Execution timeout", "line": None,
                      "traceback": "Timeout Error"}
        call.harness["report"] = "Timeout Error"
        call.timed_out = True  # the deadline, or the worker gone after SystemExit: "Timeout Error"
        return call
