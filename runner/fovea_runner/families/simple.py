"""Fovea's own conventions, ``r1v4`` and ``plain`` (docs/CODE-CONVENTIONS.md):
one globals dict per session, each call compiled as ``<call-N>``, figures on
``plt.show()``, ``display()`` (plain), a trailing expression (plain), image
files created or changed in the working directory (r1v4)."""

from __future__ import annotations

import ast
import builtins
import textwrap

import matplotlib.figure
import matplotlib.pyplot as plt
from PIL import Image

from .. import capture, images
from .base import Call, Family, alarm, error_dict, model_traceback, register_source, streams

R1V4_PRELUDE = """import os
import io
import math
import numpy as np
import matplotlib
import matplotlib.pyplot as plt
from PIL import Image
import cv2
"""


def deadline_message(seconds: float) -> str:
    return f"code ran longer than {seconds:g} s and was stopped; the session's variables are gone"


class DeadlineExceeded(BaseException):
    """The call's deadline; BaseException so model code's ``except Exception`` cannot swallow it."""


class Simple(Family):
    prelude = ""
    savefig_kwargs: dict = {}
    with_display = False
    with_trailing_expression = False
    collect_files = False
    default_timeout = 30.0

    def __init__(self, session):
        super().__init__(session)
        self.calls = 0
        self.unrendered = 0
        self.filenames: list[str] = []
        self.tracker = capture.FileTracker(self.workdir, skip=session.private_dirs) if self.collect_files else None
        self._new_namespace()

    def _new_namespace(self) -> None:
        self.g = {"__name__": "__main__", "__builtins__": builtins}
        if self.prelude:
            exec(compile(self.prelude, "<prelude>", "exec"), self.g)
        for src in self.session.sources.values():
            self.bind_image(src)
        self.fresh = True

    def bind_image(self, src) -> None:
        img = images.make_mapped(src, src.mode, src.info(), images.mapped_class())
        self.g[f"image_{src.index + 1}"] = img
        if src.index == 0:
            self.g["image"] = img

    # outputs ---------------------------------------------------------------------
    def _show_all(self, shown: list) -> None:
        for num in plt.get_fignums():
            if len(shown) >= self.session.max_images:
                self.unrendered += 1  # more than the reply can carry: not rendered, counted
                continue
            shown.append(capture.render_figure(plt.figure(num), **self.savefig_kwargs))
        plt.close("all")

    def _display(self, shown: list):
        def display(*objs, **kwargs):
            for obj in objs:
                if isinstance(obj, Image.Image):
                    shown.append(capture.from_pil(obj.copy(), "display"))
                elif isinstance(obj, matplotlib.figure.Figure):
                    shown.append(capture.render_figure(obj, "display", **self.savefig_kwargs))
                else:
                    print(repr(obj))

        return display

    def run(self, code: str, timeout: float | None) -> Call:
        call = Call(fresh=self.take_fresh())
        code = textwrap.dedent(code).strip("\n")
        call.executed_code = code
        self.calls += 1
        filename = f"<call-{self.calls}>"
        self.filenames.append(filename)
        register_source(filename, code)
        before = self.tracker.state() if self.tracker else {}
        shown: list = []
        self.unrendered = 0
        exc = None
        value = None
        timed_out = False
        original_show = plt.show
        if self.with_display:
            self.g["display"] = self._display(shown)
        try:
            with streams(call.stdout, call.stderr):
                plt.show = lambda *a, **k: self._show_all(shown)
                try:
                    with alarm(timeout, DeadlineExceeded):
                        tree = ast.parse(code, filename, "exec")
                        last = None
                        if self.with_trailing_expression and tree.body and isinstance(tree.body[-1], ast.Expr):
                            last = tree.body.pop()
                        exec(compile(tree, filename, "exec"), self.g)
                        if last is not None:
                            value = eval(compile(ast.Expression(last.value), filename, "eval"), self.g)
                except DeadlineExceeded:
                    timed_out = True
                except BaseException as e:  # noqa: BLE001 - the model's exception, SystemExit included
                    exc = e
                finally:
                    plt.show = original_show
        finally:
            plt.close("all")  # figures never shown are discarded
        files = []
        if self.tracker:
            after = self.tracker.state()
            for rel in sorted(after):
                if before.get(rel) != after[rel]:
                    out = capture.from_file(f"{self.workdir}/{rel}", f"file:{rel}")
                    if out is not None:
                        files.append(out)
        call.images = shown + files
        call.dropped = self.unrendered
        if value is not None:
            call.result = repr(value)
        if exc is not None:
            call.error = error_dict(exc, self.filenames, model_traceback(exc, self.filenames))
        if timed_out:
            msg = deadline_message(timeout)
            call.error = {"type": "TimeoutError", "message": msg, "line": None, "traceback": msg}
            call.timed_out = True
            self._new_namespace()
        return call


class R1V4(Simple):
    name = "r1v4"
    prelude = R1V4_PRELUDE
    savefig_kwargs = {"bbox_inches": "tight"}
    collect_files = True


class Plain(Simple):
    name = "plain"
    with_display = True
    with_trailing_expression = True
