"""Exports of a query from your history: CSV, Excel and JSON, whole result, types and NULL kept."""

from __future__ import annotations

import csv
import io
import json
import uuid

import httpx
import openpyxl
import pytest

from services.core import db
from services.sql import execution as query_execution

SQL = ("SELECT expense_id, expense_date, vendor, amount_php, ''::text AS empty, NULL::int AS nothing"
       " FROM gold.finance_expenses ORDER BY expense_id LIMIT 2500")


def _ran(user) -> str:
    result = query_execution.execute(user, SQL)
    query_execution.close_result(user, result.run_id)
    return result.history_id


def _get(api_url: str, key: str, history_id: str, fmt: str) -> httpx.Response:
    return httpx.get(f"{api_url}/api/export/{history_id}.{fmt}", headers={"Authorization": f"Bearer {key}"},
                     timeout=60)


@pytest.fixture
def expected():
    with db.connection() as conn:
        return conn.execute(SQL).fetchall()


def test_csv(api_url, key_for, expected):
    user, key = key_for("viewer")
    response = _get(api_url, key, _ran(user), "csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "expense_id,expense_date,vendor,amount_php,empty,nothing"
    assert len(lines) == 1 + 2500
    assert lines[1].endswith(',"",')  # empty string quoted, NULL empty
    parsed = list(csv.reader(io.StringIO(text)))[1:]
    assert [(int(r[0]), r[1], r[2] or None, r[3]) for r in parsed] == [
        (e[0], e[1].isoformat(), e[2], str(e[3])) for e in expected]


def test_json(api_url, key_for, expected):
    user, key = key_for("engineer")
    body = json.loads(_get(api_url, key, _ran(user), "json").content)
    assert len(body) == 2500
    assert body[0] == {"expense_id": expected[0][0], "expense_date": expected[0][1].isoformat(),
                       "vendor": expected[0][2], "amount_php": str(expected[0][3]), "empty": "", "nothing": None}


def test_xlsx(api_url, key_for, expected):
    user, key = key_for("admin")
    response = _get(api_url, key, _ran(user), "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("expense_id", "expense_date", "vendor", "amount_php", "empty", "nothing")
    assert len(rows) == 2501
    first = rows[1]
    assert first[0] == expected[0][0] and first[1].date() == expected[0][1]
    assert abs(first[3] - float(expected[0][3])) < 1e-9 and first[5] is None


def test_someone_elses_query_cannot_be_exported(api_url, key_for):
    alice, _ = key_for("viewer")
    _bob, bob_key = key_for("viewer")
    assert _get(api_url, bob_key, _ran(alice), "csv").status_code == 404


def test_writes_are_not_re_run_by_an_export(api_url, key_for):
    user, key = key_for("engineer")
    table = f"gold.t_export_{uuid.uuid4().hex[:8]}"  # temporary tables are not available to user SQL
    result = query_execution.execute(user, f"CREATE TABLE {table} AS SELECT 1 AS a")
    try:
        response = _get(api_url, key, result.history_id, "csv")
        assert response.status_code == 400 and "Only a single query" in response.json()["error"]
    finally:
        query_execution.execute(user, f"DROP TABLE {table}")


def test_unknown_format(api_url, key_for):
    user, key = key_for("viewer")
    assert _get(api_url, key, _ran(user), "pdf").status_code == 400


def test_export_needs_a_key_or_a_session(api_url, key_for):
    user, _ = key_for("viewer")
    assert httpx.get(f"{api_url}/api/export/{_ran(user)}.csv", timeout=30).status_code == 401
