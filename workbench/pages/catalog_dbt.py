"""The Catalog's "Import dbt" dialog (engineers and admins)."""

from __future__ import annotations

import reflex as rx

from workbench.state.dbt_import import DbtImportState

D = DbtImportState
UPLOAD_ID = "dbt-upload"


def import_button() -> rx.Component:
    """Opens the dialog."""
    return rx.button(rx.icon("file-input", size=14), "Import dbt", on_click=D.show, variant="soft",
                     id="open-dbt-import")


def import_dialog() -> rx.Component:
    """Upload artifacts or name a server folder; the counts of what was imported; the projects so far."""
    return rx.dialog.root(rx.dialog.content(
        rx.hstack(rx.dialog.title("Import a dbt project", margin="0"), rx.spacer(),
                  rx.button("Close", on_click=D.close, variant="soft", color_scheme="gray", id="dbt-close"),
                  width="100%", align="center"),
        rx.vstack(
            rx.text("Descriptions and owners go into the catalog with a dbt badge (a description written here still"
                    " wins), dependencies and compiled SQL into lineage, tests and their last results into data"
                    " quality. Importing the same files again changes nothing.", size="2", color_scheme="gray"),
            rx.text("Upload the artifacts", weight="bold", size="2"),
            rx.hstack(
                rx.upload(rx.button("Choose files", size="2", variant="soft"), id=UPLOAD_ID, multiple=True,
                          accept={"application/json": [".json"]}, border="1px dashed var(--gray-7)", padding="6px"),
                rx.hstack(rx.foreach(rx.selected_files(UPLOAD_ID), lambda f: rx.badge(f, variant="soft")),
                          spacing="1", id="dbt-selected"),
                rx.button("Import files", on_click=D.import_upload(rx.upload_files(upload_id=UPLOAD_ID)),
                          loading=D.busy, id="dbt-import-files"),
                spacing="3", align="center", wrap="wrap"),
            rx.text("target/manifest.json, and run_results.json and catalog.json when you have them.", size="1",
                    color_scheme="gray"),
            rx.text("Or a project folder on the server", weight="bold", size="2"),
            rx.form(rx.hstack(
                rx.input(name="folder", value=D.folder, on_change=D.set_folder, placeholder="shop (under the dbt"
                         " projects folder)", id="dbt-folder", width="320px"),
                rx.button("Import folder", type="submit", loading=D.busy, id="dbt-import-folder"),
                spacing="2"), on_submit=D.import_folder),
            rx.cond(D.error != "", rx.callout(D.error, icon="triangle-alert", color_scheme="red", size="1",
                                              id="dbt-error")),
            rx.cond(D.summary != "", rx.callout(D.summary, icon="check", color_scheme="green", size="1",
                                                id="dbt-summary")),
            rx.cond(D.unmatched.length() > 0, rx.vstack(
                rx.text("Not in the warehouse (not imported):", size="1", weight="bold"),
                rx.foreach(D.unmatched, lambda u: rx.text(u, size="1", color_scheme="gray")), spacing="0")),
            rx.cond(D.projects.length() > 0, rx.vstack(
                rx.text("Imported projects", weight="bold", size="2"),
                rx.table.root(rx.table.body(rx.foreach(D.projects, lambda p: rx.table.row(
                    rx.table.cell(rx.text(p["name"], weight="medium")), rx.table.cell(p["counts"]),
                    rx.table.cell(p["when"]), rx.table.cell(rx.code(p["where"], variant="ghost"))))),
                    size="1", width="100%", id="dbt-projects"), width="100%")),
            spacing="3", width="100%"),
        max_width="820px", id="dbt-import"), open=D.open)
