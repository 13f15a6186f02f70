"""`workbench alerts …`: alert channels (Apprise URLs), rules, test notifications and the delivery log
(Configure DQ Alerts: admins)."""

from __future__ import annotations

import sys

import click

from services.activity import alert_rules, channels, notify
from workbench.cli.base import acting_user, echo_json, operator
from workbench.responses.quality import ChannelOut, DeliveryOut, RuleOut


@click.group("alerts")
def alerts_group() -> None:
    """Alert channels, rules and deliveries."""


def _actor(email: str | None):
    return acting_user(email) if email else operator()


@alerts_group.group("channel")
def channel_group() -> None:
    """Where alerts go."""


@channel_group.command("add")
@click.argument("name")
@click.argument("apprise_url")
@click.option("--as", "email", required=True)
def channel_add(name: str, apprise_url: str, email: str) -> None:
    """Store channel NAME (the URL is kept encrypted and never shown again)."""
    channel = channels.add_channel(acting_user(email), name, apprise_url)
    click.echo(f"{channel.name}: {channel.kind} channel {channel.url_hint}")


@channel_group.command("list")
@click.option("--as", "email", default=None, help="Acting admin (default: this machine's operator).")
@click.option("--json", "as_json", is_flag=True)
def channel_list(email: str | None, as_json: bool) -> None:
    """Every channel, masked."""
    found = channels.list_channels(_actor(email))
    if as_json:
        echo_json([ChannelOut.of(c) for c in found])
        return
    for c in found:
        click.echo(f"{c.name:<24} {c.kind:<12} {c.url_hint}")


@channel_group.command("delete")
@click.argument("name")
@click.option("--as", "email", required=True)
def channel_delete(name: str, email: str) -> None:
    """Remove a channel and its rules."""
    channels.delete_channel(acting_user(email), name)
    click.echo(f"deleted {name}")


@alerts_group.group("rule")
def rule_group() -> None:
    """Which events notify which channel."""


@rule_group.command("add")
@click.argument("name")
@click.option("--event", required=True, type=click.Choice(list(alert_rules.EVENTS)))
@click.option("--channel", required=True)
@click.option("--table", default=None, help="SCHEMA.TABLE (default: every table).")
@click.option("--threshold", type=float, default=None, help="score_below: the score; cost_overrun: USD.")
@click.option("--recipient", "recipients", multiple=True, help="An email address (repeatable).")
@click.option("--cooldown-minutes", type=int, default=alert_rules.DEFAULT_COOLDOWN_MINUTES, show_default=True)
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def rule_add(name: str, event: str, channel: str, table: str | None, threshold: float | None,
             recipients: tuple[str, ...], cooldown_minutes: int, email: str, as_json: bool) -> None:
    """Create rule NAME."""
    rule = alert_rules.add_rule(acting_user(email), name, event=event, channel=channel, table=table,
                                threshold=threshold, recipients=list(recipients), cooldown_minutes=cooldown_minutes)
    if as_json:
        echo_json(RuleOut.of(rule))
    else:
        click.echo(f"{rule.name}: {rule.event} → {rule.channel}" + (f" on {rule.table}" if rule.table else ""))


@rule_group.command("list")
@click.option("--as", "email", default=None, help="Acting admin (default: this machine's operator).")
@click.option("--json", "as_json", is_flag=True)
def rule_list(email: str | None, as_json: bool) -> None:
    """Every rule."""
    found = alert_rules.list_rules(_actor(email))
    if as_json:
        echo_json([RuleOut.of(r) for r in found])
        return
    for r in found:
        click.echo(f"{r.name:<24} {r.event:<16} → {r.channel:<20} {r.table or 'every table':<30}"
                   f" {'on' if r.enabled else 'off'}")


@rule_group.command("delete")
@click.argument("name")
@click.option("--as", "email", required=True)
def rule_delete(name: str, email: str) -> None:
    """Remove a rule."""
    alert_rules.delete_rule(acting_user(email), name)
    click.echo(f"deleted {name}")


@alerts_group.command("test")
@click.argument("channel")
@click.option("--as", "email", default=None, help="Acting admin (default: this machine's operator).")
def alerts_test(channel: str, email: str | None) -> None:
    """Send a test notification to CHANNEL now; exits 1 when it could not be sent."""
    error = notify.send_test(_actor(email), channel)
    if error:
        click.echo(f"error: not sent: {error}", err=True)
        sys.exit(1)
    click.echo(f"sent a test notification to {channel}")


@alerts_group.command("deliveries")
@click.option("--as", "email", default=None, help="Acting admin (default: this machine's operator).")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def alerts_deliveries(email: str | None, limit: int, as_json: bool) -> None:
    """The delivery log, newest first."""
    found = notify.deliveries(_actor(email), limit)
    if as_json:
        echo_json([DeliveryOut.of(d) for d in found])
        return
    for d in found:
        click.echo(f"{d.created_at:%Y-%m-%d %H:%M:%S}  {d.status:<10} {d.channel:<20} {d.event:<16} {d.title}"
                   + (f"  ({d.last_error})" if d.last_error else ""))
