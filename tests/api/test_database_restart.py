"""Postgres really restarted (pg_ctl restart -m fast on the embedded server) under a query burst: requests in
flight fail with a clear 400/503, the pools recover by themselves, every request after the restart is
answered, and every answered query is in the history (no metadata lost)."""

from __future__ import annotations

import os
import subprocess
import time

from services.core import db
from services.core.config import settings
from tests.api.burst import query_burst


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


def test_a_query_burst_through_a_real_restart(api_url, make_user, key_for):
    assert db.is_embedded(), "the suite runs on the embedded server (the external one is tested elsewhere)"
    user, key = key_for("engineer")
    with query_burst(api_url, key) as burst:
        took = _restart_server()
        recovered_at = time.monotonic()
        time.sleep(4.0)
    after = burst.after(recovered_at + 1.0)
    assert len(after) > 10, "the burst kept going after the restart"
    assert all(status == 200 and body["rows"] == [[1]] for status, body in after), after[:5]
    assert burst.in_flight and burst.in_flight[0].status_code in (400, 503) and burst.in_flight[0].json()["error"], \
        "the query inside the database when the server restarted failed with a clear error"
    failures = burst.failures()
    assert all(status in (400, 503) and body.get("error") for status, body in failures), failures[:5]
    answered = sum(1 for _, status, _ in burst.answers if status == 200)
    with db.connection() as conn:
        recorded = conn.execute("SELECT count(*) FROM ip_workbench.query_history WHERE user_id = %s AND"
                                " status = 'completed' AND source = 'api'", (user.id,)).fetchone()[0]
    assert recorded >= answered, f"{answered} answers but {recorded} completed history entries (restart {took:.1f} s)"
