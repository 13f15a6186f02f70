"""Odoo over XML-RPC against a stand-in on 127.0.0.1 written from Odoo's external API documentation: connect and
test, a pull equal to the server's records, incremental pulls that fetch only what changed, the shared rate
limit measured at the server, bad credentials and a dead server leaving the table as it was, rejected records
counted and alerted, the API key never stored or shown in clear, and non-admins refused."""

from __future__ import annotations

import json
import threading
import uuid

import pytest

from devtools.odoo_peer import OdooPeer, running_odoo, seed_demo
from services.core import db, shared_limit
from services.core.errors import ExternalServiceError, InvalidInput, NotFound, PermissionDenied
from services.integrations import odoo, odoo_client, odoo_pull


@pytest.fixture
def admin(make_user):
    return make_user("admin")[0]


@pytest.fixture
def server(admin, monkeypatch, demo_warehouse):
    monkeypatch.setattr(odoo_client, "BACKOFF_S", (0.01, 0.01))
    with running_odoo(seed_demo(OdooPeer(), expenses=300)) as peer:
        odoo.configure(admin, peer.url, peer.database, peer.login, peer.api_key)
        yield peer


def _table() -> str:
    return f"bronze.odoo_test_{uuid.uuid4().hex[:8]}"


def _payloads(table: str) -> dict[int, dict]:
    with db.connection() as conn:
        return {p["id"]: p for (p,) in conn.execute(f"SELECT payload FROM {table}")}


def test_configure_and_test_the_connection_without_showing_the_key(server, admin):
    status = odoo.status(admin)
    assert (status.configured, status.url, status.database, status.login) == (True, server.url, "odoo",
                                                                             server.login)
    assert server.api_key not in json.dumps(status.__dict__, default=str) and status.api_key_hint.startswith("••••")
    result = odoo.test_connection(admin)
    assert result.ok and result.server_version == "17.0" and result.uid == server.uid
    assert odoo.status(admin).last_success_at is not None
    odoo.configure(admin, server.url, server.database, server.login, "wrong-key")
    refused = odoo.test_connection(admin)
    assert not refused.ok and "refused the credentials" in refused.message
    assert "refused" in odoo.status(admin).last_error
    with pytest.raises(InvalidInput, match="URL"):
        odoo.configure(admin, "ftp://nowhere", "odoo", "me", "k")
    with db.connection() as conn:
        details = conn.execute("SELECT string_agg(details::text, ' ') FROM ip_workbench.audit_log WHERE action"
                               " LIKE 'integration_%%'").fetchone()[0]
    assert "wrong-key" not in details and server.api_key not in details


def test_a_pull_equals_the_servers_records_then_fetches_only_what_changed(server, admin):
    table = _table()
    first = odoo_pull.pull(admin, "hr.expense", table)
    assert (first.fetched, first.inserted, first.rejected) == (300, 300, 0)
    assert _payloads(table) == server.records["hr.expense"]
    again = odoo_pull.pull(admin, "hr.expense", table)
    assert (again.fetched, again.inserted) == (0, 0)
    changed = dict(server.records["hr.expense"][5], state="done", write_date="2099-01-01 00:00:00")
    server.put("hr.expense", changed)
    server.put("hr.expense", {**changed, "id": 999_999, "name": "new claim"})
    third = odoo_pull.pull(admin, "hr.expense", table)
    assert (third.fetched, third.inserted) == (2, 2)
    with db.connection() as conn:
        latest = conn.execute(f"SELECT payload FROM {table} WHERE (payload->>'id')::int = 5 ORDER BY event_id DESC"
                              " LIMIT 1").fetchone()[0]
        ids = [r[0] for r in conn.execute(f"SELECT event_id FROM {table} ORDER BY event_id")]
    assert latest["state"] == "done" and ids == list(range(1, 303))


def test_pulls_feed_the_demo_bronze_shape_with_fields_and_domain(server, admin):
    table = _table()
    result = odoo_pull.pull(admin, "res.partner", table, fields=["name", "city"],
                            domain=odoo_pull.parse_domain('[["city", "=", "Makati"]]'))
    expected = {i: r for i, r in server.records["res.partner"].items() if r["city"] == "Makati"}
    assert result.inserted == len(expected) > 0
    assert {i: set(p) for i, p in _payloads(table).items()} == {i: {"id", "name", "city", "write_date"}
                                                              for i in expected}
    categories = odoo_pull.pull(admin, "hr.expense.category", _table())
    assert categories.inserted == 12
    for bad in ('{"city": "x"}', '[["city", "="]]', "not json"):
        with pytest.raises(InvalidInput):
            odoo_pull.parse_domain(bad)
    with pytest.raises(InvalidInput, match="bronze"):
        odoo_pull.pull(admin, "res.partner", "silver.vendors")
    with pytest.raises(InvalidInput, match="doesn't exist"):
        odoo_pull.pull(admin, "no.such.model", _table())


def test_bad_records_are_rejected_counted_and_alerted(server, admin):
    server.records["hr.expense"][424242] = {"id": 424242, "name": "no write date"}
    table = _table()
    result = odoo_pull.pull(admin, "hr.expense", table)
    assert (result.inserted, result.rejected) == (300, 1) and "no write_date" in result.rejected_examples[0]
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM ip_workbench.alerts WHERE source = 'odoo:hr.expense'"
                            " AND message LIKE '1 hr.expense records%%'").fetchone()[0] >= 1


def test_bad_credentials_and_a_dead_server_leave_the_table_unchanged(server, admin, monkeypatch):
    table = _table()
    odoo_pull.pull(admin, "res.partner", table)
    before = _payloads(table)
    server.put("res.partner", {**server.records["res.partner"][1], "write_date": "2099-01-01 00:00:00"})
    odoo.configure(admin, server.url, server.database, server.login, "wrong-key")
    with pytest.raises(ExternalServiceError, match="refused the credentials"):
        odoo_pull.pull(admin, "res.partner", table)
    odoo.configure(admin, server.url, server.database, server.login, server.api_key)
    monkeypatch.setenv("WORKBENCH_ODOO_PAGE_SIZE", "50")
    with db.connection() as conn:  # a full re-pull: ten pages
        conn.execute("DELETE FROM ip_workbench.odoo_watermarks WHERE target = %s", (table,))
    fresh = _table()
    for target in (table, fresh):
        server.fail_after = 3  # three pages arrive, then the server fails inside (and on every retry)
        with pytest.raises(ExternalServiceError, match="Internal Server Error"):
            odoo_pull.pull(admin, "res.partner", target)
    server.fail_after = None
    with db.connection() as conn:
        assert conn.execute("SELECT to_regclass(%s)", (fresh,)).fetchone()[0] is None
    assert _payloads(table) == before
    odoo.configure(admin, "http://127.0.0.1:9", server.database, server.login, server.api_key)
    with pytest.raises(ExternalServiceError, match="did not answer"):
        odoo_pull.pull(admin, "res.partner", table)
    assert _payloads(table) == before
    assert "did not answer" in odoo.status(admin).last_error


def test_the_rate_limit_holds_at_the_server_across_processes(server, admin, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ODOO_REQUESTS_PER_MINUTE", "4")
    monkeypatch.setenv("WORKBENCH_ODOO_PAGE_SIZE", "50")
    monkeypatch.setattr(odoo_client, "RATE_WINDOW_S", 2.0)  # the same limiter over a 2 s window, to be quick
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.rate_events WHERE key = 'odoo'")
    server.calls.clear()
    pullers = [threading.Thread(target=odoo_pull.pull, args=(admin, "hr.expense", _table())) for _ in range(2)]
    for puller in pullers:
        puller.start()
    for puller in pullers:
        puller.join(timeout=60)
    assert len(server.calls) == 2 * 7  # 6 full pages and one empty page each (login calls are not object calls)
    times = sorted(server.calls)
    busiest = max(sum(1 for t in times if start <= t < start + 2.0) for start in times)
    assert busiest <= 4


def test_the_shared_limiter_waits_for_a_free_slot(migrated):
    key = f"test-{uuid.uuid4().hex[:6]}"
    waited = []
    for _ in range(5):
        with shared_limit.slot(key, 2, 1.0) as pause:
            waited.append(pause)
    assert waited[0] < 0.5 and waited[1] < 0.5 and max(waited[2:]) > 0.3


def test_non_admins_are_refused_and_an_unconfigured_odoo_says_so(make_user, admin, migrated):
    for role in ("engineer", "viewer", "service"):
        user = make_user(role)[0]
        for call in (lambda u: odoo.status(u), lambda u: odoo.test_connection(u),
                     lambda u: odoo.configure(u, "http://x", "d", "l", "k"),
                     lambda u: odoo_pull.pull(u, "res.partner", "bronze.x")):
            with pytest.raises(PermissionDenied):
                call(user)
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.integrations WHERE name = 'odoo'")
        conn.execute("DELETE FROM ip_workbench.secrets WHERE name = 'odoo.api_key'")
    with pytest.raises(NotFound, match="not configured"):
        odoo_pull.pull(admin, "res.partner", _table())


def test_a_pipeline_node_pulls_from_odoo_and_feeds_silver(server, admin, make_user):
    from services.pipelines import runner, runs, store
    from services.pipelines.definition import parse_spec

    engineer = make_user("engineer")[0]
    suffix = uuid.uuid4().hex[:8]
    bronze, silver = f"bronze.odoo_partners_{suffix}", f"silver.partners_{suffix}"
    spec = {"name": f"odoo_{suffix}", "domain": "test", "definition": {
        "nodes": [{"id": "partners", "type": "bronze", "position": {"x": 0, "y": 0},
                   "data": {"label": "Partners", "target": bronze,
                            "source": {"odoo_model": "res.partner", "fields": ["name", "city", "active"]}}},
                  {"id": "latest", "type": "silver", "position": {"x": 200, "y": 0},
                   "data": {"label": "Latest", "target": silver,
                            "sql": "SELECT DISTINCT ON ((payload->>'id')::int) (payload->>'id')::int AS id,"
                                   f" payload->>'name' AS name, payload->>'city' AS city FROM {bronze}"
                                   " ORDER BY (payload->>'id')::int, event_id DESC"}}],
        "edges": [{"id": "e1", "source": "partners", "target": "latest"}]}}
    parsed = parse_spec(spec)
    assert parsed.definition.node("partners").kind == "odoo"
    assert parse_spec({**spec, "definition": parsed.definition.to_json()}).definition == parsed.definition
    store.apply(engineer, parsed)

    def run() -> runs.Run:
        started = runs.start(engineer, spec["name"])
        runner.execute(started.id, "test")
        return runs.get(engineer, started.id)

    first = run()
    assert first.status == "completed", first.error
    assert {n.id: n.rows for n in first.nodes} == {"partners": len(server.records["res.partner"]),
                                                  "latest": len(server.records["res.partner"])}
    server.put("res.partner", {**server.records["res.partner"][3], "city": "Cebu City",
                               "write_date": "2099-02-02 00:00:00"})
    second = run()
    assert {n.id: n.rows for n in second.nodes}["partners"] == 1
    with db.connection() as conn:
        assert conn.execute(f"SELECT city FROM {silver} WHERE id = 3").fetchone()[0] == "Cebu City"
    for bad, message in (({"odoo_model": "Not A Model"}, "odoo_model"), ({"odoo_model": "res.partner",
                                                                          "domain": [["x"]]}, "domain")):
        broken = json.loads(json.dumps(spec))
        broken["definition"]["nodes"][0]["data"]["source"] = bad
        with pytest.raises(InvalidInput, match=message):
            parse_spec(broken)
    silver_pull = json.loads(json.dumps(spec))
    silver_pull["definition"]["nodes"][1]["data"] = {"label": "x", "target": silver,
                                                     "source": {"odoo_model": "res.partner"}}
    with pytest.raises(InvalidInput, match="only bronze nodes pull from Odoo"):
        parse_spec(silver_pull)
