#!/usr/bin/env python3
"""Times what agents use today (Pillow, OpenCV) on the operations `fovea bench kernels`,
`fovea bench zoom` and `fovea bench tiling` time, on the same image, one thread each.

    pip install pillow opencv-python-headless numpy
    python3 Benchmarks/peers.py IMAGE [--repeat N] [--json OUT]

Fovea's own benchmarks print libvips beside Fovea in the same run; this script gives the
Pillow/OpenCV columns of docs/BENCHMARKS.md. Medians in milliseconds.
"""
import argparse, io, json, os, statistics, time

import cv2
import numpy as np
from PIL import Image, ImageEnhance, ImageOps

parser = argparse.ArgumentParser()
parser.add_argument("image")
parser.add_argument("--repeat", type=int, default=5)
parser.add_argument("--json")
args = parser.parse_args()
cv2.setNumThreads(1)

results = {}


def timed(peer, operation, work, repeat=None):
    runs = []
    for _ in range(repeat or args.repeat):
        start = time.perf_counter()
        work()
        runs.append((time.perf_counter() - start) * 1000)
    results.setdefault(operation, {})[peer] = statistics.median(runs)


path = args.image
pil = Image.open(path).convert("RGB")
W, H = pil.size
bgr = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
# The boxes Fovea's benchmarks use: zoom 2x of a 960x540 box at the centre, resize to 1920 wide.
bx, by = W // 2 - 480, H // 2 - 270
zoom_box = (bx, by, bx + 960, by + 540)
thumb = (1920, round(1920 * H / W))
matrix = cv2.getRotationMatrix2D((W / 2, H / 2), 17, 1.0)
contrast_lut = np.clip(np.round((np.arange(256) - 128) * 1.5 + 128), 0, 255).astype(np.uint8)
gamma_lut = np.clip(np.round(255 * (np.arange(256) / 255) ** (1 / 2.2)), 0, 255).astype(np.uint8)
small = pil.crop((0, 0, 992, 736))
small_bgr = bgr[:736, :992]


def jpeg_pil(image):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, subsampling=0)
    return out


def tiles_pil():
    return [jpeg_pil(pil.crop((c * W // 4, r * H // 4, (c + 1) * W // 4, (r + 1) * H // 4)))
            for r in range(4) for c in range(4)]


def tiles_cv():
    params = [cv2.IMWRITE_JPEG_QUALITY, 95, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    return [cv2.imencode(".jpg", bgr[r * H // 4:(r + 1) * H // 4, c * W // 4:(c + 1) * W // 4], params)
            for r in range(4) for c in range(4)]


timed("pillow", "decode", lambda: Image.open(path).convert("RGB"), 3)
timed("opencv", "decode", lambda: cv2.imread(path), 3)
timed("memcpy", "memcpy of the frame", lambda: np.copy(bgr))
timed("pillow", "zoom 2x bicubic 960x540", lambda: pil.crop(zoom_box).resize((1920, 1080), Image.BICUBIC))
timed("opencv", "zoom 2x bicubic 960x540", lambda: cv2.resize(bgr[by:by + 540, bx:bx + 960], (1920, 1080), interpolation=cv2.INTER_CUBIC))
timed("pillow", "resize to 1920w lanczos", lambda: pil.resize(thumb, Image.LANCZOS))
timed("opencv", "resize to 1920w lanczos", lambda: cv2.resize(bgr, thumb, interpolation=cv2.INTER_LANCZOS4))
timed("pillow", "resize to 1920w bicubic", lambda: pil.resize(thumb, Image.BICUBIC))
timed("opencv", "resize to 1920w bicubic", lambda: cv2.resize(bgr, thumb, interpolation=cv2.INTER_CUBIC))
timed("pillow", "rotate 90", lambda: pil.transpose(Image.ROTATE_90))
timed("opencv", "rotate 90", lambda: cv2.rotate(bgr, cv2.ROTATE_90_COUNTERCLOCKWISE))
timed("pillow", "rotate 17 bilinear", lambda: pil.rotate(17, Image.BILINEAR, expand=True), 3)
timed("opencv", "rotate 17 bilinear", lambda: cv2.warpAffine(bgr, matrix, (W, H), flags=cv2.INTER_LINEAR), 3)
timed("pillow", "rotate 17 bicubic", lambda: pil.rotate(17, Image.BICUBIC, expand=True), 3)
timed("opencv", "rotate 17 bicubic", lambda: cv2.warpAffine(bgr, matrix, (W, H), flags=cv2.INTER_CUBIC), 3)
timed("pillow", "contrast 1.5", lambda: ImageEnhance.Contrast(pil).enhance(1.5))
timed("opencv", "contrast 1.5", lambda: cv2.LUT(bgr, contrast_lut))
timed("pillow", "brightness 1.3", lambda: ImageEnhance.Brightness(pil).enhance(1.3))
timed("opencv", "brightness 1.3", lambda: cv2.convertScaleAbs(bgr, alpha=1.3))
timed("pillow", "gamma 2.2", lambda: pil.point(list(gamma_lut) * 3))
timed("opencv", "gamma 2.2", lambda: cv2.LUT(bgr, gamma_lut))
timed("pillow", "invert", lambda: ImageOps.invert(pil))
timed("opencv", "invert", lambda: cv2.bitwise_not(bgr))
timed("pillow", "sharpness 2", lambda: ImageEnhance.Sharpness(pil).enhance(2.0), 3)
timed("pillow", "jpeg q95 4:4:4 992x736", lambda: jpeg_pil(small))
timed("opencv", "jpeg q95 4:4:4 992x736", lambda: cv2.imencode(".jpg", small_bgr, [cv2.IMWRITE_JPEG_QUALITY, 95, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]))
timed("pillow", "tile 4x4 + jpeg q95 (no resize)", tiles_pil, 3)
timed("opencv", "tile 4x4 + jpeg q95 (no resize)", tiles_cv, 3)

peers = ["pillow", "opencv", "memcpy"]
print(f"{W}x{H} {os.path.basename(path)}; one thread; median ms of {args.repeat}")
print(f"{'operation':34s}" + "".join(f"{p:>10s}" for p in peers))
for operation, row in results.items():
    print(f"{operation:34s}" + "".join(f"{row[p]:10.1f}" if p in row else f"{'':10s}" for p in peers))
if args.json:
    with open(args.json, "w") as out:
        json.dump({"image": path, "size": [W, H], "ms": results}, out, indent=1)
