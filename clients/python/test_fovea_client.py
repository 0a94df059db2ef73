"""Checks fovea_client.py against a running daemon, with Pillow as the oracle.

    python3 clients/python/test_fovea_client.py /path/to/fovea.sock
    python3 clients/python/test_fovea_client.py --rolling-restart /path/to/fovea.sock SECONDS

Run by the Swift suite (PythonClientTests) against a real daemon; exits non-zero on a failure.
"""

import asyncio
import io
import random
import sys
import time

from PIL import Image

import base64
import json

from fovea_client import AsyncFovea, Fovea, FoveaError, ToolError, ToolResult, _loads, _put_params, _request_line


def noise_png(width, height, seed):
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), bytes(rng.getrandbits(8) for _ in range(width * height * 3)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return image, out.getvalue()


def decoded(result):
    return Image.open(io.BytesIO(result.image_bytes)).convert("RGB")


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def check_loads():
    """_loads cuts long "data" strings out before json parses the rest: it must give exactly
    what json.loads gives, whatever the line holds."""
    rng = random.Random(3)
    long_data = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(30000))).decode()
    other = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(9000))).decode()
    answers = [
        {"jsonrpc": "2.0", "id": 7, "result": {"content": [
            {"type": "image", "data": long_data, "mimeType": "image/jpeg"},
            {"type": "image", "data": other, "mimeType": "image/png"},
            {"type": "text", "text": 'a label with "data":"quotes" and \\ backslashes'}],
            "structuredContent": {"image": "img:ab", "data": "short"}, "isError": False}},
        {"jsonrpc": "2.0", "id": 8, "result": {"content": [
            {"type": "image", "data": long_data[:5000] + "\\/" + long_data[5000:], "mimeType": "image/jpeg"}]}},
        {"jsonrpc": "2.0", "id": 9, "error": {"code": -32602, "message": "bad", "data": long_data}},
        {"jsonrpc": "2.0", "id": 10, "result": {"text": '"data":"' + long_data, "data": [long_data, other]}},
        {"jsonrpc": "2.0", "id": 11, "result": {"content": [{"type": "text", "text": "no image " * 2000}]}},
    ]
    for answer in answers:
        for line in (json.dumps(answer).encode(), json.dumps(answer, separators=(",", ":")).encode()):
            expect(_loads(line) == json.loads(line), f"_loads differs from json.loads on answer {answer['id']}")
    result = ToolResult.parse(_loads(json.dumps(answers[0]).encode())["result"])
    expect(result.image_base64 == long_data and result.mime_type == "image/jpeg", "image_base64")
    expect(result.image_bytes == base64.b64decode(long_data), "image_bytes decodes on first use")
    expect(result.images[1] == (base64.b64decode(other), "image/png"), "every image block decodes")
    expect(result.data_url == "data:image/jpeg;base64," + long_data, "data_url")
    # Binary images: bytes in "data" give the same views as their base64 would.
    raw = base64.b64decode(long_data)
    binary = ToolResult.parse({"content": [{"type": "image", "data": raw, "mimeType": "image/jpeg",
                                            "_meta": {"fovea/bytes": len(raw)}}]})
    expect(binary.image_bytes is raw and binary.image_base64 == long_data, "a binary image's bytes and base64")
    expect(binary.data_url == result.data_url and binary.encoded_images == [(long_data, "image/jpeg")], "binary data_url")
    # A put's base64 is spliced into the request line: the same line json.dumps writes.
    payload = bytes(rng.getrandbits(8) for _ in range(20000))
    for data in (payload, bytearray(payload), memoryview(payload), base64.b64encode(payload).decode()):
        expected = json.dumps({"jsonrpc": "2.0", "id": 5, "method": "images/put",
                               "params": {"data": base64.b64encode(payload).decode()}}, separators=(",", ":")).encode() + b"\n"
        expect(_request_line(5, "images/put", _put_params(data)) == expected, f"put line for {type(data).__name__}")


def check_blocking(socket_path, source, png):
    with Fovea(socket_path) as fovea:
        handle = fovea.put(png)
        expect(handle.startswith("img:"), f"put returned {handle!r}")

        box = (17, 33, 250, 200)
        crop = fovea.crop(handle, box, coords="pixel", format="png")
        expect(not crop.is_error and crop.mime_type == "image/png", f"crop: {crop.text}")
        expect(decoded(crop).tobytes() == source.crop(box).tobytes(), "crop is not Pillow's crop, pixel for pixel")
        expect(crop.structured["bbox_px"] == list(box), f"bbox_px {crop.structured.get('bbox_px')}")

        zoom = fovea.zoom(png, [100, 100, 600, 700], label="a patch")  # bytes are put first
        image = decoded(zoom)
        expect((image.width, image.height) == (zoom.structured["width"], zoom.structured["height"]),
               f"zoom size {image.size} against {zoom.structured}")
        expect("Zoomed into" in zoom.text, f"zoom text: {zoom.text}")
        chained = fovea.zoom(zoom.image, [0, 0, 500, 500])  # a result's handle chains
        expect(not chained.is_error, chained.text)

        try:
            fovea.crop(handle, [600, 40, 200, 90], coords="pixel")
            expect(False, "an inverted box was accepted")
        except ToolError as error:
            expect("x2 (200) must be greater than x1 (600)" in str(error), f"tool error: {error}")
        failed = fovea.crop(handle, [600, 40, 200, 90], coords="pixel", raise_on_error=False)
        expect(failed.is_error and failed.image_bytes is None, "raise_on_error=False returns the error result")

        try:
            fovea.request("no/such/method")
            expect(False, "an unknown method was answered")
        except FoveaError as error:
            expect(error.code == -32601, f"unknown method: {error}")

        expect(fovea.release(chained.image)["released"] is True, "release")
        expect(fovea.stats()["tools"]["crop"]["calls"] >= 3, "stats")

        # Images came as bytes after the line (binary images); asked for as base64 they are the same.
        block = crop.raw["content"][0]
        expect(isinstance(block["data"], bytes) and block["_meta"]["fovea/bytes"] == len(block["data"]),
               f"the crop's image block was not binary: {sorted(block)}")
        tiles = fovea.call_tool("tile", handle, grid=[2, 2], format="png")
        with Fovea(socket_path, binary_images=False) as base64_client:
            for result, again in ((crop, base64_client.crop(handle, box, coords="pixel", format="png")),
                                  (tiles, base64_client.call_tool("tile", handle, grid=[2, 2], format="png"))):
                expect(all(isinstance(block["data"], str) for block in again.raw["content"] if block["type"] == "image"),
                       "binary_images=False still got bytes")
                expect(result.images == again.images and len(result.images) in (1, 4), "binary and base64 images differ")
                expect(result.encoded_images == again.encoded_images and result.data_url == again.data_url,
                       "binary and base64 answers give different base64")


async def check_async(socket_path, source, png):
    async with await AsyncFovea.connect(socket_path) as fovea:
        handle = await fovea.put(png)
        boxes = [(x, y, x + 40 + 7 * x % 50, y + 30 + 5 * y % 40) for x, y in
                 ((i * 13 % 200, i * 17 % 150) for i in range(16))]
        calls = [fovea.crop(handle, box, coords="pixel", format="png") for box in boxes]
        calls.append(fovea.crop(handle, [600, 40, 200, 90], coords="pixel"))
        results = await asyncio.gather(*calls, return_exceptions=True)
        for box, result in zip(boxes, results):
            expect(not isinstance(result, BaseException), f"async crop {box}: {result!r}")
            expect(decoded(result).tobytes() == source.crop(box).tobytes(), f"async crop {box} is not Pillow's")
        expect(isinstance(results[-1], ToolError), f"the inverted box gave {results[-1]!r}")
        expect(all(isinstance(result.raw["content"][0]["data"], bytes) for result in results[:-1]),
               "async answers were not binary")
    async with await AsyncFovea.connect(socket_path, binary_images=False) as fovea:
        again = await asyncio.gather(*[fovea.crop(handle, box, coords="pixel", format="png") for box in boxes])
        expect([result.images for result in again] == [result.images for result in results[:-1]],
               "async base64 answers differ from binary ones")
        return len(boxes)


async def rolling_restart(socket_path, seconds):
    """Calls for `seconds` from an asyncio client (4 concurrent loops) and a blocking one while
    the test restarts the daemon: every call must succeed. A new daemon has an empty cache, so
    an image is put again when its handle is gone, as an agent would."""
    source, png = noise_png(301, 211, seed=11)
    box = (20, 30, 200, 180)
    expected = source.crop(box).tobytes()
    counts = {"calls": 0, "puts again": 0}
    end = time.monotonic() + seconds

    async def calls(fovea, put):
        handle = await put(png)
        # Each loop goes on past `seconds` until one of its calls was served by the successor, so
        # that a slow restart on a loaded machine still tests it. Handles name content, and every
        # loop puts the same image: the first loop to reach the successor finds its store empty
        # and puts the image again; any call that starts after that goes to the successor.
        served_by_successor = False
        while time.monotonic() < end or not served_by_successor:
            expect(time.monotonic() < end + 90, "no call reached the successor within 90 s after the run")
            successor_reached = counts["puts again"] > 0
            try:
                result = await fovea("crop", handle, bbox_2d=list(box), coords="pixel", format="png")
            except ToolError as error:
                expect("no image with this handle is stored" in str(error), f"crop failed: {error}")
                handle = await put(png)
                counts["puts again"] += 1
                continue
            expect(decoded(result).tobytes() == expected, "a crop differs from Pillow's")
            counts["calls"] += 1
            served_by_successor = served_by_successor or successor_reached

    async with await AsyncFovea.connect(socket_path, retry_seconds=20) as fovea:
        blocking = Fovea(socket_path, retry_seconds=20)

        async def blocking_tool(name, image, **arguments):
            return await asyncio.to_thread(blocking.call_tool, name, image, **arguments)

        async def blocking_put(data):
            return await asyncio.to_thread(blocking.put, data)

        await asyncio.gather(*[calls(fovea.call_tool, fovea.put) for _ in range(4)], calls(blocking_tool, blocking_put))
        blocking.close()
    print(f"rolling restart: {counts['calls']} calls, none failed; images put again {counts['puts again']} times")


def main():
    if sys.argv[1] == "--rolling-restart":
        asyncio.run(rolling_restart(sys.argv[2], float(sys.argv[3])))
        return
    check_loads()
    socket_path = sys.argv[1]
    source, png = noise_png(301, 211, seed=7)
    check_blocking(socket_path, source, png)
    concurrent = asyncio.run(check_async(socket_path, source, png))
    print(f"fovea_client: blocking and asyncio checks passed ({concurrent} concurrent crops on one connection)")


if __name__ == "__main__":
    main()
