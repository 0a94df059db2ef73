"""fovea_client.agent end to end: a real HTTP server on loopback plays scripted model turns, a real
daemon runs the tools, and the result JSONL is read with the R1V4 toolkit's parse_full_response
(its equivalent, tests/r1v4_parse.py)."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys

import pytest

from conftest import gradient_image
from fovea_client.agent import Agent, ChatEndpoint, images_dir_for, run_cases
from fovea_client.formats import get_format
from r1v4_parse import parse_full_response
from scripted_server import ScriptedModel

R1V4_TURNS = [
    # The server cuts each turn at the stop string </tool_call>: what follows is never seen.
    '<think>\nFirst I need the size of the image.\n</think>\n'
    '<tool_call>{"name": "code", "arguments": {"code": "w, h = image.size\\nprint(w, h)"}}</tool_call>\n'
    '<observation>{"result": "hallucinated", "type": "code"}</observation>',
    '<think>\nNow I crop the left half and look at it.\n</think>\n'
    '<tool_call>{"name": "code", "arguments": {"code": "left = image.crop((0, 0, w // 2, h))\\n'
    'plt.imshow(left)\\nplt.show()\\nprint(left.size)"}}</tool_call>',
    '<think>\nLet me check a variable I never defined.\n</think>\n'
    '<tool_call>{"name": "code", "arguments": {"code": "print(skirt_colour)"}}</tool_call>',
    '<think>\nThe left half is reddish.\n</think>\n<answer>\nred\n</answer>',
]

QWEN3VL_TURNS = [
    '<think>\nThe sign is small; I will zoom in on it.\n</think>\n\n<tool_call>\n'
    '{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [100, 100, 600, 700], "label": "the sign", "img_idx": 0}}\n'
    '</tool_call>',
    '<think>\nCloser, on the zoomed image.\n</think>\n\n<tool_call>\n'
    '{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [0, 0, 500, 500], "label": "the first word", "img_idx": 1}}\n'
    '</tool_call>',
    '<think>\nNow I can read it.\n</think>\n<answer>Hop Inn</answer>',
]


def smart_resize(height, width, factor=32, min_pixels=256 * 32 * 32, max_pixels=16384 * 32 * 32):
    """qwen-vl-utils vision_process.smart_resize (the qwen3-vl preset's factor and bounds)."""
    import math
    h_bar, w_bar = max(factor, round(height / factor) * factor), max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar, w_bar = math.floor(height / beta / factor) * factor, math.floor(width / beta / factor) * factor
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar, w_bar = math.ceil(height * beta / factor) * factor, math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


@pytest.fixture
def case_image(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(gradient_image(640, 480, seed=11))
    return str(path)


def decoded(data_url):
    from PIL import Image

    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))


def test_r1v4_trajectory_with_code_calls(daemon, code_available, case_image, tmp_path):
    output = str(tmp_path / "out" / "results.jsonl")
    with ScriptedModel(R1V4_TURNS) as model:
        agent = Agent(ChatEndpoint(model.base_url), "scripted-vlm", get_format("r1v4"), daemon.socket_path,
                      max_turns=6, sampling={"temperature": 0.0}, images_dir=images_dir_for(output))
        records = run_cases(agent, [{"image": case_image, "question": "What colour is the skirt?"}], output, progress=False)
    requests = model.requests

    with open(output, encoding="utf-8") as file:
        lines = [json.loads(line) for line in file]
    assert lines == records and len(lines) == 1
    record = lines[0]
    assert record["image"] == case_image and record["question"] == "What colour is the skirt?"
    full = record["response"]["full_response"]
    parsed = parse_full_response(full)
    assert [r["tool_call"]["arguments"]["code"] for r in parsed["rounds"]] == [
        "w, h = image.size\nprint(w, h)", "left = image.crop((0, 0, w // 2, h))\nplt.imshow(left)\nplt.show()\nprint(left.size)",
        "print(skirt_colour)"]
    assert parsed["rounds"][0]["observation"] == {"result": "640 480", "type": "code"}
    assert parsed["rounds"][1]["observation"] == {"result": "(320, 480)", "type": "code"}  # w, h kept by the session
    assert parsed["rounds"][2]["observation"]["result"].endswith("NameError: name 'skirt_colour' is not defined")
    assert [r["think"] for r in parsed["rounds"]] == ["First I need the size of the image.",
                                                      "Now I crop the left half and look at it.",
                                                      "Let me check a variable I never defined."]
    assert parsed["final_round"] == {"think": "The left half is reddish.", "answer": "red"}
    assert "hallucinated" not in full

    fovea = record["response"]["fovea"]
    assert fovea["format"] == "r1v4" and fovea["finish"] == "answer" and fovea["turns"] == 4
    assert [r["is_error"] for r in fovea["rounds"]] == [False, False, True]
    assert fovea["rounds"][1]["images"] == ["results.images/00000/r2-1.png"]
    saved = os.path.join(os.path.dirname(output), fovea["rounds"][1]["images"][0])

    # What the model was sent: the system prompt, the image as a data URL, then one assistant turn
    # continued (continue_final_message) with each observation and the figure in it.
    assert requests[0]["messages"][0] == {"role": "system", "content": get_format("r1v4").system_prompt()}
    assert requests[0]["messages"][1]["content"][0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert requests[0]["stop"] == ["</tool_call>"] and "continue_final_message" not in requests[0]
    assert requests[1]["continue_final_message"] is True and requests[1]["add_generation_prompt"] is False
    last = requests[2]["messages"][-1]
    assert last["role"] == "assistant" and len(requests[2]["messages"]) == 3
    figures = [part["image_url"]["url"] for part in last["content"] if part["type"] == "image_url"]
    assert len(figures) == 1
    with open(saved, "rb") as file:
        assert base64.b64encode(file.read()).decode() == figures[0].split(",", 1)[1]
    text_sent = "".join(part["text"] for part in last["content"] if part["type"] == "text")
    assert full.startswith(text_sent)
    # The session was closed at the end of the case.
    assert not [s for s in daemon.stats()["code"]["sessions"] if s["id"].endswith("-00000") and s["id"].startswith(agent.run_id)]


def test_qwen3vl_trajectory_with_zoom_calls(daemon, case_image, tmp_path):
    output = str(tmp_path / "qwen.jsonl")
    with ScriptedModel(QWEN3VL_TURNS) as model:
        agent = Agent(ChatEndpoint(model.base_url), "scripted-vlm", get_format("qwen3-vl"), daemon.socket_path,
                      max_turns=5, images_dir=images_dir_for(output))
        record = run_cases(agent, [{"image": case_image, "question": "What does the sign say?"}], output, progress=False)[0]
    requests = model.requests
    assert len(requests) == 3 and "stop" not in requests[0]
    assert "# Tools" in requests[0]["messages"][0]["content"] and '"name": "image_zoom_in_tool"' in requests[0]["messages"][0]["content"]

    # Turn 2 was sent the first zoom as a <tool_response> user turn after the model's own turn.
    assistant, observation = requests[1]["messages"][-2:]
    assert assistant == {"role": "assistant", "content": QWEN3VL_TURNS[0]}
    assert [p["type"] for p in observation["content"]] == ["text", "image_url", "text"]
    assert observation["content"][0]["text"] == "<tool_response>\n" and observation["content"][2]["text"] == "\n</tool_response>"
    first_zoom = decoded(observation["content"][1]["image_url"]["url"])

    fovea = record["response"]["fovea"]
    rounds = fovea["rounds"]
    assert [r["fovea"]["tool"] for r in rounds] == ["zoom", "zoom"]
    assert rounds[0]["fovea"]["arguments"]["coords"] == "rel1000"
    # img_idx 1 is the first zoom (Qwen-Agent counts every image of the conversation)
    first_handle = "img:" + __import__("hashlib").sha256(
        base64.b64decode(observation["content"][1]["image_url"]["url"].split(",", 1)[1])).hexdigest()
    assert rounds[1]["fovea"]["arguments"]["image"] == first_handle
    # the box (rel1000 of 640×480: pixels 64,48 → 384,336, 320×288) sized by Qwen3-VL's smart_resize
    assert first_zoom.size == smart_resize(288, 320)[::-1] == (544, 512)
    for r in rounds:
        assert len(r["images"]) == 1 and os.path.exists(os.path.join(str(tmp_path), r["images"][0]))

    parsed = parse_full_response(record["response"]["full_response"])
    assert [r["tool_call"] for r in parsed["rounds"]] == [
        {"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [100, 100, 600, 700], "label": "the sign", "img_idx": 0}},
        {"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [0, 0, 500, 500], "label": "the first word", "img_idx": 1}}]
    assert [r["observation"] for r in parsed["rounds"]] == [None, None]  # Qwen's observations are <tool_response>s
    assert parsed["final_round"] == {"think": "Now I can read it.", "answer": "Hop Inn"}
    assert fovea["finish"] == "answer"


def test_a_model_that_never_answers_stops_at_max_turns(daemon, case_image, tmp_path):
    turn = QWEN3VL_TURNS[0]
    with ScriptedModel([turn] * 3) as model:
        agent = Agent(ChatEndpoint(model.base_url), "scripted-vlm", get_format("qwen3-vl"), daemon.socket_path, max_turns=3)
        record = agent.run(case_image, "q", "00000")
    assert record["response"]["fovea"]["finish"] == "max_turns" and len(record["response"]["fovea"]["rounds"]) == 3
    assert len(model.requests) == 3


def test_the_command_line_runs_a_jsonl_with_a_progress_bar(daemon, code_available, case_image, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps({"image": case_image, "question": q}) + "\n" for q in ("first?", "second?")))
    turns = ['<tool_call>{"name": "code", "arguments": {"code": "print(image.size[0] * 2)"}}</tool_call>',
             "<think>\nok\n</think>\n<answer>1280</answer>"] * 2
    output = tmp_path / "run" / "results.jsonl"
    with ScriptedModel(turns) as model:
        process = subprocess.run([sys.executable, "-m", "fovea_client.agent", "--endpoint", model.base_url,
                                  "--format", "r1v4", "--socket", daemon.socket_path, "--input", str(cases),
                                  "--output", str(output), "--max-turns", "4"],
                                 capture_output=True, text=True, timeout=120,
                                 env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert process.returncode == 0, process.stderr
    assert "2/2 cases" in process.stderr and "2 cases, 0 failed" in process.stderr
    assert all(r["model"] == "scripted-vlm" for r in model.requests)  # the model name came from GET /models
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["question"] for r in records] == ["first?", "second?"]
    for record in records:
        parsed = parse_full_response(record["response"]["full_response"])
        assert parsed["rounds"][0]["observation"] == {"result": "1280", "type": "code"}
        assert parsed["final_round"]["answer"] == "1280"


def test_a_case_whose_image_is_missing_is_an_error_record(daemon, tmp_path):
    with ScriptedModel([]) as model:
        agent = Agent(ChatEndpoint(model.base_url), "scripted-vlm", get_format("deepeyes"), daemon.socket_path)
        record = agent.run(str(tmp_path / "nowhere.jpg"), "q", "00000")
    assert record["response"]["error"].startswith("FileNotFoundError") and not model.requests
