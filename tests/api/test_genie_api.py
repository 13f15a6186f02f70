"""POST /api/genie/ask over HTTP: a service account asks (the local model answers), a viewer may not."""

from __future__ import annotations

import httpx
import pytest

from services.core import db


def _ask(api_url: str, key: str, question: str) -> httpx.Response:
    return httpx.post(f"{api_url}/api/genie/ask", json={"question": question},
                      headers={"Authorization": f"Bearer {key}"}, timeout=180)


def test_a_viewer_may_not_ask(api_url, key_for):
    _user, key = key_for("viewer")
    assert _ask(api_url, key, "How many vendors do we have?").status_code == 403


@pytest.mark.model
def test_a_service_account_gets_rows_from_the_local_model(api_url, key_for, local_model):
    _user, key = key_for("service")
    response = _ask(api_url, key, "How many vendors do we have?")
    assert response.status_code == 200, response.text
    body = response.json()
    with db.connection() as conn:
        vendors = conn.execute("SELECT count(*) FROM silver.vendors").fetchone()[0]
    assert body["status"] == "answered" and body["rows"] == [[vendors]], body
    assert body["sql"].lower().startswith(("select", "with"))
