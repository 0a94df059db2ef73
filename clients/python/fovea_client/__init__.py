"""fovea-client: Python clients, model formats, framework adapters and a reference agent loop for
the Fovea daemon.

The core (this package's ``client``, ``formats``, ``images`` and ``agent`` modules) uses the
standard library only; Pillow is optional (``pip install "fovea-client[pil]"``). The framework
adapters import their framework when they are imported themselves:

- ``fovea_client.verl_tools``: verl ``BaseTool`` subclasses (``FoveaZoomTool``, ``FoveaCodeTool``);
- ``fovea_client.qwen_agent_tools``: Qwen-Agent tools registered as ``image_zoom_in_tool`` and
  ``code_interpreter``.

``from fovea_client import Fovea, AsyncFovea, ToolError, FoveaError`` is what it always was.
"""

from .client import (  # noqa: F401  (the private helpers are imported by test_fovea_client.py)
    MAX_LINE_BYTES,
    AsyncFovea,
    Fovea,
    FoveaError,
    ImageArgument,
    ToolError,
    ToolResult,
    _loads,
    _put_params,
    _request_line,
    default_socket_path,
)

__version__ = "0.2.0"

__all__ = ["Fovea", "AsyncFovea", "FoveaError", "ToolError", "ToolResult", "default_socket_path", "__version__"]
