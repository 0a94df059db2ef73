"""`fovea tools --format openai|qwen|r1v4` checked with Python's own json and jsonschema.

    python tool_formats_check.py DIR      # DIR/openai.txt, DIR/qwen.txt, DIR/r1v4.txt

- openai: a JSON array of {"type": "function", "function": {name, description, parameters}},
  names as OpenAI allows them (^[a-zA-Z0-9_-]{1,64}$), parameters a valid JSON Schema of an object.
- qwen: the tools block Qwen-Agent's NousFnCallPrompt and Qwen's chat templates put in the
  system prompt, rebuilt here from the openai tools with json.dumps(..., ensure_ascii=False),
  must equal Fovea's text byte for byte.
- r1v4: R1V4's output-format lines, one per tool, each <tool_call> body json.loads-able with
  the tool's name and its required arguments.
"""

import json
import re
import sys

import jsonschema

directory = sys.argv[1]
read = lambda name: open(f"{directory}/{name}.txt", encoding="utf-8").read().rstrip("\n")


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


tools = json.loads(read("openai"))
for tool in tools:
    if set(tool) != {"type", "function"} or tool["type"] != "function":
        fail(f"not a function tool: {list(tool)}")
    function = tool["function"]
    if set(function) != {"name", "description", "parameters"}:
        fail(f"{function.get('name')}: keys {sorted(function)}")
    if not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", function["name"]):
        fail(f"{function['name']} is not a valid OpenAI function name")
    jsonschema.Draft202012Validator.check_schema(function["parameters"])
    if function["parameters"].get("type") != "object":
        fail(f"{function['name']}: parameters is not an object schema")
print(f"openai: {len(tools)} function tools with valid parameter schemas")

lines = "\n".join(json.dumps({"type": "function", "function": {
    "name": t["function"]["name"], "description": t["function"]["description"], "parameters": t["function"]["parameters"]}},
    ensure_ascii=False) for t in tools)
expected = ("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" + lines + "\n</tools>\n\n"
            "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
            "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>")
qwen = read("qwen")
if qwen != expected:
    at = next((i for i, (a, b) in enumerate(zip(qwen, expected)) if a != b), min(len(qwen), len(expected)))
    fail(f"qwen differs from json.dumps at character {at}: {qwen[max(0, at - 60):at + 60]!r} vs {expected[max(0, at - 60):at + 60]!r}")
print("qwen: equal to the block rebuilt with json.dumps")

r1v4 = read("r1v4")
calls = [json.loads(body) for body in re.findall(r"<tool_call>(.*?)</tool_call>", r1v4, re.DOTALL)]
names = [call["name"] for call in calls]
if names != [t["function"]["name"] for t in tools]:
    fail(f"r1v4 format lines name {names}")
for call, tool in zip(calls, tools):
    for required in tool["function"]["parameters"].get("required", []):
        if required not in call["arguments"]:
            fail(f"r1v4 example of {call['name']} lacks {required}")
if "<observation>...</observation>" not in r1v4 or "<answer>your answer here</answer>" not in r1v4:
    fail("r1v4 text lacks the observation or answer words")
print(f"r1v4: {len(calls)} parseable tool calls")
print("all checks passed")
