"""A Python client for the Fovea daemon, for agent servers: the standard library only.

Two clients over the daemon's Unix socket (JSON-RPC 2.0, one message per line):

- ``Fovea``: blocking, one call at a time per client (thread-safe; open one per thread for
  parallel calls).
- ``AsyncFovea``: asyncio, many calls in flight on one connection, answers matched by id — what
  an async rollout server (verl, Qwen-Agent, an MCP host) wants.

Errors: a tool error (bad box, corrupt image, deadline; ``isError: true``) raises ``ToolError``
with the sentence written for the model, unless ``raise_on_error=False``; a protocol error
(unknown method, wrong params, overloaded, shutting down) raises ``FoveaError`` with its code.

    with Fovea() as fovea:                          # $XDG_RUNTIME_DIR/fovea.sock, else /tmp/fovea-$UID/
        image = fovea.put(open("photo.jpg", "rb").read())
        result = fovea.zoom(image, [412, 300, 530, 377], label="the street sign")
        result.image_bytes                          # JPEG sized by the preset's smart_resize
        result.text                                 # the sentence for the model
        result.structured["bbox_px"]                # the box in pixels of the original
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional, Union

__all__ = ["Fovea", "AsyncFovea", "FoveaError", "ToolError", "ToolResult", "default_socket_path"]

ImageArgument = Union[str, bytes, bytearray, memoryview]
"""A handle (``img:…``), a data URL, or encoded image bytes (put first, then referenced)."""

# Lines carry whole images in base64: far above asyncio's 64 KiB default line limit.
MAX_LINE_BYTES = 96 << 20


def default_socket_path() -> str:
    """Where ``fovea serve`` listens by default."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "fovea.sock")
    return f"/tmp/fovea-{os.getuid()}/fovea.sock"


class FoveaError(Exception):
    """A JSON-RPC error: -32700/-32600/-32601/-32602, or -32001 overloaded (retry), -32002, -32003."""

    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(f"{message} (JSON-RPC error {code})")
        self.code = code
        self.message = message
        self.data = data


class ToolError(Exception):
    """A tool call that failed with a sentence meant for the model (``isError: true``)."""

    def __init__(self, result: "ToolResult"):
        super().__init__(result.text)
        self.result = result


@dataclass
class ToolResult:
    """An MCP ``CallToolResult``, unpacked. Each image arrives as bytes after the answer line
    (binary images, what ``Fovea`` and ``AsyncFovea`` ask for) or as base64 text, and is converted
    only when the other form is first read: an agent that writes or decodes the JPEG never touches
    base64, one that forwards data URLs (``data_url``) to an OpenAI-style model server from a
    daemon that sent base64 never decodes and re-encodes it."""

    is_error: bool
    text: str
    structured: dict = field(default_factory=dict)
    received_images: list = field(default_factory=list)  # (bytes or base64 text, mime type) per image block
    raw: dict = field(default_factory=dict)
    _decoded: Optional[list] = field(default=None, repr=False, compare=False)
    _encoded: Optional[list] = field(default=None, repr=False, compare=False)

    @property
    def images(self) -> list:
        """(bytes, mime type) per image block, decoded on first use."""
        if self._decoded is None:
            self._decoded = [(data if isinstance(data, bytes) else binascii.a2b_base64(data), mime)
                             for data, mime in self.received_images]
        return self._decoded

    @property
    def encoded_images(self) -> list:
        """(base64 text, mime type) per image block, encoded on first use."""
        if self._encoded is None:
            self._encoded = [(base64.b64encode(data).decode("ascii") if isinstance(data, bytes) else data, mime)
                             for data, mime in self.received_images]
        return self._encoded

    @property
    def image(self) -> Optional[str]:
        """The result's handle, to chain calls (zoom into a zoom)."""
        return self.structured.get("image")

    @property
    def image_bytes(self) -> Optional[bytes]:
        return self.images[0][0] if self.received_images else None

    @property
    def image_base64(self) -> Optional[str]:
        """The first image as the daemon sent it: base64 text, not decoded."""
        return self.encoded_images[0][0] if self.received_images else None

    @property
    def data_url(self) -> Optional[str]:
        """``data:<mime>;base64,<…>`` of the first image, for a model server's image_url."""
        if not self.received_images:
            return None
        data, mime = self.encoded_images[0]
        return f"data:{mime or 'application/octet-stream'};base64,{data}"

    @property
    def mime_type(self) -> Optional[str]:
        return self.received_images[0][1] if self.received_images else None

    @classmethod
    def parse(cls, result: dict) -> "ToolResult":
        images, texts = [], []
        for block in result.get("content", []):
            if block.get("type") == "image":
                images.append((block["data"], block.get("mimeType")))
            elif block.get("type") == "text":
                texts.append(block.get("text", ""))
        return cls(is_error=bool(result.get("isError")), text="\n".join(texts),
                   structured=result.get("structuredContent") or {}, received_images=images, raw=result)


# An answer line carries each image as one long base64 string; json.loads would scan it
# character by character (about 0.9 ms for a 0.75 MP JPEG, a quarter of the client's time).
_DATA_KEY = b'"data":"'
_LONG_STRING = 4096
_PLACEHOLDER = "\x00fovea-data-%d"


def _loads(line: bytes) -> Any:
    """``json.loads(line)``, with each long ``"data"`` string cut out before parsing and put back
    after (decoded as ASCII, the same ``str`` json would give).

    Sound because ``"data":"`` cannot occur inside a JSON string (its quotes would be escaped),
    so every match is a real key whose string value ends at the next quote unless it holds a
    backslash; such values (and short ones) are left to json."""
    if len(line) < 2 * _LONG_STRING or _DATA_KEY not in line:
        return json.loads(line)
    pieces, strings, at = [], [], 0
    while True:
        start = line.find(_DATA_KEY, at)
        if start < 0:
            break
        start += len(_DATA_KEY)
        end = line.find(b'"', start)
        if end < 0:
            break
        if end - start >= _LONG_STRING and line.find(b"\\", start, end) < 0:
            pieces.append(line[at:start])
            pieces.append(b"\\u0000fovea-data-%d" % len(strings))
            strings.append(line[start:end].decode("ascii"))
            at = end
        else:
            pieces.append(line[at:end])
            at = end
        # `at` is the closing quote, kept by the next piece.
    if not strings:
        return json.loads(line)
    pieces.append(line[at:])
    message = json.loads(b"".join(pieces))
    placeholders = {_PLACEHOLDER % index: text for index, text in enumerate(strings)}

    def restore(value: Any) -> Any:
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str):
                    if item in placeholders:
                        value[key] = placeholders[item]
                elif isinstance(item, (dict, list)):
                    restore(item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    if item in placeholders:
                        value[index] = placeholders[item]
                elif isinstance(item, (dict, list)):
                    restore(item)
        return value

    return restore(message)


_BINARY_META = {"fovea/binary": True}
_BYTES_KEY = "fovea/bytes"


def _attachment_lengths(message: dict) -> list:
    """Byte counts of the images sent after this answer line, in block order (binary images:
    each such block has ``_meta["fovea/bytes"]`` and no ``data``)."""
    result = message.get("result")
    if not isinstance(result, dict):
        return []
    return [block["_meta"][_BYTES_KEY] for block in result.get("content") or []
            if isinstance(block, dict) and isinstance(block.get("_meta"), dict) and _BYTES_KEY in block["_meta"]]


def _attach(message: dict, images: list) -> dict:
    """Puts the bytes read after the line into their blocks' ``data`` (``bytes``, where base64
    images have ``str``)."""
    remaining = iter(images)
    for block in message["result"]["content"]:
        if isinstance(block, dict) and isinstance(block.get("_meta"), dict) and _BYTES_KEY in block["_meta"]:
            block["data"] = next(remaining)
    return message


class _Base64Text(bytes):
    """Base64 text kept as ASCII bytes: ``_request_line`` splices it into the line as a JSON string
    (the alphabet needs no escaping) instead of json.dumps scanning it; for an 8K photo's put
    (7.8 MB) that is 87 -> 16-40 ms of CPU, most of it base64 itself."""


def _put_params(data: Union[bytes, bytearray, memoryview, str]) -> dict:
    if isinstance(data, str):  # a data URL, or base64 text
        return {"data": data}
    return {"data": _Base64Text(base64.b64encode(data))}


def _answer(message: dict) -> Any:
    if "error" in message:
        error = message["error"]
        raise FoveaError(error.get("code", 0), error.get("message", ""), error.get("data"))
    return message.get("result")


def _tool_params(name: str, image: Optional[str], arguments: dict, binary_images: bool) -> dict:
    arguments = {key: value for key, value in arguments.items() if value is not None}
    if image is not None:
        arguments["image"] = image
    params = {"name": name, "arguments": arguments}
    if binary_images:
        params["_meta"] = _BINARY_META
    return params


def _checked(result: dict, raise_on_error: bool) -> ToolResult:
    parsed = ToolResult.parse(result)
    if parsed.is_error and raise_on_error:
        raise ToolError(parsed)
    return parsed


def _request_line(request_id: int, method: str, params: Optional[dict]) -> bytes:
    params = params or {}
    blobs = [(key, value) for key, value in params.items() if isinstance(value, _Base64Text)]
    if blobs:  # placeholders json.dumps writes as "\u0000fovea-blob-N", then the text itself
        params = dict(params, **{key: "\x00fovea-blob-%d" % index for index, (key, _) in enumerate(blobs)})
    line = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params},
                      separators=(",", ":")).encode()
    pieces = [line]
    for index, (_, blob) in enumerate(blobs):
        head, _, tail = pieces.pop().partition(b"\\u0000fovea-blob-%d" % index)
        pieces += [head, blob, tail]
    return b"".join(pieces + [b"\n"])  # the one copy of the text


def _retryable(error: BaseException) -> bool:
    """Worth sending again: every Fovea call is idempotent (results are content-addressed)."""
    if isinstance(error, FoveaError):
        return error.code == -32001  # overloaded, too many connections, or shutting down
    return isinstance(error, OSError) and not isinstance(error, TimeoutError)  # lost, refused, not there yet


def _shutting_down(error: BaseException) -> bool:
    return isinstance(error, FoveaError) and error.code == -32001 and "shutting down" in error.message


class Fovea:
    """A blocking client on one connection; calls from several threads take turns.

    A call that meets an overloaded daemon, a daemon shutting down (SIGTERM: it answers the
    calls already sent, then exits) or a lost connection is sent again — on a new connection,
    to the daemon's successor — with backoff, for up to ``retry_seconds``; 0 turns this off.

    Tool results' images come as bytes after the answer line (``binary_images``, the default;
    False asks for base64 inside the JSON, as an MCP client gets them).
    """

    def __init__(self, socket_path: Optional[str] = None, timeout: Optional[float] = 60.0,
                 retry_seconds: float = 10.0, binary_images: bool = True):
        self.socket_path = socket_path or default_socket_path()
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.binary_images = binary_images
        self._lock = threading.Lock()
        self._next_id = 0
        self._socket: Optional[socket.socket] = None
        self._connect()

    def __enter__(self) -> "Fovea":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._socket is not None:
            self._reader.close()
            self._socket.close()
            self._socket = None

    def _connect(self) -> None:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(self.timeout)
        try:
            connection.connect(self.socket_path)
        except BaseException:
            connection.close()
            raise
        # A 1 MiB buffer takes an answer line in a few reads instead of one per 8 KiB.
        self._socket, self._reader = connection, connection.makefile("rb", buffering=1 << 20)

    def request(self, method: str, params: Optional[dict] = None) -> Any:
        """Sends one request and returns its ``result``; raises ``FoveaError`` for an error."""
        with self._lock:
            deadline = time.monotonic() + self.retry_seconds
            delay = 0.05
            while True:
                try:
                    if self._socket is None:
                        self._connect()
                    return self._exchange(method, params)
                except (FoveaError, OSError) as error:
                    if not _retryable(error) or time.monotonic() + delay > deadline:
                        raise
                    if not isinstance(error, FoveaError) or _shutting_down(error):
                        self.close()
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _exchange(self, method: str, params: Optional[dict]) -> Any:
        self._next_id += 1
        request_id = self._next_id
        self._socket.sendall(_request_line(request_id, method, params))
        while True:
            answer = self._reader.readline()
            if not answer:
                raise ConnectionError("the Fovea daemon closed the connection")
            message = _loads(answer)
            lengths = _attachment_lengths(message)
            if lengths:  # read even for an answer not ours, to stay at a line's start
                message = _attach(message, [self._read_exactly(length) for length in lengths])
            if message.get("id") == request_id or (message.get("id") is None and "error" in message):
                return _answer(message)

    def _read_exactly(self, count: int) -> bytes:
        data = self._reader.read(count)  # a BufferedReader reads until `count` bytes or the end
        if len(data) != count:
            raise ConnectionError("the Fovea daemon closed the connection in the middle of an answer")
        return data

    def put(self, data: Union[bytes, bytearray, memoryview, str]) -> str:
        """Stores an encoded image (bytes, or a data URL) and returns its handle."""
        return self.request("images/put", _put_params(data))["image"]

    def put_path(self, path: str) -> str:
        """Has the daemon read an image inside one of its ``--allow-dir`` directories."""
        return self.request("images/put", {"path": path})["image"]

    def _image(self, image: ImageArgument) -> str:
        return self.put(image) if isinstance(image, (bytes, bytearray, memoryview)) else image

    def call_tool(self, name: str, image: Optional[ImageArgument] = None, raise_on_error: bool = True,
                  **arguments) -> ToolResult:
        """Any tool (``zoom``, ``crop``, ``rotate``, ``enhance``, ``tile``, ``annotate``,
        ``inspect``, ``pipeline``) with its arguments as keywords (``None`` ones are left out)."""
        handle = None if image is None else self._image(image)
        return _checked(self.request("tools/call", _tool_params(name, handle, arguments, self.binary_images)), raise_on_error)

    def zoom(self, image: ImageArgument, bbox_2d, **arguments) -> ToolResult:
        return self.call_tool("zoom", image, bbox_2d=list(bbox_2d), **arguments)

    def crop(self, image: ImageArgument, bbox_2d, **arguments) -> ToolResult:
        return self.call_tool("crop", image, bbox_2d=list(bbox_2d), **arguments)

    def release(self, image: str) -> dict:
        return self.request("images/release", {"image": image})

    def stats(self) -> dict:
        return self.request("server/stats")


class _Connection:
    """One socket of an ``AsyncFovea``: its answers are matched to waiting calls by id."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.pending: dict = {}
        self.failed: Optional[BaseException] = None
        self.retired = False  # takes no new calls (the daemon is shutting down); still answers its own
        self.reading = asyncio.get_running_loop().create_task(self._read_answers())

    async def call(self, request_id: int, line: bytes) -> dict:
        if self.failed is not None:
            raise ConnectionError(f"the connection to the Fovea daemon is closed ({self.failed})")
        future = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        self.writer.write(line)
        await self.writer.drain()
        return await future

    async def _read_answers(self) -> None:
        try:
            while True:
                line = await self.reader.readline()
                if not line:
                    raise ConnectionError("the Fovea daemon closed the connection")
                message = _loads(line)
                lengths = _attachment_lengths(message)
                if lengths:
                    message = _attach(message, [await self.reader.readexactly(length) for length in lengths])
                future = self.pending.pop(message.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(message)
        except BaseException as error:  # the connection is gone: fail every waiting call
            cancelled = isinstance(error, asyncio.CancelledError)
            self.failed = ConnectionError("the connection was closed") if cancelled else error
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(self.failed)
            self.pending.clear()
            self.writer.close()
            if cancelled:
                raise

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass
        self.reading.cancel()


class AsyncFovea:
    """An asyncio client: calls run concurrently on one connection, answered as they finish.

    Retries as ``Fovea`` does: when the daemon is shutting down, the calls already sent are
    still answered on the old connection while new and refused ones go to a new connection.
    Images come as ``Fovea``'s do (``binary_images``).
    """

    def __init__(self, socket_path: Optional[str] = None, retry_seconds: float = 10.0,
                 binary_images: bool = True):
        self.socket_path = socket_path or default_socket_path()
        self.retry_seconds = retry_seconds
        self.binary_images = binary_images
        self._connections: list = []
        self._next_id = 0
        self._opening = asyncio.Lock()

    @classmethod
    async def connect(cls, socket_path: Optional[str] = None, retry_seconds: float = 10.0,
                      binary_images: bool = True) -> "AsyncFovea":
        client = cls(socket_path, retry_seconds, binary_images)
        await client._current()
        return client

    async def __aenter__(self) -> "AsyncFovea":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        for connection in self._connections:
            await connection.close()
        self._connections = []

    async def _current(self) -> _Connection:
        async with self._opening:
            self._connections = [c for c in self._connections if c.failed is None]
            if self._connections and not self._connections[-1].retired:
                return self._connections[-1]
            reader, writer = await asyncio.open_unix_connection(self.socket_path, limit=MAX_LINE_BYTES)
            self._connections.append(_Connection(reader, writer))
            return self._connections[-1]

    async def request(self, method: str, params: Optional[dict] = None) -> Any:
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.05
        while True:
            connection = None
            try:
                connection = await self._current()
                self._next_id += 1
                return _answer(await connection.call(self._next_id, _request_line(self._next_id, method, params)))
            except (FoveaError, OSError) as error:
                if not _retryable(error) or time.monotonic() + delay > deadline:
                    raise
                if connection is not None and (not isinstance(error, FoveaError) or _shutting_down(error)):
                    connection.retired = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def put(self, data: Union[bytes, bytearray, memoryview, str]) -> str:
        return (await self.request("images/put", _put_params(data)))["image"]

    async def call_tool(self, name: str, image: Optional[ImageArgument] = None, raise_on_error: bool = True,
                        **arguments) -> ToolResult:
        if isinstance(image, (bytes, bytearray, memoryview)):
            image = await self.put(image)
        return _checked(await self.request("tools/call", _tool_params(name, image, arguments, self.binary_images)), raise_on_error)

    async def zoom(self, image: ImageArgument, bbox_2d, **arguments) -> ToolResult:
        return await self.call_tool("zoom", image, bbox_2d=list(bbox_2d), **arguments)

    async def crop(self, image: ImageArgument, bbox_2d, **arguments) -> ToolResult:
        return await self.call_tool("crop", image, bbox_2d=list(bbox_2d), **arguments)

    async def release(self, image: str) -> dict:
        return await self.request("images/release", {"image": image})

    async def stats(self) -> dict:
        return await self.request("server/stats")
