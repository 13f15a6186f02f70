"""Per-table SLOs: completeness (the share of values present, in %) and freshness (hours since the newest
data). Engineers and admins set them; every test run checks them:

- completeness: the run's completeness score (its not_null tests); without such tests, 100 × (1 − the mean null
  fraction) of the table's latest profile; with neither, unknown (not a breach).
- freshness: the age of the newest value a freshness test found; without one, the time since the catalog last
  saw the table's data change (`tables.last_updated`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg

from services.core import db
from services.core.errors import InvalidInput
from services.core.table_names import TableRef, resolve_table
from services.identity import audit
from services.identity.rbac import authorize_catalog_edit
from services.quality.testing import TableRun


def set_slo(actor: Any, qualified: str, *, freshness_hours: int | None, completeness_pct: float | None,
            client_address: str | None = None) -> None:
    """Set (or, with None, clear) a table's SLOs (engineers, admins)."""
    authorize_catalog_edit(actor, client_address=client_address)
    if freshness_hours is not None and not 1 <= freshness_hours <= 24 * 366:
        raise InvalidInput("The freshness SLO is a whole number of hours between 1 and 8784 (a year).")
    if completeness_pct is not None and not 0 < completeness_pct <= 100:
        raise InvalidInput("The completeness SLO is a percentage above 0 and at most 100.")
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        conn.execute("UPDATE ip_workbench.tables SET slo_freshness_hours = %s, slo_completeness_pct = %s"
                     " WHERE id = %s", (freshness_hours, completeness_pct, ref.id))
        audit.record(action="dq_slo_set", actor=actor, target=ref.qualified, client_address=client_address,
                     conn=conn, details={"freshness_hours": freshness_hours, "completeness_pct": completeness_pct})


def _profile_completeness(conn: psycopg.Connection, ref: TableRef) -> float | None:
    row = conn.execute("SELECT columns FROM ip_workbench.dq_profiles WHERE table_id = %s"
                       " ORDER BY profiled_at DESC LIMIT 1", (ref.id,)).fetchone()
    fractions = [c.get("null_fraction") for c in (row[0] if row else []) if c.get("null_fraction") is not None]
    return round(100 * (1 - sum(fractions) / len(fractions)), 1) if fractions else None


def _newest(run: TableRun, last_updated: datetime | None) -> datetime | None:
    found = [t.details.get("newest") for t in run.tests if t.type == "freshness" and t.details.get("newest")]
    stamps = [datetime.fromisoformat(v) for v in found if v and v != "None"]
    if stamps:
        return max(s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps)
    return last_updated


def evaluate(conn: psycopg.Connection, ref: TableRef, run: TableRun) -> dict[str, Any]:
    """{slo: {target, actual, met}} for the SLOs the table has; `met` None when the actual is unknown."""
    hours, pct, last_updated = conn.execute(
        "SELECT slo_freshness_hours, slo_completeness_pct, last_updated FROM ip_workbench.tables WHERE id = %s",
        (ref.id,)).fetchone()
    checks: dict[str, Any] = {}
    if pct is not None:
        actual = run.dimensions.get("completeness")
        actual = actual if actual is not None else _profile_completeness(conn, ref)
        checks["completeness"] = {"target": float(pct), "actual": actual,
                                  "met": None if actual is None else actual >= float(pct)}
    if hours is not None:
        newest = _newest(run, last_updated)
        age = None if newest is None else round((datetime.now(UTC) - newest).total_seconds() / 3600, 2)
        checks["freshness"] = {"target": hours, "actual": age, "met": None if age is None else age <= hours}
    return checks


def breaches(checks: dict[str, Any]) -> list[str]:
    """Sentences for the SLOs that are not met."""
    out = []
    for name, check in checks.items():
        if check["met"] is False:
            unit = " h old" if name == "freshness" else " %"
            limit = f"at most {check['target']} h" if name == "freshness" else f"at least {check['target']} %"
            out.append(f"{name} {check['actual']}{unit} (SLO {limit})")
    return out
