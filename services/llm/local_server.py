"""The llama.cpp OpenAI-compatible server as a managed child process on 127.0.0.1: started on demand,
health-checked, restarted if it died, stopped with the process that started it, its log kept under
WORKBENCH_HOME. Processes sharing a WORKBENCH_HOME (several app workers, the CLI, tests) share one server:
the first starts it and records it in `llm-server.json`; the others use it while it answers (two model
servers on two cores would each run at a fraction of the speed)."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
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


def _answers(port: int) -> bool:
    """The server on `port` lists our model."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as answer:
            return answer.status == 200 and ALIAS.encode() in answer.read()
    except OSError:
        return False


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalModelServer:
    """The llama.cpp server of this WORKBENCH_HOME: started by this process, or shared from another."""

    def __init__(self, model: Path, log: Path) -> None:
        self.model, self.log = model, log
        self.record = log.with_name("llm-server.json")
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self._lock = threading.Lock()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def healthy(self) -> bool:
        """The server (ours, or the shared one) runs and lists our model."""
        if self.port is None or (self.process is not None and self.process.poll() is not None):
            return False
        return _answers(self.port)

    def _recorded(self) -> tuple[int, int] | None:
        """(pid, port) of the server recorded for this home when its process still runs."""
        try:
            recorded = json.loads(self.record.read_text())
            pid, port = int(recorded["pid"]), int(recorded["port"])
            os.kill(pid, 0)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return pid, port

    def ensure(self) -> str:
        """Start the server (again, if it died) or use the one another process of this home runs, and wait
        until it answers; returns its api_base. A server is asked whether it answers only when it is first
        used: after that, a running process is enough (a model call that fails is the gateway's to retry)."""
        with self._lock, self._start_lock():
            # A running server is trusted (it answered when it started): a busy one may not answer a health
            # probe while it generates, and starting a second one then would halve both on these cores.
            if self.process is not None and self.process.poll() is None and self.port is not None:
                return self.api_base
            recorded = self._recorded()
            if recorded is not None and self.process is None and recorded[1] == self.port:
                return self.api_base  # the shared server we use, still running
            self._stop()
            if recorded is not None and _answers(recorded[1]):
                self.port = recorded[1]
                return self.api_base
            self.port = _free_port()
            self.log.parent.mkdir(parents=True, exist_ok=True)
            with self.log.open("a") as log:
                log.write(f"\n--- starting on port {self.port} at {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            command = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model), "--model_alias", ALIAS,
                       "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "4096",
                       "--n_threads", str(os.cpu_count() or 2)]
            self.process = subprocess.Popen(command, stdout=self.log.open("a"), stderr=subprocess.STDOUT)
            self.record.write_text(json.dumps({"pid": self.process.pid, "port": self.port}))
            deadline = time.monotonic() + START_TIMEOUT_S
            while not self.healthy():
                if self.process.poll() is not None or time.monotonic() > deadline:
                    tail = self.log.read_text()[-1500:]
                    self._stop()
                    raise ExternalServiceError(f"The local model server did not start:\n{tail}")
                time.sleep(0.5)
            return self.api_base

    @contextlib.contextmanager
    def _start_lock(self):
        """Across the processes of this home: one at a time decides whether to start a server."""
        self.record.parent.mkdir(parents=True, exist_ok=True)
        with open(self.record.with_suffix(".lock"), "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _stop(self) -> None:
        """Stop our own server (a shared one belongs to the process that started it)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
            with contextlib.suppress(OSError, ValueError):
                if json.loads(self.record.read_text()).get("pid") == self.process.pid:
                    self.record.unlink()
        self.process = None
        self.port = None

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
