"""What the Skywork-R1V4 toolkit's ``parse_full_response`` (SkyworkAI/Skywork-R1V @ b806cef,
r1v4/parse_utils.py) makes of a ``full_response``, rewritten here as the test's oracle.

Its rules: every ``<think>``, ``<tool_call>``, ``<observation>`` and ``<answer>`` body is found with
a non-greedy DOTALL regex; there is one round per tool call, numbered from 1, holding the i-th
think (stripped, "" when missing), the i-th tool call and the i-th observation, each
``json.loads``-ed after ``strip()`` (the stripped string and ``<x>_parse_error`` when that fails,
None when there is no i-th observation); the final round's think is the last think when there are
more thinks than calls (else ""), its answer the first answer, stripped (else "").
"""

import json
import re


def _tagged(tag, text):
    return re.findall(f"<{tag}>(.*?)</{tag}>", text, re.DOTALL)


def _json_or_raw(body, key, round_data):
    body = body.strip()
    try:
        round_data[key] = json.loads(body)
    except json.JSONDecodeError as error:
        round_data[key] = body
        round_data[f"{key}_parse_error"] = str(error)


def parse_full_response(full_response):
    thinks = _tagged("think", full_response)
    calls = _tagged("tool_call", full_response)
    observations = _tagged("observation", full_response)
    answers = _tagged("answer", full_response)
    rounds = []
    for index, call in enumerate(calls):
        round_data = {"round_num": index + 1, "think": thinks[index].strip() if index < len(thinks) else "",
                      "tool_call": None, "observation": None}
        _json_or_raw(call, "tool_call", round_data)
        if index < len(observations):
            _json_or_raw(observations[index], "observation", round_data)
        rounds.append(round_data)
    return {"rounds": rounds,
            "final_round": {"think": thinks[-1].strip() if len(thinks) > len(calls) else "",
                            "answer": answers[0].strip() if answers else ""}}
