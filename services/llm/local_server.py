"""The llama.cpp OpenAI-compatible server as a managed child process on 127.0.0.1: started on demand,
health-checked, restarted if it died, stopped with the app, its log kept under WORKBENCH_HOME."""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from services.core.config import settings
from services.core.errors import ExternalServiceError
from services.llm import local_model

ALIAS = "workbench-local"
START_TIMEOUT_S = 180.0
HEALTH_FRESH_S = 10.0


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalModelServer:
    """One llama.cpp server per process that needs it."""

    def __init__(self, model: Path, log: Path) -> None:
        self.model, self.log = model, log
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def healthy(self) -> bool:
        """The process runs and lists our model."""
        if self.process is None or self.process.poll() is not None or self.port is None:
            return False
        try:
            with urllib.request.urlopen(f"{self.api_base}/models", timeout=2) as answer:
                return answer.status == 200 and ALIAS.encode() in answer.read()
        except OSError:
            return False

    def ensure(self) -> str:
        """Start the server (again, if it died) and wait until it answers; returns its api_base.

        A server that answered within the last HEALTH_FRESH_S seconds and still runs is not asked again:
        the health check must not cost every model call a round trip."""
        with self._lock:
            alive = self.process is not None and self.process.poll() is None
            if alive and time.monotonic() - self._checked_at < HEALTH_FRESH_S:
                return self.api_base
            if self.healthy():
                self._checked_at = time.monotonic()
                return self.api_base
            self._stop()
            self.port = _free_port()
            self.log.parent.mkdir(parents=True, exist_ok=True)
            with self.log.open("a") as log:
                log.write(f"\n--- starting on port {self.port} at {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            command = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--model_alias", ALIAS,
                       "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "4096",
                       "--n_threads", str(os.cpu_count() or 2)]
            self.process = subprocess.Popen(command, stdout=self.log.open("a"), stderr=subprocess.STDOUT)
            deadline = time.monotonic() + START_TIMEOUT_S
            while not self.healthy():
                if self.process.poll() is not None or time.monotonic() > deadline:
                    tail = self.log.read_text()[-1500:]
                    self._stop()
                    raise ExternalServiceError(f"The local model server did not start:\n{tail}")
                time.sleep(0.5)
            return self.api_base

    def _stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def stop(self) -> None:
        """Stop the server (the app's shutdown, tests)."""
        with self._lock:
            self._stop()


_server: LocalModelServer | None = None
_server_lock = threading.Lock()


def api_base_on_demand() -> str | None:
    """The running server's api_base, starting it when the model is prepared; None when it is not."""
    global _server
    if not (local_model.model_ready() and local_model.llama_cpp_installed()):
        return None
    with _server_lock:
        if _server is None:
            _server = LocalModelServer(local_model.model_path(), settings().home / "llm-server.log")
            atexit.register(_server.stop)
    return _server.ensure()


def stop() -> None:
    """Stop this process's server, if it started one."""
    if _server is not None:
        _server.stop()
