"""Home's KPI summary: tables, pipelines, agents and the average data-quality score, each with its change
over the last TREND_DAYS days (None where the past is not known)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.core import db
from services.identity.auth import require_signed_in

TREND_DAYS = 7


@dataclass(frozen=True)
class Kpis:
    total_tables: int
    total_pipelines: int
    total_agents: int
    avg_dq_score: Decimal | None
    tables_with_dq_score: int
    tables_change: int | None = None  # against the catalog sync nearest before TREND_DAYS ago
    pipelines_added: int = 0  # created in the last TREND_DAYS days
    agents_added: int = 0
    dq_change: Decimal | None = None  # average score now minus the average of each table's score back then


_TRENDS = """
SELECT
  (SELECT count(*) FROM ip_workbench.tables) - (SELECT tables_total FROM ip_workbench.catalog_sync_runs
      WHERE status = 'completed' AND finished_at <= now() - make_interval(days => %(days)s)
      ORDER BY finished_at DESC LIMIT 1),
  (SELECT count(*) FROM ip_workbench.pipelines WHERE created_at > now() - make_interval(days => %(days)s)),
  (SELECT count(*) FROM ip_workbench.agents WHERE created_at > now() - make_interval(days => %(days)s)),
  (SELECT round(avg(score), 1) FROM (SELECT DISTINCT ON (table_id) score FROM ip_workbench.dq_runs
      WHERE status = 'completed' AND score IS NOT NULL AND completed_at <= now() - make_interval(days => %(days)s)
      ORDER BY table_id, completed_at DESC) AS back_then)
"""


def kpis(actor: Any) -> Kpis:
    """One row of `ip_workbench.kpi_summary` and the changes over the last TREND_DAYS days."""
    require_signed_in(actor)
    with db.connection() as conn:
        row = conn.execute(
            "SELECT total_tables, total_pipelines, total_agents, avg_dq_score, tables_with_dq_score"
            " FROM ip_workbench.kpi_summary").fetchone()
        tables_change, pipelines_added, agents_added, dq_then = conn.execute(_TRENDS, {"days": TREND_DAYS}).fetchone()
    dq_now = row[3]
    return Kpis(*row, tables_change=tables_change, pipelines_added=pipelines_added, agents_added=agents_added,
                dq_change=dq_now - dq_then if dq_now is not None and dq_then is not None else None)
