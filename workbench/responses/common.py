"""Pieces every response uses: JSON-safe cell values and the error body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from services.sql.output import json_value


def json_rows(rows: list[tuple] | list[list[Any]]) -> list[list[Any]]:
    """Rows with every value JSON-safe (exact numerics as strings, dates as ISO text, NULL as null)."""
    return [[json_value(v) for v in row] for row in rows]


class ErrorBody(BaseModel):
    """What every error response carries."""

    error: str = Field(description="A message safe to show a person.")
    sqlstate: str | None = Field(None, description="Postgres's SQLSTATE, for SQL errors.")
    position: int | None = Field(None, description="0-based offset of the problem in the SQL, when known.")
