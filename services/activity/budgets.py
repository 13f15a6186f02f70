"""Monthly budgets (admins): per agent (by name) and per service (llm, pipeline, storage, compute). A job
compares month-to-date spend with each budget and raises the `cost_overrun` event once per budget, month and
level — at 80 % and at 100 % — so alert rules on cost_overrun notify (Home shows it too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg

from services.activity.notify import Event, emit
from services.core import db
from services.core.errors import InvalidInput, NotFound
from services.identity import audit
from services.identity.rbac import Permission, authorize

SERVICES = ("llm", "pipeline", "storage", "compute")
LEVELS = (Decimal("0.8"), Decimal("1.0"))


@dataclass(frozen=True)
class Budget:
    scope: str
    key: str
    monthly_usd: Decimal
    spent_usd: Decimal

    @property
    def used(self) -> Decimal:
        """Share of the budget spent this month (1 = all of it)."""
        return self.spent_usd / self.monthly_usd


def _month_start(now: datetime | None = None) -> datetime:
    moment = now or datetime.now(UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _spent(conn: psycopg.Connection, scope: str, key: str, since: datetime) -> Decimal:
    if scope == "service":
        row = conn.execute("SELECT coalesce(sum(cost_usd), 0) FROM ip_workbench.cost_tracker WHERE service = %s"
                           " AND recorded_at >= %s", (key, since)).fetchone()
    else:
        row = conn.execute("SELECT coalesce(sum(q.cost_usd), 0) FROM ip_workbench.llm_requests q"
                           " JOIN ip_workbench.agent_runs r ON r.id = q.agent_run_id JOIN ip_workbench.agents a"
                           " ON a.id = r.agent_id WHERE a.name = %s AND q.created_at >= %s", (key, since)).fetchone()
    return Decimal(row[0])


def set_budget(actor: Any, scope: str, key: str, monthly_usd: float | str, *,
               client_address: str | None = None) -> Budget:
    """Set a monthly budget (admins)."""
    authorize(actor, Permission.VIEW_COST_TRACKING, client_address=client_address)
    if scope not in ("agent", "service"):
        raise InvalidInput("A budget is for an agent or a service.")
    if scope == "service" and key not in SERVICES:
        raise InvalidInput(f"Services are {', '.join(SERVICES)}.")
    try:
        amount = Decimal(str(monthly_usd))
    except InvalidOperation:
        raise InvalidInput("The budget is a number of US dollars a month.") from None
    if not amount.is_finite() or amount <= 0 or amount > 10_000_000:
        raise InvalidInput("The budget is more than 0 and at most 10,000,000 US dollars a month.")
    with db.connection() as conn:
        if scope == "agent" and not conn.execute("SELECT 1 FROM ip_workbench.agents WHERE name = %s",
                                                 (key,)).fetchone():
            raise NotFound(f"There is no agent named {key}.")
        conn.execute("INSERT INTO ip_workbench.budgets (scope, key, monthly_usd, updated_by) VALUES (%s, %s, %s, %s)"
                     " ON CONFLICT (scope, key) DO UPDATE SET monthly_usd = excluded.monthly_usd,"
                     " updated_by = excluded.updated_by, updated_at = now()", (scope, key, amount, actor.id))
        audit.record(action="budget_set", actor=actor, target=f"{scope}:{key}", client_address=client_address,
                     conn=conn, details={"monthly_usd": str(amount)})
        return Budget(scope, key, amount, _spent(conn, scope, key, _month_start()))


def list_budgets(actor: Any) -> list[Budget]:
    """Every budget with this month's spend (admins)."""
    authorize(actor, Permission.VIEW_COST_TRACKING)
    since = _month_start()
    with db.connection() as conn:
        rows = conn.execute("SELECT scope, key, monthly_usd FROM ip_workbench.budgets ORDER BY scope, key").fetchall()
        return [Budget(s, k, Decimal(m), _spent(conn, s, k, since)) for s, k, m in rows]


def check_budgets(now: datetime | None = None) -> list[str]:
    """Raise cost_overrun for each budget past 80 % or 100 % this month, once per level; the subjects raised."""
    since = _month_start(now)
    raised = []
    with db.connection() as conn:
        for scope, key, monthly in conn.execute("SELECT scope, key, monthly_usd FROM ip_workbench.budgets"
                                                " ORDER BY scope, key").fetchall():
            budget = Budget(scope, key, Decimal(monthly), _spent(conn, scope, key, since))
            reached = [level for level in LEVELS if budget.used >= level]
            if not reached:
                continue
            level = reached[-1]
            subject = f"budget:{scope}:{key}:{since:%Y-%m}:{int(level * 100)}"
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (subject,))
            if conn.execute("SELECT 1 FROM ip_workbench.alerts WHERE source = %s", (subject,)).fetchone():
                continue
            emit(conn, Event("cost_overrun", subject, "error" if level >= 1 else "warning",
                             f"{scope.title()} {key} has spent {int(level * 100)} % of its monthly budget",
                             f"${budget.spent_usd:.4f} of ${budget.monthly_usd} in {since:%B %Y}.",
                             value=float(budget.spent_usd), link="/settings/costs"))
            raised.append(subject)
    return raised
