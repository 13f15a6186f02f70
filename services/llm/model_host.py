"""The process that serves the local model for a whole install: llama.cpp's OpenAI-compatible app under
uvicorn on 127.0.0.1, detached from whoever started it, so the app, the CLI and every worker share one
loaded model. It leaves by itself after `--idle-seconds` without a request and then removes its record
(`llm-server.json` under WORKBENCH_HOME), so the next caller starts a fresh one.

    python -m services.llm.model_host --model FILE --alias NAME --port N --record FILE --idle-seconds S
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import threading
import time
from pathlib import Path

import uvicorn
from llama_cpp.server.app import create_app
from llama_cpp.server.settings import ModelSettings, ServerSettings

WATCH_EVERY_S = 5.0
HEALTH_PATH = "/workbench/health"  # answers while the model is busy (llama.cpp's own routes wait for it)


class _IdleWatch:
    """When the last request came, and a thread that stops the server once nobody asked for a while."""

    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self.last = time.monotonic()
        self.active = 0

    def touch(self, delta: int) -> None:
        self.active += delta
        self.last = time.monotonic()

    def idle(self) -> bool:
        return self.active <= 0 and time.monotonic() - self.last > self.idle_seconds

    def watch(self, server: uvicorn.Server) -> None:
        while not server.should_exit:
            time.sleep(WATCH_EVERY_S)
            if self.idle():
                server.should_exit = True


def _forget(record: Path) -> None:
    """Remove the record when it is still ours (a newer server may have replaced it)."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        if int(json.loads(record.read_text()).get("pid")) == os.getpid():
            record.unlink()


def main(argv: list[str] | None = None) -> None:
    """Serve the model until idle (or SIGTERM), then remove the record."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--alias", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--idle-seconds", type=float, required=True)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--n-threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    app = create_app(server_settings=ServerSettings(host="127.0.0.1", port=args.port),
                     model_settings=[ModelSettings(model=args.model, model_alias=args.alias, n_ctx=args.n_ctx,
                                                   n_threads=args.n_threads, verbose=False)])
    watch = _IdleWatch(args.idle_seconds)

    @app.get(HEALTH_PATH)
    async def _health() -> dict:  # the model loads before uvicorn listens: an answer means it is ready
        return {"alias": args.alias, "pid": os.getpid(), "model": args.model}

    @app.middleware("http")
    async def _seen(request, call_next):  # noqa: ANN001, ANN202 — starlette's middleware signature
        watch.touch(+1)
        try:
            return await call_next(request)
        finally:
            watch.touch(-1)

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning"))
    threading.Thread(target=watch.watch, args=(server,), daemon=True, name="idle-watch").start()
    try:
        server.run()
    finally:
        _forget(Path(args.record))


if __name__ == "__main__":
    main()
