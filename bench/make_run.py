"""`make run` cold (fresh clone, empty caches) and warm: seconds to the first served page.

The baseline is `python -c pass` start-up plus a bare HTTP server answering, i.e. the floor of any app."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import write
from devtools.app_server import free_port, stop, wait_until_served
from services.core.config import PROJECT_ROOT


def _make_run(clone: Path, env: dict[str, str], port: int, log: Path) -> float:
    started = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen(["make", "run"], cwd=clone, env={**env, "WORKBENCH_PORT": str(port)},
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_served(f"http://127.0.0.1:{port}", proc, log, timeout_s=3600)
            return time.monotonic() - started
        finally:
            stop(proc)


def _floor(port: int) -> float:
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            cwd=tempfile.mkdtemp())
    try:
        import httpx

        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                return time.monotonic() - started
            except httpx.HTTPError:
                time.sleep(0.05)
    finally:
        stop(proc)


def run(cold: bool = True) -> None:
    """Clone the committed tree, run `make run` with empty caches, stop, run it again warm."""
    work = Path(tempfile.mkdtemp(prefix="wbbench-makerun-"))
    clone = work / "workbench"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_") and k != "VIRTUAL_ENV"}
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if ".venv" not in p and ".tools" not in p)
    if cold:
        caches = work / "caches"
        env.update({"PIP_CACHE_DIR": str(caches / "pip"), "npm_config_cache": str(caches / "npm"),
                    "BUN_INSTALL_CACHE_DIR": str(caches / "bun"), "XDG_CACHE_HOME": str(caches / "xdg")})
    cold_s = _make_run(clone, env, free_port(), work / "make-run-cold.log")
    warm_s = _make_run(clone, env, free_port(), work / "make-run-warm.log")
    floor_s = _floor(free_port())
    label = "cold (fresh clone, empty caches)" if cold else "first run in a fresh clone (caches kept)"
    write("make_run_cold", figure=cold_s, unit="s", baseline=floor_s, baseline_label="bare HTTP server start",
          details={"mode": label, "log": str(work / "make-run-cold.log")})
    write("make_run_warm", figure=warm_s, unit="s", baseline=floor_s, baseline_label="bare HTTP server start",
          details={"log": str(work / "make-run-warm.log")})
