"""What is not a model call, priced: a pipeline run-minute and a GB-month of table storage (admins set both in
Settings › Cost Tracking; zero, the default, records nothing). Pipeline runs record their compute cost when
they end; a daily job accrues each catalog table's storage for the day (one row per table and day, so a
repeated run changes nothing)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg

from services.core import db
from services.core.errors import InvalidInput
from services.identity import audit
from services.identity.rbac import Permission, authorize

RATES = {"pipeline_run_minute": "USD per minute of a pipeline run (compute)",
         "storage_gb_month": "USD per GB-month of table storage (1 GB = 10^9 bytes)"}
MAX_RATE = Decimal(10_000)
GB = Decimal(10**9)


@dataclass(frozen=True)
class Rate:
    name: str
    usd: Decimal
    meaning: str
    updated_at: datetime | None


def rate(conn: psycopg.Connection, name: str) -> Decimal:
    """The current rate (0 when no admin set it)."""
    row = conn.execute("SELECT usd FROM ip_workbench.cost_rates WHERE name = %s", (name,)).fetchone()
    return Decimal(row[0]) if row else Decimal(0)


def list_rates(actor: Any) -> list[Rate]:
    """Both rates (View Cost Tracking: admins)."""
    authorize(actor, Permission.VIEW_COST_TRACKING)
    with db.connection() as conn:
        found = {r[0]: r[1:] for r in conn.execute("SELECT name, usd, updated_at FROM ip_workbench.cost_rates")}
    return [Rate(name, Decimal(found[name][0]) if name in found else Decimal(0), meaning,
                 found[name][1] if name in found else None) for name, meaning in RATES.items()]


def set_rate(actor: Any, name: str, usd: Any, *, client_address: str | None = None) -> Rate:
    """Set a rate (admins); audited."""
    authorize(actor, Permission.VIEW_COST_TRACKING, client_address=client_address)
    if name not in RATES:
        raise InvalidInput(f"Unknown rate {name!r}; the rates are {', '.join(RATES)}.")
    try:
        value = Decimal(str(usd).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput("A rate is a number of US dollars.") from None
    if not value.is_finite() or not Decimal(0) <= value <= MAX_RATE:
        raise InvalidInput(f"A rate is between 0 and {MAX_RATE} US dollars.")
    with db.connection() as conn:
        conn.execute("INSERT INTO ip_workbench.cost_rates (name, usd, updated_by) VALUES (%s, %s, %s)"
                     " ON CONFLICT (name) DO UPDATE SET usd = excluded.usd, updated_by = excluded.updated_by,"
                     " updated_at = now()", (name, value, actor.id))
        audit.record(action="cost_rate_set", actor=actor, target=name, client_address=client_address, conn=conn,
                     details={"usd": str(value)})
    return next(r for r in list_rates(actor) if r.name == name)


def record_pipeline_run(conn: psycopg.Connection, pipeline_id: str, job_run_id: str) -> Decimal:
    """A finished run's compute cost (its minutes from start to end at the run-minute rate), in the caller's
    transaction; returns it (0: nothing recorded)."""
    price = rate(conn, "pipeline_run_minute")
    if not price:
        return Decimal(0)
    seconds = conn.execute("SELECT extract(epoch FROM coalesce(completed_at, now()) - coalesce(started_at,"
                           " created_at)) FROM ip_workbench.job_runs WHERE id = %s", (job_run_id,)).fetchone()[0]
    cost = (Decimal(max(float(seconds or 0), 0)) / 60 * price).quantize(Decimal("0.00000001"))
    conn.execute("INSERT INTO ip_workbench.cost_tracker (service, resource_id, reference, cost_usd)"
                 " VALUES ('pipeline', %s, %s, %s)", (pipeline_id, job_run_id, cost))
    return cost


def accrue_storage(day: date | None = None) -> int:
    """Each catalog table's storage cost for `day` (default: today, UTC) at the GB-month rate spread over the
    month's days; returns the rows added (tables already accrued that day are left alone)."""
    day = day or datetime.now(UTC).date()
    with db.connection() as conn:
        price = rate(conn, "storage_gb_month")
        if not price:
            return 0
        per_gb_day = price / calendar.monthrange(day.year, day.month)[1]
        added = conn.execute(
            "INSERT INTO ip_workbench.cost_tracker (service, resource_id, reference, day, cost_usd, recorded_at)"
            " SELECT 'storage', t.id, t.schema_name || '.' || t.table_name, %s,"
            " round(pg_total_relation_size(c.oid)::numeric / %s * %s, 8), %s::date"
            " FROM ip_workbench.tables t"
            " JOIN pg_namespace n ON n.nspname = t.schema_name"
            " JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.table_name AND c.relkind IN ('r', 'm', 'p')"
            " ON CONFLICT (reference, day) WHERE service = 'storage' DO NOTHING",
            (day, GB, per_gb_day, day)).rowcount
    return added
