"""PostgREST-style query parameters (select, column=op.value, order, limit, offset) turned into safe SQL
over a whitelist of columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from services.core.errors import InvalidInput

_OPERATORS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "like": "LIKE",
              "ilike": "ILIKE"}
_RESERVED = {"select", "order", "limit", "offset"}
MAX_LIMIT = 1000


@dataclass(frozen=True)
class ParsedQuery:
    columns: list[str]
    where: sql.Composable
    params: list[Any]
    order: sql.Composable
    limit: int
    offset: int


def _column(name: str, allowed: Mapping[str, str]) -> str:
    if name not in allowed:
        raise InvalidInput(f"Unknown column '{name}'. Columns: {', '.join(allowed)}.")
    return name


def _filter(name: str, raw: str, allowed: Mapping[str, str]) -> tuple[sql.Composable, list[Any]]:
    column = sql.SQL(allowed[_column(name, allowed)])
    op, _, value = raw.partition(".")
    if op == "is":
        if value not in ("null", "true", "false"):
            raise InvalidInput(f"{name}=is.{value}: use is.null, is.true or is.false.")
        return sql.SQL("{} IS " + value.upper()).format(column), []
    if op == "in":
        if not (value.startswith("(") and value.endswith(")")):
            raise InvalidInput(f"{name}=in.{value}: write in.(a,b,c).")
        items = [v.strip().strip('"') for v in value[1:-1].split(",") if v.strip()]
        return sql.SQL("{}::text = ANY(%s)").format(column), [items]
    if op not in _OPERATORS:
        raise InvalidInput(f"{name}={raw}: unknown operator '{op}'. Use {', '.join([*_OPERATORS, 'in', 'is'])}.")
    if op in ("like", "ilike"):  # PostgREST writes * for SQL's %
        return sql.SQL("{}::text " + _OPERATORS[op] + " %s").format(column), [value.replace("*", "%")]
    return sql.SQL("{} " + _OPERATORS[op] + " %s").format(column), [value]


def parse(params: Mapping[str, str], allowed: Mapping[str, str], default_order: str) -> ParsedQuery:
    """`allowed` maps public column names to SQL expressions (trusted, written by us)."""
    select = params.get("select", "*").strip() or "*"
    columns = list(allowed) if select == "*" else [_column(c.strip(), allowed) for c in select.split(",")]
    clauses, values = [], []
    for name, raw in params.items():
        if name in _RESERVED:
            continue
        clause, extra = _filter(name, raw, allowed)
        clauses.append(clause)
        values += extra
    where = sql.SQL(" AND ").join(clauses) if clauses else sql.SQL("true")
    order_terms = []
    for term in (params.get("order") or default_order).split(","):
        name, _, direction = term.strip().partition(".")
        direction = direction or "asc"
        if direction not in ("asc", "desc"):
            raise InvalidInput(f"order={term}: direction must be asc or desc.")
        order_terms.append(sql.SQL("{} " + direction.upper() + " NULLS LAST").format(
            sql.SQL(allowed[_column(name, allowed)])))
    try:
        limit = int(params.get("limit", 100))
        offset = int(params.get("offset", 0))
    except ValueError as exc:
        raise InvalidInput("limit and offset must be whole numbers.") from exc
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"limit must be 1 to {MAX_LIMIT} and offset at least 0.")
    return ParsedQuery(columns, where, values, sql.SQL(", ").join(order_terms), limit, offset)
