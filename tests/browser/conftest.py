"""Browser tests: a production build of the app on a free port, driven by Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from devtools import browser as chromium_tools
from devtools.app_server import running_app
from services.core.config import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "tests" / "screenshots"
sign_in = chromium_tools.sign_in

expect.set_options(timeout=20_000)
APP_PROCESSES = 2
REDIS_URL = "redis://127.0.0.1:6379/9"  # the machine's Redis; a database number of the tests' own
CHECKOUT_WEB_BEFORE: dict[str, object] = {}  # the checkout's .web/env.json before the browser tests' app was built


def checkout_web_state() -> dict[str, object]:
    """What an app `make run` serves from this checkout depends on: its .web/env.json (content, mtime)."""
    env_json = PROJECT_ROOT / ".web" / "env.json"
    if not env_json.exists():
        return {"env_json": None, "mtime": None}
    return {"env_json": env_json.read_text(), "mtime": env_json.stat().st_mtime_ns}


@pytest.fixture(scope="package")
def app_url(migrated, workbench_home) -> str:
    """The app against the test database, with the demo warehouse loaded. It stops after the browser tests:
    its task-queue worker must not take the runs that later service tests queue and run themselves."""
    from services.demo import load as demo
    from services.demo import pipeline as demo_pipeline
    from services.demo import quality as demo_quality
    from services.identity import users
    from services.identity.operator import current_operator

    if demo.warehouse_is_empty():
        demo.load(1)
    owner = users.create_user(current_operator(), f"pipelines-{os.getpid()}@example.com", "admin",
                              full_name="Pipeline Owner", password="correct-horse-battery").user
    demo_pipeline.ensure_pipeline(owner)
    demo_quality.ensure_tests(owner)
    CHECKOUT_WEB_BEFORE.update(checkout_web_state())
    # The app shares two cores with Chromium and this test process: one model call can take longer than
    # the gateway's 60 s default here (measured 25 s alone, over 60 s under that load). Two app processes
    # behind the machine's Redis, as a team that scaled out runs it: every browser test passes through both.
    with _environment(WORKBENCH_LLM_TIMEOUT_S="180", WORKBENCH_WORKERS=str(APP_PROCESSES), REDIS_URL=REDIS_URL,
                      WORKBENCH_BACKUP_DIR=str(workbench_home / "backups")), \
            running_app(workbench_home, workbench_home / "reflex-test.log") as url:
        yield url


@contextlib.contextmanager
def _environment(**values: str):
    """Variables for the app process started inside the block (the test process keeps its own)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def browser() -> Browser:
    with chromium_tools.chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser: Browser, app_url: str) -> Page:
    context = browser.new_context(base_url=app_url, viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under tests/screenshots (git-ignored) for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
