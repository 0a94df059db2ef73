"""fovea_client.formats: for each family, a model turn written after the family's published prompt
and examples is parsed, run through a real daemon, and its observation compared with what the
family's harness builds — each expectation below is rebuilt from the harness source it quotes
(repository @ commit, file, function), not from fovea_client."""

from __future__ import annotations

import io
import json
import re

import pytest

from conftest import gradient_image, noise_image
from fovea_client import Fovea
from fovea_client.formats import CallError, Trajectory, daemon_parts, get_format
from r1v4_parse import parse_full_response


@pytest.fixture(scope="module")
def fovea(daemon):
    with Fovea(daemon.socket_path) as client:
        yield client


@pytest.fixture(scope="module")
def photo(fovea):
    data = gradient_image(800, 600, seed=3)
    put = fovea.request("images/put", {"data": __import__("base64").b64encode(data).decode()})
    return put


def trajectory_for(photo, session=None, path="demo.png"):
    trajectory = Trajectory(session=session)
    trajectory.add_input(photo["image"], photo["width"], photo["height"], path)
    return trajectory


def run(fovea, fmt, text, trajectory, stop_reason=None):
    """What the agent loop does with one model turn: complete, parse, call Fovea, render."""
    text = fmt.complete(text, stop_reason)
    calls = fmt.parse_calls(text)
    assert len(calls) == 1, calls
    tool, arguments = fmt.fovea_call(calls[0], trajectory)
    result = fovea.call_tool(tool, raise_on_error=False, **arguments)
    observation = fmt.render(calls[0], result, trajectory)
    fmt.after(calls[0], result, trajectory)
    return text, calls[0], tool, arguments, result, observation


def image_part(result, index=0):
    data, mime = result.encoded_images[index]
    return data, mime


def shape(parts):
    """Parts with images reduced to their base64 data, for exact comparison."""
    return [("text", p["text"]) if p["type"] == "text" else ("image", p["data"]) for p in parts]


# --- Skywork-R1V4 ------------------------------------------------------------------------------

def test_r1v4_sample_response_round_trips(fovea, photo, code_available):
    """r1v4/parse_utils.py's sample_response: its call parsed and run; the observation Fovea renders
    is the sample's `<observation>{"result": "hello", "type": "code"}</observation>`, so the turn
    text + observation + the model's next turn is the sample, byte for byte, and
    parse_full_response reads it as the toolkit does."""
    fmt = get_format("r1v4")
    sample = fmt.__class__.__module__ and __import__("fovea_client.formats", fromlist=["x"]).R1V4_SAMPLE_RESPONSE
    first_turn = sample[:sample.index("</tool_call>")]  # what the server returns: the stop string cut off
    text, call, tool, arguments, result, observation = run(fovea, fmt, first_turn,
                                                            trajectory_for(photo, "r1v4-sample"), "</tool_call>")
    assert call.name == "code" and call.arguments == {"code": "print('hello')"}
    assert tool == "code" and arguments["conventions"] == "r1v4" and arguments["session"] == "r1v4-sample"
    assert observation.role == "assistant" and not observation.images
    rest = sample[sample.index("</observation>") + len("</observation>\n"):]
    assert text + observation.text + rest == sample
    parsed = parse_full_response(text + observation.text + rest)
    assert parsed["rounds"][0]["observation"] == {"result": "hello", "type": "code"}
    assert parsed["rounds"][0]["tool_call"] == {"name": "code", "arguments": {"code": "print('hello')"}}
    assert parsed["final_round"]["answer"] == "The rightmost child has a red/orange colored skirt."
    fovea.request("sessions/close", {"session": "r1v4-sample"})


def test_r1v4_figure_follows_the_observation_tag(fovea, photo, code_available):
    fmt = get_format("r1v4")
    turn = ('<think>\nLet me look at the left half.\n</think>\n<tool_call>{"name": "code", "arguments": {"code": '
            + json.dumps("w, h = image.size\nplt.imshow(image.crop((0, 0, w // 2, h)))\nplt.show()\nprint(w, h)")
            + '}}</tool_call>')
    text, call, _, _, result, observation = run(fovea, fmt, turn, trajectory_for(photo, "r1v4-figure"))
    assert [p["type"] for p in observation.parts] == ["text", "image", "text"]
    assert observation.parts[1]["data"] == image_part(result)[0]
    tag = observation.parts[0]["text"]
    assert tag.startswith("\n<observation>") and tag.endswith("</observation>")
    assert json.loads(tag[len("\n<observation>"):-len("</observation>")]) == {"result": "800 600", "type": "code"}
    fovea.request("sessions/close", {"session": "r1v4-figure"})


def test_r1v4_error_is_the_traceback_in_the_tool_json(fovea, photo, code_available):
    fmt = get_format("r1v4")
    turn = '<tool_call>{"name": "code", "arguments": {"code": "x = 1 / 0"}}</tool_call>'
    _, _, _, _, result, observation = run(fovea, fmt, turn, trajectory_for(photo, "r1v4-error"))
    body = json.loads(observation.text.strip()[len("<observation>"):-len("</observation>")])
    assert observation.is_error and body["type"] == "code"
    assert body["result"].endswith("ZeroDivisionError: division by zero")
    fovea.request("sessions/close", {"session": "r1v4-error"})


# --- Qwen3-VL (Qwen-Agent cookbook) ---------------------------------------------------------------

QWEN3VL_TURN = """<think>
The building is a pub called the "Hop Inn". I will zoom in on the main hanging sign to read the details.
</think>

<tool_call>
{"name": "image_zoom_in_tool", "arguments": {"label": "main hanging sign for Hop Inn", "bbox_2d": [574, 301, 660, 468], "img_idx": 0}}
</tool_call>"""
"""After examples/cookbook_think_with_images.ipynb (QwenLM/Qwen-Agent @ 31a4d36): its first call."""


def test_qwen3vl_zoom_observation_is_the_image_in_tool_response(fovea, photo):
    """nous_fncall_prompt.py: a FUNCTION message becomes [ContentItem(text='<tool_response>\\n')] +
    content + [ContentItem(text='\\n</tool_response>')]; image_zoom_in_qwen3vl.py returns
    [ContentItem(image=output_path)] — the image alone."""
    fmt = get_format("qwen3-vl")
    _, call, tool, arguments, result, observation = run(fovea, fmt, QWEN3VL_TURN, trajectory_for(photo))
    assert call.arguments == {"label": "main hanging sign for Hop Inn", "bbox_2d": [574, 301, 660, 468], "img_idx": 0}
    assert tool == "zoom" and arguments == {"image": photo["image"], "bbox_2d": [574, 301, 660, 468],
                                            "coords": "rel1000", "label": "main hanging sign for Hop Inn"}
    assert shape(observation.parts) == [("text", "<tool_response>\n"), ("image", image_part(result)[0]),
                                        ("text", "\n</tool_response>")]
    assert observation.role == "user"
    assert result.structured["bbox_px"] == [459, 181, 528, 281]  # 574/1000·800 = 459.2 …


def test_qwen3vl_img_idx_indexes_every_image_of_the_conversation(fovea, photo):
    """extract_images_from_messages collects the images of every message, tool responses included:
    img_idx 1 is the first zoom's result."""
    fmt = get_format("qwen3-vl")
    trajectory = trajectory_for(photo)
    _, _, _, _, first, _ = run(fovea, fmt, QWEN3VL_TURN, trajectory)
    second = QWEN3VL_TURN.replace('"img_idx": 0', '"img_idx": 1').replace("[574, 301, 660, 468]", "[0, 0, 500, 500]")
    _, _, _, arguments, result, _ = run(fovea, fmt, second, trajectory)
    assert arguments["image"] == first.image
    assert result.structured["source"]["image"] == first.image
    third = QWEN3VL_TURN.replace('"img_idx": 0', '"img_idx": 7')
    with pytest.raises(CallError, match="img_idx 7 is out of range: the conversation has 3 images"):
        fmt.fovea_call(fmt.parse_calls(third)[0], trajectory)


def test_qwen3vl_error_and_two_calls_in_one_turn(fovea, photo):
    fmt = get_format("qwen3-vl")
    trajectory = trajectory_for(photo)
    turn = QWEN3VL_TURN + "\n" + QWEN3VL_TURN.split("</think>")[1].replace("[574, 301, 660, 468]", "[600, 40, 200, 90]")
    calls = fmt.parse_calls(turn)
    assert len(calls) == 2
    observations = []
    for call in calls:
        tool, arguments = fmt.fovea_call(call, trajectory)
        observations.append(fmt.render(call, fovea.call_tool(tool, raise_on_error=False, **arguments), trajectory))
    merged = fmt.merge(observations)
    texts = [p["text"] for p in merged.parts if p["type"] == "text"]
    assert texts == ["<tool_response>\n", "\n</tool_response>", "\n", "<tool_response>\n",
                     "bbox_2d [600, 40, 200, 90] is invalid: x2 (200) must be greater than x1 (600)", "\n</tool_response>"]
    assert merged.is_error and len(merged.images) == 1


def test_qwen25vl_verl_tool_text_follows_the_image(fovea, photo):
    """verl tool_agent_loop.py: content [{"type": "image"}, {"type": "text", "text": tool_response.text}];
    image_zoom_in_tool.py: f"Zoomed in on the image to the region {bbox_2d} with label {label}."."""
    fmt = get_format("qwen2.5-vl")
    turn = '<tool_call>\n{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [226, 399, 265, 464], "label": "white van"}}\n</tool_call>'
    _, _, _, arguments, result, observation = run(fovea, fmt, turn, trajectory_for(photo))
    assert arguments["coords"] == "pixel" and result.structured["bbox_px"][0] <= 226
    assert shape(observation.parts) == [
        ("text", "<tool_response>\n"), ("image", image_part(result)[0]),
        ("text", "Zoomed in on the image to the region [226, 399, 265, 464] with label white van."),
        ("text", "\n</tool_response>")]


# --- DeepEyes ------------------------------------------------------------------------------------

DEEPEYES_TURN = """<think>The question asks about the van; it is small, so I will zoom in on it.</think>  <tool_call>
{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [226, 399, 265, 464], "label": "white van"}}
</tool_call>"""
"""After the DeepEyes recipe's example call (volcengine/verl recipe/deepeyes/deepeyes.py) and
eval_vstar.py's prompt format `<think>...</think>  <tool_call>...</tool_call>`."""


def test_deepeyes_observation_is_eval_vstar_tool_response(fovea, photo):
    """eval/eval_vstar.py (Visual-Agent/DeepEyes @ 6c5e796): content_f = [text "<tool_response>",
    the crop, text user_prompt (USER_PROMPT_V2), text "</tool_response>"]."""
    fmt = get_format("deepeyes")
    _, call, _, arguments, result, observation = run(fovea, fmt, DEEPEYES_TURN, trajectory_for(photo))
    assert call.arguments == {"bbox_2d": [226, 399, 265, 464], "label": "white van"}
    assert arguments["coords"] == "pixel"
    user_prompt_v2 = ("\nThink first, call **image_zoom_in_tool** if needed, then answer. Format strictly as:  "
                      "<think>...</think>  <tool_call>...</tool_call> (if tools needed)  <answer>...</answer> ")
    assert shape(observation.parts) == [("text", "<tool_response>"), ("image", image_part(result)[0]),
                                        ("text", user_prompt_v2), ("text", "</tool_response>")]


def test_deepeyes_error_is_the_training_envs_error_turn(fovea, photo):
    """visual_toolbox_v2.py: obs = "\\n<|im_start|>user\\n" + f"Error: {str(e)}" + …"""
    fmt = get_format("deepeyes")
    _, _, _, _, result, observation = run(fovea, fmt, DEEPEYES_TURN.replace("[226, 399, 265, 464]", "[226, 399, 900, 464]"),
                                          trajectory_for(photo))
    assert observation.is_error and shape(observation.parts) == [("text", "Error: " + result.text)]
    assert "x2 (900) is outside the image" in result.text


# --- DeepEyesV2 ----------------------------------------------------------------------------------

DEEPEYESV2_TURN = """<think> I need to see the upper-left quarter of the image more closely. </think>
<code>
```python
import matplotlib.pyplot as plt
w, h = image_1.size
print(w, h)
plt.imshow(image_1.crop((0, 0, w // 2, h // 2)))
plt.show()
```
"""
"""After AGENT_CONFIG's example (`<code>\\n```python\\n# python code here\\n```\\n</code>`); the
server cut the stop string '</code>'."""


def test_deepeyesv2_code_observation_is_return_code_prompt_with_the_images(fovea, photo, code_available):
    """deepeyesv2.py (RL env) RETURN_CODE_PROMPT.format(stdout=…, stderr=…, image=("Images:\\n" +
    "<image>" * n) if n > 0 else "").strip(), each <image> replaced by its image; vllm_api.py
    appends '</code>' when the stop string cut it."""
    fmt = get_format("deepeyesv2")
    text, call, _, arguments, result, observation = run(fovea, fmt, DEEPEYESV2_TURN,
                                                         trajectory_for(photo, "dev2-session"), "</code>")
    assert text.endswith("```\n</code>")
    assert call.arguments["code"].startswith("import matplotlib.pyplot as plt\nw, h = image_1.size")
    assert arguments["conventions"] == "deepeyesv2"
    stdout, stderr = result.structured["stdout"], result.structured["stderr"]
    assert stdout == "800 600\n"
    expected = "Code execution result:\nstdout:\n```\n{stdout}\n```\n\nstderr:\n```\n{stderr}\n```\n\n{image}\n".format(
        stdout=stdout, stderr=stderr, image="Images:\n" + "<image>").strip()
    before, after = expected.split("<image>")
    assert shape(observation.parts) == [("text", before), ("image", image_part(result)[0])] + ([("text", after)] if after else [])
    fovea.request("sessions/close", {"session": "dev2-session"})


# --- PyVision ------------------------------------------------------------------------------------

PYVISION_TURN = """I will zoom into the top-left region to read the sign.
<code>
```python
import matplotlib.pyplot as plt
print(image_clue_0.size)
plt.imshow(image_clue_0.crop((0, 0, 400, 300)))
plt.title("top left")
plt.show()
```
"""
"""After prompt_template_vis.json "vistool_with_img_info_v2": `<code>\\n```python\\ncode snippet\\n```\\n</code>`."""


def pyvision_harness(text_result, images, error_result, image_clue_idx):
    """update_messages_with_execute_content (inference_engine/vis_inference_demo_gpt.py, PyVision @
    d08b450), the user message's content with images as ("image", base64)."""
    if error_result is None:
        content = [("text", f"<interpreter>\nText Result:\n{text_result}\nImage Result:\n")]
        if images is not None:
            for image in images:
                content += [("text", f"<image_clue_{image_clue_idx}>"), ("image", image), ("text", f"</image_clue_{image_clue_idx}>")]
                image_clue_idx += 1
        else:
            content += [("text", "None")]
        return content + [("text", "</interpreter>\n")]
    return [("text", f"<interpreter>{error_result}"), ("text", "</interpreter>\n")]


def test_pyvision_interpreter_observation(fovea, photo, code_available):
    fmt = get_format("pyvision")
    trajectory = trajectory_for(photo, "pyvision-session")
    text, call, _, _, result, observation = run(fovea, fmt, PYVISION_TURN, trajectory, "</code>")
    assert text == PYVISION_TURN + "</code>\n"  # update_messages_with_code: f"{generated_content}</code>\n"
    # evaluate_single_data: response_text.split("```python")[-1].split("```")[0].strip()
    assert call.arguments["code"] == PYVISION_TURN.split("```python")[-1].split("```")[0].strip()
    text_result = result.structured["stdout"].strip()  # batch_apply: str(text).strip()
    assert text_result == "(800, 600)"
    assert shape(observation.parts) == pyvision_harness(text_result, [image_part(result)[0]], None, 1)

    failing = "<code>\n```python\nprint(undefined_name)\n```\n"
    _, _, _, _, failed, observation = run(fovea, fmt, failing, trajectory, "</code>")
    assert shape(observation.parts) == pyvision_harness(None, None, "Error: name 'undefined_name' is not defined", 2)
    fovea.request("sessions/close", {"session": "pyvision-session"})


# --- Thyme ---------------------------------------------------------------------------------------

THYME_TURN = """<think>The text on the sign is too small. I will crop the region and save it.
<code>
```python
from PIL import Image
import os
img = Image.open(image_path)
x1, y1, x2, y2 = 100, 100, 500, 400
cropped = img.crop((x1, y1, x2, y2))
processed_path = os.path.join(temp_output_dir, "crop_sign.png")
cropped.save(processed_path)
print(processed_path)
```
</code>"""
"""After REASONING_SYS_PROMPT's rule (code in <code>```python…```</code>, print processed_path)."""


def test_thyme_sandbox_output_continues_the_assistant_turn(fovea, photo, code_available):
    """model.py generate_inner_transformers: generated_content += [text segment, text
    "<sandbox_output>"], an image per existing path, text "</sandbox_output>"; appended to the
    assistant message (conversation_history[-1]["content"] += generated_content)."""
    fmt = get_format("thyme")
    trajectory = trajectory_for(photo, "thyme-session", path="demo.png")
    text, call, _, arguments, result, observation = run(fovea, fmt, THYME_TURN, trajectory, "</code>")
    code_regex = re.compile(r'<code>\s*(?:```\s*)?(?:python\s*)?([\s\S]*?)\s*(?:```\s*)?</code>', re.IGNORECASE)
    assert call.arguments["code"] == code_regex.search(THYME_TURN).group(1).strip()
    assert arguments["images"] == [{"image": photo["image"], "path": "demo.png"}]
    assert observation.role == "assistant"
    assert shape(observation.parts) == [("text", "<sandbox_output>"), ("image", image_part(result)[0]),
                                        ("text", "</sandbox_output>")]
    from PIL import Image
    assert Image.open(io.BytesIO(result.images[0][0])).size == (400, 300)
    assert fmt.parse_calls("<think>done</think><answer>A</answer>") == []
    fovea.request("sessions/close", {"session": "thyme-session"})


# --- Mini-o3 -------------------------------------------------------------------------------------

def test_mini_o3_grounding_observations_and_sources(fovea, photo):
    """vllm_rollout_spmd.py: the call matched by its regex, bbox eval'd; the observation
    TOOL_CALL_CROP_MULTI_TRUN_PROMPT.format(action_turn=current_iteration,
    observation_turn=current_iteration+1) with the crop in place of the image token;
    function_tools.py: 'observation_i' is the i-th zoom (0: the original)."""
    fmt = get_format("mini-o3")
    trajectory = trajectory_for(photo)
    turn = '<think>The sign is unclear; zoom in.</think>\n<grounding>{"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "original_image"}'
    text, call, _, arguments, first, observation = run(fovea, fmt, turn, trajectory, "</grounding>")
    assert text.endswith("</grounding>") and call.arguments == {"bbox_2d": [0.1, 0.2, 0.5, 0.6], "source": "original_image"}
    assert arguments == {"image": photo["image"], "bbox_2d": [0.1, 0.2, 0.5, 0.6], "coords": "norm"}
    prompt = ("After the above Action {action_turn}, here is the the zoom-in image (Observation {observation_turn}):\n"
              "<|vision_start|><|image_pad|><|vision_end|>.\nContinue your reasoning process inside <think> and </think>. "
              "If needed, you can continue to zoom in on the original image or any of the observations, by outputting "
              "<grounding> and </grounding> as before. If the final answer is confirmed, put your final answer inside "
              "<answer> and </answer>.")
    assert observation.text_with("<|vision_start|><|image_pad|><|vision_end|>") == prompt.format(action_turn=0, observation_turn=1)
    assert observation.images[0]["data"] == image_part(first)[0]

    trajectory.turn = 1
    turn = '<think>Closer.</think>\n<grounding>{"bbox_2d": [0.25, 0.25, 0.75, 0.75], "source": "observation_1"}</grounding>'
    _, _, _, arguments, second, observation = run(fovea, fmt, turn, trajectory)
    assert arguments["image"] == first.image
    assert observation.text_with("<|vision_start|><|image_pad|><|vision_end|>") == prompt.format(action_turn=1, observation_turn=2)

    trajectory.turn = 2
    bad = fmt.parse_calls('<grounding>{"bbox_2d": [0.1, 0.1, 0.2, 0.2], "source": "observation_5"}</grounding>')[0]
    with pytest.raises(CallError) as raised:
        fmt.fovea_call(bad, trajectory)
    observation = fmt.render_error(bad, str(raised.value), trajectory)
    # f"ERROR occurs during grounding. Error Information: {error_info}.\n" + ERROR_INFO_MULTI_TURN_PROMPT
    assert observation.text == ('ERROR occurs during grounding. Error Information: Error in predicting the source observation: '
                                '"observation_5"..\nPlease analyze the error information obtained from the function tool and '
                                'adjust your response. Countinue your reasoning process inside <think> and </think>.')


# --- Pixel-Reasoner ------------------------------------------------------------------------------

def test_pixel_reasoner_crop_with_the_harness_padding(fovea, photo):
    """experience_maker.py: parse_last_tool; crop_image_normalized pads 0.1 on every side and clamps
    to [0, 1]; the observation [text "\\nHere is the cropped image (Image Size: {w}x{h}):", image]."""
    fmt = get_format("pixel-reasoner")
    turn = ('<think>The text is small.</think>\n<tool_call>\n{"name": "crop_image_normalized", '
            '"arguments": {"bbox_2d": [0.05, 0.3, 0.4, 0.5], "target_image": 1}}\n</tool_call>')
    _, call, _, arguments, result, observation = run(fovea, fmt, turn, trajectory_for(photo))
    assert call.arguments == {"bbox_2d": [0.05, 0.3, 0.4, 0.5], "target_image": 1}
    assert arguments["coords"] == "norm"
    assert arguments["bbox_2d"] == pytest.approx([0.0, 0.2, 0.5, 0.6])
    width, height = result.structured["width"], result.structured["height"]
    assert shape(observation.parts) == [("text", f"\nHere is the cropped image (Image Size: {width}x{height}):"),
                                        ("image", image_part(result)[0])]
    video = fmt.parse_calls('<tool_call>{"name": "select_frames", "arguments": {"target_frames": [1, 2]}}</tool_call>')[0]
    with pytest.raises(CallError) as raised:
        fmt.fovea_call(video, trajectory_for(photo))
    assert fmt.render_error(video, str(raised.value), None).text == (
        "\nExecution error:\nExecution Error: You attempted to `select_frames` from **image** not **video**. "
        "You should use `crop_image_normalized` instead for inspecting **image**.\n")


def test_final_answers_have_no_calls():
    for name, text in [("r1v4", "<think>sure</think>\n<answer>red</answer>"),
                       ("qwen3-vl", "<think>I can read it: <tool_call> comes later</think>The pub is in Hamble."),
                       ("qwen2.5-vl", "The answer is B."), ("deepeyes", "<think>ok</think>  <answer>B</answer>"),
                       ("deepeyesv2", "<think> done </think> <answer>3</answer>"),
                       ("pyvision", "<answer>\n\\boxed{'3'}\n</answer>"), ("thyme", "<think>x</think><answer>A</answer>"),
                       ("mini-o3", "<think>clear now</think><answer>C</answer>"), ("pixel-reasoner", "\\boxed{C}")]:
        assert get_format(name).parse_calls(text) == [], name


def test_daemon_observation_parts_resolve_image_indices(fovea, photo, code_available):
    """structuredContent.observation's {"type": "image", "index": i} parts become the i-th image block."""
    result = fovea.call_tool("code", code="plt.imshow(image_clue_0)\nplt.show()\nplt.imshow(image_clue_0)\nplt.show()",
                             images=[photo["image"]], conventions="pyvision")
    parts = daemon_parts(result.raw)
    assert [p["type"] for p in parts] == ["text", "text", "image", "text", "text", "image", "text"]
    assert [p["data"] for p in parts if p["type"] == "image"] == [data for data, _ in result.encoded_images]
    assert parts[1]["text"] == "<image_clue_1>" and parts[4]["text"] == "<image_clue_2>"
