"""The pipeline Visual Editor (PRD 3.4, §4 Pipeline Canvas): canvas with palette, node configuration with the
SQL editor, Guardian's results, Save, Run now, Schedule and Delete modals."""

from __future__ import annotations

import reflex as rx

from workbench.components.pipeline_canvas import pipeline_canvas
from workbench.components.shell import page_frame
from workbench.components.sql_editor import sql_editor
from workbench.pages.pipelines import _tabs
from workbench.state.pipeline_editor import PipelineEditorState

S = PipelineEditorState
UPLOAD_ID = "ingest-upload"
# The browser asks before leaving a page with unsaved changes.
UNSAVED_GUARD = """
window.addEventListener('beforeunload', (event) => {
  const flag = document.getElementById('wb-unsaved');
  if (flag && flag.dataset.dirty === 'true') { event.preventDefault(); event.returnValue = ''; }
});
"""


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.heading(S.editor_title, size="4", id="editor-title"),
        rx.cond(S.dirty, rx.badge("Unsaved changes", color_scheme="amber", id="unsaved-badge")),
        rx.el.span(id="wb-unsaved", data_dirty=rx.cond(S.dirty, "true", "false")),
        rx.spacer(),
        rx.cond(S.can_edit, rx.hstack(
            rx.button(rx.icon("undo-2", size=14), "Undo", variant="soft", size="2", on_click=S.undo, id="undo"),
            rx.button(rx.icon("layout-grid", size=14), "Auto-layout", variant="soft", size="2",
                      on_click=S.auto_layout, id="auto-layout"),
            rx.button(rx.icon("shield-check", size=14), "Validate", variant="soft", size="2", on_click=S.validate,
                      id="validate"),
            rx.button(rx.icon("save", size=14), "Save", size="2", on_click=S.save, id="save"),
            rx.button(rx.icon("clock", size=14), "Schedule", variant="soft", size="2", on_click=S.open_schedule,
                      id="schedule"),
            spacing="2")),
        rx.cond(S.can_run & ~S.is_new, rx.button(rx.icon("play", size=14), "Run now", size="2", color_scheme="green",
                                                 on_click=S.run_now, id="run-now")),
        rx.cond(S.can_delete & ~S.is_new, rx.button(rx.icon("trash-2", size=14), "Delete", size="2",
                                                    color_scheme="red", variant="soft", on_click=S.open_delete,
                                                    id="delete-pipeline")),
        rx.link(rx.button("Job Logs", variant="ghost", size="2"), href="/pipelines/runs?pipeline=" + S.name),
        width="100%", align="center", spacing="2", wrap="wrap",
    )


def _field(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), control, spacing="1", width="100%")


def _dbt_fields(node: rx.Var, editable: rx.Var) -> rx.Component:
    """A silver or gold node that runs a dbt project (a folder under the dbt projects folder) instead of SQL."""
    return rx.vstack(
        rx.text("…or run a dbt project instead of SQL (its folder under the dbt projects folder; the run imports"
                " its docs, lineage, tests and results):", size="1", color_scheme="gray"),
        rx.hstack(
            rx.input(value=node["dbt_project"], on_change=S.set_dbt_project, read_only=editable,
                     placeholder="project folder, e.g. shop", id="node-dbt-project", width="200px"),
            rx.select(["build", "run", "test", "seed"], value=node["dbt_command"], on_change=S.set_dbt_command,
                      disabled=editable, id="node-dbt-command"),
            rx.input(value=node["dbt_select"], on_change=S.set_dbt_select, read_only=editable,
                     placeholder="--select (all), e.g. staging+ tag:daily", id="node-dbt-select", width="100%"),
            spacing="2", width="100%"),
        spacing="1", width="100%")


def _node_panel() -> rx.Component:
    node = S.selected
    editable = ~S.can_edit
    return rx.cond(node.contains("id"), rx.card(rx.vstack(
        rx.hstack(rx.badge(node["type"]), rx.code(node["id"]), rx.spacer(),
                  rx.cond(S.can_edit, rx.button("Delete node", size="1", color_scheme="red", variant="soft",
                                                on_click=S.delete_node, id="delete-node")),
                  width="100%", align="center"),
        _field("Label", rx.input(value=node["label"], on_change=S.set_label, read_only=editable, id="node-label",
                                 width="100%")),
        rx.cond(node["dbt_project"] == "", _field("Target (schema.table)", rx.input(
            value=node["target"], on_change=S.set_target, read_only=editable, id="node-target", width="100%"))),
        rx.cond(node["dbt_project"] == "", rx.hstack(
            _field("Materialization", rx.select(["table", "view", "incremental"], value=node["materialization"],
                                                on_change=S.set_materialization, disabled=editable,
                                                id="node-materialization")),
            _field("Unique key (incremental merge)", rx.input(value=node["unique_key"], on_change=S.set_unique_key,
                                                              read_only=editable, id="node-unique-key")),
            width="100%", spacing="3")),
        rx.cond(
            node["type"] == "custom",
            _field("Python: define run(conn) returning a list of dicts", rx.text_area(
                value=node["python"], on_change=S.set_python, read_only=editable, id="node-python", rows="10",
                width="100%", font_family="monospace")),
            rx.vstack(
                rx.cond(node["type"] == "bronze", rx.vstack(
                    rx.text("Ingest an uploaded file (CSV, JSON or JSON Lines) instead of SQL:", size="1",
                            color_scheme="gray"),
                    rx.cond(node["upload_id"] != "",
                            rx.text("File: ", rx.code(node["upload_id"]), " (", node["upload_format"], ")", size="1",
                                    id="node-upload")),
                    rx.cond(S.can_edit, rx.hstack(
                        rx.upload(rx.button("Choose file", size="1", variant="soft"), id=UPLOAD_ID,
                                  accept={"text/csv": [".csv"], "application/json": [".json", ".jsonl"]},
                                  max_files=1, border="1px dashed var(--gray-7)", padding="4px"),
                        rx.button("Upload", size="1", on_click=S.upload_file(rx.upload_files(upload_id=UPLOAD_ID)),
                                  id="upload-file"),
                        spacing="2")),
                    rx.text("…or pull an Odoo model (the connection in Settings › Integrations), appended by"
                            " write_date:", size="1", color_scheme="gray"),
                    rx.hstack(
                        rx.input(value=node["odoo_model"], on_change=S.set_odoo_model, read_only=editable,
                                 placeholder="hr.expense", id="node-odoo-model", width="160px"),
                        rx.input(value=node["odoo_fields"], on_change=S.set_odoo_fields, read_only=editable,
                                 placeholder="fields (all)", id="node-odoo-fields", width="100%"),
                        rx.input(value=node["odoo_domain"], on_change=S.set_odoo_domain, read_only=editable,
                                 placeholder='domain, e.g. [["state", "=", "done"]]', id="node-odoo-domain",
                                 width="100%"),
                        spacing="2", width="100%"),
                    spacing="1", width="100%")),
                rx.cond(node["type"] != "bronze", _dbt_fields(node, editable)),
                rx.cond(node["dbt_project"] == "", _field("SQL (one SELECT; Ctrl/Cmd-Enter validates)", sql_editor(
                    value=node["sql"], revision=S.sql_revision, schema=S.completion, on_change=S.set_sql,
                    on_run=S.run_sql_shortcut, height="220px", id="node-sql"))),
                spacing="2", width="100%"),
        ),
        rx.cond(S.selected_edges.length() > 0, rx.vstack(
            rx.text("Edges", size="1", color_scheme="gray"),
            rx.foreach(S.selected_edges, lambda e: rx.hstack(
                rx.text(e["source"], " → ", e["target"], size="1"),
                rx.cond(S.can_edit, rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost",
                                                   on_click=S.delete_edge(e["id"]), class_name="delete-edge",
                                                   aria_label="Delete edge")),
                align="center")),
            spacing="1")),
        spacing="3", width="100%"), width="100%", id="node-panel"),
        rx.card(rx.text(rx.cond(S.can_edit, "Drag nodes from the palette, connect a node's right handle to the next"
                                            " node's left handle, and click a node to configure it.",
                                "Click a node to see its configuration."), size="2", color_scheme="gray"),
                width="100%"))


def _step(step: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon(rx.cond(step["passed"] == "yes", "circle-check", "circle-x"), size=16,
                color=rx.cond(step["passed"] == "yes", "var(--green-10)", "var(--red-10)")),
        rx.vstack(
            rx.text(step["step"], ". ", step["name"], size="2", weight="medium"),
            rx.cond(step["messages"] != "", rx.el.pre(step["messages"], style={
                "fontSize": "12px", "whiteSpace": "pre-wrap", "margin": 0})),
            spacing="0"),
        align="start", spacing="2", class_name=rx.cond(step["passed"] == "yes", "step passed", "step failed"),
        id="step-" + step["step"].to(str),
    )


def _validation_panel() -> rx.Component:
    return rx.cond(S.steps.length() > 0, rx.card(rx.vstack(
        rx.heading("Guardian", size="3"),
        rx.foreach(S.steps, _step),
        spacing="2"), width="100%", id="validation-panel"))


def _settings() -> rx.Component:
    return rx.accordion.root(rx.accordion.item(
        header="Pipeline settings",
        content=rx.vstack(
            _field("Description", rx.text_area(value=S.description, on_change=S.set_description,
                                               read_only=~S.can_edit, width="100%")),
            _field("Domain", rx.input(value=S.domain, on_change=S.set_domain, read_only=~S.can_edit)),
            _field("Webhook URLs notified when a run ends (one per line)",
                   rx.text_area(value=S.webhooks, on_change=S.set_webhooks, read_only=~S.can_edit, width="100%",
                                id="pipeline-webhooks")),
            rx.text("Owner: ", S.owner, " · schedule: ", rx.cond(S.schedule != "", S.schedule, "none"), " (",
                    S.timezone, ")", size="1", color_scheme="gray"),
            spacing="2", width="100%")), collapsible=True, type="single", width="100%", variant="ghost")


def _version_row(v: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(v["version"]), rx.table.cell(v["saved_at"]), rx.table.cell(v["saved_by"]),
        rx.table.cell(rx.hstack(
            rx.button("Diff to newest", size="1", variant="soft", on_click=S.show_diff(v["version"]),
                      class_name="version-diff"),
            rx.cond(S.can_edit & (v["version"] != S.version.to_string()),
                    rx.button("Restore", size="1", variant="soft", color_scheme="amber",
                              on_click=S.restore_version(v["version"]), class_name="version-restore")),
            spacing="2")),
        class_name="version-row")


def _versions() -> rx.Component:
    return rx.cond(~S.is_new, rx.card(rx.vstack(
        rx.heading("Versions", size="3"),
        rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "Version", "Saved", "By", "")])), rx.table.body(rx.foreach(S.versions, _version_row)),
            width="100%", id="version-list"),
        rx.cond(S.version_diff != "", rx.el.pre(S.version_diff, id="version-diff", style={
            "fontSize": "12px", "whiteSpace": "pre-wrap", "background": "var(--gray-2)", "padding": "8px",
            "width": "100%"})),
        spacing="2", width="100%"), width="100%"))


def _schedule_modal() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Schedule"),
        rx.vstack(
            _field("Cron (minute hour day month weekday)", rx.input(value=S.cron, on_change=S.set_cron,
                                                                    id="cron-input")),
            _field("Timezone (IANA)", rx.input(value=S.cron_timezone, on_change=S.set_cron_timezone,
                                               id="cron-timezone")),
            rx.text(S.cron_reading, size="2", weight="medium", id="cron-reading"),
            rx.vstack(rx.foreach(S.cron_next, lambda moment: rx.text(moment, size="1", class_name="next-run")),
                      spacing="0", id="cron-next"),
            rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1")),
            rx.hstack(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.close_schedule),
                      rx.button("Save schedule", on_click=S.save_schedule, id="save-schedule",
                                disabled=S.cron_next.length() == 0),
                      justify="end", width="100%", spacing="2"),
            spacing="2", width="100%")),
        open=S.schedule_open)


def _delete_modal() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Delete pipeline ", S.name, "?"),
        rx.vstack(
            rx.text("The pipeline, its versions and its run history go; the tables it built stay.", size="2"),
            rx.text("Downstream of its targets (lineage):", size="2", weight="medium"),
            rx.cond(S.impact_tables.length() > 0,
                    rx.vstack(rx.foreach(S.impact_tables, lambda t: rx.code(t)), spacing="1", id="impact-tables"),
                    rx.text("nothing", size="2", color_scheme="gray")),
            rx.text("Other pipelines reading them:", size="2", weight="medium"),
            rx.cond(S.impact_pipelines.length() > 0,
                    rx.vstack(rx.foreach(S.impact_pipelines, lambda p: rx.code(p)), spacing="1"),
                    rx.text("none", size="2", color_scheme="gray")),
            rx.hstack(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.close_delete),
                      rx.button("Delete", color_scheme="red", on_click=S.confirm_delete, id="confirm-delete"),
                      justify="end", width="100%", spacing="2"),
            spacing="2", width="100%")),
        open=S.delete_open)


def pipeline_editor_page() -> rx.Component:
    """/pipelines/editor?name=…"""
    return page_frame(
        "Pipeline Editor",
        _tabs(""),
        _toolbar(),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1", id="editor-error")),
        rx.cond(S.message != "", rx.callout(rx.hstack(rx.text(S.message, id="editor-message"),
                                                      rx.cond(S.last_run_href != "",
                                                              rx.link("Open the run's logs", href=S.last_run_href,
                                                                      id="open-run"))),
                                            color_scheme="blue", size="1")),
        rx.hstack(
            rx.box(pipeline_canvas(nodes=S.canvas_nodes, edges=S.edges, editable=S.can_edit, height="560px",
                                   on_add_node=S.add_node, on_connect_nodes=S.connect, on_move_node=S.move,
                                   on_select_node=S.select, on_delete_edges=S.delete_edges, id="pipeline-canvas"),
                   width="60%", min_width="0"),
            rx.vstack(_node_panel(), width="40%", min_width="0"),
            width="100%", align="start", spacing="3"),
        _validation_panel(),
        _settings(),
        _versions(),
        _schedule_modal(),
        _delete_modal(),
        rx.script(UNSAVED_GUARD),
    )
