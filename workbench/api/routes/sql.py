"""SQL over the API: run statements (PRD section 5) and stream exports of past queries."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from services.core.config import settings
from services.identity.users import User
from services.sql import execution as query_execution
from services.sql import export as query_export
from services.sql.execution import MAX_SQL_CHARS
from workbench.api.deps import attachment, client_address, key_or_session, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.sql import CancelQueryResponse, ExecuteSqlResponse

router = APIRouter(tags=["sql"])


class ExecuteSqlRequest(BaseModel):
    sql: str = Field(..., min_length=1, max_length=MAX_SQL_CHARS, pattern=r"\S",
                     description="One or more SQL statements (not only spaces); the last one's rows are returned.")
    run_id: str | None = Field(None, pattern=r"^[0-9a-fA-F-]{1,36}$",
                               description="Your id for this run (a uuid), to cancel it from another request.")


def _run_sql(user: User, sql_text: str, run_id: str | None, client: str | None) -> ExecuteSqlResponse:
    result = query_execution.execute_all(user, sql_text, source="api", client_address=client, run_id=run_id)
    return ExecuteSqlResponse.of(result, settings().query_row_cap)


@router.post("/api/rpc/execute_sql", response_model=ExecuteSqlResponse,
             responses=error_responses(*COMMON, 409))
@router.post("/rest/v1/rpc/execute_sql", response_model=ExecuteSqlResponse,
             responses=error_responses(*COMMON, 409))
async def execute_sql(body: ExecuteSqlRequest, request: Request,
                      user: User = Depends(principal)):  # noqa: B008 - FastAPI's dependency idiom
    """Run SQL with the key's user's role (PRD section 5; also at the PostgREST path /rest/v1/rpc/execute_sql)."""
    return await asyncio.to_thread(_run_sql, user, body.sql, body.run_id, client_address(request))


@router.post("/api/queries/{run_id}/cancel", response_model=CancelQueryResponse, responses=error_responses(*COMMON))
async def cancel_query(run_id: str, user: User = Depends(principal)):  # noqa: B008
    """Stop a statement you started with that `run_id` (admins: anyone's), whichever process runs it."""
    cancelled = await asyncio.to_thread(query_execution.cancel, user, run_id)
    return CancelQueryResponse(run_id=run_id, cancelled=cancelled)


@router.get("/api/export/{history_id}.{fmt}",
            responses={200: {"content": {media: {} for media in query_export.FORMATS.values()}},
                       **error_responses(*COMMON)})
async def export_query(history_id: str, fmt: str, request: Request,
                       user: User = Depends(key_or_session)):  # noqa: B008
    """Stream the whole result of a query from your history as csv, xlsx or json (up to the export cap)."""
    export = await asyncio.to_thread(query_export.export_history_entry, user, history_id, fmt,
                                     client_address=client_address(request))
    return StreamingResponse(export.chunks, media_type=export.media_type,
                             headers=attachment(export.filename))
