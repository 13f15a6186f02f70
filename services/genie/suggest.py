"""Sample questions for an empty Genie page, built from the catalog (never hard-coded): for the biggest
tables of the gold, platinum and silver layers, a total of a measure by a category-like column, a breakdown
by it, a count over time and a count, worded from the table's and columns' names."""

from __future__ import annotations

from typing import Any

from services.core import db
from services.identity.rbac import Permission, authorize

MAX_QUESTIONS = 5
_LAYER_ORDER = {"gold": 0, "platinum": 1, "silver": 2}
_CATEGORY_WORDS = ("status", "category", "department", "country", "currency", "region", "type", "city", "channel")
_NUMERIC = ("numeric", "integer", "bigint", "double precision", "real", "smallint", "decimal")
_CANDIDATE_TABLES = 20  # the biggest ones: a catalog of 10,000 tables is not read on every page load
_CATALOG = f"""
WITH biggest AS (
    SELECT id, schema_name, table_name, row_count FROM ip_workbench.tables
    WHERE schema_name NOT IN ('public', 'bronze') AND kind IN ('table', 'view', 'materialized_view')
    ORDER BY row_count DESC NULLS LAST, schema_name, table_name LIMIT {_CANDIDATE_TABLES})
SELECT t.schema_name, t.table_name, m.column_name, m.data_type, coalesce(m.is_primary_key, false)
FROM biggest t JOIN ip_workbench.table_metadata m ON m.table_id = t.id
ORDER BY t.row_count DESC NULLS LAST, t.schema_name, t.table_name, m.ordinal_position
"""


def _words(name: str) -> str:
    return name.replace("_", " ")


def _for_table(table: str, columns: list[tuple[str, str, bool]]) -> list[str]:
    """Questions one table can answer, best first."""
    entity = _words(table.rsplit(".", 1)[-1])
    category = next((c for c, _t, _k in columns if any(w in c for w in _CATEGORY_WORDS)), None)
    measure = next((c for c, t, key in columns if t.startswith(_NUMERIC) and not key and not c.endswith("_id")
                    and ("amount" in c or "total" in c or "price" in c or "cost" in c or "tax" in c)), None)
    dated = next((c for c, t, _k in columns if t in ("date", "timestamp with time zone", "timestamp without time zone")
                  and ("date" in c or c in ("month", "day"))), None)
    found = []
    if measure and category:
        found.append(f"Total {_words(measure)} by {_words(category)} in {entity}")
    if category:
        found.append(f"Number of {entity} per {_words(category)}")
    if dated and entity.endswith("s"):
        found.append(f"How many {entity} per month?")
    if entity.endswith("s"):  # a plural name: its rows are things one can count
        found.append(f"How many {entity} are there?")
    return found


def sample_questions(actor: Any) -> list[str]:
    """Up to five questions a newcomer can ask with one click (use_ai_assist)."""
    authorize(actor, Permission.USE_AI_ASSIST)
    with db.connection() as conn:
        rows = conn.execute(_CATALOG).fetchall()
    tables: dict[str, list[tuple[str, str, bool]]] = {}
    for schema, table, column, data_type, key in rows:
        tables.setdefault(f"{schema}.{table}", []).append((column, data_type, key))
    ranked = sorted(tables, key=lambda n: _LAYER_ORDER.get(n.split(".", 1)[0], 3))
    per_table = [_for_table(name, tables[name]) for name in ranked]
    questions: list[str] = []
    for depth in range(4):  # one from each table first, then the second of each …
        for found in per_table:
            if depth < len(found) and found[depth] not in questions:
                questions.append(found[depth])
    return questions[:MAX_QUESTIONS]
