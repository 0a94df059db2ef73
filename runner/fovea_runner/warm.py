"""What the template imports and exercises before it forks anything, so that
children find every module, lazily loaded submodule, font and cache already
in memory (after the sandbox they can read only the Python tree, and opening
a font or writing a cache would fail).
"""

from __future__ import annotations

import importlib
import io
import os

# Standard-library modules whose C parts link against system libraries that
# children cannot open after Landlock (the dynamic loader reuses a library
# that is already mapped), or that model code commonly imports.
STDLIB = (
    "array", "ast", "base64", "binascii", "bisect", "bz2", "cmath", "collections", "colorsys", "copy",
    "csv", "ctypes", "dataclasses", "datetime", "decimal", "difflib", "enum", "fractions", "functools",
    "glob", "gzip", "hashlib", "heapq", "itertools", "json", "lzma", "math", "operator", "pathlib",
    "pickle", "pprint", "queue", "random", "re", "shutil", "statistics", "string", "struct", "tempfile",
    "textwrap", "time", "timeit", "traceback", "typing", "unicodedata", "uuid", "warnings", "zlib",
    "zipfile", "io", "contextlib", "secrets", "signal", "socket", "select", "subprocess", "threading",
    "concurrent.futures", "multiprocessing", "sqlite3", "html", "xml.etree.ElementTree", "urllib.parse",
    "numbers", "inspect", "linecache", "tokenize", "codeop", "code", "platform", "locale", "gettext",
    "getpass", "resource", "mmap", "fcntl", "errno", "stat", "weakref", "abc", "types",
)

LIBRARIES = (
    "numpy", "PIL.Image", "PIL.ImageEnhance", "PIL.ImageDraw", "PIL.ImageFilter", "PIL.ImageOps",
    "PIL.ImageFont", "PIL.ImageChops", "PIL.ImageStat", "PIL.ImageColor", "PIL.ImageMath",
    "matplotlib", "matplotlib.pyplot", "matplotlib.patches", "matplotlib.colors", "matplotlib.cm",
    "cv2", "scipy", "scipy.ndimage", "scipy.signal", "scipy.stats", "scipy.spatial", "scipy.interpolate",
    "skimage", "skimage.filters", "skimage.measure", "skimage.morphology", "skimage.segmentation",
    "skimage.feature", "skimage.color", "skimage.transform", "skimage.exposure", "skimage.util",
    "skimage.io", "sklearn", "sklearn.cluster",
    # conventions
    "autopep8", "cloudpickle", "IPython", "IPython.core.interactiveshell", "IPython.terminal.embed",
    "IPython.display", "IPython.core.pylabtools", "matplotlib_inline", "matplotlib_inline.backend_inline",
    "traitlets.config",
)


def _fonts_in_memory() -> None:
    """matplotlib keeps each FT2Font's file open and FreeType reads glyphs
    from it on demand; children close every descriptor (and a later open
    could take the same number).  Font files are read into memory instead, so
    a child renders any glyph without a file."""
    from matplotlib import font_manager, ft2font

    original = ft2font.FT2Font
    if getattr(font_manager, "_fovea_fonts_in_memory", False):
        return

    def from_memory(filename, *args, **kwargs):
        if isinstance(filename, (str, bytes, os.PathLike)):
            with open(filename, "rb") as f:
                filename = io.BytesIO(f.read())
        return original(filename, *args, **kwargs)

    class _Module:  # font_manager looks up ft2font.FT2Font at call time
        def __getattr__(self, name):
            return from_memory if name == "FT2Font" else getattr(ft2font, name)

    font_manager.ft2font = _Module()
    font_manager._get_font.cache_clear()
    font_manager._fovea_fonts_in_memory = True


def _warm_matplotlib() -> None:
    """Draw and render one figure with text, title, axes, colorbar and imshow
    (the font cache, FreeType faces, text layout, colormaps), also with
    ``bbox_inches='tight'`` and through the inline backend's printer."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _fonts_in_memory()
    fig, axes = plt.subplots(1, 2, figsize=(4, 3))
    im = axes[0].imshow(np.arange(64, dtype=float).reshape(8, 8), cmap="viridis")
    fig.colorbar(im, ax=axes[0], label="value")
    axes[0].set_title("warm-up")
    axes[1].plot([0, 1, 2], [2, 0, 1], "rx-", label="line")
    axes[1].hist(np.arange(20), bins=5)
    axes[1].bar([0, 1], [1, 2])
    axes[1].scatter([0, 1], [1, 0], c=[0.2, 0.8])
    axes[1].legend()
    axes[1].set_xlabel("x")
    axes[1].set_ylabel("y")
    axes[1].text(0.5, 0.5, "Text ÅÉ µ", fontsize=12)
    fig.suptitle("suptitle")
    fig.tight_layout()
    for kw in ({}, {"bbox_inches": "tight"}):
        fig.savefig(io.BytesIO(), format="raw", **kw)
    fig.savefig(io.BytesIO(), format="png")
    plt.close("all")
    matplotlib.font_manager.findfont("DejaVu Sans")
    matplotlib.font_manager.findfont("monospace")


def _warm_libraries() -> None:
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    Image.init()  # every format plugin imported now
    im = Image.new("RGB", (64, 48), (10, 20, 30))
    d = ImageDraw.Draw(im)
    d.rectangle((2, 2, 20, 20), outline=(255, 0, 0), width=2)
    d.text((5, 5), "hi", fill=(255, 255, 255), font=ImageFont.load_default())
    im.filter(ImageFilter.GaussianBlur(1)).resize((32, 24), Image.LANCZOS)
    for fmt in ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"):
        b = io.BytesIO()
        im.save(b, fmt)
        Image.open(io.BytesIO(b.getvalue())).load()
    import cv2

    cv2.setNumThreads(1)
    a = np.zeros((48, 64, 3), np.uint8)
    for ext in (".png", ".jpg", ".webp", ".bmp", ".tiff"):
        ok, buf = cv2.imencode(ext, a)
        cv2.imdecode(buf, cv2.IMREAD_COLOR)
    cv2.cvtColor(cv2.resize(a, (32, 24), interpolation=cv2.INTER_CUBIC), cv2.COLOR_BGR2GRAY)
    from scipy import ndimage, signal

    ndimage.label(a[..., 0] > 0)
    ndimage.sobel(a[..., 0].astype(float))
    signal.find_peaks(np.array([0, 1, 0, 2, 0.0]))
    import skimage

    for sub, names in {
        "filters": ("threshold_otsu", "gaussian", "sobel"),
        "measure": ("label", "regionprops", "find_contours"),
        "morphology": ("disk", "opening", "dilation", "remove_small_objects"),
        "segmentation": ("slic", "watershed"),
        "feature": ("canny", "peak_local_max"),
        "color": ("rgb2gray", "rgb2hsv"),
        "transform": ("resize", "rotate", "hough_line"),
        "exposure": ("equalize_hist", "rescale_intensity"),
    }.items():
        mod = importlib.import_module(f"skimage.{sub}")
        for n in names:
            getattr(mod, n)
    from skimage import filters, measure

    g = np.zeros((16, 16), np.uint8)
    g[4:8, 4:8] = 200
    measure.regionprops(measure.label(g > filters.threshold_otsu(g)))
    from sklearn.cluster import KMeans

    KMeans(n_clusters=2, n_init=1, random_state=0).fit(np.array([[0.0], [1.0], [10.0], [11.0]]))
    import autopep8

    autopep8.fix_code("x=1\nif x :\n  print( x )\n", options={"aggressive": 2})


def versions() -> dict:
    import cv2
    import matplotlib
    import numpy
    import PIL
    import scipy
    import skimage
    import sklearn

    return {"numpy": numpy.__version__, "PIL": PIL.__version__, "matplotlib": matplotlib.__version__,
            "cv2": cv2.__version__, "scipy": scipy.__version__, "skimage": skimage.__version__,
            "sklearn": sklearn.__version__}


def warm_up(preload: list[str]) -> dict:
    """Import and exercise everything; returns the library versions."""
    for name in STDLIB:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    for name in LIBRARIES:
        importlib.import_module(name)
    _warm_libraries()
    _warm_matplotlib()
    for name in preload:
        importlib.import_module(name)
    from . import child, conventions  # noqa: F401 - the session code, imported once

    conventions.warm_up()
    import gc

    gc.collect()
    gc.freeze()  # children share these objects' pages: a collection must not touch them
    return versions()


if os.environ.get("FOVEA_RUNNER_WARM_SELFTEST"):  # pragma: no cover - manual check
    print(warm_up([]))
