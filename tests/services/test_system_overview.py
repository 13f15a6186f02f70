"""Settings › System's service: admins only; the last backup with its size; a backup on demand is queued."""

from __future__ import annotations

import pytest

from services.core import db
from services.core.errors import InvalidInput, PermissionDenied
from services.runtime import backup, system


def test_only_admins_read_the_system_overview(migrated, make_user):
    for role in ("viewer", "engineer", "service"):
        with pytest.raises(PermissionDenied):
            system.overview(make_user(role)[0])
        with pytest.raises(PermissionDenied):
            system.back_up_now(make_user(role)[0])


def test_the_overview_shows_the_newest_backup_and_its_size(migrated, make_user, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_BACKUP_DIR", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_BACKUP_CRON", "15 3 * * *")
    (tmp_path / "workbench-20261101-023000.dump").write_bytes(b"x" * 10)
    newest = tmp_path / "workbench-20261102-023000.dump"
    newest.write_bytes(b"y" * 2048)
    found = system.overview(make_user("admin")[0])
    assert found.backups.last is not None and found.backups.last.path == str(newest)
    assert found.backups.last.bytes == 2048
    assert found.backups.folder == str(tmp_path) and found.backups.schedule_text == "At 03:15 AM"
    assert {c.name for c in found.readiness.checks} >= {"database", "migrations"}


def test_back_up_now_needs_a_folder_and_queues_one_backup(migrated, make_user, monkeypatch, tmp_path):
    admin = make_user("admin")[0]
    monkeypatch.delenv("WORKBENCH_BACKUP_DIR", raising=False)
    with pytest.raises(InvalidInput, match="WORKBENCH_BACKUP_DIR"):
        system.back_up_now(admin)
    monkeypatch.setenv("WORKBENCH_BACKUP_DIR", str(tmp_path))
    job_id = system.back_up_now(admin)
    with db.connection() as conn:
        task, status = conn.execute("SELECT task_name, status FROM procrastinate.procrastinate_jobs WHERE id = %s",
                                    (job_id,)).fetchone()
        with conn.transaction():  # no worker should take it later (the queue's triggers need its search path)
            conn.execute("SET LOCAL search_path TO procrastinate")
            conn.execute("DELETE FROM procrastinate.procrastinate_jobs WHERE id = %s", (job_id,))
        audited = conn.execute("SELECT count(*) FROM ip_workbench.audit_log WHERE action = 'backup_requested'"
                               " AND actor_id = %s", (admin.id,)).fetchone()[0]
    assert (task, status) == (backup.BACKUP_TASK, "todo") and audited == 1
