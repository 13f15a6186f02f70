"""Data-quality tests: each type passes on good data and fails on bad with the right failing count; tests as
YAML apply idempotently; bad YAML, unknown types and writing SQL are clear errors that change nothing; the
score formula."""

from __future__ import annotations

import pytest

from services.catalog import sync as catalog_sync
from services.core import db
from services.core.errors import InvalidInput, PermissionDenied
from services.quality import runs, testing
from services.quality import score as scoring
from services.quality import suggest as suggestions
from tests.warehouse import source_table


@pytest.fixture(scope="module")
def tables(demo_warehouse) -> tuple[str, str]:
    parent = source_table("code text", "SELECT 'C' || g FROM generate_series(1, 5) g", prefix="dqp")
    child = source_table(
        "id int, parent text, amount numeric, status text, email text, loaded_at timestamptz",
        "SELECT g, CASE WHEN g <= 3 THEN 'C9' ELSE 'C' || (g % 5 + 1) END,"
        " CASE WHEN g % 10 = 0 THEN NULL WHEN g = 7 THEN 5000 ELSE g END,"
        " CASE WHEN g = 11 THEN 'lost' ELSE 'paid' END,"
        " CASE WHEN g = 12 THEN 'not-an-email' ELSE 'u' || g || '@x.ph' END, now() - interval '1 hour'"
        " FROM generate_series(1, 40) g UNION ALL SELECT 1, 'C1', 1, 'paid', 'a@x.ph', now() - interval '1 hour'",
        prefix="dqc")
    catalog_sync.sync(embed=False)
    return parent, child


def _yaml(child: str, parent: str) -> str:
    return f"""
version: 2
models:
  - name: {child}
    tests:
      - row_count: {{min: 10, max: 100}}
      - schema_change
    columns:
      - name: id
        tests: [unique, not_null]
      - name: amount
        tests: [not_null, {{range: {{min: 0, max: 1000, severity: warn}}}}]
      - name: status
        tests: [{{accepted_values: {{values: [paid, refused]}}}}]
      - name: parent
        tests: [{{relationships: {{to: {parent}, field: code}}}}]
      - name: email
        tests: [{{pattern: {{regex: '^[^@]+@[^@]+$'}}}}]
      - name: loaded_at
        tests: [{{freshness: {{hours: 24}}}}]
"""


def test_each_type_counts_its_failing_rows(tables, make_user):
    parent, child = tables
    engineer, _ = make_user("engineer")
    assert testing.apply_yaml(engineer, _yaml(child, parent))["added"] == 10
    again = testing.apply_yaml(engineer, _yaml(child, parent))
    assert again == {"added": 0, "updated": 0, "removed": 0, "unchanged": 10}
    run = runs.run_table(engineer, child)
    got = {t.name: (t.passed, t.failing_rows) for t in run.tests}
    assert got == {
        "unique_id": (False, 2), "not_null_id": (True, 0), "not_null_amount": (False, 4),
        "range_amount": (False, 1), "accepted_values_status": (False, 1), "relationships_parent": (False, 3),
        "pattern_email": (False, 1), "freshness_loaded_at": (True, 0), "row_count": (True, 0),
        "schema_change": (True, 0)}
    failing = next(t for t in run.tests if t.name == "accepted_values_status")
    assert failing.sample[0]["status"] == "lost" and "NOT NULL" in failing.sql and failing.remediation
    assert all(t.rows_checked == 41 for t in run.tests)
    with db.connection() as conn:
        stored = conn.execute("SELECT dq_score FROM ip_workbench.tables WHERE schema_name || '.' || table_name = %s",
                              (child,)).fetchone()[0]
    assert float(stored) == run.score
    with db.connection() as conn:
        conn.execute(f"ALTER TABLE {child} ADD COLUMN note text")
    changed = {t.name: (t.passed, t.message) for t in runs.run_table(engineer, child).tests}
    assert changed["schema_change"] == (False, "added note")


def test_good_data_passes_every_type(tables, make_user):
    parent, _child = tables
    engineer, _ = make_user("engineer")
    good = source_table("id int, code text, seen timestamptz", "SELECT g, 'C' || g, now() FROM generate_series(1, 5) g",
                        prefix="dqg")
    catalog_sync.sync(embed=False)
    testing.apply_yaml(engineer, f"""
version: 2
models:
  - name: {good}
    tests:
      - row_count: {{min: 5, max: 5}}
      - custom_sql: {{name: no_negative_ids, sql: "SELECT * FROM {good} WHERE id < 0"}}
    columns:
      - name: id
        tests: [unique, not_null, {{range: {{min: 1, max: 5}}}}, {{accepted_values: {{values: [1, 2, 3, 4, 5]}}}}]
      - name: code
        tests: [{{relationships: {{to: {parent}, field: code}}}}, {{pattern: {{regex: '^C[0-9]+$'}}}}]
      - name: seen
        tests: [freshness]
""")
    run = runs.run_table(engineer, good)
    assert [t.name for t in run.tests if not t.passed] == [] and run.score == 100.0


@pytest.mark.parametrize(("text", "message"), [
    ("version: 2\nmodels: [", "not valid YAML"),
    ("models: []", "version: 2"),
    ("version: 2\nmodels:\n  - name: {table}\n    columns:\n      - name: id\n        tests: [sparkly]",
     "Unknown test type"),
    ("version: 2\nmodels:\n  - name: {table}\n    tests:\n      - custom_sql: {{name: x, sql: 'DELETE FROM {table}'}}",
     "custom SQL must be a SELECT"),
    ("version: 2\nmodels:\n  - name: {table}\n    columns:\n      - name: nope\n        tests: [not_null]",
     "has no column nope"),
])
def test_bad_files_are_clear_errors_and_change_nothing(tables, make_user, text, message):
    _parent, child = tables
    engineer, _ = make_user("engineer")
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM ip_workbench.dq_tests").fetchone()[0]
    with pytest.raises(InvalidInput, match=message):
        testing.apply_yaml(engineer, text.format(table=child))
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM ip_workbench.dq_tests").fetchone()[0] == before


def test_viewers_cannot_apply_or_run(tables, make_user):
    viewer, _ = make_user("viewer")
    with pytest.raises(PermissionDenied):
        runs.run_table(viewer, tables[1])
    with pytest.raises(PermissionDenied):
        testing.apply_yaml(viewer, "version: 2\nmodels: []")


def test_the_score_formula():
    o = scoring.Outcome
    assert scoring.score([]) is None
    assert scoring.score([o("not_null", "error", "completeness", True, 0, 100)]) == 100.0
    # 2 % nulls on an error not_null (w = 3) and a failed warn freshness (w = 1): (3 × 0.98 + 0) / 4.
    assert scoring.score([o("not_null", "error", "completeness", False, 2, 100),
                          o("freshness", "warn", "freshness", False, 1, 100)]) == 73.5
    # Dimension weights: a failed error validity test (w = 2.4, s = 0.5) beside a passing error volume test
    # (w = 1.8, s = 1): (2.4 × 0.5 + 1.8) / 4.2 = 71.4.
    assert scoring.score([o("accepted_values", "error", "validity", False, 50, 100),
                          o("row_count", "error", "volume", True, 0, 100)]) == 71.4
    assert scoring.by_dimension([o("unique", "warn", "uniqueness", False, 10, 100)]) == {"uniqueness": 90.0}


def test_suggestions_from_a_profile_pass_on_the_data_they_came_from(make_user, demo_warehouse):
    engineer, _ = make_user("engineer")
    table = source_table("id int, kind text, note text",
                         "SELECT g, 'k' || (g % 3), CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' END"
                         " FROM generate_series(1, 30) g", prefix="dqs")
    catalog_sync.sync(embed=False)
    names = {s.name: s for s in suggestions.suggest(engineer, table)}
    assert set(names) == {"not_null_id", "unique_id", "not_null_kind", "accepted_values_kind",
                          "accepted_values_note"}
    assert names["accepted_values_kind"].config == {"values": ["k0", "k1", "k2"]}
    assert suggestions.accept(engineer, table) == list(names)
    run = runs.run_table(engineer, table)
    assert run.score == 100.0 and len(run.tests) == 5
    assert suggestions.suggest(engineer, table) == []


def test_tests_made_on_the_page_are_checked_and_kept_beside_yaml(tables, make_user):
    from services.core.errors import Conflict, NotFound

    parent, child = tables
    engineer, _ = make_user("engineer")
    spec = testing.add_test(engineer, child, "accepted_values", column="status", options="values: [paid, lost]",
                            severity="warn", name="status_known")
    assert (spec.config, spec.severity, spec.dimension) == ({"values": ["paid", "lost"]}, "warn", "validity")
    with pytest.raises(Conflict):
        testing.add_test(engineer, child, "not_null", column="id", name="status_known")
    for args, kwargs, message in [
        (("sparkly",), {"column": "id"}, "Unknown test type"),
        (("not_null",), {"column": "nope"}, "has no column nope"),
        (("accepted_values",), {"column": "status", "options": "values: ["}, "not valid YAML"),
        (("custom_sql",), {"options": f"sql: DROP TABLE {child}"}, "must be a SELECT"),
        (("relationships",), {"column": "parent", "options": f"to: {parent}\nfield: nope"}, "has no column nope"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            testing.add_test(engineer, child, *args, **kwargs)
    with pytest.raises(PermissionDenied):
        testing.add_test(make_user("viewer")[0], child, "not_null", column="id", name="x")
    run = runs.run_table(engineer, child)
    assert next(t for t in run.tests if t.name == "status_known").passed
    testing.delete_test(engineer, child, "status_known")
    with pytest.raises(NotFound):
        testing.delete_test(engineer, child, "status_known")
