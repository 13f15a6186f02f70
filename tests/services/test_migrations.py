"""Migrations: upgrade head on an empty database, downgrade base, upgrade again (a scratch database)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import create_engine, pool, text

from alembic import command
from services.core import db, migrations

PRD_TABLES = {"agents", "agent_runs", "pipelines", "job_runs", "tables", "table_metadata", "lineage",
              "llm_requests", "dq_test_results", "sql_snippets", "query_history", "cost_tracker"}
AUTH_AND_HOME = {"users", "sessions", "api_keys", "audit_log", "activity_log", "alerts", "query_roles",
                 "catalog_embeddings", "catalog_favorites",
                 "catalog_sync_runs", "scheduler_jobs", "catalog_search_state", "column_lineage",
                 "genie_turns", "lineage_scripts", "auth_failures", "sign_in_handoffs"}


@pytest.fixture
def scratch_url():
    base = db.database_url()
    name = "wb_migration_scratch"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = db.sqlalchemy_url().replace("/workbench?", f"/{name}?")
    assert name in url
    yield url
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _objects(conn) -> tuple[set[str], set[str]]:
    tables = {r[0] for r in conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ip_workbench'"
        " AND table_type = 'BASE TABLE'"))}
    views = {r[0] for r in conn.execute(text(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'ip_workbench'"))}
    return tables, views


def _run(url: str, action: str, revision: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        cfg = migrations.alembic_config()
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)
    engine.dispose()


def _inspect(url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        found = _objects(conn)
    engine.dispose()
    return found


def test_upgrade_downgrade_upgrade(scratch_url):
    assert _inspect(scratch_url) == (set(), set())
    _run(scratch_url, "upgrade", "head")
    tables, views = _inspect(scratch_url)
    assert tables >= PRD_TABLES | AUTH_AND_HOME
    assert views == {"kpi_summary"}
    _run(scratch_url, "downgrade", "base")
    assert _inspect(scratch_url) == (set(), set())
    _run(scratch_url, "upgrade", "head")
    assert _inspect(scratch_url)[0] >= PRD_TABLES | AUTH_AND_HOME


def test_main_database_is_at_head(migrated):
    assert migrations.current_revision() == "0021_row_level_security"
