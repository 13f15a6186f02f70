"""WORKBENCH_DATABASE_URL: the same migrations, first admin and sign-in on an ordinary Postgres
(the machine's PostgreSQL on 127.0.0.1:5432, as a Supabase user would point us at theirs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

WORKBENCH = str(Path(sys.executable).parent / "workbench")


def _workbench(url: str, home: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url, "WORKBENCH_HOME": home}
    return subprocess.run([WORKBENCH, *args], env=env, capture_output=True, text=True, timeout=300, input=stdin)


def test_setup_and_users_on_an_external_postgres(external_database):
    home = tempfile.mkdtemp(prefix="wbext-")
    setup = _workbench(external_database, home, "setup", "--skip-demo")
    assert setup.returncode == 0, setup.stderr
    assert not (Path(home) / "pgdata").exists()  # no embedded server was started
    created = _workbench(external_database, home, "user", "create", "ext@example.com", "--role", "engineer",
                         "--password-stdin", stdin="external-password-1\n")
    assert created.returncode == 0, created.stderr
    listed = json.loads(_workbench(external_database, home, "user", "list", "--json").stdout)
    assert {u["email"] for u in listed} == {"admin@workbench.local", "ext@example.com"}
    with psycopg.connect(external_database) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        assert int(version) >= 140000
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0021_row_level_security"
        assert conn.execute("SELECT count(*) FROM ip_workbench.audit_log WHERE action = 'user_created'"
                            ).fetchone()[0] == 2


def test_demo_warehouse_builds_on_postgres_15_too(external_database):
    home = tempfile.mkdtemp(prefix="wbext-")
    assert _workbench(external_database, home, "db", "upgrade").returncode == 0
    loaded = _workbench(external_database, home, "demo", "load")
    assert loaded.returncode == 0, loaded.stderr
    with psycopg.connect(external_database) as conn:
        assert conn.execute("SELECT count(*) FROM silver.expenses").fetchone()[0] == 100_000
        assert conn.execute("SELECT count(*) FROM gold.finance_expenses").fetchone()[0] == 100_000


def test_status_says_what_is_missing_until_the_database_is_migrated(external_database):
    home = tempfile.mkdtemp(prefix="wbext-")
    behind = _workbench(external_database, home, "status", "--json")
    assert behind.returncode == 1, behind.stderr
    report = json.loads(behind.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert report["status"] == "not ready"
    assert checks["database"]["ok"] and not checks["migrations"]["ok"]
    assert "at nothing" in checks["migrations"]["detail"] and "workbench setup" in checks["migrations"]["detail"]
    assert _workbench(external_database, home, "db", "upgrade").returncode == 0
    ready = _workbench(external_database, home, "status", "--json")
    assert ready.returncode == 0, ready.stdout
    assert {c["name"]: c["ok"] for c in json.loads(ready.stdout)["checks"]}["migrations"] is True


def test_status_names_an_unreachable_database():
    home = tempfile.mkdtemp(prefix="wbext-")
    down = _workbench("postgresql://postgres@127.0.0.1:1/nothing", home, "status")
    assert down.returncode == 1
    assert "database      FAILED   cannot reach the database" in down.stdout
    assert down.stdout.strip().endswith("not ready")
