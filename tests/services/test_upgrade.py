"""Upgrades: a database built by the previous release's migrations and filled with what a team keeps
(users, snippets, query history, catalog edits, lineage, Genie turns) moves to the head migration without
losing a row, and the current code reads it back (on the machine's PostgreSQL, as WORKBENCH_DATABASE_URL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg
from alembic.script import ScriptDirectory

from services.core import migrations

# The head migration of the last landed release; move it forward when a release adds migrations.
PREVIOUS_RELEASE = "0020_shared_limits"
WORKBENCH = str(Path(sys.executable).parent / "workbench")
USER_ID, TABLE_ID, SOURCE_ID, LINEAGE_ID = (str(uuid.uuid4()) for _ in range(4))
FILL = f"""
CREATE SCHEMA IF NOT EXISTS silver;
CREATE TABLE silver.upgrade_orders (order_id int PRIMARY KEY, amount numeric);
CREATE TABLE silver.upgrade_source (order_id int, amount numeric);
INSERT INTO ip_workbench.users (id, email, full_name, role, password_hash, is_active)
    VALUES ('{USER_ID}', 'kept@example.com', 'Kept Person', 'engineer', NULL, true);
INSERT INTO ip_workbench.sql_snippets (name, description, sql, owner, tags)
    VALUES ('monthly orders', 'kept', 'SELECT count(*) FROM silver.upgrade_orders', '{USER_ID}', ARRAY['finance']);
INSERT INTO ip_workbench.query_history (user_id, sql, rows_returned, execution_time_ms, status, source)
    VALUES ('{USER_ID}', 'SELECT 1', 1, 3, 'completed', 'editor');
INSERT INTO ip_workbench.tables (id, schema_name, table_name, description, owner, kind)
    VALUES ('{TABLE_ID}', 'silver', 'upgrade_orders', 'Orders, as finance reads them', '{USER_ID}', 'table'),
           ('{SOURCE_ID}', 'silver', 'upgrade_source', NULL, NULL, 'table');
INSERT INTO ip_workbench.table_metadata (table_id, column_name, data_type, is_nullable, is_primary_key,
                                         description, ordinal_position)
    VALUES ('{TABLE_ID}', 'order_id', 'integer', false, true, 'The order number', 1),
           ('{TABLE_ID}', 'amount', 'numeric', true, false, 'Amount in pesos', 2);
INSERT INTO ip_workbench.lineage (id, source_table_id, target_table_id, transformation_sql, origin, origin_key)
    VALUES ('{LINEAGE_ID}', '{SOURCE_ID}', '{TABLE_ID}', 'INSERT INTO silver.upgrade_orders SELECT * FROM
    silver.upgrade_source', 'manual', 'kept-edge');
INSERT INTO ip_workbench.column_lineage (lineage_id, source_table_id, source_column, target_table_id, target_column)
    VALUES ('{LINEAGE_ID}', '{SOURCE_ID}', 'amount', '{TABLE_ID}', 'amount');
INSERT INTO ip_workbench.genie_turns (conversation_id, user_id, question, sql, status, attempts, row_count, rating)
    VALUES ('{uuid.uuid4()}', '{USER_ID}', 'how many orders', 'SELECT count(*) FROM silver.upgrade_orders',
            'answered', '[]', 1, 1);
"""
KEPT = ("users", "sql_snippets", "query_history", "tables", "lineage", "column_lineage", "genie_turns")


def _workbench(url: str, home: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url, "WORKBENCH_HOME": home}
    return subprocess.run([WORKBENCH, *args], env=env, capture_output=True, text=True, timeout=600)


def _rows(conn: psycopg.Connection, table: str, columns: str = "*") -> list[tuple]:
    return conn.execute(f"SELECT {columns} FROM ip_workbench.{table} ORDER BY 1::text").fetchall()


def test_the_previous_release_upgrades_to_head_without_loss(external_database):
    home = tempfile.mkdtemp(prefix="wbupgrade-")
    old = _workbench(external_database, home, "db", "upgrade", "--revision", PREVIOUS_RELEASE)
    assert old.returncode == 0, old.stderr
    with psycopg.connect(external_database) as conn:
        conn.execute(FILL)
    with psycopg.connect(external_database) as conn:
        before = {table: _rows(conn, table) for table in KEPT}
        columns_before = _rows(conn, "table_metadata", "table_id, column_name, data_type, description")
    upgraded = _workbench(external_database, home, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    head = ScriptDirectory.from_config(migrations.alembic_config()).get_current_head()
    assert upgraded.stdout.strip().endswith(f"database at revision {head}"), upgraded.stdout
    assert head != PREVIOUS_RELEASE, "the previous release must be older than the head"
    with psycopg.connect(external_database) as conn:
        assert {table: _rows(conn, table) for table in KEPT} == before
        assert _rows(conn, "table_metadata", "table_id, column_name, data_type, description") == columns_before
    # The current code reads it: the user and their role, their snippet's owner, and a catalog sync that
    # keeps the descriptions people wrote.
    listed = json.loads(_workbench(external_database, home, "user", "list", "--json").stdout)
    assert {"email": "kept@example.com", "role": "engineer"}.items() <= \
        next(u for u in listed if u["email"] == "kept@example.com").items()
    synced = _workbench(external_database, home, "catalog", "sync", "--json")
    assert synced.returncode == 0, synced.stderr
    with psycopg.connect(external_database) as conn:
        assert conn.execute("SELECT description FROM ip_workbench.tables WHERE id = %s",
                            (TABLE_ID,)).fetchone()[0] == "Orders, as finance reads them"
        assert conn.execute("SELECT description FROM ip_workbench.table_metadata WHERE table_id = %s AND"
                            " column_name = 'amount'", (TABLE_ID,)).fetchone()[0] == "Amount in pesos"
        assert conn.execute("SELECT count(*) FROM ip_workbench.lineage WHERE origin_key = 'kept-edge'"
                            ).fetchone()[0] == 1
