"""Column-level lineage extraction against the project's corpus (tests/data/lineage, 150+ cases)."""

from __future__ import annotations

import pytest

from devtools import lineage_corpus
from services.core.errors import InvalidInput
from services.lineage.extract import extract_lineage

CASES = lineage_corpus.load()


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 150
    assert len({c.name for c in CASES}) == len(CASES), "case names are unique"


@pytest.mark.parametrize("case", [c for c in CASES if not c.error], ids=lambda c: c.name)
def test_extraction(case):
    result = extract_lineage(case.sql, schema=case.schema)
    assert (set(result.sources), set(result.targets)) == (set(case.sources), set(case.targets))
    assert set(result.columns) == set(case.edges)


@pytest.mark.parametrize("case", [c for c in CASES if c.error], ids=lambda c: c.name)
def test_unparseable_sql_is_refused_with_its_position(case):
    with pytest.raises(InvalidInput) as refused:
        extract_lineage(case.sql)
    if case.error_position is not None:
        assert refused.value.position == case.error_position, str(refused.value)


def test_cli_prints_the_lineage_of_a_file_as_json(tmp_path):
    import json

    from tests.services.test_cli import _run

    script = tmp_path / "build.sql"
    script.write_text("CREATE TEMP TABLE s AS SELECT id, amount FROM bronze.raw;\n"
                      "INSERT INTO gold.t (id, amount_php) SELECT id, amount * 56 FROM s;\n")
    result = _run("lineage", "extract", str(script), "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["sources"] == ["bronze.raw"] and printed["targets"] == ["gold.t"]
    assert {(c["source_table"], c["source_column"], c["target_table"], c["target_column"])
            for c in printed["columns"]} == {("bronze.raw", "id", "gold.t", "id"),
                                             ("bronze.raw", "amount", "gold.t", "amount_php")}
    script.write_text("SELECT (a FROM t")
    refused = _run("lineage", "extract", str(script))
    assert refused.returncode != 0 and "line 1, column 11" in refused.stderr


def test_every_demo_build_file_is_read(demo_warehouse):
    from services.demo.load import SQL_DIR

    script = "\n".join(p.read_text() for p in sorted(SQL_DIR.glob("*.sql")))
    result = extract_lineage(script)
    assert "stage_expense_events" not in result.sources | result.targets  # a temporary step
    assert {"silver.expenses", "gold.finance_expenses", "gold.vendor_monthly_spend"} <= result.targets
    assert ("bronze.odoo_expense_events", "payload", "silver.expenses", "amount") in result.columns
    assert ("silver.expenses", "amount", "gold.finance_expenses", "amount_php") in result.columns
    assert ("silver.expenses", "currency", "gold.finance_expenses", "amount_php") in result.columns
