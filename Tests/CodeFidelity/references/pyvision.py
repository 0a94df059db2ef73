"""PyVision reference (agents-x-project/PyVision @ d08b450).

Sources (all facts below are read from these):
- S1 ``inference_engine/safe_persis_shared_vis_python_exe.py``:
  ``ImageRuntime.HEADERS`` / ``ImageRuntime.__init__`` (pre-imports, image
  variables), ``GenericRuntime.exec_code`` (forbidden-call regex, the textual
  ``plt.show()`` replacement), ``PersistentWorker._worker_loop`` (stdout
  capture, new-figure accounting, result dict, error report),
  ``PersistentWorker.execute`` (timeout report), ``PythonExecutor``
  (``timeout_length=20``, ``truncate``, ``batch_apply``).
- S2 ``inference_engine/vis_inference_demo_gpt.py``: ``evaluate_single_data``
  (code extraction ``split("```python")[-1].split("```")[0].strip()``,
  ``image_clue_idx`` numbering), ``update_messages_with_execute_content``
  (the ``<interpreter>`` observation).

Contract reproduced:
- One interpreter per trajectory (S1 ``PersistentWorker``): a single globals
  dict persists across calls.
- Pre-imported (S1 ``ImageRuntime.HEADERS``, executed in order):
  ``import matplotlib``, ``matplotlib.use('Agg')``,
  ``import matplotlib.pyplot as plt``, ``from PIL import Image``,
  ``import io``, ``import base64``, ``import numpy as np``,
  ``_captured_figures = []``.
- Images: ``image_clue_0``, ``image_clue_1``, … (0-based, in message order),
  each ``Image.open(<data URL bytes>).convert("RGB")`` (S1 ``base64_to_image``
  with ``convert_mode="RGB"``).  ``_captured_figures`` starts holding
  ``base64(image.tobytes())`` of each input image (S1
  ``ImageRuntime.__init__``); they are never returned because the worker only
  returns figures appended during the call.
- Before running (S1 ``GenericRuntime.exec_code``): if
  ``re.search(r"(\\s|^)?(input|os\\.system|subprocess)\\(", code)`` matches,
  ``RuntimeError("Forbidden function calls detected")`` is raised (note the
  optional prefix: ``my_input(`` and ``subprocess(`` anywhere match).  Every
  literal ``plt.show()`` in the source text (also inside strings, comments or
  indented blocks) is replaced by ``SHOW_REPLACEMENT`` — a block of
  column-0 lines that saves the *current* figure with
  ``plt.savefig(buf, format='png')`` (matplotlib defaults: figure dpi, no
  bbox), appends its base64 to ``_captured_figures`` and ``plt.close()``-s
  the current figure only.  Inside an indented block the replacement ends the
  block (code after it at deeper indentation is an IndentationError; a loop
  body's capture runs once, after the loop).  ``plt.show(...)`` with
  arguments is not replaced (Agg: a no-op).  The replacement also leaves
  ``buf`` and ``_captured_image`` in the namespace.
- The code runs with ``exec(code, globals)`` (filename ``<string>``) under
  ``redirect_stdout``; stderr is not captured.
- Result (S1 ``_worker_loop``): ``{'text': stdout, 'images': new}`` /
  ``{'images': new}`` / ``{'text': stdout}`` / ``{}``; then (S1
  ``batch_apply``) ``text = truncate(str(text).strip())`` where
  ``truncate`` keeps ``s[:200] + "..." + s[-200:]`` when ``len(s) > 400``.
- Observation (S2 ``update_messages_with_execute_content``), success:
  ``"<interpreter>\\nText Result:\\n{text}\\nImage Result:\\n"`` then, per new
  image, ``"<image_clue_{k}>"`` <image> ``"</image_clue_{k}>"`` (k continues
  from the number of input images, across calls), or ``"None"`` when there are
  no images, then ``"</interpreter>\\n"``.  ``{text}`` is ``None`` when the
  stdout was empty (the dict had no ``'text'`` key).  Failure:
  ``"<interpreter>" + "Error: {str(exc)}" (stripped, truncated) +
  "</interpreter>\\n"``; stdout and figures of the failed call are dropped.
  Timeout (the worker's queue get times out after 20 s):
  ``"<interpreter>Timeout Error</interpreter>\\n"``.
- ``text`` here is what sits between ``<interpreter>`` and
  ``</interpreter>\\n`` (so a success starts with ``"\\n"``); ``parts`` keeps the
  image positions.

Choices / deviations:
- Timeout: the harness stops *waiting* after 20 s but its worker keeps running
  the code, and the next call then receives the stale result of the previous
  one.  The reference interrupts the code (SIGALRM) and continues normally.
- ``SystemExit``/``KeyboardInterrupt`` escape the worker's ``except
  Exception`` and end the worker process; every later call then times out.
  The reference reports ``Timeout Error`` for that call and all later ones
  without waiting.
- The worker's cwd is wherever the harness was started; the reference runs in
  ``workdir``.
- Images returned are the PNG bytes decoded (RGBA, as savefig writes them).
  The harness labels them ``data:image/jpeg;base64`` although they are PNG.
"""

from __future__ import annotations

import base64
import contextlib
import io
import re

from . import common

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

TIMEOUT_SECONDS = 20  # PythonExecutor(timeout_length=20)
TRUNCATE_AT = 400  # PythonExecutor.truncate(max_length=400)


def truncate(s: str, max_length: int = TRUNCATE_AT) -> str:
    half = max_length // 2
    if isinstance(s, str) and len(s) > max_length:
        s = s[:half] + "..." + s[-half:]
    return s


class _WorkerTimeout(BaseException):
    pass


class Reference:
    family = "pyvision"

    def __init__(self, images, workdir, timeout: float | None = TIMEOUT_SECONDS):
        self.workdir = workdir
        self.timeout = timeout
        self.rc = common.RcState(persist=True)
        self.dead = False
        common.use_agg()
        common.close_all_figures()
        self.rc.enter()
        g: dict = {}
        with common.working_directory(workdir):
            for header in HEADERS:
                exec(header, g)
        injected = {}
        initial = []
        for i, (img, _path) in enumerate(images):
            rgb = img.convert("RGB")
            injected[f"image_clue_{i}"] = rgb
            initial.append(base64.b64encode(io.BytesIO(rgb.tobytes()).getvalue()).decode("utf-8"))
        injected["_captured_figures"] = initial
        g.update(injected)
        self.g = g
        self.next_clue = len(images)
        self.rc.leave()

    # S1 GenericRuntime.exec_code
    def _exec_code(self, code_piece: str) -> None:
        if FORBIDDEN.search(code_piece):
            raise RuntimeError("Forbidden function calls detected")
        if "plt.show()" in code_piece:
            modified = code_piece.replace("plt.show()", SHOW_REPLACEMENT)
            if "_captured_figures" not in self.g:
                self.g["_captured_figures"] = []
            exec(modified, self.g)
        else:
            exec(code_piece, self.g)

    def run(self, code: str) -> dict:
        # S2: code_to_execute = ....split("```")[0].strip(); S1 splits it into
        # lines and joins them with "\n" again.
        code = "\n".join(code.strip().split("\n"))
        if self.dead:
            return self._timeout_result("", "")
        common.use_agg()
        self.rc.enter()
        out, err = common.TeeIO(), common.TeeIO()
        exc = None
        timed_out = False
        pre = len(self.g.get("_captured_figures", []))
        try:
            with common.working_directory(self.workdir), contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(err), common.alarm(self.timeout, _WorkerTimeout):
                self._exec_code(code)
        except _WorkerTimeout:
            timed_out = True
        except Exception as e:  # S1 _worker_loop: except Exception
            exc = e
        except BaseException as e:  # SystemExit etc. end the worker process
            self.dead = True
            res = self._timeout_result(out.getvalue(), err.getvalue())
            res["error"] = common.error_info(e)
            res["harness"]["worker_died"] = True
            return res
        finally:
            self.rc.leave()
        if timed_out:
            return self._timeout_result(out.getvalue(), err.getvalue())
        stdout = out.getvalue()
        if exc is not None:
            report = truncate(str(f"Error: {str(exc)}").strip())
            return common.make_result(
                stdout=stdout, stderr=err.getvalue(), error=common.error_info(exc), text=report,
                parts=[{"type": "text", "text": report}], harness={"report": report},
            )
        new_figures = self.g.get("_captured_figures", [])[pre:]
        if new_figures:
            res = {"text": stdout, "images": new_figures} if stdout else {"images": new_figures}
        else:
            res = {"text": stdout} if stdout else {}
        if "text" in res:
            res["text"] = truncate(str(res["text"]).strip())
        text_result = res.get("text")  # KeyError -> None in S2
        images_b64 = res.get("images")
        head = f"\nText Result:\n{text_result}\nImage Result:\n"
        parts = [{"type": "text", "text": head}]
        text = head
        images = []
        if images_b64 is not None:
            for b64 in images_b64:
                k = self.next_clue
                images.append(common.as_output_image(common.decode_b64_image(b64)))
                parts.append({"type": "text", "text": f"<image_clue_{k}>"})
                parts.append({"type": "image", "index": len(images) - 1})
                parts.append({"type": "text", "text": f"</image_clue_{k}>"})
                text += f"<image_clue_{k}></image_clue_{k}>"
                self.next_clue += 1
        else:
            parts.append({"type": "text", "text": "None"})
            text += "None"
        return common.make_result(
            stdout=stdout, stderr=err.getvalue(), text=text, images=images, parts=parts,
            harness={"report": "Done", "wrapper": ["<interpreter>", "</interpreter>\n"]},
        )

    def _timeout_result(self, stdout: str, stderr: str) -> dict:
        return common.make_result(
            stdout=stdout, stderr=stderr, error={"type": "TimeoutError", "message": "Execution timeout"},
            text="Timeout Error", parts=[{"type": "text", "text": "Timeout Error"}],
            harness={"report": "Timeout Error", "timed_out": True},
        )
