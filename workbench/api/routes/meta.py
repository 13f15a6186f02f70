"""Liveness."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["meta"])


@router.get("/api/health")
async def health() -> dict[str, str]:
    """Liveness (no auth)."""
    return {"status": "ok"}
