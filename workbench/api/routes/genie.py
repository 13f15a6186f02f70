"""Genie over the API: a question in plain language answered with read-only SQL (use_ai_assist)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.genie.ask import ask
from services.identity.users import User
from workbench.api.deps import principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.genie import GenieAnswerOut

router = APIRouter(tags=["genie"])


class GenieRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000, pattern=r"\S",
                          description="A question about the warehouse, in plain language.")
    conversation_id: str | None = Field(None, description="Continue a conversation (from an earlier answer).")


@router.post("/api/genie/ask", responses=error_responses(*COMMON, 502))
async def genie_ask(body: GenieRequest, user: User = Depends(principal)) -> GenieAnswerOut:  # noqa: B008
    """Answer a question with SQL run read-only as the key's user: SQL, rows and every attempt."""
    answer = await asyncio.to_thread(ask, user, body.question, conversation_id=body.conversation_id)
    return GenieAnswerOut.of(answer)
