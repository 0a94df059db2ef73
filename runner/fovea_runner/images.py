"""Input images: the supervisor's decoded pixels, mapped copy-on-write, seen by
the code as PIL images and as files.

- ``Source``: one input of the session — its pixels memfd mapped
  ``MAP_PRIVATE`` (drawing on it never reaches the shared cache) and the file
  written at its path from the encoded bytes.
- ``MappedImage``: a PIL ``Image`` whose core is built from the mapping only
  when a PIL operation needs it; until then ``__array_interface__`` serves the
  mapping itself (read-only, like PIL's own export), so ``np.array(img)`` costs
  one copy, and ``crop``/``copy``/``convert("RGB")``/``tobytes`` have fast paths
  that are pixel-identical to Pillow's.
- ``Image.open``/``cv2.imread`` of an input file (same inode, size and mtime as
  written) return objects served from the mapping when that is exactly what
  Pillow/OpenCV would decode (``Source.pil_servable``/``cv2_servable``);
  otherwise they decode for real.  ``install()`` patches both, once, in the
  template.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import stat

import numpy as np
from PIL import Image

_MODE_BANDS = {"L": 1, "RGB": 3, "RGBA": 4}
_OWN_MODE = {1: "L", 3: "RGB", 4: "RGBA"}
_SERVED_FORMATS = ("JPEG", "PNG", "WEBP")

_orig_open = Image.open
_orig_imread = None

# (st_dev, st_ino) -> (Source, size, mtime_ns) for every input file written.
_FILES: dict[tuple[int, int], tuple["Source", int, int]] = {}
# index -> Source, for unpickling mapped images inside this session.
SOURCES: dict[int, "Source"] = {}


class InputError(Exception):
    """An input descriptor is not what the protocol says (sealed memfd of W*H*bands bytes)."""


def _check_sealed(fd: int, size: int, what: str) -> None:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size != size:
        raise InputError(f"{what}: expected a {size}-byte memfd, got {st.st_size} bytes")
    try:
        seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
    except OSError as e:
        raise InputError(f"{what}: not a memfd ({e.strerror})") from None
    need = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW
    if seals & need != need:
        raise InputError(f"{what}: memfd is not size-sealed")


class Source:
    """One input image of the session."""

    def __init__(self, entry: dict, pixels_fd: int):
        self.index = entry["index"]
        self.handle = entry.get("handle")
        self.width = int(entry["width"])
        self.height = int(entry["height"])
        self.bands = int(entry["bands"])
        self.format = entry.get("format")
        self.path = entry.get("path")
        if self.bands not in _OWN_MODE or self.width < 1 or self.height < 1:
            raise InputError(f"image {self.index}: {self.width}x{self.height}x{self.bands} is not a valid layout")
        size = self.width * self.height * self.bands
        _check_sealed(pixels_fd, size, f"image {self.index} pixels")
        self.mm = mmap.mmap(pixels_fd, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        flat = np.frombuffer(self.mm, dtype=np.uint8)
        shape = (self.height, self.width) if self.bands == 1 else (self.height, self.width, self.bands)
        self.view = flat.reshape(shape)
        self.view.flags.writeable = False
        self.address = flat.ctypes.data
        self.mode = _OWN_MODE[self.bands]
        self.files: list[str] = []
        self._header = None
        SOURCES[self.index] = self

    # -- files -----------------------------------------------------------
    def write_file(self, path: str, encoded_fd: int | None) -> None:
        """Write the encoded bytes at path (parents created), read-only, and
        remember its inode so Image.open/cv2.imread can recognise it."""
        d = os.path.dirname(path)
        if d:
            os.makedirs(d, exist_ok=True)
        if encoded_fd is None:
            return
        size = os.fstat(encoded_fd).st_size
        if os.path.lexists(path) and not os.path.islink(path):
            os.chmod(path, 0o600)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o444)
        try:
            if size:
                with mmap.mmap(encoded_fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ) as m:
                    view = memoryview(m)
                    off = 0
                    while off < size:
                        off += os.write(fd, view[off:])
                    view.release()
            os.fchmod(fd, 0o444)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        _FILES[(st.st_dev, st.st_ino)] = (self, st.st_size, st.st_mtime_ns)
        self.files.append(path)
        self._header = None

    def header(self):
        """(format, mode, size, info, orientation, frames) of the file as Pillow reads its header."""
        if self._header is None:
            self._header = ()
            for p in self.files:
                try:
                    with _orig_open(p) as im:
                        frames = getattr(im, "n_frames", 1)
                        orient = im.getexif().get(0x0112, 1)
                        self._header = (im.format, im.mode, im.size, dict(im.info), orient, frames)
                        break
                except Exception:  # noqa: BLE001 - undecodable header: nothing served
                    continue
        return self._header

    def info(self) -> dict:
        h = self.header()
        return dict(h[3]) if h else {}

    def _servable(self) -> bool:
        h = self.header()
        if not h:
            return False
        fmt, mode, size, _info, orient, frames = h
        return (fmt in _SERVED_FORMATS and _MODE_BANDS.get(mode) == self.bands
                and size == (self.width, self.height) and orient == 1 and frames == 1)

    def pil_servable(self, im) -> bool:
        return (self._servable() and im.format == self.header()[0] and im.mode == self.mode
                and im.size == (self.width, self.height) and not getattr(im, "_fovea_draft", False))

    def cv2_servable(self, flags: int) -> bool:
        if not self._servable():
            return False
        import cv2

        if flags == cv2.IMREAD_COLOR:
            return True
        if flags == cv2.IMREAD_UNCHANGED:
            return True
        if flags == cv2.IMREAD_GRAYSCALE:
            return self.bands == 1
        return False

    # -- pixels ---------------------------------------------------------------
    def interface(self, mode: str) -> dict:
        """numpy's array interface over the mapping, as ``mode``."""
        h, w, b = self.height, self.width, self.bands
        if mode == self.mode:
            shape = (h, w) if b == 1 else (h, w, b)
            strides = None
        elif mode == "RGB" and b == 4:
            shape, strides = (h, w, 3), (w * 4, 4, 1)
        elif mode == "RGB" and b == 1:
            shape, strides = (h, w, 3), (w, 1, 0)
        else:  # pragma: no cover - callers check view_modes
            raise ValueError(mode)
        return {"version": 3, "shape": shape, "typestr": "|u1", "data": (self.address, True), "strides": strides}

    def array(self, mode: str) -> np.ndarray:
        """A read-only ndarray view of the mapping as ``mode``."""
        if mode == self.mode:
            return self.view
        if mode == "RGB" and self.bands == 4:
            return self.view[..., :3]
        if mode == "RGB" and self.bands == 1:
            return np.broadcast_to(self.view[..., None], (self.height, self.width, 3))
        raise ValueError(mode)  # pragma: no cover

    def view_modes(self) -> tuple[str, ...]:
        return (self.mode, "RGB") if self.bands in (1, 4) else ("RGB",)

    def core(self, mode: str):
        """A PIL core holding the pixels as ``mode`` (one copy)."""
        raw = {1: "L", 3: "RGB", 4: "RGBA"}[self.bands]
        if mode == self.mode:
            im = Image.frombuffer(mode, (self.width, self.height), self.mm, "raw", raw, 0, 1)
            if im.readonly:  # shares the mapping: PIL copies before any write
                pass
            return im.im
        if mode == "RGB" and self.bands == 4:
            # Not frombuffer("RGB", …, "RGBX"): RGBX is a map mode, so that maps the buffer as an
            # RGBX core under an RGB image, which blend/paste/ImageEnhance then refuse ("images
            # do not match"). A copy with the alpha dropped, as PIL's own RGBA → RGB convert.
            return Image.frombytes("RGB", (self.width, self.height), self.mm, "raw", "RGBX").im
        base = Image.frombuffer(raw, (self.width, self.height), self.mm, "raw", raw, 0, 1)
        return base.convert(mode).im


# --- PIL objects over a Source ----------------------------------------------------
class _MappedMixin:
    """Lazy core and fast paths shared by MappedImage and served ImageFiles."""

    _fovea_src: Source | None = None
    _fovea_mode: str | None = None

    def _fovea_lazy(self) -> bool:
        return self._fovea_src is not None and self._im is None

    def _fovea_materialise(self) -> None:
        src, mode = self._fovea_src, self._fovea_mode or self.mode
        self.im = src.core(mode)

    @property
    def im(self):
        if self._im is None and self._fovea_src is not None:
            self.load()
        return Image.Image.im.fget(self)

    @im.setter
    def im(self, value):
        self._im = value

    @property
    def __array_interface__(self):
        if self._fovea_lazy():
            return self._fovea_src.interface(self._fovea_mode or self.mode)
        return Image.Image.__array_interface__.fget(self)

    def tobytes(self, encoder_name: str = "raw", *args):
        if self._fovea_lazy() and encoder_name == "raw" and args in ((), (self.mode,), (self.mode, 0, 1)):
            return np.ascontiguousarray(self._fovea_src.array(self._fovea_mode or self.mode)).tobytes()
        return super().tobytes(encoder_name, *args)

    def _fovea_from_array(self, arr: np.ndarray) -> Image.Image:
        out = Image.fromarray(arr)
        out.info = self._copy_info()
        return out

    def crop(self, box=None):
        if not self._fovea_lazy() or box is None or tuple(box) == (0, 0, *self.size):
            return super().crop(box)
        if box[2] < box[0]:
            raise ValueError("Coordinate 'right' is less than 'left'")
        if box[3] < box[1]:
            raise ValueError("Coordinate 'lower' is less than 'upper'")
        x0, y0, x1, y1 = map(int, map(round, box))
        Image._decompression_bomb_check((abs(x1 - x0), abs(y1 - y0)))
        src = self._fovea_src.array(self._fovea_mode or self.mode)
        h, w = src.shape[:2]
        shape = (y1 - y0, x1 - x0) + src.shape[2:]
        out = np.zeros(shape, np.uint8)
        sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if sx1 > sx0 and sy1 > sy0:
            out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = src[sy0:sy1, sx0:sx1]
        return self._fovea_from_array(out)


    def copy(self):
        if self._fovea_lazy():  # Image.copy returns a plain Image with the info
            return make_mapped(self._fovea_src, self.mode, self._copy_info(), None)
        return super().copy()

    __copy__ = copy

    def convert(self, mode=None, matrix=None, dither=None, palette=Image.Palette.WEB, colors=256):
        if (self._fovea_lazy() and matrix is None and dither is None and mode is not None
                and mode in self._fovea_src.view_modes()
                and (mode == self.mode or (mode == "RGB" and self.mode in ("RGBA", "L")))):
            info = self._copy_info()
            if mode == "RGB" and self.mode == "RGBA":
                info.pop("transparency", None)
            return make_mapped(self._fovea_src, mode, info, None)
        return super().convert(mode, matrix, dither, palette, colors)


    def __reduce_ex__(self, protocol):
        if self._fovea_lazy() and isinstance(self, MappedImage):
            # Unmodified: a reference to the session's mapping (unpickling gives a copy).
            cls = type(self)
            return (_rebuild, (self._fovea_src.index, self.mode, self.info, cls.__module__, cls.__name__,
                               cls.format, cls.format_description))
        self.load()
        # Pickled as the public class it stands for (Image, JpegImageFile…), by value.
        public = next(c for c in type(self).__mro__
                      if not issubclass(c, _MappedMixin) and c.__module__.startswith("PIL."))
        return (_rebuild_public, (public, Image.Image.__getstate__(self)))


class MappedImage(_MappedMixin, Image.Image):
    """A family's image variable (``image_clue_0``, ``image_1``, ``image``…)."""

    def load(self):
        if self._fovea_lazy():
            self._fovea_materialise()
        return Image.Image.load(self)

_CLASSES: dict = {}


def mapped_class(module: str = "PIL.Image", name: str = "Image", fmt: str | None = None,
                 description: str | None = None) -> type:
    """A MappedImage subclass whose repr names ``module.name`` (what the family's
    own object would print) and whose ``format`` is ``fmt``."""
    key = (module, name, fmt, description)
    cls = _CLASSES.get(key)
    if cls is None:
        cls = type(name, (MappedImage,), {"__module__": module, "__qualname__": name, "format": fmt,
                                          "format_description": description})
        _CLASSES[key] = cls
    return cls


def make_mapped(src: Source, mode: str, info: dict, cls: type | None) -> MappedImage:
    cls = cls or mapped_class()
    im = cls()
    im._fovea_src = src
    im._fovea_mode = mode
    im._mode = mode
    im._size = (src.width, src.height)
    im.info = dict(info)
    return im


def _rebuild_public(cls, state):
    obj = cls.__new__(cls)
    Image.Image.__setstate__(obj, state)
    return obj


def _rebuild(index, mode, info, module, name, fmt, description):
    src = SOURCES.get(index)
    if src is None:
        raise ValueError(f"mapped image {index} is not in this session")
    return make_mapped(src, mode, info, mapped_class(module, name, fmt, description))


# --- Image.open / cv2.imread of input files -----------------------------------------
_SERVED_CLASSES: dict = {}


class _ServedMixin(_MappedMixin):
    def load(self):
        if self._fovea_src is not None and self.tile:
            self._fovea_materialise()
            self.tile = []
            self.readonly = 0
            if getattr(self, "_exclusive_fp", False) and self._close_exclusive_fp_after_loading and self.fp:
                self.fp.close()
            self.fp = None
            self._fovea_src = None
            return Image.Image.load(self)
        return super().load()

    def _fovea_lazy(self) -> bool:
        return self._fovea_src is not None and self._im is None and bool(self.tile)

    def draft(self, mode, size):
        self._fovea_src = None  # a reduced decode is not the full decode: decode for real
        return super().draft(mode, size)

    def seek(self, frame):
        if frame != 0:
            self._fovea_src = None
        return super().seek(frame)


def _served_class(cls: type) -> type:
    sub = _SERVED_CLASSES.get(cls)
    if sub is None:
        sub = type(cls.__name__, (_ServedMixin, cls), {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
        _SERVED_CLASSES[cls] = sub
    return sub


def lookup(target) -> Source | None:
    """The Source whose file ``target`` (a path or an open file) is, unchanged."""
    if not _FILES:
        return None
    try:
        if isinstance(target, (str, bytes, os.PathLike)):
            st = os.stat(target)
        elif hasattr(target, "fileno"):
            st = os.fstat(target.fileno())
        else:
            return None
    except (OSError, ValueError, TypeError, AttributeError, Exception):  # noqa: BLE001
        return None
    hit = _FILES.get((st.st_dev, st.st_ino))
    if hit is None or hit[1] != st.st_size or hit[2] != st.st_mtime_ns:
        return None
    return hit[0]


def open_image(fp, mode="r", formats=None):
    """PIL.Image.open, serving input files from the shared decode."""
    im = _orig_open(fp, mode, formats)
    if _FILES:
        src = lookup(fp)
        if src is not None and src.pil_servable(im):
            im.__class__ = _served_class(type(im))
            im._fovea_src = src
            im._fovea_mode = src.mode
    return im


def imread(filename, flags=None):
    """cv2.imread, serving input files from the shared decode (BGR/BGRA order)."""
    import cv2

    if flags is None:
        flags = cv2.IMREAD_COLOR
    if _FILES and isinstance(filename, (str, bytes, os.PathLike)):
        src = lookup(filename)
        if src is not None and src.cv2_servable(flags):
            v = src.view
            if src.bands == 1:
                if flags == cv2.IMREAD_COLOR:
                    return np.repeat(v[..., None], 3, axis=2)
                return v.copy()
            if src.bands == 3 or flags == cv2.IMREAD_COLOR:
                return np.ascontiguousarray(v[..., 2::-1])
            return np.ascontiguousarray(v[..., [2, 1, 0, 3]])
    return _orig_imread(filename, flags)


def install() -> None:
    """Patch PIL.Image.open and cv2.imread (once, in the template)."""
    global _orig_imread
    Image.open = open_image
    import cv2

    if _orig_imread is None:
        _orig_imread = cv2.imread
        cv2.imread = imread


def reset() -> None:
    _FILES.clear()
    SOURCES.clear()
