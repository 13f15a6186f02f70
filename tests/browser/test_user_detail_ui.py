"""Settings › Users & Roles › a user: an admin changes the role, resets the password (shown once), creates an
API key (shown once, and it works), revokes it (and it stops working), and reads the user's audit entries;
an engineer is sent back."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from services.identity import users
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_an_admin_manages_one_user_and_their_keys(page: Page, app_url, make_user):
    admin, password = make_user("admin")
    target, _ = make_user("viewer", name="Vera Viewer")
    sign_in(page, admin.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.click("#sidebar >> text=Users & Roles")
    page.locator(".user-email a", has_text=target.email).click()
    expect(page).to_have_url(re.compile(rf"/settings/users/{target.id}/?$"))
    expect(page.locator("#detail-email")).to_have_text(target.email)
    expect(page.locator("#detail-name")).to_have_text("Vera Viewer")

    page.locator("#detail-role").click()
    page.get_by_role("option", name="engineer").click()
    expect(page.locator("#detail-notice")).to_contain_text("is now engineer")
    assert users.find_by_email(target.email).role == "engineer"

    page.click("#detail-reset-password")
    expect(page.locator("#detail-secret")).not_to_be_empty()
    new_password = page.locator("#detail-secret").inner_text()
    page.get_by_role("button", name="Done").click()
    expect(page.locator("#detail-secret")).to_have_count(0)

    page.fill("#new-key-name", "n8n")
    page.click("#create-key")
    expect(page.locator("#detail-secret")).to_contain_text("wbk_")
    key = page.locator("#detail-secret").inner_text()
    expect(page.locator(".key-row")).to_have_count(1)
    expect(page.locator(".key-row")).to_contain_text("n8n")
    assert httpx.get(f"{app_url}/api/tables?limit=1", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    screenshot(page, "user-detail")

    page.locator(".key-row").get_by_role("button", name="Revoke").click()
    expect(page.locator(".key-row")).to_contain_text("revoked")
    assert httpx.get(f"{app_url}/api/tables?limit=1", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    actions = page.locator(".user-audit-row")
    for action in ("api_key_revoked", "api_key_created", "password_reset", "role_changed"):
        expect(actions.filter(has_text=action).first).to_be_visible()

    # The reset password signs the user in.
    other = page.context.browser.new_context(base_url=app_url)
    tab = other.new_page()
    sign_in(tab, target.email, new_password)
    expect(tab.locator("#user-role")).to_have_text("engineer")
    other.close()


def test_an_engineer_cannot_open_a_user(page: Page, make_user):
    engineer, password = make_user("engineer")
    sign_in(page, engineer.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto(f"/settings/users/{engineer.id}")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#flash-message")).to_contain_text("You cannot open Settings › Users & Roles")


def test_an_unknown_user_id_says_so(page: Page, make_user):
    admin, password = make_user("admin")
    sign_in(page, admin.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto("/settings/users/not-a-user")
    expect(page.locator("#detail-error")).to_have_text("No such user.")
