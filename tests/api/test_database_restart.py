"""Postgres really restarted (pg_ctl restart -m fast on the embedded server) under a query burst: requests in
flight fail with a clear 400/503, the pools recover by themselves, every request after the restart is
answered, and every answered query is in the history (no metadata lost)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid

import httpx

from services.core import db
from services.core.config import settings
from services.sql import execution
from tests.polling import wait_until

QUERIES = ("SELECT 1 AS one", "SELECT 1 AS one", "SELECT 1 AS one")
LONG = "SELECT 1 AS one FROM pg_sleep(30)"  # inside the database when its session is cut, for certain


def _restart_server() -> float:
    """Restart the embedded server as its own OS user (pgserver under root); the seconds it took."""
    pg_ctl = db.client_tool("pg_ctl")
    command = [pg_ctl, "-D", str(settings().pgdata), "restart", "-m", "fast", "-w", "-t", "60",
               "-l", str(settings().pgdata / "restart.log")]
    if os.geteuid() == 0:
        command = ["su", "pgserver", "-s", "/bin/sh", "-c", " ".join(command)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr or done.stdout
    return time.monotonic() - started


LONG_RUN = str(uuid.uuid4())


def _long_query_running() -> bool:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE starts_with(application_name, %s)"
                            " AND state = 'active'", (f"{execution.RUN_TAG}{LONG_RUN}:",)).fetchone()[0] > 0


def test_a_query_burst_through_a_real_restart(api_url, make_user, key_for):
    assert db.is_embedded(), "the suite runs on the embedded server (the external one is tested elsewhere)"
    user, key = key_for("engineer")
    headers = {"Authorization": f"Bearer {key}"}
    answers: list[tuple[float, int, dict]] = []
    stop = threading.Event()

    def burst(sql_text: str) -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                try:
                    response = client.post(f"{api_url}/api/rpc/execute_sql", json={"sql": sql_text},
                                           headers=headers)
                except httpx.HTTPError as exc:  # the app itself must keep answering
                    answers.append((time.monotonic(), 0, {"error": repr(exc)}))
                    continue
                answers.append((time.monotonic(), response.status_code, response.json()))

    threads = [threading.Thread(target=burst, args=(sql_text,)) for sql_text in QUERIES]
    in_flight: list[httpx.Response] = []
    threads.append(threading.Thread(target=lambda: in_flight.append(httpx.post(
        f"{api_url}/api/rpc/execute_sql", json={"sql": LONG, "run_id": LONG_RUN}, headers=headers, timeout=90))))
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        assert wait_until(lambda: _long_query_running(), 30), "the long query did not start"
        took = _restart_server()
        recovered_at = time.monotonic()
        time.sleep(4.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    after = [(status, body) for at, status, body in answers if at > recovered_at + 1.0]
    assert len(after) > 10, "the burst kept going after the restart"
    assert all(status == 200 and body["rows"] == [[1]] for status, body in after), after[:5]
    failures = [(status, body) for _, status, body in answers if status != 200]
    assert in_flight and in_flight[0].status_code in (400, 503) and in_flight[0].json()["error"], \
        "the query inside the database when the server restarted failed with a clear error"
    assert all(status in (400, 503) and body.get("error") for status, body in failures), failures[:5]
    answered = sum(1 for _, status, _ in answers if status == 200)
    with db.connection() as conn:
        recorded = conn.execute("SELECT count(*) FROM ip_workbench.query_history WHERE user_id = %s AND"
                                " status = 'completed' AND source = 'api'", (user.id,)).fetchone()[0]
    assert recorded >= answered, f"{answered} answers but {recorded} completed history entries (restart {took:.1f} s)"
