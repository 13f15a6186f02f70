"""Genie in the browser, with the real local model: the top five vendors, a refused delete, a follow-up,
and a viewer kept out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from devtools import genie_eval
from services.core import db
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.model]
# How long a person waits for the local model's answer here: up to 3 attempts on 2 shared cores, where the
# same model has run at 16 and at 1.5 tokens/s depending on the machine's neighbours. A wait, not a timing.
MODEL_WAIT_MS = 300_000


def _genie(page: Page, make_user, role: str = "engineer") -> None:
    user, password = make_user(role)
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.click("#sidebar >> text=Genie")
    expect(page.locator("#genie-question")).to_be_visible()


def _ask(page: Page, question: str) -> None:
    page.fill("#genie-question", question)
    page.click("#genie-ask")


def test_top_five_vendors_match_the_database(page: Page, make_user, local_model):
    _genie(page, make_user)
    _ask(page, "top 5 vendors by total amount in 2025")
    turn = page.locator(".genie-turn").last
    expect(turn.locator(".genie-summary")).to_contain_text("5 rows", timeout=MODEL_WAIT_MS)
    gold = genie_eval.gold_rows(genie_eval.load()[0]["sql"])
    shown = turn.locator(".genie-result tbody tr")
    expect(shown).to_have_count(5)
    for index, (vendor, _total) in enumerate(gold):
        expect(shown.nth(index)).to_contain_text(vendor)
    expect(turn.locator(".genie-sql")).to_contain_text(re.compile("SELECT", re.I))
    expect(turn.locator(".genie-explanation")).not_to_be_empty()
    screenshot(page, "genie-top-vendors")
    turn.locator(".genie-open").click()
    expect(page).to_have_url(re.compile(r"/sql\?sql="))
    expect(page.locator(".cm-content")).to_contain_text("2025")


def test_delete_is_refused_and_a_follow_up_narrows(page: Page, make_user, local_model):
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM silver.expenses").fetchone()[0]
    _genie(page, make_user)
    _ask(page, "delete all expenses")
    expect(page.locator(".genie-turn").last.locator(".genie-message")).to_contain_text("only reads")
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM silver.expenses").fetchone()[0] == before
    _ask(page, "Total amount in PHP of all expense claims per department")
    expect(page.locator(".genie-turn").last.locator(".genie-summary")).to_contain_text("rows", timeout=MODEL_WAIT_MS)
    departments = page.locator(".genie-turn").last.locator(".genie-result tbody tr").count()
    assert departments > 1
    _ask(page, "only the Finance department")
    last = page.locator(".genie-turn").last
    expect(last.locator(".genie-summary")).to_have_text("1 row", timeout=MODEL_WAIT_MS)
    expect(last.locator(".genie-result")).to_contain_text("Finance")
    screenshot(page, "genie-follow-up")


def test_viewers_do_not_see_genie(page: Page, make_user):
    user, password = make_user("viewer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    expect(page.locator("#sidebar")).not_to_contain_text("Genie")
    page.goto("/genie")
    expect(page.locator("#flash-message")).to_contain_text("You cannot open")


def test_an_empty_page_offers_questions_from_the_catalog_and_shows_each_stage(page: Page, make_user, local_model):
    """A newcomer sees sample questions built from the catalog; one click asks it, the stages of the answer
    show while it is worked on, then the rows."""
    from services.genie import suggest
    from services.identity.users import find_by_email

    user, password = make_user("engineer")
    sign_in(page, user.email, password)
    page.click("#sidebar >> text=Genie")
    expected = suggest.sample_questions(find_by_email(user.email))
    assert expected, "the demo catalog gives sample questions"
    samples = page.locator(".genie-sample")
    expect(samples).to_have_count(len(expected))
    for index, question in enumerate(expected):
        expect(samples.nth(index)).to_have_text(question)
    screenshot(page, "genie-samples")
    samples.nth(0).click()
    expect(page.locator("#genie-stage")).to_have_text(
        re.compile(r"^(Starting|Finding tables|Writing SQL|Checking and running the SQL|Repairing the SQL.*)…$"))
    turn = page.locator(".genie-turn").last
    expect(turn.locator(".genie-question")).to_have_text(expected[0])
    expect(turn.locator(".genie-summary, .genie-message").first).to_be_visible(timeout=MODEL_WAIT_MS)
    expect(page.locator("#genie-samples")).to_have_count(0)  # the page is no longer empty
