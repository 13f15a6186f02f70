"""AI Assist › Observability (the LLM Gateway Monitor, refreshed live) and Settings › Cost Tracking (spend by
day, service, model, agent and user; monthly budgets; the price table). Admins only."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from services.activity import budgets, rates
from services.activity import costs as spending
from services.core.errors import WorkbenchError
from services.llm import monitor, prices
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

REFRESH_SECONDS = 3.0
REFRESH_LIMIT_S = 1800


def _usd(value: Any) -> str:
    return f"${float(value or 0):,.6f}".rstrip("0").rstrip(".")


class ObservabilityState(ServiceCalls, rx.State):
    kpis: dict[str, str] = {}
    per_model: list[dict[str, Any]] = []
    breakers: list[dict[str, str]] = []
    last_requests: list[dict[str, str]] = []
    langfuse_url: str = ""
    live: bool = False

    async def load(self):
        """on_load for /observability; then refreshes every few seconds while the page is open."""
        if await self._ready_auth() is None:
            return None
        user, _ = await acting_user(self)
        found = await self._call(monitor.stats, user)
        if found is FAILED:
            return None
        self._show(found)
        return ObservabilityState.refresh

    def _show(self, found: monitor.GatewayStats) -> None:
        self.kpis = {"rpm": f"{found.requests_per_minute:g}", "requests": f"{found.requests:,}",
                     "avg": "—" if found.avg_latency_ms is None else f"{found.avg_latency_ms:,.0f} ms",
                     "p95": "—" if found.p95_latency_ms is None else f"{found.p95_latency_ms:,.0f} ms",
                     "errors": "—" if found.error_rate is None else f"{found.error_rate:.1%}",
                     "cost": _usd(found.cost_today_usd), "window": f"{found.window_minutes} min"}
        self.per_model = [{"model": m["model"], "requests": m["requests"], "tokens": m["tokens"]}
                          for m in found.per_model]
        self.breakers = [{"model": b["model"], "state": b["state"], "failures": str(b["failures"])}
                         for b in found.breakers]
        self.last_requests = [{"at": monitor.since_label(r["at"]), "model": r["model"], "status": r["status"],
                               "latency": f"{r['latency_ms']:,} ms", "tokens": f"{r['tokens']:,}",
                               "cost": _usd(r["cost_usd"]), "purpose": r["purpose"]} for r in found.last_requests]
        self.langfuse_url = found.langfuse_url or ""

    @rx.event(background=True)
    async def refresh(self):
        async with self:
            if self.live:
                return
            self.live = True
            user, _ = await acting_user(self)
        try:
            for _ in range(int(REFRESH_LIMIT_S / REFRESH_SECONDS)):
                await asyncio.sleep(REFRESH_SECONDS)
                try:
                    found = await asyncio.to_thread(monitor.stats, user)
                except WorkbenchError:
                    return
                async with self:
                    if self.router.page.path != "/observability":
                        return
                    self._show(found)
        finally:
            async with self:
                self.live = False


class CostsState(ServiceCalls, rx.State):
    since: str = ""
    total: str = ""
    services: list[dict[str, str]] = []
    by_day: list[dict[str, Any]] = []
    by_model: list[dict[str, str]] = []
    by_agent: list[dict[str, str]] = []
    by_user: list[dict[str, str]] = []
    by_pipeline: list[dict[str, str]] = []
    rate_rows: list[dict[str, str]] = []
    rate_name: str = "pipeline_run_minute"
    rate_usd: str = ""
    budget_rows: list[dict[str, str]] = []
    price_rows: list[dict[str, str]] = []
    notice: str = ""
    budget_scope: str = "service"
    budget_key: str = ""
    budget_amount: str = ""
    price_model: str = "openai/workbench-local"
    price_in: str = ""
    price_out: str = ""

    async def load(self):
        """on_load for /settings/costs."""
        if await self._ready_auth() is None:
            return
        self.error, self.notice = "", ""
        await self._fetch()

    async def _fetch(self) -> None:
        user, _ = await acting_user(self)
        found = await self._call(spending.report, user, spending.parse_day(self.since or None))
        if found is FAILED:
            return
        self.total = _usd(found.total_usd)
        self.services = [{"service": k, "cost": _usd(v)} for k, v in found.by_service.items()]
        days: dict[str, dict[str, Any]] = {}
        for item in found.by_day:
            day = days.setdefault(str(item["day"]), {"day": str(item["day"])})
            day[item["service"]] = float(item["cost_usd"])
        self.by_day = list(days.values())
        self.by_model = [{"name": m["model"], "count": f"{m['requests']:,}", "cost": _usd(m["cost_usd"])}
                         for m in found.by_model]
        self.by_agent = [{"name": a["agent"], "count": f"{a['runs']:,}", "cost": _usd(a["cost_usd"])}
                         for a in found.by_agent]
        self.by_user = [{"name": u["user"], "count": f"{u['requests']:,}", "cost": _usd(u["cost_usd"])}
                        for u in found.by_user]
        self.by_pipeline = [{"name": p["pipeline"], "count": f"{p['runs']:,}", "cost": _usd(p["cost_usd"])}
                            for p in found.by_pipeline]
        found_rates = await self._call(rates.list_rates, user)
        self.rate_rows = [] if found_rates is FAILED else [
            {"name": r.name, "usd": f"${r.usd:g}", "meaning": r.meaning} for r in found_rates]
        found_budgets = await self._call(budgets.list_budgets, user)
        self.budget_rows = [] if found_budgets is FAILED else [
            {"scope": b.scope, "key": b.key, "monthly": _usd(b.monthly_usd), "spent": _usd(b.spent_usd),
             "used": f"{float(b.used):.0%}"} for b in found_budgets]
        found_prices = await self._call(prices.list_prices, user)
        self.price_rows = [] if found_prices is FAILED else [
            {"model": p.model, "input": f"{p.input_per_1m:g}", "output": f"{p.output_per_1m:g}"}
            for p in found_prices]

    def set_since(self, value: str):
        self.since = value

    async def apply_since(self):
        self.error = ""
        await self._fetch()

    def set_budget_scope(self, value: str):
        self.budget_scope = value

    def set_budget_key(self, value: str):
        self.budget_key = value

    def set_budget_amount(self, value: str):
        self.budget_amount = value

    async def save_budget(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        saved = await self._call(budgets.set_budget, user, self.budget_scope, self.budget_key.strip(),
                                 self.budget_amount.strip() or "0")
        if saved is not FAILED:
            self.notice = f"Budget for {saved.scope} {saved.key}: {_usd(saved.monthly_usd)} a month."
            await self._fetch()

    def set_price_model(self, value: str):
        self.price_model = value

    def set_price_in(self, value: str):
        self.price_in = value

    def set_price_out(self, value: str):
        self.price_out = value

    async def save_price(self):
        self.error, self.notice = "", ""
        try:
            amount_in, amount_out = float(self.price_in), float(self.price_out)
        except ValueError:
            self.error = "Prices are numbers of US dollars per 1M tokens."
            return
        user, _ = await acting_user(self)
        saved = await self._call(prices.set_price, user, self.price_model, amount_in, amount_out)
        if saved is not FAILED:
            self.notice = f"{saved.model}: ${saved.input_per_1m} in, ${saved.output_per_1m} out per 1M tokens."
            await self._fetch()

    def set_rate_name(self, value: str):
        self.rate_name = value

    def set_rate_usd(self, value: str):
        self.rate_usd = value

    async def save_rate(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        saved = await self._call(rates.set_rate, user, self.rate_name, self.rate_usd.strip() or "0")
        if saved is not FAILED:
            self.notice = f"{saved.name}: ${saved.usd:g} ({saved.meaning})."
            await self._fetch()
