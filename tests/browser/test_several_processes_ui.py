"""The browser app as several processes behind Redis (the package's app runs WORKBENCH_WORKERS=2): both
serve requests, each browser's state lives in Redis, and a result whose cursor died with a restarted
process answers "Load more" with a clear message, never an exception; the page goes on working."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Page, expect

from tests.browser.conftest import APP_PROCESSES, REDIS_URL, screenshot, sign_in
from tests.polling import wait_until

pytestmark = pytest.mark.browser


def _serving_processes(app_url: str, requests: int = 24) -> set[str]:
    """The processes (host:pid) that answered `requests` requests, each on a new connection."""
    return {httpx.get(f"{app_url}/api/health", timeout=10).headers["X-Workbench-Process"] for _ in range(requests)}


def _supervisor(process: str) -> int:
    """The granian supervisor above one serving process (its parent)."""
    pid = int(process.rsplit(":", 1)[1])
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _alive(process: str) -> bool:
    try:
        os.kill(int(process.rsplit(":", 1)[1]), 0)
    except ProcessLookupError:
        return False
    return True


def test_two_processes_serve_and_redis_is_ready(app_url):
    served = _serving_processes(app_url)
    assert len(served) == APP_PROCESSES, served
    ready = httpx.get(f"{app_url}/api/ready", timeout=30).json()
    checks = {c["name"]: c for c in ready["checks"]}
    assert checks["redis"]["ok"] and checks["redis"]["required"], checks["redis"]
    assert checks["scheduler"]["detail"] == "1 process(es) lead the scheduler"


def test_load_more_after_the_processes_restarted_says_run_again(page: Page, app_url, make_user):
    engineer, password = make_user("engineer")
    store = redis.Redis.from_url(REDIS_URL)
    before = store.dbsize()
    sign_in(page, engineer.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    assert store.dbsize() > before, "the browser's state is kept in Redis"
    page.click("#sidebar >> text=SQL Editor")
    expect(page.locator(".cm-content")).to_be_visible()
    page.click(".cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("SELECT n, md5(n::text) AS digest FROM generate_series(1, 5000) AS n ORDER BY n")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#result-summary")).to_contain_text("1,000+ rows")
    expect(page.locator("#load-more")).to_be_visible()

    # Restart every app process (granian reloads its workers on SIGHUP): the open cursor dies with its process.
    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    old = _serving_processes(app_url)
    supervisor = _supervisor(next(iter(old)))
    os.kill(supervisor, signal.SIGHUP)
    assert wait_until(lambda: len(_serving_processes(app_url, 8) - old) == APP_PROCESSES, 180, 1.0), \
        "the processes did not come back"
    assert wait_until(lambda: not any(_alive(p) for p in old), 120, 0.5), "the old processes did not stop"

    page.click("#load-more")
    expect(page.locator("#sql-error")).to_contain_text("These results expired")
    # The browser kept its own state: Reflex did not take the reconnect for a second tab of a dead process.
    assert page.evaluate("() => window.sessionStorage.getItem('token')") == token
    expect(page.locator("#load-more")).to_have_count(0)
    expect(page.locator("#result-summary")).to_contain_text("1,000+ rows")  # the rows already shown stay
    screenshot(page, "sql-load-more-after-restart")
    # The page keeps working: the same query again, and this time Load more gives the next rows.
    page.click(".cm-content")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#sql-error")).to_have_count(0)
    expect(page.locator("#load-more")).to_be_visible()
    page.click("#load-more")
    expect(page.locator("#result-summary")).to_contain_text("2,000+ rows loaded")
