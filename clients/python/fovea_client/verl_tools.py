"""verl tools backed by Fovea: ``FoveaZoomTool`` (``image_zoom_in_tool``) and ``FoveaCodeTool``
(``code``), subclasses of verl's own ``verl.tools.base_tool.BaseTool`` that return images.

Use them in a verl tool config (``clients/python/examples/verl_tool_config.yaml``)::

    tools:
      - class_name: fovea_client.verl_tools.FoveaZoomTool
        config: {type: native, socket: /run/fovea/fovea.sock, coords: pixel}
        tool_schema: …                       # optional: verl's image_zoom_in_tool schema by default

How verl drives a tool (``verl/experimental/agent_loop/tool_agent_loop.py``, ``_call_tool``): for
every single call, ``instance_id, _ = await tool.create(create_kwargs=…)`` with the sample's
``tools_kwargs[<tool name>]["create_kwargs"]`` (for the zoom tool ``{"image": <the sample's image>}``),
then ``await tool.execute(instance_id, arguments, agent_data=…)``, then ``await tool.release(instance_id)``.
So:

- an instance id is one Fovea context: the images its ``create`` was given, put into the daemon
  **once per process** by content hash (``fovea_client.images.PROCESS_CACHE``) however often
  ``create`` runs, and never stored on the tool object under anything but the instance id;
- ``execute`` returns ``ToolResponse(image=[PIL images], text=…)``, reward ``0.0`` (``-0.05`` on a
  failed call, as verl's ImageZoomInTool), metrics ``{"success": …}``; a tool error's sentence is
  the text;
- ``FoveaCodeTool``'s interpreter session is the trajectory's (``agent_data.request_id``) when verl
  passes ``agent_data``, so variables persist across the calls of a trajectory although each call
  has its own instance; the session then ends after the daemon's ``--session-idle``. Without
  ``agent_data`` the session is the instance's own and ``release`` closes it
  (``sessions/close``).

One ``AsyncFovea`` connection per event loop and socket is shared by every tool of the process.

verl without torch: importing ``verl.tools.base_tool`` runs ``verl/__init__.py``, which imports torch,
tensordict, numpy and ray for its data protocol. When that import fails but verl is installed (the
light install: ``pip install --no-deps verl`` plus ``pydantic`` and ``ray``, what base_tool.py,
schemas.py, utils/rollout_trace.py and utils/ray_utils.py import), this module loads verl's real
``verl.tools.base_tool`` and ``verl.tools.schemas`` with the two package ``__init__`` files
(``verl``, ``verl.utils``) skipped; verl's config loader ``verl.tools.tool_registry`` (verl 0.9;
``verl.tools.utils.tool_registry`` before) then imports too, given ``omegaconf`` (and, in 0.9,
``transformers``, which it imports for function tools). With a full verl install nothing is skipped.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import importlib.machinery
import importlib.util
import os
import sys
import types
import uuid
import weakref
from typing import Any, Callable, Optional, Tuple

from .client import AsyncFovea, ToolResult
from .formats import VERL_ZOOM_FUNCTION, daemon_parts, verl_zoom_text
from .images import PROCESS_CACHE, is_missing_handle, to_pil

__all__ = ["FoveaZoomTool", "FoveaCodeTool", "BaseTool", "ToolResponse", "OpenAIFunctionToolSchema", "load_verl"]


def _verl_shells() -> None:
    """Puts ``verl`` and ``verl.utils`` into ``sys.modules`` as bare packages over verl's installed
    directories, without running their ``__init__`` (which import torch); every other module of
    verl then imports from its real file."""
    for name in [name for name in sys.modules if name == "verl" or name.startswith("verl.")]:
        del sys.modules[name]
    spec = importlib.util.find_spec("verl")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("verl is not installed")
    root = list(spec.submodule_search_locations)[0]
    parent = None
    for name, path in (("verl", root), ("verl.utils", os.path.join(root, "utils"))):
        shell = types.ModuleType(name, "verl's package, loaded without its __init__ (fovea_client.verl_tools)")
        shell.__path__ = [path]
        shell.__package__ = name
        shell.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
        shell.__spec__.submodule_search_locations = [path]
        sys.modules[name] = shell
        if parent is not None:
            setattr(parent, name.rsplit(".", 1)[1], shell)
        parent = shell


def load_verl() -> Tuple[type, type, type]:
    """``(BaseTool, OpenAIFunctionToolSchema, ToolResponse)`` from the installed verl."""
    try:
        from verl.tools.base_tool import BaseTool
        from verl.tools.schemas import OpenAIFunctionToolSchema, ToolResponse
    except ImportError as error:
        if importlib.util.find_spec("verl") is None:
            raise ImportError("fovea_client.verl_tools needs verl: pip install verl (or, without torch, "
                              "pip install --no-deps verl && pip install pydantic ray; docs/AGENTS.md)") from error
        _verl_shells()
        from verl.tools.base_tool import BaseTool
        from verl.tools.schemas import OpenAIFunctionToolSchema, ToolResponse
    return BaseTool, OpenAIFunctionToolSchema, ToolResponse


BaseTool, OpenAIFunctionToolSchema, ToolResponse = load_verl()

_clients: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _client(socket_path: Optional[str], retry_seconds: float) -> AsyncFovea:
    """The process's connection to ``socket_path`` on the running event loop."""
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    key = (socket_path, retry_seconds)
    if key not in per_loop:
        per_loop[key] = AsyncFovea(socket_path, retry_seconds)
    return per_loop[key]


def _images_of(kwargs: dict) -> list:
    create_kwargs = kwargs.get("create_kwargs") or {}
    merged = dict(kwargs, **create_kwargs)
    if merged.get("images") is not None:
        images = merged["images"]
        return list(images) if isinstance(images, (list, tuple)) else [images]
    return [merged["image"]] if merged.get("image") is not None else []


class _FoveaTool(BaseTool):
    default_function: dict = {}

    def __init__(self, config: Optional[dict] = None, tool_schema: Any = None):
        config = dict(config or {})
        if tool_schema is None:
            tool_schema = OpenAIFunctionToolSchema.model_validate({"type": "function", "function": self.default_function})
        super().__init__(config, tool_schema)
        self.socket_path = config.get("socket")
        self.retry_seconds = float(config.get("retry_seconds", 10.0))
        self.error_reward = float(config.get("error_reward", -0.05))
        self._instances: dict = {}

    @property
    def fovea(self) -> AsyncFovea:
        return _client(self.socket_path, self.retry_seconds)

    async def create(self, instance_id: Optional[str] = None, **kwargs) -> Tuple[str, Any]:
        """Puts the instance's images (``image`` or ``images``, directly or in ``create_kwargs``)
        into the daemon — each once per process — and remembers their handles under the id."""
        if instance_id is None:
            instance_id = str(uuid.uuid4())
        sources = _images_of(kwargs)
        fovea = self.fovea
        handles = [await PROCESS_CACHE.ahandle(fovea, source) for source in sources]
        self._instances[instance_id] = {"sources": sources, "handles": handles}
        return instance_id, ToolResponse()

    async def release(self, instance_id: str, **kwargs) -> None:
        self._instances.pop(instance_id, None)

    async def _call(self, instance: dict, tool: str, arguments: Callable[[dict], dict]) -> ToolResult:
        """``tool`` with ``arguments(instance)``; when the daemon no longer holds one of the
        instance's images (a restarted daemon), the images are put again and the call sent once more."""
        fovea = self.fovea
        for attempt in (0, 1):
            result = await fovea.call_tool(tool, raise_on_error=False, **arguments(instance))
            if attempt or not (result.is_error and is_missing_handle(result.text)):
                return result
            for handle in instance["handles"]:
                PROCESS_CACHE.forget(fovea.socket_path, handle)
            instance["handles"] = [await PROCESS_CACHE.ahandle(fovea, source) for source in instance["sources"]]
        return result


class FoveaZoomTool(_FoveaTool):
    """``image_zoom_in_tool`` (verl's schema: ``bbox_2d``, ``label``) on Fovea's ``zoom``.

    Config: ``socket`` (the daemon's socket), ``coords`` (``pixel`` by default, as verl's
    ImageZoomInTool and DeepEyes; ``rel1000``, ``norm``), ``format`` (``png`` by default: lossless,
    as verl's in-memory crop), ``quality``, ``retry_seconds``, ``error_reward``. The output size is the
    daemon preset's ``smart_resize`` (``fovea serve --preset deepeyes`` for DeepEyes/Qwen2.5-VL)."""

    default_function = VERL_ZOOM_FUNCTION

    def __init__(self, config: Optional[dict] = None, tool_schema: Any = None):
        super().__init__(config, tool_schema)
        self.coords = self.config.get("coords", "pixel")
        self.format = self.config.get("format", "png")
        self.quality = self.config.get("quality")

    async def execute(self, instance_id: str, parameters: dict, **kwargs) -> Tuple[Any, float, dict]:
        instance = self._instances.get(instance_id)
        if instance is None or not instance["handles"]:
            return ToolResponse(text="Error: this tool instance has no image (create it with create_kwargs {\"image\": …})"), \
                self.error_reward, {"success": False}
        index = parameters.get("img_idx", 0)
        if not isinstance(index, int) or not 0 <= index < len(instance["handles"]):
            return ToolResponse(text=f"img_idx {index!r} is out of range: there are {len(instance['handles'])} images"), \
                self.error_reward, {"success": False}

        def arguments(current: dict) -> dict:
            call = {"image": current["handles"][index], "bbox_2d": parameters.get("bbox_2d"), "coords": self.coords,
                    "format": self.format, "quality": self.quality}
            if parameters.get("label"):
                call["label"] = str(parameters["label"])
            return call

        result = await self._call(instance, "zoom", arguments)
        if result.is_error:
            return ToolResponse(text=result.text), self.error_reward, {"success": False}
        image = await asyncio.get_running_loop().run_in_executor(None, to_pil, result.image_bytes)
        return ToolResponse(image=[image], text=verl_zoom_text(parameters)), 0.0, \
            {"success": True, "bbox_px": result.structured.get("bbox_px"), "image": result.image}


class FoveaCodeTool(_FoveaTool):
    """The ``code`` tool (Skywork-R1V4's name; any name in the schema): model-written Python in a
    Fovea interpreter, answering as the family's harness (``conventions``: ``r1v4`` by default,
    ``pyvision``, ``deepeyesv2``, ``thyme``, ``sketchpad``, ``plain``).

    Config: ``socket``, ``conventions``, ``timeout``, ``max_images``, ``format``, ``paths`` (the file
    name of each image as the model was told it, e.g. Thyme's ``image_path``). The text is the
    daemon's observation text; the images are those the code showed, in order."""

    default_function = {
        "name": "code",
        "description": "Run Python code on the images: they are loaded as PIL images (image, image_1, …); print what you want "
                       "to read and call plt.show() to see a figure. Variables persist across calls of a trajectory.",
        "parameters": {"type": "object", "properties": {"code": {"type": "string", "description": "The Python code to run."}},
                       "required": ["code"]},
    }

    def __init__(self, config: Optional[dict] = None, tool_schema: Any = None):
        super().__init__(config, tool_schema)
        self.conventions = self.config.get("conventions", "r1v4")
        self.options = {key: self.config[key] for key in ("timeout", "max_images", "format") if key in self.config}
        self.paths = list(self.config.get("paths") or [])

    async def create(self, instance_id: Optional[str] = None, **kwargs) -> Tuple[str, Any]:
        instance_id, response = await super().create(instance_id, **kwargs)
        self._instances[instance_id]["session"] = f"verl-{instance_id}"
        self._instances[instance_id]["own_session"] = False
        return instance_id, response

    async def execute(self, instance_id: str, parameters: dict, **kwargs) -> Tuple[Any, float, dict]:
        instance = self._instances.get(instance_id)
        if instance is None:
            return ToolResponse(text=f"Error: no tool instance {instance_id!r}"), self.error_reward, {"success": False}
        code = parameters.get("code")
        if not isinstance(code, str):
            return ToolResponse(text="missing required argument code (a string of Python)"), self.error_reward, {"success": False}
        agent_data = kwargs.get("agent_data")
        request_id = getattr(agent_data, "request_id", None)
        if request_id:
            session = f"verl-{request_id}"
        else:
            session, instance["own_session"] = instance["session"], True

        def arguments(current: dict) -> dict:
            images = [{"image": handle, "path": self.paths[i]} if i < len(self.paths) and self.paths[i] else handle
                      for i, handle in enumerate(current["handles"])]
            return dict(self.options, code=code, images=images, session=session, conventions=self.conventions)

        result = await self._call(instance, "code", arguments)
        parts = daemon_parts(result)
        text = "".join(part["text"] for part in parts if part["type"] == "text")
        loop = asyncio.get_running_loop()
        images = [await loop.run_in_executor(None, to_pil, base64.b64decode(part["data"]))
                  for part in parts if part["type"] == "image"]
        response = ToolResponse(image=images, text=text) if images else ToolResponse(text=text)
        return response, self.error_reward if result.is_error else 0.0, \
            {"success": not result.is_error, "session": session, "elapsed_ms": result.structured.get("elapsed_ms")}

    async def release(self, instance_id: str, **kwargs) -> None:
        instance = self._instances.pop(instance_id, None)
        if instance is not None and instance.get("own_session"):
            try:
                await self.fovea.request("sessions/close", {"session": instance["session"]})
            except OSError:
                pass
