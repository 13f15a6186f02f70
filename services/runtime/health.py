"""Readiness: can this process serve requests now? The database answers, its schema is at the head
migration (required); the model server, the task queue's workers and the scheduler's leader are
reported (the app serves without them: the model starts on the first question, jobs wait for a worker)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
import redis
from alembic.script import ScriptDirectory

from services.core import db, migrations
from services.core.config import settings
from services.core.queue import QUEUE_SCHEMA
from services.core.scheduler import LEADER_LOCK
from services.llm import local_model, local_server

WORKER_SILENT_AFTER_S = 60  # a worker that has not sent a heartbeat for this long counts as gone


@dataclass(frozen=True)
class Check:
    """One dependency: whether it is fine, what was seen, and whether readiness depends on it."""

    name: str
    ok: bool
    detail: str
    required: bool = True


@dataclass
class Readiness:
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ready(self) -> bool:
        """Every required check passed."""
        return all(c.ok for c in self.checks if c.required)


def _database() -> tuple[Check, psycopg.Connection | None]:
    try:
        conn = psycopg.connect(db.database_url(), connect_timeout=3, autocommit=True)
        conn.execute("SET statement_timeout = '3s'")
        conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return Check("database", False, f"cannot reach the database: {str(exc).strip().splitlines()[0]}"), None
    return Check("database", True, f"PostgreSQL {conn.info.server_version // 10000} answers"), conn


def _migrations(conn: psycopg.Connection) -> Check:
    head = ScriptDirectory.from_config(migrations.alembic_config()).get_current_head()
    try:
        current = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.Error:
        current = None
    current_revision = current[0] if current else None
    if current_revision == head:
        return Check("migrations", True, f"at head ({head})")
    return Check("migrations", False, f"at {current_revision or 'nothing'}, head is {head}: run `workbench setup`")


def _model_server() -> Check:
    if settings().llm_model:
        return Check("model_server", True, f"a configured model ({settings().llm_model}); no local server", False)
    recorded = local_server.running()
    if recorded is not None:
        return Check("model_server", True, f"the local model server runs (pid {recorded.pid})", False)
    if local_model.model_ready() and local_model.llama_cpp_installed():
        return Check("model_server", True, "not running; starts on the first question", False)
    return Check("model_server", False, "the local model is not prepared (make model) and no model is configured",
                 False)


def _redis() -> Check | None:
    """With REDIS_URL the browsers' state lives in Redis: without it no page event can be served."""
    url = settings().redis_url
    if not url:
        return None
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2) as client:
            client.ping()
    except (redis.RedisError, ValueError) as exc:
        return Check("redis", False, f"cannot reach Redis ({_without_password(url)}): {exc}")
    return Check("redis", True, f"Redis answers ({_without_password(url)})")


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}" if "@" in rest else url


def _queue(conn: psycopg.Connection) -> Check:
    waiting, alive = conn.execute(
        f"SELECT (SELECT count(*) FROM {QUEUE_SCHEMA}.procrastinate_jobs WHERE status = 'todo' AND"
        " (scheduled_at IS NULL OR scheduled_at <= now())), (SELECT count(*) FROM"
        f" {QUEUE_SCHEMA}.procrastinate_workers WHERE last_heartbeat > now() - make_interval(secs => %s))",
        (WORKER_SILENT_AFTER_S,)).fetchone()
    detail = f"{alive} worker(s) alive, {waiting} job(s) waiting"
    return Check("queue", alive > 0 or waiting == 0, detail, False)


def _scheduler(conn: psycopg.Connection) -> Check:
    leaders = scheduler_leaders(conn)
    return Check("scheduler", leaders == 1, f"{leaders} process(es) lead the scheduler", False)


def scheduler_leaders(conn: psycopg.Connection, lock_key: int = LEADER_LOCK) -> int:
    """How many sessions hold the scheduler's leader lock (1 when an app process runs). A one-bigint advisory
    lock shows in pg_locks as its high and low 32 bits (classid, objid) with objsubid 1."""
    return conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s"
                        " AND objid = %s AND objsubid = 1", (lock_key >> 32, lock_key & 0xFFFFFFFF)).fetchone()[0]


def _guarded(name: str, check: Callable[[psycopg.Connection], Check], conn: psycopg.Connection) -> Check:
    """A check that reports a database error as its own failure instead of raising it."""
    try:
        return check(conn)
    except psycopg.Error as exc:
        return Check(name, False, f"could not check: {str(exc).strip().splitlines()[0]}", False)


def readiness() -> Readiness:
    """Every check, each with its own short timeout; never raises."""
    started = time.perf_counter()
    report = Readiness()
    database, conn = _database()
    report.checks.append(database)
    if conn is not None:
        with conn:
            migrated = _migrations(conn)
            report.checks.append(migrated)
            for name, check in (("queue", _queue), ("scheduler", _scheduler)):
                report.checks.append(_guarded(name, check, conn) if migrated.ok else
                                     Check(name, False, "unknown until the database is migrated", False))
    else:
        report.checks.append(Check("migrations", False, "unknown: the database does not answer"))
    if (state_store := _redis()) is not None:
        report.checks.append(state_store)
    report.checks.append(_model_server())
    report.seconds = time.perf_counter() - started
    return report
