"""Shared helpers for the code-fidelity references.

Every family module exposes ``class Reference`` with
``__init__(images, workdir)`` and ``run(code) -> dict``.  The dict always has
the keys

- ``stdout``: what the code wrote to ``sys.stdout`` during the call (raw, not
  stripped), as far as the harness captured it;
- ``stderr``: the harness's stderr channel where it has one (DeepEyesV2:
  tracebacks only; Sketchpad: the kernel's stderr stream); for harnesses that
  do not capture stderr (PyVision, Thyme, R1V4, plain) it is whatever the code
  wrote to ``sys.stderr`` (informational, never part of ``text`` unless the
  family says so);
- ``result``: ``repr`` of a trailing expression where the family has one, else
  ``None``;
- ``error``: ``None`` or ``{"type": <exception class name>, "message": str(exc)}``
  for an exception raised by the model's code (or by the harness on its
  behalf, e.g. PyVision's forbidden-call check);
- ``text``: the observation text exactly as the harness produces it, before
  the agent's outer wrapping (``<interpreter>…</interpreter>``,
  ``<sandbox_output>…</sandbox_output>``, ``<observation>…</observation>``,
  chat-template tokens).  Where a harness interleaves images with text, the
  text is the concatenation of its text parts and ``parts`` gives the
  interleaving;
- ``images``: the images the harness hands to the model, in order, as PIL
  images in RGB or RGBA mode (decoded from the bytes the harness produced);
- ``parts``: ``[{"type": "text", "text": ...} | {"type": "image", "index": i}]``,
  the observation as the harness assembles it (``index`` into ``images``);
- ``harness``: family-specific facts about the call (e.g. Thyme's
  ``discarded`` flag and its internal error message).

Nothing here sandboxes anything: the code runs in this interpreter.
"""

from __future__ import annotations

import base64
import contextlib
import io
import linecache
import os
import signal
import sys
import threading
import traceback
import types
from typing import Any, Callable, Iterable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

# rcParams keys that describe the backend rather than the figure style.
_BACKEND_KEYS = {"backend", "backend_fallback", "interactive"}


def default_rc() -> dict:
    """matplotlib's built-in defaults (what a fresh interpreter has)."""
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        return {k: v for k, v in matplotlib.rcParams.items() if k not in _BACKEND_KEYS}


_DEFAULT_RC = None


def fresh_rc() -> dict:
    global _DEFAULT_RC
    if _DEFAULT_RC is None:
        _DEFAULT_RC = default_rc()
    return dict(_DEFAULT_RC)


def use_agg() -> None:
    """Make pyplot use the non-interactive Agg backend (as every harness but
    Sketchpad does: no display, so matplotlib falls back to Agg)."""
    if matplotlib.get_backend().lower() != "agg":
        plt.switch_backend("Agg")
    matplotlib.interactive(False)


class RcState:
    """Keeps one session's rcParams apart from other sessions in the process.

    A harness whose interpreter lives across calls keeps rcParams changes the
    code makes; one that starts a fresh process per call (DeepEyesV2) does not.
    """

    def __init__(self, persist: bool):
        self.persist = persist
        self.rc = fresh_rc()

    def enter(self) -> None:
        with _quiet_warnings():
            matplotlib.rcParams.update(self.rc if self.persist else fresh_rc())

    def leave(self) -> None:
        if self.persist:
            self.rc = {k: v for k, v in matplotlib.rcParams.items() if k not in _BACKEND_KEYS}
        with _quiet_warnings():
            matplotlib.rcParams.update(fresh_rc())


@contextlib.contextmanager
def _quiet_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def working_directory(path: str):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@contextlib.contextmanager
def alarm(seconds: float | None, make_exc: Callable[[], BaseException]):
    """Raise ``make_exc()`` in the main thread after ``seconds`` (SIGALRM, as
    the harnesses that limit time in-process do).  No limit off the main
    thread or when ``seconds`` is falsy."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise make_exc()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def error_info(exc: BaseException | None) -> dict | None:
    if exc is None:
        return None
    return {"type": type(exc).__name__, "message": str(exc)}


def as_output_image(img: Image.Image) -> Image.Image:
    """The image in RGB or RGBA mode, pixels loaded."""
    img.load()
    if img.mode in ("RGB", "RGBA"):
        return img
    if img.mode in ("LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        return img.convert("RGBA")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit grayscale: what Pillow gives for convert("L") is clipping;
        # normalise the way an observer would see it.
        return img.point(lambda v: v / 256).convert("L").convert("RGB")
    return img.convert("RGB")


def decode_image_bytes(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def decode_b64_image(data: str) -> Image.Image:
    return decode_image_bytes(base64.b64decode(data))


def register_source(filename: str, source: str) -> None:
    """Make ``traceback`` show source lines for code compiled under filename."""
    lines = [line + "\n" for line in source.splitlines()]
    linecache.cache[filename] = (len(source), None, lines, filename)


def user_traceback(exc: BaseException, filenames: Iterable[str]) -> str:
    """CPython's traceback text keeping only frames whose file is one of the
    model's calls (library frames differ between installations).  A
    SyntaxError raised by compile() has no frames: only its caret block."""
    keep = set(filenames)
    te = traceback.TracebackException.from_exception(exc)
    if isinstance(exc, SyntaxError) and not te.stack:
        return "".join(te.format_exception_only())
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if f.filename in keep])
    # Chained exceptions keep their own (filtered) stacks.
    cur = te
    while cur is not None:
        nxt = cur.__cause__ or (None if cur.__suppress_context__ else cur.__context__)
        if nxt is not None:
            nxt.stack = traceback.StackSummary.from_list([f for f in nxt.stack if f.filename in keep])
        cur = nxt
    return "".join(te.format())


def image_parts(text_before: str, n_images: int, first_index: int = 0) -> list:
    parts: list = []
    if text_before:
        parts.append({"type": "text", "text": text_before})
    for i in range(n_images):
        parts.append({"type": "image", "index": first_index + i})
    return parts


def make_result(**kw: Any) -> dict:
    out = {
        "stdout": "",
        "stderr": "",
        "result": None,
        "error": None,
        "text": "",
        "images": [],
        "parts": [],
        "harness": {},
    }
    out.update(kw)
    return out


def close_all_figures() -> None:
    plt.close("all")


class TeeIO(io.StringIO):
    """A StringIO that reports ``isatty() == False`` and never closes."""

    def close(self):  # user code calling sys.stdout.close() must not break us
        pass


def is_module(value: Any) -> bool:
    return isinstance(value, types.ModuleType)
