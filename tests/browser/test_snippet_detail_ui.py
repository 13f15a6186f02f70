"""SQL Editor › a saved snippet: its page shows the SQL, tags, owner and the runs of it; the owner edits and
deletes it; another engineer reads it without Edit or Delete."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from services.core.errors import NotFound
from services.sql import execution as query_execution
from services.sql import snippets
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _snippet(owner) -> snippets.Snippet:
    name = f"vendors by spend {uuid.uuid4().hex[:6]}"
    sql = f"SELECT vendor, count(*) AS n, '{name}' AS label FROM gold.finance_expenses GROUP BY vendor"
    saved = snippets.save(owner, name, sql, description="Who we pay most often", tags="finance, weekly")
    query_execution.execute_all(owner, sql, source="editor")
    return saved


def test_the_owner_reads_edits_and_deletes_a_snippet(page: Page, make_user):
    owner, password = make_user("engineer")
    saved = _snippet(owner)
    sign_in(page, owner.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.click("#sidebar >> text=SQL Editor")
    page.get_by_role("tab", name="Saved Snippets").click()
    page.locator(".snippet-link", has_text=saved.name).click()
    expect(page).to_have_url(re.compile(rf"/sql/snippets/{saved.id}/?$"))
    expect(page.locator("#snippet-name-heading")).to_have_text(saved.name)
    expect(page.locator("#snippet-detail-tags")).to_have_text("finance, weekly")
    expect(page.locator("#snippet-detail-owner")).to_have_text(owner.email)
    expect(page.locator("#snippet-detail-sql")).to_contain_text("GROUP BY vendor")
    expect(page.locator(".snippet-run-row")).to_have_count(1)
    expect(page.locator(".snippet-run-row")).to_contain_text("completed")
    screenshot(page, "snippet-detail")

    page.click("#snippet-edit")
    page.fill("#edit-name", saved.name + " (edited)")
    page.fill("#edit-tags", "finance, monthly")
    page.click("#edit-save")
    expect(page.locator("#snippet-detail-notice")).to_have_text("Saved.")
    expect(page.locator("#snippet-name-heading")).to_have_text(saved.name + " (edited)")
    assert snippets.get(owner, saved.id).tags == ["finance", "monthly"]

    page.click("#snippet-delete")
    page.click("#snippet-delete-confirm")
    expect(page).to_have_url(re.compile(r"/sql/?$"))
    with pytest.raises(NotFound):
        snippets.get(owner, saved.id)


def test_another_engineer_reads_it_without_edit_or_delete(page: Page, make_user):
    owner, _ = make_user("engineer")
    saved = _snippet(owner)
    other, password = make_user("engineer")
    sign_in(page, other.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto(f"/sql/snippets/{saved.id}")
    expect(page.locator("#snippet-name-heading")).to_have_text(saved.name)
    expect(page.locator("#snippet-open")).to_be_visible()
    expect(page.locator("#snippet-edit")).to_have_count(0)
    expect(page.locator("#snippet-delete")).to_have_count(0)
    expect(page.locator(".snippet-run-row")).to_have_count(0)  # the owner's runs are theirs


def test_an_unknown_snippet_says_so(page: Page, make_user):
    user, password = make_user("viewer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto(f"/sql/snippets/{uuid.uuid4()}")
    expect(page.locator("#snippet-detail-error")).to_have_text("No such snippet.")
