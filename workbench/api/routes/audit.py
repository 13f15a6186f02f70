"""The audit trail over the API (PRD section 6: admins and service accounts read it)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.identity import audit_log
from services.identity.users import User
from workbench.api.deps import principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.identity import AuditEntryOut, AuditPageOut

router = APIRouter(tags=["audit"])


@router.get("/api/audit", response_model=AuditPageOut, responses=error_responses(*COMMON))
async def list_audit(
        user: Annotated[User, Depends(principal)],
        actor: Annotated[str | None, Query(description="Only this actor's entries (email, any case).")] = None,
        action: Annotated[str | None, Query(description="Only this action, e.g. sql_refused.")] = None,
        since: Annotated[datetime | None, Query(description="At or after this moment (ISO 8601, time zone).")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0) -> AuditPageOut:
    """Audit entries newest first, paged (admin and service keys)."""
    entries = await asyncio.to_thread(audit_log.list_entries, user, action=action, actor_email=actor, since=since,
                                      limit=limit + 1, offset=offset)
    return AuditPageOut(entries=[AuditEntryOut.of(e) for e in entries[:limit]],
                        next_offset=offset + limit if len(entries) > limit else None)
