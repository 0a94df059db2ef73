"""Visual Sketchpad reference (Yushi-Hu/VisualSketchpad @ b038598; its pinned
environment ``env.txt``: pyautogen 0.2.26, ipykernel 6.30.0, ipython 8.37.0,
matplotlib-inline 0.1.7, jupyter_client 8.6.3, Pillow 9.4.0, matplotlib 3.10.3).

Sources:
- V1 ``agent/execution.py``: ``CodeExecutor`` (``JupyterCodeExecutor`` on a
  ``LocalJupyterServer``, ``output_dir=working_dir``, default timeout),
  ``init_env`` (first cell), ``result_processor`` (``<img src='…'>`` tags,
  ``parse_error_message``), ``execute``.
- V2 ``agent/prompt.py``: ``ReACTPrompt.get_exec_feedback``,
  ``get_parsing_feedback``, ``initial_prompt`` ("USER IMAGE stored in
  image_1, image_2 … as PIL image"), ``python_codes_for_images_reading``.
- V3 ``agent/main.py``: vision tasks run the image-reading cell second
  (``CodeExecutor(..., use_vision_tools=True)``); ``agent/agent.py``
  ``SketchpadUserAgent.receive`` (parse → execute → feedback); ``agent/parse.py``
  ``Parser.parse``; ``agent/tools.py`` (module-level imports that
  ``from tools import *`` brings in).
- pyautogen 0.2.26 ``autogen/coding/jupyter/jupyter_code_executor.py``
  (``execute_code_blocks``, ``_save_image``: ``uuid4().hex + ".png"`` in the
  output dir, absolute path, ``timeout=60``) and ``jupyter_client.py``
  (``JupyterKernelClient.execute``: which messages become text);
  ``autogen/agentchat/contrib/img_utils.py`` (``gpt4v_formatter``,
  ``get_pil_image`` → ``.convert("RGB")``).
- ipykernel 6.30.0 (``kernelapp.py`` sets ``MPLBACKEND=module://
  matplotlib_inline.backend_inline``; ``zmqshell.py`` display publisher and
  ``_showtraceback``; ``displayhook.py``), matplotlib-inline 0.1.7
  (``show``/``flush_figures``; ``InlineBackend.rc = {}``;
  ``print_figure_kwargs = {'bbox_inches': 'tight'}``), IPython 8.37.0
  ``pylabtools.print_figure``.

Contract reproduced:
- The model's message is parsed (V3 ``Parser.parse``): ``"\\_"`` → ``"_"``,
  then **every backslash is deleted** (``"a\\nb"`` in a string literal becomes
  ``"anb"``), the code is the text between `````python`` and the next
  `````; ``compile(content, "prog.py", "exec")`` failing gives
  ``"OBSERVATION: Parsing error. Error code: unknown, Error message:\\n"
  "Unexpected <class 'SyntaxError'>: <msg>.\\nPlease fix the error and generate
  the fixed code, in the next THOUGHT and ACTION."`` and nothing runs.  The
  reference is handed the code without fences; it rebuilds the content as
  ``"\\n" + code.strip("\\n") + "\\n"`` (what a standard fenced block yields, so
  traceback line numbers are one more than the code's own).
- Kernel (one per task, Jupyter semantics, ``store_history=True``): cell 1 is
  ``import sys`` / ``from PIL import Image`` / ``from IPython.display import
  display`` / ``parent_dir = …`` / sys.path insert / ``from tools import *``;
  cell 2 (vision tasks) ``image_{i} = Image.open("{path}").convert("RGB")``
  for each image.  Model cells are ``In[3]``, ``In[4]``, … (``In[2]`` … without
  images).  matplotlib uses the inline backend: ``plt.show()`` displays every
  open figure and closes them all; figures still open when the cell ends
  are displayed then (post_execute ``flush_figures``).  A figure displays as
  ``text/plain`` (``<Figure size 640x480 with 1 Axes>``) and ``image/png``
  rendered by ``fig.canvas.print_figure(format='png', facecolor=…, edgecolor=…,
  dpi=fig.dpi, bbox_inches='tight')`` (nothing for a figure without axes).
  ``display(pil_image)`` gives ``text/plain`` (``<PIL.Image.Image image
  mode=RGB size=WxH>``) and ``image/png`` (Pillow's ``_repr_png_``).  A
  trailing expression gives an ``execute_result`` with the same bundles.
- Client (``JupyterKernelClient.execute``): for each message of this cell in
  order — ``stream`` (stdout *and* stderr): its text; ``display_data``/
  ``execute_result``: per mime type, ``text/plain`` → text, ``image/*`` and
  ``text/html`` → data items, anything else → ``json.dumps``; ``error`` →
  stop at once with ``"ERROR: {ename}: {evalue}\\n{traceback-list-repr}"``
  (earlier output of the cell is dropped).  Text items are joined with
  ``"\\n"`` (stream chunks keep their own newlines, so blank lines appear).
- Executor: ``outputs = [joined text] + ["Image data saved to {abs path}" per
  image/png item, "HTML data saved to {abs path}" per html item, json.dumps
  for other data items]``, joined with ``"\\n"``; an error becomes
  ``"ERROR: " + client output``.
- ``result_processor``: success — split on ``"\\n"``; if there are n files,
  drop the last ``2n`` lines; every remaining line starting with ``"<PIL."``
  becomes ``"<img src='{file_k}'>"`` (while files remain, else it is dropped);
  other lines kept; each followed by ``"\\n"``; files not yet used are
  appended as ``"<img src='{file}'>\\n"``.  Failure — ``parse_error_message``:
  everything before the first ``"['"`` (stripped) + ``"\\n\\n"`` + the
  ``ast.literal_eval``-ed traceback list with ``\\x1b\\[.*?m`` removed, joined
  with ``"\\n"`` (a ``SyntaxError`` from literal_eval leaves the list empty).
- Observation (V2 ``get_exec_feedback``): success
  ``"OBSERVATION: Execution success. The output is as follows:\\n{output}\\n"
  "Please generate the next THOUGHT and ACTION. If you can get the answer,
  please also reply with ANSWER: <your answer> and ends with TERMINATE."``;
  failure ``"OBSERVATION: Execution error. Exit code: 1, Output:\\n{output}\\n"
  "Please fix the error and generate the fixed code, in the next THOUGHT and
  ACTION."``.  The agent turns each ``<img src='…'>`` into the image
  (``Image.open(path).convert("RGB")``); ``parts`` shows that split.
- A cell that sends no message for 60 s: ``"ERROR: ERROR: Timeout waiting for
  output from code block."`` → ``parse_error_message`` → ``"ERROR: ERROR:
  Timeout waiting for output from code block\\n\\n"`` (the final "." is eaten).

Choices / deviations:
- No Jupyter kernel is started: the reference emulates ipykernel in-process
  with IPython's ``InteractiveShell`` (pinned 8.37.0), a display publisher and
  display hook that record messages, ipykernel's stream behaviour (stdout and
  stderr buffered separately and flushed — stdout first — before every
  display, execute_result and traceback and at the end of the cell), and
  matplotlib-inline's own ``show``/``flush_figures``.  ipykernel's 0.2 s
  stream flush timer is not emulated (a cell that prints, computes > 0.2 s and
  prints again gets two stream messages, i.e. an extra blank line, in the
  harness); fd-level output from C libraries is not captured.
- Pillow 9.4 (the pinned version) has no ``_repr_jpeg_``; newer Pillow adds an
  ``image/jpeg`` bundle that autogen would ``json.dumps`` into the text.  The
  reference suppresses ``image/jpeg`` for PIL images to match 9.4.
- ``from tools import *``: the vision-expert tools need model servers and
  their code is not reproduced; the names the module imports at top level
  (``Image, ImageDraw, np, tempfile, time, os, cv2, json, sys, random,
  colormaps, Normalize``) are defined.  ``sys.path`` is not modified.
- ``_save_image`` names files with ``uuid4().hex``; the reference uses a
  deterministic 32-hex-digit counter name (``000…01.png``) in ``workdir``.
- Timeout: the harness's kernel keeps running after the client gives up; the
  reference interrupts the cell.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import io
import json
import os
import re
import sys

import matplotlib
from PIL import Image

from . import common

EXEC_SUCCESS = ("OBSERVATION: Execution success. The output is as follows:\n{output}\n"
                "Please generate the next THOUGHT and ACTION. If you can get the answer, please also reply "
                "with ANSWER: <your answer> and ends with TERMINATE.")
EXEC_ERROR = ("OBSERVATION: Execution error. Exit code: {exit_code}, Output:\n{output}\n"
              "Please fix the error and generate the fixed code, in the next THOUGHT and ACTION.")
PARSING_ERROR = ("OBSERVATION: Parsing error. Error code: {error_code}, Error message:\n{error_message}\n"
                 "Please fix the error and generate the fixed code, in the next THOUGHT and ACTION.")
CLIENT_TIMEOUT = "ERROR: Timeout waiting for output from code block."
TIMEOUT_SECONDS = 60  # JupyterCodeExecutor(timeout=60) default

INIT_CELL = ("import sys\n"
             "from PIL import Image\n"
             "from IPython.display import display\n"
             "parent_dir = {parent_dir!r}\n")
# The module-level imports of agent/tools.py that `from tools import *` exports.
TOOLS_IMPORTS = ("from PIL import Image, ImageDraw\n"
                 "import numpy as np\n"
                 "import tempfile\n"
                 "import time, os\n"
                 "import cv2, json, os, sys, time, random\n"
                 "from matplotlib import colormaps\n"
                 "from matplotlib.colors import Normalize\n")

_IMG_TAG = re.compile(r"<img src='([^']*)'>")
_ANSI_SKETCHPAD = re.compile(r"\x1b\[.*?m")

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


class _KernelTimeout(BaseException):
    pass


class _Stream(io.TextIOBase):
    """ipykernel OutStream: buffered until flushed."""

    def __init__(self, kernel, name):
        self.kernel = kernel
        self.name = name

    @property
    def encoding(self):
        return "utf-8"

    def isatty(self):
        return False

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        self.kernel.pending[self.name].append(s)
        return len(s)

    def flush(self):
        self.kernel.flush_stream(self.name)


def _make_shell_class():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class KernelDisplayPublisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            kernel = self.shell.kernel_emulator
            kernel.flush_all()
            kernel.events.append(("display_data", encode_images(data)))

        def clear_output(self, wait=False):
            self.shell.kernel_emulator.flush_all()

    class KernelDisplayHook(DisplayHook):
        def start_displayhook(self):
            self._bundle = {}

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self._bundle = dict(format_dict)

        def finish_displayhook(self):
            kernel = self.shell.kernel_emulator
            kernel.flush_all()
            if self._bundle:
                kernel.events.append(("execute_result", encode_images(self._bundle)))
            self._bundle = {}

    class KernelShell(InteractiveShell):
        displayhook_class = KernelDisplayHook
        display_pub_class = KernelDisplayPublisher
        kernel_emulator = None

        def _showtraceback(self, etype, evalue, stb):
            kernel = self.kernel_emulator
            kernel.flush_all()
            kernel.events.append(("error", {"ename": str(etype.__name__), "evalue": str(evalue),
                                            "traceback": list(stb)}))

        def init_virtualenv(self):  # no warnings about the venv
            pass

    return KernelShell


_SHELL_CLASS = None


def encode_images(data: dict) -> dict:
    """ipykernel jsonutil.encode_images: binary image payloads travel as base64 text."""
    out = {}
    for mime, value in data.items():
        if isinstance(value, (bytes, bytearray)):
            value = base64.b64encode(value).decode("ascii")
        out[mime] = value
    return out


class KernelEmulator:
    """Just enough of ipykernel for autogen's client to see the same messages."""

    def __init__(self, cwd: str):
        global _SHELL_CLASS
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        if _SHELL_CLASS is None:
            _SHELL_CLASS = _make_shell_class()
        self.cwd = cwd
        self.events: list = []
        self.pending = {"stdout": [], "stderr": []}
        # The kernel process has exactly one shell: make it the singleton.
        _SHELL_CLASS.clear_instance()
        InteractiveShell.clear_instance()
        cfg = Config()
        cfg.HistoryManager.hist_file = ":memory:"
        self.shell = _SHELL_CLASS.instance(config=cfg)
        self.shell.kernel_emulator = self
        self._suppress_pil_jpeg()
        self.stdout = _Stream(self, "stdout")
        self.stderr = _Stream(self, "stderr")

    def _suppress_pil_jpeg(self):
        # Pillow 9.4 (pinned by the harness) had no _repr_jpeg_.
        fmt = self.shell.display_formatter.formatters.get("image/jpeg")
        if fmt is not None:
            fmt.for_type(Image.Image, lambda obj: None)

    def flush_stream(self, name):
        chunks = self.pending[name]
        if chunks:
            text = "".join(chunks)
            self.pending[name] = []
            if text:
                self.events.append(("stream", {"name": name, "text": text}))

    def flush_all(self):
        self.flush_stream("stdout")
        self.flush_stream("stderr")

    @contextlib.contextmanager
    def _inline_matplotlib(self):
        import matplotlib.pyplot as plt
        from IPython.core import pylabtools

        saved_dii = plt.draw_if_interactive
        pylabtools.activate_matplotlib(INLINE_BACKEND)
        import matplotlib_inline.backend_inline as bi

        try:
            self.shell.events.unregister("post_execute", bi.flush_figures)
        except ValueError:
            pass
        bi.configure_inline_support(self.shell, INLINE_BACKEND)
        pylabtools.select_figure_formats(self.shell, {"png"}, bbox_inches="tight")
        try:
            yield
        finally:
            try:
                self.shell.events.unregister("post_execute", bi.flush_figures)
            except ValueError:
                pass
            bi.show._to_draw = []
            bi.show._draw_called = False
            plt.close("all")
            plt.draw_if_interactive = saved_dii
            common.use_agg()

    def execute(self, code: str, timeout: float | None) -> list:
        """Run one execute_request; returns the iopub messages of this cell."""
        self.events = []
        self.pending = {"stdout": [], "stderr": []}
        timed_out = False
        with common.working_directory(self.cwd), self._inline_matplotlib(), \
                contextlib.redirect_stdout(self.stdout), contextlib.redirect_stderr(self.stderr):
            try:
                with common.alarm(timeout, _KernelTimeout):
                    self.shell.run_cell(code, store_history=True)
            except _KernelTimeout:
                timed_out = True
            self.flush_all()
        events = list(self.events)
        if timed_out:
            events.append(("client_timeout", None))
        return events


def client_execute(events: list) -> dict:
    """JupyterKernelClient.execute over the recorded messages."""
    text_output, data_output = [], []
    for msg_type, content in events:
        if msg_type == "client_timeout":
            return {"is_ok": False, "output": CLIENT_TIMEOUT, "data_items": []}
        if msg_type in ("execute_result", "display_data"):
            for data_type, data in content.items():
                if data_type == "text/plain":
                    text_output.append(data)
                elif data_type.startswith("image/") or data_type == "text/html":
                    data_output.append((data_type, data))
                else:
                    text_output.append(json.dumps(data))
        elif msg_type == "stream":
            text_output.append(content["text"])
        elif msg_type == "error":
            return {"is_ok": False,
                    "output": f"ERROR: {content['ename']}: {content['evalue']}\n{content['traceback']}",
                    "data_items": []}
    return {"is_ok": True, "output": "\n".join(str(o) for o in text_output), "data_items": data_output}


def parse_error_message(error: str) -> str:
    """V1 CodeExecutor.result_processor.parse_error_message."""
    start = error.find("['")
    initial_error = error[:start].strip()
    tb_str = error[start:]
    try:
        tb_list = ast.literal_eval(tb_str)
    except SyntaxError:
        tb_list = []
    tb_list = [_ANSI_SKETCHPAD.sub("", line) for line in tb_list]
    return initial_error + "\n\n" + "\n".join(tb_list)


def result_processor(exit_code: int, output_str: str, file_paths: list) -> str:
    """V1 CodeExecutor.result_processor (the string part)."""
    if exit_code != 0:
        return parse_error_message(output_str)
    lines = output_str.split("\n")
    if len(file_paths) > 0:
        lines = lines[:-2 * len(file_paths)]
    new_str = ""
    image_idx = 0
    for line in lines:
        if line.startswith("<PIL."):
            if image_idx < len(file_paths):
                new_str += f"<img src='{file_paths[image_idx]}'>"
                image_idx += 1
        else:
            new_str += line
        new_str += "\n"
    for file_idx, file in enumerate(file_paths):
        if file_idx >= image_idx:
            new_str += f"<img src='{file}'>"
            new_str += "\n"
    return new_str


def silence_pip(code: str) -> str:
    lines = code.split("\n")
    for i, line in enumerate(lines):
        m = re.search(r"^! ?pip install", line)
        if m is not None and "-qqq" not in line:
            lines[i] = line.replace(m.group(0), m.group(0) + " -qqq")
    return "\n".join(lines)


class Reference:
    family = "sketchpad"

    def __init__(self, images, workdir, timeout: float | None = TIMEOUT_SECONDS):
        self.workdir = os.path.abspath(workdir)
        self.timeout = timeout
        self.rc = common.RcState(persist=True)
        self.file_counter = 0
        common.close_all_figures()
        self.kernel = KernelEmulator(self.workdir)
        vision = bool(images)
        init = INIT_CELL.format(parent_dir=self.workdir) + (TOOLS_IMPORTS if vision else "")
        self.init_results = [self._execute(init)]
        if vision:
            lines = ""
            for i, (img, path) in enumerate(images, start=1):
                if path is None:
                    path = f"image_{i}.png"
                    img.save(os.path.join(self.workdir, path))
                lines += f"""image_{i} = Image.open("{path}").convert("RGB")\n"""
            self.init_results.append(self._execute(lines))

    def _save_image(self, b64: str) -> str:
        self.file_counter += 1
        path = os.path.join(self.workdir, f"{self.file_counter:032x}.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(b64))
        return os.path.abspath(path)

    def _save_html(self, html: str) -> str:
        self.file_counter += 1
        path = os.path.join(self.workdir, f"{self.file_counter:032x}.html")
        with open(path, "w") as f:
            f.write(html)
        return os.path.abspath(path)

    def _execute(self, content: str) -> dict:
        """CodeExecutor.execute: executor + result_processor."""
        common.use_agg()
        self.rc.enter()
        try:
            events = self.kernel.execute(silence_pip(content), self.timeout)
        finally:
            self.rc.leave()
        res = client_execute(events)
        if res["is_ok"]:
            outputs = [res["output"]]
            files = []
            for mime, data in res["data_items"]:
                if mime == "image/png":
                    p = self._save_image(data)
                    outputs.append(f"Image data saved to {p}")
                    files.append(p)
                elif mime == "text/html":
                    p = self._save_html(data)
                    outputs.append(f"HTML data saved to {p}")
                    files.append(p)
                else:
                    outputs.append(json.dumps(data))
            exit_code, output, file_paths = 0, "\n".join(str(o) for o in outputs), files
        else:
            exit_code, output, file_paths = 1, f"ERROR: {res['output']}", []
        return {"exit_code": exit_code, "raw_output": output, "output": result_processor(exit_code, output, file_paths),
                "files": file_paths, "events": events}

    def run(self, code: str) -> dict:
        # Parser.parse on "```python\n<code>\n```"
        content = ("\n" + code.strip("\n") + "\n").replace("\\_", "_").replace("\\", "")
        try:
            if len(content) == 0:
                raise ValueError("empty")
            compile(content, "prog.py", "exec")
        except Exception as err:
            msg = f"Unexpected {type(err)}: {err}."
            text = PARSING_ERROR.format(error_code="unknown", error_message=msg)
            return common.make_result(text=text, parts=[{"type": "text", "text": text}],
                                      error=common.error_info(err),
                                      harness={"parsed": False, "content": content})
        r = self._execute(content)
        stdout = "".join(c["text"] for t, c in r["events"] if t == "stream" and c["name"] == "stdout")
        stderr = "".join(c["text"] for t, c in r["events"] if t == "stream" and c["name"] == "stderr")
        error = None
        result = None
        for t, c in r["events"]:
            if t == "error":
                error = {"type": c["ename"], "message": c["evalue"]}
            elif t == "execute_result":
                result = c.get("text/plain")
            elif t == "client_timeout":
                error = {"type": "TimeoutError", "message": CLIENT_TIMEOUT}
        if r["exit_code"] == 0:
            text = EXEC_SUCCESS.format(output=r["output"])
        else:
            text = EXEC_ERROR.format(exit_code=r["exit_code"], output=r["output"])
        parts, images = [], []
        pos = 0
        for m in _IMG_TAG.finditer(text):
            try:
                with Image.open(m.group(1)) as im:
                    img = im.convert("RGB")
            except Exception:
                continue  # gpt4v_formatter: warn and skip the tag (its text stays)
            parts.append({"type": "text", "text": text[pos:m.start()]})
            images.append(img)
            parts.append({"type": "image", "index": len(images) - 1})
            pos = m.end()
        parts.append({"type": "text", "text": text[pos:]})
        return common.make_result(
            stdout=stdout, stderr=stderr, result=result, error=error, text=text, images=images, parts=parts,
            harness={"parsed": True, "content": content, "exit_code": r["exit_code"],
                     "executor_output": r["raw_output"], "files": r["files"]})
