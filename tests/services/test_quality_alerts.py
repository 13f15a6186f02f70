"""Alerts: channels stored encrypted and shown masked, rules, cooldown, deliveries through Apprise to real
receivers on 127.0.0.1 (an SMTP server, Slack- and Mattermost-format webhooks), a receiver that is down
retried later, the matrix (only admins configure alerts), and the owner notified on Assign owner."""

from __future__ import annotations

import pytest

from services.activity import alert_rules, channels, notify, outbound
from services.catalog import sync as catalog_sync
from services.catalog import tables as catalog_tables
from services.core import db
from services.core.errors import Conflict, InvalidInput, PermissionDenied
from services.quality import runs, testing
from tests.receivers import free_port, http_receiver, smtp_receiver, text_of
from tests.warehouse import source_table


@pytest.fixture(scope="module")
def failing_table(demo_warehouse) -> str:
    table = source_table("id int, vendor_id int", "SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE g END"
                         " FROM generate_series(1, 100) g", prefix="alrt")
    catalog_sync.sync(embed=False)
    return table


@pytest.fixture
def admin(make_user):
    return make_user("admin")[0]


def _tests(engineer, table: str) -> None:
    testing.apply_yaml(engineer, f"version: 2\nmodels:\n  - name: {table}\n    columns:\n"
                                 "      - name: vendor_id\n        tests: [not_null]\n")


def _deliveries(rule: str) -> list[tuple[int, str, str | None]]:
    with db.connection() as conn:
        return conn.execute("SELECT id, status, last_error FROM ip_workbench.alert_deliveries WHERE rule_name = %s"
                            " ORDER BY id", (rule,)).fetchall()


def _name(prefix: str) -> str:
    import uuid
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_channel_urls_are_stored_encrypted_and_shown_masked(admin):
    name = _name("slack")
    secret = "TIiajkdnlazkcOXrIdevi7"
    channel = channels.add_channel(admin, name, f"slack://T1JJ3T3L2/A1BRTD4JD/{secret}")
    assert channel.kind == "Slack" and secret not in channel.url_hint and channel.url_hint.startswith("slack://")
    with db.connection() as conn:
        stored = bytes(conn.execute("SELECT url_encrypted FROM ip_workbench.alert_channels WHERE name = %s",
                                    (name,)).fetchone()[0])
        assert secret.encode() not in stored
        assert channels.url_of(conn, channel.id).endswith(secret)
    assert all(secret not in c.url_hint for c in channels.list_channels(admin))
    with pytest.raises(Conflict):
        channels.add_channel(admin, name, "json://127.0.0.1/x")


def test_bad_channels_and_rules_are_clear_errors_that_store_nothing(admin):
    with db.connection() as conn:
        before = conn.execute("SELECT (SELECT count(*) FROM ip_workbench.alert_channels),"
                              " (SELECT count(*) FROM ip_workbench.alert_rules)").fetchone()
    with pytest.raises(InvalidInput, match="Apprise"):
        channels.add_channel(admin, _name("bad"), "nonsense://whatever")
    channel = channels.add_channel(admin, _name("ok"), "json://127.0.0.1:9/x")
    for kwargs, message in [({"event": "nope"}, "Unknown event"), ({"event": "score_below"}, "threshold"),
                            ({"event": "test_failed", "threshold": 3}, "no threshold"),
                            ({"event": "test_failed", "recipients": ["not-an-email"]}, "email"),
                            ({"event": "pipeline_failed", "table": "gold.finance_expenses"}, "one table")]:
        with pytest.raises(InvalidInput, match=message):
            alert_rules.add_rule(admin, _name("r"), channel=channel.name, **kwargs)
    with db.connection() as conn:
        after = conn.execute("SELECT (SELECT count(*) FROM ip_workbench.alert_channels),"
                             " (SELECT count(*) FROM ip_workbench.alert_rules)").fetchone()
    assert after == (before[0] + 1, before[1])


def test_only_admins_configure_alerts(make_user, admin):
    channel = channels.add_channel(admin, _name("m"), "json://127.0.0.1:9/x")
    for role in ("viewer", "engineer", "service"):
        user = make_user(role)[0]
        with pytest.raises(PermissionDenied):
            channels.add_channel(user, _name("x"), "json://127.0.0.1:9/x")
        with pytest.raises(PermissionDenied):
            alert_rules.add_rule(user, _name("x"), event="test_failed", channel=channel.name)
        with pytest.raises(PermissionDenied):
            notify.send_test(user, channel.name)
        with pytest.raises(PermissionDenied):
            notify.deliveries(user)
        with pytest.raises(PermissionDenied):
            channels.list_channels(user)


def test_a_failed_test_emails_the_rule_recipients_and_the_cooldown_holds(failing_table, make_user, admin):
    engineer = make_user("engineer")[0]
    _tests(engineer, failing_table)
    with smtp_receiver() as (port, inbox):
        channel = channels.add_channel(
            admin, _name("mail"), f"mailto://127.0.0.1:{port}?from=workbench@example.com&to=data@example.com")
        rule = alert_rules.add_rule(admin, _name("fail"), event="test_failed", channel=channel.name,
                                    table=failing_table, recipients=["Owner@Example.com"], cooldown_minutes=30)
        run = runs.run_table(engineer, failing_table)
        assert [t.failing_rows for t in run.failed] == [2]
        runs.run_table(engineer, failing_table)  # fails again inside the cooldown window
        (first, status, _), (second, held, _) = _deliveries(rule.name)
        assert (status, held) == ("pending", "suppressed")
        assert notify.deliver(first) == "sent"
        assert notify.deliver(second) == "suppressed"  # never sent
    assert sorted(r for recipients, _message in inbox for r in recipients) == ["data@example.com",
                                                                              "owner@example.com"]
    message = inbox[0][1]
    assert failing_table in message["Subject"] and "not_null_vendor_id" in text_of(message)
    with db.connection() as conn:
        in_app = conn.execute("SELECT severity FROM ip_workbench.alerts WHERE source = %s AND resolved_at IS NULL",
                              (failing_table,)).fetchall()
    assert in_app == [("error",)]


def test_slack_and_mattermost_webhooks_get_their_own_formats(failing_table, make_user, admin, monkeypatch):
    engineer = make_user("engineer")[0]
    _tests(engineer, failing_table)
    with http_receiver() as peer:
        monkeypatch.setenv("WORKBENCH_SLACK_WEBHOOK_BASE", f"{peer.url}/services")
        slack = channels.add_channel(admin, _name("slack"), "slack://T0000AAAA/B0000BBBB/abcdefghijklmnopqrstuvwx")
        mattermost = channels.add_channel(admin, _name("mm"), f"mmost://127.0.0.1:{peer.port}/mmtoken123")
        rules = [alert_rules.add_rule(admin, _name("low"), event="score_below", threshold=99.5, channel=c.name,
                                      table=failing_table, cooldown_minutes=0) for c in (slack, mattermost)]
        alert_rules.add_rule(admin, _name("never"), event="score_below", threshold=10, channel=slack.name,
                             table=failing_table)
        run = runs.run_table(engineer, failing_table)
        assert run.score == 98.0
        for rule in rules:
            (delivery, status, _), = _deliveries(rule.name)
            assert notify.deliver(delivery) == "sent"
    by_path = {p.path: p.body for p in peer.posts}
    assert set(by_path) == {"/services/T0000AAAA/B0000BBBB/abcdefghijklmnopqrstuvwx", "/hooks/mmtoken123"}
    slack_body = by_path["/services/T0000AAAA/B0000BBBB/abcdefghijklmnopqrstuvwx"]
    assert "attachments" in slack_body and "98" in str(slack_body["attachments"])
    assert "98" in by_path["/hooks/mmtoken123"]["text"]


def test_a_receiver_that_is_down_gets_the_delivery_retried_later(failing_table, make_user, admin):
    engineer = make_user("engineer")[0]
    _tests(engineer, failing_table)
    port = free_port()
    channel = channels.add_channel(admin, _name("hook"), f"json://127.0.0.1:{port}/alerts")
    rule = alert_rules.add_rule(admin, _name("down"), event="test_failed", channel=channel.name,
                                table=failing_table)
    runs.run_table(engineer, failing_table)
    (delivery, _, _), = _deliveries(rule.name)
    assert notify.deliver(delivery) == "pending"
    with db.connection() as conn:
        attempts, error, later = conn.execute(
            "SELECT attempts, last_error, next_attempt_at > now() FROM ip_workbench.alert_deliveries WHERE id = %s",
            (delivery,)).fetchone()
        retry = conn.execute(
            "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE task_name = %s AND status = 'todo'"
            " AND (args ->> 'delivery_id')::bigint = %s AND scheduled_at > now()",
            (notify.DELIVER_TASK, delivery)).fetchone()[0]
    assert (attempts, later, retry) == (1, True, 1) and error
    with http_receiver(port=port) as peer:  # the receiver is back: the retry goes through
        assert notify.deliver(delivery) == "sent"
    assert peer.posts[0].path == "/alerts" and failing_table in peer.posts[0].body["title"]


def test_send_test_reports_success_and_failure(admin):
    with http_receiver() as peer:
        good = channels.add_channel(admin, _name("t"), f"json://127.0.0.1:{peer.port}/t")
        assert notify.send_test(admin, good.name) is None
    assert peer.posts and "test notification" in peer.posts[0].body["title"].lower()
    bad = channels.add_channel(admin, _name("t"), f"json://127.0.0.1:{free_port()}/t")
    assert notify.send_test(admin, bad.name)
    log = {d.channel: d.status for d in notify.deliveries(admin)}
    assert (log[good.name], log[bad.name]) == ("sent", "failed")


def test_assign_owner_notifies_the_new_owner(failing_table, make_user, admin):
    owner = make_user("engineer")[0]
    with smtp_receiver() as (port, inbox):
        channel = channels.add_channel(admin, _name("own"),
                                       f"mailto://127.0.0.1:{port}?from=workbench@example.com&to=team@example.com")
        rule = alert_rules.add_rule(admin, _name("owner"), event="owner_assigned", channel=channel.name)
        catalog_tables.edit_table(admin, failing_table, owner_email=owner.email)
        (delivery, _, _), = _deliveries(rule.name)
        assert notify.deliver(delivery) == "sent"
        catalog_tables.edit_table(admin, failing_table, owner_email=owner.email)  # unchanged: no new notice
        assert len(_deliveries(rule.name)) == 1
    (recipients, message), = inbox
    assert recipients == [owner.email] and failing_table in message["Subject"]


def test_a_delivery_that_keeps_failing_is_marked_failed_and_said_in_app(failing_table, make_user, admin):
    engineer = make_user("engineer")[0]
    _tests(engineer, failing_table)
    channel = channels.add_channel(admin, _name("gone"), f"json://127.0.0.1:{free_port()}/never")
    rule = alert_rules.add_rule(admin, _name("gone"), event="test_failed", channel=channel.name, table=failing_table)
    runs.run_table(engineer, failing_table)
    (delivery, _, _), = _deliveries(rule.name)
    with db.connection() as conn:
        conn.execute("UPDATE ip_workbench.alert_deliveries SET attempts = %s WHERE id = %s",
                     (outbound.MAX_ATTEMPTS - 1, delivery))
    assert notify.deliver(delivery) == "failed"
    assert notify.deliver(delivery) == "failed"  # settled: never sent again
    with db.connection() as conn:
        said = conn.execute("SELECT message FROM ip_workbench.alerts WHERE source = 'alerts' AND message LIKE %s",
                            (f"%{failing_table}%",)).fetchall()
    assert said and "after 12 attempts" in said[-1][0]


def test_a_webhook_channels_path_is_not_in_its_hint():
    kind, masked = channels.describe_url("json://127.0.0.1:9/webhook/n8n-secret-path")
    assert (kind, masked) == ("JSON", "json://127.0.0.1:9/…")
    assert channels.describe_url("forms://user:pw@hooks.example.com/x/y")[1] == "forms://user:****@hooks.example.com/…"
