"""Column-level lineage from SQL, on sqlglot: which tables a script reads and writes, and for every
written column the source columns its expression uses.

Names are lower case and as written (schema-qualified when the SQL qualifies them). A table created
and dropped inside the script, or a temporary table, is an intermediate step: edges pass through it
and it is neither a source nor a target. `schema` ({"schema.table": [columns]}) lets `*` expand and
unqualified columns find their table."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from services.core.errors import InvalidInput
from services.sql.split import split_statements

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to a Command" notes are ours to handle

Origin = tuple[str | None, str]  # (source table or None when it cannot be told, source column)
Edge = tuple[str | None, str, str, str]  # (source table, source column, target table, target column)
_QUERY_TYPES = (exp.Select, exp.SetOperation, exp.Subquery, exp.Values)


@dataclass(frozen=True)
class LineageResult:
    sources: frozenset[str]
    targets: frozenset[str]
    columns: frozenset[Edge]


@dataclass
class _Source:
    """Something a FROM clause names: a base table (columns maybe known) or a derived relation."""

    table: str | None  # base table name; None for derived
    known: list[str] | None = None  # base: columns from the schema when known
    derived: dict[str, set[Origin]] | None = None  # derived: lineage per output column, in order
    star_tables: set[str] = field(default_factory=set)  # derived from a `*` that could not be expanded

    def has(self, column: str) -> bool | None:
        """True/False when known; None when this relation's columns are unknown."""
        if self.derived is not None:
            if column in self.derived:
                return True
            return None if self.star_tables else False
        if self.known is not None:
            return column in self.known
        return None

    def origins(self, column: str) -> set[Origin]:
        if self.derived is not None:
            if column in self.derived:
                return set(self.derived[column])
            return {(t, column) for t in self.star_tables} or {(None, column)}
        return {(self.table, column)}

    def expand(self) -> list[tuple[str, set[Origin]]]:
        """Columns a `*` stands for; ('*', {(table, '*')}) when they are not known."""
        if self.derived is not None:
            items = [(name, set(o)) for name, o in self.derived.items()]
            return items + [("*", {(t, "*")}) for t in sorted(self.star_tables)]
        if self.known is not None:
            return [(c, {(self.table, c)}) for c in self.known]
        return [("*", {(self.table, "*")})]


@dataclass
class _Scope:
    sources: dict[str, _Source]  # alias → source, in FROM order
    using: set[str] = field(default_factory=set)  # columns joined with USING / NATURAL
    joins: list[exp.Join] = field(default_factory=list)  # every join, nested ones included


def _ident(node: exp.Expression | str | None) -> str:
    if node is None:
        return ""
    return (node if isinstance(node, str) else node.name).lower()


def table_name(table: exp.Table) -> str:
    """catalog.schema.table as written, lower case."""
    parts = [table.args.get("catalog"), table.args.get("db"), table.this]
    return ".".join(_ident(p) for p in parts if p is not None and _ident(p))


def _output_name(node: exp.Expression) -> str:
    """The column name Postgres gives a select-list item."""
    if isinstance(node, exp.Alias):
        return _ident(node.args.get("alias"))
    if isinstance(node, exp.Column):
        return _ident(node.this) if not isinstance(node.this, exp.Star) else "*"
    if isinstance(node, exp.Cast | exp.TryCast):
        inner = node.this
        return _output_name(inner) if isinstance(inner, exp.Column | exp.Func | exp.Cast) else "?column?"
    if isinstance(node, exp.Window):
        return _output_name(node.this)
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Anonymous):
        return _ident(node.this)
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    if isinstance(node, exp.Paren):
        return _output_name(node.this)
    return "?column?"


class _Extractor:
    def __init__(self, schema: dict[str, list[str]] | None) -> None:
        self.schema: dict[str, list[str]] = {k.lower(): [c.lower() for c in v] for k, v in (schema or {}).items()}
        self.reads: list[str] = []
        self.writes: list[str] = []
        self.edges: set[Edge] = set()
        self.created: set[str] = set()
        self.temporary: set[str] = set()
        self.dropped: set[str] = set()

    # ---- names and the schema -------------------------------------------------------------------
    def known_columns(self, name: str) -> list[str] | None:
        if name in self.schema:
            return self.schema[name]
        bare = name.rsplit(".", 1)[-1]
        if "." in name and bare in self.schema:
            return self.schema[bare]
        if "." not in name:
            matches = [cols for key, cols in self.schema.items() if key.rsplit(".", 1)[-1] == name]
            if len(matches) == 1:
                return matches[0]
        return None

    def remember(self, name: str, columns: list[str]) -> None:
        if columns and "*" not in columns:
            self.schema[name] = columns

    def read(self, name: str) -> None:
        if name not in self.reads:
            self.reads.append(name)

    def write(self, name: str) -> None:
        if name not in self.writes:
            self.writes.append(name)

    # ---- FROM clauses -------------------------------------------------------------------------
    def source_for(self, node: exp.Expression, ctes: dict[str, _Source], outer: list[_Scope]
                   ) -> tuple[str, _Source]:
        alias_node = node.args.get("alias")
        alias = _ident(alias_node.this) if isinstance(alias_node, exp.TableAlias) else _ident(alias_node)
        renamed = [_ident(c) for c in alias_node.args.get("columns") or []] if isinstance(
            alias_node, exp.TableAlias) else []
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            name = table_name(node)
            if name in ctes and "." not in name:
                source = _Source(None, derived={k: set(v) for k, v in (ctes[name].derived or {}).items()},
                                 star_tables=set(ctes[name].star_tables))
            else:
                self.read(name)
                source = _Source(name, known=self.known_columns(name))
            source = self._rename(source, renamed)
            return alias or name.rsplit(".", 1)[-1], source
        if isinstance(node, exp.Subquery | exp.Values) or isinstance(node, exp.Lateral) and isinstance(
                node.this, exp.Subquery):
            query = node.this if isinstance(node, exp.Lateral) else node
            columns = self.query(query.this if isinstance(query, exp.Subquery) else query, ctes, outer)
            source = _Source(None, derived=dict(columns))
            source.star_tables = {o[0] for _n, origins in columns for o in origins if o[1] == "*" and o[0]}
            if source.star_tables:
                source.derived = {k: v for k, v in columns if k != "*"}
            return alias, self._rename(source, renamed)
        # Table functions (generate_series, unnest, json_to_recordset …): their columns come from the arguments.
        used = self.expression(node, _Scope({}), ctes, outer)
        names = renamed or ([alias] if alias else [])
        return alias or _output_name(node), _Source(None, derived={n: set(used) for n in names})

    @staticmethod
    def _rename(source: _Source, names: list[str]) -> _Source:
        if not names:
            return source
        items = source.expand()
        if any(n == "*" for n, _o in items):
            return _Source(None, derived={n: {(source.table, n)} if source.table else {(None, n)} for n in names})
        renamed = {new: origins for new, (_old, origins) in zip(names, items, strict=False)}
        return _Source(None, derived=renamed)

    def scope_of(self, select: exp.Select | exp.Update | exp.Delete, ctes: dict[str, _Source],
                 outer: list[_Scope], start: dict[str, _Source] | None = None) -> _Scope:
        scope = _Scope(dict(start or {}))
        from_ = select.args.get("from_") or select.args.get("from")
        if from_ is not None:
            for node in [from_.this, *(from_.expressions or [])]:
                self._add_from_item(scope, node, ctes, outer)
        for join in select.args.get("joins") or []:
            self._add_join(scope, join, ctes, outer)
        for using in select.args.get("using") or []:  # DELETE ... USING
            self._add_from_item(scope, using, ctes, outer)
        return scope

    @staticmethod
    def _parenthesised(node: exp.Expression) -> bool:
        """`(t)`, `(a JOIN b ON …)`, `((x) AS y JOIN c USING (id))`: parentheses around FROM items, not a subquery."""
        if not isinstance(node, exp.Subquery):
            return False
        inner = node.this
        if isinstance(inner, exp.Table):
            return True
        return isinstance(inner, exp.Subquery) and bool(
            inner.args.get("alias") or inner.args.get("joins") or node.args.get("joins")
            or _Extractor._parenthesised(inner))

    def _add_from_item(self, scope: _Scope, node: exp.Expression, ctes: dict[str, _Source], outer: list[_Scope]
                       ) -> None:
        """One FROM item (a join tree in parentheses at any depth included) and the joins that follow it."""
        if self._parenthesised(node):
            before = set(scope.sources)
            self._add_from_item(scope, node.this, ctes, outer)
            alias = _ident(node.args["alias"].this) if isinstance(node.args.get("alias"), exp.TableAlias) else ""
            if alias:  # `(a JOIN b USING (id)) AS j`: j stands for the whole join
                joined = _Source(None, derived={})
                for key, source in scope.sources.items():
                    if key not in before:
                        for name, origins in source.expand():
                            if name == "*":
                                joined.star_tables |= {t for t, _c in origins if t}
                            else:
                                joined.derived.setdefault(name, set()).update(origins)
                scope.sources[alias] = joined
        else:
            alias, source = self.source_for(node, ctes, [scope, *outer])
            if not alias:
                alias = f"#{len(scope.sources)}"  # unaliased subqueries must not hide each other
            scope.sources[alias] = source
        for join in node.args.get("joins") or []:
            self._add_join(scope, join, ctes, outer)

    def _add_join(self, scope: _Scope, join: exp.Join, ctes: dict[str, _Source], outer: list[_Scope]) -> None:
        before = set(scope.sources)
        left = {c for s in scope.sources.values() for c, _o in s.expand()}
        self._add_from_item(scope, join.this, ctes, outer)
        scope.joins.append(join)
        if join.args.get("using"):
            scope.using.update(_ident(u) for u in join.args["using"])
        if (join.args.get("method") or "").upper() == "NATURAL":
            right = {c for key, s in scope.sources.items() if key not in before for c, _o in s.expand()}
            scope.using.update(right & left - {"*"})

    # ---- columns and expressions -------------------------------------------------------------------
    def column(self, column: exp.Column, scope: _Scope, outer: list[_Scope]) -> set[Origin]:
        name = _ident(column.this)
        qualifier = _ident(column.args.get("table"))
        scopes = [scope, *outer]
        if qualifier:
            full = ".".join(_ident(p) for p in (column.args.get("db"), column.args.get("table")) if p is not None)
            for candidate_scope in scopes:
                for key in (qualifier, full):
                    if key in candidate_scope.sources:
                        return candidate_scope.sources[key].origins(name)
                for source in candidate_scope.sources.values():
                    if source.table and source.table in (full, qualifier):
                        return source.origins(name)
            return {(full or qualifier, name)}
        for candidate_scope in scopes:
            sources = list(candidate_scope.sources.values())
            if not sources:
                continue
            having = [s for s in sources if s.has(name)]
            unknown = [s for s in sources if s.has(name) is None]
            if name in candidate_scope.using:
                chosen = having + unknown
            elif having:
                chosen = having
            elif len(unknown) == 1:
                chosen = unknown
            elif len(sources) == 1 and candidate_scope is scope:
                chosen = sources
            elif unknown:
                return {(None, name)}
            else:
                continue  # not here: a correlated reference to an outer query
            found: set[Origin] = set()
            for source in chosen:
                found |= source.origins(name)
            return found
        return {(None, name)}

    def expression(self, node: exp.Expression, scope: _Scope, ctes: dict[str, _Source], outer: list[_Scope]
                   ) -> set[Origin]:
        """Every source column an expression uses (scalar subqueries included)."""
        if isinstance(node, exp.Column):
            return set() if isinstance(node.this, exp.Star) else self.column(node, scope, outer)
        if isinstance(node, exp.Count) and (node.this is None or isinstance(node.this, exp.Star | exp.Literal)):
            return self._whole_rows(scope)
        if isinstance(node, _QUERY_TYPES):
            inner = node.this if isinstance(node, exp.Subquery) else node
            found: set[Origin] = set()
            for _name, origins in self.query(inner, ctes, [scope, *outer]):
                found |= origins
            return found
        found = set()
        for child in node.iter_expressions():
            found |= self.expression(child, scope, ctes, outer)
        return found

    @staticmethod
    def _whole_rows(scope: _Scope) -> set[Origin]:
        """count(*) depends on every row of the tables in scope: an edge from each table's `*`."""
        found: set[Origin] = set()
        for source in scope.sources.values():
            if source.table:
                found.add((source.table, "*"))
                continue
            tables = set(source.star_tables)
            for origins in (source.derived or {}).values():
                tables |= {t for t, _c in origins if t}
            found |= {(t, "*") for t in tables}
        return found

    def _filters(self, node: exp.Expression, scope: _Scope, ctes: dict[str, _Source], outer: list[_Scope]) -> None:
        """Subqueries in WHERE, HAVING, ON … are read too (their tables are sources)."""
        for key in ("where", "having", "qualify"):
            if node.args.get(key) is not None:
                self.expression(node.args[key], scope, ctes, outer)
        for join in scope.joins:
            if join.args.get("on") is not None:
                self.expression(join.args["on"], scope, ctes, outer)

    # ---- queries -------------------------------------------------------------------------------
    def with_clause(self, node: exp.Expression, ctes: dict[str, _Source], outer: list[_Scope]
                    ) -> dict[str, _Source]:
        with_ = node.args.get("with_") or node.args.get("with")
        if with_ is None:
            return ctes
        visible = dict(ctes)
        for cte in with_.expressions:
            name = _ident(cte.args.get("alias").this if isinstance(cte.args.get("alias"), exp.TableAlias)
                          else cte.alias)
            renamed = [_ident(c) for c in (cte.args["alias"].args.get("columns") or [])] if isinstance(
                cte.args.get("alias"), exp.TableAlias) else []
            body = cte.this
            if isinstance(body, exp.SetOperation) and with_.args.get("recursive"):
                anchor = self.query(body.left, visible, outer)
                visible[name] = self._derived(anchor, renamed)
            columns = self.query(body, visible, outer)
            visible[name] = self._derived(columns, renamed)
            if isinstance(body, exp.SetOperation) and with_.args.get("recursive"):
                # Once more, so the recursive step sees the whole CTE's lineage.
                visible[name] = self._derived(self.query(body, visible, outer), renamed)
        return visible

    @staticmethod
    def _derived(columns: list[tuple[str, set[Origin]]], renamed: list[str]) -> _Source:
        if renamed:
            columns = [(new, origins) for new, (_old, origins) in zip(renamed, columns, strict=False)]
        source = _Source(None, derived={})
        for name, origins in columns:
            if name == "*":
                source.star_tables |= {t for t, c in origins if c == "*" and t}
            else:
                source.derived.setdefault(name, set()).update(origins)
        return source

    def query(self, node: exp.Expression, ctes: dict[str, _Source], outer: list[_Scope]
              ) -> list[tuple[str, set[Origin]]]:
        """Output columns of a query, each with the source columns it comes from."""
        ctes = self.with_clause(node, ctes, outer)
        if isinstance(node, exp.Subquery):
            return self.query(node.this, ctes, outer)
        if isinstance(node, exp.SetOperation):
            left = self.query(node.left, ctes, outer)
            right = self.query(node.right, ctes, outer)
            merged = [(name, set(origins)) for name, origins in left]
            for index, (name, origins) in enumerate(right):
                if index < len(merged):
                    merged[index][1].update(origins)
                else:  # a later branch wider than the first: its extra columns are not lost
                    merged.append((name, set(origins)))
            return merged
        if isinstance(node, exp.Values):
            width = max((len(t.expressions) for t in node.expressions if isinstance(t, exp.Tuple)), default=1)
            scope = _Scope({})
            columns = [(f"column{i + 1}", set()) for i in range(width)]
            for row in node.expressions:
                for index, value in enumerate(row.expressions if isinstance(row, exp.Tuple) else [row]):
                    if index < width:
                        columns[index][1].update(self.expression(value, scope, ctes, outer))
            return columns
        if not isinstance(node, exp.Select):
            found = self.expression(node, _Scope({}), ctes, outer)
            return [(_output_name(node), found)]
        scope = self.scope_of(node, ctes, outer)
        self._filters(node, scope, ctes, outer)
        columns: list[tuple[str, set[Origin]]] = []
        for item in node.expressions:
            if isinstance(item, exp.Star):
                seen: dict[str, set[Origin]] = {}
                for source in scope.sources.values():
                    for name, origins in source.expand():
                        if name in scope.using and name in seen:
                            seen[name].update(origins)  # a USING column is listed once, from both sides
                            continue
                        seen[name] = set(origins)
                        columns.append((name, seen[name]))
                continue
            if isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
                source = scope.sources.get(_ident(item.args.get("table")))
                if source is None:
                    columns.append(("*", {(_ident(item.args.get("table")), "*")}))
                else:
                    columns.extend(source.expand())
                continue
            inner = item.this if isinstance(item, exp.Alias) else item
            columns.append((_output_name(item), self.expression(inner, scope, ctes, outer)))
        return columns

    # ---- statements ------------------------------------------------------------------------------
    def connect(self, target: str, target_columns: list[str] | None, columns: list[tuple[str, set[Origin]]]
                ) -> None:
        """Edges from a query's output into a target, by position when the target's columns are named."""
        names = target_columns or [name for name, _o in columns]
        for (out_name, origins), target_column in zip(columns, names, strict=False):
            for source_table, source_column in origins:
                column = target_column
                if out_name == "*" and source_column == "*":
                    column = "*"
                self.edges.add((source_table, source_column, target, column))

    def statement(self, node: exp.Expression) -> None:
        ctes = self.with_clause(node, {}, []) if not isinstance(node, _QUERY_TYPES) else {}
        if isinstance(node, exp.Insert):
            self.insert(node, ctes)
        elif isinstance(node, exp.Create):
            self.create(node, ctes)
        elif isinstance(node, exp.Update):
            self.update(node, ctes)
        elif isinstance(node, exp.Merge):
            self.merge(node, ctes)
        elif isinstance(node, exp.Delete):
            scope = self.scope_of(node, ctes, [], {})
            self._filters(node, scope, ctes, [])
        elif isinstance(node, exp.Drop):
            for table in node.args.get("tables") or ([node.this] if isinstance(node.this, exp.Table) else []):
                if table_name(table) in self.created:  # dropping a table before building it is a reset
                    self.dropped.add(table_name(table))
        elif isinstance(node, exp.Alter):
            self.alter(node)
        elif isinstance(node, exp.Copy):
            self.copy(node)
        elif isinstance(node, exp.Select | exp.SetOperation) and self._leftmost(node).args.get("into") is not None:
            node = node.copy()
            first = self._leftmost(node)
            into = first.args["into"]
            target = table_name(into.this)
            first.set("into", None)
            columns = self.query(node, ctes, [])
            self.created.add(target)
            if into.args.get("temporary"):
                self.temporary.add(target)
            self.write(target)
            self.remember(target, [n for n, _o in columns])
            self.connect(target, None, columns)
        elif isinstance(node, _QUERY_TYPES):
            self.query(node, {}, [])
        # Anything else (SET, GRANT, COMMENT, TRUNCATE …) moves no data between tables.

    @staticmethod
    def _leftmost(node: exp.Expression) -> exp.Expression:
        """The first SELECT of a set operation (where `SELECT … INTO t … UNION …` keeps its INTO)."""
        while isinstance(node, exp.SetOperation):
            node = node.this
        return node.this if isinstance(node, exp.Subquery) else node

    def alter(self, node: exp.Alter) -> None:
        """`ALTER TABLE t RENAME TO u` after writing t: what the script wrote is u from then on."""
        if not isinstance(node.this, exp.Table):
            return
        old = table_name(node.this)
        for action in node.args.get("actions") or []:
            if isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
                new = table_name(action.this)
                if "." not in new and "." in old:  # the new name stays in the old one's schema
                    new = f"{old.rsplit('.', 1)[0]}.{new}"
                self._rename_table(old, new)
                old = new
            elif isinstance(action, exp.RenameColumn) and old in self.writes:
                before, after = _ident(action.this.this), _ident(action.args["to"].this)
                self.edges = {(st, sc, tt, after if tt == old and tc == before else tc)
                              for st, sc, tt, tc in self.edges}
                if old in self.schema:
                    self.schema[old] = [after if c == before else c for c in self.schema[old]]

    def _rename_table(self, old: str, new: str) -> None:
        if old not in self.writes and old not in self.created:
            return  # renaming a table the script did not write moves no data
        self.writes = [new if t == old else t for t in self.writes]
        self.edges = {(new if st == old else st, sc, new if tt == old else tt, tc) for st, sc, tt, tc in self.edges}
        for names in (self.created, self.temporary, self.dropped):
            if old in names:
                names.discard(old)
                names.add(new)
        if old in self.schema:
            self.schema[new] = self.schema.pop(old)

    def copy(self, node: exp.Copy) -> None:
        """COPY t FROM 'file' (the file is a source, t the target); COPY t|(query) TO 'file' the other way."""
        files = [f.name for f in node.args.get("files") or [] if isinstance(f, exp.Literal) and f.is_string]
        subject = node.this.this if isinstance(node.this, exp.Schema) else node.this
        if node.args.get("kind"):  # FROM
            if isinstance(subject, exp.Table):
                for path in files:
                    self.read(path)
                self.write(table_name(subject))
            return
        if isinstance(subject, exp.Table):
            self.read(table_name(subject))
            columns = self.query(exp.select("*").from_(subject.copy()), {}, [])
        else:
            columns = self.query(subject, {}, [])
        for path in files:
            self.write(path)
            self.connect(path, None, columns)

    def insert(self, node: exp.Insert, ctes: dict[str, _Source]) -> None:
        target_node = node.this
        listed: list[str] = []
        if isinstance(target_node, exp.Schema):
            listed = [_ident(c) for c in target_node.expressions]
            target_node = target_node.this
        target = table_name(target_node)
        self.write(target)
        if node.expression is None:
            return
        columns = self.query(node.expression, ctes, [])
        self.connect(target, listed or self.known_columns(target), columns)

    def create(self, node: exp.Create, ctes: dict[str, _Source]) -> None:
        kind = (node.args.get("kind") or "").upper()
        if kind not in ("TABLE", "VIEW"):
            return
        target_node = node.this
        listed: list[str] = []
        if isinstance(target_node, exp.Schema):
            listed = [_ident(c.this if isinstance(c, exp.ColumnDef) else c) for c in target_node.expressions
                      if isinstance(c, exp.ColumnDef | exp.Identifier)]
            target_node = target_node.this
        target = table_name(target_node)
        properties = node.args.get("properties")
        if properties is not None and any(isinstance(p, exp.TemporaryProperty) for p in properties.expressions):
            self.temporary.add(target)
        self.created.add(target)
        query = node.expression
        if query is None or not isinstance(query, _QUERY_TYPES):
            if kind != "TABLE":
                return
            like = [p.this for p in [*(properties.expressions if properties is not None else []),
                                     *(node.this.expressions if isinstance(node.this, exp.Schema) else [])]
                    if isinstance(p, exp.LikeProperty) and isinstance(p.this, exp.Table)]
            for source in like:  # CREATE TABLE t (LIKE s): t takes s's columns, not its rows
                self.read(table_name(source))
                listed = listed + (self.known_columns(table_name(source)) or [])
            self.write(target)
            self.remember(target, listed)
            return
        columns = self.query(query, ctes, [])
        self.write(target)
        self.remember(target, listed or [n for n, _o in columns])
        self.connect(target, listed or None, columns)

    def _set_items(self, target: str, assignments: list[exp.Expression], scope: _Scope,
                   ctes: dict[str, _Source]) -> None:
        for assignment in assignments:
            if not isinstance(assignment, exp.EQ):
                continue
            left, right = assignment.this, assignment.expression
            targets = [_ident(c.this if isinstance(c, exp.Column) else c) for c in
                       (left.expressions if isinstance(left, exp.Tuple) else [left])]
            values = right.expressions if isinstance(right, exp.Tuple) and len(targets) > 1 else [right]
            if len(values) != len(targets):  # (a, b) = (SELECT x, y …): every column from the whole subquery
                values = [right] * len(targets)
            for column, value in zip(targets, values, strict=False):
                for source_table, source_column in self.expression(value, scope, ctes, []):
                    self.edges.add((source_table, source_column, target, column))
                    if source_table:
                        self.read(source_table)

    def update(self, node: exp.Update, ctes: dict[str, _Source]) -> None:
        target_node = node.this
        target = table_name(target_node)
        alias = _ident(target_node.args["alias"].this) if target_node.args.get("alias") else target.rsplit(".", 1)[-1]
        self.write(target)
        own = {alias: _Source(target, known=self.known_columns(target))}
        scope = self.scope_of(node, ctes, [], own)
        self._filters(node, scope, ctes, [])
        self._set_items(target, node.expressions, scope, ctes)

    def merge(self, node: exp.Merge, ctes: dict[str, _Source]) -> None:
        target_node = node.this
        target = table_name(target_node)
        alias = _ident(target_node.args["alias"].this) if target_node.args.get("alias") else target.rsplit(".", 1)[-1]
        self.write(target)
        scope = _Scope({alias: _Source(target, known=self.known_columns(target))})
        using_alias, using = self.source_for(node.args["using"], ctes, [])
        scope.sources[using_alias] = using
        if node.args.get("on") is not None:
            self.expression(node.args["on"], scope, ctes, [])
        whens = node.args.get("whens")
        for when in (whens.expressions if whens is not None else node.expressions or []):
            action = when.args.get("then")
            if isinstance(action, exp.Update):
                self._set_items(target, action.expressions, scope, ctes)
            elif isinstance(action, exp.Insert):
                names_node, values_node = action.this, action.expression
                names = [_ident(c.this if isinstance(c, exp.Column) else c) for c in
                         (names_node.expressions if isinstance(names_node, exp.Tuple) else [names_node] if
                          names_node is not None else [])] or (self.known_columns(target) or [])
                values = values_node.expressions if isinstance(values_node, exp.Tuple) else (
                    [values_node] if values_node is not None else [])
                for column, value in zip(names, values, strict=False):
                    for source_table, source_column in self.expression(value, scope, ctes, []):
                        self.edges.add((source_table, source_column, target, column))
            if when.args.get("condition") is not None:
                self.expression(when.args["condition"], scope, ctes, [])

    # ---- the whole script ----------------------------------------------------------------------------
    def result(self) -> LineageResult:
        intermediate = self.dropped | self.temporary
        edges = set(self.edges)
        for table in intermediate:
            incoming = [e for e in edges if e[2] == table]
            outgoing = [e for e in edges if e[0] == table]
            passed = {(i[0], i[1], o[2], o[3]) for i in incoming for o in outgoing
                      if o[1] == i[3] or "*" in (o[1], i[3]) and not (o[1] == "*" and o[3] != "*")}
            # count(*) over an intermediate table counts the rows of the tables it was made from
            passed |= {(i[0], "*", o[2], o[3]) for i in incoming for o in outgoing
                       if o[1] == "*" and o[3] != "*" and i[0]}
            edges = {e for e in edges if table not in (e[0], e[2])} | passed
        reads = frozenset(t for t in self.reads if t not in intermediate)
        writes = frozenset(t for t in self.writes if t not in intermediate)
        return LineageResult(sources=reads, targets=writes, columns=frozenset(edges))


def _offset(sql: str, line: int, col: int) -> int:
    lines = sql.split("\n")
    line = max(1, min(line, len(lines)))
    return sum(len(text) + 1 for text in lines[:line - 1]) + max(0, col - 1)


def parse_script(sql: str, dialect: str = "postgres") -> list[exp.Expression]:
    """Parse a script; unparseable SQL raises InvalidInput with the 0-based position of the problem."""
    if not isinstance(sql, str) or not sql.strip():
        raise InvalidInput("There is no SQL to read lineage from.")
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        line, col = int(first.get("line") or 1), int(first.get("col") or 1)
        # sqlglot points at the last character of the offending token; we report where it starts.
        position = max(0, min(len(sql), _offset(sql, line, col) - max(len(first.get("highlight") or ""), 1) + 1))
        description = re.sub(r"<Token token_type: TokenType\.SENTINEL[^>]*>", "the end of the SQL",
                             first.get("description") or str(exc))
        description = re.sub(r"<Token token_type: [^,]*, text: ([^,]*),[^>]*>", r"'\1'", description)
        line_at = sql.count("\n", 0, position) + 1
        column_at = position - (sql.rfind("\n", 0, position) + 1) + 1
        raise InvalidInput(f"Cannot parse the SQL at line {line_at}, column {column_at}: {description}",
                           position=position) from exc
    except TokenError as exc:
        start = getattr(exc, "start", None)
        raise InvalidInput("Cannot read the SQL: a quoted string, identifier or comment is not closed"
                           + (f" (from position {start})" if start is not None else ""), position=start) from exc
    parsed = []
    for statement in statements:
        if isinstance(statement, exp.Condition | exp.Alias | exp.Identifier):
            raise InvalidInput(f"Not a SQL statement: {statement.sql(dialect=dialect)[:80]}", position=0)
        parsed.append(_reparse_command(statement, dialect))
    return parsed


# Postgres clauses sqlglot does not read; without them the statement parses and its lineage is unchanged.
_UNREAD_CLAUSES = (
    re.compile(r"\s+WITH\s+(NO\s+)?DATA\s*$", re.IGNORECASE),
    re.compile(r"\s+ON\s+COMMIT\s+(DROP|DELETE\s+ROWS|PRESERVE\s+ROWS)\b", re.IGNORECASE),
    re.compile(r"\s+TABLESPACE\s+\w+", re.IGNORECASE),
)


def _reparse_command(statement: exp.Expression, dialect: str) -> exp.Expression:
    """sqlglot gives up on some Postgres clauses (`ON COMMIT DROP`, `WITH NO DATA` …) and keeps the
    statement as an opaque Command; read it again without them."""
    if not isinstance(statement, exp.Command):
        return statement
    text = statement.sql(dialect=dialect)
    stripped = text
    for clause in _UNREAD_CLAUSES:
        stripped = clause.sub("", stripped)
    if stripped == text:
        return statement
    try:
        return sqlglot.parse_one(stripped, read=dialect)
    except (ParseError, TokenError):
        return statement


@dataclass(frozen=True)
class StatementFlow:
    text: str  # the statement as written in the script
    reads: frozenset[str]
    writes: frozenset[str]


def statement_flows(sql: str, dialect: str = "postgres") -> list[StatementFlow]:
    """Each statement of a script with the tables it reads and writes (temporary ones included),
    so an edge can carry just the statements that make it."""
    flows = []
    for statement in split_statements(sql):
        extractor = _Extractor(None)
        try:
            for node in parse_script(statement.text, dialect):
                extractor.statement(node)
        except InvalidInput:
            continue
        flows.append(StatementFlow(statement.text.strip(), frozenset(extractor.reads), frozenset(extractor.writes)))
    return flows


def statements_making(flows: list[StatementFlow], target: str, kept: frozenset[str]) -> list[str]:
    """The statements that write `target`, and before them those writing the script's intermediate
    tables they read (written here but not in `kept`, the script's lasting targets), in script order."""
    wanted: set[int] = set()
    pending = [target]
    seen: set[str] = set()
    while pending:
        table = pending.pop()
        if table in seen:
            continue
        seen.add(table)
        for index, flow in enumerate(flows):
            if table in flow.writes:
                wanted.add(index)
                pending.extend(r for r in flow.reads
                               if r not in kept and any(r in f.writes for f in flows[:index]))
    return [flows[i].text for i in sorted(wanted)]


def extract_lineage(sql: str, dialect: str = "postgres", schema: dict[str, list[str]] | None = None
                    ) -> LineageResult:
    """Tables read and written by a script, and the column edges between them."""
    extractor = _Extractor(schema)
    for statement in parse_script(sql, dialect):
        extractor.statement(statement)
    return extractor.result()
