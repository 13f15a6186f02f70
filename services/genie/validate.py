"""What Genie's SQL must be before it runs: it parses, it is one read-only query, and it names only
tables and columns the catalog knows."""

from __future__ import annotations

import difflib
import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer.qualify import qualify

from services.core.errors import InvalidInput

_WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.TruncateTable,
           exp.Command, exp.Into, exp.Grant, exp.Set, exp.Copy)
_FENCE = re.compile(r"```(?:sql|postgresql|postgres)?\s*(.*?)```", re.IGNORECASE | re.DOTALL)


class WriteRefused(InvalidInput):
    """The SQL would change data: Genie only reads."""


def extract_sql(reply: str) -> str:
    """The SQL in a model's reply: the first fenced block, else the text from the first SELECT/WITH."""
    fenced = _FENCE.search(reply or "")
    text = fenced.group(1) if fenced else reply or ""
    if not fenced:
        start = re.search(r"\b(WITH|SELECT)\b", text, re.IGNORECASE)
        text = text[start.start():] if start else text
    return text.strip().rstrip(";").strip()


class UnaskedFilter(InvalidInput):
    """The query is valid but filters on text the question never mentions (a soft failure: used only when
    no attempt does better)."""


def validate(sql: str, schema: dict[str, dict[str, str]], question: str | None = None) -> str:
    """Check `sql` against `schema` ({"schema.table": {column: type}}); returns it as written. With the
    `question` (and earlier ones of the conversation), text values it filters on must come from it.

    Raises WriteRefused for anything that would change data, InvalidInput with a reason otherwise
    (the reason goes back to the model for another attempt)."""
    if not sql.strip():
        raise InvalidInput("The answer held no SQL.")
    try:
        statements = [s for s in sqlglot.parse(sql, read="postgres") if s is not None]
    except (ParseError, TokenError) as exc:
        raise InvalidInput(f"The SQL does not parse: {str(exc).splitlines()[0][:300]}") from exc
    if len(statements) != 1:
        raise InvalidInput(f"Write exactly one statement, not {len(statements)}.")
    tree = statements[0]
    if any(isinstance(node, _WRITES) for node in tree.walk()):
        raise WriteRefused("Genie only reads data: this request would change it, so it was not run.")
    if not isinstance(tree, exp.Query):
        raise InvalidInput("Write a single SELECT query.")
    nested = {}
    for qualified, columns in schema.items():
        db, _, table = qualified.partition(".")
        nested.setdefault(db, {})[table] = columns
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        name = f"{table.db}.{table.name}".lower() if table.db else table.name.lower()
        if name in ctes or isinstance(table.this, exp.Func):
            continue
        if not table.db:
            raise InvalidInput(f"Qualify {table.name} with its schema (for example gold.{table.name}).")
        if name not in schema:
            raise InvalidInput(f"There is no table {name} among the tables given; use only those.")
    try:
        qualify(tree.copy(), schema=nested, dialect="postgres", validate_qualify_columns=True,
                quote_identifiers=False)
    except OptimizeError as exc:
        if "alias already used" in str(exc).lower():
            raise InvalidInput(f"{exc}. Give every table in the query its own alias.") from exc
        hint = _undefined_alias(str(exc), tree, schema) or _where_columns_are(str(exc), schema)
        raise InvalidInput(f"{exc}. {hint}".strip()) from exc
    if question is not None:
        _check_filters_asked_for(tree, question)  # last: the query is otherwise valid
    return sql.strip()


_WORD = re.compile(r"[a-z0-9]+")


def _asked_for(value: str, question: str) -> bool:
    """A filter value the question names: as written, or each of its words (typos forgiven)."""
    words = _WORD.findall(question.lower())
    wanted = _WORD.findall(value.lower().strip("%"))
    if not wanted or value.lower().strip("%") in question.lower():
        return True
    return all(w.isdigit() or difflib.get_close_matches(w, words, n=1, cutoff=0.75) for w in wanted)


def _check_filters_asked_for(tree: exp.Expression, question: str) -> None:
    """A query must not filter on text values the question never mentions (a status filter nobody asked
    for is the usual slip); dates and numbers are left to the model."""
    unasked = []
    for clause in [*tree.find_all(exp.Where), *tree.find_all(exp.Having)]:
        for comparison in clause.find_all(exp.EQ, exp.NEQ, exp.In, exp.Like, exp.ILike):
            for literal in comparison.find_all(exp.Literal):
                value = literal.this
                if not literal.is_string or re.fullmatch(r"[\d\s:./%-]+", value or ""):
                    continue
                if not _asked_for(value, question) and value not in unasked:
                    unasked.append(value)
    if unasked:
        listed = ", ".join(repr(v) for v in unasked)
        raise UnaskedFilter(f"The question does not ask to filter on {listed}: remove that condition.")


def _undefined_alias(message: str, tree: exp.Expression, schema: dict[str, dict[str, str]]) -> str:
    """A repair hint when a column is qualified with a name no table in the query goes by: the names there
    are, and which of their columns is meant (the same name, else the closest)."""
    found = re.search(r"Column '([^']+)' could not be resolved for table: '([^']+)'", message)
    if not found:
        return ""
    named = {}
    for table in tree.find_all(exp.Table):
        named[table.alias_or_name.lower()] = f"{table.db}.{table.name}" if table.db else table.name
    for source in [*tree.find_all(exp.Subquery), *tree.find_all(exp.CTE)]:
        if source.alias:
            named[source.alias.lower()] = source.alias
    column, qualifier = found.group(1).lower(), found.group(2).lower()
    if qualifier in named:
        return ""
    listed = ", ".join(f"{full} AS {alias}" if alias != full.split(".")[-1].lower() else full
                       for alias, full in named.items())
    hint = (f"{qualifier} is not a name of any table in this query ({listed}): qualify each column with the"
            " alias its table has in FROM or JOIN, or give the table that alias.")
    columns = {f"{alias}.{c.lower()}": c.lower() for alias, full in named.items()
               for c in schema.get(full.lower(), {})}
    exact = [name for name, bare in columns.items() if bare == column]
    ranked = difflib.get_close_matches(column, list(dict.fromkeys(columns.values())), n=1, cutoff=0.7)
    close = [name for name, bare in columns.items() if bare in ranked]
    if exact:
        return f"{hint} Write {' or '.join(exact)}."
    if close:
        return f"{hint} {column} is not a column of those tables either; the closest: {', '.join(close)}."
    return hint


def _where_columns_are(message: str, schema: dict[str, dict[str, str]]) -> str:
    """A repair hint: which listed tables have the column the query could not find."""
    found = re.search(r"Column '([^']+)'|Unknown column: ([\w.]+)", message)
    column = (found.group(1) or found.group(2)).split(".")[-1].lower() if found else ""
    owners = [table for table, columns in schema.items() if column in {c.lower() for c in columns}]
    if owners:
        return f"{column} is a column of {', '.join(owners)}: select from that table."
    known = {f"{table}.{c}": c.lower() for table, columns in schema.items() for c in columns}
    close = difflib.get_close_matches(column, list(known.values()), n=3, cutoff=0.6) if column else []
    if close:
        return "Use one of the listed columns instead: " + ", ".join(
            name for name, bare in known.items() if bare in close) + "."
    return "The columns you may use: " + "; ".join(
        f"{table}: {', '.join(f'{c} {t}' for c, t in columns.items())}" for table, columns in schema.items()) + "."


# What a database error means for the next attempt: (pattern of Postgres's message, the fix to name).
_REPAIRS = (
    (re.compile(r"operator does not exist: (date|timestamp[^~]*) ~~", re.I),
     "LIKE does not work on dates: compare with a range (d >= DATE '2025-01-01' AND d < DATE '2026-01-01') or"
     " extract(year FROM d) = 2025."),
    (re.compile(r"operator does not exist: (text|character varying) [<>=]+ (integer|numeric|date)", re.I),
     "The column is text: compare it with a quoted value or cast it (col::numeric, col::date)."),
    (re.compile(r"must appear in the GROUP BY clause", re.I),
     "Every selected column that is not inside an aggregate must be listed in GROUP BY."),
    (re.compile(r"function (\w+)\(.*\) does not exist", re.I),
     "That function does not take these argument types here: cast the argument or use another function."),
    (re.compile(r"aggregate functions are not allowed in WHERE", re.I),
     "Filter aggregates with HAVING, not WHERE."),
    (re.compile(r"division by zero", re.I), "Guard the divisor with nullif(x, 0)."),
)


def repair_hint(message: str) -> str:
    """The fix a database error points to, for the model's next attempt ("" when none is known)."""
    return next((fix for pattern, fix in _REPAIRS if pattern.search(message)), "")


def describe(sql: str, row_count: int, columns: list[str]) -> str:
    """One plain sentence about what a validated query returned (when the model gave none)."""
    tree = sqlglot.parse_one(sql, read="postgres")
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    tables = sorted({f"{t.db}.{t.name}" for t in tree.find_all(exp.Table) if t.db and t.name.lower() not in ctes})
    sentence = (f"{row_count:,} row{'' if row_count == 1 else 's'} of {', '.join(columns)} from "
                f"{', '.join(tables) or 'the query'}")
    order = tree.args.get("order")
    if order is not None:
        keys = ", ".join(f"{o.this.sql('postgres')}{' descending' if o.args.get('desc') else ''}"
                         for o in order.expressions)
        sentence += f", ordered by {keys}"
    return sentence + "."
