"""The browser tests' app is built outside the checkout (devtools.app_server.build_folder), so an app that
`make run` serves from the checkout's own .web keeps its env.json (its port) and keeps answering."""

from __future__ import annotations

import json

import pytest

from devtools.app_server import build_folder
from tests.browser.conftest import CHECKOUT_WEB_BEFORE, checkout_web_state

pytestmark = pytest.mark.browser


def test_the_checkouts_web_folder_is_left_alone(app_url):
    assert CHECKOUT_WEB_BEFORE, "recorded before the browser tests' app was built"
    assert checkout_web_state() == CHECKOUT_WEB_BEFORE, "building the test app rewrote the checkout's .web"
    built = json.loads((build_folder() / ".web" / "env.json").read_text())
    assert app_url.rsplit(":", 1)[1] in json.dumps(built), "the test app's env.json is in its own build folder"

