"""Pulling an Odoo model into a bronze table: `search_read` in pages of WORKBENCH_ODOO_PAGE_SIZE records, in
(write_date, id) order and keyed on the last record seen (so records changing meanwhile are not skipped),
starting after the watermark of the last pull of that model into that table. Each record lands as it came —
`payload` jsonb with its `id` — with its received time and a new `event_id`: the shape of
bronze.odoo_expense_events and bronze.odoo_vendor_events. Records that are not objects with an integer id and a
write_date are rejected, counted and alerted. The pull writes as the least-privileged writer role in one
transaction: bad credentials, a dead server or an error mid-way leave the table as it was."""

from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from services.activity import alerts
from services.catalog import sync as catalog_sync
from services.core import db
from services.core.config import settings
from services.core.errors import Conflict, InvalidInput, WorkbenchError
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.integrations import odoo, odoo_client, settings_store
from services.sql import roles as query_roles

TARGET = re.compile(r"^bronze\.[a-z_][a-z0-9_]{0,62}$")
MODEL = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
OPERATORS = ("&", "|", "!")
SHOWN_REJECTS = 20


@dataclass(frozen=True)
class PullResult:
    model: str
    target: str
    fetched: int
    inserted: int
    rejected: int
    pages: int
    seconds: float
    watermark: dict[str, Any] | None
    rejected_examples: list[str] = field(default_factory=list)


def parse_domain(text: str | list | None) -> list:
    """An Odoo domain from JSON text (or a list): `[["state", "=", "done"], "|", …]`."""
    if text is None or text == "":
        return []
    try:
        domain = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"The domain is not valid JSON: {exc.msg}.") from None
    if not isinstance(domain, list) or not all(
            t in OPERATORS or (isinstance(t, list) and len(t) == 3 and isinstance(t[0], str) and isinstance(t[1], str))
            for t in domain):
        raise InvalidInput('A domain is a JSON list of ["field", "operator", value] terms and "&", "|", "!".')
    return domain


def _check(model: str, target: str, fields: list[str] | None) -> None:
    if not MODEL.match(model or ""):
        raise InvalidInput(f"{model!r} is not an Odoo model name (like hr.expense or res.partner).")
    if not TARGET.match(target or ""):
        raise InvalidInput("The target is a bronze table: bronze.name (lower case letters, digits, _).")
    if fields is not None and not all(re.match(r"^[a-z_][a-z0-9_]*$", f) for f in fields):
        raise InvalidInput("Fields are Odoo field names (lower case letters, digits, _).")


def _prepare_target(writer: psycopg.Connection, target: str) -> int:
    """Create the table if missing, check its shape, lock it; returns the last event_id."""
    schema, table = target.split(".")
    name = sql.Identifier(schema, table)
    writer.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (event_id bigint PRIMARY KEY, received_at timestamptz"
                           " NOT NULL, payload jsonb NOT NULL)").format(name))
    columns = {r[0] for r in writer.execute("SELECT column_name FROM information_schema.columns WHERE table_schema"
                                            " = %s AND table_name = %s", (schema, table))}
    if not {"event_id", "received_at", "payload"} <= columns:
        raise InvalidInput(f"{target} exists without the columns event_id, received_at and payload; pull into"
                           " a new table or one of that shape.")
    writer.execute(sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(name))
    return writer.execute(sql.SQL("SELECT coalesce(max(event_id), 0) FROM {}").format(name)).fetchone()[0]


def _ensure_bronze() -> None:
    """An install set up without the demo has no bronze schema yet: create it and grant it as setup would."""
    with db.connection() as conn:
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'bronze'").fetchone() is None:
            conn.execute("CREATE SCHEMA IF NOT EXISTS bronze")
            query_roles.grant_warehouse_access(conn)


def _watermark(model: str, target: str) -> tuple[str, int] | None:
    with db.connection() as conn:
        row = conn.execute("SELECT write_date, last_id FROM ip_workbench.odoo_watermarks WHERE model = %s AND"
                           " target = %s", (model, target)).fetchone()
    return (row[0], int(row[1])) if row else None


def _after(mark: tuple[str, int] | None) -> list:
    if mark is None:
        return []
    return ["|", ["write_date", ">", mark[0]], "&", ["write_date", "=", mark[0]], ["id", ">", mark[1]]]


def _problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return "not an object"
    if not isinstance(record.get("id"), int) or isinstance(record.get("id"), bool):
        return "no integer id"
    if not isinstance(record.get("write_date"), str) or not record["write_date"]:
        return f"record {record['id']}: no write_date"
    return None


def _fetch_into(writer: psycopg.Connection, model: str, target: str, wanted: list[str] | None,
                domain: list | None) -> tuple[int, int, int, list[str], tuple[str, int] | None]:
    """The pull itself, inside the caller's open transaction on `writer`: (fetched, inserted, pages, rejected,
    new watermark). Raises WorkbenchError (the caller's transaction then rolls back)."""
    connection = odoo.connection()
    mark = _watermark(model, target)
    fetched = inserted = pages = 0
    rejected: list[str] = []
    cursor = mark
    uid = odoo_client.authenticate(connection)
    event_id = _prepare_target(writer, target)
    schema, table = target.split(".")
    while True:
        options: dict[str, Any] = {"order": "write_date asc, id asc", "limit": settings().odoo_page_size}
        if wanted:
            options["fields"] = wanted
        page = odoo_client.execute(connection, uid, model, "search_read", [[*_after(cursor), *(domain or [])]],
                                   options)
        if not isinstance(page, list):
            raise InvalidInput(f"Odoo answered {model}.search_read with something other than a list.")
        pages += 1
        fetched += len(page)
        received = datetime.now(UTC)
        with writer.cursor().copy(sql.SQL("COPY {} (event_id, received_at, payload) FROM STDIN").format(
                sql.Identifier(schema, table))) as copy:
            for record in page:
                problem = _problem(record)
                if problem:
                    rejected.append(problem)
                    continue
                event_id += 1
                inserted += 1
                copy.write_row((event_id, received, Jsonb(record)))
        good = [r for r in page if _problem(r) is None]
        if good:
            cursor = (good[-1]["write_date"], good[-1]["id"])
        if len(page) < settings().odoo_page_size or not good:
            return fetched, inserted, pages, rejected, (cursor if cursor != mark else None)


def _after_commit(model: str, target: str, mark: tuple[str, int] | None, rejected: list[str], source: str) -> None:
    """The watermark moves, the outcome is kept, rejects raise an alert."""
    with db.connection() as conn:
        if mark is not None:
            conn.execute("INSERT INTO ip_workbench.odoo_watermarks (model, target, write_date, last_id) VALUES"
                         " (%s, %s, %s, %s) ON CONFLICT (model, target) DO UPDATE SET write_date ="
                         " excluded.write_date, last_id = excluded.last_id, updated_at = now()",
                         (model, target, mark[0], mark[1]))
        if rejected:
            alerts.raise_alert(conn, "warning", source, f"{len(rejected):,} {model} records pulled into {target}"
                                                        f" were rejected ({', '.join(rejected[:3])}…).")
    settings_store.record_outcome(odoo.NAME, None)


def pull(actor: Any, model: str, target: str, *, fields: list[str] | None = None, domain: list | None = None,
         client_address: str | None = None) -> PullResult:
    """Fetch what changed in `model` since the last pull into `target` and append it (admins)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    _check(model, target, fields)
    started = time.perf_counter()
    _ensure_bronze()
    try:
        with psycopg.connect(query_roles.conninfo_for("writer")) as writer:
            fetched, inserted, pages, rejected, mark = _fetch_into(writer, model, target, _wanted(fields), domain)
            writer.commit()
    except WorkbenchError as exc:
        settings_store.record_outcome(odoo.NAME, str(exc))
        raise
    _after_commit(model, target, mark, rejected, f"odoo:{model}")
    with db.connection() as conn:
        audit.record(action="odoo_pulled", actor=actor, target=target, client_address=client_address, conn=conn,
                     details={"model": model, "fetched": fetched, "inserted": inserted, "rejected": len(rejected)})
    with contextlib.suppress(Conflict):  # another sync is running; it or the next one picks the table up
        catalog_sync.sync(trigger="odoo", embed=False)
    now = mark or _watermark(model, target)
    return PullResult(model, target, fetched, inserted, len(rejected), pages, round(time.perf_counter() - started, 3),
                      {"write_date": now[0], "id": now[1]} if now else None, rejected[:SHOWN_REJECTS])


def pull_for_pipeline(writer: psycopg.Connection, model: str, target: str, fields: list[str] | None,
                      domain: list | None, pipeline: str) -> PullResult:
    """A pipeline's Odoo node: the same pull on the run's writer connection (the pipeline's own permissions
    were checked when it was triggered; the connection is the one admins configured)."""
    _check(model, target, fields)
    started = time.perf_counter()
    _ensure_bronze()
    try:
        with writer.transaction():
            fetched, inserted, pages, rejected, mark = _fetch_into(writer, model, target, _wanted(fields), domain)
    except WorkbenchError as exc:
        settings_store.record_outcome(odoo.NAME, str(exc))
        raise
    _after_commit(model, target, mark, rejected, f"pipeline:{pipeline}")
    now = mark or _watermark(model, target)
    return PullResult(model, target, fetched, inserted, len(rejected), pages, round(time.perf_counter() - started, 3),
                      {"write_date": now[0], "id": now[1]} if now else None, rejected[:SHOWN_REJECTS])


def _wanted(fields: list[str] | None) -> list[str] | None:
    return None if fields is None else sorted({*fields, "id", "write_date"})
