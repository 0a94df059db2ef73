"""What every family shares: the call record, the deadline, stream redirection,
traceback text and the namespace binding of images."""

from __future__ import annotations

import contextlib
import linecache
import signal
import sys
import traceback
from dataclasses import dataclass, field

from ..capture import BoundedText, Output


@dataclass
class Call:
    """One run's outcome, before the reply is bounded and serialised."""

    stdout: BoundedText = field(default_factory=BoundedText)
    stderr: BoundedText = field(default_factory=BoundedText)
    result: str | None = None
    error: dict | None = None
    images: list[Output] = field(default_factory=list)
    executed_code: str | None = None
    harness: dict = field(default_factory=dict)
    fresh: bool = False
    timed_out: bool = False  # the family's in-process deadline (the run's timeout) stopped the code
    dropped: int = 0  # images shown past maxImages and never rendered (the reply's imagesDropped)


class Family:
    """A family's session: names, pre-imports, repairs, outputs.

    ``session`` gives ``workdir``, ``sources`` (index -> images.Source) and
    ``options`` (the run message's options of the first call)."""

    name = "?"
    default_timeout: float | None = 30.0

    def __init__(self, session):
        self.session = session
        self.workdir = session.workdir
        self.options = dict(session.options)
        self.fresh = True  # the next call starts in a namespace with no earlier call

    def bind_images(self, sources) -> None:
        """Bind the images the session sees for the first time (in index order)."""
        for src in sources:
            self.bind_image(src)

    def bind_image(self, src) -> None:  # pragma: no cover - families override one of the two
        raise NotImplementedError

    def run(self, code: str, timeout: float | None) -> Call:  # pragma: no cover
        raise NotImplementedError

    def take_fresh(self) -> bool:
        f, self.fresh = self.fresh, False
        return f


# --- deadline ---------------------------------------------------------------------
@contextlib.contextmanager
def alarm(seconds: float | None, make_exc):
    """Raise ``make_exc()`` in the code after ``seconds`` (SIGALRM, as the
    harnesses that limit time in-process do)."""
    if not seconds or seconds <= 0:
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


@contextlib.contextmanager
def streams(out, err):
    """sys.stdout/sys.stderr (and their __dunder__ originals) are the call's."""
    saved = sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__
    sys.stdout, sys.stderr = out, err
    sys.__stdout__, sys.__stderr__ = out, err
    try:
        yield
    finally:
        sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__ = saved


# --- tracebacks ---------------------------------------------------------------------
def register_source(filename: str, source: str) -> None:
    """Let tracebacks show the source lines of code compiled as ``filename``."""
    lines = [line + "\n" for line in source.splitlines()]
    linecache.cache[filename] = (len(source), None, lines, filename)


def _filter(te: traceback.TracebackException, keep) -> None:
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if f.filename in keep])


def model_traceback(exc: BaseException, filenames) -> str:
    """CPython's traceback keeping only the frames of the model's code (library
    frames differ between installations); a SyntaxError from compiling shows
    only its caret block."""
    keep = set(filenames)
    te = traceback.TracebackException.from_exception(exc)
    if isinstance(exc, SyntaxError) and not te.stack:
        return "".join(te.format_exception_only())
    _filter(te, keep)
    cur, seen = te, set()
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        nxt = cur.__cause__ or (None if cur.__suppress_context__ else cur.__context__)
        if nxt is not None:
            _filter(nxt, keep)
        cur = nxt
    return "".join(te.format())


def error_line(exc: BaseException, filenames) -> int | None:
    """The line of the model's code where ``exc`` was raised (innermost model frame)."""
    if isinstance(exc, SyntaxError) and exc.filename in set(filenames) | {None, "<string>", "<unknown>"}:
        return exc.lineno
    keep = set(filenames)
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in keep:
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None and isinstance(exc, SyntaxError):
        return exc.lineno
    return line


def error_dict(exc: BaseException | None, filenames=(), tb_text: str | None = None) -> dict | None:
    if exc is None:
        return None
    return {"type": type(exc).__name__, "message": str(exc), "line": error_line(exc, filenames),
            "traceback": tb_text}
