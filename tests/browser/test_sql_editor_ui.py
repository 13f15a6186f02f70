"""SQL Editor in the browser: Flow 2 end to end, error marking, cancel, read-only viewers."""

from __future__ import annotations

import csv
import io
import re
import time
import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from services.core import db
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

FLOW_2_SQL = "SELECT vendor, SUM(amount) FROM gold.finance_expenses GROUP BY vendor"


def _open_editor(page: Page, role: str, make_user):
    user, password = make_user(role)
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.click("#sidebar >> text=SQL Editor")
    expect(page.locator(".cm-content")).to_be_visible()
    return user


def _type_sql(page: Page, text: str) -> None:
    page.click(".cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for index, line in enumerate(text.split("\n")):
        if index:
            page.keyboard.press("Enter")
        page.keyboard.type(line)
        page.keyboard.press("Escape")  # close the completion list so Enter starts a new line


def test_flow_2_end_to_end(page: Page, make_user, tmp_path):
    user = _open_editor(page, "viewer", make_user)
    # Sidebar: open the table, see its columns, its name goes into the editor.
    page.locator(".catalog-table", has_text="gold.finance_expenses").click()
    expect(page.locator(".catalog-column", has_text="amount_php")).to_be_visible()
    expect(page.locator(".cm-content")).to_contain_text("gold.finance_expenses")
    # Autocomplete offers the table's columns after an alias.
    _type_sql(page, "SELECT * FROM gold.finance_expenses AS f WHERE f.")
    page.keyboard.type("amo")
    completion = page.locator(".cm-tooltip-autocomplete")
    expect(completion).to_contain_text("amount_php")
    screenshot(page, "sql-autocomplete")
    page.keyboard.press("Escape")
    # Run Flow 2's query with Ctrl+Enter.
    _type_sql(page, FLOW_2_SQL)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-summary")).to_contain_text(re.compile(r"\d+ rows in \d+ ms"))
    with db.connection() as conn:
        expected = {(v, s) for v, s in conn.execute(FLOW_2_SQL).fetchall()}
    expect(page.locator("#result-summary")).to_contain_text(f"{len(expected)} rows")
    expect(page.locator(".result-header").nth(1)).to_contain_text("numeric")
    expect(page.locator(".result-cell", has_text="NULL").first).to_be_visible()
    screenshot(page, "sql-results")
    # Export CSV: the downloaded file equals the database's answer.
    with page.expect_download() as download:
        page.click("#export-csv")
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["vendor", "sum"]
    assert {(r[0] or None, Decimal(r[1])) for r in rows[1:]} == expected
    # Save the query as a snippet and find it again.
    name = f"Vendor totals {uuid.uuid4().hex[:6]}"
    page.click("#save-snippet")
    page.fill("#snippet-name", name)
    page.fill("#snippet-tags", "finance, vendors")
    page.click("#snippet-save")
    expect(page.locator("#sql-notice")).to_contain_text(name)
    page.click("#tab-snippets")
    page.fill("#snippet-search", "vendors")
    page.keyboard.press("Enter")
    snippet = page.locator(".snippet-row", has_text=name)
    expect(snippet).to_be_visible()
    screenshot(page, "sql-snippets")
    # Edit it: load, change the SQL, update in place.
    snippet.locator(".edit").click()
    _type_sql(page, FLOW_2_SQL + " ORDER BY 2 DESC")
    page.click("#update-snippet")
    expect(page.locator("#sql-notice")).to_contain_text(f"Updated snippet “{name}”")
    expect(page.locator(".snippet-row", has_text=name)).to_contain_text("ORDER BY 2 DESC")
    # Tomorrow: reload it from History.
    _type_sql(page, "SELECT 1")
    page.click("#tab-history")
    row = page.locator(".history-row", has_text="GROUP BY vendor").first
    expect(row).to_contain_text(user.email)
    row.locator("a").click()
    expect(page.locator(".cm-content")).to_have_text(FLOW_2_SQL)
    screenshot(page, "sql-history")


def test_a_syntax_error_is_marked_at_its_position(page: Page, make_user):
    _open_editor(page, "engineer", make_user)
    _type_sql(page, "SELECT amount\nFROM gold.finance_expenses WHERE nope = 1")
    page.click("#run-sql")
    expect(page.locator("#sql-error")).to_contain_text('column "nope" does not exist')
    expect(page.locator("#sql-error")).to_contain_text("(line 2, column 34)")
    expect(page.locator(".cm-lintRange-error")).to_have_text("nope")
    screenshot(page, "sql-error")


def test_cancel_from_the_ui(page: Page, make_user):
    _open_editor(page, "engineer", make_user)
    marker = uuid.uuid4().hex[:10]
    _type_sql(page, f"SELECT pg_sleep(60), '{marker}'")
    page.click("#run-sql")
    expect(page.locator("#cancel-sql")).to_be_enabled()
    deadline = time.monotonic() + 10
    while not _sleeping() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _sleeping()
    clicked = time.monotonic()
    page.click("#cancel-sql")
    while _sleeping() and time.monotonic() - clicked < 5:
        time.sleep(0.05)
    assert time.monotonic() - clicked < 2
    expect(page.locator("#sql-error")).to_contain_text("Query cancelled.")
    _type_sql(page, "SELECT 42 AS answer")  # the editor is usable at once
    page.keyboard.press("Control+Enter")
    expect(page.locator(".result-cell")).to_have_text("42")
    with db.connection() as conn:
        status = conn.execute("SELECT status FROM ip_workbench.query_history WHERE sql LIKE %s",
                              (f"%{marker}%",)).fetchone()[0]
    assert status == "cancelled"


def _sleeping() -> bool:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                            " AND wait_event = 'PgSleep'").fetchone()[0] > 0


def test_a_viewers_write_is_refused_read_only(page: Page, make_user):
    _open_editor(page, "viewer", make_user)
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM silver.vendors").fetchone()[0]
    _type_sql(page, "DELETE FROM silver.vendors")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#sql-error")).to_contain_text("Viewers run queries read-only")
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM silver.vendors").fetchone()[0] == before
    screenshot(page, "sql-viewer-read-only")


def test_format_pretty_prints_with_sqlglot(page: Page, make_user):
    _open_editor(page, "viewer", make_user)
    _type_sql(page, "select vendor,sum(amount) from gold.finance_expenses group by vendor")
    page.click("#format-sql")
    expect(page.locator(".cm-line").first).to_have_text("SELECT")
    expect(page.locator(".cm-content")).to_contain_text("FROM gold.finance_expenses")
    _type_sql(page, "SELECT FROM WHERE (")
    page.click("#format-sql")
    expect(page.locator("#sql-error")).to_contain_text("Cannot format")
