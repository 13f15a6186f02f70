"""A query burst against the API while the database goes away: three clients posting `SELECT 1` in a loop,
and one long query that is inside the database (found by its run id) when the sessions are cut."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from services.core import db
from services.sql import execution
from tests.polling import wait_until

QUICK = "SELECT 1 AS one"
LONG = "SELECT 1 AS one FROM pg_sleep(30)"


@dataclass
class Burst:
    answers: list[tuple[float, int, dict]] = field(default_factory=list)  # (when, status, body); 0: no answer
    in_flight: list[httpx.Response] = field(default_factory=list)  # the long query's answer
    long_run_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def long_query_running(self) -> bool:
        """The long query's session is active in the database."""
        with db.connection() as conn:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE starts_with(application_name, %s)"
                                " AND state = 'active'",
                                (f"{execution.RUN_TAG}{self.long_run_id}:",)).fetchone()[0] > 0

    def failures(self, before: float | None = None) -> list[tuple[int, dict]]:
        """Answers other than 200 (before a moment, when given)."""
        return [(status, body) for at, status, body in self.answers
                if status != 200 and (before is None or at < before)]

    def after(self, moment: float) -> list[tuple[int, dict]]:
        return [(status, body) for at, status, body in self.answers if at > moment]


@contextmanager
def query_burst(api_url: str, key: str) -> Iterator[Burst]:
    """Run the burst for the block; it has started and the long query is in the database when the block
    begins. On leaving, the clients stop and every thread is joined."""
    headers = {"Authorization": f"Bearer {key}"}
    burst, stop = Burst(), threading.Event()

    def client_loop() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                try:
                    response = client.post(f"{api_url}/api/rpc/execute_sql", json={"sql": QUICK}, headers=headers)
                except httpx.HTTPError as exc:  # the app itself must keep answering
                    burst.answers.append((time.monotonic(), 0, {"error": repr(exc)}))
                    continue
                burst.answers.append((time.monotonic(), response.status_code, response.json()))

    threads = [threading.Thread(target=client_loop) for _ in range(3)]
    threads.append(threading.Thread(target=lambda: burst.in_flight.append(httpx.post(
        f"{api_url}/api/rpc/execute_sql", json={"sql": LONG, "run_id": burst.long_run_id}, headers=headers,
        timeout=90))))
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        assert wait_until(burst.long_query_running, 30), "the long query did not start"
        yield burst
    finally:
        stop.set()
        for thread in threads:
            thread.join(90)
