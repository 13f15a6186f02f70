"""Two API processes on one database act as one: a key's rate limit and a model's circuit breaker are
counted once, whichever process serves the request."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest

from devtools.app_server import free_port
from devtools.openai_peer import running_peer
from services.core import db
from services.core.errors import ExternalServiceError
from services.llm import complete, gateway
from services.sql import execution
from tests.polling import wait_until

LIMIT = 10


@contextmanager
def _api_processes(count: int, **env: str) -> Iterator[list[str]]:
    ports = [free_port() for _ in range(count)]
    processes = [subprocess.Popen([sys.executable, "-m", "uvicorn", "workbench.api.app:api", "--host", "127.0.0.1",
                                   "--port", str(port), "--log-level", "warning"],
                                  env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for port in ports]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 120
        for url, process in zip(urls, processes, strict=True):
            while True:
                assert process.poll() is None, process.stderr.read().decode(errors="replace")[-2000:]
                try:
                    if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "an API process did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def two_apis(demo_warehouse):
    with _api_processes(2, WORKBENCH_API_REQUESTS_PER_MINUTE=str(LIMIT)) as urls:
        yield urls


def test_a_keys_rate_limit_holds_across_two_processes(two_apis, key_for):
    _, key = key_for("engineer")
    statuses = []
    for index in range(LIMIT + 6):
        url = two_apis[index % 2]  # taking turns: each process alone sees half the requests
        answer = httpx.post(f"{url}/api/rpc/execute_sql", json={"sql": "SELECT 1"},
                            headers={"Authorization": f"Bearer {key}"}, timeout=60)
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) >= 1 and "Rate limit of 10" in answer.json()["error"]
    assert statuses[:LIMIT] == [200] * LIMIT and statuses[LIMIT:] == [429] * 6


def _running(run_id: str) -> bool:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND"
                            " starts_with(application_name, %s)", (f"{execution.RUN_TAG}{run_id}:",)).fetchone()[0] == 1


def test_a_query_running_in_one_process_is_cancelled_through_the_other(two_apis, key_for):
    _, key = key_for("engineer")
    _, other_key = key_for("engineer")
    run_id = str(uuid.uuid4())
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(httpx.post, f"{two_apis[0]}/api/rpc/execute_sql",
                              json={"sql": "SELECT pg_sleep(60)", "run_id": run_id},
                              headers={"Authorization": f"Bearer {key}"}, timeout=90)
        assert wait_until(lambda: _running(run_id), 30), "the query did not start"
        refused = httpx.post(f"{two_apis[1]}/api/queries/{run_id}/cancel",
                             headers={"Authorization": f"Bearer {other_key}"}, timeout=30)
        assert refused.status_code == 200 and refused.json() == {"run_id": run_id, "cancelled": False}
        assert _running(run_id), "another user's cancel left it running"
        started = time.monotonic()
        answer = httpx.post(f"{two_apis[1]}/api/queries/{run_id}/cancel",
                            headers={"Authorization": f"Bearer {key}"}, timeout=30)
        assert answer.status_code == 200 and answer.json() == {"run_id": run_id, "cancelled": True}, answer.text
        ran = running.result(timeout=60)
    assert time.monotonic() - started < 20
    assert ran.status_code == 409 and "cancelled" in ran.json()["error"].lower(), ran.text
    assert ran.headers["X-Workbench-Process"] != answer.headers["X-Workbench-Process"], "two processes served"
    assert not _running(run_id)


def test_a_breaker_opened_through_one_process_is_open_in_the_other(migrated, monkeypatch):
    gateway.reset_breakers()
    with running_peer() as peer:
        settings = {"WORKBENCH_LLM_MODEL": "openai/peer-model", "WORKBENCH_LLM_API_BASE": peer.url,
                    "WORKBENCH_LLM_API_KEY": "not-needed", "WORKBENCH_LLM_BACKOFF_S": "0.05",
                    "WORKBENCH_LLM_BREAKER_OPEN_S": "60"}
        peer.will(*[("status", 500)] * 5)
        code = ("from services.llm import complete\n"
                "from services.core.errors import ExternalServiceError\n"
                "for _ in range(2):\n"
                "    try:\n"
                "        complete([{'role': 'user', 'content': 'hi'}], purpose='test-shared-breaker')\n"
                "    except ExternalServiceError as exc:\n"
                "        print(exc)\n")
        failing = subprocess.run([sys.executable, "-c", code], env={**os.environ, **settings}, capture_output=True,
                                 text=True, timeout=120)
        assert failing.returncode == 0, failing.stderr[-2000:]
        assert len(peer.requests) == 5  # five failures in a row opened it in that process
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        with pytest.raises(ExternalServiceError, match="circuit open"):
            complete([{"role": "user", "content": "hi"}], purpose="test-shared-breaker")
        assert len(peer.requests) == 5  # this process did not ask the failing server at all
    gateway.reset_breakers()
