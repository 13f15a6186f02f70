"""Data quality: one shape for the API and `workbench dq … --json`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.quality.profile import TableProfile
from services.quality.testing import TableRun


class ColumnProfileOut(BaseModel):
    name: str
    type: str
    nulls: int
    null_fraction: float
    distinct: int | None
    distinct_exact: bool = Field(description="False when the count is Postgres's estimate (see distinct_method).")
    min: str | None
    max: str | None
    mean: float | None
    stddev: float | None
    min_length: int | None
    mean_length: float | None
    max_length: int | None
    top_values: list[dict[str, Any]] = Field(description="Most common values with their fraction of rows "
                                                         "(from the planner's statistics).")


class ProfileOut(BaseModel):
    table: str
    rows: int
    sampled: bool
    sample_percent: float | None
    distinct_method: str
    seconds: float
    profiled_at: datetime | None
    columns: list[ColumnProfileOut]

    @classmethod
    def of(cls, found: TableProfile) -> ProfileOut:
        return cls(table=found.table, rows=found.rows, sampled=found.sampled, sample_percent=found.sample_percent,
                   distinct_method=found.distinct_method, seconds=found.seconds, profiled_at=found.profiled_at,
                   columns=[ColumnProfileOut(**c.__dict__) for c in found.columns])


class TestResultOut(BaseModel):
    name: str
    type: str
    column: str | None
    passed: bool
    failing_rows: int
    rows_checked: int
    severity: str
    dimension: str
    message: str
    sql: str
    duration_ms: float
    sample: list[dict[str, Any]] = Field(description="Up to 20 failing rows.")
    remediation: str


class TableRunOut(BaseModel):
    table: str
    score: float | None = Field(description="0–100 (formula in the README); null without results.")
    dimensions: dict[str, float]
    tests: list[TestResultOut]

    @classmethod
    def of(cls, run: TableRun) -> TableRunOut:
        return cls(table=run.table, score=run.score, dimensions=run.dimensions,
                   tests=[TestResultOut(**t.__dict__) for t in run.tests])
