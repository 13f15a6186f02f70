"""Splitting scripts into statements."""

from __future__ import annotations

import pytest

from services.sql.split import split_statements


@pytest.mark.parametrize(("script", "expected"), [
    ("SELECT 1", ["SELECT 1"]),
    ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
    ("  ;; -- only a comment\n ; /* and this */ ", []),
    ("SELECT ';' AS semi; SELECT 2", ["SELECT ';' AS semi", "SELECT 2"]),
    ("SELECT 'it''s; fine'", ["SELECT 'it''s; fine'"]),
    ("SELECT E'a\\'; b'; SELECT 3", ["SELECT E'a\\'; b'", "SELECT 3"]),
    ('SELECT 1 AS "a;b"; SELECT 2', ['SELECT 1 AS "a;b"', "SELECT 2"]),
    ("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT f()",
     ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "SELECT f()"]),
    ("DO $body$ BEGIN PERFORM 1; END $body$; SELECT 2", ["DO $body$ BEGIN PERFORM 1; END $body$", "SELECT 2"]),
    ("SELECT 1 -- trailing; comment\n; SELECT 2", ["SELECT 1 -- trailing; comment", "SELECT 2"]),
    ("SELECT /* a; /* nested; */ b */ 1; SELECT 2", ["SELECT /* a; /* nested; */ b */ 1", "SELECT 2"]),
    ("SELECT $1::int", ["SELECT $1::int"]),
])
def test_split(script, expected):
    assert [s.text for s in split_statements(script)] == expected


def test_offsets_point_into_the_script():
    script = "SELECT 1;\n\n  SELECT nope FROM x;"
    second = split_statements(script)[1]
    assert script[second.offset:].startswith("SELECT nope") and second.offset == 13
