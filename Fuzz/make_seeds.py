#!/usr/bin/env python3
"""Writes the libFuzzer seed corpora (Fuzz/Corpus/<Target>/) and is how they were made.

Run with the code tool's environment (Pillow): .venv-code/bin/python Fuzz/make_seeds.py
The corpora are committed; rerun after a protocol change and commit what changes.
The images are small (libFuzzer mutates them byte by byte) and cover each loader's paths:
baseline, progressive, grey, CMYK JPEG; PNG of every colour type, 16-bit, palette with tRNS
and gAMA, interlaced; lossy, lossless and alpha WebP; an animated GIF; TIFF with LZW.
"""
import io
import json
import os
import sys
import zlib
import struct

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
HANDLE = "img:" + "a" * 64


def write(target, name, data):
    folder = os.path.join(HERE, "Corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def line(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def picture(size=(48, 32), mode="RGB"):
    image = Image.new("RGB", size, (30, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, size[0] // 2, size[1] // 2), fill=(240, 200, 20))
    draw.line((0, size[1] - 1, size[0] - 1, 0), fill=(200, 30, 30), width=2)
    return image.convert(mode) if mode != "RGB" else image


def saved(image, format, **options):
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def images():
    p = picture()
    write("FuzzDecode", "baseline.jpg", saved(p, "JPEG", quality=80))
    write("FuzzDecode", "progressive.jpg", saved(p, "JPEG", quality=70, progressive=True))
    write("FuzzDecode", "grey.jpg", saved(p.convert("L"), "JPEG"))
    write("FuzzDecode", "cmyk.jpg", saved(p.convert("CMYK"), "JPEG"))
    write("FuzzDecode", "rgb.png", saved(p, "PNG"))
    write("FuzzDecode", "rgba.png", saved(p.convert("RGBA"), "PNG"))
    write("FuzzDecode", "grey-alpha.png", saved(p.convert("LA"), "PNG"))
    write("FuzzDecode", "16bit.png", saved(p.convert("I;16"), "PNG"))
    palette = p.convert("P", palette=Image.ADAPTIVE, colors=8)
    write("FuzzDecode", "palette-trns.png", saved(palette, "PNG", transparency=0))
    # Palette + tRNS + gAMA, the chunk order libpng's transformation paths read.
    data = saved(palette, "PNG", transparency=0)
    write("FuzzDecode", "palette-trns-gama.png", data[:33] + png_chunk(b"gAMA", struct.pack(">I", 45455)) + data[33:])
    write("FuzzDecode", "lossy.webp", saved(p, "WEBP", quality=60))
    write("FuzzDecode", "lossless.webp", saved(p, "WEBP", lossless=True))
    write("FuzzDecode", "alpha.webp", saved(p.convert("RGBA"), "WEBP", quality=60))
    frames = [picture(), picture().transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    write("FuzzDecode", "animated.gif", saved(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0))
    write("FuzzDecode", "lzw.tif", saved(p, "TIFF", compression="tiff_lzw"))


def tool_calls():
    def call(name, arguments, id=1):
        return line({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
    box = [100, 200, 600, 700]
    calls = {
        "zoom": {"image": HANDLE, "bbox_2d": box, "label": "the sign", "padding": 0.1},
        "image_zoom_in_tool": {"image": HANDLE, "bbox_2d": [10, 10, 300, 300], "coords": "pixel"},
        "crop": {"image": HANDLE, "bbox_2d": box, "coords": "norm", "format": "png"},
        "inspect": {"image": HANDLE, "bbox_2d": box},
        "rotate": {"image": HANDLE, "angle": 33.5, "expand": True, "fill": "#ff0000", "interpolation": "bicubic", "flip": "horizontal"},
        "enhance": {"image": HANDLE, "contrast": 1.5, "brightness": 1.1, "sharpness": 2.0, "gamma": 0.8, "autocontrast": 2,
                    "equalize": True, "bbox_2d": box, "format": "webp", "quality": 80},
        "tile": {"image": HANDLE, "grid": [3, 2], "overlap": 0.1, "bbox_2d": box},
        "annotate": {"image": HANDLE, "boxes": [{"bbox_2d": box, "color": "red", "width": 3, "label": "a cat"}],
                     "points": [{"point_2d": [500, 500], "radius": 5}], "lines": [{"line_2d": [0, 0, 1000, 1000, 0, 1000]}]},
        "pipeline": {"image": HANDLE, "steps": [{"tool": "crop", "arguments": {"bbox_2d": box}},
                                                {"tool": "rotate", "arguments": {"angle": 90}},
                                                {"tool": "enhance", "arguments": {"contrast": 1.3}}]},
        "code": {"code": "from PIL import Image\nimage = Image.open(image_path_1)\nprint(image.size)", "images": [HANDLE],
                 "session": "trajectory-1", "conventions": "r1v4", "timeout": 10, "max_images": 2},
        "python": {"code": "1 + 1", "image": "data:image/png;base64,iVBORw0KGgo=", "conventions": "deepeyesv2"},
    }
    for name, arguments in calls.items():
        write("FuzzToolCall", f"{name}.json", call(name, arguments))
    write("FuzzToolCall", "tile-size.json", call("tile", {"image": "/data/a.jpg", "tile_size": [512, 512], "coords": "pixel"}))
    write("FuzzToolCall", "ping.json", line({"jsonrpc": "2.0", "id": "x", "method": "ping"}))
    write("FuzzToolCall", "unknown.json", call("nope", {}))


def json_texts():
    texts = {
        "object.json": '{"a": [1, -2.5e-3, true, false, null, "\\u00e9\\ud83d\\ude00\\n"], "b": {"c": {}}}',
        "numbers.json": "[0, -0, 1.0, 1e308, -1e-308, 9223372036854775807, -9223372036854775808, 123456789012345678901234567890]",
        "strings.json": '["", "\\"\\\\\\/\\b\\f\\n\\r\\t", "日本語", "\\u0000"]',
        "nested.json": "[" * 60 + "]" * 60,
    }
    for name, text in texts.items():
        write("FuzzJSON", name, text)


def channel_messages():
    layout = [640, 480, 3]
    write("FuzzWorkerReplies", "decode.txt", "D" + "\n".join([
        line({"type": "header", "id": 7, "layout": layout, "format": "jpeg", "orientation": 1}),
        line({"type": "rows", "id": 7, "from": 0, "to": 64}),
        line({"type": "rows", "id": 7, "from": 0, "to": 480}),
        line({"type": "decoded", "id": 7, "layout": layout, "format": "jpeg", "orientation": 1})]))
    write("FuzzWorkerReplies", "decode-failed.txt", "D" + line({"type": "failed", "id": 7, "kind": "corrupt", "message": "truncated"}))
    write("FuzzWorkerReplies", "produced.txt", "R" + line({"type": "produced", "id": 8, "layout": [300, 200, 3], "encodedBytes": 1234}))
    summary = {"mean": 12.5, "std": 3.25, "min": 0, "max": 255, "histogram": [1] * 16}
    write("FuzzWorkerReplies", "measured.txt", "S" + line({"type": "measured", "id": 9, "channels": [summary] * 3}))
    write("FuzzWorkerReplies", "hellos.txt", "H" + "\n".join([
        line({"type": "hello", "uid": 65534, "gid": 65534, "namespaces": ["pid", "user", "net", "ipc", "mnt"], "filter": True,
              "noNewPrivileges": True, "dumpable": False, "emptyRoot": True, "warmedFormats": ["jpeg", "png"], "notes": []}),
        line({"type": "hello", "uid": 60001, "gid": 60001, "pid": 1, "namespaces": ["user", "pid", "net", "ipc", "mnt"],
              "landlockABI": 4, "filter": True, "noNewPrivileges": True, "dumpable": False, "rss": 4000000}),
        line({"type": "hello", "error": "landlock: not supported"})]))
    result = {"type": "result", "id": 11, "stdout": "(640, 480)\n", "stderr": "", "stdoutBytes": 11, "stderrBytes": 0,
              "images": [{"width": 64, "height": 48, "bands": 3, "source": "figure"}],
              "imagesDropped": 0, "elapsedMs": 12.5, "timedOut": False, "freshSession": True}
    error = dict(result, stdout="", stdoutBytes=0, images=[],
                 error={"type": "NameError", "message": "name 'x' is not defined", "line": 3, "traceback": "Traceback ...\nNameError"})
    write("FuzzWorkerReplies", "code-result.txt", "C" + line({"type": "started", "id": 11}) + "\n" + line(result))
    write("FuzzWorkerReplies", "code-error.txt", "C" + line(error))


def policies():
    root = os.path.dirname(HERE)
    for name in ("worker.policy", "code.policy", "code-template.policy"):
        with open(os.path.join(root, "policies", name), "rb") as f:
            write("FuzzPolicy", name, f.read())
    write("FuzzPolicy", "conditions.policy", "read allow\nwrite allow if arg0 == STDERR_FD\nclone errno EPERM if arg0 & CLONE_THREAD == 0\n"
          "kill allow if arg0 == SELF_PID and arg1 == 0\nmmap allow if arg2 & 0x4 == 0  # no PROT_EXEC\nexit_group allow\n")


def coder_images():
    """FuzzJPEGCoder: four header bytes (width, height, bands and restart interval, quality),
    then samples: a photo's (64×64 RGB), noise at q100, flat grey at q5 (long zero runs), and
    stripes 2 bands wide with a restart every MCU."""
    p = picture((64, 64))
    write("FuzzJPEGCoder", "photo-q95.bin", bytes([63, 63, 2, 94]) + p.tobytes())
    noise = bytes((i * 2654435761 >> 13) & 255 for i in range(64 * 40 * 4))
    write("FuzzJPEGCoder", "noise-q100.bin", bytes([39, 39, 3, 99]) + noise)
    write("FuzzJPEGCoder", "flat-q5.bin", bytes([20, 9, 0, 4]) + bytes([128]) * 64)
    write("FuzzJPEGCoder", "stripes-restarts.bin", bytes([33, 17, 1 | (1 << 5), 89]) + bytes([0, 0, 255, 255]) * 32)


if __name__ == "__main__":
    coder_images()
    images()
    tool_calls()
    json_texts()
    channel_messages()
    policies()
    print("seeds written to", os.path.join(HERE, "Corpus"), file=sys.stderr)
