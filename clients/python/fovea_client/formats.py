"""How each model family writes tool calls and reads observations, with Fovea as the tool.

A ``Format`` knows, for one family:

- ``parse_calls(text)``: the tool calls in a model turn (JSON in ``<tool_call>``, ``<grounding>``,
  or Python in ``<code>``/```` ```python ```` blocks), as ``ToolCall``s;
- ``fovea_call(call, trajectory)``: the Fovea ``tools/call`` that runs it (``zoom`` with the
  family's coordinates and image reference resolved, or ``code`` with the family's conventions);
- ``render(call, result, trajectory)``: the Fovea result (the MCP ``CallToolResult`` the daemon
  returned, or the client's ``ToolResult``) as the family's observation: text and images in the
  order and wrapping the family's harness uses, and the role of the message it goes in. For the
  ``code`` tool the daemon already formats the family's text (``structuredContent.observation``
  parts); the format only adds the outer wrapping the agent owns (``<observation>``,
  ``<interpreter>``, ``<sandbox_output>``, …);
- ``stop`` strings, ``complete(text, stop_reason)`` (OpenAI-style servers cut the stop string off;
  the harness keeps it), ``system_prompt()`` and ``user_content()`` (the prompts the family was
  trained or evaluated with, quoted from its sources).

Every harness fact below names its source (repository @ commit, file, function). Formats:
``r1v4``, ``qwen3-vl``, ``qwen2.5-vl``, ``deepeyes``, ``deepeyesv2``, ``pyvision``, ``thyme``,
``mini-o3``, ``pixel-reasoner``. ``get_format(name)`` returns one.

Standard library only.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

from .client import ToolResult

__all__ = ["ToolCall", "CallError", "Observation", "Trajectory", "Format", "FORMATS", "get_format", "as_result"]


@dataclass
class ToolCall:
    """One tool call as the model wrote it."""

    name: str
    arguments: dict
    raw: str = ""
    """The text of the call (inside its tags)."""


class CallError(Exception):
    """A call that cannot be run (unparseable, unknown tool, an image reference out of range): the
    format renders ``str(error)`` as the family's error observation."""


@dataclass
class Trajectory:
    """What a format needs to know about the conversation so far.

    ``images``: handles of every image the model has seen, in order (the inputs, then each image a
    tool returned) — Qwen-Agent's ``img_idx`` and Pixel-Reasoner's ``target_image`` index these;
    ``sizes`` beside them. ``observations``: Mini-o3's ``original_image`` and ``observation_i``
    (the input, then each successful zoom). ``turn``: the assistant turn being answered (0-based).
    ``session``: the code tool's session id. ``paths``: the file name of each input image as the
    model was told it (Thyme's ``image_path``)."""

    images: List[str] = field(default_factory=list)
    sizes: List[Tuple[int, int]] = field(default_factory=list)
    observations: List[str] = field(default_factory=list)
    paths: List[Optional[str]] = field(default_factory=list)
    turn: int = 0
    session: Optional[str] = None

    def add_input(self, handle: str, width: int, height: int, path: Optional[str] = None) -> None:
        self.images.append(handle)
        self.sizes.append((width, height))
        self.observations.append(handle)
        self.paths.append(path)


@dataclass
class Observation:
    """An observation as content parts: ``{"type": "text", "text": …}`` and ``{"type": "image",
    "data": <base64>, "mime": …, "handle": …, "width": …, "height": …}``.

    ``role``: ``"user"`` (a new user turn), or ``"assistant"`` when the harness appends the
    observation to the model's own turn and lets it continue (Thyme, R1V4)."""

    parts: List[dict]
    role: str = "user"
    is_error: bool = False

    @property
    def images(self) -> List[dict]:
        return [part for part in self.parts if part["type"] == "image"]

    @property
    def text(self) -> str:
        """The text parts, joined; images left out (what a transcript such as R1V4's
        ``full_response`` holds)."""
        return "".join(part["text"] for part in self.parts if part["type"] == "text")

    def text_with(self, image_token: str) -> str:
        """The text with each image replaced by ``image_token`` (e.g. Qwen's
        ``<|vision_start|><|image_pad|><|vision_end|>``)."""
        return "".join(part["text"] if part["type"] == "text" else image_token for part in self.parts)

    def openai_content(self) -> List[dict]:
        """The parts as OpenAI chat content: text parts and ``image_url`` data URLs, in order."""
        content = []
        for part in self.parts:
            if part["type"] == "text":
                content.append({"type": "text", "text": part["text"]})
            else:
                content.append({"type": "image_url", "image_url": {"url": f"data:{part['mime']};base64,{part['data']}"}})
        return content


def as_result(result: Union[ToolResult, dict]) -> ToolResult:
    """A ``ToolResult`` from the client, or the raw ``CallToolResult`` dict the daemon returned."""
    return result if isinstance(result, ToolResult) else ToolResult.parse(result)


def _text(text: str) -> dict:
    return {"type": "text", "text": text}


def _image_parts(result: ToolResult) -> List[dict]:
    described = result.structured.get("images") if isinstance(result.structured.get("images"), list) else None
    parts = []
    for index, (data, mime) in enumerate(result.encoded_images):
        part = {"type": "image", "data": data, "mime": mime or "application/octet-stream", "handle": None,
                "width": None, "height": None}
        if described is not None and index < len(described):
            part.update(handle=described[index].get("image"), width=described[index].get("width"),
                        height=described[index].get("height"))
        elif index == 0 and result.structured.get("image"):
            part.update(handle=result.structured.get("image"), width=result.structured.get("width"),
                        height=result.structured.get("height"))
        parts.append(part)
    return parts


def daemon_parts(result: Union[ToolResult, dict]) -> List[dict]:
    """A result's observation as parts: the daemon's ``structuredContent.observation`` (the code
    tool: text parts and ``{"type": "image", "index": i}``, in the family's order) with each index
    resolved to its image block; otherwise the image blocks, then the text."""
    result = as_result(result)
    images = _image_parts(result)
    observation = result.structured.get("observation")
    if isinstance(observation, list):
        parts = []
        for part in observation:
            if part.get("type") == "text":
                parts.append(_text(part.get("text", "")))
            elif part.get("type") == "image" and isinstance(part.get("index"), int) and part["index"] < len(images):
                parts.append(images[part["index"]])
        return parts
    return images + ([_text(result.text)] if result.text else [])


def _json_or_literal(text: str) -> Any:
    """JSON, else a Python literal (DeepEyes evaluates the call with ``eval``, Qwen-Agent reads it with
    json5: single quotes and trailing commas pass)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as error:
        raise CallError(f"the tool call is not valid JSON: {text.strip()[:200]}") from error


def _call_from_json(text: str) -> ToolCall:
    value = _json_or_literal(text.strip())
    if not isinstance(value, dict) or "name" not in value:
        raise CallError(f'the tool call must be a JSON object with "name" and "arguments": {text.strip()[:200]}')
    arguments = value.get("arguments") or {}
    if isinstance(arguments, str):  # some models write the arguments as a JSON string
        arguments = _json_or_literal(arguments)
    if not isinstance(arguments, dict):
        raise CallError(f'"arguments" must be a JSON object: {text.strip()[:200]}')
    return ToolCall(name=str(value["name"]), arguments=arguments, raw=text)


class Format:
    """The shared machinery; each family overrides what differs."""

    name = ""
    tool = "zoom"                 # the Fovea tool the family's calls become
    conventions: Optional[str] = None   # the code tool's conventions
    coords = "pixel"
    stop: List[str] = []
    keep_stop = True              # the harness keeps the stop string in the model's turn
    continues = False             # the observation is appended to the assistant turn
    zoom_names = ("image_zoom_in_tool",)
    code_names: Tuple[str, ...] = ()

    # -- prompts -----------------------------------------------------------------------------
    def system_prompt(self) -> Optional[str]:
        return None

    def user_content(self, question: str, image_url: str, width: int, height: int,
                     path: Optional[str] = None) -> List[dict]:
        """The first user turn: the image, then the question (OpenAI chat content)."""
        return [{"type": "image_url", "image_url": {"url": image_url}}, {"type": "text", "text": question}]

    # -- the model's turn ----------------------------------------------------------------------
    def complete(self, text: str, stop_reason: Optional[str] = None) -> str:
        """The turn as the harness holds it: OpenAI-compatible servers drop the stop string they
        stopped at (vLLM reports it as ``stop_reason``); the harness keeps it."""
        if self.keep_stop and isinstance(stop_reason, str) and stop_reason in self.stop and not text.endswith(stop_reason):
            return text + stop_reason
        return text

    def parse_calls(self, text: str) -> List[ToolCall]:
        raise NotImplementedError

    def is_final(self, text: str) -> bool:
        """No call to run: the trajectory ends."""
        try:
            return not self.parse_calls(text)
        except CallError:
            return False

    # -- running a call ------------------------------------------------------------------------
    def fovea_call(self, call: ToolCall, trajectory: Trajectory) -> Tuple[str, dict]:
        """``(tool, arguments)`` of the Fovea call that runs ``call``; raises ``CallError``."""
        if call.name in self.code_names:
            return self._code_call(call.arguments.get("code"), trajectory)
        if call.name not in self.zoom_names:
            raise CallError(f"unknown tool {call.name!r}; the tools are {', '.join(self.zoom_names + self.code_names)}")
        arguments = dict(call.arguments)
        image = self._zoom_image(arguments, trajectory)
        bbox = arguments.get("bbox_2d")
        if bbox is None:
            raise CallError(f"missing required argument bbox_2d for {call.name}")
        fovea = {"image": image, "bbox_2d": bbox, "coords": self.coords}
        if arguments.get("label") is not None:
            fovea["label"] = str(arguments["label"])
        return "zoom", fovea

    def _zoom_image(self, arguments: dict, trajectory: Trajectory) -> str:
        if not trajectory.images:
            raise CallError("there is no image to zoom into")
        return trajectory.images[0]

    def _code_call(self, code: Any, trajectory: Trajectory) -> Tuple[str, dict]:
        if not isinstance(code, str):
            raise CallError('missing required argument code (a string of Python)')
        images = []
        for index, handle in enumerate(trajectory.images[:len(trajectory.paths)]):
            path = trajectory.paths[index]
            images.append({"image": handle, "path": path} if path else handle)
        arguments = {"code": code, "images": images, "conventions": self.conventions}
        if trajectory.session:
            arguments["session"] = trajectory.session
        return "code", arguments

    # -- the observation -----------------------------------------------------------------------
    def render(self, call: ToolCall, result: Union[ToolResult, dict], trajectory: Trajectory) -> Observation:
        raise NotImplementedError

    def render_error(self, call: Optional[ToolCall], sentence: str, trajectory: Trajectory) -> Observation:
        """A call that never reached Fovea (``CallError``), in the family's error style."""
        return self.render(call, {"content": [{"type": "text", "text": sentence}], "isError": True}, trajectory)

    def merge(self, observations: List[Observation]) -> Observation:
        """Several calls in one turn: their observations in one message."""
        parts: List[dict] = []
        for observation in observations:
            parts += observation.parts
        return Observation(parts, observations[0].role, any(o.is_error for o in observations))

    def after(self, call: ToolCall, result: Union[ToolResult, dict], trajectory: Trajectory) -> None:
        """Records the images the model now sees (for later image references)."""
        for part in _image_parts(as_result(result)):
            if part["handle"]:
                trajectory.images.append(part["handle"])
                trajectory.sizes.append((part["width"] or 0, part["height"] or 0))


# ---------------------------------------------------------------------------------------------
# Skywork-R1V4: SkyworkAI/Skywork-R1V @ b806cef, r1v4/parse_utils.py (parse_full_response and its
# sample_response), r1v4/visual.py. The sandbox is closed: the prompt and where images go are Fovea's.

R1V4_SAMPLE_RESPONSE = """<think>
I need to identify the rightmost child in the image and determine the color of their skirt.
</think>
<tool_call>{"name": "code", "arguments": {"code": "print('hello')"}}</tool_call>
<observation>{"result": "hello", "type": "code"}</observation>
<think>
The cropped image shows the rightmost child clearly.
</think>
<answer>
The rightmost child has a red/orange colored skirt.
</answer>"""

R1V4_SYSTEM_PROMPT = """You are a helpful assistant that thinks with images. Think inside <think> and </think>. When you need to look closer at the image or compute something, write Python code and call the code tool:
<tool_call>{"name": "code", "arguments": {"code": "<python code>"}}</tool_call>
The code runs in a persistent Python session where the image is loaded as the PIL image `image` (also `image_1`, `image_2`, … for several images) and numpy (`np`), matplotlib.pyplot (`plt`), PIL's `Image`, `cv2`, `os`, `io` and `math` are imported. Print what you want to read; `plt.show()` returns the figure as an image. The result comes back as <observation>{"result": "<printed output>", "type": "code"}</observation>, followed by the images. When you are sure, give the final answer inside <answer> and </answer>."""
"""Fovea's wording (R1V4's own system prompt is not published); the call and observation shapes are
the toolkit's."""


class R1V4(Format):
    name = "r1v4"
    tool = "code"
    conventions = "r1v4"
    stop = ["</tool_call>"]
    continues = True
    code_names = ("code",)
    zoom_names = ()

    def system_prompt(self) -> str:
        return R1V4_SYSTEM_PROMPT

    def parse_calls(self, text: str) -> List[ToolCall]:
        # parse_utils.parse_full_response: re.findall(r"<tool_call>(.*?)</tool_call>", …, re.DOTALL)
        # then json.loads(tool_calls[i].strip()). The last call of a turn is the one to run.
        calls = re.findall(r"<tool_call>(.*?)</tool_call>", text, re.DOTALL)
        return [_call_from_json(calls[-1])] if calls else []

    def render(self, call, result, trajectory) -> Observation:
        result = as_result(result)
        parts = daemon_parts(result)
        text = "".join(part["text"] for part in parts if part["type"] == "text")
        if not text.startswith("{"):  # a sentence that never reached the sandbox: in the tool's JSON
            text = json.dumps({"result": text, "type": "code"}, ensure_ascii=False)
        # The sample: `</tool_call>\n<observation>{…}</observation>\n<think>`; images follow the tag.
        return Observation([_text("\n<observation>" + text + "</observation>")]
                           + [part for part in parts if part["type"] == "image"] + [_text("\n")],
                           role="assistant", is_error=result.is_error)


# ---------------------------------------------------------------------------------------------
# Qwen's <tool_call> JSON. Qwen-Agent (QwenLM/Qwen-Agent @ 31a4d36):
# qwen_agent/llm/fncall_prompts/nous_fncall_prompt.py (FN_CALL_TEMPLATE; a FUNCTION message becomes
# [ContentItem(text='<tool_response>\n')] + content + [ContentItem(text='\n</tool_response>')] in a
# user turn, consecutive ones joined by ContentItem(text='\n')); qwen_agent/tools/image_zoom_in_qwen3vl.py
# (the cookbook's image_zoom_in_tool: bbox_2d relative 0-1000, img_idx over the conversation's images,
# returns [ContentItem(image=<png path>)] and no text; errors [ContentItem(text=f'Tool Execution Error {e}')]).

FN_CALL_TEMPLATE = """# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{tool_descs}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{{"name": <function-name>, "arguments": <args-json-object>}}
</tool_call>"""

QWEN3VL_ZOOM_FUNCTION = {
    "name": "image_zoom_in_tool",
    "description": "Zoom in on a specific region of an image by cropping it based on a bounding box (bbox) and an optional object label",
    "parameters": {
        "type": "object",
        "properties": {
            "bbox_2d": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 4,
                "maxItems": 4,
                "description": "The bounding box of the region to zoom in, as [x1, y1, x2, y2], where (x1, y1) is the top-left corner and (x2, y2) is the bottom-right corner",
            },
            "label": {"type": "string", "description": "The name or label of the object in the specified bounding box"},
            "img_idx": {"type": "number", "description": "The index of the zoomed-in image (starting from 0)"},
        },
        "required": ["bbox_2d", "label", "img_idx"],
    },
}
"""``ImageZoomInToolQwen3VL.function`` (qwen_agent/tools/image_zoom_in_qwen3vl.py)."""

VERL_ZOOM_FUNCTION = {
    "name": "image_zoom_in_tool",
    "description": "Zoom in on a specific region of an image by cropping it based on a bounding box (bbox) and an optional object label.",
    "parameters": {
        "type": "object",
        "properties": {
            "bbox_2d": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 4,
                "maxItems": 4,
                "description": "The bounding box of the region to zoom in, as [x1, y1, x2, y2], where (x1, y1) is the top-left corner and (x2, y2) is the bottom-right corner.",
            },
            "label": {"type": "string", "description": "The name or label of the object in the specified bounding box (optional)."},
        },
        "required": ["bbox_2d"],
    },
}
"""verl's image_zoom_in_tool schema (volcengine/verl, recipe/deepeyes/configs/image_zoom_in_tool_config.yaml)."""

CODE_FUNCTION = {
    "name": "code_interpreter",
    "description": "Python code sandbox, which can be used to execute Python code.",
    "parameters": {
        "type": "object",
        "properties": {"code": {"description": "The python code.", "type": "string"}},
        "required": ["code"],
    },
}
"""Qwen-Agent's ``code_interpreter`` (qwen_agent/tools/code_interpreter.py)."""


def tool_descs(functions: List[dict]) -> str:
    """NousFnCallPrompt: ``'\\n'.join(json.dumps({'type': 'function', 'function': f}, ensure_ascii=False))``."""
    return "\n".join(json.dumps({"type": "function", "function": f}, ensure_ascii=False) for f in functions)


class Qwen3VL(Format):
    """Qwen3-VL with the Qwen-Agent cookbook's ``image_zoom_in_tool`` (and ``code_interpreter``)."""

    name = "qwen3-vl"
    coords = "rel1000"
    stop: List[str] = []   # the turn ends at <|im_end|>, the model's end of turn
    code_names = ("code_interpreter", "code", "python")
    conventions = "plain"
    functions = [QWEN3VL_ZOOM_FUNCTION]

    def __init__(self, with_code: bool = False, system_message: str = ""):
        self.system_message = system_message
        if with_code:
            self.functions = self.functions + [CODE_FUNCTION]

    def system_prompt(self) -> str:
        # NousFnCallPrompt.preprocess_fncall_messages: the system message's text, '\n\n', the tools.
        tools = FN_CALL_TEMPLATE.format(tool_descs=tool_descs(self.functions))
        return self.system_message + "\n\n" + tools if self.system_message else tools

    def parse_calls(self, text: str) -> List[ToolCall]:
        # NousFnCallPrompt.postprocess_fncall_messages: not inside <think>…</think>; each
        # <tool_call>…</tool_call>, json5-loaded (vLLM's and verl's hermes parser: json.loads).
        if "</think>" in text:
            text = text.split("</think>")[-1]
        return [_call_from_json(body) for body in re.findall(r"<tool_call>(.*?)</tool_call>", text, re.DOTALL)]

    def _zoom_image(self, arguments, trajectory) -> str:
        index = arguments.pop("img_idx", 0)
        try:
            index = int(index)
        except (TypeError, ValueError):
            raise CallError(f"img_idx must be an integer index of the conversation's images; received {index!r}")
        if not 0 <= index < len(trajectory.images):
            raise CallError(f"img_idx {index} is out of range: the conversation has {len(trajectory.images)} "
                            f"image{'s' if len(trajectory.images) != 1 else ''} (0 to {len(trajectory.images) - 1})")
        return trajectory.images[index]

    def _inner(self, call, result: ToolResult) -> List[dict]:
        if call is not None and call.name in self.code_names:
            return daemon_parts(result)
        if result.is_error:
            return [_text(result.text)]
        return _image_parts(result)  # Qwen-Agent's zoom returns the image alone

    def render(self, call, result, trajectory) -> Observation:
        result = as_result(result)
        return Observation([_text("<tool_response>\n")] + self._inner(call, result) + [_text("\n</tool_response>")],
                           is_error=result.is_error)

    def merge(self, observations):
        parts: List[dict] = []
        for index, observation in enumerate(observations):
            parts += ([_text("\n")] if index else []) + observation.parts
        return Observation(parts, "user", any(o.is_error for o in observations))


class Qwen25VL(Qwen3VL):
    """Qwen2.5-VL the way verl trains it: ``image_zoom_in_tool`` in pixels of the image
    (verl/tools/image_zoom_in_tool.py); verl's ToolAgentLoop (verl/experimental/agent_loop/
    tool_agent_loop.py ``_handle_processing_tools_state``) makes the tool message
    ``[{"type": "image"}, {"type": "text", "text": tool_response.text}]`` and the chat template
    wraps it in ``<tool_response>\\n`` … ``\\n</tool_response>`` in a user turn. The text is
    ImageZoomInTool's: ``Zoomed in on the image to the region {bbox_2d}.`` (``… with label
    {label}.``)."""

    name = "qwen2.5-vl"
    coords = "pixel"
    functions = [VERL_ZOOM_FUNCTION]

    def __init__(self, with_code: bool = False, system_message: str = "You are a helpful assistant."):
        super().__init__(with_code, system_message)

    def _zoom_image(self, arguments, trajectory) -> str:
        arguments.pop("img_idx", None)
        return Format._zoom_image(self, arguments, trajectory)

    def _inner(self, call, result: ToolResult) -> List[dict]:
        if call is not None and call.name in self.code_names:
            return daemon_parts(result)
        if result.is_error:
            return [_text(result.text)]
        return _image_parts(result) + [_text(verl_zoom_text(call.arguments if call else {}))]


def verl_zoom_text(arguments: dict) -> str:
    """verl/tools/image_zoom_in_tool.py ``ImageZoomInTool.execute``'s text."""
    bbox_2d, label = arguments.get("bbox_2d"), arguments.get("label", "")
    if label:
        return f"Zoomed in on the image to the region {bbox_2d} with label {label}."
    return f"Zoomed in on the image to the region {bbox_2d}."


# ---------------------------------------------------------------------------------------------
# DeepEyes: Visual-Agent/DeepEyes @ 6c5e796, eval/eval_vstar.py (the OpenAI-API harness):
# instruction_prompt_system, USER_PROMPT_V2; the call: response.split("<tool_call>")[1]
# .split("</tool_call>")[0].strip() then eval(); the observation: a user message
# [text "<tool_response>", the crop, text USER_PROMPT_V2, text "</tool_response>"]; "stop":
# ["<|im_end|>"]. Errors: verl/workers/agent/envs/mm_process_engine/visual_toolbox_v2.py
# (training): "\n<|im_start|>user\n" + f"Error: {str(e)}" + "<|im_end|>\n…", i.e. a user turn "Error: …".

DEEPEYES_SYSTEM_PROMPT = """You are a helpful assistant.

# Tools
You may call one or more functions to assist with the user query.
You are provided with function signatures within <tools></tools> XML tags:
<tools>
{"type":"function","function":{"name":"image_zoom_in_tool","description":"Zoom in on a specific region of an image by cropping it based on a bounding box (bbox) and an optional object label.","parameters":{"type":"object","properties":{"bbox_2d":{"type":"array","items":{"type":"number"},"minItems":4,"maxItems":4,"description":"The bounding box of the region to zoom in, as [x1, y1, x2, y2], where (x1, y1) is the top-left corner and (x2, y2) is the bottom-right corner."},"label":{"type":"string","description":"The name or label of the object in the specified bounding box (optional)."}},"required":["bbox"]}}}
</tools>

# How to call a tool
Return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call>

**Example**:  
<tool_call>  
{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [10, 20, 100, 200], "label": "the apple on the desk"}}  
</tool_call>"""

DEEPEYES_USER_PROMPT_V2 = "\nThink first, call **image_zoom_in_tool** if needed, then answer. Format strictly as:  <think>...</think>  <tool_call>...</tool_call> (if tools needed)  <answer>...</answer> "


class DeepEyes(Format):
    name = "deepeyes"
    coords = "pixel"
    stop = ["<|im_end|>"]

    def system_prompt(self) -> str:
        return DEEPEYES_SYSTEM_PROMPT

    def user_content(self, question, image_url, width, height, path=None):
        # instruction_prompt_before = "Question: {question}\nOptions: {options}\n" + USER_PROMPT_V2;
        # a question without options is sent as the question followed by USER_PROMPT_V2.
        return [{"type": "image_url", "image_url": {"url": image_url}},
                {"type": "text", "text": question + DEEPEYES_USER_PROMPT_V2}]

    def parse_calls(self, text: str) -> List[ToolCall]:
        if "<tool_call>" not in text:
            return []
        body = text.split("<tool_call>")[1].split("</tool_call>")[0].strip()
        return [_call_from_json(body)]

    def render(self, call, result, trajectory) -> Observation:
        result = as_result(result)
        if result.is_error:
            return Observation([_text(f"Error: {result.text}")], is_error=True)
        return Observation([_text("<tool_response>")] + _image_parts(result)
                           + [_text(DEEPEYES_USER_PROMPT_V2), _text("</tool_response>")])


# ---------------------------------------------------------------------------------------------
# DeepEyesV2: Visual-Agent/DeepEyesV2 @ 0373e6e, evaluation/VLMEvalKit/vlmeval/api/prompt.py
# (AGENT_CONFIG: system_prompt, user_template, stop_token ['</code>', '<|im_end|>']),
# evaluation/VLMEvalKit/vlmeval/api/vllm_api.py (generate_inner_agent: '</code>' appended when the
# stop cut it; the code: split on '<code>', '</code>', '```python', '```', each .strip();
# prepare_inputs_agent_turn: a user message [text return_template, images…]);
# reinforcement_learning/.../deepeyesv2/deepeyesv2.py (training: RETURN_CODE_PROMPT with one
# "<image>" per image, replaced by the images in the chat template). The daemon writes the text of
# the variant it runs (--code-deepeyesv2-variant); each "<image>" in it becomes its image here.

DEEPEYESV2_SYSTEM_PROMPT = """You are an agent - please keep going until the user's query is completely resolved, before ending your turn and yielding back to the user. Only terminate your turn when you are sure that the problem is solved.

Solve the following problem step by step. In your reasoning process, if the answer cannot be determined, you can write Python code in a Jupyter Notebook to process the image and extract more information from it. The stdout and stderr content, along with the images generated by `plt.show()` will be returned to better assist with the user query.

You MUST use the python tool to analyze or transform images whenever it could improve your understanding. This includes but is not limited to zooming in, rotating, adjusting contrast, computing statistics, or isolating features.

You MUST plan extensively before each function call, and reflect extensively on the outcomes of the previous function calls. DO NOT do this entire process by making function calls only, as this can impair your ability to solve the problem and think insightfully.

For all the provided images, in order, the i-th image has already been read into the global variable "image_i" using the "PIL.Image.open()" function. For example, the first image can be accessed as "image_1". When writing Python code, you can directly use these variables without needing to read them again.

Your python code should be enclosed within <code> </code> tag.
 
Example for calling Python code in Jupyter Notebook:
<code>
```python
# python code here
```
</code>

Note:
1. **python** can be called to analyze the image. **python** will respond with the output of the execution or time out after 300.0 seconds. 
2. Like jupyter notebook, you can use Python code to process the input image and use `plt.show()` to visualize processed images in your code.
3. All python code are running in the same jupyter notebook kernel, which means the functions and variables are automatically stored after code execution.
4. You program should always returns in finite time. Do not write infinite loop in your code.
5. Writing file to disk is not allowed.
"""

DEEPEYESV2_USER_TEMPLATE = """{question}\n\nYou must put your answer inside <answer> </answer> tags, i.e., <answer> answer here </answer>. Please reason step by step. Use Python code to process the image if necessary. Format strictly as <think> </think> <code> </code> (if code is needed) or <think> <think> <answer> </answer>."""


class DeepEyesV2(Format):
    name = "deepeyesv2"
    tool = "code"
    conventions = "deepeyesv2"
    stop = ["</code>", "<|im_end|>"]
    code_names = ("python",)
    zoom_names = ()

    def system_prompt(self) -> str:
        return DEEPEYESV2_SYSTEM_PROMPT

    def user_content(self, question, image_url, width, height, path=None):
        return [{"type": "image_url", "image_url": {"url": image_url}},
                {"type": "text", "text": DEEPEYESV2_USER_TEMPLATE.format(question=question)}]

    def complete(self, text, stop_reason=None):
        # generate_inner_agent: `if code_suffix not in agent_response: agent_response += code_suffix`
        if "<code>" in text and "</code>" not in text:
            return text + "</code>"
        return text

    def parse_calls(self, text: str) -> List[ToolCall]:
        if "<code>" not in text:
            return []
        code = text.split("<code>")[1].strip()
        code = code.split("</code>")[0].strip()
        if "```python" in code:
            code = code.split("```python")[1].strip()
        if "```" in code:
            code = code.split("```")[0].strip()
        return [ToolCall(name="python", arguments={"code": code}, raw=code)]

    def render(self, call, result, trajectory) -> Observation:
        result = as_result(result)
        parts = daemon_parts(result)
        images = [part for part in parts if part["type"] == "image"]
        out: List[dict] = []
        for part in parts:
            if part["type"] != "text":
                continue
            pieces = part["text"].split("<image>")
            for index, piece in enumerate(pieces):
                if piece:
                    out.append(_text(piece))
                if index < len(pieces) - 1 and images:
                    out.append(images.pop(0))
        return Observation(out + images, is_error=result.is_error)


# ---------------------------------------------------------------------------------------------
# PyVision: agents-x-project/PyVision @ d08b450, inference_engine/vis_inference_demo_gpt.py
# (evaluate_single_data: stop=["</code>"], the code response_text.split("```python")[-1]
# .split("```")[0].strip(); update_messages_with_code: the assistant turn is f"{generated}</code>\n";
# update_messages_with_execute_content: a user message [text f"<interpreter>\nText Result:\n{text}
# \nImage Result:\n", text "<image_clue_k>", image, text "</image_clue_k>", …, text
# "</interpreter>\n"], on error [text f"<interpreter>{error}", text "</interpreter>\n"]);
# prompt_template/prompt_template_vis.json "vistool_with_img_info_v2"; process_prompt_init.

PYVISION_PROMPT = "You are an agent - please keep going until the user\u2019s query is completely resolved, before ending your turn and yielding back to the user. Only terminate your turn when you are sure that the problem is solved. \n\nSolve the following problem step by step. You now have the ability to selectively write executable Python code to enhance your reasoning process. The Python code will be executed by an external sandbox. \n\nYou MUST plan extensively before each function call, and reflect extensively on the outcomes of the previous function calls. DO NOT do this entire process by making function calls only, as this can impair your ability to solve the problem and think insightfully.\n\nFor all the provided images, in order, the i-th image has already been read into the global variable `image_clue_i` using the PIL.Image.open() function. When writing Python code, you can directly use these variables without needing to read them again.\n\nSince you are dealing with the vision-related question answering task, you MUST use the python tool (e.g., matplotlib library) to analyze or transform images whenever it could improve your understanding or aid your reasoning. This includes but is not limited to zooming in, rotating, adjusting contrast, computing statistics, or isolating features. \n\nNote that when you use matplotlib to visualize data or further process images, you need to use plt.show() to display these images; there is no need to save them. Do not use image processing libraries like cv2 or PIL. If you want to check the value of a variable, you MUST use print() to check it.\n\nThe output (wrapped in `<interpreter>output_str</interpreter>`) can be returned to aid your reasoning and help you arrive at the final answer. The Python code should be complete scripts, including necessary imports. \nEach code snippet is wrapped with `<code>\n```python\ncode snippet\n```\n</code>`.\nThe last part of your response should be in the following format:\n<answer>\n\\boxed{{'The final answer goes here.'}}\n</answer>\n\n*image resolution:*\n\nImage Width: {width}; Image Height: {height}\n\n*user question:*\nAnswer the following Problem with an image provided and put the answer in the format of \\boxed{{answer}}\n\n{query}\n\nRemember to place the final answer in the last part using the format: \n<answer>\n\\boxed{{'The final answer goes here.'}}\n</answer>"
"""``vistool_with_img_info_v2`` (a ``str.format`` template: ``query``, ``width``, ``height``)."""


class PyVision(Format):
    name = "pyvision"
    tool = "code"
    conventions = "pyvision"
    stop = ["</code>"]
    code_names = ("python",)
    zoom_names = ()

    def user_content(self, question, image_url, width, height, path=None):
        return [{"type": "text", "text": "<image_clue_0>"}, {"type": "image_url", "image_url": {"url": image_url}},
                {"type": "text", "text": "</image_clue_0>\n\n"},
                {"type": "text", "text": PYVISION_PROMPT.format(query=question, width=str(width), height=str(height))}]

    def complete(self, text, stop_reason=None):
        # update_messages_with_code: f"{generated_content}</code>\n" (only when it stopped at </code>)
        if stop_reason == "</code>" and not text.endswith("</code>"):
            return text + "</code>\n"
        return text

    def parse_calls(self, text: str) -> List[ToolCall]:
        if not text.rstrip().endswith("</code>"):
            return []  # the harness runs code only when generation stopped at </code>
        code = text.split("```python")[-1].split("```")[0].strip()
        return [ToolCall(name="python", arguments={"code": code}, raw=code)]

    def render(self, call, result, trajectory) -> Observation:
        result = as_result(result)
        parts = daemon_parts(result)
        if parts and parts[0]["type"] == "text":
            parts = [_text("<interpreter>" + parts[0]["text"])] + parts[1:]
        else:
            parts = [_text("<interpreter>")] + parts
        return Observation(parts + [_text("</interpreter>\n")], is_error=result.is_error)


# ---------------------------------------------------------------------------------------------
# Thyme: yfzhang114/Thyme @ b9285b7, eval/VLMEvalKit/vlmeval/vlm/thyme/utils.py (REASONING_SYS_PROMPT,
# generate_prompt_final_qa, SPECIAL_STRING_LIST = ["</code>", "</answer>"] as generation stop strings,
# which stay in the text); model.py generate_inner_transformers (code_regex; the observation is
# appended to the assistant turn: [text "<sandbox_output>", an image per existing path — or the first
# entry as text —, text "</sandbox_output>"], and generation continues that turn).

THYME_SYSTEM_PROMPT = '''You are a helpful assistant.

Solve the following problem step by step, and optionally write Python code for image manipulation to enhance your reasoning process. The Python code will be executed by an external sandbox, and the processed image or result (wrapped in <sandbox_output></sandbox_output>) can be returned to aid your reasoning and help you arrive at the final answer.

**Reasoning & Image Manipulation (Optional but Encouraged):**
    * You have the capability to write executable Python code to perform image manipulations (e.g., cropping to a Region of Interest (ROI), resizing, rotation, adjusting contrast) or perform calculation for better reasoning.
    * The code will be executed in a secure sandbox, and its output will be provided back to you for further analysis.
    * All Python code snippets **must** be wrapped as follows:
    <code>
    ```python
    # your code.
    ```
    </code>
    * At the end of the code, print the path of the processed image (processed_path) or the result for further processing in a sandbox environment.'''


def thyme_user_prompt(question: str, path: str, width: int, height: int) -> str:
    """generate_prompt_final_qa (its leading "<image>\\n" is where the image part goes)."""
    return f"""<image>
{question}

### User Image Path:** "{path}"
### User Image Size:** "{width}x{height}"

### **Output Format (strict adherence required):**

<think>Your detailed reasoning process, including any code, should go here.</think>
<answer>Your final answer to the user's question goes here.</answer>
"""


class Thyme(Format):
    name = "thyme"
    tool = "code"
    conventions = "thyme"
    stop = ["</code>", "</answer>"]
    continues = True
    code_names = ("python",)
    zoom_names = ()
    _code = re.compile(r"<code>\s*(?:```\s*)?(?:python\s*)?([\s\S]*?)\s*(?:```\s*)?</code>", re.IGNORECASE)

    def system_prompt(self) -> str:
        return THYME_SYSTEM_PROMPT

    def user_content(self, question, image_url, width, height, path=None):
        text = thyme_user_prompt(question, path or "image.jpg", width, height)
        return [{"type": "image_url", "image_url": {"url": image_url}},
                {"type": "text", "text": text[len("<image>"):]}]

    def parse_calls(self, text: str) -> List[ToolCall]:
        if "</answer>" in text:
            return []
        match = self._code.search(text)
        return [ToolCall(name="python", arguments={"code": match.group(1).strip()}, raw=match.group(1))] if match else []

    def render(self, call, result, trajectory) -> Observation:
        result = as_result(result)
        return Observation([_text("<sandbox_output>")] + daemon_parts(result) + [_text("</sandbox_output>")],
                           role="assistant", is_error=result.is_error)


# ---------------------------------------------------------------------------------------------
# Mini-o3: Mini-o3/Mini-o3 @ 8654dbf, verl/trainer/constants.py (TOOL_CROP_SYSTEM_PROMPT,
# TOOL_CALL_CROP_MULTI_TRUN_PROMPT, ERROR_INFO_MULTI_TURN_PROMPT); verl/workers/rollout/vllm_rollout/
# vllm_rollout_spmd.py (stop '</grounding>' kept in the output; the call read with the pattern
# ".*<grounding>{\"bbox_2d\": (.*),.*\"source\": [\',\"](.*)[\',\"]}</grounding>" and eval(bbox);
# the observation "<|im_start|>user\n" + TOOL_CALL_CROP_MULTI_TRUN_PROMPT.format(action_turn=
# current_iteration, observation_turn=current_iteration+1), its image token replaced by the crop;
# an error: "ERROR occurs during grounding. Error Information: {error_info}.\n" +
# ERROR_INFO_MULTI_TURN_PROMPT); function_tools.py (source 'original_image' is observation 0,
# 'observation_i' observation i; relative coordinates with use_relative_coordinates=True, as the
# README's command line sets).

MINIO3_SYSTEM_PROMPT = """You are a helpful assistant. Answer the user's question based on the image provided. Output your thinking process within the <think> and </think> tags. Whenever you find anything unclear, you can zoom in a specific region in the given image to see more clearly by outputing <grounding>{\"bbox_2d\": [x0, y0, x1, y1], \"source\": \"original_image\"}</grounding>, where (x0, y0) and (x1, y1) are the top-left and bottom-right coordinates of the region that you want to zoom in, respectively (suppose the width and height of the image are 1.0), and 'source' refers to the image that you zoom in and could be either 'original_image' or 'observation_i'. Once the final answer is confirmed, put it within <answer> and </answer>."""

MINIO3_OBSERVATION_PROMPT = "After the above Action {action_turn}, here is the the zoom-in image (Observation {observation_turn}):\n<|vision_start|><|image_pad|><|vision_end|>.\nContinue your reasoning process inside <think> and </think>. If needed, you can continue to zoom in on the original image or any of the observations, by outputting <grounding> and </grounding> as before. If the final answer is confirmed, put your final answer inside <answer> and </answer>."

MINIO3_ERROR_PROMPT = "Please analyze the error information obtained from the function tool and adjust your response. Countinue your reasoning process inside <think> and </think>."

QWEN_IMAGE_TOKEN = "<|vision_start|><|image_pad|><|vision_end|>"


class MiniO3(Format):
    name = "mini-o3"
    coords = "norm"
    stop = ["</grounding>"]
    zoom_names = ("grounding",)
    _call = re.compile(".*<grounding>{\"bbox_2d\": (.*),.*\"source\": [',\"](.*)[',\"]}</grounding>", re.DOTALL)

    def system_prompt(self) -> str:
        return MINIO3_SYSTEM_PROMPT

    def parse_calls(self, text: str) -> List[ToolCall]:
        if not re.findall(r"<grounding>(.*?)</grounding>", text, re.DOTALL):
            return []
        match = self._call.match(text)
        if match is None:
            raise CallError("'NoneType' object has no attribute 'group'")  # what the harness's error says
        try:
            bbox = ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError) as error:
            raise CallError(str(error))
        return [ToolCall(name="grounding", arguments={"bbox_2d": bbox, "source": match.group(2)}, raw=match.group(0))]

    def _zoom_image(self, arguments, trajectory) -> str:
        source = str(arguments.pop("source", "original_image"))
        if source == "original_image":
            index = 0
        else:
            match = re.match("observation_([0-9]*)", source, re.DOTALL)
            try:
                index = int(match.group(1))
            except Exception:
                raise CallError(f"The 'source' argument \"{source}\" does not match the pattern 'observation_([0-9]*)'.")
        if index >= len(trajectory.observations):
            raise CallError(f"Error in predicting the source observation: \"{source}\".")
        return trajectory.observations[index]

    def render(self, call, result, trajectory) -> Observation:
        result = as_result(result)
        if result.is_error:
            return Observation([_text(f"ERROR occurs during grounding. Error Information: {result.text}.\n"
                                      + MINIO3_ERROR_PROMPT)], is_error=True)
        before, after = MINIO3_OBSERVATION_PROMPT.format(action_turn=trajectory.turn,
                                                          observation_turn=trajectory.turn + 1).split(QWEN_IMAGE_TOKEN)
        return Observation([_text(before)] + _image_parts(result) + [_text(after)])

    def after(self, call, result, trajectory) -> None:
        super().after(call, result, trajectory)
        result = as_result(result)
        if not result.is_error and result.image:
            trajectory.observations.append(result.image)


# ---------------------------------------------------------------------------------------------
# Pixel-Reasoner: TIGER-AI-Lab/Pixel-Reasoner @ a3a6c3a, curiosity_driven_rl/openrlhf/trainer/
# ppo_utils/experience_maker.py (CropImageNormalized / SelectFrames: the tools; get_prompt_from_messages:
# Qwen-Agent's NousFnCallPrompt with system "You are a helpful assistant."; parse_last_tool:
# json.loads(text.split('<tool_call>')[-1].split('</tool_call>')[0]), only when the turn ends with
# '</tool_call>'; crop_image_normalized: padding 0.1 of the image added on every side, clamped to
# [0, 1], values >= 1 taken as pixels; the observation: a user message [text "\nHere is the cropped
# image (Image Size: {w}x{h}):", image], an error [text f"\nExecution error:\n{error_info}\n"]).

PIXEL_REASONER_FUNCTIONS = [
    {"name": "crop_image_normalized",
     "description": "Zoom in on the image based on the bounding box coordinates. It is useful when the object or text in the image is too small to be seen.",
     "parameters": {"type": "object", "properties": {
         "bbox_2d": {"type": "array", "description": "coordinates for bounding box of the area you want to zoom in. Values should be within [0.0,1.0].",
                     "items": {"type": "number"}},
         "target_image": {"type": "number", "description": "The index of the image to crop. Index from 1 to the number of images. Choose 1 to operate on original image."}},
         "required": ["bbox_2d", "target_image"]}},
    {"name": "select_frames",
     "description": "Select frames from a video.",
     "parameters": {"type": "object", "properties": {
         "target_frames": {"type": "array", "description": "List of frame indices to select from the video (no more than 8 frames in total).",
                           "items": {"type": "integer", "description": "Frame index from 1 to 16."}}},
         "required": ["target_frames"]}},
]


class PixelReasoner(Format):
    name = "pixel-reasoner"
    coords = "norm"
    stop: List[str] = []  # ['<|im_end|>', …]: the model's end of turn
    zoom_names = ("crop_image_normalized",)
    padding = 0.1

    def system_prompt(self) -> str:
        return "You are a helpful assistant." + "\n\n" + FN_CALL_TEMPLATE.format(tool_descs=tool_descs(PIXEL_REASONER_FUNCTIONS))

    def parse_calls(self, text: str) -> List[ToolCall]:
        tail = text[-len("</tool_call>") - 10:] if len(text) > len("</tool_call>") + 10 else text
        if not tail.rstrip().endswith("</tool_call>"):
            return []
        return [_call_from_json(text.split("<tool_call>")[-1].split("</tool_call>")[0])]

    def fovea_call(self, call, trajectory):
        if call.name == "select_frames":
            raise CallError("Execution Error: You attempted to `select_frames` from **image** not **video**. "
                            "You should use `crop_image_normalized` instead for inspecting **image**.")
        tool, arguments = super().fovea_call(call, trajectory)
        bbox = arguments["bbox_2d"]
        if not (isinstance(bbox, (list, tuple)) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox)):
            return tool, arguments  # Fovea's sentence says what is wrong
        index = trajectory.images.index(arguments["image"])
        width, height = trajectory.sizes[index]
        if not all(v < 1 for v in bbox):  # pixels, as the harness reads values >= 1
            bbox = [bbox[0] / width, bbox[1] / height, bbox[2] / width, bbox[3] / height]
        pad = self.padding
        padded = [bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad]
        arguments["bbox_2d"] = [min(max(0.0, float(v)), 1.0) for v in padded]
        return tool, arguments

    def _zoom_image(self, arguments, trajectory) -> str:
        target = arguments.pop("target_image", 1)
        try:
            index = int(target) - 1
        except (TypeError, ValueError):
            raise CallError(f"Execution Error: Incorrect `target_image` argument in `crop_image_normalized` operation. "
                            f"You can only pick an image within [1,{len(trajectory.images)}]")
        if not 0 <= index < len(trajectory.images):
            raise CallError(f"Execution Error: Incorrect `target_image` argument in `crop_image_normalized` operation. "
                            f"You can only pick an image within [1,{len(trajectory.images)}]")
        return trajectory.images[index]

    def render(self, call, result, trajectory) -> Observation:
        result = as_result(result)
        if result.is_error:
            return Observation([_text(f"\nExecution error:\n{result.text}\n")], is_error=True)
        images = _image_parts(result)
        width, height = result.structured.get("width"), result.structured.get("height")
        return Observation([_text(f"\nHere is the cropped image (Image Size: {width}x{height}):")] + images)


FORMATS: Dict[str, type] = {
    "r1v4": R1V4,
    "qwen3-vl": Qwen3VL,
    "qwen2.5-vl": Qwen25VL,
    "deepeyes": DeepEyes,
    "deepeyesv2": DeepEyesV2,
    "pyvision": PyVision,
    "thyme": Thyme,
    "mini-o3": MiniO3,
    "pixel-reasoner": PixelReasoner,
}

PRESETS = {"qwen3-vl": "qwen3-vl", "qwen2.5-vl": "qwen2.5-vl", "deepeyes": "deepeyes", "mini-o3": "mini-o3",
           "pixel-reasoner": "pixel-reasoner"}
"""The daemon ``--preset`` whose output sizing a zoom family expects (``fovea serve --preset``)."""


def get_format(name: str, **options) -> Format:
    """A format by name (``r1v4``, ``qwen3-vl``, ``qwen2.5-vl``, ``deepeyes``, ``deepeyesv2``,
    ``pyvision``, ``thyme``, ``mini-o3``, ``pixel-reasoner``)."""
    try:
        return FORMATS[name](**options)
    except KeyError:
        raise ValueError(f"unknown format {name!r}; formats: {', '.join(FORMATS)}") from None
