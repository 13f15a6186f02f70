"""The outside probe's findings 1–15, each replayed through the entry point the probe used (the REST API
with keys; the cookie is in tests/browser/test_foundation_ui.py) and, where the database is the real
boundary, against the database itself. Every test here failed on the code before the fix."""

from __future__ import annotations

import time
import uuid
from urllib.parse import quote

import httpx
import psycopg
import pytest
from pglast import parse_sql

from services.core import db
from services.core.errors import NotAuthenticated, PermissionDenied, RateLimited
from services.identity import auth
from services.sql import execution as qe
from services.sql import roles as query_roles

ROLES = ["viewer", "engineer", "admin", "service"]


def _post(url: str, key: str, sql: str, **headers) -> httpx.Response:
    return httpx.post(f"{url}/api/rpc/execute_sql", json={"sql": sql}, timeout=90,
                      headers={"Authorization": f"Bearer {key}", **headers})


def _get(url: str, key: str, path: str, **params) -> httpx.Response:
    return httpx.get(f"{url}{path}", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def _session_settings(url: str, key: str) -> list:
    """What a later request of another user runs with."""
    body = _post(url, key, "SELECT current_setting('statement_timeout'), current_setting('search_path'),"
                           " current_setting('transaction_read_only')").json()
    return body["rows"][0]


def _large_objects() -> int:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()[0]


ESCAPES = [
    "COMMIT; BEGIN READ WRITE; SELECT lo_from_bytea(0, 'x')",  # 1: out of read-only mode
    'SET "transaction_read_only" = off; SELECT lo_from_bytea(0, \'x\')',
    "COMMIT; BEGIN READ WRITE; CREATE TEMP TABLE t_escape (a int)",
    "ALTER ROLE CURRENT_USER PASSWORD 'owned-by-a-viewer'",
    'SET "statement_timeout" = 0',  # 2: quoted names and dynamic SQL
    'SET "search_path" = pg_catalog',
    "DO $$ BEGIN EXECUTE format('SET %I = 0', 'statement_timeout'); END $$",
    "SET LOCAL statement_timeout = 0; SELECT 1",
    "SELECT set_config('search_path', 'pg_catalog', false)",
    "SELECT pg_advisory_lock(7231001)",  # 5
    "SELECT * FROM pg_stat_activity",  # 7
    "SELECT pg_cancel_backend(pg_backend_pid())",
    "ALTER ROLE CURRENT_USER SET statement_timeout = 0",  # 8
    "COPY (SELECT 1) TO STDOUT",  # 6
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("escape", ESCAPES)
def test_escapes_are_refused_and_the_next_user_runs_with_the_configured_session(api_url, key_for, role, escape):
    """Findings 1, 2, 3, 5, 6, 7, 8: refused for every role; another user's next request is untouched."""
    _user, key = key_for(role)
    _other, other_key = key_for("viewer")
    objects = _large_objects()
    response = _post(api_url, key, escape)
    assert response.status_code in (400, 403), response.text
    assert response.json()["error"]
    assert _large_objects() == objects
    for _ in range(3):  # several times: the pool hands out several connections
        assert _session_settings(api_url, other_key) == ["30s", '"$user", public', "on"]
    writer_key = key_for("engineer")[1]
    assert _post(api_url, writer_key, "SELECT current_setting('transaction_read_only')").json()["rows"] == [["off"]]


def test_a_pooled_connection_is_reset_whatever_its_last_user_did(demo_warehouse):
    """Finding 3 at the root: even a session change the policy would refuse does not reach the next user."""
    pool = qe._pool("reader")
    conn = pool.getconn()
    conn.execute("SET statement_timeout = 0")
    conn.execute("SET search_path = pg_catalog")
    conn.commit()
    qe._release(pool, conn)
    for _ in range(3):
        again = pool.getconn()
        try:
            found = again.execute("SELECT current_setting('statement_timeout'), current_setting('search_path')"
                                  ).fetchone()
            assert found == ("30s", '"$user", public')
        finally:
            qe._release(pool, again)


def test_a_statement_that_swallows_cancellation_is_ended(demo_warehouse, make_user, operator):
    """Finding 4: a loop catching query_canceled is cancelled, then its backend terminated."""
    name = f"gold.evade_{uuid.uuid4().hex[:8]}"
    with db.connection() as conn:  # only the app can create such a function; the policy refuses CREATE FUNCTION
        conn.execute(f"""CREATE FUNCTION {name}() RETURNS int LANGUAGE plpgsql AS $$
            DECLARE started timestamptz := clock_timestamp();
            BEGIN
              WHILE clock_timestamp() < started + interval '40 seconds' LOOP
                BEGIN PERFORM pg_sleep(0.2); EXCEPTION WHEN query_canceled THEN NULL; END;
              END LOOP;
              RETURN 1;
            END $$""")
        conn.execute(f"GRANT EXECUTE ON FUNCTION {name}() TO PUBLIC")
    engineer, _ = make_user("engineer")
    started = time.monotonic()
    try:
        with pytest.raises(Exception, match="did not stop when cancelled"):
            qe.execute(engineer, f"SELECT {name}()", timeout_s=1)
        assert time.monotonic() - started < 15
        # The pool replaced the ended connection: the next query works.
        assert qe.execute(engineer, "SELECT 1").rows == [(1,)]
    finally:
        with db.connection() as conn:
            conn.execute(f"DROP FUNCTION {name}()")


def test_advisory_locks_cannot_block_the_catalog_sync(api_url, key_for):
    """Finding 5: refused for every role, and the database would refuse the query roles too."""
    from services.catalog import sync as catalog_sync

    for kind in ("reader", "writer"):
        with psycopg.connect(query_roles.conninfo_for(kind), autocommit=True) as conn, \
                pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT pg_advisory_lock(%s)", (catalog_sync.SYNC_LOCK,))
    assert catalog_sync.sync(trigger="cli", embed=False).tables_total > 0


def test_copy_does_not_exhaust_the_pool(api_url, key_for):
    """Finding 6: ten COPY requests are refused (never a 500), and a viewer is served at once afterwards."""
    _user, key = key_for("viewer")
    for _ in range(12):
        response = _post(api_url, key, "COPY (SELECT 1) TO STDOUT")
        assert response.status_code == 403, response.text
    started = time.monotonic()
    assert _post(api_url, key, "SELECT 1").status_code == 200
    assert time.monotonic() - started < 5


def test_a_connection_cut_mid_copy_is_closed_not_reused(demo_warehouse):
    """Finding 6 at the root: a connection left in COPY state is discarded by the pool."""
    pool = qe._pool("writer")
    conn = pool.getconn()
    copy = conn.cursor().copy("COPY (SELECT generate_series(1, 100000)) TO STDOUT")
    copy.__enter__()
    qe._release(pool, conn)
    assert conn.closed
    fresh = pool.getconn()
    try:
        assert fresh.execute("SELECT 1").fetchone() == (1,)
    finally:
        qe._release(pool, fresh)


@pytest.mark.parametrize("kind", ["reader", "writer"])
def test_query_roles_cannot_watch_or_signal_other_sessions(demo_warehouse, kind):
    """Finding 7 in the database: pg_stat_activity and the signal functions are revoked."""
    with psycopg.connect(query_roles.conninfo_for(kind), autocommit=True) as conn:
        for statement in ("SELECT query FROM pg_stat_activity", "SELECT * FROM pg_stat_get_activity(NULL)",
                          "SELECT pg_cancel_backend(1)", "SELECT pg_terminate_backend(1)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_a_role_setting_stored_behind_our_back_is_re_pinned(demo_warehouse):
    """Finding 8 in the database: ALTER ROLE … SET by the role itself is undone by the app."""
    with psycopg.connect(query_roles.conninfo_for("writer"), autocommit=True) as conn:
        conn.execute("ALTER ROLE CURRENT_USER SET statement_timeout = 0")
    with db.connection() as conn:
        roles = query_roles.ensure_roles(conn)
        assert query_roles.pin_settings(conn, roles) == [roles["writer"].role_name]
        assert query_roles.role_settings(conn, roles["writer"].role_name)["statement_timeout"] == "30000ms"
        assert query_roles.pin_settings(conn, roles) == []


@pytest.mark.parametrize(("method", "path", "params"), [
    ("GET", "/api/ddl/gold.finance_expenses%00.sql", {}),
    ("GET", "/api/lineage/gold.finance%00_expenses.json", {}),
    ("GET", "/api/lineage/gold.finance_expenses/impact", {"column": "a\x00b"}),
    ("GET", "/api/search", {"q": "a\x00b"}),
    ("GET", "/api/ddl/gold.%ED%A0%80.sql", {}),
])
def test_nul_bytes_and_bad_unicode_in_addresses_are_400(api_url, key_for, method, path, params):
    """Finding 9 (addresses)."""
    _user, key = key_for("viewer")
    response = httpx.request(method, f"{api_url}{path}", params=params, timeout=30,
                             headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]


@pytest.mark.parametrize("body", [b'{"sql": "SELECT 1\\u0000"}', b'{"sql": "SELECT \'\\ud800\'"}',
                                  b'{"sql": "SELECT 1", "x": "\\udfff"}'])
def test_nul_bytes_and_lone_surrogates_in_bodies_are_400(api_url, key_for, body):
    """Finding 9 (bodies)."""
    _user, key = key_for("viewer")
    response = httpx.post(f"{api_url}/api/rpc/execute_sql", content=body, timeout=30,
                          headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    assert response.status_code == 400, response.text


def test_results_are_capped_in_bytes(api_url, key_for, monkeypatch):
    """Finding 10: a result past WORKBENCH_RESULT_MAX_MB stops there and says so."""
    monkeypatch.setenv("WORKBENCH_RESULT_MAX_MB", "1")
    _user, key = key_for("viewer")
    response = _post(api_url, key, "SELECT repeat('x', 100000) AS big FROM generate_series(1, 40)")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["truncated"] is True and "1 MB" in body["truncated_reason"]
    assert 0 < body["row_count"] < 40 and len(response.content) < 2 * 1024 * 1024


def test_ddl_of_a_table_named_to_inject_sql_stays_inert(api_url, key_for):
    """Finding 11: the name is quoted in every statement, escaped in the comment and the file name."""
    from services.catalog import sync as catalog_sync

    evil = "evil\nDROP TABLE gold.finance_expenses; --"
    with db.connection() as conn:
        conn.execute(f'CREATE TABLE gold."{evil}" (a int)')
    catalog_sync.sync(trigger="cli", embed=False)
    try:
        _user, key = key_for("viewer")
        response = _get(api_url, key, "/api/ddl/" + quote(f'gold."{evil}"', safe="") + ".sql")
        assert response.status_code == 200, response.text
        kinds = [type(s.stmt).__name__ for s in parse_sql(response.text)]
        assert "DropStmt" not in kinds and kinds[0] == "CreateStmt"
        assert "\n" not in response.headers["content-disposition"]
    finally:
        with db.connection() as conn:
            conn.execute(f'DROP TABLE gold."{evil}"')
        catalog_sync.sync(trigger="cli", embed=False)


def test_a_service_account_sign_in_says_the_same_whatever_the_password(make_user):
    """Finding 13."""
    user, password = make_user("service")
    answers = []
    for attempt in (password, "not-the-password"):
        with pytest.raises((PermissionDenied, NotAuthenticated)) as refused:
            auth.login(user.email, attempt)
        answers.append((type(refused.value), str(refused.value)))
    assert answers[0] == answers[1]


def test_bad_api_keys_are_throttled_per_address_and_audited(api_url):
    """Finding 14 (keys): past the limit an address gets 429 with Retry-After, whatever key it tries."""
    address = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    codes = []
    for _ in range(25):
        response = httpx.post(f"{api_url}/api/rpc/execute_sql", json={"sql": "SELECT 1"}, timeout=30,
                              headers={"Authorization": "Bearer wbk_bad_key", "X-Forwarded-For": address})
        codes.append(response.status_code)
    assert codes[:20] == [401] * 20 and codes[-1] == 429
    assert int(response.headers["retry-after"]) >= 1
    with db.connection() as conn:
        audited = conn.execute("SELECT count(*) FROM ip_workbench.audit_log WHERE action = 'api_key_rejected'"
                               " AND client_address = %s", (address,)).fetchone()[0]
    assert audited == 20


def test_bad_passwords_are_throttled_per_address(make_user):
    """Finding 14 (passwords): many accounts tried from one address."""
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    for _ in range(20):
        user, _ = make_user("viewer")
        with pytest.raises(NotAuthenticated):
            auth.login(user.email, "wrong-password", client_address=address)
    with pytest.raises(RateLimited, match="retry in"):
        auth.login(user.email, "wrong-password", client_address=address)


def test_wrong_methods_get_405_with_allow(api_url, key_for):
    """Finding 15: 405 with a correct Allow header; OPTIONS lists the methods; unknown paths are JSON 404s."""
    _user, key = key_for("viewer")
    response = httpx.get(f"{api_url}/api/rpc/execute_sql", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert response.status_code == 405 and response.headers["allow"] == "OPTIONS, POST"
    options = httpx.options(f"{api_url}/api/tables", timeout=30)
    assert options.status_code == 204 and options.headers["allow"] == "GET, OPTIONS"
    missing = httpx.get(f"{api_url}/api/nothing-here", timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]


def test_the_schema_says_sql_must_not_be_empty(api_url, key_for):
    """Finding 15: what the schema accepts is what the server accepts."""
    spec = httpx.get(f"{api_url}/api/openapi.json", timeout=30).json()
    sql = spec["components"]["schemas"]["ExecuteSqlRequest"]["properties"]["sql"]
    assert sql["minLength"] == 1 and sql["pattern"] == r"\S"
    _user, key = key_for("viewer")
    for empty in ("", "   "):
        assert _post(api_url, key, empty).status_code == 400
    declared = spec["paths"]["/api/rpc/execute_sql"]["post"]["responses"]
    assert {"400", "401", "403", "404", "413", "429"} <= set(declared)


@pytest.mark.parametrize("escape", ["COMMIT; BEGIN READ WRITE; SELECT lo_from_bytea(0, 'x')",
                                    'SET "statement_timeout" = 0', "SELECT pg_advisory_lock(7231001)",
                                    "COPY (SELECT 1) TO STDOUT", "SELECT query FROM pg_stat_activity"])
def test_the_cli_refuses_the_same_escapes(demo_warehouse, make_user, escape):
    """The same findings through `workbench sql --as`: one clear line, exit code 1, nothing changed."""
    from tests.services.test_cli import _run

    user, _ = make_user("viewer")
    objects = _large_objects()
    refused = _run("sql", "--as", user.email, escape)
    assert refused.returncode == 1 and refused.stderr.startswith("error: ") and "Traceback" not in refused.stderr
    assert _large_objects() == objects
