"""Home page state: KPIs, recent activity, alerts."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import reflex as rx

from services.activity import alerts, kpis
from services.activity import feed as activity
from services.core.errors import WorkbenchError
from services.identity.rbac import is_allowed
from workbench import navigation
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
        role = user.role
        self.kpis = [
            _kpi("tables", "Tables", k.total_tables, "registered in the catalog", "No tables registered yet",
                 _change(k.tables_change), _link(role, "/catalog")),
            _kpi("pipelines", "Pipelines", k.total_pipelines, "defined", "No data yet: no pipelines defined",
                 _added(k.pipelines_added), _link(role, "/pipelines")),
            _kpi("agents", "Agents", k.total_agents, "in the registry", "No data yet: no agents registered",
                 _added(k.agents_added), _link(role, "/agents")),
            {
                "key": "dq", "title": "DQ score",
                "value": f"{k.avg_dq_score}" if k.avg_dq_score is not None else "—",
                "caption": (f"average over {k.tables_with_dq_score} scored tables" if k.avg_dq_score is not None
                            else "No data yet: no quality checks have run"),
                "trend": _change(k.dq_change, points=True), "link": _link(role, "/quality"),
            },
        ]
        self.activity = [
            {"when": when(a.occurred_at), "kind": a.kind.replace("_", " "), "title": a.title,
             "status": a.status or "", "link": a.link or ""}
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


def _kpi(key: str, title: str, value: int, caption: str, empty: str, trend: str, link: str) -> dict[str, str]:
    return {"key": key, "title": title, "value": f"{value:,}", "caption": caption if value else empty,
            "trend": trend, "link": link}


def _link(role: str, route: str) -> str:
    """The KPI's page when the role may open it, else '' (the card does not link)."""
    item = next((i for i in navigation.NAV if i.route == route), None)
    return route if item is not None and (item.permission is None or is_allowed(role, item.permission)) else ""


def _change(delta: Decimal | int | None, *, points: bool = False) -> str:
    """'+3 in 7 days', '−1.5 points in 7 days', 'no change in 7 days'; '' when the past is not known."""
    if delta is None:
        return ""
    unit = " points" if points else ""
    if delta == 0:
        return f"no change in {kpis.TREND_DAYS} days"
    sign = "+" if delta > 0 else "−"
    return f"{sign}{abs(delta):,}{unit} in {kpis.TREND_DAYS} days"


def _added(count: int) -> str:
    return f"+{count:,} in {kpis.TREND_DAYS} days" if count else f"none added in {kpis.TREND_DAYS} days"
