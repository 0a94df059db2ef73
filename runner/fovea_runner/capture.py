"""What a call produces: bounded stdout/stderr, figures rendered to raw RGBA,
images converted to RGB/RGBA bytes, image files written in the working
directory.

Nothing here PNG-encodes: a figure is rendered with ``savefig(format='raw',
<the family's savefig arguments>)`` into a sink whose ``write`` receives the
renderer's RGBA buffer — the same pixels the PNG the harness writes decodes
to (PNG is lossless; ``tests/test_fidelity.py`` compares them).
"""

from __future__ import annotations

import collections
import hashlib
import io
import os
from dataclasses import dataclass

from PIL import Image

HEAD_BYTES = 16 * 1024
TAIL_BYTES = 16 * 1024
IMAGE_FILE_EXTS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff")


def utf8_len(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-8", "replace"))


def utf8_prefix(s: str, nbytes: int) -> str:
    """The longest prefix of s whose UTF-8 form has at most nbytes."""
    if s.isascii():
        return s[:nbytes]
    return s.encode("utf-8", "replace")[:nbytes].decode("utf-8", "ignore")


def utf8_suffix(s: str, nbytes: int) -> str:
    if s.isascii():
        return s[-nbytes:] if nbytes else ""
    b = s.encode("utf-8", "replace")
    return b[max(0, len(b) - nbytes):].decode("utf-8", "ignore")


class BoundedText(io.TextIOBase):
    """A text stream keeping the first ``head`` and the last ``tail`` UTF-8
    bytes of what is written, and the total; ``getvalue()`` is exact while
    the total fits in head + tail."""

    def __init__(self, head: int = HEAD_BYTES, tail: int = TAIL_BYTES):
        super().__init__()
        self.head_limit, self.tail_limit = head, tail
        self.head: list[str] = []
        self.head_bytes = 0
        self.tail: collections.deque[str] = collections.deque()
        self.tail_bytes = 0
        self.total = 0
        self.dropped = 0  # bytes between head and tail that were not kept

    # io.TextIOBase protocol ------------------------------------------------
    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "strict"

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def close(self) -> None:  # model code calling sys.stdout.close() must not break capture
        pass

    @property
    def closed(self) -> bool:
        return False

    def flush(self) -> None:
        pass

    def write(self, s) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if not s:
            return 0
        n = utf8_len(s)
        self.total += n
        room = self.head_limit - self.head_bytes
        if room > 0:
            if n <= room:
                self.head.append(s)
                self.head_bytes += n
                return len(s)
            part = utf8_prefix(s, room)
            self.head.append(part)
            self.head_bytes += utf8_len(part)
            rest = s[len(part):]
            n = utf8_len(rest)
            s = rest
        self.tail.append(s)
        self.tail_bytes += n
        if self.tail_bytes > 2 * self.tail_limit + 4096:
            self._trim()
        return len(s)

    def _trim(self) -> None:
        text = "".join(self.tail)
        keep = utf8_suffix(text, self.tail_limit)
        kept = utf8_len(keep)
        self.dropped += self.tail_bytes - kept
        self.tail = collections.deque([keep])
        self.tail_bytes = kept

    # results ------------------------------------------------------------------
    def truncated(self) -> bool:
        return self.dropped > 0 or self.tail_bytes > self.tail_limit

    def head_text(self) -> str:
        return "".join(self.head)

    def tail_text(self) -> str:
        if self.tail_bytes > self.tail_limit:
            self._trim()
        return "".join(self.tail)

    def getvalue(self) -> str:
        """Everything if it fit; else head + tail (the middle is lost)."""
        return self.head_text() + self.tail_text()

    def kept(self, head: int | None = None, tail: int | None = None) -> tuple[str, int, int]:
        """(text, at, omitted): at most ``head`` bytes of the head and ``tail`` bytes of the
        tail (default: all that is stored), the cut's offset in code points and the UTF-8
        bytes left out there (0: nothing was cut)."""
        h, t = self.head_text(), self.tail_text()
        if head is not None and self.head_bytes > head:
            h = utf8_prefix(h, head)
        if tail is not None and utf8_len(t) > tail:
            t = utf8_suffix(t, tail)
        omitted = self.total - utf8_len(h) - utf8_len(t)
        return h + t, len(h), max(0, omitted)

    def marked(self) -> str:
        """getvalue() with Fovea's line for a cut stream where the middle went
        (``CodeOutputCut.marker`` on the Swift side)."""
        text, at, omitted = self.kept()
        if not omitted:
            return text
        return text[:at] + omission_marker(omitted) + text[at:]


def omission_marker(nbytes: int) -> str:
    """The line the supervisor puts where the middle of a long stream was left out."""
    return f"\n[… {nbytes} bytes of output omitted …]\n"


# --- images ---------------------------------------------------------------------
@dataclass
class Output:
    """One image of the reply: packed 8-bit RGB or RGBA rows."""

    width: int
    height: int
    bands: int
    data: bytes
    source: str


class _RawSink:
    """A file-like object for ``savefig(format='raw')``: keeps the RGBA buffer."""

    def __init__(self):
        self.data = None
        self.shape = None

    def seek(self, *a) -> int:  # matplotlib accepts "file handles" that can seek
        return 0

    def tell(self) -> int:
        return 0

    def write(self, b) -> int:
        mv = memoryview(b)
        self.shape = mv.shape
        self.data = mv.tobytes()
        return mv.nbytes


def render_figure(fig, source: str = "figure", **savefig_kwargs) -> Output:
    """The figure as ``fig.savefig(..., **savefig_kwargs)`` would draw it, raw RGBA."""
    sink = _RawSink()
    fig.savefig(sink, format="raw", **savefig_kwargs)
    return _from_sink(sink, source)


def print_figure(fig, source: str = "figure", **kwargs) -> Output:
    """``fig.canvas.print_figure(..., format='raw', **kwargs)`` (IPython's printer)."""
    sink = _RawSink()
    fig.canvas.print_figure(sink, format="raw", **kwargs)
    return _from_sink(sink, source)


def pyplot_savefig(plt, source: str = "figure", **kwargs) -> Output:
    """``plt.savefig(buf, **kwargs)`` of the current figure, raw RGBA."""
    sink = _RawSink()
    plt.savefig(sink, format="raw", **kwargs)
    return _from_sink(sink, source)


def _from_sink(sink: _RawSink, source: str) -> Output:
    if sink.shape is None:
        raise RuntimeError("the figure was not rendered")
    h, w = int(sink.shape[0]), int(sink.shape[1])
    return Output(w, h, 4, sink.data, source)


def as_output_image(img: Image.Image) -> Image.Image:
    """The image in RGB or RGBA mode, as a harness decoding it would show it."""
    if img.mode in ("RGB", "RGBA"):
        return img
    if img.mode in ("LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        return img.convert("RGBA")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        return img.point(lambda v: v / 256).convert("L").convert("RGB")
    return img.convert("RGB")


def from_pil(img: Image.Image, source: str) -> Output:
    out = as_output_image(img)
    return Output(out.width, out.height, 4 if out.mode == "RGBA" else 3, out.tobytes(), source)


def from_file(path: str, source: str | None = None) -> Output | None:
    """Decode an image file the code wrote (None when Pillow cannot)."""
    try:
        with Image.open(path) as im:
            im.load()
            return from_pil(im, source or f"file:{path}")
    except Exception:  # noqa: BLE001 - not an image: nothing to return
        return None


# --- files created or changed -------------------------------------------------------
class FileTracker:
    """Image files under a directory, by content: what a call created or changed.

    Contents are hashed only when a file's (inode, size, mtime) changed since it
    was last hashed, so a call costs the files it wrote, not the directory."""

    def __init__(self, root: str, exts=IMAGE_FILE_EXTS, skip=()):
        self.root = root
        self.exts = exts
        self.skip = tuple(skip)
        self.cache: dict[str, tuple[tuple, str]] = {}

    def _walk(self):
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, self.root)
            if rel_dir != "." and rel_dir.split(os.sep)[0] in self.skip:
                dirnames[:] = []
                continue
            for name in filenames:
                if name.lower().endswith(self.exts):
                    p = os.path.join(dirpath, name)
                    yield os.path.relpath(p, self.root), p

    def state(self) -> dict[str, str]:
        out = {}
        for rel, p in self._walk():
            try:
                st = os.stat(p)
            except OSError:
                continue
            key = (st.st_ino, st.st_size, st.st_mtime_ns)
            hit = self.cache.get(rel)
            if hit is None or hit[0] != key:
                try:
                    h = hashlib.sha256()
                    with open(p, "rb") as f:
                        for chunk in iter(lambda: f.read(1 << 20), b""):
                            h.update(chunk)
                except OSError:
                    continue
                hit = (key, h.hexdigest())
                self.cache[rel] = hit
            out[rel] = hit[1]
        return out


def transformed(bt: BoundedText, fn) -> BoundedText:
    """A BoundedText holding fn(head) + fn(tail) with the same totals
    (DeepEyesV2 strips ANSI escapes from what the cell printed)."""
    out = BoundedText(bt.head_limit, bt.tail_limit)
    head, tail = fn(bt.head_text()), fn(bt.tail_text())
    out.head = [head]
    out.head_bytes = utf8_len(head)
    out.tail = collections.deque([tail])
    out.tail_bytes = utf8_len(tail)
    out.dropped = bt.dropped
    out.total = out.head_bytes + out.tail_bytes + bt.dropped
    return out


def rgb(out: Output) -> Output:
    """An RGBA output as RGB (PIL's convert("RGB") drops alpha)."""
    if out.bands == 3:
        return out
    import numpy as np

    a = np.frombuffer(out.data, np.uint8).reshape(out.height, out.width, 4)
    return Output(out.width, out.height, 3, np.ascontiguousarray(a[..., :3]).tobytes(), out.source)
