"""Reading a dbt project's artifacts (`manifest.json`, and when present `run_results.json` and
`catalog.json`) into what Workbench keeps of them, strictly, with errors that name the file and the
node. Nothing here touches the database.

Supported: manifest schemas v7 to v12 (dbt 1.3 to 1.11), run results v4 to v6, catalog v1 — dbt's
documented artifact schemas (https://schemas.getdbt.com/)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.core.errors import InvalidInput

MANIFEST_VERSIONS = range(7, 13)
RUN_RESULTS_VERSIONS = range(4, 7)
MAX_ARTIFACT_BYTES = 512 * 1024 * 1024
RELATION_TYPES = ("model", "seed", "snapshot", "source")
TEST_STATUSES = ("pass", "fail", "warn", "error", "skipped")
_SCHEMA_URL = re.compile(r"/dbt/(manifest|run-results|catalog)/v(\d+)\.json$")


@dataclass(frozen=True)
class Relation:
    """A model, seed, snapshot or source: the warehouse table it is (None when ephemeral) and its docs."""

    unique_id: str
    resource_type: str
    name: str
    database: str | None
    schema: str | None
    identifier: str | None  # alias or identifier; None for an ephemeral model
    description: str
    columns: dict[str, str]  # column name (lower case) → description, in the manifest's order
    owner: str | None
    depends_on: tuple[str, ...]
    compiled_code: str | None

    @property
    def qualified(self) -> str | None:
        """schema.table, lower case, or None when it has no relation."""
        if not self.schema or not self.identifier:
            return None
        return f"{self.schema}.{self.identifier}".lower()


@dataclass(frozen=True)
class Test:
    """A dbt data test: generic (its macro's name is its type) or singular."""

    unique_id: str
    name: str
    test_type: str
    attached_to: str | None  # the unique id of the model/seed/snapshot/source it tests
    column: str | None
    severity: str  # warn or error
    compiled_code: str | None
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Result:
    """One test's outcome in run_results.json."""

    unique_id: str
    status: str
    failures: int | None
    message: str
    execution_time: float | None


@dataclass(frozen=True)
class Artifacts:
    project: str
    dbt_version: str
    manifest_version: int
    relations: dict[str, Relation]
    tests: list[Test]
    invocation_id: str | None = None  # of run_results.json
    results: list[Result] = field(default_factory=list)
    generated_at: str | None = None
    catalog_columns: dict[str, list[str]] = field(default_factory=dict)  # unique id → columns (catalog.json)
    sha: str = ""

    def count(self, resource_type: str) -> int:
        """How many relations of one type the manifest holds."""
        return sum(1 for r in self.relations.values() if r.resource_type == resource_type)


def _load(content: bytes, filename: str) -> Any:
    if len(content) > MAX_ARTIFACT_BYTES:
        raise InvalidInput(f"{filename} is larger than {MAX_ARTIFACT_BYTES // 2**20} MB.")
    try:
        return json.loads(content)
    except UnicodeDecodeError:
        raise InvalidInput(f"{filename} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{filename} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") \
            from None


def _version(document: Any, filename: str, kind: str, supported: range) -> int:
    if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
        raise InvalidInput(f"{filename} is not a dbt {kind}: it has no metadata.")
    url = str(document["metadata"].get("dbt_schema_version") or "")
    found = _SCHEMA_URL.search(url)
    if not found or found.group(1) != kind:
        raise InvalidInput(f"{filename} is not a dbt {kind} (its dbt_schema_version is {url or 'missing'!r}).")
    version = int(found.group(2))
    if version not in supported:
        raise InvalidInput(f"{filename} uses the dbt {kind} schema v{version}; Workbench reads v{supported.start}"
                           f" to v{supported.stop - 1} (dbt 1.3 and later). Regenerate it with a newer dbt.")
    return version


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} must be an object.")
    return value


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _owner(node: dict[str, Any]) -> str | None:
    for meta in (_mapping(node.get("meta"), "meta"), _mapping(_mapping(node.get("config"), "config").get("meta"),
                                                                 "config.meta")):
        owner = meta.get("owner")
        if isinstance(owner, str) and owner.strip():
            return owner.strip().lower()
    return None


def _columns(node: dict[str, Any], where: str) -> dict[str, str]:
    columns = _mapping(node.get("columns"), f"{where}: columns")
    found: dict[str, str] = {}
    for key, column in columns.items():
        column = _mapping(column, f"{where}: column {key}")
        found[str(column.get("name") or key).lower()] = _text(column.get("description"))
    return found


def _compiled(node: dict[str, Any]) -> str | None:
    code = node.get("compiled_code", node.get("compiled_sql"))
    return code.strip() if isinstance(code, str) and code.strip() else None


def _relation(unique_id: str, node: dict[str, Any]) -> Relation:
    where = f"manifest.json: {unique_id}"
    resource_type = node["resource_type"]
    materialized = _mapping(node.get("config"), f"{where}: config").get("materialized")
    identifier = node.get("identifier") if resource_type == "source" else (node.get("alias") or node.get("name"))
    if materialized == "ephemeral":
        identifier = None
    depends = _mapping(node.get("depends_on"), f"{where}: depends_on").get("nodes") or []
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        raise InvalidInput(f"{where}: depends_on.nodes must be a list of unique ids.")
    return Relation(
        unique_id=unique_id, resource_type=resource_type, name=str(node.get("name") or unique_id),
        database=node.get("database") if isinstance(node.get("database"), str) else None,
        schema=node.get("schema") if isinstance(node.get("schema"), str) else None,
        identifier=identifier if isinstance(identifier, str) and identifier else None,
        description=_text(node.get("description")), columns=_columns(node, where), owner=_owner(node),
        depends_on=tuple(depends), compiled_code=_compiled(node))


def _test(unique_id: str, node: dict[str, Any], relations: dict[str, Relation]) -> Test:
    where = f"manifest.json: {unique_id}"
    metadata = _mapping(node.get("test_metadata"), f"{where}: test_metadata")
    depends = [d for d in _mapping(node.get("depends_on"), f"{where}: depends_on").get("nodes") or []
               if d in relations]
    attached = node.get("attached_node") if node.get("attached_node") in relations else None
    if attached is None and metadata:  # before dbt 1.5: the model its kwargs name, else the first dependency
        model = str(_mapping(metadata.get("kwargs"), f"{where}: kwargs").get("model") or "")
        attached = next((d for d in depends if re.search(rf"['\"]{re.escape(relations[d].name)}['\"]", model)),
                        None)
    if attached is None and depends:
        attached = depends[0]
    severity = str(_mapping(node.get("config"), f"{where}: config").get("severity") or "error").lower()
    column = node.get("column_name") or _mapping(metadata.get("kwargs"), f"{where}: kwargs").get("column_name")
    return Test(unique_id=unique_id, name=str(node.get("name") or unique_id),
                test_type=str(metadata.get("name") or "singular"), attached_to=attached,
                column=str(column).lower() if isinstance(column, str) and column else None,
                severity=severity if severity in ("warn", "error") else "error", compiled_code=_compiled(node),
                kwargs={k: v for k, v in _mapping(metadata.get("kwargs"), f"{where}: kwargs").items()
                        if k != "model"})


def parse_manifest(content: bytes) -> Artifacts:
    """manifest.json → the relations and tests it holds (InvalidInput when corrupt or unsupported)."""
    document = _load(content, "manifest.json")
    version = _version(document, "manifest.json", "manifest", MANIFEST_VERSIONS)
    metadata = document["metadata"]
    nodes = _mapping(document.get("nodes"), "manifest.json: nodes")
    sources = _mapping(document.get("sources"), "manifest.json: sources")
    relations: dict[str, Relation] = {}
    tests_raw: list[tuple[str, dict]] = []
    for unique_id, node in [*nodes.items(), *sources.items()]:
        if not isinstance(node, dict) or not isinstance(node.get("resource_type"), str):
            raise InvalidInput(f"manifest.json: {unique_id} has no resource_type.")
        if node["resource_type"] in RELATION_TYPES:
            relations[unique_id] = _relation(unique_id, node)
        elif node["resource_type"] == "test":
            tests_raw.append((unique_id, node))
    project = metadata.get("project_name") or next(
        (n.get("package_name") for n in nodes.values() if isinstance(n, dict) and n.get("package_name")), None)
    if not isinstance(project, str) or not project:
        raise InvalidInput("manifest.json names no project (metadata.project_name).")
    return Artifacts(project=project, dbt_version=str(metadata.get("dbt_version") or ""), manifest_version=version,
                     relations=relations, tests=[_test(u, n, relations) for u, n in tests_raw],
                     generated_at=metadata.get("generated_at"))


def parse_run_results(content: bytes) -> tuple[str | None, list[Result]]:
    """run_results.json → (invocation id, the test results in it)."""
    document = _load(content, "run_results.json")
    _version(document, "run_results.json", "run-results", RUN_RESULTS_VERSIONS)
    results = document.get("results")
    if not isinstance(results, list):
        raise InvalidInput("run_results.json: results must be a list.")
    found = []
    for index, item in enumerate(results):
        if not isinstance(item, dict) or not isinstance(item.get("unique_id"), str):
            raise InvalidInput(f"run_results.json: results[{index}] has no unique_id.")
        if not item["unique_id"].startswith("test."):
            continue
        status = str(item.get("status") or "").lower()
        if status not in TEST_STATUSES:
            raise InvalidInput(f"run_results.json: {item['unique_id']} has status {status!r}; tests have one of"
                               f" {', '.join(TEST_STATUSES)}.")
        failures = item.get("failures")
        found.append(Result(unique_id=item["unique_id"], status=status,
                            failures=failures if isinstance(failures, int) and not isinstance(failures, bool) else None,
                            message=_text(item.get("message")),
                            execution_time=item.get("execution_time") if isinstance(item.get("execution_time"),
                                                                                    int | float) else None))
    invocation = document["metadata"].get("invocation_id")
    return (invocation if isinstance(invocation, str) else None), found


def parse_catalog(content: bytes) -> dict[str, list[str]]:
    """catalog.json → {unique id: column names as the warehouse has them}."""
    document = _load(content, "catalog.json")
    _version(document, "catalog.json", "catalog", range(1, 2))
    columns: dict[str, list[str]] = {}
    for section in ("nodes", "sources"):
        for unique_id, entry in _mapping(document.get(section), f"catalog.json: {section}").items():
            entry = _mapping(entry, f"catalog.json: {unique_id}")
            names = _mapping(entry.get("columns"), f"catalog.json: {unique_id}: columns")
            ordered = sorted(names.values(), key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0)
            columns[unique_id] = [str(c.get("name")).lower() for c in ordered if isinstance(c, dict) and c.get("name")]
    return columns


def read(manifest: bytes, run_results: bytes | None = None, catalog: bytes | None = None) -> Artifacts:
    """All three files' content (the last two optional) → Artifacts."""
    parsed = parse_manifest(manifest)
    invocation, results = parse_run_results(run_results) if run_results else (None, [])
    digest = hashlib.sha256()
    for part in (manifest, run_results or b"", catalog or b""):
        digest.update(hashlib.sha256(part).digest())
    return Artifacts(**{**parsed.__dict__, "invocation_id": invocation, "results": results,
                        "catalog_columns": parse_catalog(catalog) if catalog else {}, "sha": digest.hexdigest()})


def find_target(path: Path) -> Path:
    """The folder holding manifest.json: `path` itself, or its `target/` (a project folder)."""
    for folder in (path, path / "target"):
        if (folder / "manifest.json").is_file():
            return folder
    if path.is_file() and path.name == "manifest.json":
        return path.parent
    raise InvalidInput(f"No manifest.json in {path} or {path / 'target'}; run `dbt parse`, `dbt compile` or"
                       " `dbt build` there first.")


def read_folder(path: Path) -> Artifacts:
    """A project folder, its target folder or a manifest.json path → Artifacts (run results and catalog when
    they sit beside the manifest)."""
    folder = find_target(path)

    def optional(name: str) -> bytes | None:
        file = folder / name
        return file.read_bytes() if file.is_file() else None

    return read((folder / "manifest.json").read_bytes(), optional("run_results.json"), optional("catalog.json"))
