"""Pipelines, their validation, runs and schedules: one shape for the API and `workbench pipeline … --json`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.core.cron import SchedulePreview
from services.pipelines.guardian import Report
from services.pipelines.runs import Run
from services.pipelines.store import Applied, Impact, Pipeline, Version


class MessageOut(BaseModel):
    node: str | None = Field(description="The node the message is about, or null for the whole pipeline.")
    message: str
    position: int | None = Field(None, description="0-based offset in the node's SQL, when known.")


class StepOut(BaseModel):
    step: int = Field(description="1 to 8.")
    name: str
    passed: bool
    messages: list[MessageOut]


class ValidationOut(BaseModel):
    ok: bool
    steps: list[StepOut]

    @classmethod
    def of(cls, report: Report) -> ValidationOut:
        return cls(ok=report.ok, steps=[
            StepOut(step=s.step, name=s.name, passed=s.passed,
                    messages=[MessageOut(node=m.node, message=m.message, position=m.position) for m in s.messages])
            for s in report.steps])


class PipelineOut(BaseModel):
    id: str
    name: str
    description: str
    domain: str
    owner: str | None = Field(description="The owner's email.")
    schedule: str | None
    timezone: str
    enabled: bool
    valid: bool = Field(description="False for a draft that failed validation when saved.")
    version: int
    webhook_urls: list[str]
    next_run_at: datetime | None
    last_run_status: str | None
    last_run_at: datetime | None
    created_at: datetime
    updated_at: datetime
    definition: dict[str, Any] = Field(description='{"nodes": [...], "edges": [...]} in the PRD §4 shape.')

    @classmethod
    def of(cls, p: Pipeline) -> PipelineOut:
        return cls(id=p.id, name=p.name, description=p.description, domain=p.domain, owner=p.owner_email,
                   schedule=p.schedule, timezone=p.timezone, enabled=p.enabled, valid=p.valid, version=p.version,
                   webhook_urls=list(p.webhook_urls), next_run_at=p.next_run_at, last_run_status=p.last_run_status,
                   last_run_at=p.last_run_at, created_at=p.created_at, updated_at=p.updated_at,
                   definition=p.definition.to_json())


class AppliedOut(BaseModel):
    created: bool
    pipeline: PipelineOut
    validation: ValidationOut

    @classmethod
    def of(cls, applied: Applied) -> AppliedOut:
        return cls(created=applied.created, pipeline=PipelineOut.of(applied.pipeline),
                   validation=ValidationOut.of(applied.report))


class NodeRunOut(BaseModel):
    id: str
    label: str
    status: str
    rows: int | None
    target: str | None
    rejected: int | None
    started_at: datetime | None
    completed_at: datetime | None
    error: str | None
    sqlstate: str | None
    position: int | None
    logs: str


class RunOut(BaseModel):
    job_run_id: str
    status: str = Field(description="pending, running, completed, failed, blocked or cancelled.")
    rows_processed: int | None
    error: str | None
    nodes: list[NodeRunOut]
    pipeline: str
    pipeline_id: str
    trigger: str
    triggered_by: str | None
    attempt: int
    retry_of: str | None
    created_at: datetime
    run_after: datetime
    started_at: datetime | None
    completed_at: datetime | None
    worker: str | None
    logs: str

    @classmethod
    def of(cls, run: Run) -> RunOut:
        return cls(job_run_id=run.id, status=run.status, rows_processed=run.rows_processed, error=run.error,
                   nodes=[NodeRunOut(id=n.id, label=n.label, status=n.status, rows=n.rows, target=n.target,
                                     rejected=n.rejected, started_at=n.started_at, completed_at=n.completed_at,
                                     error=n.error, sqlstate=n.sqlstate, position=n.position, logs=n.logs)
                          for n in run.nodes],
                   pipeline=run.pipeline_name, pipeline_id=run.pipeline_id, trigger=run.trigger,
                   triggered_by=run.triggered_by, attempt=run.attempt, retry_of=run.retry_of,
                   created_at=run.created_at, run_after=run.run_after, started_at=run.started_at,
                   completed_at=run.completed_at, worker=run.worker, logs=run.logs)


class RunStartedOut(BaseModel):
    job_run_id: str
    status: str

    @classmethod
    def of(cls, run: Run) -> RunStartedOut:
        return cls(job_run_id=run.id, status=run.status)


class SchedulePreviewOut(BaseModel):
    cron: str
    timezone: str
    description: str
    next_runs: list[datetime]

    @classmethod
    def of(cls, preview: SchedulePreview) -> SchedulePreviewOut:
        return cls(cron=preview.cron, timezone=preview.timezone, description=preview.description,
                   next_runs=list(preview.next_runs))


class VersionOut(BaseModel):
    version: int
    saved_at: datetime
    saved_by: str | None
    name: str

    @classmethod
    def of(cls, v: Version) -> VersionOut:
        return cls(version=v.version, saved_at=v.saved_at, saved_by=v.saved_by, name=v.name)


class ImpactOut(BaseModel):
    targets: list[str]
    downstream_tables: list[str]
    downstream_columns: list[str]
    reading_pipelines: list[str]

    @classmethod
    def of(cls, impact: Impact) -> ImpactOut:
        return cls(targets=impact.targets, downstream_tables=impact.downstream_tables,
                   downstream_columns=impact.downstream_columns, reading_pipelines=impact.reading_pipelines)


class UploadOut(BaseModel):
    upload_id: str
    filename: str
    format: str
    size_bytes: int
