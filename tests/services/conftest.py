"""Fixtures of the service tests."""

from __future__ import annotations

import pytest

from devtools.openai_peer import running_peer
from services.core import db
from services.llm import gateway


@pytest.fixture
def peer(monkeypatch, demo_warehouse):
    """A scripted OpenAI-compatible server on 127.0.0.1 as the gateway's only model (openai/peer-model)."""
    gateway.reset_breakers()
    with db.connection() as conn:  # prices an earlier test set for the peer's models must not carry over
        conn.execute("DELETE FROM ip_workbench.model_prices WHERE model LIKE 'openai/peer-%'")
    with running_peer() as server:
        monkeypatch.setenv("WORKBENCH_LLM_MODEL", "openai/peer-model")
        monkeypatch.setenv("WORKBENCH_LLM_API_BASE", server.url)
        monkeypatch.setenv("WORKBENCH_LLM_API_KEY", "not-needed")
        monkeypatch.setenv("WORKBENCH_LLM_BACKOFF_S", "0.01")
        monkeypatch.setenv("WORKBENCH_LLM_TIMEOUT_S", "10")
        yield server
    gateway.reset_breakers()
