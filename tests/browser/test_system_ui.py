"""Settings › System: admins read the readiness checks and the backups, and back up on demand; others are
sent back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from services.core.config import settings
from tests.browser.conftest import screenshot, sign_in
from tests.polling import wait_until

pytestmark = pytest.mark.browser


def test_an_engineer_cannot_open_system(page: Page, make_user):
    user, password = make_user("engineer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto("/settings/system")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#flash-message")).to_contain_text("You cannot open Settings › System")
    expect(page.locator("#system-checks")).to_have_count(0)


def test_an_admin_reads_the_checks_and_backs_up_now(page: Page, make_user):
    folder = Path(settings().backup_dir)  # the app's WORKBENCH_BACKUP_DIR (set for the browser tests' app)
    before = set(folder.glob("*.dump")) if folder.is_dir() else set()
    user, password = make_user("admin")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.click("#sidebar >> text=System")
    expect(page).to_have_url(re.compile(r"/settings/system/?$"))
    expect(page.locator("#system-ready")).to_have_text("ready")
    expect(page.locator("#system-processes")).to_have_text("2 app process(es); browser state in Redis")
    checks = page.locator(".system-check")
    for name in ("database", "migrations", "queue", "scheduler", "redis", "model_server"):
        expect(checks.filter(has_text=name).first).to_be_visible()
    expect(checks.filter(has_text="migrations")).to_contain_text("at head")
    expect(page.locator("#backup-folder")).to_have_text(str(folder))
    expect(page.locator("#backup-schedule")).to_contain_text("30 2 * * *")
    page.click("#back-up-now")
    expect(page.locator("#backup-notice")).to_contain_text("A backup is queued")
    assert wait_until(lambda: len(set(folder.glob("*.dump")) - before) == 1, 180, 1.0), "no backup was written"
    written = (set(folder.glob("*.dump")) - before).pop()  # renamed into place once complete
    page.reload()
    expect(page.locator("#last-backup")).to_have_text(str(written))
    expect(page.locator("#last-backup-size")).to_have_text(re.compile(r"^\d+(\.\d)? (kB|MB|GB)$"))
    screenshot(page, "settings-system")


def test_an_engineer_cannot_open_the_admin_console(page: Page, make_user):
    user, password = make_user("engineer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto("/admin")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#flash-message")).to_contain_text("You cannot open the Admin Console")
    expect(page.locator("#admin-status")).to_have_count(0)


def test_the_admin_console_lists_the_settings_pages_and_the_system_status(page: Page, make_user):
    user, password = make_user("admin")
    sign_in(page, user.email, password, path="/login?next=/admin")
    expect(page).to_have_url(re.compile(r"/admin/?$"))
    expect(page.locator(".admin-page-link")).to_have_text(
        ["Alerts", "Observability", "Users & Roles", "Cost Tracking", "Integrations", "Audit Logs", "System"])
    expect(page.locator("#admin-ready")).to_have_text("ready")
    expect(page.locator("#admin-version")).to_have_text(re.compile(r"^\d+\.\d+\.\d+"))
    expect(page.locator("#admin-migrations")).to_contain_text("at head")
    expect(page.locator("#admin-queue")).to_contain_text("worker(s) alive")
    expect(page.locator("#admin-model-server")).not_to_be_empty()
    expect(page.locator("#admin-last-backup")).not_to_be_empty()
    screenshot(page, "admin-console")
    page.locator(".admin-page-link", has_text="Audit Logs").click()
    expect(page).to_have_url(re.compile(r"/settings/audit/?$"))
