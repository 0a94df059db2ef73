"""The in-process interpreter behind Fovea's own conventions (``r1v4``,
``plain``): one globals dict per session, ``exec`` of each call compiled under
the file name ``<call-N>`` (N counts the session's calls from 1, so tracebacks
show the call's source lines), figures captured on ``plt.show()``, optional
``display()``, files written in the working directory collected.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import hashlib
import io
import os
import textwrap

import matplotlib.pyplot as plt
from PIL import Image

from . import common

IMAGE_FILE_EXTS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff")


def deadline_message(seconds: float) -> str:
    """SPEC 3.1's deadline sentence."""
    s = f"{seconds:g}"
    return f"code ran longer than {s} s and was stopped; the session's variables are gone"


class DeadlineExceeded(BaseException):
    pass


def _file_state(root: str) -> dict:
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            p = os.path.join(dirpath, name)
            try:
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            except OSError:
                continue
            state[os.path.relpath(p, root)] = digest
    return state


class SimpleSession:
    """Shared machinery; subclasses set the policy knobs."""

    prelude = ""
    savefig_kwargs: dict = {}
    with_display = False
    with_trailing_expression = False
    collect_files = False
    image_mode = "own"  # "own": as decoded; "rgb": .convert("RGB")

    def __init__(self, images, workdir, timeout: float | None = 30.0):
        self.workdir = os.path.abspath(workdir)
        self.timeout = timeout
        self.images = images
        self.rc = common.RcState(persist=True)
        self.calls = 0
        self.filenames: list[str] = []
        common.use_agg()
        common.close_all_figures()
        self._new_namespace()

    def _new_namespace(self) -> None:
        g: dict = {"__name__": "__main__", "__builtins__": builtins}
        with common.working_directory(self.workdir):
            exec(self.prelude, g)
        for i, (img, _path) in enumerate(self.images, start=1):
            img = img.copy() if self.image_mode == "own" else img.convert("RGB")
            g[f"image_{i}"] = img
            if i == 1:
                g["image"] = img
        self.g = g

    # -- output capture -------------------------------------------------
    def _capture_figures(self, shown: list) -> None:
        for num in plt.get_fignums():
            fig = plt.figure(num)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", **self.savefig_kwargs)
            shown.append(common.as_output_image(common.decode_image_bytes(buf.getvalue())))
        plt.close("all")

    def _display(self, shown: list):
        import matplotlib.figure

        def display(*objs, **kwargs):
            for obj in objs:
                if isinstance(obj, Image.Image):
                    shown.append(common.as_output_image(obj.copy()))
                elif isinstance(obj, matplotlib.figure.Figure):
                    buf = io.BytesIO()
                    obj.savefig(buf, format="png", **self.savefig_kwargs)
                    shown.append(common.as_output_image(common.decode_image_bytes(buf.getvalue())))
                else:
                    print(repr(obj))

        return display

    def run(self, code: str) -> dict:
        code = textwrap.dedent(code).strip("\n")
        self.calls += 1
        filename = f"<call-{self.calls}>"
        self.filenames.append(filename)
        common.register_source(filename, code)
        before = _file_state(self.workdir) if self.collect_files else {}
        shown: list = []
        out, err = common.TeeIO(), common.TeeIO()
        exc: BaseException | None = None
        value = None
        timed_out = False
        original_show = plt.show

        def show(*args, **kwargs):
            self._capture_figures(shown)

        common.use_agg()
        self.rc.enter()
        if self.with_display:
            self.g["display"] = self._display(shown)
        try:
            with common.working_directory(self.workdir), contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(err):
                plt.show = show
                try:
                    with common.alarm(self.timeout, DeadlineExceeded):
                        tree = ast.parse(code, filename, "exec")
                        last = None
                        if self.with_trailing_expression and tree.body and isinstance(tree.body[-1], ast.Expr):
                            last = tree.body.pop()
                        exec(compile(tree, filename, "exec"), self.g)
                        if last is not None:
                            value = eval(compile(ast.Expression(last.value), filename, "eval"), self.g)
                except DeadlineExceeded:
                    timed_out = True
                except Exception as e:  # the model's exception
                    exc = e
                finally:
                    plt.show = original_show
        finally:
            self.rc.leave()
        files: list = []
        if self.collect_files:
            after = _file_state(self.workdir)
            for rel in sorted(after):
                if rel.lower().endswith(IMAGE_FILE_EXTS) and before.get(rel) != after[rel]:
                    try:
                        with Image.open(os.path.join(self.workdir, rel)) as im:
                            files.append(common.as_output_image(im.copy()))
                    except Exception:
                        continue
        common.close_all_figures()
        if timed_out:
            self._new_namespace()
        tb = ""
        if exc is not None:
            tb = common.user_traceback(exc, self.filenames)
        return self.finish(out.getvalue(), err.getvalue(), None if value is None else repr(value), exc, tb,
                           timed_out, shown + files)

    def finish(self, stdout, stderr, result, exc, tb, timed_out, images) -> dict:  # pragma: no cover
        raise NotImplementedError
