"""The API and the CLI's --json print the same shapes (one set of response models), and a table name
resolves over the API as it does in the catalog and lineage services."""

from __future__ import annotations

import json

import httpx

from tests.services.test_cli import _run


def _get(api_url: str, key: str, path: str, **params) -> httpx.Response:
    return httpx.get(f"{api_url}{path}", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def test_search_hits_have_one_shape(api_url, key_for):
    _user, key = key_for("viewer")
    over_api = _get(api_url, key, "/api/search", q="supplier spend", limit=5).json()
    from_cli = json.loads(_run("catalog", "search", "supplier spend", "--limit", "5", "--json").stdout)
    assert [set(h) for h in from_cli] == [set(h) for h in over_api]
    assert [(h["schema_name"], h["table_name"], h["column_name"], h["match"]) for h in from_cli] == \
        [(h["schema_name"], h["table_name"], h["column_name"], h["match"]) for h in over_api]


def test_impact_is_the_same_over_the_api_and_the_cli(api_url, key_for):
    _user, key = key_for("viewer")
    over_api = _get(api_url, key, "/api/lineage/silver.expenses/impact", column="amount", depth=10)
    assert over_api.status_code == 200, over_api.text
    from_cli = _run("lineage", "impact", "silver.expenses.amount", "--json")
    assert from_cli.returncode == 0, from_cli.stderr
    assert json.loads(from_cli.stdout) == over_api.json()


def test_mixed_case_names_resolve_over_the_api(api_url, key_for):
    _user, key = key_for("viewer")
    shouted = _get(api_url, key, "/api/lineage/Gold.Finance_Expenses/impact").json()
    plain = _get(api_url, key, "/api/lineage/gold.finance_expenses/impact").json()
    assert shouted == plain and plain["start"] == "gold.finance_expenses"
    ddl = httpx.get(f"{api_url}/api/ddl/Gold.Finance_Expenses.sql", headers={"Authorization": f"Bearer {key}"},
                    timeout=60)
    assert ddl.status_code == 200 and 'CREATE TABLE "gold"."finance_expenses"' in ddl.text
