"""Cost Tracking (admins): what was spent since a day, by service, day, model, agent and user, read from
`cost_tracker` (every priced model call, pipeline compute per run-minute, storage per table and day) and
`llm_requests`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from services.core import db
from services.core.errors import InvalidInput
from services.identity.rbac import Permission, authorize


@dataclass(frozen=True)
class CostReport:
    since: date
    total_usd: Decimal
    by_service: dict[str, Decimal]
    by_day: list[dict[str, Any]] = field(default_factory=list)
    by_model: list[dict[str, Any]] = field(default_factory=list)
    by_agent: list[dict[str, Any]] = field(default_factory=list)
    by_user: list[dict[str, Any]] = field(default_factory=list)
    by_pipeline: list[dict[str, Any]] = field(default_factory=list)


def parse_day(text: str | None) -> date:
    """YYYY-MM-DD (default: 30 days ago)."""
    if not text:
        return date.today() - timedelta(days=30)
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date like 2026-11-01.") from None


def report(actor: Any, since: date) -> CostReport:
    """Spend since `since` (inclusive, UTC days)."""
    authorize(actor, Permission.VIEW_COST_TRACKING)
    with db.connection() as conn:
        services = dict(conn.execute("SELECT service, sum(cost_usd) FROM ip_workbench.cost_tracker"
                                     " WHERE recorded_at >= %s GROUP BY service ORDER BY service",
                                     (since,)).fetchall())
        days = conn.execute("SELECT (recorded_at AT TIME ZONE 'UTC')::date, service, sum(cost_usd)"
                            " FROM ip_workbench.cost_tracker WHERE recorded_at >= %s GROUP BY 1, 2 ORDER BY 1, 2",
                            (since,)).fetchall()
        models = conn.execute("SELECT model, count(*), sum(prompt_tokens + completion_tokens), sum(cost_usd)"
                              " FROM ip_workbench.llm_requests WHERE created_at >= %s AND status = 'completed'"
                              " GROUP BY model ORDER BY 4 DESC, 1", (since,)).fetchall()
        agents = conn.execute("SELECT a.name, count(DISTINCT r.id), sum(q.cost_usd) FROM ip_workbench.llm_requests q"
                              " JOIN ip_workbench.agent_runs r ON r.id = q.agent_run_id JOIN ip_workbench.agents a"
                              " ON a.id = r.agent_id WHERE q.created_at >= %s AND q.status = 'completed'"
                              " GROUP BY a.name ORDER BY 3 DESC, 1", (since,)).fetchall()
        people = conn.execute("SELECT coalesce(u.email, 'system'), count(*), sum(q.cost_usd)"
                              " FROM ip_workbench.llm_requests q LEFT JOIN ip_workbench.users u ON u.id = q.user_id"
                              " WHERE q.created_at >= %s AND q.status = 'completed' GROUP BY 1 ORDER BY 3 DESC, 1",
                              (since,)).fetchall()
        pipelines = conn.execute("SELECT coalesce(p.name, 'deleted pipeline'), count(*), sum(c.cost_usd)"
                                 " FROM ip_workbench.cost_tracker c LEFT JOIN ip_workbench.pipelines p"
                                 " ON p.id = c.resource_id WHERE c.service = 'pipeline' AND c.recorded_at >= %s"
                                 " GROUP BY 1 ORDER BY 3 DESC, 1", (since,)).fetchall()
    return CostReport(
        since=since, total_usd=sum((Decimal(v) for v in services.values()), Decimal(0)),
        by_service={k: Decimal(v) for k, v in services.items()},
        by_day=[{"day": d, "service": s, "cost_usd": Decimal(c)} for d, s, c in days],
        by_model=[{"model": m, "requests": n, "tokens": int(t or 0), "cost_usd": Decimal(c)} for m, n, t, c in models],
        by_agent=[{"agent": a, "runs": n, "cost_usd": Decimal(c)} for a, n, c in agents],
        by_user=[{"user": u, "requests": n, "cost_usd": Decimal(c)} for u, n, c in people],
        by_pipeline=[{"pipeline": p, "runs": n, "cost_usd": Decimal(c)} for p, n, c in pipelines])
