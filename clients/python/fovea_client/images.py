"""Images to Fovea handles, each image put once per process however often it is used.

An agent framework hands a tool the same image again and again: verl's agent loop calls
``create`` (with the trajectory's image) around every single tool call, every rollout of a prompt
carries the same picture, Qwen-Agent hands a tool the whole conversation each time. ``HandleCache``
keys each image by the SHA-256 of its content and puts it into the daemon the first time only;
later uses get the handle from the cache. (Chain-of-Focus kept the image on the shared tool object,
keyed by nothing but the tool, so concurrent trajectories saw each other's pictures; a content hash
cannot mix two images up.)

What an image may be: encoded bytes, a ``data:`` URL, an ``img:<sha256>`` handle, a file path or
``file://`` URL, an ``http(s)://`` URL (fetched with urllib), a dict ``{"bytes": …, "path": …}`` (a
Hugging Face ``datasets`` image) or ``{"image": …}``, or a Pillow image (keyed by its mode, size
and pixels, put as PNG).

The daemon forgets an image when no connection holds it any more (a new daemon starts empty): a call
that meets ``no image with this handle is stored`` should ``forget`` the handle and put the image
again, which ``ahandle``/``handle`` then do.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import os
import threading
import urllib.parse
import urllib.request
from typing import Any, Callable, Optional, Tuple

__all__ = ["HandleCache", "PROCESS_CACHE", "identify", "is_missing_handle", "to_pil", "MISSING_HANDLE"]

MISSING_HANDLE = "no image with this handle is stored"


def is_missing_handle(error: BaseException) -> bool:
    """A ``ToolError`` saying the daemon no longer holds an image (put it again)."""
    return MISSING_HANDLE in str(error)


def _is_pil(image: Any) -> bool:
    module = type(image).__module__
    return module.startswith("PIL.") and hasattr(image, "tobytes") and hasattr(image, "mode")


def _read_path(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def identify(image: Any, base_dir: Optional[str] = None) -> Tuple[str, Optional[Callable[[], Any]]]:
    """``(key, load)``: the image's content key and a function giving what ``images/put`` takes
    (bytes or a data URL); ``load`` is None for a handle, which is its own key.

    The key of encoded bytes is ``img:<sha256>``, the handle the daemon will give them, so a handle
    and the bytes behind it share one cache entry."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        return "img:" + hashlib.sha256(data).hexdigest(), lambda: data
    if isinstance(image, os.PathLike):
        image = os.fspath(image)
    if isinstance(image, dict):
        if image.get("bytes") is not None:
            return identify(image["bytes"], base_dir)
        for key in ("image", "path", "url", "image_url"):
            if image.get(key) is not None:
                value = image[key]
                if isinstance(value, dict) and "url" in value:  # OpenAI's {"image_url": {"url": …}}
                    value = value["url"]
                return identify(value, base_dir)
        raise ValueError(f"an image dict needs bytes, image, path or url; got keys {sorted(image)}")
    if isinstance(image, str):
        if image.startswith("img:"):
            return image, None
        if image.startswith("data:"):
            header, _, payload = image.partition(",")
            if ";base64" not in header:
                raise ValueError("a data URL image must be base64 (data:<mime>;base64,…)")
            data = binascii.a2b_base64(payload)
            return "img:" + hashlib.sha256(data).hexdigest(), lambda: data
        if image.startswith(("http://", "https://")):
            with urllib.request.urlopen(image, timeout=60) as response:
                data = response.read()
            return "img:" + hashlib.sha256(data).hexdigest(), lambda: data
        path = urllib.parse.unquote(image[len("file://"):]) if image.startswith("file://") else image
        if base_dir and not os.path.isabs(path) and not os.path.exists(path):
            path = os.path.join(base_dir, path)
        data = _read_path(path)
        return "img:" + hashlib.sha256(data).hexdigest(), lambda: data
    if _is_pil(image):
        digest = hashlib.sha256()
        digest.update(f"{image.mode}:{image.size[0]}x{image.size[1]}:".encode())
        digest.update(image.tobytes())

        def encode() -> bytes:
            out = io.BytesIO()
            image.save(out, format="PNG", compress_level=1)
            return out.getvalue()

        return "pil:" + digest.hexdigest(), encode
    raise TypeError(f"cannot use {type(image).__name__} as an image")


class HandleCache:
    """Content key -> handle, per daemon socket; thread-safe, and in asyncio a key being put is put
    by one task while the others wait for it. ``puts`` counts the images this cache put."""

    def __init__(self) -> None:
        self._handles: dict = {}
        self._lock = threading.Lock()
        self._inflight: dict = {}  # (socket, key, loop) -> asyncio.Future
        self.puts = 0

    def _get(self, socket_path: str, key: str) -> Optional[str]:
        with self._lock:
            return self._handles.get((socket_path, key))

    def _set(self, socket_path: str, key: str, handle: str) -> None:
        with self._lock:
            self._handles[(socket_path, key)] = handle
            self.puts += 1

    def remember(self, socket_path: str, key: str, handle: str) -> None:
        """Records a handle the daemon already holds (a tool result) under ``key``, without a put."""
        with self._lock:
            self._handles[(socket_path, key)] = handle

    def forget(self, socket_path: str, handle: str) -> None:
        """Drops every entry that maps to ``handle`` (the daemon no longer holds it)."""
        with self._lock:
            for entry in [entry for entry, value in self._handles.items() if entry[0] == socket_path and value == handle]:
                del self._handles[entry]

    def clear(self) -> None:
        with self._lock:
            self._handles.clear()

    def handle(self, fovea, image: Any, base_dir: Optional[str] = None) -> str:
        """The handle of ``image`` on the blocking client ``fovea``, put first if this process has not."""
        key, load = identify(image, base_dir)
        if load is None:
            return key
        handle = self._get(fovea.socket_path, key)
        if handle is None:
            handle = fovea.put(load())
            self._set(fovea.socket_path, key, handle)
        return handle

    async def ahandle(self, fovea, image: Any, base_dir: Optional[str] = None) -> str:
        """The same on an ``AsyncFovea``."""
        loop = asyncio.get_running_loop()
        if isinstance(image, (bytes, bytearray, memoryview)) or (isinstance(image, str) and image.startswith("img:")):
            key, load = identify(image, base_dir)
        else:  # reading a file, fetching a URL or hashing pixels: off the event loop
            key, load = await loop.run_in_executor(None, identify, image, base_dir)
        if load is None:
            return key
        handle = self._get(fovea.socket_path, key)
        if handle is not None:
            return handle
        slot = (fovea.socket_path, key, loop)
        waiting = self._inflight.get(slot)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future = loop.create_future()
        self._inflight[slot] = future
        try:
            data = await loop.run_in_executor(None, load) if _is_pil(image) else load()
            handle = await fovea.put(data)
            self._set(fovea.socket_path, key, handle)
            future.set_result(handle)
            return handle
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._inflight[slot]


PROCESS_CACHE = HandleCache()
"""The cache the adapters and the agent loop share in one process."""


def to_pil(data: bytes):
    """Encoded image bytes as a loaded Pillow image (Pillow needed)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
