"""Home's KPI summary: tables, pipelines, agents and the average data-quality score."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.core import db
from services.identity.auth import require_signed_in


@dataclass(frozen=True)
class Kpis:
    total_tables: int
    total_pipelines: int
    total_agents: int
    avg_dq_score: Decimal | None
    tables_with_dq_score: int


def kpis(actor: Any) -> Kpis:
    """One row of `ip_workbench.kpi_summary`."""
    require_signed_in(actor)
    with db.connection() as conn:
        row = conn.execute(
            "SELECT total_tables, total_pipelines, total_agents, avg_dq_score, tables_with_dq_score"
            " FROM ip_workbench.kpi_summary").fetchone()
    return Kpis(*row)
