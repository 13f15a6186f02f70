"""GET /api/tables (PostgREST-style) and GET /api/tables/{id}/columns over HTTP."""

from __future__ import annotations

import httpx
import pytest

from services.core import db


def _get(api_url: str, key: str, path: str, **params) -> httpx.Response:
    return httpx.get(f"{api_url}{path}", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_tables_filtered_ordered_and_selected(api_url, key_for):
    _user, key = key_for("service")
    response = _get(api_url, key, "/api/tables", select="id,schema_name,table_name,row_count,dq_score",
                    schema_name="eq.gold", order="table_name")
    assert response.status_code == 200, response.text
    rows = response.json()
    names = [r["table_name"] for r in rows]
    assert names == sorted(names) and {"finance_expenses", "vendor_monthly_spend"} <= set(names)
    assert set(rows[0]) == {"id", "schema_name", "table_name", "row_count", "dq_score"}
    expenses = next(r for r in rows if r["table_name"] == "finance_expenses")
    with db.connection() as conn:
        assert expenses["row_count"] == conn.execute("SELECT count(*) FROM gold.finance_expenses").fetchone()[0]


def test_paging_and_descending_order(api_url, key_for):
    _user, key = key_for("viewer")
    everything = _get(api_url, key, "/api/tables", order="table_name.desc", limit="1000").json()
    page = _get(api_url, key, "/api/tables", order="table_name.desc", limit="2", offset="1").json()
    assert [r["id"] for r in page] == [r["id"] for r in everything[1:3]]


def test_columns_of_a_table(api_url, key_for):
    _user, key = key_for("viewer")
    table = _get(api_url, key, "/api/tables", schema_name="eq.silver", table_name="eq.expenses").json()[0]
    columns = _get(api_url, key, f"/api/tables/{table['id']}/columns").json()
    first = columns[0]
    assert first["name"] == "expense_id" and first["is_primary_key"] is True and first["data_type"] == "integer"
    assert all(c["description"] for c in columns)  # every demo column is described


@pytest.mark.parametrize("params", [{"nope": "eq.1"}, {"schema_name": "zz.gold"}, {"order": "table_name.up"},
                                    {"limit": "0"}, {"limit": "ten"}, {"select": "password_hash"}])
def test_bad_parameters_get_400(api_url, key_for, params):
    _user, key = key_for("viewer")
    response = _get(api_url, key, "/api/tables", **params)
    assert response.status_code == 400 and response.json()["error"]


def test_unknown_table_id_and_no_key(api_url, key_for):
    _user, key = key_for("viewer")
    assert _get(api_url, key, "/api/tables/not-a-uuid/columns").status_code == 404
    assert httpx.get(f"{api_url}/api/tables", timeout=10).status_code == 401


def test_typed_comparisons_and_patterns(api_url, key_for):
    _user, key = key_for("viewer")
    big = _get(api_url, key, "/api/tables", row_count="gt.50000", select="table_name,row_count").json()
    assert big and all(r["row_count"] > 50000 for r in big)
    liked = _get(api_url, key, "/api/tables", table_name="like.vendor*", select="table_name").json()
    assert {r["table_name"] for r in liked} >= {"vendor_monthly_spend", "vendors"}
    bad = _get(api_url, key, "/api/tables", row_count="gt.lots")
    assert bad.status_code == 400


def test_search(api_url, key_for):
    from services.catalog import sync as catalog_sync

    catalog_sync.sync()
    _user, key = key_for("service")
    hits = _get(api_url, key, "/api/search", q="supplier spend").json()
    assert any(h["table_name"] == "vendor_monthly_spend" for h in hits[:3])
    assert _get(api_url, key, "/api/search", q=" ").status_code == 400


def test_ddl_download(api_url, key_for):
    _user, key = key_for("viewer")
    response = _get(api_url, key, "/api/ddl/silver.vendors.sql")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    assert response.text.count("CREATE TABLE") == 1 and "PRIMARY KEY (vendor_id)" in response.text
    assert _get(api_url, key, "/api/ddl/silver.nope.sql").status_code == 404
