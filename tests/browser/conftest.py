"""Browser tests: a production build of the app on a free port, driven by Debian's Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from services.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = PROJECT_ROOT / "tests" / "screenshots"
START_TIMEOUT_S = 900

expect.set_options(timeout=20_000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(migrated, workbench_home) -> str:
    """Start `reflex run --env prod` against the test database; stop it at the end."""
    from services.demo import load as demo

    if demo.warehouse_is_empty():
        demo.load(1)
    port = _free_port()
    tools = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
    env = {**os.environ, "WORKBENCH_HOME": str(workbench_home), "WORKBENCH_PORT": str(port),
           "PATH": f"{tools}:{Path(sys.executable).parent}:{os.environ['PATH']}", "REFLEX_USE_SYSTEM_BUN": "1"}
    log_path = workbench_home / "reflex-test.log"
    log = open(log_path, "w")  # noqa: SIM115 - kept open for the process's lifetime
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod", "--backend-host", "127.0.0.1"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited early:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/ping", timeout=2).status_code == 200 and \
                        httpx.get(f"{url}/login", timeout=5, follow_redirects=True).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start in time:\n{log_path.read_text()[-4000:]}")
            time.sleep(2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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


def sign_in(page: Page, email: str, password: str, path: str = "/login") -> None:
    """Fill the login form and submit, as a person would."""
    page.goto(path)
    expect(page.locator("#sign-in")).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#sign-in")
