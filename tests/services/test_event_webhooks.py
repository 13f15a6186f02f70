"""Event webhooks (n8n out) against a real HTTP receiver on 127.0.0.1: an agent run, a pipeline run and failed
data-quality tests each POST their event as JSON; a receiver that is down leaves the delivery pending (the run
is not held up) and it arrives once the receiver is back; the URL stays encrypted; only admins subscribe."""

from __future__ import annotations

import contextlib
import socket
import uuid

import pytest

from devtools.http_receiver import running_receiver
from services.activity import event_webhooks
from services.agents import registry, runner, runs
from services.catalog import sync as catalog_sync
from services.core import db
from services.core.errors import InvalidInput, PermissionDenied
from services.pipelines import runner as pipeline_runner
from services.pipelines import runs as pipeline_runs
from services.pipelines import store
from services.pipelines.definition import parse_spec
from services.quality import runs as quality_runs
from services.quality import testing as quality_testing


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _deliveries(webhook_id: int) -> list[tuple]:
    with db.connection() as conn:
        return conn.execute("SELECT id, event, status, payload, last_error FROM ip_workbench.webhook_deliveries"
                            " WHERE event_webhook_id = %s ORDER BY id", (webhook_id,)).fetchall()


@pytest.fixture
def admin(make_user):
    return make_user("admin")[0]


def test_events_reach_n8n_and_wait_for_a_receiver_that_is_down(peer, admin, make_user, demo_warehouse):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/webhook/{uuid.uuid4().hex}"
    hook = event_webhooks.add_webhook(admin, f"n8n {uuid.uuid4().hex[:6]}", url, list(event_webhooks.EVENTS))
    try:
        assert hook.url_hint == f"http://127.0.0.1:{port}/…"
        engineer = make_user("engineer")[0]
        agent = f"hooked {uuid.uuid4().hex[:6]}"
        registry.apply(engineer, registry.parse_spec({"name": agent, "tools": [], "budget_usd": 1}))
        peer.will(("ok", '{"answer": "42"}'))
        run_id = runs.begin_now(engineer, agent, "The answer?")
        assert runner.run(run_id) == "completed"  # the receiver is down: the run is not held up
        (first_id, event, status, payload, _error), = _deliveries(hook.id)
        assert (event, status, payload["run_id"], payload["output"]) == ("agent_run.finished", "pending", run_id,
                                                                          "42")
        assert event_webhooks.deliver(first_id) == "pending"
        assert "Connect" in _deliveries(hook.id)[0][4]
        with running_receiver(port) as receiver:
            assert event_webhooks.deliver(first_id) == "delivered"
            suffix = uuid.uuid4().hex[:8]
            spec = {"name": f"hooked_{suffix}", "domain": "test", "definition": {"edges": [], "nodes": [
                {"id": "one", "type": "silver", "position": {"x": 0, "y": 0},
                 "data": {"label": "One", "target": f"silver.hooked_{suffix}", "sql": "SELECT 1 AS one"}}]}}
            store.apply(engineer, parse_spec(spec))
            started = pipeline_runs.start(engineer, spec["name"])
            pipeline_runner.execute(started.id, "test")
            catalog_sync.sync(trigger="cli", embed=False)  # the new table is in the catalog: it can have tests
            quality_testing.add_test(engineer, f"silver.hooked_{suffix}", "accepted_values", column="one",
                                     options="values: [2]", name=f"never_one_{suffix}")
            quality_runs.run_table(engineer, f"silver.hooked_{suffix}")  # 1 is not accepted: the test fails
            for delivery_id, _event, status, _payload, _error in _deliveries(hook.id):
                if status == "pending":
                    assert event_webhooks.deliver(delivery_id) == "delivered"
        received = [r.body for r in receiver.requests if r.method == "POST"]
        assert all(r.path.startswith("/webhook/") for r in receiver.requests)
        events = {__import__("json").loads(b)["event"]: __import__("json").loads(b) for b in received}
        assert events["agent_run.finished"]["agent"] == agent
        assert events["pipeline_run.finished"]["status"] == "completed"
        assert events["pipeline_run.finished"]["pipeline"] == spec["name"]
        assert events["dq_test.failed"]["table"] == f"silver.hooked_{suffix}"
        assert events["dq_test.failed"]["failed"][0]["test"] == f"never_one_{suffix}"
        with db.connection() as conn:
            stored = conn.execute("SELECT string_agg(t::text, ' ') FROM ip_workbench.event_webhooks t").fetchone()[0]
            logged = conn.execute("SELECT string_agg(url, ' ') FROM ip_workbench.webhook_deliveries").fetchone()[0]
        assert url not in stored and url not in logged
        log = event_webhooks.delivery_log(admin)
        assert any(row.event == "agent_run.finished" and row.status == "delivered" for row in log)
    finally:
        event_webhooks.delete_webhook(admin, hook.name)


def test_bad_subscriptions_are_refused_and_only_admins_subscribe(admin, make_user, migrated):
    for name, url, events, message in (("ok", "ftp://x", ["agent_run.finished"], "http"),
                                       ("ok", "http://127.0.0.1:9/x", [], "Choose events"),
                                       ("ok", "http://127.0.0.1:9/x", ["run.exploded"], "not run.exploded"),
                                       ("", "http://127.0.0.1:9/x", ["agent_run.finished"], "name")):
        with pytest.raises(InvalidInput, match=message):
            event_webhooks.add_webhook(admin, name, url, events)
    for role in ("engineer", "viewer", "service"):
        user = make_user(role)[0]
        for call in (lambda u: event_webhooks.list_webhooks(u), lambda u: event_webhooks.delivery_log(u),
                     lambda u: event_webhooks.add_webhook(u, "x", "http://127.0.0.1:9/x", ["dq_test.failed"]),
                     lambda u: event_webhooks.delete_webhook(u, "x")):
            with pytest.raises(PermissionDenied):
                call(user)
