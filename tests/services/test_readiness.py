"""Readiness reports Redis when several app processes keep the browsers' state there."""

from __future__ import annotations

import pytest

from devtools.app_server import free_port
from services.core.config import settings
from services.runtime import health


def _redis_check() -> health.Check | None:
    return next((c for c in health.readiness().checks if c.name == "redis"), None)


def test_without_redis_url_there_is_no_redis_check(migrated, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert _redis_check() is None


def test_a_reachable_redis_is_ready(migrated, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    check = _redis_check()
    assert check is not None and check.ok and check.required, check


def test_redis_gone_makes_the_process_not_ready_and_says_so(migrated, monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"redis://:secret-word@127.0.0.1:{free_port()}/0")
    report = health.readiness()
    check = next(c for c in report.checks if c.name == "redis")
    assert not check.ok and not report.ready
    assert "cannot reach Redis" in check.detail and "secret-word" not in check.detail


def test_several_processes_need_redis(monkeypatch):
    monkeypatch.setenv("WORKBENCH_WORKERS", "3")
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ValueError, match=r"WORKBENCH_WORKERS=3 needs REDIS_URL"):
        settings()
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert settings().workers == 3
