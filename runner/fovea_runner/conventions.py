"""The families' conventions by name, their default file names, and their
warm-up in the template."""

from __future__ import annotations

from .families.deepeyesv2 import DeepEyesV2
from .families.pyvision import PyVision
from .families.simple import R1V4, Plain
from .families.sketchpad import Sketchpad
from .families.thyme import Thyme

FAMILIES = {"r1v4": R1V4, "pyvision": PyVision, "deepeyesv2": DeepEyesV2, "thyme": Thyme,
            "sketchpad": Sketchpad, "plain": Plain}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif", "tiff": "tif", "heif": "heic",
              "result": "png"}


def default_path(family: str, index: int, fmt: str | None) -> str:
    """Where an image without a ``path`` is written (relative to workDir)."""
    ext = EXTENSIONS.get(fmt or "", "png")
    if family == "pyvision":
        return f"image_clue_{index}.{ext}"
    if family == "thyme" and index == 0:
        return f"user_image.{ext}"
    return f"image_{index + 1}.{ext}"


def warm_up() -> None:
    """Template-time: patch Image.open/cv2.imread, record matplotlib's fresh
    rcParams, and create and drop one IPython shell of each kind so their
    lazily imported modules are loaded before any fork."""
    import warnings

    import matplotlib

    from . import images
    from .families import deepeyesv2

    images.install()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deepeyesv2.DEFAULT_RC.update({k: v for k, v in matplotlib.rcParams.items()
                                      if k not in ("backend", "backend_fallback", "interactive")})
    import io
    import sys

    from IPython.core.interactiveshell import InteractiveShell

    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        shell = deepeyesv2._new_shell()
        shell.run_cell("x = 1\nx")
        shell.run_cell("1/0")
        from .families import sketchpad

        cls = sketchpad._shell_class()
        cls.clear_instance()
        InteractiveShell.clear_instance()
        from traitlets.config import Config

        cfg = Config()
        cfg.HistoryManager.hist_file = ":memory:"
        sh = cls.instance(config=cfg)
        sh.kernel = sketchpad.Kernel([])
        sh.run_cell("1+1")
        sh.history_manager.end_session()
        cls.clear_instance()
        deepeyesv2._new_shell.__module__  # noqa: B018
        InteractiveShell.clear_instance()
    finally:
        sys.stdout, sys.stderr = saved
    import matplotlib.pyplot as plt

    plt.close("all")
    matplotlib.use("Agg")
