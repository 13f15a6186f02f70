"""Backups of the whole database (metadata, warehouse, task queue) with Postgres's own pg_dump and
pg_restore: the embedded server's binaries, or those on PATH for a configured server.

What a dump does not hold: the secrets key (WORKBENCH_SECRET_KEY or the key file under WORKBENCH_HOME),
kept apart on purpose; a restore needs the same key to read the stored secrets. Database roles are
cluster-wide and are not dumped either: a restore re-creates the query roles and their grants."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from services.activity import alerts
from services.core import db, migrations, row_security
from services.core import secrets as secret_box
from services.core.config import settings
from services.core.errors import Conflict, InvalidInput, WorkbenchError
from services.core.queue import enqueue
from services.sql import roles as query_roles

TOOL_TIMEOUT_S = 6 * 3600
BACKUP_QUEUE = "maintenance"
BACKUP_TASK = "runtime.nightly_backup"
BACKUP_JOB_ID = "nightly_backup"
FILE_PREFIX = "workbench-"


class BackupFailed(WorkbenchError):
    status_code = 500


@dataclass(frozen=True)
class BackupResult:
    path: str
    bytes: int
    seconds: float
    left_out: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RestoreResult:
    path: str
    seconds: float
    revision: str | None
    notes: list[str] = field(default_factory=list)


def left_out() -> list[str]:
    """What a backup never holds, for the person keeping it."""
    where = "WORKBENCH_SECRET_KEY" if settings().secret_key else f"the key file {settings().secret_key_file}"
    return [f"the secrets key ({where}): keep a copy apart from the backups; a restore needs it to read stored"
            " secrets",
            "database roles (cluster-wide): the query roles and the roles the app acts as are re-created on restore"]


def _tool(name: str) -> str:
    path = db.client_tool(name)
    if path is None:
        raise BackupFailed(f"{name} is not installed here (apt-get install postgresql-client, the same major"
                           " version as the server or newer).")
    return path


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S,
                          env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupFailed(f"{what} failed: {' '.join(detail[-3:])[:1500]}")


def backup(path: Path) -> BackupResult:
    """Write a consistent dump (pg_dump's custom format, one snapshot) to `path`; written beside it first
    and renamed, so an interrupted backup never leaves a half file under the name."""
    path = path.expanduser().resolve()
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name for the backup.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    try:
        _run([_tool("pg_dump"), "--format=custom", "--compress=6", f"--file={partial}",
              f"--dbname={db.database_url()}"], "pg_dump")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(str(path), path.stat().st_size, time.perf_counter() - started, left_out())


def _holds_workbench() -> bool:
    with db.connection() as conn:
        return conn.execute("SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'ip_workbench')").fetchone()[0]


def _placeholder_roles() -> None:
    """The query roles the restored metadata names, created without login when this server lacks them, so
    the dump's grants to them apply; `query_roles.prepare` gives them their login and password after. The
    roles the app acts as for row-level security are created (or repaired) with their grants."""
    with db.connection() as conn:
        row_security.ensure_roles(conn)
        for (name,) in conn.execute("SELECT role_name FROM ip_workbench.query_roles").fetchall():
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)))


def _restore_privileges(restore_tool: str, path: Path) -> list[str]:
    """The dump's grants and revocations (warehouse grants, the hardening of system functions), each on
    its own: one naming a role this server lacks fails alone and comes back as a note."""
    toc = subprocess.run([restore_tool, "--list", str(path)], capture_output=True, text=True, timeout=600).stdout
    entries = [line for line in toc.splitlines() if line and not line.startswith(";") and " ACL " in line]
    if not entries:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listing:
        listing.write("\n".join(entries) + "\n")
    try:
        done = subprocess.run([restore_tool, f"--use-list={listing.name}", f"--dbname={db.database_url()}",
                               str(path)], capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    finally:
        os.unlink(listing.name)
    return [f"a grant was not restored: {line.strip()}" for line in done.stderr.splitlines()
            if "error:" in line.lower() and "errors ignored" not in line.lower()]


def restore(path: Path, *, replace: bool = False) -> RestoreResult:
    """Restore a backup into this install's database: every object and row in one transaction (all or
    nothing), then the grants, then the head migration and the query roles' logins. Refuses a database
    that already holds Workbench unless `replace` (then the dump's objects are dropped and re-created)."""
    path = path.expanduser().resolve()
    if not path.is_file():
        raise InvalidInput(f"No backup file at {path}.")
    restore_tool = _tool("pg_restore")
    listed = subprocess.run([restore_tool, "--list", str(path)], capture_output=True, text=True, timeout=600)
    if listed.returncode != 0:
        raise InvalidInput(f"{path} is not a Workbench backup (pg_restore cannot read it: "
                           f"{listed.stderr.strip()[:300]}).")
    if _holds_workbench() and not replace:
        raise Conflict("This install's database already holds Workbench data; restore into an empty install"
                       " (a new WORKBENCH_HOME or an empty database), or pass --replace to overwrite it.")
    started = time.perf_counter()
    command = [restore_tool, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
               f"--dbname={db.database_url()}"]
    if replace:
        command += ["--clean", "--if-exists"]
    db.close_pool()  # nothing of ours holds a lock on what pg_restore drops
    _run([*command, str(path)], "pg_restore")
    _placeholder_roles()
    notes = _restore_privileges(restore_tool, path)
    with db.connection() as conn:
        query_roles.revoke_public_temporary(conn)
        row_security.ensure_roles(conn)  # again: the dump's grants named this database's roles as they were
    migrations.upgrade("head")  # a backup of an older release moves forward
    try:
        secret_box.verify_key()
    except secret_box.SecretKeyMismatch as exc:  # the query roles' passwords are stored encrypted too
        notes.append(f"{exc} Then run `workbench db upgrade` to give the query roles their logins.")
    else:
        notes += [f"gap: {gap}" for gap in query_roles.prepare()]
    return RestoreResult(str(path), time.perf_counter() - started, migrations.current_revision(), notes)


@dataclass(frozen=True)
class BackupFile:
    path: str
    bytes: int
    written_at: datetime


def backups_in(folder: Path) -> list[BackupFile]:
    """The nightly backups kept in `folder`, newest first."""
    found = [BackupFile(str(p), p.stat().st_size, datetime.fromtimestamp(p.stat().st_mtime, UTC))
             for p in folder.glob(f"{FILE_PREFIX}*.dump") if p.is_file()]
    return sorted(found, key=lambda b: b.written_at, reverse=True)


def last_backup() -> BackupFile | None:
    """The newest backup in WORKBENCH_BACKUP_DIR (None when unset or empty), for Settings and status."""
    folder = settings().backup_dir
    kept = backups_in(folder) if folder is not None and folder.is_dir() else []
    return kept[0] if kept else None


def queue_backup(conn: psycopg.Connection) -> int:
    """Queue a backup into WORKBENCH_BACKUP_DIR for a worker (backups run one at a time); the job id."""
    return enqueue(conn, BACKUP_TASK, queue_name=BACKUP_QUEUE, lock=BACKUP_JOB_ID)


def scheduled_backup() -> None:
    """The scheduler's nightly job: queue the backup (whichever process leads)."""
    with db.connection() as conn:
        queue_backup(conn)


def nightly_backup() -> str:
    """Back up into WORKBENCH_BACKUP_DIR, then keep only the newest WORKBENCH_BACKUP_KEEP; a failure
    becomes an alert on Home as well as the task's error."""
    folder = settings().backup_dir
    if folder is None:
        return "WORKBENCH_BACKUP_DIR is unset: nothing to do"
    name = f"{FILE_PREFIX}{datetime.now(UTC):%Y%m%d-%H%M%S}.dump"
    try:
        result = backup(folder / name)
    except WorkbenchError as exc:
        with db.connection() as conn:
            alerts.raise_alert(conn, "error", "backup", f"The nightly backup failed: {exc}")
        raise
    removed = 0
    for old in backups_in(folder)[settings().backup_keep:]:
        Path(old.path).unlink(missing_ok=True)
        removed += 1
    return f"{result.path}: {result.bytes:,} bytes in {result.seconds:.1f} s; {removed} older backup(s) removed"
