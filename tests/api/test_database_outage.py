"""The database going away under load, as a restart looks from the app: every session cut, new ones refused
for a while, then accepted again. During the outage requests fail with a clear 4xx/5xx body; afterwards the
pools have replaced their broken connections and every request succeeds; nothing half-written remains."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from services.core import db
from services.sql import execution
from tests.polling import wait_until

QUERIES = ("SELECT 1 AS one", "SELECT 1 AS one", "SELECT 1 AS one")
LONG = "SELECT 1 AS one FROM pg_sleep(30)"  # inside the database when its session is cut, for certain

OUTAGE_S = 2.0


def _control() -> tuple[psycopg.Connection, str]:
    """A session on the server's maintenance database, from which ours can be shut and opened."""
    params = conninfo_to_dict(db.database_url())
    database = params["dbname"]
    return psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True), database


def _cut_off(control: psycopg.Connection, database: str) -> None:
    """What a restart does to clients: new sessions refused, every existing one terminated."""
    control.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(database)))
    control.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,))


def _back(control: psycopg.Connection, database: str) -> None:
    control.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(database)))


LONG_RUN = str(uuid.uuid4())


def _long_query_running() -> bool:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE starts_with(application_name, %s)"
                            " AND state = 'active'", (f"{execution.RUN_TAG}{LONG_RUN}:",)).fetchone()[0] > 0


def test_a_query_burst_through_an_outage_gets_clear_errors_then_only_answers(api_url, key_for):
    _, key = key_for("engineer")
    headers = {"Authorization": f"Bearer {key}"}
    answers: list[tuple[float, int, dict]] = []
    stop = threading.Event()

    def burst(sql_text: str) -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                response = client.post(f"{api_url}/api/rpc/execute_sql", json={"sql": sql_text},
                                       headers=headers)
                answers.append((time.monotonic(), response.status_code, response.json()))

    control, database = _control()
    threads = [threading.Thread(target=burst, args=(sql_text,)) for sql_text in QUERIES]
    in_flight: list[httpx.Response] = []
    threads.append(threading.Thread(target=lambda: in_flight.append(httpx.post(
        f"{api_url}/api/rpc/execute_sql", json={"sql": LONG, "run_id": LONG_RUN}, headers=headers, timeout=90))))
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        assert wait_until(lambda: _long_query_running(), 30), "the long query did not start"
        _cut_off(control, database)
        time.sleep(OUTAGE_S)
        _back(control, database)
        recovered_at = time.monotonic()
        time.sleep(3.0)
    finally:
        _back(control, database)
        stop.set()
        for thread in threads:
            thread.join(60)
        control.close()
    during = [(status, body) for at, status, body in answers if at < recovered_at]
    after = [(status, body) for at, status, body in answers if at > recovered_at + 1.0]
    assert len(after) > 10, "the burst kept going after the database came back"
    assert all(status == 200 and body["rows"] == [[1]] for status, body in after), after[:5]
    failures = [(status, body) for status, body in during if status != 200]
    assert in_flight and in_flight[0].status_code in (400, 503) and in_flight[0].json()["error"], \
        "the query inside the database when its session was cut failed with a clear error"
    assert all(status in (400, 503) and body.get("error") for status, body in failures), failures[:5]
    assert all(status != 500 for status, _ in failures)
