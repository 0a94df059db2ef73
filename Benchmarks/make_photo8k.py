#!/usr/bin/env python3
"""Writes a deterministic photo-like 8K JPEG for the benchmarks (docs/BENCHMARKS.md).

    python3 Benchmarks/make_photo8k.py /tmp/photo8k.jpg [--width 7680 --height 4320]

What makes it photo-like (a "dead leaves" image, a standard model of natural-image statistics), unlike `fovea bench`'s synthetic frame (sine waves, a checkerboard and
4-bit noise): a 1/f amplitude spectrum (the statistics of natural images) over three correlated
channels, sharp-edged shapes shaded by that texture (objects against a background), fine
texture at every scale down to the pixel, and sensor-like noise; saved as a camera would
(quality 92, 4:2:0). The same bytes every run (fixed seeds); needs numpy and Pillow.
"""
import argparse

import numpy as np
from PIL import Image, ImageDraw

parser = argparse.ArgumentParser()
parser.add_argument("output")
parser.add_argument("--width", type=int, default=7680)
parser.add_argument("--height", type=int, default=4320)
args = parser.parse_args()
W, H = args.width, args.height
rng = np.random.default_rng(20261206)


def pink(height, width, exponent=1.0):
    """Unit-variance noise whose amplitude falls as 1/f**exponent."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    spectrum = (rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) / f ** exponent
    spectrum[0, 0] = 0
    field = np.fft.irfft2(spectrum, s=(height, width)).astype(np.float32)
    return field / field.std()


def upscale(field, height, width):
    return np.asarray(Image.fromarray(field, mode="F").resize((width, height), Image.BICUBIC))


# Large-scale light and colour: 1/f noise at a quarter of the size, mixed into correlated channels.
mix = np.array([[0.80, 0.45, 0.30], [0.75, 0.55, 0.20], [0.60, 0.50, 0.55]], np.float32)
coarse = [pink(H // 4, W // 4, 1.1) for _ in range(3)]
image = np.empty((H, W, 3), np.float32)
for c in range(3):
    layer = sum(mix[c, k] * coarse[k] for k in range(3))
    image[:, :, c] = 118 + 38 * upscale(layer, H, W)

# Objects: shapes with hard edges, each a flat colour shaded by the light above.
shapes = Image.new("L", (W, H), 0)
draw = ImageDraw.Draw(shapes)
colours = rng.integers(20, 235, size=(160, 3)).astype(np.float32)
for index in range(1, 160):
    x, y = int(rng.integers(0, W)), int(rng.integers(0, H))
    w, h = int(rng.integers(W // 60, W // 6)), int(rng.integers(H // 60, H // 5))
    kind = index % 3
    if kind == 0:
        draw.rectangle([x, y, x + w, y + h], fill=index)
    elif kind == 1:
        draw.ellipse([x, y, x + w, y + h], fill=index)
    else:
        points = [(x + int(rng.integers(-w, w)), y + int(rng.integers(-h, h))) for _ in range(5)]
        draw.polygon(points, fill=index)
labels = np.asarray(shapes)
inside = labels > 0
light = (image - 118) / 38
for c in range(3):
    channel = image[:, :, c]
    channel[inside] = colours[labels[inside], c] + 30 * light[:, :, c][inside]

# Texture at every scale down to the pixel (foliage, fabric, grain), then sensor noise.
fine = upscale(pink(H // 2, W // 2, 0.8), H, W)
image += 5 * fine[:, :, None]
image += rng.normal(0, 1.5, size=(H, W, 1)).astype(np.float32)
image += rng.normal(0, 0.8, size=(H, W, 3)).astype(np.float32)

pixels = np.clip(np.rint(image), 0, 255).astype(np.uint8)
Image.fromarray(pixels, "RGB").save(args.output, "JPEG", quality=92, subsampling=2)
print(f"{args.output}: {W}x{H}")
