"""The one entry point that runs user SQL: editor, REST API, CLI, Genie and agents all come here.

Each statement is parsed and allowed or refused first (`services/sql/policy.py`). SQL runs as a
least-privileged login role (reader for viewers, in READ ONLY transactions; writer for the others); each
transaction sets its statement timeout and search path, a watchdog cancels and then terminates a
statement that outlives them, and every pooled connection is reset (`DISCARD ALL`) and checked before
anyone else gets it. The last statement's rows come back a page at a time from a server-side cursor, up
to a row cap and a byte cap. Every run is kept in query_history."""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from services.core import db
from services.core.config import settings
from services.core.errors import InvalidInput, NotFound, PermissionDenied, QueryCancelled, QueryFailed
from services.core.text import check_text
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.sql import policy
from services.sql import roles as query_roles
from services.sql.split import Statement, split_statements

MAX_SQL_CHARS = 1_000_000
IDLE_RESULT_SECONDS = 600
CANCEL_GRACE_S = 2.0  # after the statement timeout, the watchdog cancels ...
TERMINATE_GRACE_S = 5.0  # ... and after this, ends the backend (a loop that swallows cancellation)
FIRST_FETCH = 16  # rows asked for before their weight is known
_DENIED_SQLSTATES = {"42501"}  # insufficient_privilege


@dataclass(frozen=True)
class Column:
    name: str
    type_name: str


@dataclass
class QueryResult:
    run_id: str
    columns: list[Column]
    rows: list[tuple[Any, ...]]
    has_more: bool
    execution_time_ms: int
    statements: int
    status_message: str
    rows_fetched: int = 0
    history_id: str = ""
    truncated_reason: str = ""  # set when the result was cut at the byte cap


class _Portal:
    """A server-side cursor we declare ourselves, so error positions map back to the user's text."""

    def __init__(self, conn: psycopg.Connection, name: str, hold: bool) -> None:
        self.conn, self.name = conn, name
        self.prefix = f'DECLARE "{name}" NO SCROLL CURSOR {"WITH" if hold else "WITHOUT"} HOLD FOR '
        self.cursor = conn.cursor()
        self.description = None
        self.statusmessage = None
        self.rowcount = -1

    def execute(self, statement: str) -> None:
        self.cursor.execute(self.prefix + statement, prepare=False)

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        self.cursor.execute(f'FETCH FORWARD {int(size)} FROM "{self.name}"', prepare=False)
        self.description = self.cursor.description
        return self.cursor.fetchall()

    @property
    def closed(self) -> bool:
        return self.cursor.closed

    def close(self) -> None:
        if not self.cursor.closed:
            if self.conn.info.transaction_status in (psycopg.pq.TransactionStatus.INTRANS,
                                                     psycopg.pq.TransactionStatus.IDLE):
                with contextlib.suppress(psycopg.Error):
                    self.cursor.execute(f'CLOSE "{self.name}"', prepare=False)
            self.cursor.close()


@dataclass
class _OpenResult:
    """A result still being paged: its connection stays checked out until exhausted, closed or idle."""

    owner_id: str | None
    commit: bool  # a writer's transaction is committed when the result is closed
    pool: ConnectionPool
    conn: psycopg.Connection
    cursor: _Portal | psycopg.Cursor
    fetched: int
    history_id: str
    fetched_bytes: int = 0
    last_used: float = field(default_factory=time.monotonic)


_pools: dict[str, ConnectionPool] = {}
_running: dict[str, psycopg.Connection] = {}
_owners: dict[str, str | None] = {}  # run id -> the user who started it
_cancel_requested: set[str] = set()
_terminated: set[str] = set()
_overdue: set[str] = set()
RUN_TAG = "workbench-run:"  # application_name of a session while it runs a query: any process can find it
_open: dict[str, _OpenResult] = {}
_lock = threading.Lock()


def _kind_for(role: str) -> str:
    return "reader" if role == "viewer" else "writer"


def _pool(kind: str) -> ConnectionPool:
    with _lock:
        pool = _pools.get(kind)
    if pool is not None:
        return pool
    conninfo = query_roles.conninfo_for(kind)

    expected = expected_session(kind)

    def configure(conn: psycopg.Connection) -> None:
        conn.read_only = kind == "reader"
        _check_session(conn, expected)

    def reset(conn: psycopg.Connection) -> None:
        reset_session(conn, expected)

    # No server-side prepared statements: DISCARD ALL drops them between users.
    # check: a connection broken by a server restart is replaced when taken, not handed to a request.
    created = ConnectionPool(conninfo, min_size=1, max_size=10, open=True, configure=configure, reset=reset,
                             check=ConnectionPool.check_connection, kwargs={"prepare_threshold": None},
                             name=f"workbench-query-{kind}")
    with _lock:
        if kind in _pools:
            created.close()
            return _pools[kind]
        _pools[kind] = created
        return created


def expected_session(kind: str) -> tuple[str, str, str]:
    """Statement timeout (as Postgres shows it, e.g. 30s), search path and read-only default every session of
    `kind` must have; pins them on the role first if someone changed them."""
    with db.connection() as conn:
        pinned = query_roles.pinned_settings(kind)
        query_roles.pin_settings(conn, query_roles.stored_roles(conn))
        conn.execute(f"SET LOCAL statement_timeout = '{pinned['statement_timeout']}'")
        shown = conn.execute("SELECT current_setting('statement_timeout')").fetchone()[0]  # e.g. 30s
        conn.rollback()
    return shown, pinned["search_path"], pinned.get("default_transaction_read_only", "off")


# What DISCARD ALL does, as statements that may share one round trip with the check that follows (DISCARD
# ALL itself must run alone). Advisory locks need no unlocking: the query roles may not take them.
_RESET = ("CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DEALLOCATE ALL; UNLISTEN *;"
          " DISCARD PLANS; DISCARD SEQUENCES; DISCARD TEMP; ")
_SETTINGS = ("SELECT current_setting('statement_timeout'), current_setting('search_path'),"
             " current_setting('default_transaction_read_only')")


def reset_session(conn: psycopg.Connection, expected: tuple[str, str, str]) -> None:
    """Before anyone else gets a pooled connection: forget everything the last user's session did (settings,
    cursors, temporary objects, prepared statements, LISTENs) and check, in the same round trip, that it is
    back at its pinned settings; raises so the pool discards it otherwise."""
    conn.autocommit = True
    try:
        cursor = conn.execute(_RESET + _SETTINGS)
        while cursor.nextset():
            pass
        found = cursor.fetchone()
    finally:
        conn.autocommit = False
    _compare(found, expected)


def _check_session(conn: psycopg.Connection, expected: tuple[str, str, str]) -> None:
    """Raise (so the pool discards the connection) unless the session is at its pinned settings."""
    found = conn.execute(_SETTINGS).fetchone()
    conn.rollback()
    _compare(found, expected)


def _compare(found: tuple | None, expected: tuple[str, str, str]) -> None:
    if found is None or tuple(found) != expected:
        raise psycopg.OperationalError(f"query session not at its pinned settings: {found} != {expected}")


def close_pools() -> None:
    """Close every query connection (tests, shutdown)."""
    with _lock:
        results, pools = list(_open.values()), list(_pools.values())
        _open.clear()
        _pools.clear()
    for result in results:
        _release(result.pool, result.conn, result.cursor)
    for pool in pools:
        pool.close()


def _busy(conn: psycopg.Connection) -> bool:
    """True while something (a COPY left open) holds the connection: a rollback would wait forever."""
    if not conn.lock.acquire(blocking=False):
        return True
    conn.lock.release()
    return False


def _release(pool: ConnectionPool, conn: psycopg.Connection, cursor: _Portal | psycopg.Cursor | None = None,
             *, commit: bool = False) -> None:
    """Return a connection to its pool; a writer's successful work is committed, anything else rolled back.
    A connection that cannot be brought back to idle (an error mid-stream, a COPY cut short, a terminated
    backend) is closed, so the pool replaces it instead of handing it on."""
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.ACTIVE or _busy(conn):
        conn.close()  # mid-COPY or mid-fetch: nothing can wait on it safely
        pool.putconn(conn)
        return
    try:
        if cursor is not None and not cursor.closed:
            cursor.close()
        if conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS and commit:
            conn.commit()
        elif conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
    except Exception:  # noqa: BLE001 - whatever went wrong, this connection is not handed on
        conn.close()
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.close()
    pool.putconn(conn)


def _history_record(actor: Any, sql_text: str, source: str, status: str, *, rows: int | None = None,
                    ms: int | None = None, error: str | None = None, sqlstate: str | None = None) -> str:
    """One history row per run, written when the run ends (one round trip, no waiting on the disk flush)."""
    with db.connection() as conn:
        conn.execute("SET LOCAL synchronous_commit = off")
        return str(conn.execute(
            "INSERT INTO ip_workbench.query_history (user_id, sql, status, source, rows_returned, execution_time_ms,"
            " error_message, sqlstate) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (getattr(actor, "id", None), sql_text, status, source, rows, ms, error, sqlstate)).fetchone()[0])


def _history_finish(history_id: str, status: str, *, rows: int | None = None, ms: int | None = None,
                    error: str | None = None, sqlstate: str | None = None) -> None:
    with db.connection() as conn:
        conn.execute("SET LOCAL synchronous_commit = off")
        conn.execute(
            "UPDATE ip_workbench.query_history SET status = %s, rows_returned = coalesce(%s, rows_returned),"
            " execution_time_ms = coalesce(%s, execution_time_ms), error_message = %s, sqlstate = %s"
            " WHERE id = %s", (status, rows, ms, error, sqlstate, history_id))


def _type_names(conn: psycopg.Connection, oids: list[int]) -> dict[int, str]:
    known = {}
    for oid in oids:
        info = conn.adapters.types.get(oid)
        if info is not None:
            known[oid] = info.name
    missing = [o for o in oids if o not in known]
    if missing:
        with conn.cursor() as cur:
            for oid, name in cur.execute("SELECT oid::int, format_type(oid, NULL) FROM pg_type WHERE oid = ANY(%s)",
                                         (missing,)):
                known[oid] = name
    return known


def _columns(conn: psycopg.Connection, cursor: psycopg.Cursor) -> list[Column]:
    description = cursor.description or []
    names = _type_names(conn, [c.type_code for c in description])
    return [Column(c.name, names.get(c.type_code, "unknown")) for c in description]


def _position(exc: psycopg.Error, statement: Statement, prefix_length: int) -> int | None:
    raw = exc.diag.statement_position
    if not raw:
        return None
    inside = int(raw) - 1 - prefix_length
    return statement.offset + inside if 0 <= inside <= len(statement.text) else None


def _translate(exc: psycopg.Error, actor: Any, statement: Statement, index: int, stopped: str | None,
               timeout_s: float, prefix_length: int = 0) -> QueryFailed:
    """A database error as the person should read it. `stopped`: "cancelled" (they asked), "terminated"
    (the watchdog ended a statement that ignored its timeout) or None."""
    sqlstate = exc.sqlstate
    message = exc.diag.message_primary or str(exc).strip()
    if stopped == "terminated":
        return QueryFailed(f"Query stopped: it ran longer than the {timeout_s:g} s statement timeout and did not"
                           " stop when cancelled, so its session was ended.", sqlstate="57014",
                           statement_index=index)
    if sqlstate == "57014":
        # A cancel asked in another process arrives as "user request" with no reason known here.
        if stopped == "cancelled" or (stopped is None and "user request" in message):
            return QueryCancelled("Query cancelled.", sqlstate=sqlstate, statement_index=index)
        return QueryFailed(f"Query stopped: it ran longer than the {timeout_s:g} s statement timeout.",
                           sqlstate=sqlstate, statement_index=index)
    if sqlstate == "25006" and getattr(actor, "role", "") == "viewer":
        message = f"Viewers run queries read-only: {message}."
    if exc.diag.message_hint:
        message = f"{message} ({exc.diag.message_hint})"
    return QueryFailed(message, sqlstate=sqlstate, position=_position(exc, statement, prefix_length),
                       statement_index=index)


class _Watchdog:
    """One thread for the whole process, watching from outside the sessions: a statement still running a
    little after its timeout is cancelled, and when cancelling did not end it (a loop that catches
    query_canceled) its backend is terminated. `arm` when a run starts, `disarm` when it ends."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, str, Callable[[str], object]]] = []
        self._armed: set[str] = set()
        self._wake = threading.Condition()
        self._sequence = 0
        self._thread: threading.Thread | None = None

    def arm(self, run_id: str, timeout_s: float) -> None:
        now = time.monotonic()
        with self._wake:
            self._armed.add(run_id)
            for delay, action in ((CANCEL_GRACE_S, _cancel_overdue), (TERMINATE_GRACE_S, _terminate_backend)):
                self._sequence += 1
                heapq.heappush(self._due, (now + timeout_s + delay, self._sequence, run_id, action))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="workbench-sql-watchdog", daemon=True)
                self._thread.start()
            self._wake.notify()

    def disarm(self, run_id: str) -> None:
        with self._wake:
            self._armed.discard(run_id)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _when, _seq, run_id, action = heapq.heappop(self._due)
                if run_id not in self._armed:
                    continue
            with contextlib.suppress(Exception):  # the watchdog never dies of one run's trouble
                action(run_id)


_watchdog = _Watchdog()


def _terminate_backend(run_id: str) -> bool:
    """End the backend still running `run_id`, from the app's own connection (the query roles may not)."""
    with _lock:
        conn = _running.get(run_id)
        if conn is not None:
            _terminated.add(run_id)
    if conn is None:
        return False
    with db.connection() as app:
        return bool(app.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,)).fetchone()[0])


def _safe_run_id(run_id: str) -> str:
    """A run id as it may appear in the session tag (ids are uuids; anything else is refused)."""
    if not re.fullmatch(r"[0-9a-fA-F-]{1,36}", run_id or ""):
        raise InvalidInput("That is not a run id.")
    return run_id


def _cancel_overdue(run_id: str) -> bool:
    """The watchdog's cancel of a statement past its timeout (reported as a timeout, not as cancelled)."""
    with _lock:
        if run_id in _running:
            _overdue.add(run_id)
    return _cancel_connection(run_id)


def _cancel_connection(run_id: str) -> bool:
    with _lock:
        conn = _running.get(run_id)
    if conn is None:
        return False
    conn.cancel_safe(timeout=5)
    return True


def execute(actor: Any, sql_text: str, *, source: str = "editor", client_address: str | None = None,
            run_id: str | None = None, page_size: int = 1000, timeout_s: float | None = None,
            read_only: bool = False) -> QueryResult:
    """Run a script as `actor`; returns the last statement's first page of rows.

    `read_only` runs it as the reader role in a READ ONLY transaction whatever the actor's role (Genie)."""
    authorize(actor, Permission.RUN_SQL_QUERIES, client_address=client_address)
    if not isinstance(sql_text, str) or not sql_text.strip():
        raise InvalidInput("Write a query first.")
    check_text(sql_text, "The SQL")
    if len(sql_text) > MAX_SQL_CHARS:
        raise InvalidInput(f"Scripts are limited to {MAX_SQL_CHARS:,} characters.")
    if not 1 <= page_size <= settings().query_row_cap:
        raise InvalidInput(f"page_size must be between 1 and {settings().query_row_cap:,}.")
    statements = split_statements(sql_text)
    if not statements:
        raise InvalidInput("The script holds only comments; there is nothing to run.")
    run_id = _safe_run_id(run_id or uuid.uuid4().hex)
    kind = "reader" if read_only else _kind_for(actor.role)
    classes = _classify_all(actor, sql_text, statements, source, client_address, may_write=kind == "writer")
    close_result(actor, None)  # one open result per user: a new query closes the previous one
    timeout = timeout_s or settings().statement_timeout_s
    pool = _pool(kind)
    conn = pool.getconn()
    succeeded = False
    started = time.perf_counter()
    with _lock:
        _running[run_id] = conn
        _owners[run_id] = getattr(actor, "id", None)
    _watchdog.arm(run_id, timeout)
    cursor: _Portal | psycopg.Cursor | None = None
    keep_open = False
    try:
        _begin(conn, timeout, _session_tag(run_id, getattr(actor, "id", None)))
        writes = any(c.writes for c in classes)
        status = ""
        for index, statement in enumerate(statements):
            last = index == len(statements) - 1
            prefix_length = 0
            try:
                if last and classes[index].kind == "SelectStmt" and classes[index].returns_rows:
                    cursor = _Portal(conn, f"wb_{run_id[:16]}", hold=writes)
                    prefix_length = len(cursor.prefix)
                    cursor.execute(statement.text)
                else:
                    cursor = conn.cursor()
                    cursor.execute(statement.text, prepare=False)
                    status = cursor.statusmessage or status
                    if not last:
                        cursor.close()
            except psycopg.Error as exc:
                raise _translate(exc, actor, statement, index, _stop_reason(run_id), timeout,
                                 prefix_length) from exc
        try:
            rows, used, cut, exhausted = _fetch_capped(cursor, page_size, _byte_budget()) \
                if isinstance(cursor, _Portal) or cursor.description else ([], 0, False, True)
        except psycopg.Error as exc:
            raise _translate(exc, actor, statements[-1], len(statements) - 1, _stop_reason(run_id),
                             timeout) from exc
        columns = _columns(conn, cursor) if cursor.description else []
        if writes:
            conn.commit()
        elapsed_ms = int((time.perf_counter() - started) * 1000)
        has_more = bool(cursor.description) and not cut and not exhausted and len(rows) < settings().query_row_cap
        history_id = _history_record(actor, sql_text, source, "completed", ms=elapsed_ms,
                                     rows=len(rows) if cursor.description else cursor.rowcount)
        if has_more:
            keep_open = True
            with _lock:
                _open[run_id] = _OpenResult(getattr(actor, "id", None), kind == "writer", pool, conn, cursor,
                                            len(rows), history_id, fetched_bytes=used)
        succeeded = True
        return QueryResult(run_id=run_id, columns=columns, rows=rows, has_more=has_more,
                           execution_time_ms=elapsed_ms, statements=len(statements),
                           status_message=status or (cursor.statusmessage or ""), rows_fetched=len(rows),
                           history_id=history_id, truncated_reason=_cut_reason() if cut else "")
    except QueryFailed as failure:
        elapsed_ms = int((time.perf_counter() - started) * 1000)
        cancelled = isinstance(failure, QueryCancelled)
        _history_record(actor, sql_text, source, "cancelled" if cancelled else "failed", ms=elapsed_ms,
                        error=str(failure), sqlstate=failure.sqlstate)
        if failure.sqlstate in _DENIED_SQLSTATES:
            audit.record(action="sql_denied", actor=actor, target=sql_text[:500], client_address=client_address,
                         details={"error": str(failure)})
        raise
    except psycopg.Error as exc:  # commit or fetch failures
        _history_record(actor, sql_text, source, "failed", error=str(exc).strip(), sqlstate=exc.sqlstate)
        raise QueryFailed(exc.diag.message_primary or str(exc).strip(), sqlstate=exc.sqlstate) from exc
    finally:
        _watchdog.disarm(run_id)
        with _lock:
            _running.pop(run_id, None)
            _owners.pop(run_id, None)
            _cancel_requested.discard(run_id)
            _terminated.discard(run_id)
            _overdue.discard(run_id)
        if not keep_open:
            _release(pool, conn, cursor, commit=succeeded and kind == "writer")


def _classify_all(actor: Any, sql_text: str, statements: list[Statement], source: str,
                  client_address: str | None, *, may_write: bool) -> list[policy.Classified]:
    """Every statement through the policy before any runs; a refusal is audited and kept in the history."""
    try:
        return [policy.classify(s.text, may_write=may_write, offset=s.offset) for s in statements]
    except PermissionDenied as refused:
        audit.record(action="sql_refused", actor=actor, target=sql_text[:500], client_address=client_address,
                     details={"reason": str(refused)})
        _history_record(actor, sql_text, source, "failed", error=str(refused), sqlstate="42501")
        raise
    except QueryFailed as failed:
        _history_record(actor, sql_text, source, "failed", error=str(failed), sqlstate=failed.sqlstate)
        raise


def _session_tag(run_id: str, owner_id: str | None) -> str:
    """The application_name a run's session carries: the run id and a digest of its owner, so a cancel from
    any process finds it and a user can cancel only their own (at most 63 characters, Postgres' limit)."""
    owner = hashlib.sha256(str(owner_id).encode()).hexdigest()[:10]
    return f"{RUN_TAG}{_safe_run_id(run_id)}:{owner}"


def _begin(conn: psycopg.Connection, timeout_s: float, tag: str) -> None:
    """Open the transaction with this run's statement timeout, the pinned search path and the run's tag as
    the session's application_name (one round trip)."""
    conn.execute(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}; "
                 f"SET LOCAL search_path = {query_roles.SEARCH_PATH}; "
                 f"SET LOCAL application_name = '{tag}'")


def _stop_reason(run_id: str) -> str | None:
    """Why a run's statement ended early: "terminated" by the watchdog, "cancelled" by its owner, or None."""
    with _lock:
        if run_id in _terminated:
            return "terminated"
        if run_id in _overdue:
            return "overdue"
        return "cancelled" if run_id in _cancel_requested else None


def fetch_more(actor: Any, run_id: str, page_size: int = 1000) -> QueryResult:
    """The next page of an open result (only its owner may read it)."""
    _expire_idle()
    with _lock:
        result = _open.get(run_id)
    if result is None or result.owner_id != getattr(actor, "id", None):
        raise NotFound("These results expired: they are no longer open (left idle, or the app process holding"
                       " them restarted). Run the query again.")
    cap = settings().query_row_cap
    wanted = max(0, min(page_size, cap - result.fetched))
    try:
        rows, used, cut, exhausted = _fetch_capped(result.cursor, wanted, _byte_budget() - result.fetched_bytes) \
            if wanted else ([], 0, False, True)
    except psycopg.Error as exc:
        close_result(actor, run_id)
        raise QueryFailed(exc.diag.message_primary or str(exc).strip(), sqlstate=exc.sqlstate) from exc
    result.fetched += len(rows)
    result.fetched_bytes += used
    result.last_used = time.monotonic()
    has_more = not cut and not exhausted and result.fetched < cap
    _history_finish(result.history_id, "completed", rows=result.fetched)
    if not has_more:
        close_result(actor, run_id)
    return QueryResult(run_id=run_id, columns=[], rows=rows, has_more=has_more, execution_time_ms=0,
                       statements=0, status_message="", rows_fetched=result.fetched,
                       truncated_reason=_cut_reason() if cut else "")


def _byte_budget() -> int:
    return int(settings().result_max_mb * 1024 * 1024)


def _export_byte_budget() -> int:
    return int(settings().export_max_mb * 1024 * 1024)


def _export_cut_reason() -> str:
    return f"(export truncated at {settings().export_max_mb:g} MB: WORKBENCH_EXPORT_MAX_MB)"


def _cut_reason() -> str:
    return (f"Result truncated at {settings().result_max_mb:g} MB (WORKBENCH_RESULT_MAX_MB); narrow the query or"
            " export it.")


def _row_bytes(row: tuple[Any, ...]) -> int:
    """Roughly how many bytes a row takes on the way out (text and binary by length, the rest a little)."""
    size = 8 * len(row)
    for value in row:
        if isinstance(value, str | bytes | bytearray | memoryview):
            size += len(value)
        elif value is not None and not isinstance(value, int | float):
            size += len(str(value))
    return size


def _fetch_capped(cursor: _Portal | psycopg.Cursor, wanted: int, budget: int
                  ) -> tuple[list[tuple[Any, ...]], int, bool, bool]:
    """Up to `wanted` rows within `budget` bytes: (rows, bytes, cut at the budget, no rows left).

    Starts with FIRST_FETCH rows (small results take one round trip) and sizes the next fetches from what
    the rows weigh, so a large result of huge cells never arrives all at once."""
    rows: list[tuple[Any, ...]] = []
    used, batch = 0, FIRST_FETCH
    while len(rows) < wanted:
        asked = min(batch, wanted - len(rows))
        got = cursor.fetchmany(asked)
        for row in got:
            size = _row_bytes(row)
            if used + size > budget:
                return rows, used, True, False
            used += size
            rows.append(row)
        if len(got) < asked:
            return rows, used, False, True
        average = max(1, used // max(1, len(rows)))
        batch = max(1, min(wanted - len(rows), (budget - used) // (2 * average)))
    return rows, used, False, False


def close_result(actor: Any, run_id: str | None) -> None:
    """Release an open result (`run_id`), or every open result of `actor` when run_id is None."""
    owner = getattr(actor, "id", None)
    with _lock:
        chosen = [k for k, r in _open.items() if r.owner_id == owner and (run_id is None or k == run_id)]
        results = [_open.pop(k) for k in chosen]
    for result in results:
        _release(result.pool, result.conn, result.cursor, commit=result.commit)


def _expire_idle() -> None:
    now = time.monotonic()
    with _lock:
        stale = [k for k, r in _open.items() if now - r.last_used > IDLE_RESULT_SECONDS]
        results = [_open.pop(k) for k in stale]
    for result in results:
        _release(result.pool, result.conn, result.cursor, commit=result.commit)


def cancel(actor: Any, run_id: str) -> bool:
    """Stop a running query of `actor` (admins: anyone's); True when a statement was running. Another user's
    run id is answered as if nothing ran under it."""
    authorize(actor, Permission.RUN_SQL_QUERIES)
    anyones = actor.role == "admin"
    with _lock:
        running = run_id in _running and (anyones or _owners.get(run_id) == actor.id)
        if running:
            _cancel_requested.add(run_id)
    if running:
        return _cancel_connection(run_id)
    # Running in another app process (or worker): its session carries the run's tag.
    tag = _session_tag(run_id, actor.id)
    with db.connection() as app:
        return bool(app.execute(
            "SELECT count(*) FILTER (WHERE pg_cancel_backend(pid)) FROM pg_stat_activity WHERE state = 'active'"
            " AND (application_name = %s OR %s AND starts_with(application_name, %s))",
            (tag, anyones, tag.rsplit(":", 1)[0] + ":")).fetchone()[0])


@dataclass
class StreamedResult:
    """Columns now; rows batch by batch from `batches`, which releases the connection when done or closed."""

    columns: list[Column]
    batches: Any  # Iterator[list[tuple]]


def _export_statement(actor: Any, sql_text: str, client_address: str | None) -> Statement:
    """The single row-returning statement an export may run, after the same checks as execute()."""
    authorize(actor, Permission.RUN_SQL_QUERIES, client_address=client_address)
    statements = split_statements(sql_text or "")
    only_query = "Only a single query that returns rows (SELECT, WITH, VALUES, TABLE) can be exported."
    if len(statements) != 1:
        raise InvalidInput(only_query)
    statement = statements[0]
    try:
        found = policy.classify(statement.text, may_write=True)
    except PermissionDenied as refused:
        audit.record(action="sql_refused", actor=actor, target=statement.text[:500], client_address=client_address,
                     details={"reason": str(refused)})
        raise
    if found.kind != "SelectStmt" or not found.returns_rows or found.writes:
        raise InvalidInput(only_query)
    return statement


def _start_export(actor: Any, sql_text: str, cap: int | None, source: str, client_address: str | None
                  ) -> tuple[Statement, int, str, ConnectionPool, psycopg.Connection]:
    """Check an export, note it in the history and check out a connection of the actor's query role."""
    statement = _export_statement(actor, sql_text, client_address)
    history_id = _history_record(actor, statement.text, source, "running")
    pool = _pool(_kind_for(actor.role))
    return statement, cap or settings().export_row_cap, history_id, pool, pool.getconn()


def _export_failed(exc: BaseException, actor: Any, statement: Statement, prefix_length: int, history_id: str,
                   pool: ConnectionPool, conn: psycopg.Connection, cursor: Any) -> BaseException:
    """Release an export's connection after a failure; a database error becomes a QueryFailed."""
    _release(pool, conn, cursor)
    if not isinstance(exc, psycopg.Error):
        _history_finish(history_id, "failed", error=type(exc).__name__)
        return exc
    failure = _translate(exc, actor, statement, 0, None, settings().statement_timeout_s, prefix_length)
    _history_finish(history_id, "failed", error=str(failure), sqlstate=failure.sqlstate)
    return failure


def execute_all(actor: Any, sql_text: str, **options: Any) -> QueryResult:
    """execute() and every further page, up to the row cap (the REST API and the CLI)."""
    result = execute(actor, sql_text, **options)
    more = result.has_more
    while more:
        page = fetch_more(actor, result.run_id)
        result.rows.extend(page.rows)
        more = page.has_more
        result.truncated_reason = result.truncated_reason or page.truncated_reason
    result.has_more = False
    result.rows_fetched = len(result.rows)
    return result


def copy_csv(actor: Any, sql_text: str, *, cap: int | None = None, source: str = "export",
             client_address: str | None = None) -> Any:
    """CSV of one query's rows straight from Postgres's COPY (header, NULL empty, '' quoted), read-only.

    Returns an iterator of bytes; the first chunk is produced before returning, so SQL errors raise here."""
    statement, cap, history_id, pool, conn = _start_export(actor, sql_text, cap, source, client_address)
    started = time.perf_counter()
    prefix = "COPY (SELECT * FROM ("
    copy_sql = f"{prefix}{statement.text}\n) AS export_query LIMIT {int(cap)}) TO STDOUT WITH (FORMAT csv, HEADER)"
    cursor = conn.cursor()
    try:
        conn.execute("SET TRANSACTION READ ONLY")
        _begin(conn, settings().statement_timeout_s, _session_tag(uuid.uuid4().hex, getattr(actor, "id", None)))
        copy_cm = cursor.copy(copy_sql)
        copy = copy_cm.__enter__()
        chunks = iter(copy)
        first = next(chunks, b"")
    except BaseException as exc:
        raise _export_failed(exc, actor, statement, len(prefix), history_id, pool, conn, cursor) from exc

    limit = _export_byte_budget()

    def generate():
        # COPY hands over one row per message; send ~1 MB at a time so the web server is not hopping
        # threads once per row. Past the byte cap: the last whole line, a line saying so, and COPY is stopped.
        status, buffer, sent, note = "failed", bytearray(first), 0, None
        try:
            for chunk in chunks:
                buffer += chunk
                if sent + len(buffer) > limit:
                    keep = buffer[: max(0, limit - sent)]
                    yield bytes(keep[: keep.rfind(b"\n") + 1])
                    note = _export_cut_reason()
                    yield f'"{note}"\n'.encode()
                    conn.cancel_safe(timeout=5)
                    buffer.clear()
                    break
                if len(buffer) >= 1 << 20:
                    yield bytes(buffer)
                    sent += len(buffer)
                    buffer.clear()
            with contextlib.suppress(psycopg.Error) if note else contextlib.nullcontext():
                copy_cm.__exit__(None, None, None)
            if buffer:
                yield bytes(buffer)
            status = "completed"
        finally:
            rows = cursor.rowcount if status == "completed" and not note else None
            _history_finish(history_id, status, rows=rows, ms=int((time.perf_counter() - started) * 1000),
                            error=note)
            _release(pool, conn, cursor)

    return generate()


def stream(actor: Any, sql_text: str, *, batch_size: int = 5000, cap: int | None = None,
           source: str = "export", client_address: str | None = None) -> StreamedResult:
    """Run one row-returning statement read-only and stream its rows (exports), up to the export cap."""
    statement, cap, history_id, pool, conn = _start_export(actor, sql_text, cap, source, client_address)
    started = time.perf_counter()
    portal = _Portal(conn, f"wb_export_{uuid.uuid4().hex[:12]}", hold=False)
    try:
        conn.execute("SET TRANSACTION READ ONLY")
        _begin(conn, settings().statement_timeout_s, _session_tag(uuid.uuid4().hex, getattr(actor, "id", None)))
        portal.execute(statement.text)
        first = portal.fetchmany(min(batch_size, cap))
        columns = _columns(conn, portal.cursor)
    except BaseException as exc:
        raise _export_failed(exc, actor, statement, len(portal.prefix), history_id, pool, conn, portal) from exc

    limit = _export_byte_budget()

    def batches():
        sent, weight, note = 0, 0, None
        status = "failed"
        try:
            rows = first
            while rows:
                rows = rows[: cap - sent]
                kept = []
                for row in rows:
                    weight += _row_bytes(row)
                    if weight > limit:
                        note = _export_cut_reason()
                        break
                    kept.append(row)
                sent += len(kept)
                if note:  # the rows that fit, then a row saying where the export was cut
                    yield [*kept, (note, *([None] * (len(columns) - 1)))]
                    break
                yield kept
                if sent >= cap or len(rows) < batch_size:
                    break
                rows = portal.fetchmany(min(batch_size, cap - sent))
            status = "completed"
        finally:
            _history_finish(history_id, status, rows=sent, ms=int((time.perf_counter() - started) * 1000),
                            error=note)
            _release(pool, conn, portal)

    return StreamedResult(columns=columns, batches=batches())
