"""POST /api/rpc/execute_sql over HTTP: auth, roles, errors, rate limit, OpenAPI."""

from __future__ import annotations

import httpx
import pytest

from services.core import db
from services.identity import api_keys


def _post(url: str, key: str | None, body, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{url}/api/rpc/execute_sql", json=body, headers=headers, timeout=60, **kwargs)


def test_returns_rows_columns_and_time(api_url, key_for):
    _user, key = key_for("service")
    sql = "SELECT vendor, SUM(amount) AS total FROM gold.finance_expenses GROUP BY vendor ORDER BY 2 DESC LIMIT 5"
    response = _post(api_url, key, {"sql": sql})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["vendor", "total"] and body["column_types"] == ["text", "numeric"]
    with db.connection() as conn:
        expected = conn.execute(sql).fetchall()
    assert body["rows"] == [[v, str(t)] for v, t in expected]  # numerics stay exact (as strings)
    assert isinstance(body["execution_time_ms"], int) and body["truncated"] is False


def test_types_survive(api_url, key_for):
    _user, key = key_for("viewer")
    body = _post(api_url, key, {"sql": "SELECT DATE '2025-01-31' AS d, NULL::text AS n, '' AS e,"
                                       " 12345678901234567890.12::numeric AS big, 'ñ✓' AS u"}).json()
    assert body["rows"] == [["2025-01-31", None, "", "12345678901234567890.12", "ñ✓"]]


def test_all_pages_are_returned(api_url, key_for):
    _user, key = key_for("engineer")
    body = _post(api_url, key, {"sql": "SELECT generate_series(1, 2500) AS n"}).json()
    assert body["row_count"] == 2500 and body["rows"][-1] == [2500]


@pytest.mark.parametrize("key", [None, "wrong", "wbk_deadbeef_nope"])
def test_401_without_a_valid_key(api_url, key):
    response = _post(api_url, key, {"sql": "SELECT 1"})
    assert response.status_code == 401 and "API key" in response.json()["error"]


def test_revoked_key_and_disabled_user_get_401(api_url, key_for, operator):
    from services.identity import users

    user, key = key_for("service")
    assert _post(api_url, key, {"sql": "SELECT 1"}).status_code == 200
    api_keys.revoke_key(operator, key)
    assert _post(api_url, key, {"sql": "SELECT 1"}).status_code == 401
    other, other_key = key_for("service")
    users.set_active(operator, other.email, False)
    assert _post(api_url, other_key, {"sql": "SELECT 1"}).status_code == 401


def test_403_when_the_role_may_not(api_url, key_for):
    _user, key = key_for("service")
    response = _post(api_url, key, {"sql": "SELECT * FROM ip_workbench.users"})
    assert response.status_code == 403 and "ip_workbench" in response.json()["error"]


def test_400_with_the_postgres_error(api_url, key_for):
    _user, key = key_for("viewer")
    response = _post(api_url, key, {"sql": "SELECT nope FROM gold.finance_expenses"})
    assert response.status_code == 400
    body = response.json()
    assert body["sqlstate"] == "42703" and "nope" in body["error"] and body["position"] == 7


def test_a_viewers_write_is_refused(api_url, key_for):
    _user, key = key_for("viewer")
    response = _post(api_url, key, {"sql": "DELETE FROM silver.vendors"})
    assert response.status_code == 400 and "read-only" in response.json()["error"]


@pytest.mark.parametrize("payload", [b"{not json", b'{"query": "SELECT 1"}', b'{"sql": 42}', b"[]"])
def test_malformed_bodies_get_400(api_url, key_for, payload):
    _user, key = key_for("viewer")
    response = httpx.post(f"{api_url}/api/rpc/execute_sql", content=payload, timeout=30,
                          headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"].startswith("Invalid request")


def test_429_with_retry_after_past_1000_requests_a_minute(api_url, key_for):
    _user, key = key_for("service")
    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        statuses = [client.post("/api/rpc/execute_sql", json={"sql": "SELECT 1"}).status_code for _ in range(1000)]
        assert statuses.count(200) == 1000
        limited = client.post("/api/rpc/execute_sql", json={"sql": "SELECT 1"})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60 and "retry in" in limited.json()["error"]
    other_user, other_key = key_for("service")  # the limit is per key
    assert _post(api_url, other_key, {"sql": "SELECT 1"}).status_code == 200


def test_openapi_describes_execute_sql(api_url):
    spec = httpx.get(f"{api_url}/api/openapi.json", timeout=10).json()
    assert "/api/rpc/execute_sql" in spec["paths"]
    assert "post" in spec["paths"]["/api/rpc/execute_sql"]
