"""What the API refuses before any route runs: text Postgres and JSON cannot carry (NUL characters,
unpaired surrogates, bytes that are not UTF-8) in the path, the query or a JSON body, and bodies over
MAX_BODY_BYTES. Each gets a 400 or 413 with the usual error body, never a 500."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from services.core.text import text_problem

MAX_BODY_BYTES = 8 * 1024 * 1024
# Routes that take whole files: a dbt project's artifacts run to hundreds of MB.
LARGE_BODY_BYTES = {"/api/dbt/import": 512 * 1024 * 1024}
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _decoded(raw: bytes, what: str) -> str | None:
    """Why percent-encoded `raw` is unacceptable, or None."""
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return f"{what} is not valid UTF-8."
    problem = text_problem(text)
    return f"{what} {problem}." if problem else None


def _json_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, dict):
        return next((p for item in (*value.keys(), *value.values()) if (p := _json_problem(item))), None)
    if isinstance(value, list):
        return next((p for item in value if (p := _json_problem(item))), None)
    return None


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class InputLimits:
    """ASGI middleware for /api: checks the path, the query string and the body, then replays the body."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/api/"):
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
        problem = _decoded(raw_path, "The address") or _decoded(scope.get("query_string", b""), "The query string")
        if problem:
            await _refuse(send, 400, problem)
            return
        limit = LARGE_BODY_BYTES.get(scope["path"], MAX_BODY_BYTES)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, f"Request bodies are limited to {limit // (1024 * 1024)} MB.")
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, 413, f"Request bodies are limited to {limit // (1024 * 1024)} MB.")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
        if body and b"json" in content_type:
            try:
                problem = _json_problem(json.loads(body))
            except (ValueError, RecursionError):
                problem = None  # not JSON: the route says so with a 400 of its own
            if problem:
                await _refuse(send, 400, f"The request body {problem}.")
                return

        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
