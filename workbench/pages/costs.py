"""AI Assist › Observability (the LLM Gateway Monitor) and Settings › Cost Tracking (CostDashboard)."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.costs import CostsState, ObservabilityState

M = ObservabilityState
C = CostsState
SERVICE_COLOURS = {"llm": "var(--indigo-9)", "pipeline": "var(--green-9)", "storage": "var(--amber-9)",
                   "compute": "var(--red-9)"}


def _kpi(label: str, value: rx.Var, element_id: str) -> rx.Component:
    return rx.card(rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.heading(value, size="5", id=element_id),
                             spacing="1"), min_width="150px")


def _simple_table(headers: list[str], rows: rx.Var, keys: list[str], table_id: str) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, lambda r: rx.table.row(*[rx.table.cell(r[k]) for k in keys]))),
        width="100%", size="1", id=table_id)


def observability_page() -> rx.Component:
    """/observability"""
    return page_frame(
        "Observability",
        rx.text("The AI gateway over the last ", M.kpis["window"], "; refreshed every few seconds.", size="2",
                color_scheme="gray"),
        rx.cond(M.error != "", rx.callout(M.error, color_scheme="red", size="1")),
        rx.hstack(_kpi("Requests / min", M.kpis["rpm"], "kpi-rpm"), _kpi("Avg latency", M.kpis["avg"], "kpi-avg"),
                  _kpi("p95 latency", M.kpis["p95"], "kpi-p95"), _kpi("Error rate", M.kpis["errors"], "kpi-errors"),
                  _kpi("Cost today", M.kpis["cost"], "kpi-cost"), spacing="3", wrap="wrap"),
        rx.cond(M.langfuse_url != "", rx.link("Open the Langfuse project", href=M.langfuse_url, is_external=True,
                                              id="langfuse-link"),
                rx.text("Langfuse is not configured (LANGFUSE_PUBLIC_KEY / LANGFUSE_SECRET_KEY).", size="1",
                        color_scheme="gray")),
        rx.card(rx.vstack(
            rx.text("Requests and tokens per model", weight="bold", size="2"),
            rx.recharts.bar_chart(
                rx.recharts.bar(data_key="requests", fill="var(--indigo-9)", is_animation_active=False),
                rx.recharts.bar(data_key="tokens", fill="var(--green-9)", y_axis_id="right",
                                is_animation_active=False),
                rx.recharts.x_axis(data_key="model"), rx.recharts.y_axis(), rx.recharts.y_axis(
                    y_axis_id="right", orientation="right"),
                rx.recharts.legend(), rx.recharts.graphing_tooltip(),
                data=M.per_model, width="100%", height=240),
            width="100%"), width="100%", id="per-model"),
        rx.text("Circuit breakers", weight="bold", size="3"),
        _simple_table(["Model", "State", "Failures"], M.breakers, ["model", "state", "failures"], "breakers"),
        rx.text("Last requests", weight="bold", size="3"),
        _simple_table(["At", "Model", "Status", "Latency", "Tokens", "Cost", "Purpose"], M.last_requests,
                      ["at", "model", "status", "latency", "tokens", "cost", "purpose"], "last-requests"),
    )


def costs_page() -> rx.Component:
    """/settings/costs"""
    return page_frame(
        "Cost Tracking",
        rx.hstack(rx.text("Since", size="2"),
                  rx.input(value=C.since, on_change=C.set_since, placeholder="YYYY-MM-DD (30 days)", id="since",
                           width="180px"),
                  rx.button("Show", on_click=C.apply_since, variant="soft"),
                  rx.spacer(),
                  rx.link(rx.button(rx.icon("download", size=14), "CSV", variant="soft"),
                          href="/api/costs.csv?since=" + C.since, is_external=True, id="costs-csv"),
                  width="100%", align="center"),
        rx.cond(C.error != "", rx.callout(C.error, color_scheme="red", size="1", id="costs-error")),
        rx.cond(C.notice != "", rx.callout(C.notice, color_scheme="green", size="1", id="costs-notice")),
        rx.hstack(_kpi("Total", C.total, "cost-total"),
                  rx.foreach(C.services, lambda s: _kpi_var(s["service"], s["cost"])), spacing="3", wrap="wrap"),
        rx.card(rx.vstack(
            rx.text("Cost per day by service", weight="bold", size="2"),
            rx.recharts.bar_chart(
                *[rx.recharts.bar(data_key=name, stack_id="cost", fill=colour, is_animation_active=False)
                  for name, colour in SERVICE_COLOURS.items()],
                rx.recharts.x_axis(data_key="day"), rx.recharts.y_axis(), rx.recharts.legend(),
                rx.recharts.graphing_tooltip(), data=C.by_day, width="100%", height=240),
            width="100%"), width="100%", id="cost-chart"),
        rx.grid(
            rx.vstack(rx.text("By agent", weight="bold", size="2"),
                      _simple_table(["Agent", "Runs", "Cost"], C.by_agent, ["name", "count", "cost"], "by-agent")),
            rx.vstack(rx.text("By model", weight="bold", size="2"),
                      _simple_table(["Model", "Requests", "Cost"], C.by_model, ["name", "count", "cost"], "by-model")),
            rx.vstack(rx.text("By user", weight="bold", size="2"),
                      _simple_table(["User", "Requests", "Cost"], C.by_user, ["name", "count", "cost"], "by-user")),
            rx.vstack(rx.text("By pipeline (compute)", weight="bold", size="2"),
                      _simple_table(["Pipeline", "Runs", "Cost"], C.by_pipeline, ["name", "count", "cost"],
                                    "by-pipeline"),
                      rx.cond(C.by_pipeline.length() == 0,
                              rx.text("No pipeline compute booked: set a run-minute rate below.", size="1",
                                      color_scheme="gray", id="by-pipeline-empty"))),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        rx.text("Monthly budgets (alerts at 80 % and 100 %)", weight="bold", size="3"),
        _simple_table(["Scope", "Name", "Monthly", "Spent this month", "Used"], C.budget_rows,
                      ["scope", "key", "monthly", "spent", "used"], "budgets"),
        rx.hstack(rx.select(["service", "agent"], value=C.budget_scope, on_change=C.set_budget_scope,
                            id="budget-scope"),
                  rx.input(value=C.budget_key, on_change=C.set_budget_key, placeholder="llm / agent name",
                           id="budget-key"),
                  rx.input(value=C.budget_amount, on_change=C.set_budget_amount, placeholder="USD a month",
                           id="budget-amount", width="140px"),
                  rx.button("Set budget", on_click=C.save_budget, variant="soft", id="save-budget"), spacing="2"),
        rx.text("Prices (USD per 1M tokens; they override LiteLLM's price map)", weight="bold", size="3"),
        _simple_table(["Model", "Input", "Output"], C.price_rows, ["model", "input", "output"], "prices"),
        rx.hstack(rx.input(value=C.price_model, on_change=C.set_price_model, id="price-model", width="260px"),
                  rx.input(value=C.price_in, on_change=C.set_price_in, placeholder="input", id="price-in",
                           width="100px"),
                  rx.input(value=C.price_out, on_change=C.set_price_out, placeholder="output", id="price-out",
                           width="100px"),
                  rx.button("Set price", on_click=C.save_price, variant="soft", id="save-price"), spacing="2"),
        rx.text("Rates (pipeline compute per run-minute; table storage per GB-month, accrued daily)", weight="bold",
                size="3"),
        _simple_table(["Rate", "USD", "Meaning"], C.rate_rows, ["name", "usd", "meaning"], "rates"),
        rx.hstack(rx.select(["pipeline_run_minute", "storage_gb_month"], value=C.rate_name,
                            on_change=C.set_rate_name, id="rate-name"),
                  rx.input(value=C.rate_usd, on_change=C.set_rate_usd, placeholder="USD", id="rate-usd",
                           width="120px"),
                  rx.button("Set rate", on_click=C.save_rate, variant="soft", id="save-rate"), spacing="2"),
    )


def _kpi_var(label: rx.Var, value: rx.Var) -> rx.Component:
    return rx.card(rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.heading(value, size="5"),
                             spacing="1"), min_width="130px")
