"""The Catalog's "Import dbt" dialog: upload a project's artifacts, or name a project folder on the server;
the import's counts come back, and the projects imported so far are listed."""

from __future__ import annotations

import reflex as rx

from services.integrations.dbt import importer
from workbench import formatting
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls
from workbench.state.catalog import CatalogState

ARTIFACT_NAMES = ("manifest.json", "run_results.json", "catalog.json")


class DbtImportState(ServiceCalls, rx.State):
    open: bool = False
    folder: str = ""
    busy: bool = False
    summary: str = ""
    unmatched: list[str] = []
    projects: list[dict[str, str]] = []

    async def show(self):
        self.open, self.error, self.summary, self.unmatched = True, "", "", []
        await self._load_projects()

    def close(self):
        self.open = False

    def set_folder(self, value: str):
        self.folder = value

    async def _load_projects(self):
        user, _ip = await acting_user(self)
        found = await self._call(importer.projects, user)
        if found is not FAILED:
            self.projects = [{"name": p.name, "where": p.path or "uploaded", "when": formatting.when(p.imported_at),
                              "counts": f"{p.counts.get('models', 0)} models, {p.counts.get('tests', 0)} tests,"
                                        f" {p.counts.get('results', 0)} results"} for p in found]

    async def _done(self, report: importer.ImportReport | object):
        if report is FAILED:
            return
        self.error = ""
        self.summary = (f"{report.project}: {report.models} models, {report.seeds} seeds, {report.snapshots}"
                        f" snapshots, {report.sources} sources, {report.columns_described} columns described,"
                        f" {report.table_edges} table and {report.column_edges} column lineage edges,"
                        f" {report.tests} tests, {report.results} results"
                        + (" (nothing had changed)." if not report.written else f"; {report.written:,} rows written."))
        self.unmatched = report.unmatched[:20]
        await self._load_projects()
        catalog = await self.get_state(CatalogState)
        if catalog.selected:
            await catalog.open_table(catalog.selected)

    async def import_folder(self, form: dict):
        user, ip = await acting_user(self)
        self.busy = True
        yield
        try:
            await self._done(await self._call(importer.import_folder, user, (form.get("folder") or "").strip(),
                                              within_projects_dir=True, client_address=ip))
        finally:
            self.busy = False

    async def import_upload(self, files: list[rx.UploadFile]):
        """The uploaded files by name: manifest.json (required), run_results.json and catalog.json."""
        user, ip = await acting_user(self)
        given: dict[str, bytes] = {}
        for upload in files:
            name = (upload.name or "").rsplit("/", 1)[-1]
            if name not in ARTIFACT_NAMES:
                self.error = f"{name or 'A file'} is not one of {', '.join(ARTIFACT_NAMES)}."
                return
            given[name] = await upload.read()
        if "manifest.json" not in given:
            self.error = "Choose target/manifest.json (and run_results.json and catalog.json when you have them)."
            return
        self.busy = True
        yield
        try:
            await self._done(await self._call(importer.import_files, user, given["manifest.json"],
                                              given.get("run_results.json"), given.get("catalog.json"),
                                              client_address=ip))
        finally:
            self.busy = False
