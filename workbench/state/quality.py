"""Data Quality (PRD 3.5): Scorecards, a table's scorecard, Test Results with the Test Detail modal. Every role
reads them; engineers and admins run tests, profile, and set SLOs, schedules and owners."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import reflex as rx

from services.catalog import tables as catalog_tables
from services.core.errors import WorkbenchError
from services.identity.rbac import CATALOG_EDITORS
from services.quality import profile as profiling
from services.quality import runs, schedules, scorecards, slo, testing
from services.quality import suggest as suggestions
from services.quality.checks import TYPES
from services.quality.permissions import QUALITY_RUNNERS
from workbench.formatting import when
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

LAYERS = ["all", "gold", "platinum", "silver", "bronze"]
TEST_TYPES = list(TYPES)
DIMENSIONS = ["completeness", "uniqueness", "validity", "consistency", "freshness", "volume"]
FOLLOW_SECONDS = 0.5
FOLLOW_LIMIT_S = 600


def score_text(value: float | None) -> str:
    """'98.5' or '—'."""
    return "—" if value is None else f"{value:g}"


def score_colour(value: float | None) -> str:
    """Green from 95, amber from 80, red below; gray without a score."""
    if value is None:
        return "gray"
    return "green" if value >= 95 else "amber" if value >= 80 else "red"


def table_href(table: str) -> str:
    """The table scorecard's address."""
    return f"/quality/table?name={quote(table)}"


STATUS_WORDS = {"pass": "passed", "fail": "failed", "warn": "warn", "error": "error", "skipped": "skipped"}
STATUS_COLOURS = {"pass": "green", "fail": "red", "warn": "amber", "error": "red", "skipped": "gray"}


def _result_row(row: scorecards.ResultRow) -> dict[str, str]:
    share = "" if not row.rows_checked else f"{100 * (1 - (row.failing_rows or 0) / row.rows_checked):.1f}%"
    return {"id": row.id, "table": row.table, "href": table_href(row.table), "test": row.test, "type": row.type,
            "column": row.column or "", "severity": row.severity or "", "dimension": row.dimension or "",
            "status": STATUS_WORDS.get(row.status, "passed" if row.passed else "failed"),
            "colour": STATUS_COLOURS.get(row.status, "green" if row.passed else "red"), "source": row.source,
            "failing": f"{row.failing_rows or 0:,}", "checked": f"{row.rows_checked or 0:,}", "share": share,
            "at": when(row.executed_at), "message": row.message}


class TestDetailState(ServiceCalls, rx.State):
    """The Test Detail modal: SQL, why it failed, sample failing rows, how to fix it."""

    detail_open: bool = False
    detail: dict[str, str] = {}
    sample_columns: list[str] = []
    sample_rows: list[list[str]] = []

    async def open_detail(self, result_id: str):
        user, _ = await acting_user(self)
        found = await self._call(scorecards.result_detail, user, result_id)
        if found is FAILED:
            return
        self.detail = {**_result_row(found), "sql": found.sql, "remediation": found.remediation,
                       "duration": f"{found.duration_ms or 0:.0f} ms",
                       "dbt_id": found.dbt.get("unique_id") or "", "dbt_message": found.dbt.get("message") or "",
                       "dbt_status": found.dbt.get("status") or "",
                       "dbt_invocation": found.dbt.get("invocation_id") or "",
                       "dbt_log": "\n".join(found.dbt.get("log") or []),
                       "lineage": f"/lineage?table={quote(found.table)}"}
        self.sample_columns = list(found.sample[0]) if found.sample else []
        self.sample_rows = [["NULL" if r.get(c) is None else str(r.get(c)) for c in self.sample_columns]
                            for r in found.sample]
        self.detail_open = True

    def close_detail(self):
        self.detail_open = False


class ScorecardsState(ServiceCalls, rx.State):
    cards: list[dict[str, Any]] = []
    layer: str = "all"

    async def load(self):
        """on_load for /quality (?layer=gold narrows it)."""
        if await self._ready_auth() is None:
            return
        self.error = ""
        self.layer = self.router.url.query_parameters.get("layer", "all") or "all"
        await self._fetch()

    async def _fetch(self) -> None:
        user, _ = await acting_user(self)
        found = await self._call(scorecards.scorecards, user, layer=None if self.layer == "all" else self.layer)
        if found is FAILED:
            return
        self.cards = [{"table": c.table, "href": table_href(c.table), "layer": c.layer, "score": score_text(c.score),
                       "colour": score_colour(c.score), "tests": f"{c.tests_total - c.tests_failed}/{c.tests_total}"
                       " passing", "failing": c.failing[:4], "more": max(0, len(c.failing) - 4),
                       "owner": c.owner_email or "no owner", "last_run": when(c.last_run_at),
                       "trend": [{"run": i + 1, "score": v} for i, v in enumerate(c.trend)]} for c in found]

    async def set_layer(self, value: str):
        self.layer = value
        await self._fetch()


class ResultsState(ServiceCalls, rx.State):
    rows: list[dict[str, str]] = []
    table: str = ""
    status: str = "all"
    dimension: str = "all"
    severity: str = "all"

    async def load(self):
        """on_load for /quality/results (?table=, ?status= narrow it)."""
        if await self._ready_auth() is None:
            return
        (await self.get_state(TestDetailState)).detail_open = False
        params = self.router.url.query_parameters
        self.table = params.get("table", "")
        self.status = params.get("status", "all") or "all"
        await self.refresh()

    async def refresh(self):
        self.error = ""
        user, _ = await acting_user(self)
        found = await self._call(scorecards.results, user, table=self.table.strip() or None,
                                 status=None if self.status == "all" else self.status,
                                 dimension=None if self.dimension == "all" else self.dimension,
                                 severity=None if self.severity == "all" else self.severity)
        self.rows = [] if found is FAILED else [_result_row(r) for r in found]

    async def set_status(self, value: str):
        self.status = value
        await self.refresh()

    async def set_dimension(self, value: str):
        self.dimension = value
        await self.refresh()

    async def set_severity(self, value: str):
        self.severity = value
        await self.refresh()

    def set_table(self, value: str):
        self.table = value


class TableQualityState(ServiceCalls, rx.State):
    name: str = ""
    score: str = "—"
    colour: str = "gray"
    dimensions: list[dict[str, str]] = []
    results: list[dict[str, str]] = []
    history: list[dict[str, Any]] = []
    columns: list[dict[str, str]] = []
    profiled: str = ""
    owner: str = ""
    slo_lines: list[str] = []
    freshness_hours: str = ""
    completeness_pct: str = ""
    cron: str = ""
    timezone: str = "UTC"
    owner_input: str = ""
    notice: str = ""
    can_run: bool = False
    can_edit: bool = False
    running: bool = False
    new_type: str = "not_null"
    new_column: str = ""
    new_options: str = ""
    new_severity: str = "error"
    new_name: str = ""

    async def load(self):
        """on_load for /quality/table?name=SCHEMA.TABLE."""
        if (auth := await self._ready_auth()) is None:
            return
        (await self.get_state(TestDetailState)).detail_open = False
        self.error, self.notice = "", ""
        self.can_run = auth.user_role in QUALITY_RUNNERS
        self.can_edit = auth.user_role in CATALOG_EDITORS
        self.name = self.router.url.query_parameters.get("name", "")
        await self._fetch()

    async def _fetch(self) -> None:
        user, _ = await acting_user(self)
        card = await self._call(scorecards.table_scorecard, user, self.name)
        if card is FAILED:
            return
        self.name = card.table
        self.score, self.colour = score_text(card.score), score_colour(card.score)
        self.dimensions = [{"name": d, "score": score_text(card.dimensions.get(d)),
                            "colour": score_colour(card.dimensions.get(d))} for d in DIMENSIONS
                           if d in card.dimensions]
        self.results = [_result_row(r) for r in card.results]
        self.history = [{"at": at.strftime("%m-%d %H:%M"), "score": v} for at, v in card.history]
        self.owner = card.owner_email or ""
        self.owner_input = self.owner
        self.freshness_hours = str(card.slo_freshness_hours or "")
        self.completeness_pct = "" if card.slo_completeness_pct is None else f"{card.slo_completeness_pct:g}"
        self.slo_lines = [f"{name}: {'met' if c['met'] else 'BREACHED' if c['met'] is False else 'unknown'}"
                          f" (target {c['target']}, actual {c['actual'] if c['actual'] is not None else '—'})"
                          for name, c in card.slo.items()]
        self.cron, self.timezone = card.schedule or "", card.schedule_timezone or "UTC"
        found = await self._call(profiling.latest, user, self.name)
        if found is not FAILED and found is not None:
            self.profiled = f"{found.rows:,} rows, profiled {when(found.profiled_at)}" + (
                f" on a {found.sample_percent}% sample" if found.sampled else "")
            self.columns = [{"name": c.name, "type": c.type, "nulls": f"{c.null_fraction:.2%}",
                             "distinct": "—" if c.distinct is None else f"{c.distinct:,}"
                             + ("" if c.distinct_exact else " (est.)"),
                             "min": "" if c.min is None else str(c.min)[:40],
                             "max": "" if c.max is None else str(c.max)[:40],
                             "mean": "" if c.mean is None else f"{c.mean:,.2f}"} for c in found.columns]
        else:
            self.profiled, self.columns = "", []

    async def profile_now(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        if await self._call(profiling.profile, user, self.name) is not FAILED:
            self.notice = "Profiled."
            await self._fetch()

    async def run_tests(self):
        """Queue a run for a worker and follow it to the end."""
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        run_id = await self._call(runs.request_run, user, self.name)
        if run_id is FAILED:
            return None
        self.running = True
        self.notice = "Tests queued; a worker is running them…"
        return TableQualityState.follow(run_id)

    @rx.event(background=True)
    async def follow(self, run_id: str):
        async with self:
            user, _ = await acting_user(self)
        status = "queued"
        for _ in range(int(FOLLOW_LIMIT_S / FOLLOW_SECONDS)):
            await asyncio.sleep(FOLLOW_SECONDS)
            try:
                found = await asyncio.to_thread(runs.get_run, user, run_id)
            except WorkbenchError:
                break
            status = found.status if found else "missing"
            if status in ("completed", "failed", "missing"):
                break
        async with self:
            self.running = False
            if status == "completed":
                self.notice = f"Tests ran: {found.tests_failed or 0} of {found.tests_total or 0} failed."
            else:
                self.error = f"The run ended {status}" + (f": {found.error}" if found and found.error else ".")
            await self._fetch()

    def set_new_type(self, value: str):
        self.new_type = value

    def set_new_column(self, value: str):
        self.new_column = value

    def set_new_options(self, value: str):
        self.new_options = value

    def set_new_severity(self, value: str):
        self.new_severity = value

    def set_new_name(self, value: str):
        self.new_name = value

    async def add_test(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        added = await self._call(testing.add_test, user, self.name, self.new_type, column=self.new_column,
                                 options=self.new_options, severity=self.new_severity, name=self.new_name)
        if added is FAILED:
            return
        self.new_column, self.new_options, self.new_name = "", "", ""
        self.notice = f"Test {added.name} added; Run tests to see its result."

    async def suggest_tests(self):
        """Profile the table and store every test its current data passes, in one click."""
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        stored = await self._call(suggestions.accept, user, self.name)
        if stored is FAILED:
            return
        self.notice = (f"Added {len(stored)} suggested tests: {', '.join(stored)}. Run tests to see their results."
                       if stored else "No new tests to suggest: the table has them all.")

    def set_owner_input(self, value: str):
        self.owner_input = value

    async def assign_owner(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        if await self._call(catalog_tables.edit_table, user, self.name, owner_email=self.owner_input) is FAILED:
            return
        self.notice = f"{self.owner_input.strip() or 'Nobody'} now owns {self.name}" + (
            "; they are notified through the owner_assigned alert rules." if self.owner_input.strip() else ".")
        await self._fetch()

    def set_freshness_hours(self, value: str):
        self.freshness_hours = value

    def set_completeness_pct(self, value: str):
        self.completeness_pct = value

    async def save_slo(self):
        self.error, self.notice = "", ""
        try:
            hours = int(self.freshness_hours) if self.freshness_hours.strip() else None
            pct = float(self.completeness_pct) if self.completeness_pct.strip() else None
        except ValueError:
            self.error = "SLOs are numbers: whole hours, and a percentage."
            return
        user, _ = await acting_user(self)
        if await self._call(slo.set_slo, user, self.name, freshness_hours=hours, completeness_pct=pct) is not FAILED:
            self.notice = "SLOs saved; the next test run checks them."
            await self._fetch()

    def set_cron(self, value: str):
        self.cron = value

    def set_timezone(self, value: str):
        self.timezone = value

    async def save_schedule(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        saved = await self._call(schedules.set_schedule, user, self.name, self.cron, self.timezone or "UTC")
        if saved is not FAILED:
            self.notice = f"Tests run {saved.description.lower()} ({saved.timezone})." if saved else "Schedule removed."

