"""Foundation in the browser: sign-in per role, lockout, access checks, Home's numbers, sign-out, admin pages."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from services.activity import feed
from services.core import db
from services.identity import auth
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PIPELINES = ["Pipeline List", "Job Logs", "Schedules"]
QUALITY = ["Scorecards", "Test Results"]
AI = ["Genie", "Agent Registry", "Agent Runs"]
NAV_BY_ROLE = {
    "viewer": ["Home", "Catalog", "SQL Editor", *PIPELINES, *QUALITY, "Lineage & Graph"],
    "engineer": ["Home", "Catalog", "SQL Editor", *PIPELINES, *QUALITY, "Lineage & Graph", *AI],
    "admin": ["Home", "Catalog", "SQL Editor", *PIPELINES, *QUALITY, "Alerts", "Lineage & Graph", *AI,
              "Observability", "Users & Roles", "Cost Tracking", "Integrations", "Audit Logs", "System"],
}


@pytest.mark.parametrize("role", ["viewer", "engineer", "admin"])
def test_each_role_signs_in_and_sees_only_its_navigation(page: Page, make_user, role):
    user, password = make_user(role, name=f"Pat {role.title()}")
    sign_in(page, user.email, password)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#user-name")).to_have_text(f"Pat {role.title()}")
    expect(page.locator("#user-role")).to_have_text(role)
    expect(page.locator("#kpi-tables")).to_be_visible()
    expect(page.locator("#sidebar .nav-link")).to_have_text(NAV_BY_ROLE[role])
    screenshot(page, f"home-{role}")


def test_the_session_cookie_is_out_of_reach_of_page_scripts(page: Page, make_user):
    """Finding 12: the session travels in an HttpOnly, SameSite=Strict cookie that document.cookie never shows,
    and the pages still know who is signed in (the server reads it from the websocket handshake)."""
    user, password = make_user("engineer", name="Cookie Person")
    sign_in(page, user.email, password)
    expect(page.locator("#user-name")).to_have_text("Cookie Person")
    cookie = next(c for c in page.context.cookies() if c["name"] == "wb_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert "wb_session" not in page.evaluate("document.cookie")
    assert auth.resolve_session(cookie["value"]).id == user.id
    page.goto("/sql")  # a full page load: the new websocket carries the cookie
    expect(page.locator("#user-name")).to_have_text("Cookie Person")


def test_service_accounts_are_told_to_use_api_keys(page: Page, make_user):
    user, password = make_user("service")
    sign_in(page, user.email, password)
    expect(page.locator("#login-error")).to_contain_text("Service accounts use API keys")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_a_message(page: Page, make_user):
    user, _ = make_user("viewer")
    sign_in(page, user.email, "definitely-wrong")
    expect(page.locator("#login-error")).to_have_text("Invalid email or password.")
    screenshot(page, "login-error")


def test_the_sixth_wrong_try_shows_the_lockout(page: Page, make_user):
    user, password = make_user("viewer")
    sign_in(page, user.email, "wrong-1")
    for attempt in range(2, 7):
        expect(page.locator("#login-error")).to_be_visible()
        page.fill("#password", f"wrong-{attempt}" if attempt < 6 else password)
        page.click("#sign-in")
        if attempt < 5:
            expect(page.locator("#login-error")).to_have_text("Invalid email or password.")
    expect(page.locator("#login-error")).to_contain_text("locked for 15 minutes")
    expect(page).to_have_url(re.compile(r"/login"))
    screenshot(page, "login-locked")


def test_a_viewer_typing_an_admin_url_is_sent_back_with_a_message(page: Page, make_user):
    user, password = make_user("viewer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto("/settings/users")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#flash-message")).to_contain_text("You cannot open Settings › Users & Roles")
    expect(page.locator("#users-table")).to_have_count(0)
    screenshot(page, "viewer-sent-back")
    with db.connection() as conn:
        denied = conn.execute("SELECT target FROM ip_workbench.audit_log WHERE action = 'permission_denied'"
                              " AND actor_id = %s", (user.id,)).fetchall()
    assert ("manage_users",) in denied


def test_home_kpis_equal_the_database(page: Page, make_user):
    user, password = make_user("engineer")
    sign_in(page, user.email, password)
    with db.connection() as conn:
        tables, pipelines, agents, score, scored = conn.execute(
            "SELECT (SELECT count(*) FROM ip_workbench.tables), (SELECT count(*) FROM ip_workbench.pipelines),"
            " (SELECT count(*) FROM ip_workbench.agents), avg_dq_score, tables_with_dq_score"
            " FROM ip_workbench.kpi_summary").fetchone()
    assert tables >= 9  # the demo warehouse is registered
    expect(page.locator("#kpi-tables")).to_have_text(f"{tables:,}")
    expect(page.locator("#kpi-pipelines")).to_have_text(f"{pipelines:,}")
    expect(page.locator("#kpi-agents")).to_have_text(f"{agents:,}")
    assert score is not None  # the demo's data-quality tests ran
    expect(page.locator("#kpis")).to_contain_text(f"{score}average over {scored} scored tables")
    newest = [item.title for item in feed.recent(user, 10)]  # what this engineer may see, newest first
    expect(page.locator(".activity-row")).to_have_count(len(newest))
    for row, title in zip(page.locator(".activity-row").all(), newest, strict=True):
        expect(row).to_contain_text(title)


def test_sign_out_ends_the_session(page: Page, make_user):
    user, password = make_user("admin")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "wb_session")
    assert auth.resolve_session(token).id == user.id
    page.click("#user-menu")
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login"))
    assert auth.resolve_session(token) is None
    # The old token, replayed in a fresh browser, no longer opens anything.
    replay = page.context.browser.new_context(base_url=page.url.split("/login")[0])
    replay.add_cookies([{"name": "wb_session", "value": token, "url": page.url.split("/login")[0]}])
    other = replay.new_page()
    other.goto("/settings/users")
    expect(other).to_have_url(re.compile(r"/login"))
    replay.close()


def test_signing_in_returns_to_the_page_asked_for(page: Page, make_user):
    user, password = make_user("admin")
    page.goto("/settings/audit")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/settings/audit"))
    screenshot(page, "login")
    page.wait_for_load_state("networkidle")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.click("#sign-in")
    expect(page).to_have_url(re.compile(r"/settings/audit/?$"))
    expect(page.locator(".audit-row").first).to_be_visible()


def test_admin_creates_a_user_and_changes_a_role(page: Page, make_user):
    admin, password = make_user("admin")
    sign_in(page, admin.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.click("#sidebar >> text=Users & Roles")
    expect(page.locator("#users-table")).to_be_visible()
    email = f"ui-{uuid.uuid4().hex[:8]}@example.com"
    page.fill("#new-email", email)
    page.fill("#new-name", "Ui Created")
    page.click("#new-role")
    page.get_by_role("option", name="engineer").click()
    page.click("#create-user")
    expect(page.locator("#created-message")).to_have_text(f"Created {email} as engineer.")
    generated = page.locator("#created-password").inner_text()
    assert auth.login(email, generated).user.role == "engineer"
    screenshot(page, "users")
    row = page.locator(".user-row", has_text=email)
    row.get_by_role("combobox").click()
    page.get_by_role("option", name="viewer").click()
    expect(row.get_by_role("combobox")).to_have_text("viewer")
    with db.connection() as conn:
        assert conn.execute("SELECT role FROM ip_workbench.users WHERE email = %s", (email,)).fetchone()[0] == "viewer"
    page.click("#sidebar >> text=Audit Logs")
    expect(page.locator(".audit-row", has_text="role_changed").filter(has_text=email)).to_have_count(1)
    screenshot(page, "audit")


def test_alerts_are_dismissed_per_user(page: Page, browser, app_url, make_user):
    admin, admin_pw = make_user("admin")
    engineer, engineer_pw = make_user("engineer")
    message = f"Pipeline finance_daily failed ({uuid.uuid4().hex[:6]})"
    from services.activity import alerts

    with db.connection() as conn:
        alerts.raise_alert(conn, "error", "pipeline", message)
    sign_in(page, admin.email, admin_pw)
    banner = page.locator(".alert-banner", has_text=message)
    expect(banner).to_be_visible()
    banner.locator(".dismiss-alert").click()
    expect(banner).to_have_count(0)
    page.reload()
    expect(page.locator("#kpi-tables")).to_be_visible()
    expect(page.locator(".alert-banner", has_text=message)).to_have_count(0)
    other = browser.new_context(base_url=app_url).new_page()
    sign_in(other, engineer.email, engineer_pw)
    expect(other.locator(".alert-banner", has_text=message)).to_be_visible()
    other.context.close()


def test_unknown_address_shows_a_clear_404(page: Page):
    page.goto("/no/such/page")
    expect(page.locator("#not-found")).to_have_text("This page does not exist")
    screenshot(page, "not-found")
