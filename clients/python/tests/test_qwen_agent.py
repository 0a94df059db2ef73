"""fovea_client.qwen_agent_tools in the real Qwen-Agent (pip install qwen-agent): the tools are found
in its TOOL_REGISTRY under the cookbook's names, and a real FnCallAgent run — its own <tool_call>
parsing and message conversion, against a scripted OpenAI-compatible server on loopback — gets
image content items from a real daemon."""

from __future__ import annotations

import importlib.util
import math
import os

import pytest

if importlib.util.find_spec("qwen_agent") is None:  # installed but broken is a failure, not a skip
    pytest.skip("qwen-agent is not installed (run_tests.sh installs it)", allow_module_level=True)

from fovea_client import qwen_agent_tools  # noqa: E402

from qwen_agent.llm.fncall_prompts.nous_fncall_prompt import NousFnCallPrompt  # noqa: E402
from qwen_agent.llm.schema import ContentItem, Message  # noqa: E402
from qwen_agent.tools import TOOL_REGISTRY  # noqa: E402
from qwen_agent.tools.code_interpreter import CodeInterpreter  # noqa: E402
from qwen_agent.tools.image_zoom_in_qwen3vl import ImageZoomInToolQwen3VL  # noqa: E402

from conftest import gradient_image, noise_image  # noqa: E402
from fovea_client.formats import PIXEL_REASONER_FUNCTIONS, get_format  # noqa: E402
from scripted_server import ScriptedModel  # noqa: E402


def test_the_tools_are_in_qwen_agents_registry_under_the_cookbooks_names():
    assert TOOL_REGISTRY["image_zoom_in_tool"] is qwen_agent_tools.FoveaImageZoomInTool
    assert TOOL_REGISTRY["code_interpreter"] is qwen_agent_tools.FoveaCodeInterpreter
    # the same schema as the tool it replaces, so the model's prompt does not change
    assert qwen_agent_tools.FoveaImageZoomInTool.parameters == ImageZoomInToolQwen3VL.parameters
    assert qwen_agent_tools.FoveaImageZoomInTool.description == ImageZoomInToolQwen3VL.description
    assert qwen_agent_tools.FoveaCodeInterpreter.parameters == CodeInterpreter.parameters
    assert qwen_agent_tools.FoveaCodeInterpreter.description == CodeInterpreter.description


def test_the_qwen3vl_format_prompt_is_the_one_qwen_agent_builds():
    """formats.Qwen3VL.system_prompt() against NousFnCallPrompt.preprocess_fncall_messages itself."""
    function = ImageZoomInToolQwen3VL({"work_dir": "/tmp"}).function
    for system in ("", "Use tools to answer."):
        messages = ([Message("system", [ContentItem(text=system)])] if system else []) + [Message("user", [ContentItem(text="q")])]
        built = NousFnCallPrompt().preprocess_fncall_messages(messages=messages, functions=[function], lang="en")
        assert built[0].role == "system"
        assert get_format("qwen3-vl", system_message=system).system_prompt() == "".join(item.text for item in built[0].content)
    messages = [Message("system", [ContentItem(text="You are a helpful assistant.")]), Message("user", [ContentItem(text="q")])]
    built = NousFnCallPrompt().preprocess_fncall_messages(messages=messages, functions=PIXEL_REASONER_FUNCTIONS, lang=None)
    assert get_format("pixel-reasoner").system_prompt() == "".join(item.text for item in built[0].content)


def psnr(a, b):
    import numpy as np

    difference = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    mse = float((difference ** 2).mean())
    return math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def agent_for(model, daemon, work_dir, tools=("image_zoom_in_tool",)):
    from qwen_agent.agents import FnCallAgent

    llm = {"model_type": "qwenvl_oai", "model": "scripted-vlm", "model_server": model.base_url, "api_key": "EMPTY",
           "generate_cfg": {"max_retries": 0}}
    return FnCallAgent(function_list=[{"name": name, "socket": daemon.socket_path, "work_dir": str(work_dir)} for name in tools],
                       llm=llm, system_message="")


def test_a_qwen_agent_run_zooms_through_fovea(daemon, tmp_path):
    """The cookbook's flow: the model calls image_zoom_in_tool, Qwen-Agent runs our tool, the
    function message holds ContentItem(image=<png in work_dir>) — the same crop and size as
    Qwen-Agent's own ImageZoomInToolQwen3VL makes (PSNR ≥ 40 dB: Pillow's bicubic vs Fovea's)."""
    from PIL import Image

    picture = tmp_path / "hopinn.png"
    picture.write_bytes(gradient_image(1000, 750, seed=5))
    call = ('<tool_call>\n{"name": "image_zoom_in_tool", "arguments": {"label": "main hanging sign", '
            '"bbox_2d": [574, 301, 660, 468], "img_idx": 0}}\n</tool_call>')
    second = call.replace("[574, 301, 660, 468]", "[100, 100, 900, 900]").replace('"img_idx": 0', '"img_idx": 1')
    messages = [{"role": "user", "content": [{"image": str(picture)}, {"text": "Where was the picture taken?"}]}]
    puts = daemon.puts()
    with ScriptedModel(["I will zoom in on the sign.\n\n" + call, "Closer.\n\n" + second, "It is the Hop Inn."]) as model:
        agent = agent_for(model, daemon, tmp_path / "work")
        response = list(agent.run(messages))[-1]
    # the picture is put once; the zoom the second call crops is the daemon's own result, not put again
    assert daemon.puts() - puts == 1
    functions = [m for m in response if m["role"] == "function"]
    assert [f["name"] for f in functions] == ["image_zoom_in_tool", "image_zoom_in_tool"]
    first_path = functions[0]["content"][0]["image"]
    assert os.path.dirname(first_path) == str(tmp_path / "work") and os.path.exists(first_path)
    assert response[-1]["content"] == "It is the Hop Inn."

    ours = Image.open(first_path).convert("RGB")
    theirs = ImageZoomInToolQwen3VL({"work_dir": str(tmp_path / "theirs")}).call(
        '{"bbox_2d": [574, 301, 660, 468], "label": "main hanging sign", "img_idx": 0}',
        messages=[Message("user", [ContentItem(image=str(picture))])])
    reference = Image.open(theirs[0].image).convert("RGB")
    assert ours.size == reference.size
    assert psnr(ours, reference) >= 40

    # img_idx 1 is the first zoom (the conversation's second image): the second crop is of it, as
    # Qwen-Agent's own tool crops it; the same box on the original (img_idx 0) looks nothing alike
    second_ours = Image.open(functions[1]["content"][0]["image"]).convert("RGB")
    conversation = [Message("user", [ContentItem(image=str(picture))]), Message("function", [ContentItem(image=first_path)])]
    crops = {index: Image.open(ImageZoomInToolQwen3VL({"work_dir": str(tmp_path / "theirs")}).call(
        {"bbox_2d": [100, 100, 900, 900], "label": "main hanging sign", "img_idx": index},
        messages=conversation)[0].image).convert("RGB") for index in (0, 1)}
    assert second_ours.size == crops[1].size
    assert psnr(second_ours, crops[1]) >= 40
    assert crops[0].size != crops[1].size  # so a crop of the wrong image would fail the size check
    # the model was sent the zoom inside <tool_response>, as Qwen-Agent's nous prompt does
    sent = model.requests[1]["messages"][-1]["content"]
    assert [part["type"] for part in sent] == ["text", "image_url", "text"]
    assert sent[0]["text"] == "<tool_response>\n" and sent[2]["text"] == "\n</tool_response>"
    assert sent[1]["image_url"]["url"].startswith("data:image/jpeg;base64,")


def test_a_bad_box_is_a_tool_execution_error_with_fovea_s_sentence(daemon, tmp_path):
    picture = tmp_path / "p.png"
    picture.write_bytes(noise_image(200, 150, seed=3001))
    tool = TOOL_REGISTRY["image_zoom_in_tool"]({"socket": daemon.socket_path, "work_dir": str(tmp_path / "work")})
    items = tool.call({"bbox_2d": [600, 40, 200, 90], "label": "x", "img_idx": 0},
                      messages=[Message("user", [ContentItem(image=f"file://{picture}")])])
    assert [item.text for item in items] == [
        "Tool Execution Error bbox_2d [600, 40, 200, 90] is invalid: x2 (200) must be greater than x1 (600)"]
    items = tool.call({"bbox_2d": [0, 0, 10, 10], "label": "x", "img_idx": 3},
                      messages=[Message("user", [ContentItem(image=str(picture))])])
    assert items[0].text.startswith("Error: Invalid input image")


def test_the_code_interpreter_returns_text_and_images_and_keeps_its_session(daemon, code_available, tmp_path):
    picture = tmp_path / "chart.png"
    picture.write_bytes(noise_image(160, 120, seed=3002))
    tool = TOOL_REGISTRY["code_interpreter"]({"socket": daemon.socket_path, "work_dir": str(tmp_path / "work")})
    messages = [Message("user", [ContentItem(image=str(picture)), ContentItem(text="How big is it?")])]
    first = tool.call({"code": "size = image_1.size\nprint(size)"}, messages=messages)
    second = tool.call({"code": "import matplotlib.pyplot as plt\nplt.imshow(image_1)\nplt.show()\nsize[0] * 2"},
                       messages=messages)
    tool.close()
    assert [item.text for item in first] == ["(160, 120)\n"]
    assert [item.type for item in second] == ["text", "image"]
    assert second[0].text == "320\n" and os.path.exists(second[1].image)
