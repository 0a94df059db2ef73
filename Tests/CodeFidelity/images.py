"""Deterministic test images for the code-fidelity corpus.

No fonts (their rendering depends on the FreeType build) and no unseeded
randomness: every image is drawn from NumPy arithmetic, ``ImageDraw``
primitives and a seeded ``numpy.random.RandomState``.

Names (``IMAGES``):
- ``photo``: 800×600 RGB, photo-like: sky/ground gradients, a sun, houses,
  a tree, a road with lane marks, a "sign" with glyph-like strokes, mild noise.
- ``small``: 64×48 RGB, a few coloured blocks and a diagonal.
- ``rgba``: 320×240 RGBA, shapes over a transparent background.
- ``gray``: 400×300 L, gradient with bright blobs and a dark bar.
- ``doc``: 480×640 RGB, a "document": white page, dark text-like stroke lines,
  a table grid and a stamp.
- ``chart``: 640×480 RGB, a bar chart drawn with primitives (axes, ticks,
  five bars, a line).

Files (``write_image``): JPEG quality 95, PNG, or WebP quality 90 (lossy),
chosen by extension.  ``DEFAULT_EXT`` gives each name's default format.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image, ImageDraw

DEFAULT_EXT = {
    "photo": "jpg",
    "small": "png",
    "rgba": "png",
    "gray": "png",
    "doc": "png",
    "chart": "png",
}


def _glyphs(draw: ImageDraw.ImageDraw, x: int, y: int, n: int, h: int, color, width: int = 2, seed: int = 0):
    """Text-like strokes: n 'letters' made of 2-3 segments each."""
    rs = np.random.RandomState(seed)
    w = max(4, h * 3 // 5)
    for i in range(n):
        x0 = x + i * (w + max(2, h // 4))
        kind = rs.randint(0, 5)
        if kind == 0:  # I
            draw.line([(x0 + w // 2, y), (x0 + w // 2, y + h)], fill=color, width=width)
        elif kind == 1:  # L
            draw.line([(x0, y), (x0, y + h), (x0 + w, y + h)], fill=color, width=width)
        elif kind == 2:  # O
            draw.ellipse([x0, y, x0 + w, y + h], outline=color, width=width)
        elif kind == 3:  # N
            draw.line([(x0, y + h), (x0, y), (x0 + w, y + h), (x0 + w, y)], fill=color, width=width)
        else:  # T
            draw.line([(x0, y), (x0 + w, y)], fill=color, width=width)
            draw.line([(x0 + w // 2, y), (x0 + w // 2, y + h)], fill=color, width=width)


def make_photo() -> Image.Image:
    w, h = 800, 600
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3), np.float64)
    horizon = 330
    sky = yy < horizon
    t = yy / horizon
    img[..., 0] = np.where(sky, 90 + 80 * t, 70 + 40 * (yy - horizon) / (h - horizon))
    img[..., 1] = np.where(sky, 140 + 70 * t, 120 + 30 * np.sin(xx / 37.0))
    img[..., 2] = np.where(sky, 230 - 40 * t, 60 + 20 * np.cos(yy / 23.0))
    # sun glow
    d = np.hypot(xx - 640, yy - 90)
    glow = np.clip(1 - d / 160, 0, 1) ** 2
    img += glow[..., None] * np.array([120, 90, 20])
    rs = np.random.RandomState(1234)
    img += rs.normal(0, 4, size=img.shape)
    base = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(base)
    draw.ellipse([600, 50, 680, 130], fill=(255, 230, 120))
    # road
    draw.polygon([(330, 600), (470, 600), (420, horizon), (380, horizon)], fill=(70, 70, 75))
    for k in range(6):
        y0 = horizon + 20 + k * 45
        draw.rectangle([397, y0, 403, y0 + 22], fill=(240, 240, 230))
    # houses
    for i, (x0, col) in enumerate([(60, (180, 60, 50)), (190, (200, 170, 90)), (520, (90, 110, 170))]):
        top = horizon - 110 + 15 * i
        draw.rectangle([x0, top, x0 + 110, horizon + 40], fill=col, outline=(30, 30, 30), width=2)
        draw.polygon([(x0 - 10, top), (x0 + 55, top - 60), (x0 + 120, top)], fill=(110, 40, 40))
        for wx in (x0 + 15, x0 + 65):
            draw.rectangle([wx, top + 20, wx + 28, top + 50], fill=(250, 240, 170), outline=(40, 40, 40))
        draw.rectangle([x0 + 42, horizon - 10, x0 + 68, horizon + 40], fill=(60, 40, 30))
    # tree
    draw.rectangle([700, horizon - 40, 716, horizon + 60], fill=(90, 60, 30))
    draw.ellipse([660, horizon - 140, 756, horizon - 20], fill=(40, 120, 50))
    # sign with glyphs
    draw.rectangle([470, 380, 760, 470], fill=(245, 245, 240), outline=(20, 20, 20), width=3)
    _glyphs(draw, 485, 395, 12, 24, (20, 20, 120), width=3, seed=7)
    _glyphs(draw, 485, 432, 16, 18, (150, 20, 20), width=2, seed=8)
    draw.rectangle([610, 470, 618, 560], fill=(80, 80, 80))
    # a red car
    draw.rounded_rectangle([120, 470, 290, 540], radius=18, fill=(200, 30, 30), outline=(20, 20, 20), width=2)
    draw.rectangle([150, 440, 255, 475], fill=(170, 200, 230), outline=(20, 20, 20), width=2)
    for cx in (155, 255):
        draw.ellipse([cx - 20, 520, cx + 20, 560], fill=(25, 25, 25))
    # licence plate with glyphs
    draw.rectangle([180, 505, 232, 520], fill=(250, 250, 250))
    _glyphs(draw, 183, 507, 5, 10, (0, 0, 0), width=1, seed=9)
    return base


def make_small() -> Image.Image:
    a = np.zeros((48, 64, 3), np.uint8)
    a[:, :] = (30, 30, 30)
    a[4:20, 4:28] = (220, 40, 40)
    a[24:44, 8:30] = (40, 200, 60)
    a[10:40, 36:60] = (40, 80, 220)
    for i in range(48):
        a[i, min(63, i + 10)] = (255, 255, 0)
    return Image.fromarray(a, "RGB")


def make_rgba() -> Image.Image:
    img = Image.new("RGBA", (320, 240), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse([20, 20, 150, 150], fill=(255, 80, 0, 255))
    d.rectangle([140, 60, 300, 200], fill=(0, 120, 255, 160))
    d.polygon([(60, 230), (160, 120), (250, 230)], fill=(40, 200, 90, 220))
    _glyphs(d, 30, 180, 8, 20, (20, 20, 20, 255), width=3, seed=3)
    return img


def make_gray() -> Image.Image:
    yy, xx = np.mgrid[0:300, 0:400].astype(np.float64)
    a = 40 + 120 * xx / 399 + 20 * np.sin(yy / 17.0)
    for cx, cy, r in ((90, 80, 30), (250, 150, 45), (330, 240, 20), (150, 220, 25)):
        a = np.where(np.hypot(xx - cx, yy - cy) < r, 235, a)
    a[130:145, 20:380] = 15
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")


def make_doc() -> Image.Image:
    img = Image.new("RGB", (480, 640), (250, 250, 246))
    d = ImageDraw.Draw(img)
    d.rectangle([40, 40, 440, 80], fill=(230, 230, 235))
    _glyphs(d, 60, 48, 14, 24, (10, 10, 10), width=3, seed=11)
    for row in range(12):
        y = 110 + row * 26
        n = 22 if row % 4 != 3 else 12
        _glyphs(d, 50, y, n, 14, (25, 25, 25), width=2, seed=100 + row)
    # table
    x0, y0 = 50, 440
    for r in range(5):
        d.line([(x0, y0 + r * 30), (x0 + 380, y0 + r * 30)], fill=(0, 0, 0), width=2)
    for c in range(5):
        d.line([(x0 + c * 95, y0), (x0 + c * 95, y0 + 120)], fill=(0, 0, 0), width=2)
    for r in range(4):
        for c in range(4):
            _glyphs(d, x0 + c * 95 + 10, y0 + r * 30 + 8, 4, 12, (30, 30, 30), width=2, seed=200 + r * 4 + c)
    # stamp
    d.ellipse([340, 570, 430, 630], outline=(200, 30, 30), width=4)
    _glyphs(d, 357, 590, 4, 16, (200, 30, 30), width=2, seed=300)
    return img


def make_chart() -> Image.Image:
    img = Image.new("RGB", (640, 480), (255, 255, 255))
    d = ImageDraw.Draw(img)
    ox, oy = 70, 420
    d.line([(ox, 40), (ox, oy), (610, oy)], fill=(0, 0, 0), width=2)
    for k in range(6):
        y = oy - k * 70
        d.line([(ox - 8, y), (ox, y)], fill=(0, 0, 0), width=2)
        d.line([(ox + 1, y), (610, y)], fill=(225, 225, 225), width=1)
        _glyphs(d, 20, y - 8, 2, 14, (0, 0, 0), width=2, seed=400 + k)
    values = [120, 260, 190, 330, 80]
    colors = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]
    for i, (v, c) in enumerate(zip(values, colors)):
        x = ox + 30 + i * 105
        d.rectangle([x, oy - v, x + 60, oy - 1], fill=c)
        _glyphs(d, x + 10, oy + 12, 3, 14, (0, 0, 0), width=2, seed=500 + i)
    pts = [(ox + 60 + i * 105, oy - v - 30) for i, v in enumerate(values)]
    d.line(pts, fill=(0, 0, 0), width=3)
    for p in pts:
        d.ellipse([p[0] - 5, p[1] - 5, p[0] + 5, p[1] + 5], fill=(0, 0, 0))
    return img


IMAGES = {
    "photo": make_photo,
    "small": make_small,
    "rgba": make_rgba,
    "gray": make_gray,
    "doc": make_doc,
    "chart": make_chart,
}


def get_image(name: str) -> Image.Image:
    """The image named ``name`` (a fresh PIL image each call)."""
    return IMAGES[name]()


def parse_spec(spec: str) -> tuple[str, str]:
    """``"photo"`` → ("photo", "jpg"); ``"photo.webp"`` → ("photo", "webp")."""
    if "." in spec:
        name, ext = spec.rsplit(".", 1)
    else:
        name, ext = spec, DEFAULT_EXT[spec]
    if name not in IMAGES:
        raise KeyError(f"unknown test image {name!r}")
    ext = ext.lower()
    if ext not in ("jpg", "jpeg", "png", "webp"):
        raise ValueError(f"unsupported extension {ext!r}")
    return name, ext


def encode(img: Image.Image, ext: str) -> bytes:
    import io

    buf = io.BytesIO()
    ext = ext.lower()
    if ext in ("jpg", "jpeg"):
        img.convert("RGB").save(buf, format="JPEG", quality=95)
    elif ext == "png":
        img.save(buf, format="PNG")
    elif ext == "webp":
        img.save(buf, format="WEBP", quality=90)
    else:
        raise ValueError(ext)
    return buf.getvalue()


def write_image(name: str, directory: str, ext: str | None = None, filename: str | None = None) -> str:
    """Write test image ``name`` into ``directory``; returns the path."""
    ext = ext or DEFAULT_EXT[name]
    path = os.path.join(directory, filename or f"{name}.{ext}")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(encode(get_image(name), ext))
    return path


def write_all(directory: str, formats=("jpg", "png", "webp")) -> list[str]:
    """Write every test image in every format; returns the paths."""
    return [write_image(name, directory, ext) for name in IMAGES for ext in formats]


def load_file(path: str) -> Image.Image:
    """Decode a written file the way Pillow does (pixels loaded, own mode)."""
    img = Image.open(path)
    img.load()
    return img


if __name__ == "__main__":
    import sys

    out = sys.argv[1] if len(sys.argv) > 1 else "."
    for p in write_all(out):
        print(p)
