"""A browser reconnecting after the process that held its websocket died keeps its own token (so its state),
against the machine's real Redis: Reflex's own token manager, with our check of the record's process."""

from __future__ import annotations

import asyncio
import pickle
import uuid

import redis.asyncio as aioredis
from reflex.utils.token_manager import RedisTokenManager, SocketRecord

from workbench import socket_owners

REDIS_URL = "redis://127.0.0.1:6379/10"  # a database number of this test's own


async def _link_after(alive: bool) -> tuple[str | None, str]:
    client = aioredis.Redis.from_url(REDIS_URL)
    manager = RedisTokenManager(client)
    token, other_instance = f"t-{uuid.uuid4().hex}", f"i-{uuid.uuid4().hex}"
    try:
        await client.set(manager._get_redis_key(token), pickle.dumps(SocketRecord(instance_id=other_instance,
                                                                                  sid="gone")), ex=600)
        if alive:
            await client.set(socket_owners._alive_key(other_instance), "1", ex=60)
        new_token = await manager.link_token_to_sid(token, "new-sid")
        owner = pickle.loads(await client.get(manager._get_redis_key(new_token or token))).instance_id
        return new_token, owner == manager.instance_id and "mine" or owner
    finally:
        for task in (manager._socket_record_task, manager._lost_and_found_task):
            if task is not None:
                task.cancel()
        await client.delete(manager._get_redis_key(token), socket_owners._alive_key(other_instance))
        await client.aclose()


def test_a_record_of_a_dead_process_is_dropped_and_the_token_kept():
    socket_owners.install()
    assert asyncio.run(_link_after(alive=False)) == (None, "mine")


def test_a_record_of_a_living_process_still_means_a_second_tab():
    socket_owners.install()
    new_token, owner = asyncio.run(_link_after(alive=True))
    assert new_token is not None and owner == "mine"  # Reflex's duplicate-tab rule stands
