"""Data quality over the API: scorecards, a table's scorecard, profiles, test runs (now, or queued with 202),
test results with their detail, tests as YAML, SLOs and schedules. Same shapes as `workbench dq … --json`."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.identity.users import User
from services.quality import profile as profiling
from services.quality import runs, schedules, scorecards, slo, testing
from workbench.api.deps import client_address, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.quality import (
    ProfileOut,
    ResultDetailOut,
    ResultOut,
    RunSummaryOut,
    ScorecardOut,
    TableRunOut,
    TableScorecardOut,
)

router = APIRouter(tags=["data quality"])
_YAML = Body(..., media_type="application/yaml", description="A dbt-style tests file: version: 2, models: […]")


class SloRequest(BaseModel):
    freshness_hours: int | None = Field(None, description="Newest data at most this many hours old; null clears.")
    completeness_pct: float | None = Field(None, description="At least this % of values present; null clears.")


class TableScheduleRequest(BaseModel):
    cron: str | None = Field(None, max_length=120, description="Five-field cron expression; null removes it.")
    timezone: str = Field("UTC", max_length=64)


class TestRequest(BaseModel):
    type: str = Field(..., description="not_null, unique, accepted_values, relationships, range, pattern, freshness,"
                                       " row_count, schema_change or custom_sql")
    column: str | None = Field(None, max_length=63)
    options: str = Field("", max_length=200_000, description="YAML settings, e.g. 'values: [PHP, USD]'.")
    severity: str = Field("error", description="error or warn")
    name: str | None = Field(None, max_length=100)


class TestOut(BaseModel):
    table: str
    name: str
    type: str
    column: str | None
    config: dict
    severity: str
    dimension: str


class AppliedTestsOut(BaseModel):
    added: int
    updated: int
    removed: int
    unchanged: int


@router.get("/api/dq/scorecards", responses=error_responses(*COMMON))
async def list_scorecards(layer: str | None = None, user: User = Depends(principal)  # noqa: B008
                          ) -> list[ScorecardOut]:
    """A scorecard per tested table, gold first (optionally one layer: bronze, silver, gold, platinum)."""
    return [ScorecardOut.of(c) for c in await asyncio.to_thread(scorecards.scorecards, user, layer=layer)]


@router.get("/api/dq/tables/{table}", responses=error_responses(*COMMON))
async def table_scorecard(table: str, user: User = Depends(principal)) -> TableScorecardOut:  # noqa: B008
    """One table's score, dimensions, SLOs, schedule, tests with their latest results and score history."""
    return TableScorecardOut.of(await asyncio.to_thread(scorecards.table_scorecard, user, table))


@router.get("/api/dq/tables/{table}/profile", responses=error_responses(*COMMON))
async def latest_profile(table: str, user: User = Depends(principal)) -> ProfileOut | None:  # noqa: B008
    """The newest kept profile (null when the table was never profiled)."""
    found = await asyncio.to_thread(profiling.latest, user, table)
    return ProfileOut.of(found) if found else None


@router.post("/api/dq/tables/{table}/profile", responses=error_responses(*COMMON))
async def profile_now(table: str, request: Request, user: User = Depends(principal)) -> ProfileOut:  # noqa: B008
    """Profile the table now in one scan and keep it (engineers, admins, service principals)."""
    return ProfileOut.of(await asyncio.to_thread(profiling.profile, user, table,
                                                 client_address=client_address(request)))


@router.post("/api/dq/tables/{table}/runs", responses=error_responses(*COMMON),
             response_model=TableRunOut | RunSummaryOut)
async def run_tests(table: str, request: Request, wait: bool = True,
                    user: User = Depends(principal)):  # noqa: B008
    """Run the table's tests: now, answering with the results (`wait=true`), or queued for a worker
    (`wait=false`, 202 with the queued run)."""
    if wait:
        return TableRunOut.of(await asyncio.to_thread(runs.run_table, user, table,
                                                      client_address=client_address(request)))
    run_id = await asyncio.to_thread(runs.request_run, user, table, client_address=client_address(request))
    queued = await asyncio.to_thread(runs.get_run, user, run_id)
    return JSONResponse(RunSummaryOut.of(queued).model_dump(mode="json"), status_code=202)


@router.get("/api/dq/tables/{table}/runs", responses=error_responses(*COMMON))
async def table_runs(table: str, user: User = Depends(principal)) -> list[RunSummaryOut]:  # noqa: B008
    """The table's runs, oldest first."""
    return [RunSummaryOut.of(r) for r in await asyncio.to_thread(runs.history, user, table)]


@router.put("/api/dq/tables/{table}/slo", responses=error_responses(*COMMON))
async def set_slo(table: str, body: SloRequest, request: Request,
                  user: User = Depends(principal)) -> TableScorecardOut:  # noqa: B008
    """Set the table's SLOs (engineers, admins)."""
    await asyncio.to_thread(slo.set_slo, user, table, freshness_hours=body.freshness_hours,
                            completeness_pct=body.completeness_pct, client_address=client_address(request))
    return TableScorecardOut.of(await asyncio.to_thread(scorecards.table_scorecard, user, table))


@router.put("/api/dq/tables/{table}/schedule", responses=error_responses(*COMMON))
async def set_table_schedule(table: str, body: TableScheduleRequest, request: Request,
                             user: User = Depends(principal)) -> TableScorecardOut:  # noqa: B008
    """Run the table's tests on a cron schedule (null removes it)."""
    await asyncio.to_thread(schedules.set_schedule, user, table, body.cron, body.timezone,
                            client_address=client_address(request))
    return TableScorecardOut.of(await asyncio.to_thread(scorecards.table_scorecard, user, table))


@router.get("/api/dq/results", responses=error_responses(*COMMON))
async def list_results(table: str | None = None, status: str | None = None, dimension: str | None = None,
                       severity: str | None = None, user: User = Depends(principal)  # noqa: B008
                       ) -> list[ResultOut]:
    """The latest result of every test; filters: table, status (passed|failed), dimension, severity."""
    found = await asyncio.to_thread(scorecards.results, user, table=table, status=status, dimension=dimension,
                                    severity=severity)
    return [ResultOut.of(r) for r in found]


@router.get("/api/dq/results/{result_id}", responses=error_responses(*COMMON))
async def result_detail(result_id: str, user: User = Depends(principal)) -> ResultDetailOut:  # noqa: B008
    """One result with its SQL, up to 20 failing rows and how to fix it."""
    return ResultDetailOut.of(await asyncio.to_thread(scorecards.result_detail, user, result_id))


@router.post("/api/dq/tests", responses=error_responses(*COMMON))
async def apply_tests(request: Request, body: str = _YAML, user: User = Depends(principal)  # noqa: B008
                      ) -> AppliedTestsOut:
    """Store a tests file (idempotent; all or nothing)."""
    counts = await asyncio.to_thread(testing.apply_yaml, user, body, client_address=client_address(request))
    return AppliedTestsOut(**counts)


@router.post("/api/dq/tables/{table}/tests", status_code=201, responses=error_responses(*COMMON, 409))
async def add_test(table: str, body: TestRequest, request: Request,
                   user: User = Depends(principal)) -> TestOut:  # noqa: B008
    """Create one test (as the page does)."""
    spec = await asyncio.to_thread(testing.add_test, user, table, body.type, column=body.column,
                                   options=body.options, severity=body.severity, name=body.name,
                                   client_address=client_address(request))
    return TestOut(**spec.__dict__)


@router.delete("/api/dq/tables/{table}/tests/{name}", status_code=204, responses=error_responses(*COMMON))
async def delete_test(table: str, name: str, request: Request, user: User = Depends(principal)) -> None:  # noqa: B008
    """Remove one test and its results."""
    await asyncio.to_thread(testing.delete_test, user, table, name, client_address=client_address(request))
