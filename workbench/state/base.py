"""What page states share: a narrow mixin that calls a service off the event loop and shows its error,
and the signed-in user once the page's access check has passed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from services.core.errors import WorkbenchError
from services.identity.users import User
from workbench.state.auth import AuthState

FAILED = object()  # what `_call` returns when the service refused; its message is in `error`


class ServiceCalls(rx.State, mixin=True):
    """`error` for the page, and `_call` to run a service without blocking Reflex's event loop."""

    error: str = ""

    async def _call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`func(*args, **kwargs)` in a worker thread; on a WorkbenchError its message goes to `error` and
        FAILED comes back (compare with `is FAILED`)."""
        try:
            return await asyncio.to_thread(func, *args, **kwargs)
        except WorkbenchError as exc:
            self.error = str(exc)
            return FAILED

    async def _ready_auth(self) -> AuthState | None:
        """The session's AuthState when the page's on_load access check passed, else None (do nothing then)."""
        auth = await self.get_state(AuthState)
        return auth if auth.page_ready else None

    async def _page_user(self) -> User | None:
        """The signed-in user when the page's on_load access check passed, else None (do nothing then)."""
        auth = await self._ready_auth()
        return await auth.current_user() if auth is not None else None
