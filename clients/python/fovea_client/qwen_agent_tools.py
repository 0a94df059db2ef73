"""Qwen-Agent tools backed by Fovea, registered under the names Qwen-Agent's own tools use:

- ``image_zoom_in_tool`` (``FoveaImageZoomInTool``): the think-with-images cookbook's zoom
  (``qwen_agent/tools/image_zoom_in_qwen3vl.py``: ``bbox_2d`` relative 0-1000, ``label``,
  ``img_idx`` over the conversation's images), run by Fovea's ``zoom``; the result is written to
  the tool's ``work_dir`` and returned as ``[ContentItem(image=<path>)]``, as the original does;
- ``code_interpreter`` (``FoveaCodeInterpreter``): Python in a Fovea interpreter (one session per
  tool object, as Qwen-Agent's CodeInterpreter keeps one kernel per object), with the
  conversation's images loaded; returns the observation text and the images the code showed
  (``ContentItem(text=…)``, ``ContentItem(image=<path>)``).

Importing this module registers both, replacing Qwen-Agent's built-ins of the same names in
``TOOL_REGISTRY`` (Qwen-Agent logs a warning for each), so an agent built with
``function_list=['image_zoom_in_tool']`` uses Fovea::

    import fovea_client.qwen_agent_tools   # before the agent is built
    from qwen_agent.agents import Assistant
    bot = Assistant(llm=llm_cfg, function_list=[{'name': 'image_zoom_in_tool', 'socket': '/run/fovea/fovea.sock'}])

Tool config (``cfg``, or the dict in ``function_list``): ``socket``, ``work_dir``, and for the code
tool ``conventions`` (``plain`` by default) and ``session``. Images are put into the daemon once per
process by content hash (``fovea_client.images``). A tool error comes back as Qwen-Agent's tools
write theirs: ``Tool Execution Error <Fovea's sentence>``.
"""

from __future__ import annotations

import base64
import os
import threading
import uuid
from typing import List, Optional, Union

import qwen_agent.tools  # noqa: F401  (registers Qwen-Agent's own tools first: their names are then ours to replace)
from qwen_agent.llm.schema import ContentItem
from qwen_agent.tools.base import BaseToolWithFileAccess, register_tool
from qwen_agent.utils.utils import extract_images_from_messages

from .client import Fovea, ToolResult
from .formats import CODE_FUNCTION, QWEN3VL_ZOOM_FUNCTION, daemon_parts
from .images import PROCESS_CACHE, is_missing_handle

__all__ = ["FoveaImageZoomInTool", "FoveaCodeInterpreter"]

_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class _FoveaTool(BaseToolWithFileAccess):
    def __init__(self, cfg: Optional[dict] = None):
        super().__init__(cfg)
        self.socket_path = self.cfg.get("socket")
        self._fovea: Optional[Fovea] = None
        self._lock = threading.Lock()

    @property
    def fovea(self) -> Fovea:
        with self._lock:
            if self._fovea is None:
                self._fovea = Fovea(self.socket_path)
            return self._fovea

    def _handle(self, image: str) -> str:
        return PROCESS_CACHE.handle(self.fovea, image, base_dir=self.work_dir)

    def _call(self, tool: str, sources: List[str], arguments) -> ToolResult:
        """``tool`` with ``arguments(handles)``; put again once if the daemon forgot an image."""
        for attempt in (0, 1):
            handles = [self._handle(source) for source in sources]
            result = self.fovea.call_tool(tool, raise_on_error=False, **arguments(handles))
            if attempt or not (result.is_error and is_missing_handle(result.text)):
                return result
            for handle in handles:
                PROCESS_CACHE.forget(self.fovea.socket_path, handle)
        return result

    def _save(self, data_base64: str, mime: str, handle: Optional[str]) -> str:
        os.makedirs(self.work_dir, exist_ok=True)
        name = (handle or "img:" + uuid.uuid4().hex).split(":", 1)[1]
        path = os.path.abspath(os.path.join(self.work_dir, f"{name}.{_EXTENSIONS.get(mime, 'png')}"))
        if not os.path.exists(path):
            with open(path + ".part", "wb") as file:
                file.write(base64.b64decode(data_base64))
            os.replace(path + ".part", path)
        if handle:  # the file's bytes are the result's: its content key is its handle, already stored
            PROCESS_CACHE.remember(self.fovea.socket_path, handle, handle)
        return path


def _local(image: str) -> str:
    """Qwen-Agent's image strings: ``file://`` paths become paths; the rest is what it is."""
    return image[len("file://"):] if image.startswith("file://") else image


@register_tool("image_zoom_in_tool", allow_overwrite=True)
class FoveaImageZoomInTool(_FoveaTool):
    description = QWEN3VL_ZOOM_FUNCTION["description"]
    parameters = QWEN3VL_ZOOM_FUNCTION["parameters"]

    def call(self, params: Union[str, dict], **kwargs) -> List[ContentItem]:
        params = self._verify_json_format_args(params)
        images = extract_images_from_messages(kwargs.get("messages", []))
        try:
            index = int(params.get("img_idx", 0))
            source = _local(images[index])
        except (IndexError, TypeError, ValueError):
            return [ContentItem(text=f"Error: Invalid input image {images}")]  # image_zoom_in_qwen3vl.py's error

        def arguments(handles):
            call = {"image": handles[0], "bbox_2d": params["bbox_2d"], "coords": self.cfg.get("coords", "rel1000"),
                    "format": "png"}
            if params.get("label"):
                call["label"] = str(params["label"])
            return call

        try:
            result = self._call("zoom", [source], arguments)
        except (OSError, ValueError) as error:
            return [ContentItem(text=f"Error: Invalid input image {images}: {error}")]
        if result.is_error:
            return [ContentItem(text=f"Tool Execution Error {result.text}")]
        data, mime = result.encoded_images[0]
        return [ContentItem(image=self._save(data, mime, result.image))]


@register_tool("code_interpreter", allow_overwrite=True)
class FoveaCodeInterpreter(_FoveaTool):
    description = CODE_FUNCTION["description"]
    parameters = CODE_FUNCTION["parameters"]

    def __init__(self, cfg: Optional[dict] = None):
        super().__init__(cfg)
        self.session = self.cfg.get("session") or f"qwen-agent-{uuid.uuid4().hex}"
        self.conventions = self.cfg.get("conventions", "plain")

    def call(self, params: Union[str, dict], files: Optional[List[str]] = None, **kwargs) -> List[ContentItem]:
        params = self._verify_json_format_args(params)
        code = params.get("code")
        if not isinstance(code, str):
            return [ContentItem(text="missing required argument code (a string of Python)")]
        sources = [_local(image) for image in extract_images_from_messages(kwargs.get("messages", []))]

        def arguments(handles):
            images = [{"image": handle, "path": os.path.basename(source)}
                      if os.path.isfile(source) or os.path.isfile(os.path.join(self.work_dir, source)) else handle
                      for handle, source in zip(handles, sources)]
            return {"code": code, "images": images, "session": self.session, "conventions": self.conventions}

        result = self._call("code", sources, arguments)
        items = []
        for part in daemon_parts(result):
            if part["type"] == "text":
                if part["text"]:
                    items.append(ContentItem(text=part["text"]))
            else:
                items.append(ContentItem(image=self._save(part["data"], part["mime"], part["handle"])))
        return items or [ContentItem(text="")]

    def close(self) -> None:
        """Ends the interpreter session (``sessions/close``)."""
        self.fovea.request("sessions/close", {"session": self.session})
