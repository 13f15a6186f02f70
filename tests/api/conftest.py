"""The REST API served over real HTTP (uvicorn on a free port) for httpx to call."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import uvicorn

from devtools.app_server import free_port
from services.identity import api_keys


@pytest.fixture(scope="session")
def api_url(demo_warehouse) -> str:
    from workbench.api.app import api

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def key_for(make_user, operator):
    """Create a user of `role` and an API key acting as them."""

    def _make(role: str):
        user, _ = make_user(role)
        return user, api_keys.create_key(operator, user.email, "tests").key

    return _make
