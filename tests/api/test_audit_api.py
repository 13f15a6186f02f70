"""GET /api/audit: service and admin keys read the trail (filters: actor, action, since; paged); engineer and
viewer keys are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.identity import audit


def _get(api_url: str, key: str, **params) -> httpx.Response:
    return httpx.get(f"{api_url}/api/audit", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=30)


@pytest.mark.parametrize("role", ["service", "admin"])
def test_service_and_admin_keys_read_filtered_pages(api_url, key_for, make_user, role):
    _, key = key_for(role)
    someone, _ = make_user("engineer")
    started = datetime.now(UTC) - timedelta(seconds=1)
    for index in range(3):
        audit.record(action="audit_api_probe", actor=someone, target=f"probe-{index}")
    first = _get(api_url, key, actor=someone.email.upper(), action="audit_api_probe", limit=2)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [e["target"] for e in page["entries"]] == ["probe-2", "probe-1"] and page["next_offset"] == 2
    assert page["entries"][0]["actor_email"] == someone.email
    rest = _get(api_url, key, actor=someone.email, action="audit_api_probe", limit=2, offset=2).json()
    assert [e["target"] for e in rest["entries"]] == ["probe-0"] and rest["next_offset"] is None
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert _get(api_url, key, actor=someone.email, since=later).json()["entries"] == []
    assert len(_get(api_url, key, actor=someone.email, since=started.isoformat()).json()["entries"]) == 3


@pytest.mark.parametrize("role", ["engineer", "viewer"])
def test_engineer_and_viewer_keys_are_refused(api_url, key_for, role):
    _, key = key_for(role)
    answer = _get(api_url, key)
    assert answer.status_code == 403 and answer.json()["error"]


def test_bad_filters_are_clear_errors(api_url, key_for):
    _, key = key_for("service")
    assert _get(api_url, key, since="yesterday").status_code == 400
    naive = _get(api_url, key, since="2026-11-01T00:00:00")
    assert naive.status_code == 400 and "time zone" in naive.json()["error"]
    assert _get(api_url, key, limit=0).status_code == 400
