"""Home page state: KPIs, recent activity, alerts."""

from __future__ import annotations

import asyncio

import reflex as rx

from services.activity import alerts, kpis
from services.activity import feed as activity
from services.core.errors import WorkbenchError
from workbench.formatting import when
from workbench.state.auth import AuthState
from workbench.state.base import FAILED, ServiceCalls


class HomeState(ServiceCalls, rx.State):
    kpis: list[dict[str, str]] = []
    activity: list[dict[str, str]] = []
    alerts: list[dict[str, str]] = []

    async def load(self):
        """Fetch everything Home shows, as the signed-in user."""
        if (user := await self._page_user()) is None:
            return
        loaded = await self._call(lambda: (kpis.kpis(user), activity.recent(user, 10), alerts.open_alerts(user)))
        if loaded is FAILED:
            return
        k, items, open_alerts = loaded
        self.error = ""
        self.kpis = [
            _kpi("tables", "Tables", k.total_tables, "registered in the catalog", "No tables registered yet"),
            _kpi("pipelines", "Pipelines", k.total_pipelines, "defined", "No data yet: no pipelines defined"),
            _kpi("agents", "Agents", k.total_agents, "in the registry", "No data yet: no agents registered"),
            {
                "key": "dq", "title": "DQ score",
                "value": f"{k.avg_dq_score}" if k.avg_dq_score is not None else "—",
                "caption": (f"average over {k.tables_with_dq_score} scored tables" if k.avg_dq_score is not None
                            else "No data yet: no quality checks have run"),
            },
        ]
        self.activity = [
            {"when": when(a.occurred_at), "kind": a.kind.replace("_", " "), "title": a.title,
             "status": a.status or ""}
            for a in items
        ]
        self.alerts = [
            {"id": a.id, "severity": a.severity, "source": a.source, "message": a.message,
             "when": when(a.created_at)}
            for a in open_alerts
        ]

    async def dismiss(self, alert_id: str):
        """Hide an alert for this user only."""
        auth = await self.get_state(AuthState)
        user = await auth.current_user()
        try:
            await asyncio.to_thread(alerts.dismiss_alert, user, alert_id)
        except WorkbenchError as exc:
            return rx.toast.error(str(exc))
        self.alerts = [a for a in self.alerts if a["id"] != alert_id]


def _kpi(key: str, title: str, value: int, caption: str, empty: str) -> dict[str, str]:
    return {"key": key, "title": title, "value": f"{value:,}", "caption": caption if value else empty}
