"""Suggest tests from a table's profile, in one click: a column without nulls → not_null; every value
distinct → unique; a handful of distinct values → accepted_values with exactly those values. Suggestions
are stored as tests (source `suggested`) only when a person accepts them."""

from __future__ import annotations

from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from services.core import db
from services.core.table_names import resolve_table
from services.identity import audit
from services.quality.checks import TestSpec
from services.quality.permissions import authorize_quality_run
from services.quality.profile import profile_table

MAX_ACCEPTED_VALUES = 10


def suggest(actor: Any, qualified: str) -> list[TestSpec]:
    """Tests the table's current data would pass, from a fresh profile (nothing is stored)."""
    authorize_quality_run(actor)
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        found = profile_table(conn, ref)
        existing = {r[0] for r in conn.execute("SELECT name FROM ip_workbench.dq_tests WHERE table_id = %s",
                                               (ref.id,)).fetchall()}
        specs: list[TestSpec] = []
        for column in found.columns:
            if not found.rows:
                break
            if column.nulls == 0:
                specs.append(TestSpec(ref.qualified, f"not_null_{column.name}", "not_null", column.name))
            if column.distinct_exact and column.distinct == found.rows:
                specs.append(TestSpec(ref.qualified, f"unique_{column.name}", "unique", column.name))
            elif column.distinct_exact and column.distinct and column.distinct <= MAX_ACCEPTED_VALUES \
                    and found.rows > column.distinct * 2:
                values = [r[0] for r in conn.execute(sql.SQL(
                    "SELECT DISTINCT {}::text FROM {}.{} WHERE {} IS NOT NULL ORDER BY 1").format(
                    sql.Identifier(column.name), sql.Identifier(ref.schema_name), sql.Identifier(ref.table_name),
                    sql.Identifier(column.name))).fetchall()]
                specs.append(TestSpec(ref.qualified, f"accepted_values_{column.name}", "accepted_values",
                                      column.name, {"values": values}))
    return [s for s in specs if s.name not in existing]


def accept(actor: Any, qualified: str, names: list[str] | None = None) -> list[str]:
    """Store the suggestions (all, or those named); returns the stored names."""
    specs = suggest(actor, qualified)
    chosen = [s for s in specs if names is None or s.name in names]
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        for spec in chosen:
            conn.execute(
                "INSERT INTO ip_workbench.dq_tests (table_id, name, test_type, column_name, config, severity,"
                " dimension, source, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s, 'suggested', %s)"
                " ON CONFLICT (table_id, name) DO NOTHING",
                (ref.id, spec.name, spec.type, spec.column, Jsonb(spec.config), spec.severity, spec.dimension,
                 actor.id))
        audit.record(action="dq_tests_suggested", actor=actor, target=ref.qualified, conn=conn,
                     details={"accepted": [s.name for s in chosen]})
    return [s.name for s in chosen]
