"""Fovea's reference agent loop (`fovea-agent`, clients/python) run for real against scripted model
turns, writing the result JSONL that `fovea replay` reads (AgentLoopReplayTests).

    python agent_loop_record.py REPOSITORY SOCKET DIRECTORY

DIRECTORY must hold `photo.png`. Two runs of the agent's command line, each against the
client tests' loopback OpenAI-compatible server (clients/python/tests/scripted_server.py)
playing scripted turns:

- r1v4.jsonl: R1V4 with three code calls in one session (a print, a figure, an error);
- qwen3-vl.jsonl: Qwen3-VL with two `image_zoom_in_tool` calls (the second on the first's
  output, img_idx 1) and one the loop refuses (img_idx 7, never sent to Fovea);

then `results.jsonl` holds both lines (each round's images stay in `r1v4.images/` and
`qwen3-vl.images/` beside it). Prints `recorded N cases` at the end.
"""

import json
import os
import sys

REPOSITORY, SOCKET, DIRECTORY = sys.argv[1:4]
sys.path[:0] = [os.path.join(REPOSITORY, "clients/python"), os.path.join(REPOSITORY, "clients/python/tests")]

from fovea_client.agent import main  # noqa: E402
from scripted_server import ScriptedModel  # noqa: E402

R1V4_TURNS = [
    '<think>\nFirst the size of the image.\n</think>\n'
    '<tool_call>{"name": "code", "arguments": {"code": "w, h = image.size\\nprint(w, h)"}}</tool_call>',
    '<think>\nNow the left half, shown.\n</think>\n'
    '<tool_call>{"name": "code", "arguments": {"code": "left = image.crop((0, 0, w // 2, h))\\nplt.imshow(left)\\n'
    'plt.axis(\'off\')\\nplt.show()\\nprint(left.size)"}}</tool_call>',
    '<think>\nA variable I never defined.\n</think>\n'
    '<tool_call>{"name": "code", "arguments": {"code": "print(skirt_colour)"}}</tool_call>',
    '<think>\nThe left half is darker.\n</think>\n<answer>\ndark\n</answer>',
]

QWEN3VL_TURNS = [
    '<think>\nZoom on the sign.\n</think>\n\n<tool_call>\n'
    '{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [100, 100, 600, 700], "label": "the sign", "img_idx": 0}}\n'
    '</tool_call>',
    '<think>\nCloser, on the zoomed image.\n</think>\n\n<tool_call>\n'
    '{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [0, 0, 500, 500], "label": "the first word", "img_idx": 1}}\n'
    '</tool_call>',
    '<think>\nAn image that does not exist.\n</think>\n\n<tool_call>\n'
    '{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [0, 0, 10, 10], "img_idx": 7}}\n</tool_call>',
    '<think>\nNow I can read it.\n</think>\n<answer>Hop Inn</answer>',
]

records = []
for name, turns, question in [("r1v4", R1V4_TURNS, "Which half is darker?"),
                              ("qwen3-vl", QWEN3VL_TURNS, "What does the sign say?")]:
    cases = os.path.join(DIRECTORY, f"{name}-cases.jsonl")
    with open(cases, "w", encoding="utf-8") as file:
        file.write(json.dumps({"image": "photo.png", "question": question}) + "\n")
    output = os.path.join(DIRECTORY, f"{name}.jsonl")
    with ScriptedModel(turns) as model:
        status = main(["--endpoint", model.base_url, "--format", name, "--socket", SOCKET, "--input", cases,
                       "--output", output, "--max-turns", "6", "--no-progress"])
    if status != 0:
        sys.exit(f"fovea-agent --format {name} exited {status}")
    with open(output, encoding="utf-8") as file:
        lines = [line for line in file if line.strip()]
    if len(lines) != 1 or "error" in json.loads(lines[0])["response"]:
        sys.exit(f"fovea-agent --format {name} wrote {lines!r}")
    records += lines
with open(os.path.join(DIRECTORY, "results.jsonl"), "w", encoding="utf-8") as file:
    file.writelines(records)
print(f"recorded {len(records)} cases")
