"""An OpenAI-compatible chat server on 127.0.0.1 that answers from a script: the real HTTP peer the AI
gateway's fault tests talk to (500s, 429s, slow answers, malformed bodies, then good ones)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Peer:
    url: str  # api_base for LiteLLM: http://127.0.0.1:PORT/v1
    # ("ok", text) | ("status", code) | ("slow", s, text) | ("malformed",) | ("tools", [(name, arguments), ...])
    script: deque = field(default_factory=deque)
    requests: list[dict] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)  # each request's Authorization header
    measured_usage: bool = False  # True: usage counts one token per 4 bytes (rounded up), as a tokenizer might

    def will(self, *steps: tuple) -> None:
        """Queue the next answers, in order; when the script runs out the peer answers "ok"."""
        self.script.extend(steps)


def _completion(text: str, model: str, usage: tuple[int, int] = (12, 5)) -> dict:
    return {"id": "chatcmpl-peer", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}}


def _tool_calls(calls: list[tuple[str, object]], model: str, usage: tuple[int, int]) -> dict:
    """A completion whose message asks for native tool calls (arguments: a dict, or raw JSON text)."""
    answer = _completion("", model, usage)
    answer["choices"][0]["message"] = {"role": "assistant", "content": None, "tool_calls": [
        {"id": f"call_{i}", "type": "function",
         "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
        for i, (name, args) in enumerate(calls)]}
    answer["choices"][0]["finish_reason"] = "tool_calls"
    return answer


def _measured(payload: dict, text: str) -> tuple[int, int]:
    prompt = sum(len(str(m.get("content", "")).encode()) for m in payload.get("messages", []))
    completion = min(-(-len(text.encode()) // 4), int(payload.get("max_tokens") or 10**9))
    return -(-prompt // 4) + 4, completion


@contextlib.contextmanager
def running_peer() -> Iterator[Peer]:
    """Serve on a free port until the block ends."""
    peer = Peer(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            return

        def _send(self, code: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if code == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            peer.requests.append(payload)
            peer.authorizations.append(self.headers.get("Authorization") or "")
            step = peer.script.popleft() if peer.script else ("ok", "peer says hello")
            model = payload.get("model", "peer-model")
            if step[0] == "status":
                body = json.dumps({"error": {"message": f"scripted {step[1]}", "type": "server_error"}}).encode()
                self._send(step[1], body)
            elif step[0] == "slow":
                time.sleep(step[1])
                self._send(200, json.dumps(_completion(step[2], model)).encode())
            elif step[0] == "malformed":
                self._send(200, b'{"choices": [{"message": ')
            elif step[0] == "tools":
                usage = _measured(payload, json.dumps(step[1])) if peer.measured_usage else (12, 5)
                self._send(200, json.dumps(_tool_calls(step[1], model, usage)).encode())
            else:
                usage = _measured(payload, step[1]) if peer.measured_usage else (12, 5)
                self._send(200, json.dumps(_completion(step[1], model, usage)).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    peer.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
