"""Importing a dbt project's artifacts into the catalog (dbt descriptions and owners), lineage (table edges
from `depends_on`, column edges from the compiled SQL; origin 'dbt') and data quality (dbt's tests and their
run results). One transaction: a failure leaves everything as it was. Idempotent: what is already so is
not written again, and what left the manifest is removed.

Entry points: `import_folder` (CLI, the page's server folder), `import_files` (the page's upload), both
for engineers and admins (catalog editors who may edit lineage); `apply` for a pipeline's dbt node, which
imports after the run its owner was allowed to start."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.catalog import dbt_docs
from services.catalog import sync as catalog_sync
from services.core import db
from services.core.config import settings
from services.core.errors import Conflict, InvalidInput, NotFound
from services.identity import audit
from services.identity.rbac import Permission, authorize, authorize_catalog_edit
from services.integrations.dbt import artifacts as dbt_artifacts
from services.integrations.dbt.artifacts import Artifacts, Relation
from services.lineage import store as lineage_store
from services.lineage.extract import extract_lineage
from services.quality import dbt_tests

log = logging.getLogger("workbench.dbt")
ORIGIN = "dbt"
MAX_LOG_LINES = 40
_LOG_STAMP = re.compile(r"^\d\d:\d\d:\d\d  ")
_LOG_BLOCK = re.compile(r"^(?:Failure|Warning|Error) in test (\S+)")


@dataclass
class ImportReport:
    """What the project holds now in Workbench (the CLI's --json keys first), and what this import wrote."""

    models: int = 0
    seeds: int = 0
    snapshots: int = 0
    sources: int = 0
    columns_described: int = 0
    table_edges: int = 0
    column_edges: int = 0
    tests: int = 0
    results: int = 0
    project: str = ""
    dbt_version: str = ""
    written: int = 0  # rows this import changed; 0 for a repeat of the same artifacts
    unmatched: list[str] = field(default_factory=list)  # relations the warehouse does not have


def _warehouse_ids(conn: psycopg.Connection) -> tuple[dict[str, str], dict[str, list[str]], str]:
    """('schema.table' → table id, {'schema.table': columns}, the database's name)."""
    ids: dict[str, str] = {}
    columns: dict[str, list[str]] = {}
    for table_id, qualified, names in conn.execute(
            "SELECT t.id::text, lower(t.schema_name || '.' || t.table_name),"
            " array_agg(lower(m.column_name) ORDER BY m.ordinal_position) FILTER (WHERE m.column_name IS NOT NULL)"
            " FROM ip_workbench.tables t LEFT JOIN ip_workbench.table_metadata m ON m.table_id = t.id"
            " GROUP BY t.id").fetchall():
        ids[qualified] = table_id
        columns[qualified] = names or []
    return ids, columns, conn.execute("SELECT current_database()").fetchone()[0]


def _matched(relation: Relation, ids: dict[str, str], database: str) -> str | None:
    if relation.qualified is None or (relation.database and relation.database.lower() != database.lower()):
        return None
    return ids.get(relation.qualified)


def _sync_if_missing(found: Artifacts) -> None:
    """Catalog the warehouse first when the manifest names tables the catalog has not seen yet."""
    with db.connection() as conn:
        ids, _columns, database = _warehouse_ids(conn)
    missing = [r for r in found.relations.values() if r.qualified and _matched(r, ids, database) is None]
    if not missing:
        return
    try:
        catalog_sync.sync(trigger="dbt", actor_label=f"dbt import of {found.project}", embed=False)
    except Conflict:
        log.info("a catalog sync is running; tables it has not reached stay unmatched")


def _upstream_tables(unique_id: str, found: Artifacts, ids: dict[str, str], database: str,
                     seen: set[str] | None = None) -> set[str]:
    """Catalog ids a node reads: its dependencies' tables, through ephemeral models to what they read."""
    seen = seen if seen is not None else set()
    tables: set[str] = set()
    for dependency in found.relations[unique_id].depends_on:
        relation = found.relations.get(dependency)
        if relation is None or dependency in seen:
            continue
        seen.add(dependency)
        if relation.qualified is None:
            tables |= _upstream_tables(dependency, found, ids, database, seen)
        elif (table_id := _matched(relation, ids, database)) is not None:
            tables.add(table_id)
    return tables


def _stored_lineage(conn: psycopg.Connection, project: str) -> dict[str, tuple[set[tuple[str, str]], set[str], int]]:
    """origin_key → (table edges, SQL texts, column edges) of the project's dbt edges now."""
    stored: dict[str, tuple[set[tuple[str, str]], set[str], int]] = {}
    for key, source, target, sql, columns in conn.execute(
            "SELECT l.origin_key, l.source_table_id::text, l.target_table_id::text, l.transformation_sql,"
            " (SELECT count(*) FROM ip_workbench.column_lineage c WHERE c.lineage_id = l.id)"
            " FROM ip_workbench.lineage l WHERE l.origin = 'dbt' AND l.origin_key LIKE %s",
            (_key_prefix(project).replace("_", "\\_") + "%",)).fetchall():
        edges, texts, count = stored.get(key, (set(), set(), 0))
        edges.add((source, target))
        texts.add(sql)
        stored[key] = (edges, texts, count + columns)
    return stored


def _key_prefix(project: str) -> str:
    return f"dbt:{project}:"


def _column_pairs(relation: Relation, target_id: str, upstream: set[str], ids: dict[str, str],
                  columns_of: dict[str, tuple[str, list[str]]], database: str
                  ) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """{(source id, target id): column pairs} from the compiled SQL, limited to the node's dependencies."""
    pairs: dict[tuple[str, str], set[tuple[str, str]]] = {(source, target_id): set() for source in upstream}
    if not relation.compiled_code:
        return pairs
    schema: dict[str, list[str]] = {}
    for source in upstream:  # only what the SQL may read: the extractor copies the schema it is given
        qualified, names = columns_of[source]
        schema[qualified] = schema[f"{database.lower()}.{qualified}"] = names
    quoted = f'"{relation.schema}"."{relation.identifier}"'
    try:
        found = extract_lineage(f"CREATE TABLE {quoted} AS {relation.compiled_code}", schema=schema)
    except InvalidInput as exc:
        log.info("no column lineage for %s: %s", relation.unique_id, exc)
        return pairs
    for source_table, source_column, _target_table, target_column in found.columns:
        source_id = lineage_store.resolve(source_table, ids)
        if source_id in upstream and source_column != "*" and target_column != "*":
            pairs[(source_id, target_id)].add((source_column, target_column))
    return pairs


def _lineage(conn: psycopg.Connection, found: Artifacts, ids: dict[str, str], columns: dict[str, list[str]],
             database: str, report: ImportReport) -> None:
    """Table edges from depends_on, column edges from compiled SQL; unchanged nodes are not re-read."""
    stored = _stored_lineage(conn, found.project)
    columns_of = {table_id: (qualified, columns.get(qualified, [])) for qualified, table_id in ids.items()}
    for relation in found.relations.values():  # catalog.json's columns where the warehouse has none listed
        table_id = _matched(relation, ids, database)
        if table_id and not columns_of[table_id][1] and relation.unique_id in found.catalog_columns:
            columns_of[table_id] = (columns_of[table_id][0], found.catalog_columns[relation.unique_id])
    keys: list[str] = []
    new_edges: list[tuple[str, str, str, str, set[tuple[str, str]]]] = []
    for relation in found.relations.values():
        target_id = _matched(relation, ids, database)
        if target_id is None or not relation.depends_on:
            continue
        upstream = _upstream_tables(relation.unique_id, found, ids, database) - {target_id}
        if not upstream:
            continue
        key = _key_prefix(found.project) + relation.unique_id
        keys.append(key)
        sql = relation.compiled_code or f"-- {relation.unique_id}: depends on {', '.join(relation.depends_on)}"
        before = stored.get(key)
        if before and before[0] == {(s, target_id) for s in upstream} and before[1] == {sql}:
            report.table_edges += len(before[0])
            report.column_edges += before[2]
            continue
        pairs = _column_pairs(relation, target_id, upstream, ids, columns_of, database)
        if before is None:  # new: inserted with the others below
            new_edges += [(key, source, target, sql, columns) for (source, target), columns in pairs.items()]
            continue
        recorded = lineage_store.record_edges(conn, pairs, origin=ORIGIN, origin_key=key,
                                              sql_for=lambda _t, text=sql: text)
        report.table_edges += recorded.table_edges
        report.column_edges += recorded.column_edges
        report.written += recorded.table_edges + recorded.column_edges if recorded.written else 0
    added = lineage_store.add_edges(conn, ORIGIN, new_edges)
    report.table_edges += len(new_edges)
    report.column_edges += added
    report.written += len(new_edges) + added
    report.written += lineage_store.forget_origin_keys(conn, ORIGIN, _key_prefix(found.project), keys)


def _owners(conn: psycopg.Connection, found: Artifacts) -> dict[str, str]:
    emails = sorted({r.owner for r in found.relations.values() if r.owner})
    return {email: user_id for email, user_id in conn.execute(
        "SELECT lower(email), id::text FROM ip_workbench.users WHERE lower(email) = ANY(%s) AND is_active",
        (emails,)).fetchall()} if emails else {}


def log_lines_per_test(found: Artifacts, log: list[str]) -> dict[str, list[str]]:
    """The lines of a dbt run's log about each test: its progress lines and, for a failure, warning or error,
    the block dbt prints at the end (its message and where the compiled SQL was)."""
    by_name = {t.name: t.unique_id for t in found.tests}
    lines: dict[str, list[str]] = {}
    block: str | None = None
    for line in log:
        body = _LOG_STAMP.sub("", line, count=1)
        head = _LOG_BLOCK.match(body)
        if head and head.group(1) in by_name:
            block = by_name[head.group(1)]
        elif block is not None and body.strip() and not body.startswith("  "):
            block = None
        if block is not None:
            lines.setdefault(block, []).append(line)
            continue
        named = next((by_name[word] for word in body.split() if word in by_name), None)
        if named is not None:
            lines.setdefault(named, []).append(line)
    return {unique_id: found_lines[:MAX_LOG_LINES] for unique_id, found_lines in lines.items()}


def apply(found: Artifacts, *, imported_by: str | None, label: str, path: str | None = None,
          log: list[str] | None = None) -> ImportReport:
    """Write the artifacts into catalog, lineage and quality (no permission check: callers check theirs).
    `log`: the dbt run's log, whose lines about each test go onto its result."""
    _sync_if_missing(found)
    report = ImportReport(models=found.count("model"), seeds=found.count("seed"), snapshots=found.count("snapshot"),
                          sources=found.count("source"), project=found.project, dbt_version=found.dbt_version)
    with db.connection() as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('dbt-import'), hashtext(%s))", (found.project,))
        ids, columns, database = _warehouse_ids(conn)
        owners = _owners(conn, found)
        docs, tables_of = [], {}
        for relation in found.relations.values():
            table_id = _matched(relation, ids, database)
            if table_id is None:
                if relation.qualified:
                    report.unmatched.append(f"{relation.unique_id} ({relation.qualified})")
                continue
            tables_of[relation.unique_id] = table_id
            docs.append(dbt_docs.TableDocs(table_id, relation.unique_id, relation.description, relation.columns,
                                           owners.get(relation.owner or "")))
        applied = dbt_docs.apply(conn, found.project, docs)
        report.columns_described = applied.columns_described
        report.written += applied.written
        _lineage(conn, found, ids, columns, database, report)
        tests = [dbt_tests.DbtTest(t.unique_id, tables_of[t.attached_to], t.name, t.test_type, t.column, t.severity,
                                   t.compiled_code, t.kwargs)
                 for t in found.tests if t.attached_to in tables_of]
        report.written += dbt_tests.apply_tests(conn, found.project, tests)
        report.tests = len(tests)
        if found.invocation_id and found.results:
            lines = log_lines_per_test(found, log or [])
            results = [dbt_tests.DbtResult(r.unique_id, r.status, r.failures, r.message, r.execution_time,
                                           lines.get(r.unique_id, []))
                       for r in found.results]
            report.results, written = dbt_tests.record_results(conn, found.project, found.invocation_id, results,
                                                               label=label)
            report.written += written
        if report.written:
            _remember(conn, found, report, imported_by, path)
    if report.written:
        with db.connection() as conn:
            lineage_store.mirror_if_configured(conn)
    return report


def _remember(conn: psycopg.Connection, found: Artifacts, report: ImportReport, imported_by: str | None,
              path: str | None) -> None:
    counts = {k: getattr(report, k) for k in ("models", "seeds", "snapshots", "sources", "columns_described",
                                              "table_edges", "column_edges", "tests", "results")}
    conn.execute(
        "INSERT INTO ip_workbench.dbt_projects (name, path, dbt_version, artifacts_sha, invocation_id, counts,"
        " imported_by) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET"
        " path = coalesce(excluded.path, ip_workbench.dbt_projects.path), dbt_version = excluded.dbt_version,"
        " artifacts_sha = excluded.artifacts_sha, invocation_id = excluded.invocation_id, counts = excluded.counts,"
        " imported_by = excluded.imported_by, imported_at = now()",
        (found.project, path, found.dbt_version, found.sha, found.invocation_id, Jsonb(counts), imported_by))


def _authorize(actor: Any, client_address: str | None) -> None:
    authorize_catalog_edit(actor, client_address=client_address)
    authorize(actor, Permission.EDIT_LINEAGE, client_address=client_address)


def project_path(name: str) -> Path:
    """A project folder named relative to WORKBENCH_DBT_PROJECTS_DIR (or absolute inside it); InvalidInput
    for anything outside it."""
    root = settings().dbt_projects_dir
    if not name or not name.strip():
        raise InvalidInput("Name a dbt project folder.")
    path = (root / name.strip()).resolve()
    if path != root and root not in path.parents:
        raise InvalidInput(f"dbt projects live under {root}; {name!r} is outside it.")
    if not path.is_dir():
        raise NotFound(f"No folder {path}.")
    return path


def kept_artifacts(project: Path) -> Path:
    """Where a pipeline's dbt node keeps the artifacts of its project's last run (WORKBENCH_HOME/dbt-artifacts/
    <the project's folder under WORKBENCH_DBT_PROJECTS_DIR>)."""
    root = settings().dbt_projects_dir
    name = str(project.relative_to(root)) if root in project.parents else project.name
    return settings().home / "dbt-artifacts" / name.replace("/", "__")


def import_folder(actor: Any, path: str | Path, *, within_projects_dir: bool = False,
                  client_address: str | None = None) -> ImportReport:
    """Import from a project folder (its target/), a target folder or a manifest.json path. The page names
    folders inside WORKBENCH_DBT_PROJECTS_DIR only (`within_projects_dir`); the CLI, run on the server,
    any path."""
    _authorize(actor, client_address)
    folder = project_path(str(path)) if within_projects_dir else Path(path).expanduser().resolve()
    if not folder.exists():
        raise NotFound(f"No such file or folder: {folder}.")
    found = dbt_artifacts.read_folder(folder)
    report = apply(found, imported_by=getattr(actor, "id", None), label=f"dbt import by {actor.email}",
                   path=str(folder))
    _audit(actor, report, client_address)
    return report


def import_files(actor: Any, manifest: bytes, run_results: bytes | None = None, catalog: bytes | None = None,
                 *, client_address: str | None = None) -> ImportReport:
    """Import uploaded artifacts (the page)."""
    _authorize(actor, client_address)
    found = dbt_artifacts.read(manifest, run_results, catalog)
    report = apply(found, imported_by=getattr(actor, "id", None), label=f"dbt import by {actor.email}")
    _audit(actor, report, client_address)
    return report


def _audit(actor: Any, report: ImportReport, client_address: str | None) -> None:
    if report.written:
        audit.record(action="dbt_imported", actor=actor, target=report.project, client_address=client_address,
                     details={"written": report.written, "models": report.models, "tests": report.tests,
                              "results": report.results, "unmatched": len(report.unmatched)})


@dataclass(frozen=True)
class ProjectRow:
    name: str
    path: str | None
    dbt_version: str
    counts: dict[str, int]
    imported_at: Any
    imported_by: str | None


def projects(actor: Any) -> list[ProjectRow]:
    """Imported dbt projects, newest import first (view_catalog)."""
    authorize(actor, Permission.VIEW_CATALOG)
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT p.name, p.path, coalesce(p.dbt_version, ''), p.counts, p.imported_at, u.email"
            " FROM ip_workbench.dbt_projects p LEFT JOIN ip_workbench.users u ON u.id = p.imported_by"
            " ORDER BY p.imported_at DESC").fetchall()
    return [ProjectRow(*row) for row in rows]
