#!/usr/bin/env python3
"""Writes the hostile image corpus: the shapes of the decoder bugs of the last years, header
bombs, formats Fovea must refuse, and truncations and byte flips of each format.

    .venv-code/bin/python Tests/HostileCorpus/make_hostile_corpus.py OUTPUT_DIR

Deterministic (fixed seeds). HostileCorpusTests sends every file through a real daemon: each
must be refused from its header or decoded, a worker that dies on one is replaced, the daemon
answers throughout and its RSS stays flat. docs/FUZZING.md lists the files and what each meets.
"""
import io
import os
import random
import struct
import sys
import zlib

import numpy as np
from PIL import Image


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header(width, height, bit_depth=8, colour_type=2, interlace=0):
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, interlace))


def flat_png(side):
    """A spec-valid side×side black RGB PNG, deflated row by row (≈ 1000:1)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * side)
    body = bytearray()
    for _ in range(side):
        body += compressor.compress(row)
    body += compressor.flush()
    return png_header(side, side) + png_chunk(b"IDAT", bytes(body)) + png_chunk(b"IEND", b"")


def saved(image, format, **options):
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def photo(width, height, seed):
    """Smooth gradients with noise: compresses like a photograph, not like a flat image."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / width * 255, y / height * 255, (x + y) / (width + height) * 255], axis=-1)
    noise = rng.normal(0, 12, (height, width, 3)).astype(np.float32)
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


def with_sof(jpeg, marker, precision):
    """`jpeg` with its SOF0 replaced by SOF`marker` of sample precision `precision`."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[:at] + bytes([0xFF, marker]) + jpeg[at + 2:at + 4] + bytes([precision]) + jpeg[at + 5:]


def jpeg_sof_bomb(side):
    """Markers of a baseline JPEG declaring side×side, then a few bytes of scan data."""
    small = saved(photo(16, 16, 1), "JPEG", quality=80)
    at = small.index(b"\xff\xc0")
    return small[:at + 5] + struct.pack(">HH", side, side) + small[at + 9:]


def corrupted_lossless_webp(seed):
    """A lossless WebP whose bytes just after the VP8L header — the transforms and the Huffman
    code lengths, where CVE-2023-4863 lived — are scrambled."""
    data = bytearray(saved(photo(256, 256, 7), "WEBP", lossless=True))
    rng = random.Random(seed)
    start = data.index(b"VP8L") + 8 + 5  # chunk header, then signature byte and 4 bytes of size
    for _ in range(6):
        data[start + rng.randrange(0, 40)] ^= 1 << rng.randrange(8)
    return bytes(data)


def gif_many_frames(frames):
    images = [Image.new("P", (320, 240), index % 256) for index in range(frames)]
    for image in images:
        image.putpalette(list(range(256)) * 3)
    return saved(images[0], "GIF", save_all=True, append_images=images[1:], duration=10, loop=0)


def corpus():
    files = {}
    # Header bombs: refused from the header, memory flat.
    files["bomb-png-225000x225000.png"] = png_header(225_000, 225_000) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b"")
    files["bomb-png-flat-14000x14000.png"] = flat_png(14_000)
    files["bomb-png-flat-17000x17000.png"] = flat_png(17_000)
    files["bomb-jpeg-sof-65000x65000.jpg"] = jpeg_sof_bomb(65_000)
    files["bomb-gif-1000-frames.gif"] = gif_many_frames(1000)
    # Valid but heavy or unusual: decoded.
    eight_k = photo(7680, 4320, 3)
    files["progressive-8k.jpg"] = saved(eight_k, "JPEG", quality=85, progressive=True)
    files["cmyk.jpg"] = saved(photo(640, 480, 4).convert("CMYK"), "JPEG", quality=90)
    small = photo(320, 240, 5)
    palette = small.convert("P", palette=Image.ADAPTIVE, colors=16)
    trns = saved(palette, "PNG", transparency=3)
    files["png-palette-trns-gama.png"] = trns[:33] + png_chunk(b"gAMA", struct.pack(">I", 45455)) + trns[33:]
    files["png-16bit-rgba.png"] = png_16bit_rgba(small.convert("RGBA"))
    files["png-16bit-grey.png"] = saved(Image.fromarray(np.asarray(small.convert("L"), dtype=np.uint16) * 257), "PNG")
    files["png-interlaced.png"] = png_interlaced(small)
    files["webp-lossless.webp"] = saved(small, "WEBP", lossless=True)
    # Decoder-bug shapes: refused or decoded, never more.
    files["jpeg-12bit-sof1.jpg"] = with_sof(saved(small, "JPEG", quality=90), 0xC1, 12)
    files["jpeg-lossless-sof3.jpg"] = with_sof(saved(small, "JPEG", quality=90), 0xC3, 12)
    for seed in range(4):
        files[f"webp-lossless-bad-huffman-{seed}.webp"] = corrupted_lossless_webp(seed)
    # Formats that must be refused.
    files["refuse.svg"] = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="10" height="10"/></svg>'
    files["refuse.pdf"] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    files["refuse.ppm"] = b"P6\n2 2\n255\n" + bytes(12)
    files["refuse.bmp"] = saved(photo(8, 8, 6), "BMP")
    # Truncations and byte flips of each format.
    valid = {"jpg": saved(small, "JPEG", quality=85), "png": saved(small, "PNG"), "webp": saved(small, "WEBP", quality=80),
             "gif": saved(palette, "GIF"), "tif": saved(small, "TIFF", compression="tiff_lzw")}
    rng = random.Random(42)
    for extension, data in valid.items():
        for fraction in (0.1, 0.5, 0.9):
            files[f"truncated-{int(fraction * 100)}.{extension}"] = data[:int(len(data) * fraction)]
        for variant in range(3):
            flipped = bytearray(data)
            for _ in range(8):
                flipped[rng.randrange(16, len(flipped))] ^= 1 << rng.randrange(8)
            files[f"flipped-{variant}.{extension}"] = bytes(flipped)
    return files


def png_16bit_rgba(image):
    """A 16-bit RGBA PNG (colour type 6, depth 16: libvips's 16 → 8-bit path)."""
    pixels = (np.asarray(image, dtype=">u2") * 257)
    raw = b"".join(b"\x00" + row.tobytes() for row in pixels)
    height, width = pixels.shape[:2]
    return png_header(width, height, bit_depth=16, colour_type=6) + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")


def png_interlaced(image):
    """An Adam7-interlaced PNG (Pillow writes none): the seven passes, filter 0, one IDAT."""
    pixels = np.asarray(image)
    height, width = pixels.shape[:2]
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        sub = pixels[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        for row in sub:
            raw += b"\x00" + row.tobytes()
    return png_header(width, height, interlace=1) + png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + png_chunk(b"IEND", b"")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_hostile_corpus.py OUTPUT_DIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, data in sorted(corpus().items()):
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(data)
    print(f"{len(os.listdir(sys.argv[1]))} files in {sys.argv[1]}")
