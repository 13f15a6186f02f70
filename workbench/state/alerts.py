"""Data Quality › Alerts (admins): channels (Apprise URLs, shown masked once saved), rules, test sends and
the delivery log."""

from __future__ import annotations

import reflex as rx

from services.activity import alert_rules, channels, notify
from workbench.formatting import when
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

EVENTS = list(alert_rules.EVENTS)


class AlertsState(ServiceCalls, rx.State):
    channel_rows: list[dict[str, str]] = []
    rule_rows: list[dict[str, str]] = []
    delivery_rows: list[dict[str, str]] = []
    channel_names: list[str] = []
    notice: str = ""
    channel_name: str = ""
    channel_url: str = ""
    rule_name: str = ""
    rule_event: str = "test_failed"
    rule_channel: str = ""
    rule_table: str = ""
    rule_threshold: str = ""
    rule_recipients: str = ""
    rule_cooldown: str = "60"

    async def load(self):
        """on_load for /quality/alerts."""
        if await self._ready_auth() is None:
            return
        self.error, self.notice = "", ""
        await self._fetch()

    async def _fetch(self) -> None:
        user, _ = await acting_user(self)
        found = await self._call(channels.list_channels, user)
        if found is FAILED:
            return
        self.channel_rows = [{"name": c.name, "kind": c.kind, "hint": c.url_hint, "created": when(c.created_at)}
                             for c in found]
        self.channel_names = [c.name for c in found]
        if self.rule_channel not in self.channel_names:
            self.rule_channel = self.channel_names[0] if self.channel_names else ""
        rules = await self._call(alert_rules.list_rules, user)
        self.rule_rows = [] if rules is FAILED else [
            {"name": r.name, "event": r.event, "channel": r.channel, "table": r.table or "every table",
             "threshold": "" if r.threshold is None else f"{r.threshold:g}", "recipients": ", ".join(r.recipients),
             "cooldown": f"{r.cooldown_minutes} min", "enabled": "on" if r.enabled else "off"} for r in rules]
        log = await self._call(notify.deliveries, user, 100)
        self.delivery_rows = [] if log is FAILED else [
            {"at": when(d.created_at), "status": d.status, "colour": {"sent": "green", "failed": "red",
                                                                    "pending": "amber"}.get(d.status, "gray"),
             "channel": d.channel, "rule": d.rule or "—", "event": d.event, "title": d.title,
             "attempts": str(d.attempts), "error": d.last_error or "", "recipients": ", ".join(d.recipients)}
            for d in log]

    def set_channel_name(self, value: str):
        self.channel_name = value

    def set_channel_url(self, value: str):
        self.channel_url = value

    async def add_channel(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        added = await self._call(channels.add_channel, user, self.channel_name, self.channel_url)
        if added is FAILED:
            return
        self.channel_name, self.channel_url = "", ""
        self.notice = f"Channel {added.name} saved ({added.kind}); its URL is stored encrypted."
        await self._fetch()

    async def send_test(self, name: str):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        error = await self._call(notify.send_test, user, name)
        if error is FAILED:
            return
        if error:
            self.error = f"The test notification to {name} was not sent: {error}"
        else:
            self.notice = f"A test notification went to {name}."
        await self._fetch()

    async def delete_channel(self, name: str):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        if await self._call(channels.delete_channel, user, name) is not FAILED:
            self.notice = f"Channel {name} and its rules deleted."
            await self._fetch()

    def set_rule_name(self, value: str):
        self.rule_name = value

    def set_rule_event(self, value: str):
        self.rule_event = value

    def set_rule_channel(self, value: str):
        self.rule_channel = value

    def set_rule_table(self, value: str):
        self.rule_table = value

    def set_rule_threshold(self, value: str):
        self.rule_threshold = value

    def set_rule_recipients(self, value: str):
        self.rule_recipients = value

    def set_rule_cooldown(self, value: str):
        self.rule_cooldown = value

    async def add_rule(self):
        self.error, self.notice = "", ""
        try:
            threshold = float(self.rule_threshold) if self.rule_threshold.strip() else None
            cooldown = int(self.rule_cooldown or "60")
        except ValueError:
            self.error = "The threshold is a number and the cooldown whole minutes."
            return
        user, _ = await acting_user(self)
        added = await self._call(alert_rules.add_rule, user, self.rule_name, event=self.rule_event,
                                 channel=self.rule_channel, table=self.rule_table.strip() or None, threshold=threshold,
                                 recipients=[r for r in self.rule_recipients.replace(";", ",").split(",") if r.strip()],
                                 cooldown_minutes=cooldown)
        if added is FAILED:
            return
        self.rule_name, self.rule_table, self.rule_threshold, self.rule_recipients = "", "", "", ""
        self.notice = f"Rule {added.name} saved: {added.event} → {added.channel}."
        await self._fetch()

    async def delete_rule(self, name: str):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        if await self._call(alert_rules.delete_rule, user, name) is not FAILED:
            self.notice = f"Rule {name} deleted."
            await self._fetch()
