"""Pipelines over the API: list, apply, validate, schedule, delete, and runs — including the n8n trigger
`POST /api/pipelines/{id}/runs`, which answers at once with the queued run."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.core import cron as schedules
from services.identity.rbac import Permission, authorize
from services.identity.users import User
from services.pipelines import guardian, runs, store
from services.pipelines.definition import parse_spec
from workbench.api.deps import client_address, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.pipelines import (
    AppliedOut,
    ImpactOut,
    PipelineOut,
    RunOut,
    RunStartedOut,
    SchedulePreviewOut,
    ValidationOut,
    VersionOut,
)

router = APIRouter(tags=["pipelines"])
_FILE = Body(..., description='A pipeline file: {"name", "description", "domain", "schedule"?, "timezone"?,'
                              ' "enabled"?, "webhook_urls"?, "definition": {"nodes": [...], "edges": [...]}}')


class ScheduleRequest(BaseModel):
    cron: str | None = Field(None, max_length=120, description="Five-field cron expression; null clears it.")
    timezone: str = Field("UTC", max_length=64, description="IANA timezone the expression is read in.")


class TriggerRequest(BaseModel):
    pipeline_id: str | None = Field(None, max_length=100, description="Ignored (the path names the pipeline).")
    triggered_by: str | None = Field(None, max_length=100, description="Ignored: the API key's user is recorded.")


@router.get("/api/pipelines", responses=error_responses(*COMMON))
async def list_pipelines(user: User = Depends(principal)) -> list[PipelineOut]:  # noqa: B008
    """Every pipeline with its schedule, next run and last run status."""
    found = await asyncio.to_thread(store.list_pipelines, user)
    return [PipelineOut.of(p) for p in found]


@router.post("/api/pipelines", responses=error_responses(*COMMON, 409))
async def apply_pipeline(request: Request, body: dict[str, Any] = _FILE,
                         user: User = Depends(principal)) -> AppliedOut:  # noqa: B008
    """Create or update the pipeline the file names; validated first (an invalid one is saved as a disabled
    draft, and `validation` says why)."""
    spec = parse_spec(body)
    applied = await asyncio.to_thread(store.apply, user, spec, client_address=client_address(request))
    return AppliedOut.of(applied)


@router.post("/api/pipelines/validate", responses=error_responses(*COMMON))
async def validate_pipeline(body: dict[str, Any] = _FILE, user: User = Depends(principal)  # noqa: B008
                            ) -> ValidationOut:
    """Guardian's eight steps on a pipeline file, without saving it."""
    spec = parse_spec(body)

    def check() -> guardian.Report:
        authorize(user, Permission.VIEW_PIPELINES)
        return guardian.validate(spec.definition, owner_role=user.role, schedule=spec.schedule,
                                 timezone=spec.timezone, pipeline_name=spec.name)

    return ValidationOut.of(await asyncio.to_thread(check))


@router.get("/api/pipelines/schedule-preview", responses=error_responses(*COMMON))
async def schedule_preview(cron: str, timezone: str = "UTC",
                           user: User = Depends(principal)) -> SchedulePreviewOut:  # noqa: B008
    """A cron expression in words and its next five runs in the timezone."""
    authorize(user, Permission.VIEW_PIPELINES)
    return SchedulePreviewOut.of(schedules.preview(cron, timezone))


@router.get("/api/pipelines/{pipeline}", responses=error_responses(*COMMON))
async def get_pipeline(pipeline: str, user: User = Depends(principal)) -> PipelineOut:  # noqa: B008
    """One pipeline, by name or id, with its definition."""
    return PipelineOut.of(await asyncio.to_thread(store.get, user, pipeline))


@router.delete("/api/pipelines/{pipeline}", responses=error_responses(*COMMON))
async def delete_pipeline(pipeline: str, request: Request,
                          user: User = Depends(principal)) -> ImpactOut:  # noqa: B008
    """Delete a pipeline (admins); answers with what read its targets."""
    impact = await asyncio.to_thread(store.impact, user, pipeline)
    await asyncio.to_thread(store.delete, user, pipeline, client_address=client_address(request))
    return ImpactOut.of(impact)


@router.get("/api/pipelines/{pipeline}/impact", responses=error_responses(*COMMON))
async def pipeline_impact(pipeline: str, user: User = Depends(principal)) -> ImpactOut:  # noqa: B008
    """What reads the pipeline's targets: downstream tables and columns, and other pipelines."""
    return ImpactOut.of(await asyncio.to_thread(store.impact, user, pipeline))


@router.get("/api/pipelines/{pipeline}/versions", responses=error_responses(*COMMON))
async def pipeline_versions(pipeline: str, user: User = Depends(principal)) -> list[VersionOut]:  # noqa: B008
    """Saved versions, newest first."""
    return [VersionOut.of(v) for v in await asyncio.to_thread(store.versions, user, pipeline)]


@router.put("/api/pipelines/{pipeline}/schedule", responses=error_responses(*COMMON))
async def set_schedule(pipeline: str, body: ScheduleRequest, request: Request,
                       user: User = Depends(principal)) -> PipelineOut:  # noqa: B008
    """Set (or with a null cron clear) the pipeline's schedule."""
    saved = await asyncio.to_thread(store.set_schedule, user, pipeline, body.cron, body.timezone,
                                    client_address=client_address(request))
    return PipelineOut.of(saved)


@router.post("/api/pipelines/{pipeline}/runs", status_code=202, responses=error_responses(*COMMON, 409))
async def trigger_run(pipeline: str, request: Request, body: TriggerRequest | None = None,
                      user: User = Depends(principal)) -> RunStartedOut:  # noqa: B008
    """Queue a run now (the n8n trigger; a key whose role may schedule pipelines). Answers at once:
    `{"job_run_id": "...", "status": "pending"}`."""
    started = await asyncio.to_thread(runs.start, user, pipeline, trigger="api",
                                      client_address=client_address(request))
    return JSONResponse(RunStartedOut.of(started).model_dump(mode="json"), status_code=202)


@router.get("/api/pipelines/{pipeline}/runs", responses=error_responses(*COMMON))
async def pipeline_runs(pipeline: str, limit: int = 50, user: User = Depends(principal)  # noqa: B008
                        ) -> list[RunOut]:
    """The pipeline's newest runs."""
    return [RunOut.of(r) for r in await asyncio.to_thread(runs.list_runs, user, pipeline, limit=limit)]


@router.get("/api/runs/{run_id}", responses=error_responses(*COMMON))
async def get_run(run_id: str, user: User = Depends(principal)) -> RunOut:  # noqa: B008
    """One run with per-node status, rows and logs."""
    return RunOut.of(await asyncio.to_thread(runs.get, user, run_id))


@router.post("/api/runs/{run_id}/cancel", responses=error_responses(*COMMON, 409))
async def cancel_run(run_id: str, request: Request, user: User = Depends(principal)) -> RunOut:  # noqa: B008
    """Stop a pending or running run (a running one stops within 2 s)."""
    return RunOut.of(await asyncio.to_thread(runs.cancel, user, run_id, client_address=client_address(request)))


@router.post("/api/runs/{run_id}/retry", status_code=202, responses=error_responses(*COMMON, 409))
async def retry_run(run_id: str, request: Request, user: User = Depends(principal)) -> RunStartedOut:  # noqa: B008
    """Run a failed, blocked or cancelled run's pipeline again."""
    started = await asyncio.to_thread(runs.retry, user, run_id, client_address=client_address(request))
    return JSONResponse(RunStartedOut.of(started).model_dump(mode="json"), status_code=202)
