"""Data quality: one shape for the API and `workbench dq … --json`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.activity.alert_rules import Rule
from services.activity.channels import Channel
from services.activity.notify import Delivery
from services.quality.profile import TableProfile
from services.quality.runs import RunSummary
from services.quality.scorecards import ResultRow, Scorecard, TableScorecard
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
    run_id: str
    slo: dict[str, Any] = Field(description="{completeness|freshness: {target, actual, met}} for the SLOs set.")

    @classmethod
    def of(cls, run: TableRun) -> TableRunOut:
        return cls(table=run.table, score=run.score, dimensions=run.dimensions, run_id=run.run_id, slo=run.slo,
                   tests=[TestResultOut(**{k: v for k, v in t.__dict__.items() if k != "details"})
                          for t in run.tests])


class RunSummaryOut(BaseModel):
    id: str
    table: str
    trigger: str = Field(description="manual, schedule, pipeline or gate.")
    status: str = Field(description="queued, running, completed or failed.")
    score: float | None
    tests_total: int | None
    tests_failed: int | None
    created_at: datetime
    completed_at: datetime | None
    error: str | None
    slo: dict[str, Any] | None
    dimensions: dict[str, float] | None

    @classmethod
    def of(cls, run: RunSummary) -> RunSummaryOut:
        return cls(**run.__dict__)


class ScorecardOut(BaseModel):
    table: str
    layer: str
    score: float | None
    trend: list[float] = Field(description="Scores of the latest runs, oldest first.")
    tests_total: int
    tests_failed: int
    failing: list[str]
    last_run_at: datetime | None
    owner_email: str | None

    @classmethod
    def of(cls, card: Scorecard) -> ScorecardOut:
        return cls(**card.__dict__)


class ResultOut(BaseModel):
    id: str
    table: str
    test: str
    type: str
    column: str | None
    severity: str | None
    dimension: str | None
    passed: bool
    failing_rows: int | None
    rows_checked: int | None
    executed_at: datetime
    message: str

    @classmethod
    def of(cls, row: ResultRow) -> ResultOut:
        return cls(**{k: getattr(row, k) for k in cls.model_fields})


class ResultDetailOut(ResultOut):
    sql: str
    sample: list[dict[str, Any]]
    remediation: str
    duration_ms: float | None
    config: dict[str, Any]


class TableScorecardOut(BaseModel):
    table: str
    score: float | None
    dimensions: dict[str, float]
    owner_email: str | None
    slo_freshness_hours: int | None
    slo_completeness_pct: float | None
    slo: dict[str, Any]
    schedule: str | None
    schedule_timezone: str | None
    results: list[ResultOut]
    history: list[dict[str, Any]] = Field(description="[{at, score}] oldest first.")

    @classmethod
    def of(cls, card: TableScorecard) -> TableScorecardOut:
        return cls(**{**card.__dict__, "results": [ResultOut.of(r) for r in card.results],
                      "history": [{"at": at, "score": value} for at, value in card.history]})


class ChannelOut(BaseModel):
    id: str
    name: str
    kind: str
    url_hint: str = Field(description="The URL with its secrets masked; the URL itself is never returned.")
    created_at: datetime

    @classmethod
    def of(cls, channel: Channel) -> ChannelOut:
        return cls(**channel.__dict__)


class RuleOut(BaseModel):
    id: str
    name: str
    event: str
    channel: str
    table: str | None
    threshold: float | None
    recipients: list[str]
    cooldown_minutes: int
    enabled: bool

    @classmethod
    def of(cls, rule: Rule) -> RuleOut:
        return cls(**rule.__dict__)


class DeliveryOut(BaseModel):
    id: int
    created_at: datetime
    rule: str | None
    channel: str
    event: str
    subject: str
    severity: str
    title: str
    status: str = Field(description="pending (retried later), sent, failed or suppressed (cooldown).")
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    recipients: list[str]

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(**delivery.__dict__)
