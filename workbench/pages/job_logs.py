"""Job Logs (PRD 3.4): the runs timeline and a run's detail with a per-node timeline and logs."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.pages.pipelines import _tabs
from workbench.state.job_logs import JobLogsState

S = JobLogsState


def _run_item(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.box(width="10px", height="10px", border_radius="50%", background=f"var(--{row['colour']}-9)",
               margin_top="6px"),
        rx.vstack(
            rx.hstack(
                rx.link(row["pipeline"], " · ", row["short"], href=row["href"], weight="medium",
                        class_name="run-link"),
                rx.badge(row["status"], color_scheme=row["colour"], class_name="run-status"),
                rx.text(row["trigger"], " · attempt ", row["attempt"], size="1", color_scheme="gray"),
                spacing="2", align="center"),
            rx.text(row["created"], " · ", row["took"], " · ", row["rows"], " rows", size="1", color_scheme="gray"),
            rx.cond(row["error"] != "", rx.text(row["error"], size="1", color="var(--red-11)")),
            spacing="1"),
        align="start", spacing="3", width="100%", padding_y="6px", border_bottom="1px solid var(--gray-4)",
        class_name="run-item",
    )


def job_logs_page() -> rx.Component:
    """/pipelines/runs"""
    return page_frame(
        "Job Logs",
        _tabs("Job Logs"),
        rx.cond(S.pipeline_filter != "", rx.text("Runs of ", rx.code(S.pipeline_filter), size="2")),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1")),
        rx.vstack(rx.foreach(S.rows, _run_item), spacing="0", width="100%", id="run-timeline"),
        rx.cond(S.rows.length() == 0, rx.text("No runs yet.", color_scheme="gray")),
    )


def _node_item(node: rx.Var) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.badge(node["status"], color_scheme=node["colour"], class_name="node-status"),
            rx.text(node["label"], weight="medium"),
            rx.code(node["target"]),
            rx.spacer(),
            rx.text(node["started"], " · ", node["took"], " · ", node["rows"], " rows", size="1",
                    color_scheme="gray"),
            width="100%", align="center", spacing="2"),
        rx.cond(node["rejected"] != "", rx.text(node["rejected"], " records rejected", size="1",
                                                color="var(--amber-11)")),
        rx.cond(node["error"] != "", rx.text(node["error"], rx.cond(node["sqlstate"] != "",
                                                                     " (SQLSTATE " + node["sqlstate"] + ")", ""),
                                             size="2", color="var(--red-11)", class_name="node-error")),
        rx.el.pre(node["logs"], style={"fontSize": "12px", "whiteSpace": "pre-wrap", "margin": 0},
                  class_name="node-logs"),
        spacing="2", width="100%"), width="100%", id="node-" + node["id"].to(str))


def run_detail_page() -> rx.Component:
    """/pipelines/runs/[run_id]"""
    return page_frame(
        "Run Detail",
        _tabs("Job Logs"),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1")),
        rx.cond(S.run.contains("id"), rx.vstack(
            rx.hstack(
                rx.link(S.run["pipeline"], href=S.run["pipeline_href"], size="4", weight="bold"),
                rx.badge(S.run["status"], color_scheme=S.run["colour"], size="2", id="run-status"),
                rx.text(S.run["trigger"], " · attempt ", S.run["attempt"], " · ", S.run["rows"], " rows · ",
                        S.run["took"], size="2", color_scheme="gray"),
                rx.spacer(),
                rx.cond(S.can_cancel & (S.run["finished"] == "no"),
                        rx.button("Cancel run", color_scheme="red", variant="soft", on_click=S.cancel,
                                  id="cancel-run")),
                rx.cond(S.can_retry & (S.run["retryable"] == "yes"),
                        rx.button("Retry", on_click=S.retry, id="retry-run")),
                width="100%", align="center", spacing="3"),
            rx.text("Run ", rx.code(S.run["id"]), " · started ", S.run["started"], " · ended ", S.run["completed"],
                    " · worker ", S.run["worker"], size="1", color_scheme="gray"),
            rx.cond(S.run["error"] != "", rx.callout(S.run["error"], color_scheme="red", size="1", id="run-error")),
            rx.heading("Nodes", size="3"),
            rx.vstack(rx.foreach(S.run_nodes, _node_item), width="100%", spacing="2", id="run-nodes"),
            rx.heading("Run log", size="3"),
            rx.el.pre(S.run_logs, style={"fontSize": "12px", "whiteSpace": "pre-wrap"}, id="run-log"),
            spacing="3", width="100%")),
    )
