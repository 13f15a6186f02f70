"""Guardian: the eight checks a pipeline passes on Validate, on save and before every run.

Each step reports pass or fail with messages naming the node (and the SQL position where there is one).
A node that fails a step is not checked by the steps that need that step's result; those report it as
"not checked", so every fault is reported once, by the step that catches it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import sqlglot
from pglast.parser import ParseError as PgParseError
from pglast.parser import parse_sql_json
from psycopg import sql as pgsql
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.qualify import qualify

from services.core import db
from services.core.cron import check_cron, check_timezone
from services.core.errors import InvalidInput, NotFound, PermissionDenied, QueryFailed
from services.core.warehouse import LAYERS
from services.identity.rbac import Permission, is_allowed
from services.integrations.dbt import importer as dbt_importer
from services.integrations.dbt import run as dbt_run
from services.pipelines.definition import Definition
from services.sql import policy
from services.sql import roles as query_roles
from services.sql.completion import live_columns

STEP_NAMES = {
    1: "Structure", 2: "SQL parses", 3: "Read-only queries", 4: "Tables exist", 5: "Columns resolve",
    6: "Medallion rules", 7: "Dry run", 8: "Permissions and schedule",
}
# The layers each node type may write.
WRITABLE_LAYERS = {"bronze": ("bronze",), "silver": ("silver",), "gold": ("gold", "platinum"), "custom": LAYERS}
# Columns of a bronze table fed by an uploaded file.
INGEST_COLUMNS = (("record_id", "bigint"), ("source_file", "text"), ("loaded_at", "timestamp with time zone"),
                  ("payload", "jsonb"))
ODOO_COLUMNS = (("event_id", "bigint"), ("received_at", "timestamp with time zone"), ("payload", "jsonb"))
DRY_RUN_TIMEOUT = "10s"


@dataclass(frozen=True)
class Message:
    node: str | None
    message: str
    position: int | None = None


@dataclass
class StepResult:
    step: int
    name: str
    passed: bool = True
    messages: list[Message] = field(default_factory=list)

    def fail(self, node: str | None, message: str, position: int | None = None) -> None:
        self.passed = False
        self.messages.append(Message(node, message, position))


@dataclass
class Report:
    """The eight steps' results, plus what later code needs: run order and each node's output columns."""

    steps: list[StepResult]
    order: list[str] = field(default_factory=list)
    reads: dict[str, set[str]] = field(default_factory=dict)
    outputs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(step.passed for step in self.steps)

    def summary(self) -> str:
        """One line per failing message, for logs and errors."""
        return "; ".join(f"step {s.step} ({s.name}): " + (f"{m.node}: " if m.node else "") + m.message
                         for s in self.steps for m in s.messages if not s.passed) or "all eight steps passed"


@dataclass
class _Context:
    definition: Definition
    steps: dict[int, StepResult]
    parents: dict[str, set[str]] = field(default_factory=dict)
    ancestors: dict[str, set[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    trees: dict[str, exp.Expression] = field(default_factory=dict)
    broken: dict[str, int] = field(default_factory=dict)  # node → the step that failed it; later steps skip it
    reads: dict[str, set[str]] = field(default_factory=dict)
    outputs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    writers: dict[str, str] = field(default_factory=dict)  # target → the node writing it

    def __post_init__(self) -> None:
        self.writers = {n.target.lower(): n.id for n in self.definition.nodes if n.target}


def _line_col_offset(text: str, line: int, col: int) -> int:
    lines = text.split("\n")
    return sum(len(part) + 1 for part in lines[: max(line - 1, 0)]) + max(col - 1, 0)


def _structure(ctx: _Context) -> None:
    step = ctx.steps[1]
    nodes = ctx.definition.nodes
    if not nodes:
        step.fail(None, "The pipeline has no nodes: drag at least one onto the canvas.")
        return
    seen: set[str] = set()
    for node in nodes:
        if node.id in seen:
            step.fail(node.id, f"Two nodes share the id {node.id!r}.")
        seen.add(node.id)
    ctx.parents = {n.id: set() for n in nodes}
    edge_pairs: set[tuple[str, str]] = set()
    for edge in ctx.definition.edges:
        missing = [end for end in (edge.source, edge.target) if end not in ctx.parents]
        if missing:
            step.fail(None, f"Edge {edge.id} is an orphan: it names {', '.join(repr(m) for m in missing)},"
                            " which is not a node.")
            continue
        if edge.source == edge.target:
            step.fail(edge.source, f"Edge {edge.id} connects node {edge.source} to itself.")
            continue
        if (edge.source, edge.target) in edge_pairs:
            step.fail(edge.target, f"Edge {edge.id} repeats the edge {edge.source} → {edge.target}.")
        edge_pairs.add((edge.source, edge.target))
        ctx.parents[edge.target].add(edge.source)
    cycle = _find_cycle(ctx.parents)
    if cycle:
        step.fail(cycle[0], "The graph has a cycle: " + " → ".join(cycle) + ".")
        return
    ctx.order = _topological(ctx.parents, [n.id for n in nodes])
    for node_id in ctx.order:
        ctx.ancestors[node_id] = set().union(*([{p} | ctx.ancestors[p] for p in ctx.parents[node_id]] or [set()]))


def _find_cycle(parents: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a path of node ids (first repeated at the end), or None."""
    children: dict[str, list[str]] = {n: [] for n in parents}
    for child, ps in parents.items():
        for parent in ps:
            children[parent].append(child)
    state: dict[str, int] = {}
    for root in sorted(parents):
        if state.get(root):
            continue
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(children[root])))]
        path = [root]
        state[root] = 1
        while stack:
            node, pending = stack[-1]
            nxt = next(pending, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(children[nxt]))))
    return None


def _topological(parents: dict[str, set[str]], declared: list[str]) -> list[str]:
    """Kahn's order, ties broken by the order nodes were declared (stable, so runs read the same)."""
    remaining = {n: set(ps) for n, ps in parents.items()}
    order: list[str] = []
    while remaining:
        ready = [n for n in declared if n in remaining and not remaining[n]]
        for node in ready:
            del remaining[node]
            order.append(node)
        for ps in remaining.values():
            ps.difference_update(ready)
    return order


def _parses(ctx: _Context) -> None:
    step = ctx.steps[2]
    for node in ctx.definition.nodes:
        if node.kind == "dbt":
            try:
                dbt_run.project_profile(dbt_importer.project_path(node.dbt_project or ""))
                dbt_run.check_select(node.dbt_select)
            except (InvalidInput, NotFound) as exc:
                step.fail(node.id, str(exc))
                ctx.broken.setdefault(node.id, step.step)
            continue
        if node.kind == "python":
            if not node.python.strip():
                step.fail(node.id, "The Python node has no code: define run(conn) returning a list of dicts.")
                ctx.broken.setdefault(node.id, step.step)
                continue
            try:
                compile(node.python, f"<node {node.id}>", "exec")
            except SyntaxError as exc:
                step.fail(node.id, f"Python syntax error: {exc.msg} (line {exc.lineno}).")
                ctx.broken.setdefault(node.id, step.step)
            continue
        if node.kind != "sql":
            continue
        if not node.sql.strip():
            step.fail(node.id, "The node has no SQL.")
            ctx.broken.setdefault(node.id, step.step)
            continue
        try:
            trees = [t for t in sqlglot.parse(node.sql, read="postgres") if t is not None]
        except ParseError as exc:
            detail = exc.errors[0] if exc.errors else {}
            position = _line_col_offset(node.sql, detail.get("line", 1), detail.get("col", 1)) if detail else None
            description = detail.get("description") or str(exc).splitlines()[0]
            where = f" (line {detail.get('line')}, column {detail.get('col')})" if detail else ""
            step.fail(node.id, f"SQL does not parse: {description}{where}.", position)
            ctx.broken.setdefault(node.id, step.step)
            continue
        try:  # Postgres's own grammar too: sqlglot forgives some things Postgres does not
            parse_sql_json(node.sql)
        except PgParseError as exc:
            message, position = (exc.args + (None, None))[:2]
            step.fail(node.id, f"SQL does not parse: {message}.", position if isinstance(position, int) else None)
            ctx.broken.setdefault(node.id, step.step)
            continue
        ctx.trees[node.id] = trees[0] if trees else exp.Select()  # step 3 says "exactly one query"


def _read_only(ctx: _Context) -> None:
    step = ctx.steps[3]
    for node in ctx.definition.nodes:
        if node.kind != "sql" or node.id in ctx.broken:
            continue
        try:
            classified = policy.classify(node.sql, may_write=True)
        except QueryFailed as exc:
            step.fail(node.id, str(exc), exc.position)
            ctx.broken.setdefault(node.id, step.step)
            continue
        except PermissionDenied as exc:
            step.fail(node.id, str(exc))
            ctx.broken.setdefault(node.id, step.step)
            continue
        if classified.kind != "SelectStmt" or classified.writes:
            what = "SELECT … INTO" if classified.kind == "SelectStmt" else policy.describe(classified.kind)
            step.fail(node.id, f"A node is one read-only query; {what} writes. Only the runner writes the"
                               " node's target.")
            ctx.broken.setdefault(node.id, step.step)


def _tables_read(tree: exp.Expression) -> list[exp.Table]:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    tables = []
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # a set-returning function in FROM
        if not table.db and table.name.lower() in ctes:
            continue
        tables.append(table)
    return tables


def _exists(ctx: _Context, live: dict[str, dict[str, list[tuple[str, str]]]], uploads: set[str]) -> None:
    step = ctx.steps[4]
    targets = ctx.writers
    for node in ctx.definition.nodes:
        if node.kind == "ingest" and node.upload_id not in uploads:
            step.fail(node.id, f"The uploaded file {node.upload_id} does not exist; upload it again.")
            ctx.broken.setdefault(node.id, step.step)
        if node.kind != "sql" or node.id in ctx.broken:
            continue
        reads: set[str] = set()
        for table in _tables_read(ctx.trees[node.id]):
            if not table.db:
                step.fail(node.id, f"Name the schema of {table.name!r} (for example silver.{table.name}).")
                ctx.broken.setdefault(node.id, step.step)
                continue
            name = f"{table.db}.{table.name}".lower()
            owner = targets.get(name)
            if owner is not None and owner != node.id:
                if owner not in ctx.ancestors.get(node.id, set()):
                    step.fail(node.id, f"Reads {name}, the target of node {owner}, without an edge from {owner}:"
                                       f" connect {owner} → {node.id}.")
                    ctx.broken.setdefault(node.id, step.step)
                    continue
            elif table.name not in live.get(table.db, {}):
                step.fail(node.id, f"Reads {name}, which is neither in the catalog nor the target of an upstream"
                                   " node.")
                ctx.broken.setdefault(node.id, step.step)
                continue
            reads.add(name)
        ctx.reads[node.id] = reads


def _columns(ctx: _Context, live: dict[str, dict[str, list[tuple[str, str]]]]) -> None:
    step = ctx.steps[5]
    by_id = {n.id: n for n in ctx.definition.nodes}
    for node_id in ctx.order:
        node = by_id[node_id]
        if node.kind in ("ingest", "odoo"):
            ctx.outputs[node_id] = list(INGEST_COLUMNS if node.kind == "ingest" else ODOO_COLUMNS)
            continue
        if node.kind != "sql" or node_id in ctx.broken:
            continue
        schema: dict[str, dict[str, dict[str, str]]] = {}
        unknown_upstream = False
        for name in ctx.reads.get(node_id, ()):
            db_name, table = name.split(".", 1)
            owner = ctx.writers.get(name)
            if owner is not None and owner != node_id:
                if owner not in ctx.outputs:
                    unknown_upstream = True
                    continue
                columns = ctx.outputs[owner]
            else:
                columns = live.get(db_name, {}).get(table, [])
            schema.setdefault(db_name, {})[table] = {c: "TEXT" for c, _ in columns}
        if unknown_upstream:
            step.messages.append(Message(node_id, "Columns not checked: an upstream node's output is not known"
                                                  " (a Python node, or one that failed an earlier step)."))
            continue
        try:
            qualified = qualify(ctx.trees[node_id].copy(), schema=schema, dialect="postgres",
                                validate_qualify_columns=True, quote_identifiers=False)
        except (OptimizeError, ParseError, ValueError, KeyError) as exc:
            step.fail(node_id, f"{exc}".strip().rstrip(".") + ".")
            ctx.broken.setdefault(node_id, step.step)
            continue
        names = [s.alias_or_name for s in getattr(qualified, "selects", [])]
        if not names or any(not n or n == "*" for n in names):
            step.fail(node_id, "Every output column needs a name: add AS name to expressions.")
            ctx.broken.setdefault(node_id, step.step)
            continue
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            step.fail(node_id, f"Output column names repeat: {', '.join(duplicates)}; give each an alias.")
            ctx.broken.setdefault(node_id, step.step)
            continue
        ctx.outputs[node_id] = [(n, "text") for n in names]


def _layer_index(schema: str) -> int:
    return LAYERS.index(schema) if schema in LAYERS else -1


def _medallion(ctx: _Context, other_targets: dict[str, str]) -> None:
    step = ctx.steps[6]
    seen: dict[str, str] = {}
    for node in ctx.definition.nodes:
        if node.kind == "dbt":  # its project's models name their own schemas
            continue
        target = node.target.lower()
        if "." not in target or target.count(".") != 1 or not all(target.split(".")):
            step.fail(node.id, f"Target {node.target!r} must be schema.table, e.g. "
                               f"{WRITABLE_LAYERS[node.type][0]}.my_table.")
            ctx.broken.setdefault(node.id, step.step)
            continue
        schema_name, _table = target.split(".")
        allowed = WRITABLE_LAYERS[node.type]
        if schema_name not in allowed:
            step.fail(node.id, f"A {node.type} node writes {' or '.join(a + '.*' for a in allowed)}, not {target}.")
            ctx.broken.setdefault(node.id, step.step)
        if node.kind == "ingest" and schema_name != "bronze":
            step.fail(node.id, "File ingestion writes a bronze table.")
        if node.kind == "odoo" and schema_name != "bronze":
            step.fail(node.id, "An Odoo pull writes a bronze table.")
        if target in seen:
            step.fail(node.id, f"Nodes {seen[target]} and {node.id} both write {target}.")
        seen[target] = node.id
        if target in other_targets:
            step.fail(node.id, f"{target} is already written by pipeline {other_targets[target]!r}.")
        if node.materialization == "incremental" and node.kind != "sql":
            step.fail(node.id, "Only SQL nodes can be incremental.")
        own = _layer_index(schema_name)
        for name in sorted(ctx.reads.get(node.id, ())):
            read_layer = _layer_index(name.split(".")[0])
            if read_layer < 0:
                step.fail(node.id, f"Reads {name}, which is outside the warehouse layers ({', '.join(LAYERS)}).")
            elif own >= 0 and read_layer > own:
                step.fail(node.id, f"A {schema_name} node may not read {name}: that layer is above its own.")


def _rewrite(tree: exp.Expression, replacements: dict[str, str]) -> str:
    """The query with upstream targets pointed at their empty stand-ins."""
    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.db:
            stand_in = replacements.get(f"{node.db}.{node.name}".lower())
            if stand_in:
                return exp.Table(this=exp.to_identifier(stand_in), db=exp.to_identifier("pg_temp"),
                                 alias=node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(node.name)))
        return node
    return tree.copy().transform(swap).sql(dialect="postgres")


def _dry_run(ctx: _Context, conn: psycopg.Connection) -> None:
    step = ctx.steps[7]
    by_id = {n.id: n for n in ctx.definition.nodes}
    replacements: dict[str, str] = {}
    with conn.transaction(force_rollback=True):
        conn.execute(f"SET LOCAL statement_timeout = '{DRY_RUN_TIMEOUT}'")
        for index, node_id in enumerate(ctx.order):
            node = by_id[node_id]
            stand_in = f"wb_dry_{index}"
            if node.kind in ("ingest", "odoo"):
                columns = pgsql.SQL(", ").join(pgsql.SQL("{} {}").format(pgsql.Identifier(c), pgsql.SQL(t))
                                              for c, t in (INGEST_COLUMNS if node.kind == "ingest" else ODOO_COLUMNS))
                conn.execute(pgsql.SQL("CREATE TEMPORARY TABLE {} ({})").format(pgsql.Identifier(stand_in), columns))
                replacements[node.target.lower()] = stand_in
                continue
            if node.kind != "sql" or node_id in ctx.broken:
                continue
            if any(ctx.writers.get(r) not in (None, node_id) and r not in replacements
                   for r in ctx.reads.get(node_id, ())):
                step.messages.append(Message(node_id, "Not planned: an upstream node's output is not known."))
                continue
            query = _rewrite(ctx.trees[node_id], replacements)
            try:
                with conn.transaction():
                    conn.execute("EXPLAIN " + query)
                    conn.execute(pgsql.SQL("CREATE TEMPORARY TABLE {} AS ").format(pgsql.Identifier(stand_in))
                                 + pgsql.SQL(query) + pgsql.SQL(" WITH NO DATA"))
            except psycopg.Error as exc:
                state = exc.sqlstate or "?"
                first = (exc.diag.message_primary or str(exc)).strip()
                step.fail(node_id, f"Postgres cannot plan this query: {first} (SQLSTATE {state}).")
                ctx.broken.setdefault(node_id, step.step)
                continue
            replacements[node.target.lower()] = stand_in
            types = conn.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
                " WHERE a.attrelid = ('pg_temp.' || quote_ident(%s))::regclass AND a.attnum > 0"
                " ORDER BY a.attnum", (stand_in,)).fetchall()
            ctx.outputs[node_id] = [(name, type_name) for name, type_name in types]


def _permissions(ctx: _Context, conn: psycopg.Connection, owner_role: str | None, schedule: str | None,
                 timezone: str) -> None:
    step = ctx.steps[8]
    if owner_role is None or not is_allowed(owner_role, Permission.EDIT_PIPELINES):
        step.fail(None, f"The owner's role ({owner_role or 'none'}) may not write pipeline targets.")
    if any(n.kind == "python" for n in ctx.definition.nodes) and owner_role not in ("engineer", "admin"):
        step.fail(None, "Python nodes are for engineers and admins.")
    if any(n.kind == "dbt" for n in ctx.definition.nodes) and owner_role not in ("engineer", "admin"):
        step.fail(None, "dbt nodes run their project's SQL and macros: they are for engineers and admins.")
    writer = query_roles.stored_roles(conn)["writer"].role_name
    for node in ctx.definition.nodes:
        if node.id in ctx.broken or "." not in node.target:
            continue
        schema_name = node.target.split(".")[0]
        allowed = conn.execute("SELECT has_schema_privilege(%s, n.oid, 'CREATE') FROM pg_namespace n"
                               " WHERE n.nspname = %s", (writer, schema_name)).fetchone()
        if not allowed or not allowed[0]:
            step.fail(node.id, f"The pipeline writer may not create tables in {schema_name}.")
        for name in sorted(ctx.reads.get(node.id, ())):
            if name in ctx.writers:
                continue
            readable = conn.execute("SELECT has_table_privilege(%s, to_regclass(%s), 'SELECT')",
                                    (writer, name)).fetchone()[0]
            if not readable:
                step.fail(node.id, f"The pipeline writer may not read {name}.")
    try:
        check_timezone(timezone)
    except InvalidInput as exc:
        step.fail(None, str(exc))
    if schedule:
        try:
            check_cron(schedule)
        except InvalidInput as exc:
            step.fail(None, str(exc))


def _skip_broken(ctx: _Context, step: StepResult, checked: set[str]) -> None:
    """Name the nodes a step could not check because an earlier step failed them."""
    for node_id in sorted(checked):
        failed_at = ctx.broken.get(node_id)
        if failed_at is not None and failed_at < step.step and not any(m.node == node_id for m in step.messages):
            step.messages.append(Message(node_id, "Not checked: an earlier step failed for this node."))


def other_pipeline_targets(conn: psycopg.Connection, exclude_name: str | None) -> dict[str, str]:
    """{target: pipeline name} written by every other pipeline."""
    rows = conn.execute(
        "SELECT p.name, lower(n -> 'data' ->> 'target') FROM ip_workbench.pipelines p,"
        " jsonb_array_elements(p.definition -> 'nodes') n WHERE p.name IS DISTINCT FROM %s"
        " AND coalesce(n -> 'data' ->> 'target', '') <> ''", (exclude_name,)).fetchall()
    return {target: name for name, target in rows}


def validate(definition: Definition, *, owner_role: str | None, schedule: str | None = None,
             timezone: str = "UTC", pipeline_name: str | None = None, dry_run: bool = True,
             conn: psycopg.Connection | None = None) -> Report:
    """Run the eight steps; never raises for a fault in the pipeline (that is what the report is for)."""
    steps = {number: StepResult(number, name) for number, name in STEP_NAMES.items()}
    ctx = _Context(definition=definition, steps=steps)
    _structure(ctx)
    structure_ok = steps[1].passed
    _parses(ctx)
    _read_only(ctx)
    own = conn is None
    connection = db.pool().getconn() if own else conn
    try:
        live = live_columns(connection)
        uploads = {row[0] for row in connection.execute(
            "SELECT id::text FROM ip_workbench.pipeline_uploads WHERE id::text = ANY(%s)",
            ([n.upload_id for n in definition.nodes if n.upload_id],)).fetchall()}
        others = other_pipeline_targets(connection, pipeline_name)
        if structure_ok:
            _exists(ctx, live, uploads)
            _columns(ctx, live)
        else:
            for number in (4, 5, 7):
                steps[number].messages.append(Message(None, "Not checked: the graph's structure is invalid."))
        _medallion(ctx, others)
        if structure_ok and dry_run:
            _dry_run(ctx, connection)
        elif not dry_run:
            steps[7].messages.append(Message(None, "Not run for this check."))
        _permissions(ctx, connection, owner_role, schedule, timezone)
        if own:
            connection.rollback()
    finally:
        if own:
            db.pool().putconn(connection)
    sql_nodes = {n.id for n in definition.nodes if n.kind == "sql"}
    for number in (4, 5, 7):
        _skip_broken(ctx, steps[number], sql_nodes)
    return Report(steps=[steps[n] for n in sorted(steps)], order=ctx.order, reads=ctx.reads, outputs=ctx.outputs)


def as_json(report: Report) -> dict[str, Any]:
    """The contract shape: {"ok", "steps": [{"step", "name", "passed", "messages": [{"node", "message"}]}]}."""
    return {"ok": report.ok, "steps": [
        {"step": s.step, "name": s.name, "passed": s.passed,
         "messages": [{"node": m.node, "message": m.message, "position": m.position} for m in s.messages]}
        for s in report.steps]}
