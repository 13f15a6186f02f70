"""The local model's llama.cpp server, one per install (WORKBENCH_HOME): whichever process needs it first
(the app, `workbench genie ask`, a worker) starts it as a detached process (`services.llm.model_host`),
records its pid and port in `llm-server.json`, and every other process finds it there. It outlives the
process that started it, so a CLI question does not load the model again; it stops by itself after
WORKBENCH_LLM_IDLE_MINUTES without a request. A server whose process died is started again on the next
call; a file lock makes sure two callers never start two (two model servers on two cores would each run
at a fraction of the speed)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from services.core.config import settings
from services.core.errors import ExternalServiceError
from services.llm import local_model

ALIAS = "workbench-local"
START_TIMEOUT_S = 180.0
HOST_MODULE = "services.llm.model_host"
HEALTH_PATH = "/workbench/health"  # model_host's own route (that module imports llama.cpp; this one must not)
RECORD_FILE, LOG_FILE = "llm-server.json", "llm-server.log"


@dataclass(frozen=True)
class Recorded:
    """The install's server as its record says, when that process still runs and is our model host."""

    pid: int
    port: int
    started_at: float


def _answers(port: int) -> bool:
    """The model host on `port` answers its health route (it does while it generates) with our model."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{HEALTH_PATH}", timeout=2) as answer:
            return answer.status == 200 and ALIAS.encode() in answer.read()
    except OSError:
        return False


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _is_model_host(pid: int) -> bool:
    """The process runs and is a model host (not a stranger that was given a recycled pid)."""
    try:
        return HOST_MODULE.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class LocalModelServer:
    """The llama.cpp server of one WORKBENCH_HOME, shared by every process of that home."""

    def __init__(self, model: Path, home: Path, idle_seconds: float) -> None:
        self.model, self.idle_seconds = model, idle_seconds
        self.record, self.log = home / RECORD_FILE, home / LOG_FILE
        self.port: int | None = None  # the server this process last used
        self._child: subprocess.Popen | None = None  # kept only to reap it when this process started it
        self._lock = threading.Lock()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def recorded(self) -> Recorded | None:
        """The recorded server when its process still runs."""
        if self._child is not None:
            self._child.poll()  # reap our own child once it has left
        try:
            found = json.loads(self.record.read_text())
            recorded = Recorded(int(found["pid"]), int(found["port"]), float(found.get("started_at") or 0))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return recorded if _is_model_host(recorded.pid) else None

    def ensure(self) -> str:
        """The shared server's api_base: the recorded one while its process runs (a busy server is trusted,
        not replaced), else a new one, started and waited for under a lock that all processes share."""
        with self._lock:
            recorded = self.recorded()
            if recorded is not None and recorded.port == self.port:
                return self.api_base  # the server this process already used, still running
            with self._start_lock():
                recorded = self.recorded()
                if recorded is not None and self._wait(recorded):
                    self.port = recorded.port
                    return self.api_base
                if recorded is not None:  # running but never came up: a hung server is replaced
                    _terminate(recorded.pid)
                self._start()
                return self.api_base

    def _wait(self, recorded: Recorded) -> bool:
        """Whether the recorded server answers, waiting while it is still within its start-up time."""
        deadline = recorded.started_at + START_TIMEOUT_S
        while True:
            if _answers(recorded.port):
                return True
            if time.time() > deadline or not _is_model_host(recorded.pid):
                return False
            time.sleep(0.5)

    def _start(self) -> None:
        port = _free_port()
        self.record.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", HOST_MODULE, "--model", str(self.model), "--alias", ALIAS,
                   "--port", str(port), "--record", str(self.record), "--idle-seconds", str(self.idle_seconds),
                   "--n-threads", str(os.cpu_count() or 2)]
        with self.log.open("a") as log:
            log.write(f"\n--- starting on port {port} at {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            log.flush()
            child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # its own session: it outlives this process
        self._child = child
        self.record.write_text(json.dumps({"pid": child.pid, "port": port, "started_at": time.time(),
                                           "model": str(self.model)}))
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(port):
            if child.poll() is not None or time.monotonic() > deadline:
                _terminate(child.pid)
                with contextlib.suppress(OSError):
                    self.record.unlink()
                raise ExternalServiceError(f"The local model server did not start:\n{self.log.read_text()[-1500:]}")
            time.sleep(0.5)
        self.port = port

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

    def stop(self) -> None:
        """Stop the install's server, whoever started it (the test session's end)."""
        with self._lock, self._start_lock():
            recorded = self.recorded()
            if recorded is not None:
                _terminate(recorded.pid)
            with contextlib.suppress(OSError):
                self.record.unlink()
            if self._child is not None:
                self._child.poll()
            self.port = None


def _terminate(pid: int) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while _is_model_host(pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
        if _is_model_host(pid):
            os.kill(pid, signal.SIGKILL)


_server: LocalModelServer | None = None
_server_lock = threading.Lock()


def _shared() -> LocalModelServer:
    global _server
    with _server_lock:
        home = settings().home
        if _server is None or _server.record.parent != home:
            _server = LocalModelServer(local_model.model_path(), home, settings().llm_idle_minutes * 60)
        return _server


def api_base_on_demand() -> str | None:
    """The shared server's api_base, starting it when the model is prepared; None when it is not."""
    if not (local_model.model_ready() and local_model.llama_cpp_installed()):
        return None
    return _shared().ensure()


def running() -> Recorded | None:
    """The install's server when one runs (status pages, tests)."""
    return _shared().recorded()


def stop() -> None:
    """Stop the install's server, if one runs."""
    _shared().stop()
