"""Format SQL with sqlglot (Postgres dialect)."""

from __future__ import annotations

import sqlglot
from sqlglot.errors import ParseError

from services.core.errors import InvalidInput


def format_sql(sql_text: str) -> str:
    """Pretty-printed SQL, statements separated by a blank line; InvalidInput when it does not parse."""
    if not sql_text.strip():
        return sql_text
    try:
        statements = sqlglot.transpile(sql_text, read="postgres", write="postgres", pretty=True)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" (line {first.get('line')}, column {first.get('col')})" if first else ""
        raise InvalidInput(f"Cannot format: the SQL does not parse{where}.") from exc
    return ";\n\n".join(statements) + (";" if len(statements) > 1 else "")
