"""Redis gone and back: an app of two processes on a private Redis says it is not ready while Redis is
away (503, "cannot reach Redis"), and serves the signed-in browser again once Redis returns, without a
restart of the app."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from devtools.app_server import free_port, running_app
from devtools.redis_peer import running_redis
from tests.browser.conftest import screenshot, sign_in
from tests.polling import wait_until

pytestmark = pytest.mark.browser


def _ready(url: str) -> httpx.Response:
    return httpx.get(f"{url}/api/ready", timeout=30)


def test_the_app_says_redis_is_gone_and_recovers_when_it_returns(browser: Browser, workbench_home, make_user):
    user, password = make_user("engineer")
    with running_redis(free_port()) as store, \
            running_app(workbench_home, workbench_home / "reflex-redis-outage.log", variant="redis-outage",
                        WORKBENCH_WORKERS="2", REDIS_URL=store.url) as url:
        context = browser.new_context(base_url=url, viewport={"width": 1400, "height": 900})
        page = context.new_page()
        try:
            sign_in(page, user.email, password)
            expect(page.locator("#kpi-tables")).to_be_visible()
            assert _ready(url).status_code == 200

            store.stop()
            answer = _ready(url)
            assert answer.status_code == 503
            redis_check = next(c for c in answer.json()["checks"] if c["name"] == "redis")
            assert not redis_check["ok"] and "cannot reach Redis" in redis_check["detail"]

            store.start()  # the same port, empty: the browsers' page state starts again
            assert wait_until(lambda: _ready(url).status_code == 200, 60, 0.5), "not ready after Redis returned"
            page.reload()
            expect(page.locator("#kpi-tables")).to_be_visible(timeout=60_000)  # still signed in (cookie)
            page.click("#sidebar >> text=SQL Editor")
            expect(page.locator(".cm-content")).to_be_visible()
            screenshot(page, "after-redis-returned")
        finally:
            context.close()
