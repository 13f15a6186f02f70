"""SQL results: `POST /api/rpc/execute_sql` (PRD section 5)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from services.sql.execution import QueryResult
from workbench.responses.common import json_rows


class ExecuteSqlResponse(BaseModel):
    rows: list[list[Any]]
    columns: list[str]
    column_types: list[str]
    execution_time_ms: int
    row_count: int
    truncated: bool = Field(description="True when the result stopped at the row cap or the byte cap.")
    truncated_reason: str | None = Field(None, description="Where and why the result was cut, when it was.")

    @classmethod
    def of(cls, result: QueryResult, row_cap: int) -> ExecuteSqlResponse:
        rows = result.rows
        return cls(rows=json_rows(rows), columns=[c.name for c in result.columns],
                   column_types=[c.type_name for c in result.columns], execution_time_ms=result.execution_time_ms,
                   row_count=len(rows), truncated=len(rows) >= row_cap or bool(result.truncated_reason),
                   truncated_reason=result.truncated_reason or None)


class CancelQueryResponse(BaseModel):
    """`POST /api/queries/{run_id}/cancel`: whether a statement of yours was running under that id."""

    run_id: str
    cancelled: bool = Field(description="True when a running statement was stopped (in whichever app process"
                                        " or worker ran it).")
