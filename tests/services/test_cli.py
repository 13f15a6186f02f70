"""The `workbench` command line, run as a real process."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from services.core import migrations

WORKBENCH = str(Path(sys.executable).parent / "workbench")


def _run(*args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([WORKBENCH, *args], capture_output=True, text=True, input=stdin, timeout=180,
                          env={**os.environ, **(env or {})})


def test_first_run_setup_creates_one_admin_with_a_private_password_file():
    home = Path(tempfile.mkdtemp(prefix="wbcli-"))
    env = {"WORKBENCH_HOME": str(home)}
    first = _run("setup", "--skip-demo", env=env)
    assert first.returncode == 0, first.stderr
    password = re.search(r"password \(shown once.*\): (\S+)", first.stdout).group(1)
    credentials = home / "admin-credentials.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert f"password: {password}" in credentials.read_text()
    second = _run("setup", "--skip-demo", env=env)
    assert second.returncode == 0 and "password" not in second.stdout
    listed = json.loads(_run("user", "list", "--json", env=env).stdout)
    assert [(u["email"], u["role"]) for u in listed] == [("admin@workbench.local", "admin")]


def test_user_commands(migrated):
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    created = _run("user", "create", email, "--role", "viewer", "--name", "Cli User")
    assert created.returncode == 0 and re.search(r"password: \S{16,}", created.stdout)
    assert _run("user", "set-role", email, "engineer").stdout.strip() == f"{email} is now engineer"
    assert _run("user", "disable", email).returncode == 0
    listed = {u["email"]: u for u in json.loads(_run("user", "list", "--json").stdout)}
    assert listed[email]["role"] == "engineer" and listed[email]["is_active"] is False


def test_password_from_stdin(migrated):
    from services.identity import auth

    email = f"stdin-{uuid.uuid4().hex[:8]}@example.com"
    result = _run("user", "create", email, "--role", "engineer", "--password-stdin", stdin="a-long-password-1\n")
    assert result.returncode == 0 and "password:" not in result.stdout
    assert auth.login(email, "a-long-password-1").user.email == email


@pytest.mark.parametrize(("args", "message"), [
    (("user", "set-role", "nobody@example.com", "viewer"), "error: No user with email nobody@example.com."),
    (("user", "create", "bad-email", "--role", "viewer"), "error: 'bad-email' is not a valid email address."),
    (("demo", "load", "--scale", "0"), "error: --scale must be a whole number from 1 to 100."),
])
def test_errors_are_one_clear_line_and_a_non_zero_exit(migrated, args, message):
    result = _run(*args)
    assert result.returncode == 1
    assert result.stderr.strip() == message


def test_apikey_create_list_revoke(migrated, make_user):
    from services.core.errors import NotAuthenticated
    from services.identity import api_keys

    user, _ = make_user("service")
    created = _run("apikey", "create", "--user", user.email, "--name", "n8n")
    assert created.returncode == 0, created.stderr
    key = re.search(r"key \(shown once\): (wbk_\S+)", created.stdout).group(1)
    assert api_keys.authenticate(key)[0].email == user.email
    prefix = key.split("_")[1]
    assert prefix in _run("apikey", "list").stdout and key not in _run("apikey", "list").stdout
    assert _run("apikey", "revoke", prefix).returncode == 0
    with pytest.raises(NotAuthenticated):
        api_keys.authenticate(key)


def test_sql_command_formats(demo_warehouse, make_user):
    user, _ = make_user("viewer")
    sql = "SELECT code, name FROM silver.expense_categories WHERE code IN ('MEAL', 'RENT') ORDER BY code"
    as_json = _run("sql", "--as", user.email, "--format", "json", sql)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == [{"code": "MEAL", "name": "Meals & Entertainment"},
                                          {"code": "RENT", "name": "Rent"}]
    assert _run("sql", "--as", user.email, "--format", "csv", sql).stdout == (
        "code,name\nMEAL,Meals & Entertainment\nRENT,Rent\n")
    table = _run("sql", "--as", user.email, sql).stdout
    assert "MEAL" in table and "(2 rows)" in table
    refused = _run("sql", "--as", user.email, "DELETE FROM silver.vendors")
    assert refused.returncode == 1 and "read-only" in refused.stderr


def test_db_url_and_psql_reach_the_database(migrated):
    url = _run("db", "url")
    assert url.returncode == 0, url.stderr
    with psycopg.connect(url.stdout.strip()) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrations.current_revision()
    answered = _run("db", "psql", "-At", "-c", "SELECT 40 + 2")
    assert answered.returncode == 0 and answered.stdout.strip() == "42", answered.stderr
    failed = _run("db", "psql", "-c", "SELECT * FROM no_such_table", "-v", "ON_ERROR_STOP=1")
    assert failed.returncode != 0 and "no_such_table" in failed.stderr


def test_odoo_and_provider_keys_come_from_standard_input(migrated, operator):
    from devtools.odoo_peer import OdooPeer, running_odoo
    from services.identity import users

    email = f"cli-admin-{uuid.uuid4().hex[:6]}@example.com"
    users.create_user(operator, email, "admin", password="correct-horse-battery")
    with running_odoo(OdooPeer()) as odoo:
        configured = _run("odoo", "configure", "--url", odoo.url, "--database", odoo.database, "--user", odoo.login,
                          "--as", email, stdin=odoo.api_key + "\n")
        assert configured.returncode == 0, configured.stderr
        assert odoo.api_key not in configured.stdout and "••••" in configured.stdout
        tested = _run("odoo", "test", "--as", email, "--json")
        assert tested.returncode == 0 and json.loads(tested.stdout)["ok"] is True, tested.stdout + tested.stderr
    name = f"cli-{uuid.uuid4().hex[:6]}"
    added = _run("llm", "provider", "add", name, "--kind", "openai", "--models", f"openai/{name}", "--as", email,
                 "--json", stdin="sk-from-stdin-123456\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["key_hint"] == "••••3456" and "sk-from-stdin" not in added.stdout
    assert _run("llm", "provider", "delete", name, "--as", email).returncode == 0


def test_several_app_processes_without_redis_are_refused_in_one_line():
    refused = _run("status", env={"WORKBENCH_WORKERS": "2", "REDIS_URL": ""})
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("error: WORKBENCH_WORKERS=2 needs REDIS_URL"), refused.stderr
