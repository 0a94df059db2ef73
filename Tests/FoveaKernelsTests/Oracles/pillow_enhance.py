#!/usr/bin/env python3
"""Runs Pillow's own tonal operations for EnhancePillowTests.swift (pip install pillow numpy).

    python3 pillow_enhance.py FOLDER

FOLDER/jobs.txt has one job per line: `name width height bands operation parameter`; the
pixels are FOLDER/name.in (raw, interleaved, 1/3/4 bands as L/RGB/RGBA) and the result is
written to FOLDER/name.out. Operations:

  brightness, contrast, color, sharpness   ImageEnhance.<Name>(image).enhance(parameter)
  autocontrast                             ImageOps.autocontrast(image, cutoff=parameter)
  equalize, invert                         ImageOps.<name>(image)
  grayscale                                ImageOps.grayscale(image) (convert("L"))
  statistics                               numpy per band: mean std min max, 16-bin histogram,
                                           written as text, one band per line

Pillow refuses RGBA in autocontrast, equalize and invert (OSError); for those the script runs
the operation on image.convert("RGB") and writes RGB, the part Fovea must match.
"""
import sys

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

MODES = {1: "L", 3: "RGB", 4: "RGBA"}
ENHANCERS = {
    "brightness": ImageEnhance.Brightness,
    "contrast": ImageEnhance.Contrast,
    "color": ImageEnhance.Color,
    "sharpness": ImageEnhance.Sharpness,
}

folder = sys.argv[1]
for line in open(folder + "/jobs.txt"):
    name, w, h, bands, operation, parameter = line.split()
    w, h, bands, parameter = int(w), int(h), int(bands), float(parameter)
    data = open(f"{folder}/{name}.in", "rb").read()
    image = Image.frombytes(MODES[bands], (w, h), data)
    if operation == "statistics":
        pixels = np.frombuffer(data, dtype=np.uint8).reshape(h * w, bands)
        rows = []
        for band in range(bands):
            v = pixels[:, band]
            hist = np.bincount(v >> 4, minlength=16)
            rows.append(" ".join([repr(float(v.mean())), repr(float(v.std())), str(int(v.min())),
                                  str(int(v.max()))] + [str(int(c)) for c in hist]))
        open(f"{folder}/{name}.out", "w").write("\n".join(rows) + "\n")
        continue
    if operation in ENHANCERS:
        out = ENHANCERS[operation](image).enhance(parameter)
    else:
        if bands == 4 and operation != "grayscale":
            image = image.convert("RGB")
        if operation == "autocontrast":
            out = ImageOps.autocontrast(image, cutoff=parameter)
        elif operation == "equalize":
            out = ImageOps.equalize(image)
        elif operation == "invert":
            out = ImageOps.invert(image)
        elif operation == "grayscale":
            out = ImageOps.grayscale(image)
        else:
            raise SystemExit(f"unknown operation {operation}")
    open(f"{folder}/{name}.out", "wb").write(out.tobytes())
