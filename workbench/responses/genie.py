"""Genie's answer: `POST /api/genie/ask` and `workbench genie ask --json`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from services.genie.ask import GenieAnswer
from workbench.responses.common import json_rows


class AttemptOut(BaseModel):
    sql: str
    error: str | None = Field(description="Why the attempt failed; null for the one that answered.")


class GenieAnswerOut(BaseModel):
    question: str
    status: str = Field(description="answered, failed or refused")
    sql: str | None
    explanation: str | None
    columns: list[str]
    rows: list[list[Any]]
    attempts: list[AttemptOut] = Field(description="Every attempt in order; the last one answered when status"
                                                   " is answered.")
    message: str | None
    conversation_id: str
    turn_id: str

    @classmethod
    def of(cls, answer: GenieAnswer) -> GenieAnswerOut:
        attempts = [AttemptOut(sql=a.sql, error=a.error) for a in answer.attempts]
        if answer.status == "answered":
            attempts.append(AttemptOut(sql=answer.sql, error=None))
        return cls(question=answer.question, status=answer.status, sql=answer.sql or None,
                   explanation=answer.explanation or None, columns=answer.columns, rows=json_rows(answer.rows),
                   attempts=attempts, message=answer.message or None, conversation_id=answer.conversation_id,
                   turn_id=answer.turn_id)
