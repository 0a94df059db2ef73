#!/usr/bin/env python3
"""Runs the real Pillow (and OpenCV) on raw images for Fovea's rotation and flip tests.

    python3 pillow_rotate.py FOLDER

FOLDER/jobs.txt holds one job per line, `name width height bands op args...`; the source
image is FOLDER/name.in (8-bit samples, packed row after row; 1, 3, 4 bands = L, RGB, RGBA).
Each job writes FOLDER/name.out (the packed result) and FOLDER/name.size (`width height`).

ops:
  transpose METHOD                    Image.transpose(Image.Transpose[METHOD])
  rotate ANGLE FILTER EXPAND FILL     Image.rotate(ANGLE, Image.Resampling[FILTER],
                                      expand=EXPAND (0/1), fillcolor=FILL ('none' or v,v,v))
  warpaffine A B C D E F              cv2.warpAffine(..., M, WARP_INVERSE_MAP | INTER_LINEAR,
                                      BORDER_REPLICATE) with OpenCV's pixel-centre matrix for
                                      Pillow's inverse matrix (a, b, c, d, e, f): OpenCV puts
                                      pixel centres on integers, Pillow on integers + 0.5.

Needs: pip install pillow numpy opencv-python-headless (OpenCV only for warpaffine).
"""
import sys

from PIL import Image

MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def run(folder):
    for line in open(f"{folder}/jobs.txt"):
        name, w, h, bands, op, *args = line.split()
        w, h, bands = int(w), int(h), int(bands)
        data = open(f"{folder}/{name}.in", "rb").read()
        image = Image.frombytes(MODES[bands], (w, h), data)
        if op == "transpose":
            out = image.transpose(Image.Transpose[args[0]])
            result, size = out.tobytes(), out.size
        elif op == "rotate":
            angle, flt, expand, fill = float(args[0]), args[1], args[2] == "1", args[3]
            color = None if fill == "none" else tuple(int(v) for v in fill.split(","))
            if color is not None and bands == 1:
                color = color[0]
            out = image.rotate(angle, Image.Resampling[flt.upper()], expand=expand, fillcolor=color)
            result, size = out.tobytes(), out.size
        elif op == "warpaffine":
            import cv2
            import numpy as np
            a, b, c, d, e, f = (float(v) for v in args)
            # Pillow samples (a(x+.5) + b(y+.5) + c - .5, ...) in OpenCV's integer-centred pixels.
            m = np.array([[a, b, c + (a + b - 1) / 2], [d, e, f + (d + e - 1) / 2]])
            pixels = np.frombuffer(data, np.uint8).reshape(h, w, bands)
            out = cv2.warpAffine(pixels, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                 borderMode=cv2.BORDER_REPLICATE)
            result, size = out.tobytes(), (w, h)
        else:
            raise SystemExit(f"unknown op {op}")
        open(f"{folder}/{name}.out", "wb").write(result)
        open(f"{folder}/{name}.size", "w").write(f"{size[0]} {size[1]}")


if __name__ == "__main__":
    run(sys.argv[1])
