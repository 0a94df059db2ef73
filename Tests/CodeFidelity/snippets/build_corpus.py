#!/usr/bin/env python3
"""Writes corpus.jsonl next to this file from the snippets below.

Each snippet: ``id``, ``family``, ``images`` (names from images.py, optionally
``name.ext``), ``calls`` (the code of each call, in order; state is shared),
``notes``; optional ``options`` (keyword arguments for the family's
Reference) and ``paths`` (file names of the images in the working dir).

The code is written the way each family's models write it (PyVision:
``image_clue_0`` + ``plt.show()``; DeepEyesV2: ``image_1`` + ``plt.show()`` in a
notebook; Thyme: ``image_path`` + files under
``/mnt/data/temp_processed_images/`` + ``print(processed_path)``; Sketchpad:
``image_1`` + ``display()``; R1V4: the local path + saved files / ``plt.show()``).
Everything is deterministic (fixed seeds, no clocks, no uuids, no object
addresses in the output) and fast (< 1 s each on the 800×600 photo).
"""

from __future__ import annotations

import json
import os

S: list[dict] = []


def add(id, family, images, calls, notes, **extra):
    if isinstance(calls, str):
        calls = [calls]
    S.append({"id": id, "family": family, "images": images, "calls": calls, "notes": notes, **extra})


# --------------------------------------------------------------------------
# PyVision
# --------------------------------------------------------------------------
add("pyvision-crop-imshow", "pyvision", ["photo"], """
# Crop the region with the sign to read its text
crop = image_clue_0.crop((460, 370, 770, 480))
plt.figure(figsize=(8, 3))
plt.imshow(crop)
plt.title("Sign region")
plt.axis('off')
plt.show()
print(crop.size)
""", "PIL crop + imshow/title/axis off + plt.show (default savefig); stdout after the figure.")

add("pyvision-np-slice-zoom", "pyvision", ["photo"], """
import numpy as np
img = np.array(image_clue_0)
h, w = img.shape[:2]
print(f"Image size: {w}x{h}")
region = img[480:570, 100:310]
plt.figure(figsize=(6, 3))
plt.imshow(region)
plt.title("Car close-up")
plt.xticks([]); plt.yticks([])
plt.show()
""", "NumPy slicing, f-string, ticks removed.")

add("pyvision-enhance-contrast", "pyvision", ["photo"], """
from PIL import ImageEnhance
enhanced = ImageEnhance.Contrast(image_clue_0).enhance(2.0)
sharp = ImageEnhance.Sharpness(enhanced).enhance(1.5)
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
axes[0].imshow(image_clue_0)
axes[0].set_title("Original")
axes[1].imshow(sharp)
axes[1].set_title("Contrast x2 + sharpen")
for ax in axes:
    ax.axis('off')
plt.tight_layout()
plt.show()
""", "ImageEnhance, subplots, tight_layout.")

add("pyvision-gray-hist", "pyvision", ["photo"], """
gray = np.array(image_clue_0.convert('L'))
print("mean:", round(float(gray.mean()), 2), "std:", round(float(gray.std()), 2))
plt.hist(gray.ravel(), bins=50, color='gray')
plt.title('Brightness histogram')
plt.xlabel('value')
plt.ylabel('count')
plt.show()
""", "convert('L'), hist, labels.")

add("pyvision-red-mask", "pyvision", ["photo"], """
arr = np.array(image_clue_0).astype(int)
r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
mask = (r > 150) & (g < 80) & (b < 80)
ys, xs = np.where(mask)
print("red pixels:", int(mask.sum()))
print("bbox:", xs.min(), ys.min(), xs.max(), ys.max())
plt.imshow(mask, cmap='gray')
plt.title('Red mask')
plt.show()
""", "Boolean mask, np.where, reductions, cmap gray.")

add("pyvision-channel-stats", "pyvision", ["photo"], """
arr = np.array(image_clue_0)
for i, name in enumerate(['R', 'G', 'B']):
    ch = arr[..., i]
    print(f"{name}: mean={ch.mean():.1f} p10={np.percentile(ch, 10):.0f} p90={np.percentile(ch, 90):.0f}")
print("unique colors in top-left 50x50:", len(np.unique(arr[:50, :50].reshape(-1, 3), axis=0)))
print("bincount of coarse gray:", np.bincount((arr.mean(axis=2) // 64).astype(int).ravel()).tolist())
""", "Text only: Image Result is None.")

add("pyvision-quadrants-grid", "pyvision", ["photo"], """
w, h = image_clue_0.size
boxes = [(0, 0, w//2, h//2), (w//2, 0, w, h//2), (0, h//2, w//2, h), (w//2, h//2, w, h)]
fig, axs = plt.subplots(2, 2, figsize=(8, 6))
for ax, box, name in zip(axs.flat, boxes, ['TL', 'TR', 'BL', 'BR']):
    ax.imshow(image_clue_0.crop(box))
    ax.set_title(name)
    ax.axis('off')
plt.suptitle('Quadrants')
plt.tight_layout()
plt.show()
""", "2x2 subplots, suptitle, zip/loop.")

add("pyvision-resize-default", "pyvision", ["photo"], """
crop = image_clue_0.crop((170, 500, 245, 525))
big = crop.resize((crop.width * 4, crop.height * 4))
print(big.size)
plt.imshow(big)
plt.axis('off')
plt.show()
""", "resize with Pillow's default filter (BICUBIC) of the licence plate.")

add("pyvision-print-only", "pyvision", ["photo"], """
w, h = image_clue_0.size
print("width:", w)
print("height:", h)
print("aspect:", round(w / h, 3))
""", "stdout only.")

add("pyvision-no-output", "pyvision", ["photo"], """
arr = np.array(image_clue_0)
total = arr.sum()
""", "Neither stdout nor figure: 'Text Result:\\nNone\\nImage Result:\\nNone'.")

add("pyvision-whitespace-output", "pyvision", ["photo"], """
print()
print("   ")
""", "Non-empty stdout that strips to '' keeps the 'text' key: 'Text Result:\\n\\nImage Result:'.")

add("pyvision-long-output-truncated", "pyvision", ["photo"], """
arr = np.array(image_clue_0.convert('L'))
for row in range(0, 600, 10):
    print(f"row {row}: mean {arr[row].mean():.2f}")
""", "Text longer than 400 chars: first 200 + '...' + last 200.")

add("pyvision-nameerror", "pyvision", ["photo"], """
crop = image_clue_0.crop((0, 0, 100, 100))
print(crop_size)
""", "Error: name 'crop_size' is not defined.")

add("pyvision-indexerror", "pyvision", ["photo"], """
sizes = [image_clue_0.size]
print("first")
print(sizes[3])
""", "IndexError; the stdout printed before it is dropped.")

add("pyvision-zerodivision", "pyvision", ["photo"], """
count = int((np.array(image_clue_0)[..., 0] > 300).sum())
ratio = 100 / count
print(ratio)
""", "ZeroDivisionError: 'Error: division by zero'.")

add("pyvision-syntaxerror", "pyvision", ["photo"], """
crop = image_clue_0.crop((0, 0, 100, 100)
plt.imshow(crop)
plt.show()
""", "SyntaxError message with '(<string>, line 1)'.")

add("pyvision-helper-exception", "pyvision", ["photo"], """
def region_mean(img, name):
    regions = {'sign': (470, 380, 760, 470), 'car': (120, 440, 290, 560)}
    box = regions[name]
    return np.array(img.crop(box)).mean()

print(region_mean(image_clue_0, 'sign'))
print(region_mean(image_clue_0, 'tree'))
""", "KeyError raised in a helper: 'Error: 'tree''.")

add("pyvision-show-in-loop", "pyvision", ["photo"], """
boxes = [(470, 380, 760, 470), (120, 440, 290, 560)]
for i, box in enumerate(boxes):
    plt.figure(figsize=(4, 2))
    plt.imshow(image_clue_0.crop(box))
    plt.title(f"crop {i}")
    plt.show()
print("done")
""", "plt.show() replaced by column-0 lines: the loop body ends before it; only the last figure is captured, once.")

add("pyvision-show-in-loop-indent-error", "pyvision", ["photo"], """
for i in range(2):
    plt.figure()
    plt.plot([0, i])
    plt.show()
    print(i)
""", "Code after plt.show() in the block: IndentationError 'unexpected indent'.")

add("pyvision-forbidden-call", "pyvision", ["photo"], """
def parse_input(box):
    return tuple(int(v) for v in box)

print(parse_input((1.2, 3.4)))
""", "The forbidden-call regex matches 'input(' inside 'parse_input(': RuntimeError before running.")

add("pyvision-multiturn-state", "pyvision", ["photo"], [
    """
sign = image_clue_0.crop((470, 380, 760, 470))
scale = 3
print(sign.size)
""", """
zoomed = sign.resize((sign.width * scale, sign.height * scale))
plt.imshow(zoomed)
plt.axis('off')
plt.show()
print(zoomed.size)
""", """
plt.imshow(np.array(zoomed.convert('L')) > 128, cmap='gray')
plt.show()
"""], "State persists; image_clue numbering continues (1, 2).")

add("pyvision-two-figures", "pyvision", ["photo"], [
    """
fig1 = plt.figure()
plt.imshow(image_clue_0)
fig2 = plt.figure()
plt.plot([1, 3, 2])
plt.show()
""", """
print(plt.get_fignums())
plt.show()
"""], "Only the current figure is saved and closed; the other stays open and is saved by the next plt.show().")

add("pyvision-scipy-label", "pyvision", ["gray"], """
from scipy import ndimage
arr = np.array(image_clue_0.convert('L'))
mask = arr > 200
labels, n = ndimage.label(mask)
sizes = ndimage.sum(mask, labels, range(1, n + 1))
print("blobs:", n)
print("sizes:", sorted(int(s) for s in sizes))
plt.imshow(labels, cmap='nipy_spectral')
plt.colorbar()
plt.title(f'{n} components')
plt.show()
""", "ndimage.label/sum, colormap + colorbar.")

add("pyvision-find-peaks", "pyvision", ["chart"], """
from scipy.signal import find_peaks
arr = np.array(image_clue_0.convert('L')).astype(float)
profile = (255 - arr[300]).clip(0)
peaks, props = find_peaks(profile, height=100, distance=20)
print("peaks:", peaks.tolist())
plt.figure(figsize=(8, 3))
plt.plot(profile)
plt.plot(peaks, profile[peaks], 'rx')
plt.title('Row 300 darkness')
plt.show()
""", "signal.find_peaks on an intensity profile; plot with markers.")

add("pyvision-sobel-edges", "pyvision", ["photo"], """
from scipy import ndimage
g = np.array(image_clue_0.convert('L')).astype(float)
sx = ndimage.sobel(g, axis=1)
sy = ndimage.sobel(g, axis=0)
mag = np.hypot(sx, sy)
print("edge strength p99:", round(float(np.percentile(mag, 99)), 1))
plt.imshow(mag, cmap='magma')
plt.axis('off')
plt.show()
""", "ndimage.sobel, hypot, percentile.")

add("pyvision-cv2-canny", "pyvision", ["photo"], """
import cv2
bgr = cv2.cvtColor(np.array(image_clue_0), cv2.COLOR_RGB2BGR)
gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
edges = cv2.Canny(gray, 50, 150)
print("edge pixels:", int((edges > 0).sum()))
plt.imshow(edges, cmap='gray')
plt.show()
""", "OpenCV cvtColor + Canny.")

add("pyvision-kmeans-colors", "pyvision", ["photo"], """
from sklearn.cluster import KMeans
small = np.array(image_clue_0.resize((80, 60))).reshape(-1, 3).astype(float)
km = KMeans(n_clusters=4, random_state=0, n_init=10).fit(small)
centers = km.cluster_centers_.round().astype(int)
counts = np.bincount(km.labels_)
order = np.argsort(-counts)
for i in order:
    print(centers[i].tolist(), int(counts[i]))
plt.bar(range(4), counts[order], color=[tuple(c / 255) for c in centers[order]])
plt.title('Dominant colours')
plt.show()
""", "KMeans with fixed random_state on a downsampled image.")

add("pyvision-skimage-otsu", "pyvision", ["doc"], """
from skimage.filters import threshold_otsu
from skimage.measure import label, regionprops
g = np.array(image_clue_0.convert('L'))
t = threshold_otsu(g)
ink = g < t
regions = regionprops(label(ink))
big = [r for r in regions if r.area > 30]
print("threshold:", int(t), "regions:", len(regions), "big:", len(big))
plt.imshow(ink, cmap='gray_r')
plt.show()
""", "threshold_otsu, label, regionprops.")

add("pyvision-scatter-cmap", "pyvision", ["photo"], """
arr = np.array(image_clue_0.resize((40, 30))).reshape(-1, 3)
bright = arr.mean(axis=1)
plt.scatter(arr[:, 0], arr[:, 2], c=bright, cmap='viridis', s=8)
plt.colorbar(label='brightness')
plt.xlabel('R'); plt.ylabel('B')
plt.title('R vs B')
plt.show()
""", "scatter with colormap and labelled colorbar.")

add("pyvision-rgba-converted", "pyvision", ["rgba"], """
print(image_clue_0.mode, image_clue_0.size)
print(np.array(image_clue_0)[0, 0].tolist())
""", "PyVision converts every input to RGB: transparent pixels become their underlying RGB (black here).")

add("pyvision-timeout", "pyvision", ["small"], """
n = 0
while True:
    n += 1
""", "Deadline (0.5 s here, 20 s in the harness): 'Timeout Error'.", options={"timeout": 0.5})

add("pyvision-two-images", "pyvision", ["photo", "small"], """
print(image_clue_0.size, image_clue_1.size)
fig, ax = plt.subplots(1, 2)
ax[0].imshow(image_clue_0)
ax[1].imshow(image_clue_1)
plt.show()
""", "Two inputs: image_clue_0/1; the output image is image_clue_2.")

# --------------------------------------------------------------------------
# DeepEyesV2
# --------------------------------------------------------------------------
add("deepeyesv2-crop-show", "deepeyesv2", ["photo"], """
import matplotlib.pyplot as plt
crop = image_1.crop((460, 370, 770, 480))
plt.imshow(crop)
plt.axis('off')
plt.show()
""", "tight_layout + savefig(bbox_inches='tight'); 'Images:\\n<image>'.")

add("deepeyesv2-trailing-expression", "deepeyesv2", ["photo"], """
import numpy as np
arr = np.array(image_1)
print(arr.shape)
arr[..., 0].mean().round(3)
""", "Trailing expression echoed by IPython into stdout as 'Out[1]: …'.")

add("deepeyesv2-trailing-multiline", "deepeyesv2", ["photo"], """
import numpy as np
arr = np.array(image_1.convert('L'))
{'rows': arr.shape[0], 'cols': arr.shape[1], 'hist': np.histogram(arr, bins=8)[0].tolist(), 'percentiles': [int(np.percentile(arr, q)) for q in (5, 25, 50, 75, 95)]}
""", "Multi-line pretty repr: 'Out[1]: \\n{…'.")

add("deepeyesv2-reindent-loop", "deepeyesv2", ["photo"], """
import numpy as np
arr = np.array(image_1)
total = 0
for row in range(0, 600, 200):
    total += int(arr[row].mean())
print("total:", total)
""", "fix_python_indentation never dedents: the print moves inside the loop (printed 3 times).")

add("deepeyesv2-misindented", "deepeyesv2", ["photo"], """
  import numpy as np
  w, h = image_1.size
    print(w, h)
  if w > h:
   print("landscape")
  else:
        print("portrait")
""", "Inconsistent indentation rebuilt from ':' lines and else: the result is valid code (prints the size and 'landscape').")

add("deepeyesv2-comment-colon", "deepeyesv2", ["photo"], """
# Step 1: crop the sign:
crop = image_1.crop((470, 380, 760, 470))
print(crop.size)
""", "A comment ending with ':' indents the following lines; autopep8 (aggressive 2) removes the unexpected indentation again, so it runs.")

add("deepeyesv2-nameerror", "deepeyesv2", ["photo"], """
print("start")
print(undefined_variable)
""", "Traceback (IPython Context format, ANSI stripped) in stderr; stdout before the error kept.")

add("deepeyesv2-helper-exception", "deepeyesv2", ["photo"], """
def ratio(a, b):
    return a / b
w, h = image_1.size
print(ratio(w, h - 600))
""", "ZeroDivisionError inside a helper; the re-indent puts later lines inside the def (so nothing runs) — shows the heuristic.")

add("deepeyesv2-syntaxerror", "deepeyesv2", ["photo"], """
crop = image_1.crop((0, 0, 100, 100)
print(crop.size)
""", "compile() pre-check: stderr 'SyntaxError - …', nothing runs.")

add("deepeyesv2-multiturn-state", "deepeyesv2", ["photo"], [
    """
import numpy as np
arr = np.array(image_1)
threshold = 128
gen = (i for i in range(3))
print(arr.shape)
""", """
mask = arr.mean(axis=2) > threshold
print(int(mask.sum()))
""", """
print(next(gen))
"""], "Namespace round-trips through cloudpickle: arrays persist, a generator is dropped (NameError).")

add("deepeyesv2-helper-snapshot", "deepeyesv2", ["photo"], [
    """
factor = 2
def scale(v):
    return v * factor
""", """
factor = 10
print(scale(3))
"""], "A function restored by cloudpickle keeps the globals it referenced when pickled (prints 6, not 30).")

add("deepeyesv2-two-figures", "deepeyesv2", ["photo"], """
import matplotlib.pyplot as plt
fig1 = plt.figure()
plt.imshow(image_1.crop((0, 0, 400, 300)))
fig2 = plt.figure()
plt.plot([1, 2, 4, 8])
plt.show()
""", "The plt.show patch saves every open figure (two images).")

add("deepeyesv2-show-twice", "deepeyesv2", ["photo"], """
import matplotlib.pyplot as plt
plt.figure(figsize=(4, 3))
plt.imshow(image_1.crop((0, 0, 400, 300)))
plt.figure(figsize=(4, 3))
plt.plot([3, 1, 2])
plt.show()
plt.show()
""", "Only the current figure is closed: the second plt.show() saves the first figure again (three images).")

add("deepeyesv2-stderr-lost", "deepeyesv2", ["photo"], """
import sys
print("to stdout")
print("to stderr", file=sys.stderr)
""", "Writes to sys.stderr are not captured by the sandbox.")

add("deepeyesv2-subplots-enhance", "deepeyesv2", ["photo"], """
from PIL import ImageEnhance
import matplotlib.pyplot as plt
region = image_1.crop((400, 300, 800, 600))
fig, ax = plt.subplots(1, 3, figsize=(9, 3))
for a, f in zip(ax, [0.5, 1.0, 2.0]):
    a.imshow(ImageEnhance.Contrast(region).enhance(f))
    a.set_title(f"contrast {f}")
    a.axis('off')
plt.show()
""", "The re-indent moves plt.show() into the loop: the first iteration saves and closes the figure, later ones draw on the closed figure, so one image with only the first panel.")

add("deepeyesv2-tiny-figure-upscaled", "deepeyesv2", ["small"], """
import matplotlib.pyplot as plt
plt.figure(figsize=(0.08, 0.08))
plt.imshow(image_1)
plt.axis('off')
plt.show()
""", "A result narrower than 32 px is upscaled by maybe_resize_image (LANCZOS).")

add("deepeyesv2-opencv-adaptive", "deepeyesv2", ["doc"], """
import cv2
import numpy as np
import matplotlib.pyplot as plt
gray = cv2.cvtColor(np.array(image_1), cv2.COLOR_RGB2GRAY)
th = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 15, 8)
print((th == 0).mean().round(4))
plt.imshow(th, cmap='gray')
plt.show()
""", "cv2.adaptiveThreshold.")

add("deepeyesv2-skimage-contours", "deepeyesv2", ["gray"], """
import numpy as np
from skimage import measure
import matplotlib.pyplot as plt
arr = np.array(image_1).astype(float)
contours = measure.find_contours(arr, 200)
print(len(contours))
plt.imshow(arr, cmap='gray')
plt.show()
""", "find_contours; the plot loop a model would write is avoided (re-indent).")

add("deepeyesv2-figure-persists", "deepeyesv2", ["photo"], [
    """
import matplotlib.pyplot as plt
fig_a = plt.figure()
_ = plt.imshow(image_1.crop((100, 100, 500, 400)))
fig_b = plt.figure()
_ = plt.plot([1, 2, 3])
print(plt.get_fignums())
""", """
print(plt.get_fignums())
plt.show()
"""], "The sandbox's final plt.close() closes only the current figure (fig_b); fig_a is pickled while registered with pyplot and comes back as an open figure in the next call, so plt.show() returns it.")

add("deepeyesv2-eval-variant", "deepeyesv2", ["photo"], """
import matplotlib.pyplot as plt
print(image_1.size)
plt.imshow(image_1.crop((460, 370, 770, 480)))
plt.show()
""", "VLMEvalKit variant: image_1 is the smart-resized copy (812x588); observation not stripped; images JPEG-recoded.",
    options={"variant": "eval"})

add("deepeyesv2-empty-code", "deepeyesv2", ["photo"], """

""", "Nothing to run: the server refuses empty code and the env answers 'Code execution error'.")

add("deepeyesv2-display-pil", "deepeyesv2", ["photo"], """
display(image_1.crop((0, 0, 64, 48)))
""", "IPython display() in a terminal shell prints the text/plain repr; no image.")

# --------------------------------------------------------------------------
# Thyme
# --------------------------------------------------------------------------
add("thyme-crop-processed-path", "thyme", ["photo"], """
from PIL import Image
import os

# Load the image
image_path = "photo.jpg"
image = Image.open(image_path)

# Crop the sign area
left, top, right, bottom = 460, 370, 770, 480
cropped_image = image.crop((left, top, right, bottom))

# Save the processed image
processed_filename = "photo_sign_crop.jpg"
processed_path = os.path.join("/mnt/data/temp_processed_images/", processed_filename)
cropped_image.save(processed_path)

# Print the path of the saved cropped image
print(processed_path)
""", "The canonical Thyme step: /mnt/data/... remapped, processed_path picked.")

add("thyme-wrong-image-path", "thyme", ["photo"], """
import cv2
import os

image_path = "hr_bench_4k/179.jpg"
image = cv2.imread(image_path)
h, w = image.shape[:2]
x1, y1, x2, y2 = 100, 420, 320, 580
crop = image[y1:y2, x1:x2]
zoom = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
processed_path = "/mnt/data/temp_processed_images/car_zoom.png"
cv2.imwrite(processed_path, zoom)
print(processed_path)
""", "image_path literal that does not exist is rebound to the real input path (ast.unparse).", paths=["input/user_image.jpg"])

add("thyme-small-crop-clamped", "thyme", ["photo"], """
from PIL import Image
import os
image = Image.open(image_path)
x1, y1, x2, y2 = 180, 505, 232, 520
plate = image.crop((x1, y1, x2, y2))
plate = plate.resize((plate.width * 4, plate.height * 4), Image.LANCZOS)
processed_path = os.path.join(temp_output_dir, "plate.png")
plate.save(processed_path)
print(processed_path)
""", "A 52x15 box is widened to 64x64 by the crop clamp before running.")

add("thyme-crop-box-out-of-bounds", "thyme", ["photo"], """
from PIL import Image
image = Image.open(image_path)
crop_box = (700, 500, 900, 700)
region = image.crop(crop_box)
print(region.size)
processed_path = "/mnt/data/temp_processed_images/corner.png"
region.save(processed_path)
print(processed_path)
""", "crop_box clamped into the 800x600 image.")

add("thyme-cv-prefix", "thyme", ["photo"], """
import cv2 as cv
img = cv.imread(image_path)
gray = cv.cvtColor(img, cv.COLOR_BGR2GRAY)
edges = cv.Canny(gray, 80, 160)
processed_path = "/mnt/data/temp_processed_images/edges.png"
cv.imwrite(processed_path, edges)
print(processed_path)
""", "cv. → cv2. rewrite.")

add("thyme-misindented-first-line", "thyme", ["photo"], """    from PIL import Image, ImageEnhance
image = Image.open(image_path)
enh = ImageEnhance.Contrast(image).enhance(1.8)
processed_path = "/mnt/data/temp_processed_images/contrast.jpg"
enh.save(processed_path)
print(processed_path)
""", "First line indented differently from the second: aligned, then dedented.")

add("thyme-fstring-digits", "thyme", ["photo"], """
from PIL import Image
import numpy as np
image = Image.open(image_path)
arr = np.array(image)
ratio = image.width / image.height
red_share = (arr[..., 0] > 150).mean()
print(f"Aspect ratio: {ratio:.2f}")
print(f"Red share: {red_share:.3f}")
print("Mean: {:.1f}".format(arr.mean()))
""", "Every one-digit ':.Nf}' becomes ':.8f}' (also in str.format); the printed text is the observation.")

add("thyme-print-result-only", "thyme", ["photo"], """
from PIL import Image
image = Image.open(image_path)
w, h = image.size
print(w * h)
""", "No image: the print output itself is returned as text.")

add("thyme-error-discarded", "thyme", ["photo"], """
from PIL import Image
image = Image.open(image_path)
print(image.sizes)
""", "AttributeError: the turn is discarded (the model never sees it).")

add("thyme-dangerous-code", "thyme", ["photo"], """
import re
pattern = re.compile(r"\\d+")
print(pattern.findall("a1b22"))
""", "re.compile( matches the \\bcompile\\( pattern: execution denied, discarded.")

add("thyme-helper-scope", "thyme", ["photo"], """
from PIL import Image
import numpy as np
from PIL import ImageFilter

def blur(img):
    return img.filter(ImageFilter.GaussianBlur(2))

image = Image.open(image_path)
out = blur(image)
processed_path = "/mnt/data/temp_processed_images/blur.png"
out.save(processed_path)
print(processed_path)
""", "exec with separate locals: ImageFilter imported at top level is not visible inside the function (NameError, discarded).")

add("thyme-comprehension-scope", "thyme", ["photo"], """
from PIL import Image
image = Image.open(image_path)
scale = 2
sizes = [v * scale for v in image.size]
print(sizes)
""", "Python <= 3.11 comprehension scope with separate locals: 'scale' not defined (discarded).")

add("thyme-missing-builtin", "thyme", ["photo"], """
from PIL import Image
import numpy as np
image = Image.open(image_path).convert('RGB')
colors = set(map(tuple, np.array(image)[::50, ::50].reshape(-1, 3).tolist()))
print(len(colors))
""", "Restricted builtins: set is missing (NameError, discarded).")

add("thyme-multiturn-state", "thyme", ["photo"], [
    """
from PIL import Image
import os
image = Image.open(image_path)
x1, y1, x2, y2 = 100, 420, 320, 580
car = image.crop((x1, y1, x2, y2))
processed_path = os.path.join("/mnt/data/temp_processed_images/", "car.png")
car.save(processed_path)
print(processed_path)
""", """
print(car.sizes)
""", """
from PIL import ImageOps
gray_car = ImageOps.grayscale(car)
out_path = "/mnt/data/temp_processed_images/car_gray.png"
gray_car.save(out_path)
print(out_path)
"""], "Locals carry over; a failed call is discarded and rolled back; call 3 finds the path by its print (processed_path of call 1 is ignored).")

add("thyme-two-printed-paths", "thyme", ["photo"], """
from PIL import Image
image = Image.open(image_path)
sign = image.crop((460, 370, 770, 480))
car = image.crop((110, 430, 300, 570))
sign_path = "/mnt/data/temp_processed_images/sign.png"
car_path = "/mnt/data/temp_processed_images/car.png"
sign.save(sign_path)
car.save(car_path)
print(f"Sign: {sign_path}")
print(f"Car: {car_path}")
""", "Two printed output paths: two images, in print order.")

add("thyme-basename-fallback", "thyme", ["photo"], """
from PIL import Image
import os
image = Image.open(image_path)
tree = image.crop((650, 180, 770, 400))
out = os.path.join("/mnt/data/temp_processed_images/", "tree.png")
tree.save(out)
print("Saved tree.png")
""", "Only the file name is printed: the 'any path-like match count == files in dir' fallback returns the dir's images.")

add("thyme-saved-not-printed", "thyme", ["photo"], """
from PIL import Image
image = Image.open(image_path)
image.rotate(90, expand=True).save("/mnt/data/temp_processed_images/rotated.png")
""", "Saved but nothing printed and no processed_path: no output, discarded.")

add("thyme-slice-not-clamped", "thyme", ["photo"], """
import cv2
image = cv2.imread(image_path)
patch = image[505:520, 180:232]
processed_path = "/mnt/data/temp_processed_images/patch.png"
cv2.imwrite(processed_path, patch)
print(processed_path)
""", "image[y1:y2, x1:x2] is not clamped on Python >= 3.9 (52x15 patch returned).")

add("thyme-subdir-output", "thyme", ["photo"], """
from PIL import Image
image = Image.open(image_path)
processed_path = "/mnt/data/temp_processed_images/crops/house_left.png"
image.crop((50, 150, 180, 380)).save(processed_path)
print(processed_path)
""", "Sub-directories named in quoted /mnt/data paths are created first.")

add("thyme-rotate-sharpen", "thyme", ["photo.png"], """
from PIL import Image, ImageEnhance
image = Image.open(image_path)
rotated = image.rotate(-12, expand=True, fillcolor=(255, 255, 255))
sharp = ImageEnhance.Sharpness(rotated).enhance(2.0)
processed_path = "/mnt/data/temp_processed_images/rotated_sharp.png"
sharp.save(processed_path)
print(processed_path)
""", "PNG input; rotate with expand + fillcolor; sharpness.")

add("thyme-first-line-block", "thyme", ["photo"], """
for name in ["a", "b"]:
    print(name)
""", "align_first_line_to_second gives the 'for' line its body's indentation: SyntaxError, discarded.")

add("thyme-processed-path-missing", "thyme", ["photo"], """
from PIL import Image
image = Image.open(image_path)
processed_path = "/mnt/data/temp_processed_images/never_saved.png"
print(processed_path)
""", "processed_path names a file that does not exist and the print names it too: no image; discarded.")

# --------------------------------------------------------------------------
# Visual Sketchpad
# --------------------------------------------------------------------------
add("sketchpad-display-crop", "sketchpad", ["photo"], """
crop = image_1.crop((460, 370, 770, 480))
display(crop)
""", "display(PIL): '<PIL.…>' text line + image → <img src='…'>.")

add("sketchpad-print-and-display", "sketchpad", ["photo"], """
w, h = image_1.size
print(f"size: {w}x{h}")
zoom = image_1.crop((100, 420, 320, 580)).resize((440, 320))
display(zoom)
print("zoomed")
""", "Stream flushed before the display: text, image, text.")

add("sketchpad-plt-show", "sketchpad", ["photo"], """
import matplotlib.pyplot as plt
plt.figure(figsize=(6, 4))
plt.imshow(image_1)
plt.title("input")
plt.axis('off')
plt.show()
""", "Inline backend: print_figure(bbox_inches='tight').")

add("sketchpad-figure-no-show", "sketchpad", ["photo"], """
import matplotlib.pyplot as plt
fig, ax = plt.subplots(1, 2, figsize=(8, 3))
ax[0].imshow(image_1.crop((0, 0, 400, 300)))
ax[1].hist(np.array(image_1).ravel(), bins=32)
ax[1].set_title('histogram')
""", "Figures still open at the end of the cell are displayed by flush_figures.")

add("sketchpad-trailing-expression", "sketchpad", ["photo"], """
arr = np.array(image_1)
arr.shape
""", "execute_result text/plain '(600, 800, 3)'.")

add("sketchpad-error-after-print", "sketchpad", ["photo"], """
print("computing")
channels = image_1.size[2]
print(channels)
""", "Error: earlier output dropped; 'ERROR: ERROR: IndexError: …' + traceback (Cell In[3], line 2).")

add("sketchpad-backslash-removed", "sketchpad", ["photo"], """
print("line one\\nline two")
path = "C:\\\\images\\\\x.png"
print(path)
""", "The parser deletes every backslash: '\\n' becomes 'n'.")

add("sketchpad-syntax-error", "sketchpad", ["photo"], """
for i in range(3)
    print(i)
""", "compile() in the parser fails: 'OBSERVATION: Parsing error…', nothing runs, no cell number used.")

add("sketchpad-multiturn", "sketchpad", ["photo"], [
    """
from PIL import ImageDraw
boxes = {'sign': (470, 380, 760, 470), 'car': (120, 440, 290, 560)}
annotated = image_1.copy()
draw = ImageDraw.Draw(annotated)
for name, box in boxes.items():
    draw.rectangle(box, outline=(255, 0, 0), width=4)
display(annotated)
""", """
for name, box in boxes.items():
    print(name, image_1.crop(box).size)
""", """
print(boxes['tree'])
"""], "State persists; the error names Cell In[5].")

add("sketchpad-pil-trailing", "sketchpad", ["small"], """
image_1.resize((128, 96))
""", "A PIL image as trailing expression: execute_result with image/png → <img>.")

add("sketchpad-no-images", "sketchpad", [], """
import math
print(math.sqrt(2))
""", "Math task: no image cell, so the model's first cell is In[2].")

# --------------------------------------------------------------------------
# Skywork-R1V4 (Fovea r1v4 conventions)
# --------------------------------------------------------------------------
add("r1v4-print", "r1v4", ["photo"], """
print('hello')
""", "The parse_utils.py sample: {\"result\": \"hello\", \"type\": \"code\"}.")

add("r1v4-crop-save", "r1v4", ["photo"], """
from PIL import Image
img = Image.open("photo.jpg")
crop = img.crop((460, 370, 770, 480))
crop = crop.resize((crop.width * 2, crop.height * 2))
crop.save("sign_zoom.png")
print("saved sign_zoom.png", crop.size)
""", "Image opened from the local path; saved file collected.")

add("r1v4-contrast-show", "r1v4", ["photo"], """
from PIL import ImageEnhance
enh = ImageEnhance.Contrast(image).enhance(1.8)
plt.figure(figsize=(8, 6))
plt.imshow(enh)
plt.axis('off')
plt.title('enhanced')
plt.show()
""", "plt.show → savefig(bbox_inches='tight').")

add("r1v4-rotate", "r1v4", ["doc"], """
rot = image.rotate(-7, expand=True, fillcolor=(255, 255, 255))
rot.save("doc_rotated.jpg", quality=90)
print(rot.size)
""", "Rotation with expand; JPEG output collected.")

add("r1v4-pixel-analysis", "r1v4", ["photo"], """
arr = np.asarray(image).astype(np.float32)
sky = arr[:300]
ground = arr[330:]
print("sky mean:", sky.mean(axis=(0, 1)).round(1).tolist())
print("ground mean:", ground.mean(axis=(0, 1)).round(1).tolist())
print("brightest row:", int(arr.mean(axis=(1, 2)).argmax()))
""", "Pixel-level statistics, text only.")

add("r1v4-annotate", "r1v4", ["photo"], """
from PIL import ImageDraw
ann = image.copy()
d = ImageDraw.Draw(ann)
d.rectangle((470, 380, 760, 470), outline=(255, 0, 0), width=5)
d.rectangle((120, 440, 290, 560), outline=(0, 255, 0), width=5)
ann.save("annotated.png")
print("boxes drawn")
""", "Annotation saved.")

add("r1v4-cv2-pipeline", "r1v4", ["photo"], """
img = cv2.imread("photo.jpg")
h, w = img.shape[:2]
M = cv2.getRotationMatrix2D((w / 2, h / 2), 15, 1.0)
rot = cv2.warpAffine(img, M, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
small = cv2.resize(rot, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
up = cv2.resize(small[100:200, 200:350], None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
cv2.imwrite("rotated.png", small)
cv2.imwrite("zoom.png", up)
print(small.shape, up.shape)
""", "imread, getRotationMatrix2D/warpAffine, resize INTER_AREA/INTER_CUBIC, two files (sorted by name).")

add("r1v4-cv2-rotate-threshold", "r1v4", ["doc"], """
g = cv2.imread("doc.png", cv2.IMREAD_GRAYSCALE)
g90 = cv2.rotate(g, cv2.ROTATE_90_CLOCKWISE)
th = cv2.adaptiveThreshold(g90, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 11, 5)
print(g90.shape, int((th == 0).sum()))
fig, ax = plt.subplots(1, 2, figsize=(7, 4))
ax[0].imshow(g90, cmap='gray'); ax[0].set_title('rotated')
ax[1].imshow(th, cmap='gray'); ax[1].set_title('adaptive')
plt.show()
""", "cv2.rotate + adaptiveThreshold + subplots.")

add("r1v4-error-traceback", "r1v4", ["photo"], """
def get_box(name):
    boxes = {"sign": (470, 380, 760, 470)}
    return boxes[name]
print("looking up")
box = get_box("car")
""", "KeyError in a helper: stdout then the model-frames-only traceback.")

add("r1v4-syntax-error", "r1v4", ["photo"], """
x = image.crop((0, 0, 10, 10)
""", "SyntaxError caret block.")

add("r1v4-multiturn", "r1v4", ["photo"], [
    """
sign = image.crop((470, 380, 760, 470))
print(sign.size)
""", """
big = sign.resize((sign.width * 3, sign.height * 3), Image.LANCZOS)
big.save("sign_big.png")
print(big.size)
""", """
print(sign.mode, big.size)
"""], "Session state across calls; only the changed file is returned in call 2.")

add("r1v4-deadline", "r1v4", ["small"], [
    """
counter = 0
while True:
    counter += 1
""", """
print('counter' in dir())
"""], "Fovea's deadline sentence (0.5 s here); the session's variables are gone afterwards.", options={"timeout": 0.5})

add("r1v4-zoom-subplots", "r1v4", ["photo.webp"], """
fig, axes = plt.subplots(1, 3, figsize=(9, 3))
regions = [(0, 0, 800, 600), (400, 300, 800, 600), (470, 380, 760, 470)]
for ax, r, t in zip(axes, regions, ["full", "quarter", "sign"]):
    ax.imshow(image.crop(r))
    ax.set_title(t)
    ax.axis("off")
plt.tight_layout()
plt.show()
""", "WebP input; progressive zoom in subplots.")

# --------------------------------------------------------------------------
# plain
# --------------------------------------------------------------------------
add("plain-trailing-expression", "plain", ["photo"], """
import numpy as np
a = np.array(image)
a.shape, a.dtype.name
""", "Trailing expression repr in result and text.")

add("plain-display-image", "plain", ["photo"], """
crop = image_1.crop((460, 370, 770, 480))
display(crop)
display("caption")
""", "display(PIL) → image; other objects printed as repr.")

add("plain-show-figure", "plain", ["gray"], """
import numpy as np
import matplotlib.pyplot as plt
arr = np.array(image)
plt.imshow(arr, cmap='gray')
plt.colorbar()
plt.show()
""", "plt.show → savefig with default arguments (640x480).")

add("plain-error", "plain", ["photo"], """
print("partial")
[1, 2, 3][5]
""", "stdout then traceback.")

add("plain-stderr", "plain", ["photo"], """
import sys
print("out")
print("err", file=sys.stderr)
1 + 1
""", "text = stdout + stderr + result.")

add("plain-multiturn", "plain", ["photo", "small"], [
    """
sizes = [image_1.size, image_2.size]
sizes
""", """
from PIL import ImageOps
display(ImageOps.invert(image_2.convert('RGB')))
len(sizes)
"""], "Two images, state across calls.")

add("plain-morphology", "plain", ["gray"], """
import numpy as np
from skimage import morphology, measure
arr = np.array(image) > 200
opened = morphology.opening(arr, morphology.disk(3))
grown = morphology.dilation(opened, morphology.disk(2))
int(arr.sum()), int(opened.sum()), int(grown.sum()), int(measure.label(grown).max())
""", "scikit-image morphology (opening/dilation with disk footprints) and label.")


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for s in S:
            s = dict(s)
            s["calls"] = [c.strip("\n") + "\n" if c.strip() else c for c in s["calls"]]
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    print(f"{len(S)} snippets -> {out}")


if __name__ == "__main__":
    main()
