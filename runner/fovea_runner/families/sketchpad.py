"""Visual Sketchpad (Yushi-Hu/VisualSketchpad on an autogen 0.2.26 Jupyter
kernel: ipykernel 6.30, IPython 8.37, matplotlib-inline 0.1.7): one IPython
shell per session, cells numbered as the kernel numbers them (model cells
from ``In[3]``), the inline backend (``plt.show()`` displays every open figure
and closes them; figures still open at the end of a cell are displayed by
``flush_figures``), ipykernel's stream buffering (stdout and stderr flushed —
stdout first — before each display, result and traceback and at the end),
``display()`` and trailing expressions as ``text/plain`` + image bundles.

The reply's ``harness.outputs`` lists the kernel's messages as autogen's
client reads them, in order (docs/CODE-CONVENTIONS.md, "Per family"):
``{"stream": name, "text", "omitted"?}`` per flushed chunk;
``{"display"|"result": {"text": [...], "data": [...]}}`` per bundle — ``text``
the ``text/plain`` value and ``json.dumps`` of every type that is neither
``image/*`` nor ``text/html``, in bundle order; ``data`` ``{"image": k}`` for
an ``image/png`` returned as the reply's image ``k``, ``{"html": path}`` for
``text/html`` (written to ``<workDir>/<uuid4 hex>.html`` as autogen's executor
writes it), ``{"text": json.dumps(value)}`` for any other ``image/*``;
``{"error": {"ename", "evalue", "traceback": [lines, ANSI included]}}``;
``{"timeout": true}``.  The supervisor builds autogen's text from them.
"""

from __future__ import annotations

import base64
import io
import json
import os
import sys

from PIL import Image

from .. import capture
from .base import Call, Family, alarm, streams

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
TIMEOUT_SECONDS = 60
INIT_CELL = "import sys\nfrom PIL import Image\nfrom IPython.display import display\nparent_dir = {parent!r}\n"
TOOLS_IMPORTS = ("from PIL import Image, ImageDraw\nimport numpy as np\nimport tempfile\nimport time, os\n"
                 "import cv2, json, os, sys, time, random\nfrom matplotlib import colormaps\n"
                 "from matplotlib.colors import Normalize\n")
PNG_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "P", "RGB", "RGBA")


class _KernelTimeout(BaseException):
    pass


class RawImage(bytes):
    """An image/png bundle entry that carries raw pixels instead of PNG bytes
    (IPython accepts bytes from an image/png formatter)."""

    output: capture.Output


def _raw(output: capture.Output) -> RawImage:
    r = RawImage(b"")
    r.output = output
    return r


class _Stream(io.TextIOBase):
    """ipykernel's OutStream: text kept until flushed."""

    def __init__(self, kernel, name):
        super().__init__()
        self.kernel, self.name = kernel, name

    @property
    def encoding(self):
        return "utf-8"

    def isatty(self):
        return False

    def writable(self):
        return True

    def close(self):
        pass

    @property
    def closed(self):
        return False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        self.kernel.write(self.name, s)
        return len(s)

    def flush(self):
        self.kernel.flush(self.name)


def _shell_class():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            self.shell.kernel.message("display_data", data)

        def clear_output(self, wait=False):
            self.shell.kernel.flush_all()

    class Hook(DisplayHook):
        def start_displayhook(self):
            self._bundle = {}

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self._bundle = dict(format_dict)

        def finish_displayhook(self):
            if self._bundle:
                self.shell.kernel.message("execute_result", self._bundle)
            else:
                self.shell.kernel.flush_all()
            self._bundle = {}

    class KernelShell(InteractiveShell):
        displayhook_class = Hook
        display_pub_class = Publisher
        kernel = None

        def showtraceback(self, exc_tuple=None, *args, **kwargs):
            value = (exc_tuple or sys.exc_info())[1]
            if isinstance(value, _KernelTimeout):
                # The client's timeout, caught by IPython's run_code: no error message, and
                # nothing the cell does from here on reaches the client.
                self.kernel.timed_out()
                return None
            return super().showtraceback(exc_tuple, *args, **kwargs)

        def _showtraceback(self, etype, evalue, stb):
            self.kernel.message("error", {"ename": etype.__name__, "evalue": str(evalue), "traceback": list(stb)})

        def init_virtualenv(self):
            pass

    return KernelShell


class Kernel:
    """The parts of ipykernel + autogen's client that decide what the agent sees.

    ``items`` are the cell's messages; a stream item holds its ``BoundedText`` (``buf``)
    until the reply is bounded (``bounds.sketchpad_outputs``); bundle image references
    index the call's images."""

    def __init__(self, call_images: list, family=None):
        self.items: list = []
        self.images = call_images
        self.family = family
        self.result_plain = None  # text/plain of the execute_result: the reply's result
        self.pending = {"stdout": capture.BoundedText(), "stderr": capture.BoundedText()}
        self.totals = {"stdout": capture.BoundedText(), "stderr": capture.BoundedText()}
        self.timeout_at = None  # len(items) when the client's timeout fired

    def timed_out(self):
        if self.timeout_at is None:
            self.flush_all()
            self.timeout_at = len(self.items)
            self.images_at = len(self.images)

    def write(self, name, s):
        self.pending[name].write(s)
        self.totals[name].write(s)

    def flush(self, name):
        buf = self.pending[name]
        if buf.total:
            self.items.append({"stream": name, "buf": buf})
            self.pending[name] = capture.BoundedText()

    def flush_all(self):
        self.flush("stdout")
        self.flush("stderr")

    def message(self, kind, content):
        self.flush_all()
        if kind == "error":
            self.items.append({"error": content})
            return
        texts, data = [], []
        for mime, value in content.items():
            if mime == "text/plain":
                texts.append(value if isinstance(value, str) else str(value))
                if kind == "execute_result" and self.result_plain is None:
                    self.result_plain = texts[-1]
            elif mime == "image/png":
                item = self._image(value)
                if item is not None:
                    data.append(item)
            elif mime == "text/html":
                data.append(self._html(value))
            elif mime.startswith("image/"):
                data.append({"text": _dumps(_wire(value))})
            else:
                texts.append(_dumps(_wire(value)))
        self.items.append({"display" if kind == "display_data" else "result": {"text": texts, "data": data}})

    def _image(self, value):
        """An image/png data item: the runner's raw render, or PNG bytes decoded (the agent
        opens the saved file with ``.convert("RGB")``); None when nothing is returned."""
        if isinstance(value, RawImage):
            out = value.output
        else:
            if self.family is not None and self.family._full():
                self.family.kernel_dropped += 1
                return None
            out = _decode_png(value)
            if out is None:
                return None
        self.images.append(out)
        return {"image": len(self.images) - 1}

    def _html(self, value):
        """autogen's executor writes the HTML to ``<output dir>/<uuid4 hex>.html``."""
        import uuid

        workdir = self.family.workdir if self.family is not None else "."
        path = os.path.join(workdir, uuid.uuid4().hex + ".html")
        try:
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(value if isinstance(value, str) else str(value))
        except OSError:
            pass  # the line names the file all the same, as the harness's would
        return {"html": path}


def _wire(value):
    """A bundle value as the kernel's JSON message carries it (bytes base64-encoded)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _dumps(value) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return json.dumps(str(value))


def _decode_png(value):
    try:
        data = base64.b64decode(value) if isinstance(value, str) else bytes(value)
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            return capture.from_pil(im.convert("RGB"), "display")
    except Exception:  # noqa: BLE001 - unreadable: the agent keeps the tag as text; nothing to return
        return None


def _figure_png(fig):
    """IPython's print_figure(fig, 'png', bbox_inches='tight'), raw."""
    if not fig.axes and not fig.lines:
        return None
    if fig.canvas is None:
        from matplotlib.backend_bases import FigureCanvasBase

        FigureCanvasBase(fig)
    out = capture.print_figure(fig, "figure", facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor(),
                               dpi=fig.dpi, bbox_inches="tight")
    return _raw(capture.rgb(out))  # the agent reads the PNG with .convert("RGB")


def _pil_png(img: Image.Image):
    """Pillow's _repr_png_ as the agent decodes it (Image.open(...).convert("RGB"))."""
    if img.mode not in PNG_MODES:
        return None
    try:
        if img.mode in ("1", "L", "LA", "P", "RGB", "RGBA"):
            rgb = img.convert("RGB")
        else:
            b = io.BytesIO()
            img.save(b, "PNG", compress_level=1)
            rgb = Image.open(io.BytesIO(b.getvalue())).convert("RGB")
    except Exception:  # noqa: BLE001 - _repr_image returns None when saving fails
        return None
    return _raw(capture.from_pil(rgb, "display"))


class Sketchpad(Family):
    name = "sketchpad"
    default_timeout = TIMEOUT_SECONDS

    def __init__(self, session):
        super().__init__(session)
        self.shell = None
        self.kernel_dropped = 0
        self.kernel = Kernel([], self)
        self.stdout = _Stream(self, "stdout")
        self.stderr = _Stream(self, "stderr")

    def _start(self, vision: bool) -> None:
        """The kernel and the harness's first cell (init_env, plus the tools'
        imports for vision tasks)."""
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        cls = _shell_class()
        cls.clear_instance()
        InteractiveShell.clear_instance()
        cfg = Config()
        cfg.HistoryManager.hist_file = ":memory:"
        self.shell = cls.instance(config=cfg)
        self.shell.kernel = self.kernel
        self._configure_inline()
        self._cell(INIT_CELL.format(parent=self.workdir) + (TOOLS_IMPORTS if vision else ""))

    # the streams write to the current kernel record
    def write(self, name, s):
        self.kernel.write(name, s)

    def flush(self, name):
        self.kernel.flush(name)

    def _configure_inline(self):
        from IPython.core import pylabtools
        from matplotlib.figure import Figure

        pylabtools.activate_matplotlib(INLINE_BACKEND)
        import matplotlib_inline.backend_inline as bi

        bi.configure_inline_support(self.shell, INLINE_BACKEND)
        formatters = self.shell.display_formatter.formatters
        pylabtools.select_figure_formats(self.shell, {"png"}, bbox_inches="tight")
        formatters["image/png"].for_type(Figure, lambda fig: self._unless_full(fig, _figure_png))
        formatters["image/png"].for_type(Image.Image, lambda im: self._unless_full(im, _pil_png))
        jpeg = formatters.get("image/jpeg")
        if jpeg is not None:  # Pillow 9.4 (the harness's) had no _repr_jpeg_
            jpeg.for_type(Image.Image, lambda obj: None)

    def _full(self) -> bool:
        """Images past the run's maxImages are not rendered (the reply cannot carry them)."""
        return len(self.kernel.images) >= self.session.max_images

    def _unless_full(self, obj, render):
        if not self._full():
            return render(obj)
        if (obj.axes or obj.lines) if hasattr(obj, "axes") else obj.mode in PNG_MODES:
            self.kernel_dropped += 1  # it would have been an image: counted in imagesDropped
        return None

    def _cell(self, code: str, call: Call | None = None, timeout=None) -> bool:
        """Run one execute_request; returns False when the client timed out."""
        images = call.images if call else []
        self.kernel = Kernel(images, self)
        self.kernel_dropped = 0
        self.shell.kernel = self.kernel
        k = self.kernel
        with streams(self.stdout, self.stderr):
            try:
                with alarm(timeout, _KernelTimeout):
                    self.shell.run_cell(code, store_history=True)
            except _KernelTimeout:  # fired in IPython's own code, outside run_code
                k.timed_out()
            k.flush_all()
        if k.timeout_at is None:
            return True
        del k.items[k.timeout_at:]
        del k.images[k.images_at:]  # figures flushed after the timeout never reach the client
        k.items.append({"timeout": True})
        return False

    def bind_images(self, sources) -> None:
        """First call: cell 1, then cell 2 reading every image as the harness does
        (``image_i = Image.open("<path>").convert("RGB")``).  Images that first
        appear in a later call are bound without a cell."""
        from .. import images

        direct, reads = [], []
        for src in sources:
            if self.shell is None and src.files:
                path = src.files[0]
                rel = path[len(self.workdir) + 1:] if path.startswith(self.workdir + "/") else path
                reads.append(f'image_{src.index + 1} = Image.open("{rel}").convert("RGB")\n')
            else:
                direct.append(src)
        if self.shell is None:
            self._start(vision=bool(sources))
            if reads:
                self._cell("".join(reads))
        for src in direct:
            self.shell.user_ns[f"image_{src.index + 1}"] = images.make_mapped(src, "RGB", src.info(),
                                                                              images.mapped_class())

    def run(self, code: str, timeout: float | None) -> Call:
        call = Call(fresh=self.take_fresh())
        if self.shell is None:
            self.bind_images([])
        content = ("\n" + code.strip("\n") + "\n").replace("\\_", "_").replace("\\", "")
        call.executed_code = content
        try:
            compile(content, "prog.py", "exec")
        except Exception as e:  # noqa: BLE001 - Parser.parse: nothing runs
            call.error = {"type": type(e).__name__, "message": str(e), "line": getattr(e, "lineno", None),
                          "traceback": f"Unexpected {type(e)}: {e}."}
            call.harness.update({"parsed": False, "outputs": []})
            return call
        ok = self._cell(content, call, timeout)
        k = self.kernel
        call.stdout, call.stderr = k.totals["stdout"], k.totals["stderr"]
        call.result = k.result_plain
        call.dropped = self.kernel_dropped
        for item in k.items:
            if "error" in item:
                e = item["error"]
                call.error = {"type": e["ename"], "message": e["evalue"], "line": None,
                              "traceback": capture_strip("\n".join(e["traceback"]))}
        if not ok:
            call.error = {"type": "TimeoutError", "message": "ERROR: Timeout waiting for output from code block.",
                          "line": None, "traceback": None}
            call.timed_out = True
        call.harness.update({"parsed": True, "outputs": k.items, "executionCount": self.shell.execution_count - 1})
        return call


def capture_strip(s: str) -> str:
    import re

    return re.sub(r"\x1b\[.*?m", "", s)
