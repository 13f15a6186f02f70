"""Settings › System (Admin): how the deployment is doing (the readiness checks, the processes it runs)
and its backups (the last one and its size, where and when the next one goes), and a backup on demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from typing import Any

from services.core import db, scheduler
from services.core.config import settings
from services.core.cron import describe
from services.core.errors import InvalidInput
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.runtime import backup
from services.runtime.health import Readiness, readiness


@dataclass(frozen=True)
class BackupPlan:
    """Where nightly backups go and when; None folder when WORKBENCH_BACKUP_DIR is unset."""

    folder: str | None
    schedule: str
    schedule_text: str
    keep: int
    next_at: datetime | None
    last: backup.BackupFile | None
    left_out: list[str]


@dataclass(frozen=True)
class SystemOverview:
    version: str
    readiness: Readiness
    app_processes: int
    shared_state: str
    backups: BackupPlan


def overview(actor: Any) -> SystemOverview:
    """Everything Settings › System shows (admins only)."""
    authorize(actor, Permission.MANAGE_USERS)
    current = settings()
    plan = BackupPlan(folder=str(current.backup_dir) if current.backup_dir else None,
                      schedule=current.backup_cron, schedule_text=describe(current.backup_cron),
                      keep=current.backup_keep,
                      next_at=scheduler.next_run(backup.BACKUP_JOB_ID) if current.backup_dir else None,
                      last=backup.last_backup(), left_out=backup.left_out())
    return SystemOverview(version=metadata.version("workbench"), readiness=readiness(),
                          app_processes=current.workers,
                          shared_state="Redis" if current.redis_url else "this machine's disk (one process)",
                          backups=plan)


def back_up_now(actor: Any, *, client_address: str | None = None) -> int:
    """Queue a backup into WORKBENCH_BACKUP_DIR now (a worker writes it, then prunes to the kept number);
    returns the queue's job id. Backups run one at a time."""
    authorize(actor, Permission.MANAGE_USERS, client_address=client_address)
    if settings().backup_dir is None:
        raise InvalidInput("Set WORKBENCH_BACKUP_DIR to a folder for backups first (or run `workbench backup"
                           " FILE`).")
    with db.connection() as conn:
        job_id = backup.queue_backup(conn)
    audit.record(action="backup_requested", actor=actor, target=str(settings().backup_dir),
                 client_address=client_address)
    return job_id
