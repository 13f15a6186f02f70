"""The database going away under load, as a restart looks from the app: every session cut, new ones refused
for a while, then accepted again. During the outage requests fail with a clear 4xx/5xx body; afterwards the
pools have replaced their broken connections and every request succeeds; nothing half-written remains."""

from __future__ import annotations

import time

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from services.core import db
from tests.api.burst import query_burst

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


def test_a_query_burst_through_an_outage_gets_clear_errors_then_only_answers(api_url, key_for):
    _, key = key_for("engineer")
    control, database = _control()
    try:
        with query_burst(api_url, key) as burst:
            _cut_off(control, database)
            time.sleep(OUTAGE_S)
            _back(control, database)
            recovered_at = time.monotonic()
            time.sleep(3.0)
    finally:
        _back(control, database)
        control.close()
    after = burst.after(recovered_at + 1.0)
    assert len(after) > 10, "the burst kept going after the database came back"
    assert all(status == 200 and body["rows"] == [[1]] for status, body in after), after[:5]
    assert burst.in_flight and burst.in_flight[0].status_code in (400, 503) and burst.in_flight[0].json()["error"], \
        "the query inside the database when its session was cut failed with a clear error"
    failures = burst.failures(before=recovered_at)
    assert all(status in (400, 503) and body.get("error") for status, body in failures), failures[:5]
    assert all(status != 500 for status, _ in failures)
