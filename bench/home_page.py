"""Home page load in Chromium after sign-in, p50/p95 over 20 loads, against the static login page."""

from __future__ import annotations

import time

from bench.common import summary, write
from devtools.app_server import running_app
from devtools.browser import chromium, sign_in
from services.core.config import settings
from services.demo import load as demo
from services.identity import users
from services.identity.operator import current_operator

LOADS = 20


def _timed_loads(page, path: str, ready_selector: str) -> list[float]:
    samples = []
    for _ in range(LOADS):
        started = time.perf_counter()
        page.goto(path)
        page.locator(ready_selector).first.wait_for(state="visible", timeout=30_000)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run() -> None:
    """Sign in once, then load Home (KPIs from the database) and, as the baseline, the login page."""
    if demo.warehouse_is_empty():
        demo.load(1)
    email = "bench-home@example.com"
    password = "bench-home-password"
    if users.find_by_email(email) is None:
        users.create_user(current_operator(), email, "engineer", password=password)
    home = settings().home
    with running_app(home, home / "reflex-bench.log") as url, chromium() as browser:
        context = browser.new_context(base_url=url)
        page = context.new_page()
        sign_in(page, email, password)
        page.locator("#kpi-tables").wait_for(state="visible", timeout=30_000)
        home_ms = _timed_loads(page, "/", "#kpi-tables")
        anonymous = browser.new_context(base_url=url).new_page()
        login_ms = _timed_loads(anonymous, "/login", "#sign-in")
    home_stats, login_stats = summary(home_ms), summary(login_ms)
    write("home_page_load_p50", figure=home_stats["p50"], unit="ms", baseline=login_stats["p50"],
          baseline_label="login page (no data) p50", details={"home": home_stats, "login": login_stats})
    write("home_page_load_p95", figure=home_stats["p95"], unit="ms", baseline=login_stats["p95"],
          baseline_label="login page (no data) p95", details={"home": home_stats, "login": login_stats})
