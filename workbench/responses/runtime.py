"""Health and readiness answers (the API's /api/ready and `workbench status --json`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.runtime.backup import BackupResult, RestoreResult
from services.runtime.health import Readiness


class CheckOut(BaseModel):
    name: str
    ok: bool
    detail: str
    required: bool = Field(description="Whether readiness depends on this check.")


class ReadinessOut(BaseModel):
    status: str = Field(description="ready or not ready")
    checks: list[CheckOut]
    seconds: float = Field(description="How long the checks took.")

    @classmethod
    def of(cls, report: Readiness) -> ReadinessOut:
        return cls(status="ready" if report.ready else "not ready", seconds=round(report.seconds, 3),
                   checks=[CheckOut(name=c.name, ok=c.ok, detail=c.detail, required=c.required)
                           for c in report.checks])


class BackupOut(BaseModel):
    path: str
    bytes: int
    seconds: float
    left_out: list[str] = Field(description="What the backup does not hold and how to keep it.")

    @classmethod
    def of(cls, result: BackupResult) -> BackupOut:
        return cls(path=result.path, bytes=result.bytes, seconds=round(result.seconds, 3), left_out=result.left_out)


class RestoreOut(BaseModel):
    path: str
    seconds: float
    revision: str | None = Field(description="The migration the restored database is at.")
    notes: list[str]

    @classmethod
    def of(cls, result: RestoreResult) -> RestoreOut:
        return cls(path=result.path, seconds=round(result.seconds, 3), revision=result.revision, notes=result.notes)
