"""AI Assist › Genie (PRD 3.7): ask in plain language, see the SQL, the rows and how it got there."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.formatting import NULL
from workbench.state.genie import GenieState

S = GenieState


def _result(turn: rx.Var) -> rx.Component:
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(rx.foreach(turn["columns"].to(list[str]),
                                                lambda c: rx.table.column_header_cell(c)))),
        rx.table.body(rx.foreach(turn["rows"].to(list[list[str]]), lambda row: rx.table.row(rx.foreach(
            row, lambda v: rx.table.cell(rx.cond(v == NULL, rx.text("NULL", color="var(--gray-9)"), v),
                                         white_space="nowrap"))))),
        size="1", class_name="genie-result"), overflow_x="auto", width="100%")


def _attempts(turn: rx.Var) -> rx.Component:
    return rx.cond(turn["attempts"].to(list[dict]).length() > 0, rx.vstack(
        rx.text("Attempts that failed validation or the database:", size="1", color_scheme="gray"),
        rx.foreach(turn["attempts"].to(list[dict[str, str]]), lambda a: rx.vstack(
            rx.code(a["sql"], size="1", variant="ghost", white_space="pre-wrap"),
            rx.text(a["error"], size="1", color_scheme="red"), spacing="0", class_name="genie-attempt")),
        spacing="1", width="100%"))


def _answer(turn: rx.Var) -> rx.Component:
    return rx.match(
        turn["status"],
        ("thinking", rx.hstack(rx.spinner(size="2"), rx.text(S.stage + "…", size="2", id="genie-stage"),
                               align="center", spacing="2")),
        ("answered", rx.vstack(
            rx.code_block(turn["sql"].to(str), language="sql", wrap_long_lines=True, class_name="genie-sql"),
            _attempts(turn),
            rx.text(turn["summary"], size="1", color_scheme="gray", class_name="genie-summary"),
            _result(turn),
            rx.text(turn["explanation"], size="2", class_name="genie-explanation"),
            rx.hstack(
                rx.link(rx.button(rx.icon("square-terminal", size=14), "Open in SQL Editor", size="1", variant="soft"),
                        href=turn["open_href"].to(str), class_name="genie-open"),
                rx.icon_button(rx.icon("thumbs-up", size=14), size="1", on_click=S.rate(turn["id"], 1),
                               variant=rx.cond(turn["rating"] == "up", "solid", "soft"), class_name="genie-up",
                               aria_label="Helpful"),
                rx.icon_button(rx.icon("thumbs-down", size=14), size="1", on_click=S.rate(turn["id"], -1),
                               variant=rx.cond(turn["rating"] == "down", "solid", "soft"), color_scheme="red",
                               class_name="genie-down", aria_label="Not helpful"),
                spacing="2", align="center"),
            spacing="2", width="100%")),
        rx.vstack(_attempts(turn), rx.callout.root(rx.callout.text(turn["message"], class_name="genie-message"),
                                                   color_scheme="amber"), spacing="2", width="100%"),
    )


def _turn(turn: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.box(rx.text(turn["question"], size="2"), background="var(--indigo-3)", padding="8px 12px",
               border_radius="10px", align_self="end", class_name="genie-question"),
        rx.card(_answer(turn), width="100%"),
        spacing="2", width="100%", class_name="genie-turn",
    )


def _samples() -> rx.Component:
    """Questions built from the catalog for a newcomer: one click asks."""
    return rx.cond(S.samples.length() > 0, rx.vstack(
        rx.text("Try one of these:", size="2", weight="medium"),
        rx.flex(rx.foreach(S.samples, lambda q: rx.button(q, variant="surface", size="2", class_name="genie-sample",
                                                          on_click=S.ask_sample(q), disabled=S.asking)),
                wrap="wrap", gap="2"),
        spacing="2", width="100%", id="genie-samples"))


def genie_page() -> rx.Component:
    """The Genie page."""
    return page_frame(
        "Genie",
        rx.hstack(rx.text("Ask about the warehouse in plain language. Genie finds the tables, writes SQL, checks it "
                          "and runs it read-only with your role.", size="2", color_scheme="gray"),
                  rx.spacer(),
                  rx.select(S.models, value=S.model, on_change=S.set_model, size="1", id="genie-model"),
                  rx.button("New conversation", variant="soft", size="1", on_click=S.new_conversation,
                            id="genie-new"), width="100%", align="center"),
        rx.cond(S.error != "", rx.callout.root(rx.callout.text(S.error, id="genie-error"), color_scheme="red")),
        rx.cond(S.turns.length() == 0, _samples()),
        rx.vstack(rx.foreach(S.turns, _turn), spacing="4", width="100%", id="genie-turns"),
        rx.form(rx.hstack(
            rx.input(name="question", value=S.draft, on_change=S.set_draft, id="genie-question",
                     placeholder="e.g. top 5 vendors by total amount in 2025", width="100%", disabled=S.asking),
            rx.button("Ask", type="submit", loading=S.asking, id="genie-ask"), width="100%"),
            on_submit=S.ask, width="100%", reset_on_submit=False),
    )
