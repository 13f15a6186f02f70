"""Data Quality (PRD 3.5): Scorecards grid, a table's scorecard, Test Results, and the Test Detail modal."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.auth import AuthState
from workbench.state.quality import (
    DIMENSIONS,
    LAYERS,
    TEST_TYPES,
    ResultsState,
    ScorecardsState,
    TableQualityState,
    TestDetailState,
)

D = TestDetailState
T = TableQualityState


def tabs(active: str) -> rx.Component:
    """Scorecards · Test Results · Alerts (admins)."""
    items = [("Scorecards", "/quality"), ("Test Results", "/quality/results")]
    buttons = [rx.link(rx.button(label, variant="solid" if label == active else "soft", size="2"), href=href,
                       underline="none") for label, href in items]
    alerts = rx.link(rx.button("Alerts", variant="solid" if active == "Alerts" else "soft", size="2"),
                     href="/quality/alerts", underline="none")
    return rx.hstack(*buttons, rx.cond(AuthState.user_role == "admin", alerts), spacing="2")


def _score_badge(score: rx.Var, colour: rx.Var, size: str = "3") -> rx.Component:
    return rx.badge(score, color_scheme=colour, size=size, variant="solid", class_name="dq-score")


def _sparkline(data: rx.Var) -> rx.Component:
    return rx.recharts.line_chart(
        rx.recharts.line(data_key="score", stroke="var(--accent-9)", dot=False, is_animation_active=False),
        rx.recharts.y_axis(domain=[0, 100], hide=True),
        data=data, width=140, height=40)


def _card(card: rx.Var) -> rx.Component:
    return rx.link(rx.card(
        rx.vstack(
            rx.hstack(rx.badge(card["layer"], variant="soft"), rx.spacer(), _score_badge(card["score"], card["colour"]),
                      width="100%", align="center"),
            rx.text(card["table"], weight="bold", size="3", class_name="dq-card-table"),
            rx.hstack(rx.text(card["tests"], size="1", color_scheme="gray"), rx.spacer(),
                      _sparkline(card["trend"].to(list)), width="100%", align="center"),
            rx.foreach(card["failing"].to(list[str]),
                       lambda name: rx.hstack(rx.icon("circle-x", size=12, color="var(--red-9)"),
                                              rx.text(name, size="1"), spacing="1", align="center")),
            rx.cond(card["more"].to(int) > 0, rx.text("+", card["more"].to(str), " more failing", size="1")),
            rx.text(card["owner"], " · ", card["last_run"], size="1", color_scheme="gray"),
            spacing="2", width="100%"),
        width="100%", class_name="dq-card"), href=card["href"].to(str), underline="none")


def scorecards_page() -> rx.Component:
    """/quality"""
    S = ScorecardsState
    return page_frame(
        "Data Quality",
        rx.hstack(tabs("Scorecards"), rx.spacer(),
                  rx.select(LAYERS, value=S.layer, on_change=S.set_layer, id="layer-filter"),
                  width="100%", align="center"),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1")),
        rx.grid(rx.foreach(S.cards, _card), columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="4",
                width="100%", id="scorecards"),
        rx.cond(S.cards.length() == 0, rx.text("No table has data-quality tests yet. Engineers add them as YAML"
                                               " (workbench dq apply) or suggest them from a profile.",
                                               color_scheme="gray")),
    )


def test_detail_modal() -> rx.Component:
    """SQL, failure reason, sample failing rows, remediation; a link to the table's lineage."""
    return rx.dialog.root(rx.dialog.content(
        rx.hstack(
            rx.dialog.title(D.detail["test"], margin="0"), rx.spacer(),
            rx.button(rx.icon("git-fork", size=14), "Lineage", variant="soft", id="detail-lineage",
                      on_click=[D.close_detail, rx.redirect(D.detail["lineage"])]),
            rx.button("Close", on_click=D.close_detail, variant="soft", color_scheme="gray", id="detail-close"),
            width="100%", align="center", spacing="2"),
        rx.vstack(
            rx.hstack(rx.badge(D.detail["status"], color_scheme=D.detail["colour"]), rx.badge(D.detail["severity"]),
                      rx.badge(D.detail["dimension"], variant="soft"), rx.text(D.detail["table"], size="2"),
                      spacing="2", align="center"),
            rx.text(D.detail["message"], size="2", id="detail-message"),
            rx.cond(D.detail["source"] == "dbt", rx.callout(rx.vstack(
                rx.hstack(rx.badge("dbt", color_scheme="orange"), rx.code(D.detail["dbt_id"], variant="ghost"),
                          spacing="2", align="center"),
                rx.text("dbt says: ", rx.cond(D.detail["dbt_message"] != "", D.detail["dbt_message"],
                                               D.detail["dbt_status"]), size="2", id="detail-dbt-message"),
                rx.text("invocation ", D.detail["dbt_invocation"], size="1", color_scheme="gray"),
                spacing="1"), icon="file-text", color_scheme="orange", size="1", id="detail-dbt")),
            rx.cond(D.detail["dbt_log"] != "", rx.vstack(
                rx.text("dbt's log of this test", weight="bold", size="2"),
                rx.el.pre(D.detail["dbt_log"], id="detail-dbt-log", style={
                    "fontSize": "12px", "whiteSpace": "pre-wrap", "margin": 0, "padding": "8px",
                    "background": "var(--gray-2)", "borderRadius": "6px", "width": "100%"}),
                spacing="1", width="100%")),
            rx.text(rx.cond(D.detail["source"] == "dbt", "dbt's compiled SQL (its rows are the failing ones)",
                            "SQL that finds the failing rows"), weight="bold", size="2"),
            rx.code_block(D.detail["sql"], language="sql", wrap_long_lines=True, width="100%"),
            rx.cond(D.detail["remediation"] != "", rx.callout(D.detail["remediation"], icon="wrench", size="1",
                                                              id="detail-remediation")),
            rx.cond(D.sample_rows.length() > 0, rx.vstack(
                rx.text("Sample failing rows (up to 20)", weight="bold", size="2"),
                rx.scroll_area(rx.table.root(
                    rx.table.header(rx.table.row(rx.foreach(D.sample_columns,
                                                            lambda c: rx.table.column_header_cell(c)))),
                    rx.table.body(rx.foreach(D.sample_rows, lambda r: rx.table.row(
                        rx.foreach(r, lambda v: rx.table.cell(v))))),
                    size="1", id="detail-sample"), max_height="220px", type="auto"),
                width="100%")),
            rx.text("Ran ", D.detail["at"], " in ", D.detail["duration"], size="1", color_scheme="gray"),
            spacing="3", width="100%"),
        max_width="900px", id="test-detail"), open=D.detail_open)


RESULT_FILTERS = ["all", "failed", "passed", "warn", "error", "skipped"]


def _result_row(row: rx.Var, *, with_table: bool) -> rx.Component:
    cells = [rx.table.cell(rx.link(row["table"], href=row["href"]))] if with_table else []
    return rx.table.row(
        *cells,
        rx.table.cell(rx.hstack(
            rx.button(row["test"], on_click=D.open_detail(row["id"]), class_name="result-link", variant="ghost",
                      size="2"),
            rx.cond(row["source"] == "dbt", rx.badge("dbt", color_scheme="orange", variant="soft", size="1",
                                                     class_name="result-dbt-badge")),
            spacing="1", align="center")),
        rx.table.cell(row["column"]),
        rx.table.cell(rx.badge(row["status"], color_scheme=row["colour"])),
        rx.table.cell(row["failing"], " / ", row["checked"]),
        rx.table.cell(row["share"]),
        rx.table.cell(row["dimension"]),
        rx.table.cell(row["severity"]),
        rx.table.cell(row["at"]),
        class_name="result-row")


def _results_table(rows: rx.Var, *, with_table: bool, table_id: str) -> rx.Component:
    heads = (["Table"] if with_table else []) + ["Test", "Column", "Status", "Failing / checked", "Passing",
                                                 "Dimension", "Severity", "Ran"]
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in heads])),
        rx.table.body(rx.foreach(rows, lambda r: _result_row(r, with_table=with_table))),
        width="100%", id=table_id)


def results_page() -> rx.Component:
    """/quality/results"""
    S = ResultsState
    return page_frame(
        "Test Results",
        tabs("Test Results"),
        rx.hstack(
            rx.input(placeholder="schema.table", value=S.table, on_change=S.set_table, on_blur=S.refresh,
                     id="results-table", width="260px"),
            rx.text("Status", size="2"),
            rx.select(RESULT_FILTERS, value=S.status, on_change=S.set_status, id="results-status"),
            rx.text("Dimension", size="2"),
            rx.select(["all", *DIMENSIONS], value=S.dimension, on_change=S.set_dimension, id="results-dimension"),
            rx.text("Severity", size="2"),
            rx.select(["all", "error", "warn"], value=S.severity, on_change=S.set_severity, id="results-severity"),
            rx.button("Filter", on_click=S.refresh, variant="soft"),
            spacing="2", align="center", wrap="wrap"),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1")),
        _results_table(S.rows, with_table=True, table_id="results"),
        rx.cond(S.rows.length() == 0, rx.text("No results match.", color_scheme="gray")),
        test_detail_modal(),
    )


def _dimension(d: rx.Var) -> rx.Component:
    return rx.card(rx.vstack(rx.text(d["name"], size="1", color_scheme="gray", class_name="dimension-name"),
                             rx.heading(d["score"], "%", size="5", color_scheme=d["colour"]), spacing="1"),
                   class_name="dimension-card")


def _profile_row(c: rx.Var) -> rx.Component:
    return rx.table.row(*[rx.table.cell(c[k]) for k in ("name", "type", "nulls", "distinct", "min", "max", "mean")])


def _editors() -> rx.Component:
    return rx.grid(
        rx.card(rx.vstack(
            rx.text("Owner", weight="bold", size="2"),
            rx.hstack(rx.input(value=T.owner_input, on_change=T.set_owner_input, placeholder="someone@company.ph",
                               id="owner-input", width="100%"),
                      rx.button(rx.icon("user-check", size=14), "Assign owner", on_click=T.assign_owner,
                                id="assign-owner"), width="100%"),
            spacing="2", width="100%")),
        rx.card(rx.vstack(
            rx.text("SLOs", weight="bold", size="2"),
            rx.hstack(rx.input(value=T.freshness_hours, on_change=T.set_freshness_hours, placeholder="hours",
                               id="slo-freshness", width="90px"),
                      rx.text("h fresh", size="1"),
                      rx.input(value=T.completeness_pct, on_change=T.set_completeness_pct, placeholder="%",
                               id="slo-completeness", width="90px"),
                      rx.text("% complete", size="1"),
                      rx.button("Save", on_click=T.save_slo, variant="soft", id="save-slo"), align="center"),
            spacing="2")),
        rx.card(rx.vstack(
            rx.text("Test schedule", weight="bold", size="2"),
            rx.hstack(rx.input(value=T.cron, on_change=T.set_cron, placeholder="0 6 * * *", id="dq-cron",
                               width="120px"),
                      rx.input(value=T.timezone, on_change=T.set_timezone, id="dq-timezone", width="130px"),
                      rx.button("Save", on_click=T.save_schedule, variant="soft", id="save-schedule"),
                      align="center"),
            spacing="2")),
        columns=rx.breakpoints(initial="1", md="3"), spacing="3", width="100%")


def _test_form() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text("Add a test", weight="bold", size="2"), rx.spacer(),
                  rx.button(rx.icon("wand-sparkles", size=14), "Suggest tests", variant="soft",
                            on_click=T.suggest_tests, id="suggest-tests"), width="100%", align="center"),
        rx.hstack(
            rx.select(TEST_TYPES, value=T.new_type, on_change=T.set_new_type, id="new-test-type"),
            rx.input(value=T.new_column, on_change=T.set_new_column, placeholder="column", id="new-test-column",
                     width="150px"),
            rx.input(value=T.new_options, on_change=T.set_new_options, id="new-test-options", width="300px",
                     placeholder="options, e.g. values: [PHP, USD]  or  min: 0"),
            rx.select(["error", "warn"], value=T.new_severity, on_change=T.set_new_severity, id="new-test-severity"),
            rx.input(value=T.new_name, on_change=T.set_new_name, placeholder="name (optional)", id="new-test-name",
                     width="160px"),
            rx.button("Add test", on_click=T.add_test, id="add-test"),
            spacing="2", wrap="wrap", align="center"),
        spacing="2", width="100%"), width="100%")


def table_page() -> rx.Component:
    """/quality/table?name=SCHEMA.TABLE"""
    return page_frame(
        "Table Scorecard",
        tabs("Scorecards"),
        rx.hstack(
            rx.heading(T.name, size="5", id="scorecard-table"), _score_badge(T.score, T.colour, size="3"),
            rx.spacer(),
            rx.link(rx.button(rx.icon("git-fork", size=14), "Lineage", variant="soft"),
                    href="/lineage?table=" + T.name, id="table-lineage"),
            rx.cond(T.can_run, rx.hstack(
                rx.button(rx.icon("scan-line", size=14), "Profile", variant="soft", on_click=T.profile_now,
                          id="profile-now"),
                rx.button(rx.icon("play", size=14), "Run tests", on_click=T.run_tests, loading=T.running,
                          id="run-tests"), spacing="2")),
            width="100%", align="center"),
        rx.text("Owner: ", rx.cond(T.owner != "", T.owner, "nobody yet"), size="2", id="owner-line"),
        rx.cond(T.error != "", rx.callout(T.error, color_scheme="red", size="1", id="table-error")),
        rx.cond(T.notice != "", rx.callout(T.notice, color_scheme="green", size="1", id="table-notice")),
        rx.hstack(rx.foreach(T.dimensions, _dimension), spacing="3", wrap="wrap", id="dimensions"),
        rx.foreach(T.slo_lines, lambda line: rx.text(line, size="2", class_name="slo-line")),
        rx.cond(T.can_edit, _editors()),
        rx.card(rx.vstack(
            rx.text("Score history", weight="bold", size="2"),
            rx.recharts.line_chart(
                rx.recharts.line(data_key="score", stroke="var(--accent-9)", is_animation_active=False),
                rx.recharts.x_axis(data_key="at"), rx.recharts.y_axis(domain=[0, 100]),
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"), rx.recharts.graphing_tooltip(),
                data=T.history, width="100%", height=220),
            width="100%"), width="100%", id="score-history"),
        rx.text("Tests and their latest results", weight="bold", size="3"),
        rx.cond(T.can_run, _test_form()),
        _results_table(T.results, with_table=False, table_id="table-results"),
        rx.text("Profile", weight="bold", size="3"),
        rx.text(rx.cond(T.profiled != "", T.profiled, "Not profiled yet."), size="1", color_scheme="gray"),
        rx.cond(T.columns.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Column", "Type", "Nulls", "Distinct", "Min", "Max", "Mean")])),
            rx.table.body(rx.foreach(T.columns, _profile_row)), width="100%", size="1", id="profile-table")),
        test_detail_modal(),
    )
