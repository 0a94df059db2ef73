"""A real OpenAI-compatible HTTP server on loopback (http.server in a thread) that plays scripted
model turns, for the agent-loop and Qwen-Agent tests.

It behaves as vLLM does where the tests depend on it: ``GET /v1/models``; ``POST
/v1/chat/completions`` cuts the scripted text at the first of the request's ``stop`` strings and
reports it as ``stop_reason`` (the stop string itself is not returned); ``"stream": true`` answers
with server-sent events. Every request body is kept in ``requests`` for the test to read.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional


class ScriptedModel:
    def __init__(self, turns: List[str], model: str = "scripted-vlm"):
        self.turns = list(turns)
        self.model = model
        self.requests: List[dict] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length))
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    return self._json(404, {"error": "not found"})
                with server._lock:
                    server.requests.append(payload)
                    if not server.turns:
                        return self._json(400, {"error": {"message": "the script has no more turns"}})
                    text = server.turns.pop(0)
                text, stop_reason = server.cut(text, payload.get("stop"))
                if payload.get("stream"):
                    return self._stream(text, stop_reason)
                self._json(200, {"id": f"chatcmpl-{len(server.requests)}", "object": "chat.completion",
                                 "created": int(time.time()), "model": payload.get("model", server.model),
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                              "finish_reason": "stop", "stop_reason": stop_reason}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _stream(self, text: str, stop_reason: Optional[str]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                base = {"id": f"chatcmpl-{len(server.requests)}", "object": "chat.completion.chunk",
                        "created": int(time.time()), "model": server.model}
                chunks = [dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}]),
                          dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "stop", "stop_reason": stop_reason}])]
                for chunk in chunks:
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @staticmethod
    def cut(text: str, stop) -> tuple:
        if isinstance(stop, str):
            stop = [stop]
        found = [(text.find(s), s) for s in (stop or []) if s and text.find(s) >= 0]
        if not found:
            return text, None
        at, string = min(found)
        return text[:at], string

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ScriptedModel":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
