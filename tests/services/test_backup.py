"""Backup and restore: a dump of the test install restored into a fresh WORKBENCH_HOME (its own embedded
server) holds the same rows, compared table by table, not eyeballed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from services.catalog import sync as catalog_sync
from services.catalog import tables as catalog
from services.core import db
from services.core import secrets as secret_box
from services.core.config import settings
from services.core.errors import Conflict, InvalidInput
from services.pipelines import store as pipeline_store
from services.pipelines.definition import parse_spec
from services.runtime import backup as backups
from services.runtime import jobs as runtime_jobs
from services.sql import execution as query_execution
from services.sql import snippets
from tests.polling import wait_until
from tests.warehouse import source_table

COMPARED = ("ip_workbench.users", "ip_workbench.sql_snippets", "ip_workbench.query_history", "ip_workbench.tables",
            "ip_workbench.table_metadata", "ip_workbench.lineage", "ip_workbench.column_lineage",
            "ip_workbench.pipelines", "ip_workbench.pipeline_versions", "ip_workbench.secrets",
            "bronze.odoo_expense_events", "silver.expenses", "gold.finance_expenses")
FINGERPRINT = """
import json, sys
from services.core import db
from services.core import secrets as secret_box
tables = json.loads(sys.argv[1])
with db.connection() as conn:
    print(json.dumps({t: conn.execute(f"SELECT count(*)::text || ':' || coalesce(md5(string_agg(r::text, '|'"
                                      f" ORDER BY r::text)), '') FROM {t} r").fetchone()[0] for t in tables}))
"""


def _fingerprints_here() -> dict[str, str]:
    with db.connection() as conn:
        return {t: conn.execute(f"SELECT count(*)::text || ':' || coalesce(md5(string_agg(r::text, '|'"
                                f" ORDER BY r::text)), '') FROM {t} r").fetchone()[0] for t in COMPARED}


def _in_home(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    env.pop("WORKBENCH_DATABASE_URL", None)
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture
def filled(demo_warehouse, make_user):
    """Content of every kind a team keeps: a snippet, a run in the history, a description, a pipeline."""
    engineer, _ = make_user("engineer")
    own = source_table("id int, amount numeric", "SELECT g, g FROM generate_series(1, 10) g", prefix="bk")
    catalog_sync.sync(embed=False)
    snippets.save(engineer, "backup check", f"SELECT count(*) FROM {own}", description="kept")
    query_execution.execute_all(engineer, f"SELECT count(*) FROM {own}", source="editor")
    catalog.edit_table(engineer, own, description="Amounts, as a backup must keep them")
    suffix = uuid.uuid4().hex[:8]
    applied = pipeline_store.apply(engineer, parse_spec({"name": f"bk_{suffix}", "definition": {"nodes": [
        {"id": "n", "type": "silver", "data": {"target": f"silver.bk_out_{suffix}", "sql": f"SELECT * FROM {own}"}}],
        "edges": []}}))
    assert applied.report.ok, applied.report.summary()
    secret_box.verify_key()  # stores the key check: a restored install must read it with the copied key
    return engineer


def test_backup_restored_into_a_fresh_home_has_the_same_rows(filled, tmp_path):
    dump = tmp_path / "workbench.dump"
    before = _fingerprints_here()
    empty = [table for table, value in before.items() if value.startswith("0:")]
    assert not empty, f"nothing to compare in {empty}"
    result = backups.backup(dump)
    assert result.bytes == dump.stat().st_size > 0
    assert any("secrets key" in item for item in result.left_out)
    home = tmp_path / "restored-home"
    home.mkdir()
    if settings().secret_key_file.exists():  # the key travels apart from the dump, as the README says
        shutil.copy2(settings().secret_key_file, home / "secret.key")
    workbench = str(Path(sys.executable).with_name("workbench"))
    restored = _in_home(home, workbench, "restore", str(dump), "--json")
    assert restored.returncode == 0, restored.stderr
    report = json.loads(restored.stdout)
    assert report["revision"] and report["notes"] == []
    after = _in_home(home, sys.executable, "-c", FINGERPRINT, json.dumps(list(COMPARED)))
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == before
    again = _in_home(home, workbench, "restore", str(dump))
    assert again.returncode == 1 and "already holds Workbench data" in again.stderr


def test_restore_refuses_a_used_install_and_a_file_that_is_no_backup(filled, tmp_path):
    before = _fingerprints_here()
    not_a_dump = tmp_path / "notes.txt"
    not_a_dump.write_text("SELECT 1;")
    with pytest.raises(InvalidInput, match="is not a Workbench backup"):
        backups.restore(not_a_dump)
    with pytest.raises(InvalidInput, match="No backup file"):
        backups.restore(tmp_path / "missing.dump")
    dump = backups.backup(tmp_path / "here.dump").path
    with pytest.raises(Conflict, match="--replace"):
        backups.restore(Path(dump))
    assert _fingerprints_here() == before


def test_the_nightly_backup_runs_on_a_worker_and_keeps_the_newest(demo_warehouse, tmp_path, monkeypatch):
    folder = tmp_path / "nightly"
    folder.mkdir()
    for day in (1, 2, 3):  # older backups, oldest first
        old = folder / f"workbench-2020010{day}-023000.dump"
        old.write_bytes(b"old")
        os.utime(old, (1_577_836_800 + day * 86_400,) * 2)
    monkeypatch.setenv("WORKBENCH_BACKUP_DIR", str(folder))
    monkeypatch.setenv("WORKBENCH_BACKUP_KEEP", "2")
    job = {j.id: j for j in runtime_jobs.scheduled_jobs()}[backups.BACKUP_JOB_ID]
    assert job.trigger is not None and str(job.trigger).startswith("cron[")
    backups.scheduled_backup()  # what the scheduler's leader does at 02:30: queue it for a worker
    worker = subprocess.Popen([str(Path(sys.executable).with_name("workbench")), "worker", "--name", "backup-w"],
                              env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        done = wait_until(lambda: len(backups.backups_in(folder)) == 2 and backups.backups_in(folder)[0].bytes > 1000)
    finally:
        worker.terminate()
        errors = worker.communicate(timeout=60)[1].decode(errors="replace")[-2000:]
    assert done, errors
    kept = backups.backups_in(folder)
    assert Path(kept[1].path).name == "workbench-20200103-023000.dump"  # the newest old one stays
    assert backups.last_backup() == kept[0]
    listed = subprocess.run([db.client_tool("pg_restore"), "--list", kept[0].path], capture_output=True, text=True)
    assert "TABLE DATA silver expenses" in listed.stdout


def test_no_backup_folder_no_nightly_job_and_a_bad_schedule_is_refused(monkeypatch):
    monkeypatch.delenv("WORKBENCH_BACKUP_DIR", raising=False)
    assert {j.id: j for j in runtime_jobs.scheduled_jobs()}[backups.BACKUP_JOB_ID].trigger is None
    assert backups.last_backup() is None
    monkeypatch.setenv("WORKBENCH_BACKUP_CRON", "every night")
    with pytest.raises(ValueError, match="WORKBENCH_BACKUP_CRON must be a cron expression"):
        settings()
