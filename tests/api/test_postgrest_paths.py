"""The PRD's PostgREST contracts (section 5) at /rest/v1, driven by the real `postgrest` client from PyPI the
way a Supabase-style app would call them: the key as `apikey:` and as `Authorization: Bearer`."""

from __future__ import annotations

import httpx
import pytest
from postgrest import SyncPostgrestClient
from postgrest.exceptions import APIError


def _client(api_url: str, key: str, *, bearer: bool = True) -> SyncPostgrestClient:
    headers = {"apikey": key, **({"Authorization": f"Bearer {key}"} if bearer else {})}
    return SyncPostgrestClient(f"{api_url}/rest/v1", headers=headers)


def test_tables_with_filters_and_order_through_the_postgrest_client(api_url, key_for):
    _, key = key_for("viewer")
    with _client(api_url, key) as client:
        found = (client.from_("tables").select("id", "schema_name", "table_name", "row_count")
                 .eq("schema_name", "gold").order("table_name", desc=True).execute())
    names = [row["table_name"] for row in found.data]
    assert names and names == sorted(names, reverse=True)
    assert {row["schema_name"] for row in found.data} == {"gold"}
    assert set(found.data[0]) == {"id", "schema_name", "table_name", "row_count"}
    # The same rows as the existing /api/tables route gives.
    direct = httpx.get(f"{api_url}/api/tables", params={"select": "table_name", "schema_name": "eq.gold",
                                                         "order": "table_name.desc"},
                       headers={"Authorization": f"Bearer {key}"}).json()
    assert [row["table_name"] for row in direct] == names


def test_the_key_as_apikey_header_alone_is_enough(api_url, key_for):
    _, key = key_for("viewer")
    with _client(api_url, key, bearer=False) as client:
        found = client.from_("tables").select("table_name").like("table_name", "finance*").execute()
    assert "finance_expenses" in {row["table_name"] for row in found.data}


def test_execute_sql_as_an_rpc(api_url, key_for):
    _, key = key_for("engineer")
    with _client(api_url, key) as client:
        answer = client.rpc("execute_sql", {"sql": "SELECT 1 AS one, 'x' AS two"}).execute()
    assert answer.data["columns"] == ["one", "two"] and answer.data["rows"] == [[1, "x"]]
    assert isinstance(answer.data["execution_time_ms"], int)


def test_a_bad_key_and_bad_sql_are_postgrest_errors(api_url, key_for):
    with _client(api_url, "wb_not-a-key") as client, pytest.raises(APIError) as refused:
        client.from_("tables").select("table_name").execute()
    assert "key" in str(refused.value).lower()
    _, key = key_for("viewer")
    with _client(api_url, key) as client, pytest.raises(APIError) as failed:
        client.rpc("execute_sql", {"sql": "SELEC 1"}).execute()
    assert "syntax error" in str(failed.value).lower()


def test_an_unknown_postgrest_path_is_a_json_404(api_url, key_for):
    _, key = key_for("viewer")
    answer = httpx.get(f"{api_url}/rest/v1/pipelines", headers={"apikey": key})
    assert answer.status_code == 404
    assert answer.json()["message"] == "No API route at /rest/v1/pipelines."
