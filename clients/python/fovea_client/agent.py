"""A reference agent loop: an OpenAI-compatible chat endpoint (vLLM, SGLang) thinks, Fovea runs the
tools, in one model family's format.

    fovea-agent --endpoint http://127.0.0.1:8000/v1 --format r1v4 --input cases.jsonl --output results.jsonl
    python -m fovea_client.agent …   (the same)

Each case is ``{"image": <path>, "question": …}`` (the Skywork-R1V4 toolkit's test_cases.jsonl).
Per case: the image is put into the daemon, the family's prompts are sent with the image as a data
URL, and up to ``--max-turns`` times the model's turn is read, its tool calls run through Fovea and
the observations sent back as the family's harness sends them (``fovea_client.formats``). Formats
whose harness appends the observation to the model's own turn (R1V4, Thyme) continue that turn with
vLLM's ``continue_final_message``.

The output is the R1V4 toolkit's result JSONL, one line per case, in input order::

    {"image": …, "question": …, "response": {"full_response": …, "fovea": {…}}}

``full_response`` is the conversation's text after the prompt — every model turn and every
observation's text, images left out — which the toolkit's ``parse_utils.parse_full_response`` splits
into rounds (``<think>``/``<tool_call>``/``<observation>``/``<answer>``). ``fovea`` holds the format,
the model, how the case finished, and per round (in call order, round 1 first) the call as the model
wrote it, the Fovea call that ran it, whether it failed, the observation text and the images the
model was shown, saved beside the JSONL as ``<output stem>.images/<case>/r<round>-<k>.<ext>``
(paths relative to the JSONL's directory). A case that failed has ``response.error`` instead, as in
the toolkit's ``batch_nonstream.py``.

Standard library only (urllib for HTTP).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import concurrent.futures
import json
import mimetypes
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .client import Fovea, FoveaError, _put_params
from .formats import CallError, Format, Observation, ToolCall, Trajectory, as_result, get_format, FORMATS

__all__ = ["Agent", "ChatEndpoint", "run_cases", "main"]

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class ChatEndpoint:
    """``POST {base}/chat/completions`` with urllib; ``GET {base}/models`` for the default model."""

    def __init__(self, base_url: str, api_key: Optional[str] = None, timeout: float = 600.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def _request(self, path: str, payload: Optional[dict] = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers,
                                         method="GET" if payload is None else "POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8", "replace")[:500]
            raise RuntimeError(f"{self.base_url + path} answered HTTP {error.code}: {body}") from None

    def model(self) -> str:
        models = self._request("/models").get("data") or []
        if not models:
            raise RuntimeError(f"{self.base_url}/models lists no model; pass --model")
        return models[0]["id"]

    def complete(self, payload: dict) -> dict:
        return self._request("/chat/completions", payload)


@dataclass
class Round:
    """One tool call of a case: what the record's ``fovea.rounds`` holds."""

    round: int
    turn: int
    call: Optional[dict]
    fovea: Optional[dict]
    is_error: bool
    observation: str
    images: List[str] = field(default_factory=list)


class Agent:
    """Runs cases against one endpoint and one daemon, in one format.

    ``sampling``: extra fields of the chat request (``temperature``, ``max_tokens``, …).
    ``images_dir``: where each round's images are written (a directory per case)."""

    def __init__(self, endpoint: ChatEndpoint, model: str, fmt: Format, socket_path: Optional[str] = None,
                 max_turns: int = 8, sampling: Optional[dict] = None, images_dir: Optional[str] = None,
                 images_base: Optional[str] = None):
        self.endpoint = endpoint
        self.model = model
        self.format = fmt
        self.socket_path = socket_path
        self.max_turns = max_turns
        self.sampling = dict(sampling or {})
        self.images_dir = images_dir
        self.images_base = images_base or (os.path.dirname(images_dir) if images_dir else None)
        self.run_id = uuid.uuid4().hex[:12]

    def _save(self, case_id: str, round_number: int, images: List[dict]) -> List[str]:
        if not self.images_dir or not images:
            return []
        directory = os.path.join(self.images_dir, case_id)
        os.makedirs(directory, exist_ok=True)
        names = []
        for index, part in enumerate(images, 1):
            path = os.path.join(directory, f"r{round_number}-{index}.{_EXTENSIONS.get(part['mime'], 'bin')}")
            with open(path, "wb") as file:
                file.write(binascii.a2b_base64(part["data"]))
            names.append(os.path.relpath(path, self.images_base) if self.images_base else path)
        return names

    def _request(self, messages: List[dict], continuing: bool) -> dict:
        payload = dict(self.sampling, model=self.model, messages=messages)
        if self.format.stop:
            payload["stop"] = list(self.format.stop)
        if continuing:  # vLLM / SGLang: go on writing the last assistant message
            payload.update(continue_final_message=True, add_generation_prompt=False)
        return self.endpoint.complete(payload)

    def run(self, image: str, question: str, case_id: str, base_dir: Optional[str] = None) -> dict:
        """One case: returns its record (``{image, question, response}``)."""
        with Fovea(self.socket_path) as fovea:
            try:
                response = self._run(fovea, image, question, case_id, base_dir)
            except (OSError, FoveaError, RuntimeError, ValueError, KeyError) as error:
                response = {"error": f"{type(error).__name__}: {error}"}
        return {"image": image, "question": question, "response": response}

    def _run(self, fovea: Fovea, image: str, question: str, case_id: str, base_dir: Optional[str]) -> dict:
        fmt = self.format
        path = image
        if base_dir and not os.path.isabs(path) and not os.path.exists(path):
            path = os.path.join(base_dir, path)
        with open(path, "rb") as file:
            data = file.read()
        put = fovea.request("images/put", _put_params(data))
        mime = mimetypes.guess_type(path)[0] or f"image/{put.get('format', 'jpeg')}"
        image_url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        trajectory = Trajectory(session=f"{self.run_id}-{case_id}" if fmt.tool == "code" else None)
        trajectory.add_input(put["image"], put["width"], put["height"], os.path.basename(path))

        messages: List[dict] = []
        system = fmt.system_prompt()
        if system:
            messages.append({"role": "system", "content": system})
        messages.append({"role": "user", "content": fmt.user_content(question, image_url, put["width"], put["height"],
                                                                     os.path.basename(path))})
        transcript: List[str] = []
        rounds: List[Round] = []
        finish = "max_turns"
        continuing = False
        turns = 0
        try:
            for turn in range(self.max_turns):
                trajectory.turn = turn
                answer = self._request(messages, continuing)
                turns += 1
                choice = answer["choices"][0]
                text = choice["message"].get("content") or ""
                text = fmt.complete(text, choice.get("stop_reason"))
                transcript.append(text)
                try:
                    calls = fmt.parse_calls(text)
                    error = None
                except CallError as problem:
                    calls, error = [], str(problem)
                if not calls and error is None:
                    finish = "answer"
                    self._append_model_turn(messages, text, continuing)
                    break
                observations = []
                if error is not None:
                    observations.append(self._observe(fovea, None, error, trajectory, case_id, len(rounds) + 1, rounds))
                for call in calls:
                    observations.append(self._observe(fovea, call, None, trajectory, case_id, len(rounds) + 1, rounds))
                observation = fmt.merge(observations)
                transcript.append(observation.text)
                continuing = self._append_turn(messages, text, observation, continuing)
        finally:
            if trajectory.session:
                try:
                    fovea.request("sessions/close", {"session": trajectory.session})
                except (OSError, FoveaError):
                    pass
        return {"full_response": "".join(transcript),
                "fovea": {"format": fmt.name, "model": self.model, "finish": finish, "turns": turns,
                          "rounds": [r.__dict__ for r in rounds]}}

    def _observe(self, fovea: Fovea, call: Optional[ToolCall], error: Optional[str], trajectory: Trajectory,
                 case_id: str, round_number: int, rounds: List[Round]) -> Observation:
        fmt = self.format
        tool = arguments = None
        if error is None:
            try:
                tool, arguments = fmt.fovea_call(call, trajectory)
            except CallError as problem:
                error = str(problem)
        if error is not None:
            observation = fmt.render_error(call, error, trajectory)
        else:
            result = fovea.call_tool(tool, raise_on_error=False, **arguments)
            observation = fmt.render(call, result, trajectory)
            fmt.after(call, result, trajectory)
        images = self._save(case_id, round_number, observation.images)
        rounds.append(Round(round=round_number, turn=trajectory.turn,
                            call=None if call is None else {"name": call.name, "arguments": call.arguments},
                            fovea=None if tool is None else {"tool": tool, "arguments": arguments},
                            is_error=observation.is_error or error is not None, observation=observation.text, images=images))
        return observation

    @staticmethod
    def _append_model_turn(messages: List[dict], text: str, continuing: bool) -> None:
        if continuing:
            messages[-1]["content"].append({"type": "text", "text": text})
        else:
            messages.append({"role": "assistant", "content": text})

    def _append_turn(self, messages: List[dict], text: str, observation: Observation, continuing: bool) -> bool:
        """Adds the model's turn and the observation; True when the next request continues the
        assistant message."""
        if observation.role == "assistant":
            if not continuing:
                messages.append({"role": "assistant", "content": []})
            messages[-1]["content"].append({"type": "text", "text": text})
            messages[-1]["content"].extend(observation.openai_content())
            return True
        self._append_model_turn(messages, text, continuing)
        messages.append({"role": "user", "content": observation.openai_content()})
        return False


def _progress(done: int, total: int, started: float, failed: int) -> None:
    width = 30
    filled = width * done // total if total else width
    elapsed = time.monotonic() - started
    rate = f"{elapsed / done:.1f} s/case" if done else ""
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} cases"
                     f"{f', {failed} failed' if failed else ''}  {elapsed:.0f} s  {rate}   ")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def run_cases(agent: Agent, cases: List[dict], output: str, jobs: int = 1, base_dir: Optional[str] = None,
              progress: bool = True) -> List[dict]:
    """Runs ``cases`` (``{image, question}``) with ``jobs`` threads and writes the result JSONL in
    input order; returns the records."""
    records: List[Optional[dict]] = [None] * len(cases)
    started, lock = time.monotonic(), threading.Lock()
    counts = {"done": 0, "failed": 0}
    if progress:
        _progress(0, len(cases), started, 0)

    def one(index: int) -> None:
        case = cases[index]
        record = agent.run(case.get("image", ""), case.get("question", ""), f"{index:05d}", base_dir)
        with lock:
            records[index] = record
            counts["done"] += 1
            counts["failed"] += "error" in record["response"]
            if progress:
                _progress(counts["done"], len(cases), started, counts["failed"])

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in [pool.submit(one, index) for index in range(len(cases))]:
            future.result()
    directory = os.path.dirname(os.path.abspath(output))
    os.makedirs(directory, exist_ok=True)
    with open(output, "w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
    return records


def images_dir_for(output: str) -> str:
    """``results.jsonl`` -> ``results.images`` beside it."""
    stem, _ = os.path.splitext(os.path.abspath(output))
    return stem + ".images"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="fovea-agent", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--model", help="model name (default: the first of GET /models)")
    parser.add_argument("--api-key", default=os.environ.get("OPENAI_API_KEY"), help="bearer token (default $OPENAI_API_KEY)")
    parser.add_argument("--format", required=True, choices=sorted(FORMATS), help="the model family's tool format")
    parser.add_argument("--socket", help="the Fovea daemon's socket (default $XDG_RUNTIME_DIR/fovea.sock, else /tmp/fovea-$UID/fovea.sock)")
    parser.add_argument("--input", required=True, help="JSONL of {image, question} cases")
    parser.add_argument("--output", required=True, help="result JSONL (the R1V4 toolkit's shape); images go to <output stem>.images/")
    parser.add_argument("--max-turns", type=int, default=8, help="model turns per case (default 8)")
    parser.add_argument("--max-tokens", type=int, default=4096)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--jobs", type=int, default=1, help="cases run at once (default 1)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per chat request")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")
    args = parser.parse_args(argv)

    with open(args.input, encoding="utf-8") as file:
        cases = [json.loads(line) for line in file if line.strip()]
    endpoint = ChatEndpoint(args.endpoint, args.api_key, args.timeout)
    model = args.model or endpoint.model()
    agent = Agent(endpoint, model, get_format(args.format), args.socket, args.max_turns,
                  {"max_tokens": args.max_tokens, "temperature": args.temperature}, images_dir_for(args.output))
    records = run_cases(agent, cases, args.output, args.jobs, os.path.dirname(os.path.abspath(args.input)),
                        progress=not args.no_progress)
    failed = sum("error" in record["response"] for record in records)
    print(f"{len(records)} cases, {failed} failed; results in {args.output}", file=sys.stderr)
    return 1 if failed == len(records) and records else 0


if __name__ == "__main__":
    sys.exit(main())
