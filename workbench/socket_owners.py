"""Which app process holds each browser's websocket, as Reflex records it in Redis, kept honest across restarts.

Reflex takes a browser that reconnects while its record still names another process for a second tab, and
gives it a new, empty state: the page loses its editor text and results. When that process died (killed, or
stopped before its clean-up ran, or after a reconnect landed on it while it was stopping) the record is
stale, yet it lives for `redis_token_expiration` (an hour). So each process keeps a short-lived "alive" key
for its Reflex instance, removed when it stops, and a record naming an instance without one is dropped
before Reflex looks: the browser gets its own state back from Redis."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
from collections.abc import AsyncIterator
from typing import Any

from reflex.utils.token_manager import RedisTokenManager

ALIVE_S = 15
BEAT_S = 5

logger = logging.getLogger(__name__)
_link_token_to_sid = RedisTokenManager.link_token_to_sid


def _alive_key(instance_id: str) -> str:
    return f"workbench:reflex-instance:{instance_id}"


async def _link_dropping_dead_owner(self: RedisTokenManager, token: str, sid: str) -> str | None:
    """Reflex's link, after dropping a record whose process is gone."""
    record_key = self._get_redis_key(token)
    try:
        raw = await self.redis.get(record_key)
        if raw is not None:
            owner = pickle.loads(raw).instance_id  # Reflex's own record, written by Reflex into our Redis
            if owner != self.instance_id and not await self.redis.exists(_alive_key(owner)):
                await self.redis.delete(record_key)
    except Exception as exc:  # Redis trouble: Reflex's own link decides, as it would without us
        logger.warning("could not check the websocket record's process: %s", exc)
    return await _link_token_to_sid(self, token, sid)


def install() -> None:
    """Check a reconnecting browser's record against the living processes (several processes behind Redis)."""
    RedisTokenManager.link_token_to_sid = _link_dropping_dead_owner  # type: ignore[method-assign]


def lifespan_task(app: Any):
    """A lifespan task keeping this process's "alive" key while it serves, and removing it as it stops."""

    @contextlib.asynccontextmanager
    async def _alive() -> AsyncIterator[None]:
        namespace = app.event_namespace
        manager = getattr(namespace, "_token_manager", None)
        if not isinstance(manager, RedisTokenManager):
            yield
            return

        async def beat() -> None:
            while True:
                try:
                    await manager.redis.set(_alive_key(manager.instance_id), "1", ex=ALIVE_S)
                except Exception as exc:  # Redis away: the readiness check says so; try again
                    logger.warning("could not mark this process alive in Redis: %s", exc)
                await asyncio.sleep(BEAT_S)

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(Exception):
                await manager.redis.delete(_alive_key(manager.instance_id))

    return _alive
