"""The secrets store: nothing the app keeps is in clear anywhere in ip_workbench (named secrets, alert channel
URLs, the query roles' passwords); rotation leaves every secret readable under the new key and none under the
old; a wrong or malformed key stops a process at start with a clear message; legacy clear passwords are
encrypted when first read; every encrypted column is one rotation knows."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.activity import channels
from services.core import db, secrets
from services.core.errors import InvalidInput
from services.sql import roles as query_roles
from workbench.cli.main import main

WORKBENCH = str(Path(sys.executable).parent / "workbench")


def _everything_stored() -> str:
    """Every row of every ip_workbench table as text (bytea shows as hex): what a dump of the schema holds."""
    with db.connection() as conn:
        tables = [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema"
                                             " = 'ip_workbench' AND table_type = 'BASE TABLE'")]
        return "\n".join(conn.execute(f"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM ip_workbench.{name} t"
                                      ).fetchone()[0] for name in tables)


@pytest.fixture
def admin(make_user):
    return make_user("admin")[0]


def test_no_secret_is_stored_in_clear(admin, migrated):
    token = f"tok{uuid.uuid4().hex}"
    channel = channels.add_channel(admin, f"clear-check-{token[:8]}", f"json://127.0.0.1:9/hook?token={token}")
    api_key = f"odoo-key-{uuid.uuid4().hex}"
    with db.connection() as conn:
        masked = secrets.put(conn, "test.odoo.api_key", api_key, actor_id=admin.id)
        passwords = [r.password for r in query_roles.stored_roles(conn).values()]
    try:
        assert masked == "••••" + api_key[-4:] and token not in channel.url_hint
        dump = _everything_stored()
        for clear in (token, api_key, *passwords):
            assert clear not in dump
        with db.connection() as conn:
            assert secrets.get(conn, "test.odoo.api_key") == api_key
            assert conn.execute("SELECT count(*) FROM ip_workbench.query_roles WHERE password IS NOT NULL"
                                " OR password_encrypted IS NULL").fetchone()[0] == 0
    finally:
        channels.delete_channel(admin, channel.name)
        with db.connection() as conn:
            secrets.delete(conn, "test.odoo.api_key")


def test_rotation_moves_every_secret_to_the_new_key(admin, migrated, monkeypatch):
    value = f"rotate-me-{uuid.uuid4().hex}"
    url = f"json://127.0.0.1:9/rotated?token={uuid.uuid4().hex}"
    channel = channels.add_channel(admin, f"rotation-{uuid.uuid4().hex[:8]}", url)
    with db.connection() as conn:
        secrets.put(conn, "test.rotation", value)
        passwords = {k: r.password for k, r in query_roles.stored_roles(conn).items()}
    secrets.verify_key()  # writes the key check on first use
    old_key, new_key = secrets._key_text(), secrets.new_key()
    try:
        counts = secrets.rotate(new_key)
        assert counts["ip_workbench.query_roles"] == 3 and counts["ip_workbench.secrets"] >= 2
        assert counts["ip_workbench.alert_channels"] >= 1
        monkeypatch.setenv("WORKBENCH_SECRET_KEY", new_key)
        secrets.verify_key()
        with db.connection() as conn:
            assert secrets.get(conn, "test.rotation") == value
            assert {k: r.password for k, r in query_roles.stored_roles(conn).items()} == passwords
            assert channels.url_of(conn, channel.id) == url
        monkeypatch.setenv("WORKBENCH_SECRET_KEY", old_key)
        with pytest.raises(secrets.SecretKeyMismatch, match="another key"):
            secrets.verify_key()
        with db.connection() as conn, pytest.raises(InvalidInput, match="cannot be read"):
            secrets.get(conn, "test.rotation")
    finally:
        monkeypatch.setenv("WORKBENCH_SECRET_KEY", new_key)
        secrets.rotate(old_key)  # the other tests run on the session's key file
        monkeypatch.delenv("WORKBENCH_SECRET_KEY")
        channels.delete_channel(admin, channel.name)
        with db.connection() as conn:
            secrets.delete(conn, "test.rotation")
    secrets.verify_key()


def test_the_cli_rotates_the_key_file(admin, migrated):
    with db.connection() as conn:
        secrets.put(conn, "test.cli_rotation", "still readable")
    before = secrets._key_text()
    try:
        result = CliRunner().invoke(main, ["secrets", "rotate"])
        assert result.exit_code == 0, result.output
        assert "secrets re-encrypted" in result.output and before not in result.output
        assert secrets._key_text() != before
        assert oct(os.stat(secrets.settings().secret_key_file).st_mode & 0o777) == "0o600"
        with db.connection() as conn:
            assert secrets.get(conn, "test.cli_rotation") == "still readable"
            assert conn.execute("SELECT count(*) FROM ip_workbench.audit_log WHERE action = 'secrets_rotated'"
                                ).fetchone()[0] >= 1
    finally:
        with db.connection() as conn:
            secrets.delete(conn, "test.cli_rotation")


def test_a_wrong_or_malformed_key_stops_a_process_at_start(migrated, workbench_home):
    secrets.verify_key()  # the key check exists
    for key, message in ((secrets.new_key(), "encrypted with another key than WORKBENCH_SECRET_KEY"),
                         ("not-a-key", "32-byte url-safe base64")):
        started = subprocess.run([WORKBENCH, "worker"], capture_output=True, text=True, timeout=120,
                                 env={**os.environ, "WORKBENCH_HOME": str(workbench_home),
                                      "WORKBENCH_SECRET_KEY": key})
        assert started.returncode == 1 and message in started.stderr, started.stderr
        assert "Traceback" not in started.stderr


def test_a_legacy_clear_password_is_encrypted_when_read(migrated):
    with db.connection() as conn:
        reader = query_roles.stored_roles(conn)["reader"]
        conn.execute("UPDATE ip_workbench.query_roles SET password = %s, password_encrypted = NULL"
                     " WHERE kind = 'reader'", (reader.password,))
    with db.connection() as conn:
        assert query_roles.stored_roles(conn)["reader"].password == reader.password
        clear, encrypted = conn.execute("SELECT password, password_encrypted FROM ip_workbench.query_roles"
                                        " WHERE kind = 'reader'").fetchone()
    assert clear is None and secrets.decrypt(encrypted) == reader.password


def test_rotation_knows_every_encrypted_column(migrated):
    with db.connection() as conn:
        found = {(f"ip_workbench.{t}", c) for t, c in conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'ip_workbench'"
            " AND data_type = 'bytea'")}
    known = {(table, column) for table, _key, column in secrets.ENCRYPTED_COLUMNS}
    not_secrets = {("ip_workbench.scheduler_jobs", "job_state"), ("ip_workbench.pipeline_uploads", "content")}
    assert found - not_secrets == known
