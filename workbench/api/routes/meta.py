"""Liveness, readiness and the Prometheus scrape."""

from __future__ import annotations

from fastapi import APIRouter, Header
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from services.runtime import health as runtime_health
from services.runtime import metrics as runtime_metrics
from workbench.responses.runtime import ReadinessOut

router = APIRouter(tags=["meta"])


@router.get("/api/health")
async def health() -> dict[str, str]:
    """Liveness (no auth): the process answers."""
    return {"status": "ok"}


@router.get("/api/ready", response_model=ReadinessOut,
            responses={503: {"model": ReadinessOut, "description": "A required check failed"}})
async def ready() -> JSONResponse:
    """Readiness (no auth): 200 when the database answers at the head migration, else 503; the model
    server, queue workers and scheduler are reported alongside."""
    report = await run_in_threadpool(runtime_health.readiness)
    return JSONResponse(ReadinessOut.of(report).model_dump(), status_code=200 if report.ready else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(authorization: str | None = Header(None)) -> Response:
    """Prometheus text format, for a scraper sending `Authorization: Bearer <WORKBENCH_METRICS_TOKEN>`."""
    runtime_metrics.check_scrape_token(authorization)
    body, content_type = await run_in_threadpool(runtime_metrics.exposition)
    return Response(body, media_type=content_type)
