"""Input images inside a sandboxed child: the family objects over the
mapping, and Image.open/cv2.imread of input files served from the shared
decode only when pixel-identical to a real Pillow/OpenCV decode."""

from __future__ import annotations

import io
import os
import sys

import numpy as np
import pytest
from PIL import Image

from driver import InputImage
import corpus

sys.path.insert(0, corpus.FIDELITY)
import images as test_images  # noqa: E402

COMPARE = r'''
import io, numpy as np, cv2
from PIL import Image
p = {path!r}
raw = open(p, "rb").read()
im = Image.open(p)
served = any(c.__name__ == "_ServedMixin" for c in type(im).__mro__)
real = Image.open(io.BytesIO(raw)); real.load()
a = np.array(im)
print("pil", served, im.format, im.mode, a.shape, bool(np.array_equal(a, np.array(real))), type(im).__name__)
for flags in (cv2.IMREAD_COLOR, cv2.IMREAD_UNCHANGED, cv2.IMREAD_GRAYSCALE):
    got = cv2.imread(p, flags)
    want = cv2.imdecode(np.frombuffer(raw, np.uint8), flags)
    print("cv2", flags, got.shape == want.shape and bool(np.array_equal(got, want)))
crop = im.crop((10, 20, 300, 200)); rc = real.crop((10, 20, 300, 200))
print("crop", crop.size == rc.size and crop.mode == rc.mode and crop.tobytes() == rc.tobytes())
oob = im.crop((-30, -5, 70, 40)); ro = real.crop((-30, -5, 70, 40))
print("oob", oob.tobytes() == ro.tobytes())
cv = im.convert("RGB"); rv = real.convert("RGB")
print("convert", cv.tobytes() == rv.tobytes(), np.array_equal(np.asarray(cv), np.asarray(rv)))
print("load", im.copy().tobytes() == real.tobytes(), im.getpixel((5, 5)) == real.getpixel((5, 5)))
'''


def _file(name: str, ext: str) -> InputImage:
    data = test_images.encode(test_images.get_image(name), ext)
    return InputImage(data, path=f"in/{name}.{ext}")


@pytest.mark.parametrize("name,ext", [("photo", "jpg"), ("photo", "png"), ("photo", "webp"), ("rgba", "png"),
                                      ("gray", "png"), ("gray", "jpg"), ("doc", "webp"), ("rgba", "webp")])
def test_open_and_imread_are_served_and_identical(child, name, ext):
    img = _file(name, ext)
    r = child.run(COMPARE.format(path=img.path), "plain", [img])
    assert r["error"] is None, r["error"]
    lines = r["stdout"].splitlines()
    pil = lines[0].split()
    assert pil[1] == "True", f"Image.open was not served: {lines[0]}"
    assert pil[-2] == "True", f"served pixels differ from Pillow's decode: {lines[0]}"
    assert all(line.endswith("True") for line in lines[1:]), lines


def test_exif_rotated_jpeg_is_decoded_for_real(child):
    src = test_images.get_image("photo")
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    src.save(buf, "JPEG", quality=90, exif=exif)
    img = InputImage(buf.getvalue(), path="rot.jpg")
    assert img.pixels.shape[:2] == (800, 600)  # the daemon's decode is rotated
    r = child.run(COMPARE.format(path="rot.jpg"), "plain", [img])
    assert r["error"] is None, r["error"]
    lines = r["stdout"].splitlines()
    assert lines[0].split()[1] == "False", "an EXIF-rotated file must not be served from the rotated pixels"
    assert all(line.endswith("True") for line in lines[1:]), lines


def test_family_objects_over_the_mapping(child):
    img = _file("photo", "jpg")
    code = r'''
import numpy as np
from PIL import ImageDraw
a = np.asarray(image_clue_0)
print(type(image_clue_0).__name__, image_clue_0.mode, image_clue_0.size, a.flags.writeable, a.shape)
print(image_clue_0.info.get("jfif") is not None, image_clue_0.format)
b = np.array(image_clue_0); b[0, 0] = 7
ImageDraw.Draw(image_clue_0).rectangle((0, 0, 50, 50), fill=(255, 0, 0))
print(np.array(image_clue_0)[10, 10].tolist(), np.asarray(Image.open("in/photo.jpg"))[10, 10].tolist() != [255, 0, 0])
import pickle, copy
c = pickle.loads(pickle.dumps(image_clue_0)); d = copy.deepcopy(image_clue_0)
print(np.array_equal(np.array(c), np.array(image_clue_0)), np.array_equal(np.array(d), np.array(image_clue_0)))
'''
    r = child.run(code, "pyvision", [img])
    assert r["error"] is None, r["error"]
    lines = r["stdout"].splitlines()
    assert lines[0] == "Image RGB (800, 600) False (600, 800, 3)"
    assert lines[1] == "True None"
    assert lines[2] == "[255, 0, 0] True"  # drawing changes the variable, never the shared pixels
    assert lines[3] == "True True"


def test_array_of_mapping_matches_decoded_pixels(child):
    img = _file("rgba", "png")
    r = child.run("import numpy as np\nprint(np.array(image_clue_0).tobytes().hex()[:64], np.array(image_clue_0).shape)",
                  "pyvision", [img])
    want = np.asarray(Image.fromarray(img.pixels).convert("RGB"))
    assert r["stdout"].split()[0] == want.tobytes().hex()[:64]
    assert "(240, 320, 3)" in r["stdout"]


def test_absolute_paths(driver):
    img = _file("photo", "jpg")
    img.path = "/data/bench/179.jpg"
    c = driver.fork("abs", paths=["/data/bench/179.jpg"])
    try:
        r = c.run("from PIL import Image\nim = Image.open('/data/bench/179.jpg')\nprint(im.size, type(im).__mro__[1].__name__)",
                  "r1v4", [img])
        assert r["error"] is None, r["error"]
        assert r["stdout"] == "(800, 600) _ServedMixin\n"
        other = _file("small", "png")
        other.path = "/elsewhere/x.png"
        r = c.run("print(1)", "r1v4", [img, other])
        assert r["error"]["type"] == "PermissionError" and "outside the working directory" in r["error"]["message"]
    finally:
        c.kill()


def test_files_written_are_returned_as_pixels(child):
    img = _file("photo", "jpg")
    code = "from PIL import Image\nImage.open('in/photo.jpg').crop((0, 0, 64, 32)).save('out.png')\nprint('ok')"
    r = child.run(code, "r1v4", [img])
    assert r["error"] is None
    assert [(i["width"], i["height"], i["bands"], i["source"]) for i in r["images"]] == [(64, 32, 3, "file:out.png")]
    assert np.array_equal(r.images[0], img.pixels[:32, :64])


def test_path_escaping_the_working_directory_is_refused(child):
    img = _file("small", "png")
    img.path = "../../etc/x.png"
    r = child.run("print(1)", "plain", [img])
    assert r["error"]["type"] == "PermissionError"
    assert r["stdout"] == ""
    assert os.path.exists("/etc") and not os.path.exists("/etc/x.png")


ENHANCE = r'''
from PIL import ImageEnhance, Image
core = {name}.im.mode
out = ImageEnhance.Contrast({name}).enhance(1.5)
mask = Image.new("L", {name}.size, 128)
pasted = {name}.copy(); pasted.paste(out, (0, 0), mask)
print({name}.mode, core, out.mode, out.size == {name}.size)
'''


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "RGB"])
def test_a_converted_image_has_the_core_its_mode_says(child, mode):
    """PyVision converts every input to RGB: the core under the object must be RGB too, or
    ImageEnhance and paste fail with "images do not match" (found by fovea fuzz)."""
    rgba = Image.fromarray((np.random.RandomState(1).rand(48, 64, 4) * 255).astype("uint8"), "RGBA").convert(mode)
    buffer = io.BytesIO()
    rgba.save(buffer, "PNG")
    r = child.run(ENHANCE.format(name="image_clue_0"), "pyvision", images=[InputImage(buffer.getvalue())])
    assert r["error"] is None, r["error"]
    assert r["stdout"] == "RGB RGB RGB True\n", r["stdout"]
