"""A pipeline as a person writes it: the PRD §4 React Flow shape, read strictly with clear errors.

`parse_spec` reads a whole pipeline file (`workbench pipeline apply`, the API, the editor's Save);
`parse_definition` reads just `{"nodes": [...], "edges": [...]}`. Shape problems (a missing field,
an unknown node type, a 5 MB SQL string) are InvalidInput here; graph problems (cycles, edges to
nowhere, SQL that does not parse) are for Guardian, which names the node."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from services.core.errors import InvalidInput
from services.integrations import odoo_pull

NODE_TYPES = ("bronze", "silver", "gold", "custom")
MATERIALIZATIONS = ("table", "view", "incremental")
UPLOAD_FORMATS = ("csv", "json", "jsonl")
DBT_COMMANDS = ("build", "run", "test", "seed")
MAX_NODES = 200
MAX_SQL_CHARS = 200_000
MAX_PYTHON_CHARS = 200_000
MAX_TEXT_CHARS = 2_000
MAX_WEBHOOKS = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,99}$")
_NODE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


@dataclass(frozen=True)
class Node:
    """One node. `kind` says how it runs: a SQL model, a file ingestion or a Python snippet."""

    id: str
    type: str
    label: str
    sql: str = ""
    target: str = ""
    materialization: str = "table"
    unique_key: tuple[str, ...] = ()
    upload_id: str | None = None
    upload_format: str | None = None
    python: str = ""
    odoo_model: str | None = None  # a bronze node fed by an Odoo pull of this model
    odoo_fields: tuple[str, ...] | None = None
    odoo_domain: tuple = ()
    dbt_project: str | None = None  # a node running dbt on this project (under WORKBENCH_DBT_PROJECTS_DIR)
    dbt_command: str = "build"
    dbt_select: str = ""
    quality_gate: bool = False
    x: float = 0.0
    y: float = 0.0

    @property
    def kind(self) -> str:
        """"python" for custom nodes, "ingest" for bronze nodes fed by an upload, "odoo" for bronze nodes fed
        by an Odoo pull, "dbt" for nodes running a dbt project, else "sql"."""
        if self.dbt_project:
            return "dbt"
        if self.type == "custom":
            return "python"
        if self.upload_id:
            return "ingest"
        if self.odoo_model:
            return "odoo"
        return "sql"

    def to_json(self) -> dict[str, Any]:
        """The React Flow shape, as stored and exported."""
        data: dict[str, Any] = {"label": self.label, "target": self.target,
                                "materialization": self.materialization}
        if self.kind == "sql":
            data["sql"] = self.sql
        if self.unique_key:
            data["unique_key"] = list(self.unique_key)
        if self.kind == "ingest":
            data["source"] = {"upload_id": self.upload_id, "format": self.upload_format}
        if self.kind == "odoo":
            data["source"] = {"odoo_model": self.odoo_model, "domain": list(self.odoo_domain),
                              **({"fields": list(self.odoo_fields)} if self.odoo_fields is not None else {})}
        if self.kind == "python":
            data["python"] = self.python
        if self.kind == "dbt":
            data["dbt"] = {"project": self.dbt_project, "command": self.dbt_command, "select": self.dbt_select}
            data.pop("materialization")
        if self.quality_gate:
            data["quality_gate"] = True
        return {"id": self.id, "type": self.type, "data": data, "position": {"x": self.x, "y": self.y}}


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    target: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "source": self.source, "target": self.target}


@dataclass(frozen=True)
class Definition:
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"nodes": [n.to_json() for n in self.nodes], "edges": [e.to_json() for e in self.edges]}

    def node(self, node_id: str) -> Node | None:
        """The node with this id, if any."""
        return next((n for n in self.nodes if n.id == node_id), None)


@dataclass(frozen=True)
class PipelineSpec:
    """Everything a pipeline file holds."""

    name: str
    description: str = ""
    domain: str = ""
    schedule: str | None = None
    timezone: str = "UTC"
    enabled: bool = True
    webhook_urls: tuple[str, ...] = ()
    definition: Definition = field(default_factory=Definition)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "domain": self.domain,
                "schedule": self.schedule, "timezone": self.timezone, "enabled": self.enabled,
                "webhook_urls": list(self.webhook_urls), "definition": self.definition.to_json()}


def _text(value: Any, where: str, *, limit: int = MAX_TEXT_CHARS, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{where} must be a string.")
    if "\x00" in value:
        raise InvalidInput(f"{where} contains a NUL character.")
    if len(value) > limit:
        raise InvalidInput(f"{where} is {len(value):,} characters long; the limit is {limit:,}.")
    if required and not value.strip():
        raise InvalidInput(f"{where} is required.")
    return value


def _number(value: Any, where: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where} must be a number.")
    return float(value)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} must be a JSON object.")
    return value


def _odoo_source(source: dict, where: str, node_type: str) -> tuple[str, list[str] | None, list]:
    """data.source of an Odoo ingestion node: {"odoo_model", "fields"?, "domain"?}."""
    if node_type != "bronze":
        raise InvalidInput(f"{where}: only bronze nodes pull from Odoo.")
    model, fields = source.get("odoo_model"), source.get("fields")
    if not isinstance(model, str) or not odoo_pull.MODEL.match(model):
        raise InvalidInput(f"{where}: data.source.odoo_model names an Odoo model, like hr.expense.")
    if fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
        raise InvalidInput(f"{where}: data.source.fields is a list of Odoo field names.")
    try:
        domain = odoo_pull.parse_domain(source.get("domain") or [])
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    return model, fields, domain


def _dbt(value: Any, where: str, node_type: str) -> tuple[str, str, str]:
    """data.dbt of a dbt node: {"project", "command"?, "select"?}."""
    dbt = _object(value, f"{where}: data.dbt")
    if node_type == "custom":
        raise InvalidInput(f"{where}: a dbt node is a bronze, silver or gold node, not a custom one.")
    project = _text(dbt.get("project"), f"{where}: data.dbt.project", limit=500, required=True).strip()
    command = dbt.get("command") or "build"
    if command not in DBT_COMMANDS:
        raise InvalidInput(f"{where}: data.dbt.command is one of {', '.join(DBT_COMMANDS)}, not {command!r}.")
    return project, command, _text(dbt.get("select"), f"{where}: data.dbt.select", limit=1000).strip()


def _node(raw: Any, index: int) -> Node:
    raw = _object(raw, f"nodes[{index}]")
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not _NODE_ID.match(node_id):
        raise InvalidInput(f"nodes[{index}].id must be 1–64 letters, digits, '_' or '-'.")
    where = f"node {node_id}"
    node_type = raw.get("type")
    if node_type not in NODE_TYPES:
        raise InvalidInput(f"{where}: unknown node type {node_type!r}; use one of {', '.join(NODE_TYPES)}.")
    data = _object(raw.get("data", {}), f"{where}: data")
    materialization = data.get("materialization") or "table"
    if materialization not in MATERIALIZATIONS:
        raise InvalidInput(f"{where}: materialization {materialization!r} is not one of "
                           f"{', '.join(MATERIALIZATIONS)}.")
    unique_key = data.get("unique_key") or []
    if isinstance(unique_key, str):
        unique_key = [part.strip() for part in unique_key.split(",") if part.strip()]
    if not isinstance(unique_key, list) or not all(isinstance(k, str) and k for k in unique_key):
        raise InvalidInput(f"{where}: unique_key must be a list of column names.")
    source = data.get("source")
    upload_id = upload_format = odoo_model = odoo_fields = None
    odoo_domain: list = []
    if source is not None and "odoo_model" in _object(source, f"{where}: data.source"):
        odoo_model, odoo_fields, odoo_domain = _odoo_source(source, where, node_type)
    elif source is not None:
        source = _object(source, f"{where}: data.source")
        upload_id, upload_format = source.get("upload_id"), source.get("format")
        if not isinstance(upload_id, str) or not upload_id:
            raise InvalidInput(f"{where}: data.source.upload_id names the uploaded file to ingest.")
        if upload_format not in UPLOAD_FORMATS:
            raise InvalidInput(f"{where}: data.source.format must be one of {', '.join(UPLOAD_FORMATS)}.")
        if node_type != "bronze":
            raise InvalidInput(f"{where}: only bronze nodes ingest uploaded files.")
    dbt_project, dbt_command, dbt_select = _dbt(data["dbt"], where, node_type) if data.get("dbt") is not None \
        else (None, "build", "")
    if dbt_project and (source is not None or data.get("sql") or data.get("python")):
        raise InvalidInput(f"{where}: a dbt node runs its project; it has no SQL, Python or source of its own.")
    quality_gate = data.get("quality_gate", False)
    if not isinstance(quality_gate, bool):
        raise InvalidInput(f"{where}: quality_gate is true or false.")
    if dbt_project and (quality_gate or (data.get("target") or "").strip()):
        raise InvalidInput(f"{where}: a dbt node writes the tables its project's models name and runs their tests;"
                           " it has no target or quality gate of its own.")
    if quality_gate and materialization == "view":
        raise InvalidInput(f"{where}: a quality gate tests a table; a view node cannot be one.")
    position = raw.get("position") or {}
    position = _object(position, f"{where}: position")
    return Node(
        id=node_id, type=node_type,
        label=_text(data.get("label") or node_id, f"{where}: label", limit=200),
        sql=_text(data.get("sql"), f"{where}: SQL", limit=MAX_SQL_CHARS),
        target=_text(data.get("target"), f"{where}: target", limit=200).strip(),
        materialization=materialization, unique_key=tuple(unique_key),
        upload_id=upload_id, upload_format=upload_format, odoo_model=odoo_model,
        odoo_fields=tuple(odoo_fields) if odoo_fields is not None else None, odoo_domain=tuple(odoo_domain),
        python=_text(data.get("python"), f"{where}: Python", limit=MAX_PYTHON_CHARS), quality_gate=quality_gate,
        dbt_project=dbt_project, dbt_command=dbt_command, dbt_select=dbt_select,
        x=_number(position.get("x"), f"{where}: position.x"), y=_number(position.get("y"), f"{where}: position.y"))


def _edge(raw: Any, index: int) -> Edge:
    raw = _object(raw, f"edges[{index}]")
    values = []
    for key in ("source", "target"):
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            raise InvalidInput(f"edges[{index}].{key} must name a node id.")
        values.append(value)
    edge_id = raw.get("id") or f"{values[0]}->{values[1]}"
    return Edge(id=_text(edge_id, f"edges[{index}].id", limit=200), source=values[0], target=values[1])


def parse_definition(raw: Any) -> Definition:
    """`{"nodes": [...], "edges": [...]}` → Definition, or InvalidInput naming what is wrong."""
    raw = _object(raw, "definition")
    nodes, edges = raw.get("nodes", []), raw.get("edges", [])
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise InvalidInput("definition.nodes and definition.edges must be lists.")
    if len(nodes) > MAX_NODES:
        raise InvalidInput(f"A pipeline holds at most {MAX_NODES} nodes; this one has {len(nodes)}.")
    if len(edges) > MAX_NODES * 4:
        raise InvalidInput(f"A pipeline holds at most {MAX_NODES * 4} edges.")
    return Definition(nodes=tuple(_node(n, i) for i, n in enumerate(nodes)),
                      edges=tuple(_edge(e, i) for i, e in enumerate(edges)))


def check_name(name: Any) -> str:
    """A pipeline name: 1–100 letters, digits, spaces, '_', '.', '-', starting with a letter or digit."""
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise InvalidInput("A pipeline name is 1–100 letters, digits, spaces, '_', '.' or '-', starting with a"
                           " letter or digit.")
    return name.strip()


def _webhooks(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) > MAX_WEBHOOKS:
        raise InvalidInput(f"webhook_urls must be a list of at most {MAX_WEBHOOKS} URLs.")
    urls = []
    for url in value:
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url) or len(url) > 2000:
            raise InvalidInput(f"{url!r} is not an http(s) URL.")
        urls.append(url)
    return tuple(urls)


def parse_spec(raw: Any) -> PipelineSpec:
    """A pipeline file's JSON object → PipelineSpec (schedule and timezone are checked by Guardian)."""
    raw = _object(raw, "The pipeline file")
    if "definition" not in raw:
        raise InvalidInput('The pipeline file needs a "definition" with "nodes" and "edges".')
    schedule = raw.get("schedule")
    if schedule is not None and not isinstance(schedule, str):
        raise InvalidInput("schedule must be a cron expression string or null.")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidInput("enabled must be true or false.")
    return PipelineSpec(
        name=check_name(raw.get("name")),
        description=_text(raw.get("description"), "description"),
        domain=_text(raw.get("domain"), "domain", limit=100).strip(),
        schedule=(schedule or "").strip() or None,
        timezone=_text(raw.get("timezone") or "UTC", "timezone", limit=64).strip(),
        enabled=enabled,
        webhook_urls=_webhooks(raw.get("webhook_urls", raw.get("n8n_webhook_url"))),
        definition=parse_definition(raw["definition"]))


def parse_spec_text(text: str) -> PipelineSpec:
    """A pipeline file's text → PipelineSpec; malformed JSON says where."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"The pipeline file is not valid JSON: {exc.msg} (line {exc.lineno}, column "
                           f"{exc.colno}).", position=exc.pos) from exc
    return parse_spec(raw)
