"""A query running in one process (an app process, a worker) is cancelled from another: the cancel finds
its session by the run's tag in pg_stat_activity, so the database work stops whichever process asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

from services.core import db
from services.sql import execution

RUNNER = """
import json, sys, time
from services.core.errors import QueryCancelled, QueryFailed
from services.identity.users import find_by_email
from services.sql import execution
started = time.monotonic()
try:
    execution.execute(find_by_email(sys.argv[1]), "SELECT pg_sleep(60)", run_id=sys.argv[2])
    print(json.dumps({"outcome": "finished"}))
except QueryCancelled as exc:
    print(json.dumps({"outcome": "cancelled", "message": str(exc), "seconds": time.monotonic() - started}))
except QueryFailed as exc:
    print(json.dumps({"outcome": "failed", "message": str(exc)}))
"""


def _active(run_id: str) -> bool:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE starts_with(application_name, %s)"
                            " AND state = 'active'", (f"{execution.RUN_TAG}{run_id}:",)).fetchone()[0] == 1


def test_a_cancel_from_another_process_stops_the_database_work(demo_warehouse, make_user):
    engineer = make_user("engineer")[0]
    run_id = uuid.uuid4().hex
    runner = subprocess.Popen([sys.executable, "-c", RUNNER, engineer.email, run_id], env=dict(os.environ),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _active(run_id):
        assert runner.poll() is None and time.monotonic() < deadline, runner.stderr.read()[-2000:]
        time.sleep(0.1)
    assert execution.cancel(make_user("engineer")[0], run_id) is False, "another engineer cannot cancel it"
    assert _active(run_id)
    assert execution.cancel(engineer, run_id) is True  # this process never ran it
    out, err = runner.communicate(timeout=30)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["outcome"] == "cancelled" and result["message"] == "Query cancelled.", (result, err[-2000:])
    assert result["seconds"] < 20
    assert not _active(run_id)
    assert execution.cancel(engineer, run_id) is False  # nothing runs under that id any more
    with db.connection() as conn:
        status = conn.execute("SELECT status FROM ip_workbench.query_history WHERE user_id = %s ORDER BY executed_at"
                              " DESC LIMIT 1", (engineer.id,)).fetchone()[0]
    assert status == "cancelled"
