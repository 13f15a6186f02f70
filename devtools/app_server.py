"""Start and stop a production build of the app (`reflex run --env prod`) on a free port."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from services.core.config import PROJECT_ROOT, settings

START_TIMEOUT_S = 900


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool_path() -> str:
    """PATH with the project's Node 22, bun and venv first."""
    tools = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
    return f"{tools}:{Path(sys.executable).parent}:{os.environ['PATH']}"


def wait_until_served(url: str, proc: subprocess.Popen | None, log_path: Path | None,
                      timeout_s: float = START_TIMEOUT_S) -> float:
    """Poll until the login page is served; return the seconds waited."""
    started = time.monotonic()
    while True:
        if proc is not None and proc.poll() is not None:
            tail = log_path.read_text()[-4000:] if log_path else ""
            raise RuntimeError(f"the app exited early:\n{tail}")
        try:
            if httpx.get(f"{url}/login", timeout=5, follow_redirects=True).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        if time.monotonic() - started > timeout_s:
            tail = log_path.read_text()[-4000:] if log_path else ""
            raise RuntimeError(f"the app did not start in {timeout_s} s:\n{tail}")
        time.sleep(1)


def stop(proc: subprocess.Popen) -> None:
    """Stop the process group (reflex, granian workers)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def build_folder(variant: str = "app") -> Path:
    """Where test and benchmark apps build their frontend: outside the checkout (one folder per checkout and
    variant, in the cache), so an app `make run` serves from the checkout's own .web keeps its env.json and
    port, and two test apps running at once do not rebuild each other's files."""
    checkout = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:12]
    return settings().cache / "app-builds" / (checkout if variant == "app" else f"{checkout}-{variant}")


@contextmanager
def running_app(home: Path, log_path: Path, *, variant: str = "app", **settings_for_app: str) -> Iterator[str]:
    """The app on a free port with WORKBENCH_HOME=home (and any further settings), built in
    build_folder(variant); yields its base URL."""
    port = free_port()
    folder = build_folder(variant)
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings_for_app, "WORKBENCH_HOME": str(home), "WORKBENCH_PORT": str(port),
           "PATH": tool_path(), "REFLEX_USE_SYSTEM_BUN": "1", "REFLEX_WEB_WORKDIR": str(folder / ".web"),
           "REFLEX_STATES_WORKDIR": str(folder / ".states")}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod", "--backend-host", "127.0.0.1"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_served(url, proc, log_path)
            yield url
        finally:
            stop(proc)
