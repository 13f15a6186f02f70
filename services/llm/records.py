"""What every model call leaves behind: a row in llm_requests, and its cost in cost_tracker."""

from __future__ import annotations

from typing import Any

from services.core import db


def record(*, model: str, status: str, latency_ms: int, purpose: str, attempt: int, prompt_tokens: int = 0,
           completion_tokens: int = 0, cost_usd: float = 0.0, error: str | None = None, user_id: Any = None,
           agent_run_id: Any = None) -> str:
    """One call (successful or not); returns the llm_requests id."""
    with db.connection() as conn:
        request_id = conn.execute(
            "INSERT INTO ip_workbench.llm_requests (agent_run_id, model, prompt_tokens, completion_tokens, cost_usd,"
            " latency_ms, status, error, purpose, user_id, attempt) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s) RETURNING id::text",
            (agent_run_id, model, prompt_tokens, completion_tokens, cost_usd, latency_ms, status,
             (error or "")[:2000] or None, purpose, user_id, attempt)).fetchone()[0]
        if status == "completed":
            conn.execute("INSERT INTO ip_workbench.cost_tracker (service, resource_id, cost_usd)"
                         " VALUES ('llm', %s, %s)", (request_id, cost_usd))
    return request_id
