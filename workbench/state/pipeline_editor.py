"""Pipeline editor state: the definition being edited (nodes and edges as the canvas shows them), the
selected node's configuration, undo, auto-layout, Guardian's results on the nodes, Save, Run now, and the
Schedule and Delete modals. The browser only draws; every change comes back here."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from services.core import cron as schedules
from services.core.errors import InvalidInput
from services.identity import rbac
from services.identity.rbac import Permission
from services.pipelines import guardian, ingest, runs, store
from services.pipelines.definition import PipelineSpec, parse_definition
from services.sql import completion as warehouse_schema
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

DEFAULT_LAYER = {"bronze": "bronze", "silver": "silver", "gold": "gold", "custom": "silver"}
X_STEP, Y_STEP = 280, 120
UNDO_DEPTH = 50
PYTHON_TEMPLATE = ("def run(conn):\n    rows = conn.execute('SELECT 1 AS one').fetchall()\n"
                   "    return [{'one': r[0]} for r in rows]\n")
NODE_FIELDS = ("label", "sql", "target", "materialization", "unique_key", "python", "upload_id", "upload_format",
               "odoo_model", "odoo_fields", "odoo_domain", "dbt_project", "dbt_command", "dbt_select")


def _node_json(node: dict[str, Any]) -> dict[str, Any]:
    if node["type"] != "custom" and node.get("dbt_project", "").strip():
        return {"id": node["id"], "type": node["type"], "position": {"x": node["x"], "y": node["y"]},
                "data": {"label": node["label"], "dbt": {"project": node["dbt_project"].strip(),
                                                         "command": node.get("dbt_command") or "build",
                                                         "select": node.get("dbt_select", "").strip()}}}
    data: dict[str, Any] = {"label": node["label"], "target": node["target"],
                            "materialization": node["materialization"]}
    if node["type"] == "custom":
        data["python"] = node["python"]
    elif node.get("upload_id"):
        data["source"] = {"upload_id": node["upload_id"], "format": node["upload_format"]}
    elif node.get("odoo_model", "").strip():
        data["source"] = {"odoo_model": node["odoo_model"].strip(), "domain": _domain(node.get("odoo_domain", ""))}
        if node.get("odoo_fields", "").strip():
            data["source"]["fields"] = [f.strip() for f in node["odoo_fields"].split(",") if f.strip()]
    else:
        data["sql"] = node["sql"]
    if node["unique_key"].strip():
        data["unique_key"] = [k.strip() for k in node["unique_key"].split(",") if k.strip()]
    return {"id": node["id"], "type": node["type"], "data": data, "position": {"x": node["x"], "y": node["y"]}}


def _domain(text: str) -> Any:
    """The node's Odoo domain: JSON text as typed (the definition's parser says what is wrong with it)."""
    try:
        return json.loads(text) if text.strip() else []
    except json.JSONDecodeError:
        return text  # not a list: refused with a clear message when the pipeline is checked or saved


def _from_definition(definition: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    parsed = parse_definition(definition)
    nodes = [{"id": n.id, "type": n.type, "label": n.label, "sql": n.sql, "target": n.target,
              "materialization": n.materialization, "unique_key": ", ".join(n.unique_key), "python": n.python,
              "upload_id": n.upload_id or "", "upload_format": n.upload_format or "", "odoo_model": n.odoo_model or "",
              "odoo_fields": ", ".join(n.odoo_fields or ()),
              "odoo_domain": json.dumps(list(n.odoo_domain)) if n.odoo_domain else "",
              "dbt_project": n.dbt_project or "", "dbt_command": n.dbt_command, "dbt_select": n.dbt_select,
              "x": n.x, "y": n.y}
             for n in parsed.nodes]
    edges = [{"id": e.id, "source": e.source, "target": e.target} for e in parsed.edges]
    return nodes, edges


class PipelineEditorState(ServiceCalls, rx.State):
    name: str = ""
    description: str = ""
    domain: str = ""
    schedule: str = ""
    timezone: str = "UTC"
    webhooks: str = ""
    version: int = 0
    is_new: bool = True
    owner: str = ""
    can_edit: bool = False
    can_delete: bool = False
    can_run: bool = False
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    selected_id: str = ""
    dirty: bool = False
    message: str = ""
    steps: list[dict[str, str]] = []
    notes: dict[str, str] = {}
    statuses: dict[str, str] = {}
    validated: bool = False
    sql_revision: int = 0
    completion: dict[str, Any] = {}
    last_run_href: str = ""
    schedule_open: bool = False
    cron: str = ""
    cron_timezone: str = "UTC"
    cron_reading: str = ""
    cron_next: list[str] = []
    versions: list[dict[str, str]] = []
    version_diff: str = ""
    delete_open: bool = False
    impact_tables: list[str] = []
    impact_pipelines: list[str] = []
    _history: list[str] = []
    _outputs: dict[str, list[str]] = {}
    _warehouse: dict[str, dict[str, list[str]]] = {}

    # ---- loading -------------------------------------------------------------------------------------

    async def load(self):
        """on_load: the pipeline named in the address, or a new one from the New Pipeline modal."""
        if (auth := await self._ready_auth()) is None:
            return
        params = self.router.url.query_parameters
        self.error, self.message, self.last_run_href = "", "", ""
        self.steps, self.notes, self.statuses, self.validated = [], {}, {}, False
        self.selected_id, self._history, self.dirty, self._outputs = "", [], False, {}
        self.schedule_open = self.delete_open = False
        user, _ = await acting_user(self)
        role = auth.user_role
        self.can_delete = rbac.is_allowed(role, Permission.DELETE_PIPELINES)
        self.can_run = rbac.is_allowed(role, Permission.SCHEDULE_PIPELINES)
        tree = await self._call(warehouse_schema.warehouse_columns, user)
        self._warehouse = warehouse_schema.completion_schema(tree) if tree is not FAILED else {}
        name = params.get("name", "")
        if params.get("new") == "1":
            self.name, self.description, self.domain = name, params.get("description", ""), params.get("domain", "")
            self.schedule, self.timezone, self.webhooks, self.version = "", "UTC", "", 0
            self.nodes, self.edges, self.is_new, self.owner = [], [], True, auth.user_email
            self.can_edit = rbac.is_allowed(role, Permission.CREATE_PIPELINES)
        else:
            pipeline = await self._call(store.get, user, name)
            if pipeline is FAILED:
                self.nodes, self.edges, self.can_edit = [], [], False
                return
            self._show(pipeline)
            self.can_edit = store.may_edit(user, pipeline)
        self._refresh_completion()
        self.version_diff = ""
        await self.load_versions()

    def _show(self, pipeline: store.Pipeline) -> None:
        self.name, self.description, self.domain = pipeline.name, pipeline.description, pipeline.domain
        self.schedule, self.timezone = pipeline.schedule or "", pipeline.timezone
        self.webhooks, self.version = "\n".join(pipeline.webhook_urls), pipeline.version
        self.owner, self.is_new = pipeline.owner_email or "", False
        self.nodes, self.edges = _from_definition(pipeline.definition.to_json())

    # ---- what the page shows ---------------------------------------------------------------------------

    @rx.var
    def canvas_nodes(self) -> list[dict[str, Any]]:
        """Nodes as the canvas draws them, with Guardian's (or a run's) verdict."""
        return [{"id": n["id"], "type": n["type"], "label": n["label"], "x": n["x"],
                 "target": f"dbt {n.get('dbt_command') or 'build'} {n['dbt_project']}"
                 if n.get("dbt_project", "").strip() and n["type"] != "custom" else n["target"],
                 "y": n["y"], "status": self.statuses.get(n["id"], ""), "note": self.notes.get(n["id"], ""),
                 "selected": n["id"] == self.selected_id} for n in self.nodes]

    @rx.var
    def selected(self) -> dict[str, str]:
        """The selected node's fields (strings), or empty."""
        node = next((n for n in self.nodes if n["id"] == self.selected_id), None)
        if node is None:
            return {}
        return {key: str(node.get(key, "")) for key in ("id", "type", *NODE_FIELDS)}

    @rx.var
    def selected_edges(self) -> list[dict[str, str]]:
        """Edges touching the selected node."""
        return [e for e in self.edges if self.selected_id in (e["source"], e["target"])]

    @rx.var
    def editor_title(self) -> str:
        return f"{self.name} · version {self.version}" if self.version else f"{self.name} · new"

    # ---- editing -------------------------------------------------------------------------------------

    def _snapshot(self) -> None:
        self._history = [*self._history[-UNDO_DEPTH + 1:], json.dumps([self.nodes, self.edges])]
        self.dirty, self.validated = True, False

    def undo(self):
        """Take back the last change."""
        if not self._history:
            return
        self.nodes, self.edges = json.loads(self._history[-1])
        self._history = self._history[:-1]
        self.dirty, self.validated = True, False
        if not any(n["id"] == self.selected_id for n in self.nodes):
            self.selected_id = ""
        self.sql_revision += 1

    def add_node(self, kind: str, x: float, y: float):
        """A node dropped from the palette."""
        if not self.can_edit or kind not in DEFAULT_LAYER:
            return
        self._snapshot()
        taken = {n["id"] for n in self.nodes}
        number = 1
        while f"{kind}_{number}" in taken:
            number += 1
        node_id = f"{kind}_{number}"
        base = (self.name or "pipeline").lower().replace(" ", "_").replace("-", "_").replace(".", "_")
        self.nodes = [*self.nodes, {
            "id": node_id, "type": kind, "label": f"{kind.title()} {number}", "sql": "",
            "target": f"{DEFAULT_LAYER[kind]}.{base}_{kind}_{number}", "materialization": "table", "unique_key": "",
            "python": PYTHON_TEMPLATE if kind == "custom" else "", "upload_id": "", "upload_format": "",
            "odoo_model": "", "odoo_fields": "", "odoo_domain": "", "dbt_project": "", "dbt_command": "build",
            "dbt_select": "", "x": float(x), "y": float(y)}]
        self.selected_id = node_id
        self.sql_revision += 1
        self._refresh_completion()

    def connect(self, source: str, target: str):
        """An edge drawn from one node's right handle to another's left."""
        if not self.can_edit or source == target or any(e["source"] == source and e["target"] == target
                                                       for e in self.edges):
            return
        self._snapshot()
        self.edges = [*self.edges, {"id": f"{source}->{target}", "source": source, "target": target}]
        self._refresh_completion()

    def move(self, node_id: str, x: float, y: float):
        if not self.can_edit:
            return
        self._snapshot()
        self.nodes = [{**n, "x": float(x), "y": float(y)} if n["id"] == node_id else n for n in self.nodes]

    def select(self, node_id: str):
        self.selected_id = node_id
        self.sql_revision += 1
        self._refresh_completion()

    def delete_edges(self, edge_ids: list[str]):
        if not self.can_edit:
            return
        self._snapshot()
        self.edges = [e for e in self.edges if e["id"] not in set(edge_ids)]
        self._refresh_completion()

    def delete_edge(self, edge_id: str):
        self.delete_edges([edge_id])

    def delete_node(self):
        """Remove the selected node and its edges."""
        if not self.can_edit or not self.selected_id:
            return
        self._snapshot()
        gone = self.selected_id
        self.nodes = [n for n in self.nodes if n["id"] != gone]
        self.edges = [e for e in self.edges if gone not in (e["source"], e["target"])]
        self.selected_id = ""

    def _set_field(self, field: str, value: str) -> None:
        if not self.can_edit or not self.selected_id:
            return
        self._snapshot()
        self.nodes = [{**n, field: value} if n["id"] == self.selected_id else n for n in self.nodes]

    def set_label(self, value: str):
        self._set_field("label", value)

    def set_target(self, value: str):
        self._set_field("target", value.strip())
        self._refresh_completion()

    def set_materialization(self, value: str):
        self._set_field("materialization", value)

    def set_unique_key(self, value: str):
        self._set_field("unique_key", value)

    def set_python(self, value: str):
        self._set_field("python", value)

    def set_odoo_model(self, value: str):
        self._set_field("odoo_model", value)

    def set_odoo_fields(self, value: str):
        self._set_field("odoo_fields", value)

    def set_odoo_domain(self, value: str):
        self._set_field("odoo_domain", value)

    def set_dbt_project(self, value: str):
        self._set_field("dbt_project", value)

    def set_dbt_command(self, value: str):
        self._set_field("dbt_command", value)

    def set_dbt_select(self, value: str):
        self._set_field("dbt_select", value)

    def set_sql(self, value: str):
        """The editor's text (it owns the text while typing; no revision bump)."""
        node = next((n for n in self.nodes if n["id"] == self.selected_id), None)
        if node is None or node["sql"] == value:
            return
        self._set_field("sql", value)

    def run_sql_shortcut(self, _text: str, _offset: int):
        """Mod-Enter in a node's editor validates the pipeline."""
        return PipelineEditorState.validate

    def set_description(self, value: str):
        self.description, self.dirty = value, True

    def set_domain(self, value: str):
        self.domain, self.dirty = value, True

    def set_webhooks(self, value: str):
        self.webhooks, self.dirty = value, True

    def auto_layout(self):
        """Left to right by depth in the graph; nodes of one column spread around the middle."""
        if not self.nodes:
            return
        self._snapshot()
        parents: dict[str, set[str]] = {n["id"]: set() for n in self.nodes}
        for edge in self.edges:
            if edge["target"] in parents and edge["source"] in parents:
                parents[edge["target"]].add(edge["source"])
        depth: dict[str, int] = {}
        for _ in range(len(self.nodes) + 1):
            for node_id, ps in parents.items():
                depth[node_id] = max((depth.get(p, 0) + 1 for p in ps), default=0)
        columns: dict[int, list[str]] = {}
        for node in self.nodes:
            columns.setdefault(min(depth[node["id"]], len(self.nodes)), []).append(node["id"])
        place: dict[str, tuple[float, float]] = {}
        for level, members in columns.items():
            for index, node_id in enumerate(members):
                place[node_id] = (level * X_STEP, (index - (len(members) - 1) / 2) * Y_STEP)
        self.nodes = [{**n, "x": place[n["id"]][0], "y": place[n["id"]][1]} for n in self.nodes]

    def _refresh_completion(self) -> None:
        """Warehouse tables plus the targets of the selected node's upstream nodes (with their columns once
        validated), for the SQL editor's completion."""
        tree = {schema: dict(tables) for schema, tables in self._warehouse.items()}
        parents = {e["source"] for e in self.edges if e["target"] == self.selected_id}
        for node in self.nodes:
            if node["id"] in parents and "." in node["target"]:
                schema_name, table = node["target"].split(".", 1)
                tree.setdefault(schema_name, {})[table] = self._outputs.get(node["id"], [])
        self.completion = tree

    # ---- checks and saving -------------------------------------------------------------------------

    def _spec(self) -> PipelineSpec:
        definition = parse_definition({"nodes": [_node_json(n) for n in self.nodes], "edges": self.edges})
        urls = tuple(u.strip() for u in self.webhooks.splitlines() if u.strip())
        return PipelineSpec(name=self.name, description=self.description, domain=self.domain,
                            schedule=self.schedule or None, timezone=self.timezone or "UTC", enabled=True,
                            webhook_urls=urls, definition=definition)

    def _show_report(self, report: guardian.Report) -> None:
        self.steps = [{"step": str(s.step), "name": s.name, "passed": "yes" if s.passed else "no",
                       "messages": "\n".join((f"{m.node}: " if m.node else "") + m.message for m in s.messages)}
                      for s in report.steps]
        failing: dict[str, str] = {}
        for step in report.steps:
            if step.passed:
                continue
            for m in step.messages:
                if m.node and m.node not in failing:
                    failing[m.node] = f"{step.step}. {m.message}"
        self.notes = {n["id"]: failing.get(n["id"], "all checks passed") for n in self.nodes}
        self.statuses = {n["id"]: "error" if n["id"] in failing else "ok" for n in self.nodes}
        self._outputs = {node_id: [c for c, _t in cols] for node_id, cols in report.outputs.items()}
        self.validated = report.ok
        self._refresh_completion()

    async def validate(self):
        """Guardian's eight steps on what is on the canvas now."""
        self.error, self.message = "", ""
        try:
            spec = self._spec()
        except InvalidInput as exc:
            self.error = str(exc)
            return
        user, _ = await acting_user(self)
        owner_role = user.role if user else None
        report = await self._call(guardian.validate, spec.definition, owner_role=owner_role, schedule=spec.schedule,
                                  timezone=spec.timezone, pipeline_name=spec.name)
        if report is FAILED:
            return
        self._show_report(report)
        self.message = "All eight checks passed." if report.ok else "Validation failed: see the steps below."

    async def save(self):
        """Store a new version (validated first; an invalid pipeline is saved as a disabled draft)."""
        self.error, self.message = "", ""
        try:
            spec = self._spec()
        except InvalidInput as exc:
            self.error = str(exc)
            return None
        user, client = await acting_user(self)
        applied = await self._call(store.apply, user, spec, client_address=client)
        if applied is FAILED:
            return None
        self._show_report(applied.report)
        was_new = self.is_new
        self._show(applied.pipeline)
        self.dirty, self._history = False, []
        self.message = (f"Saved version {applied.pipeline.version}." if applied.report.ok else
                        f"Saved version {applied.pipeline.version} as a disabled draft: validation failed.")
        await self.load_versions()
        if was_new:  # the address names the saved pipeline now (no reload: the message stays)
            address = json.dumps("/pipelines/editor?" + urlencode({"name": self.name}))
            return rx.call_script(f"window.history.replaceState(null, '', {address})")
        return None

    async def run_now(self):
        """Queue a run of the saved pipeline and link to its logs."""
        self.error, self.message = "", ""
        if self.dirty or self.is_new:
            self.error = "Save the pipeline before running it."
            return
        user, client = await acting_user(self)
        run = await self._call(runs.start, user, self.name, client_address=client)
        if run is FAILED:
            return
        self.last_run_href = f"/pipelines/runs/{run.id}"
        self.message = f"Run {run.id[:8]} queued."

    # ---- uploads (bronze ingestion) -------------------------------------------------------------------

    async def upload_file(self, files: list[rx.UploadFile]):
        """Keep an uploaded CSV/JSON/JSONL file and point the selected bronze node at it."""
        if not files or not self.selected_id:
            return
        user, client = await acting_user(self)
        upload = files[0]
        content = await upload.read()
        kept = await self._call(ingest.upload, user, upload.name or "upload", content, client_address=client)
        if kept is FAILED:
            return
        self._snapshot()
        self.nodes = [{**n, "upload_id": kept.id, "upload_format": kept.format} if n["id"] == self.selected_id else n
                      for n in self.nodes]
        self.message = f"{kept.filename} uploaded ({kept.size_bytes:,} bytes)."

    # ---- schedule modal -------------------------------------------------------------------------------

    def open_schedule(self):
        self.schedule_open, self.error = True, ""
        self.cron, self.cron_timezone = self.schedule or "0 2 * * *", self.timezone or "UTC"
        self._preview()

    def close_schedule(self):
        self.schedule_open = False

    def set_cron(self, value: str):
        self.cron = value
        self._preview()

    def set_cron_timezone(self, value: str):
        self.cron_timezone = value
        self._preview()

    def _preview(self) -> None:
        try:
            preview = schedules.preview(self.cron, self.cron_timezone)
        except InvalidInput as exc:
            self.cron_reading, self.cron_next = str(exc), []
            return
        self.cron_reading = preview.description
        self.cron_next = [f"{moment:%a %Y-%m-%d %H:%M %Z}" for moment in preview.next_runs]

    async def save_schedule(self):
        """Store the schedule (a saved pipeline) or keep it for the first Save (a new one)."""
        self.error = ""
        if self.is_new:
            self.schedule, self.timezone, self.schedule_open, self.dirty = self.cron, self.cron_timezone, False, True
            return
        user, client = await acting_user(self)
        saved = await self._call(store.set_schedule, user, self.name, self.cron, self.cron_timezone,
                                 client_address=client)
        if saved is FAILED:
            return
        self.schedule, self.timezone, self.version = saved.schedule or "", saved.timezone, saved.version
        self.schedule_open = False
        self.message = f"Scheduled: {self.cron_reading} ({self.cron_timezone})."
        await self.load_versions()

    # ---- versions -------------------------------------------------------------------------------------

    async def load_versions(self):
        """Every saved version, newest first."""
        if self.is_new:
            self.versions = []
            return
        user, _ = await acting_user(self)
        found = await self._call(store.versions, user, self.name)
        if found is not FAILED:
            self.versions = [{"version": str(v.version), "saved_at": f"{v.saved_at:%Y-%m-%d %H:%M}",
                              "saved_by": v.saved_by or "—"} for v in found]

    async def show_diff(self, version: str):
        """What changed from that version to the newest one."""
        user, _ = await acting_user(self)
        text = await self._call(store.diff, user, self.name, int(version), self.version)
        if text is not FAILED:
            self.version_diff = text or f"Version {version} is the same as version {self.version}."

    async def restore_version(self, version: str):
        """Save that version again as the newest one."""
        if self.dirty:
            self.error = "Save or undo your changes before restoring a version."
            return
        user, client = await acting_user(self)
        applied = await self._call(store.restore, user, self.name, int(version), client_address=client)
        if applied is FAILED:
            return
        self._show(applied.pipeline)
        self._show_report(applied.report)
        self.sql_revision += 1
        self.version_diff = ""
        self.message = f"Version {version} restored as version {applied.pipeline.version}."
        await self.load_versions()

    # ---- delete modal ---------------------------------------------------------------------------------

    async def open_delete(self):
        self.error = ""
        user, _ = await acting_user(self)
        impact = await self._call(store.impact, user, self.name)
        if impact is FAILED:
            return
        self.impact_tables = impact.downstream_tables + impact.downstream_columns
        self.impact_pipelines = impact.reading_pipelines
        self.delete_open = True

    def close_delete(self):
        self.delete_open = False

    async def confirm_delete(self):
        user, client = await acting_user(self)
        done = await self._call(store.delete, user, self.name, client_address=client)
        if done is FAILED:
            return None
        self.delete_open = False
        return rx.redirect("/pipelines")
