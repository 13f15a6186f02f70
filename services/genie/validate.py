"""What Genie's SQL must be before it runs: it parses, it is one read-only query, and it names only
tables and columns the catalog knows."""

from __future__ import annotations

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


def validate(sql: str, schema: dict[str, dict[str, str]]) -> str:
    """Check `sql` against `schema` ({"schema.table": {column: type}}); returns it as written.

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
        raise InvalidInput(f"{exc}. {_where_columns_are(str(exc), schema)}".strip()) from exc
    return sql.strip()


def _where_columns_are(message: str, schema: dict[str, dict[str, str]]) -> str:
    """A repair hint: which listed tables have the column the query could not find."""
    found = re.search(r"Column '([^']+)'|Unknown column: ([\w.]+)", message)
    column = (found.group(1) or found.group(2)).split(".")[-1].lower() if found else ""
    owners = [table for table, columns in schema.items() if column in {c.lower() for c in columns}]
    if owners:
        return f"{column} is a column of {', '.join(owners)}: select from that table."
    return "Use only the columns listed for each table."


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
