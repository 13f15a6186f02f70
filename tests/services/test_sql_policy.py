"""The SQL policy's refusals, decided on PostgreSQL's own parse tree (the privilege tests in
test_query_security.py show the database agrees)."""

from __future__ import annotations

import pytest

from services.core.errors import PermissionDenied, QueryFailed
from services.sql.policy import classify


@pytest.mark.parametrize("statement", [
    "SET ROLE postgres", "set local role postgres", "RESET ROLE", "SET SESSION AUTHORIZATION postgres",
    "reset session authorization", "RESET ALL", "SET statement_timeout = 0", "set local statement_timeout to 0",
    "SET search_path = ip_workbench, public", "SET TRANSACTION READ WRITE",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "SELECT set_config('statement_timeout', '0', false)",
    "SELECT * FROM ip_workbench.users", 'SELECT * FROM "ip_workbench".users',
    "SELECT pg_read_file('/etc/passwd')", "COPY (SELECT 1) TO PROGRAM 'id'", "COPY gold.x FROM '/tmp/x.csv'",
    "SELECT * FROM dblink('dbname=postgres', 'select 1') AS t(x int)", "CREATE EXTENSION dblink",
    "CREATE FUNCTION gold.f() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$",
    "/* hide */ SET /* it */ ROLE postgres",
])
def test_refused(statement):
    with pytest.raises((PermissionDenied, QueryFailed)) as refused:
        classify(statement, may_write=True)
    assert str(refused.value)


@pytest.mark.parametrize("statement", [
    "SELECT vendor, SUM(amount) FROM gold.finance_expenses GROUP BY vendor",
    "SELECT 'SET ROLE postgres' AS text_only", "SELECT 'ip_workbench' AS just_a_string",
    "UPDATE silver.vendors SET city = 'Manila' WHERE vendor_id = 1",
    "CREATE TABLE gold.tmp_report AS SELECT 1 AS x", "WITH role AS (SELECT 1) SELECT * FROM role",
])
def test_allowed(statement):
    assert classify(statement, may_write=True).kind
