"""Pipelines (PRD 3.4): the Pipeline List with the New Pipeline modal, and Schedules."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.pipelines import PipelinesState

S = PipelinesState
STATUS_COLOURS = {"completed": "green", "failed": "red", "blocked": "red", "running": "blue", "pending": "gray"}


def _status(value: rx.Var) -> rx.Component:
    return rx.badge(value, color_scheme=rx.match(value, ("completed", "green"), ("failed", "red"),
                                                 ("blocked", "red"), ("running", "blue"), "gray"),
                    class_name="run-status")


def _tabs(active: str) -> rx.Component:
    items = [("Pipeline List", "/pipelines"), ("Job Logs", "/pipelines/runs"), ("Schedules", "/pipelines/schedules")]
    return rx.hstack(*[rx.link(rx.button(label, variant="solid" if label == active else "soft", size="2"),
                               href=href, underline="none") for label, href in items], spacing="2")


def _new_modal() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New Pipeline"),
            rx.vstack(
                rx.text("Name", size="2"),
                rx.input(value=S.new_name, on_change=S.set_new_name, id="new-pipeline-name",
                         placeholder="finance_daily", width="100%"),
                rx.text("Description", size="2"),
                rx.text_area(value=S.new_description, on_change=S.set_new_description, id="new-pipeline-description",
                             width="100%"),
                rx.text("Domain", size="2"),
                rx.input(value=S.new_domain, on_change=S.set_new_domain, id="new-pipeline-domain",
                         placeholder="finance", width="100%"),
                rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1", width="100%")),
                rx.hstack(
                    rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.close_new),
                    rx.button("Create", on_click=S.create, id="create-pipeline"),
                    justify="end", width="100%", spacing="2"),
                spacing="2", width="100%"),
        ),
        open=S.new_open,
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["name"], href=row["href"], class_name="pipeline-link")),
        rx.table.cell(row["owner"]),
        rx.table.cell(row["domain"]),
        rx.table.cell(rx.vstack(rx.code(row["schedule"]), rx.text(row["reading"], size="1", color_scheme="gray"),
                                spacing="0")),
        rx.table.cell(row["enabled"]),
        rx.table.cell(_status(row["last_status"])),
        rx.table.cell(row["next_run"]),
        class_name="pipeline-row",
    )


def pipelines_page() -> rx.Component:
    """/pipelines"""
    return page_frame(
        "Pipelines",
        rx.hstack(
            _tabs("Pipeline List"),
            rx.spacer(),
            rx.cond(S.can_create, rx.button(rx.icon("plus", size=14), "New Pipeline", on_click=S.open_new,
                                            id="new-pipeline")),
            width="100%", align="center"),
        rx.cond((S.error != "") & ~S.new_open, rx.callout(S.error, color_scheme="red", size="1")),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Name", "Owner", "Domain", "Schedule", "Enabled", "Last run", "Next run (UTC)")])),
            rx.table.body(rx.foreach(S.rows, _row)),
            width="100%", id="pipeline-list"),
        rx.cond(S.rows.length() == 0, rx.text("No pipelines yet.", color_scheme="gray")),
        _new_modal(),
    )


def _schedule_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["name"], href=row["href"])),
        rx.table.cell(rx.code(row["schedule"])),
        rx.table.cell(row["reading"]),
        rx.table.cell(row["timezone"]),
        rx.table.cell(row["next_run"]),
        rx.table.cell(_status(row["last_status"])),
        rx.table.cell(rx.switch(checked=row["enabled"] == "yes", disabled=~S.can_schedule,
                                on_change=lambda _value: S.toggle(row["name"]),
                                id="enabled-" + row["name"].to(str))),
        class_name="schedule-row",
    )


def schedules_page() -> rx.Component:
    """/pipelines/schedules"""
    return page_frame(
        "Schedules",
        _tabs("Schedules"),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1")),
        rx.cond(S.notice != "", rx.callout(S.notice, color_scheme="green", size="1", id="schedule-notice")),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Pipeline", "Cron", "In words", "Timezone", "Next run (UTC)", "Last run", "Enabled")])),
            rx.table.body(rx.foreach(S.scheduled_rows, _schedule_row)),
            width="100%", id="schedule-list"),
        rx.cond(S.scheduled_rows.length() == 0, rx.text("No pipeline has a schedule.", color_scheme="gray")),
    )
