"""The demo warehouse: its table contract, data shape, descriptions and determinism."""

from __future__ import annotations

import itertools

import pytest

from services.core import db
from services.demo import generate
from services.demo import load as demo

CONTRACT = {
    "bronze.odoo_expense_events": "event_id bigint, received_at timestamp with time zone, payload jsonb",
    "bronze.odoo_vendor_events": "event_id bigint, received_at timestamp with time zone, payload jsonb",
    "silver.vendors": "vendor_id integer, vendor_name text, tin text, city text, country text, is_active boolean",
    "silver.employees": "employee_id integer, full_name text, department text, hired_on date",
    "silver.expense_categories": "code text, name text, account_code text",
    "silver.expenses": "expense_id integer, expense_date date, employee_id integer, vendor_id integer, "
                       "category_code text, description text, amount numeric(12,2), currency text, status text, "
                       "updated_at timestamp with time zone",
    "gold.finance_expenses": "expense_id integer, expense_date date, vendor text, vendor_id integer, category text, "
                             "department text, employee text, amount numeric(12,2), currency text, "
                             "amount_php numeric(12,2), status text",
    "gold.vendor_monthly_spend": "month date, vendor_id integer, vendor text, expense_count integer, "
                                 "total_amount_php numeric(14,2)",
    "platinum.bir_withholding_summary": "quarter text, vendor_id integer, vendor text, tin text, "
                                        "gross_amount_php numeric(14,2), withholding_tax_php numeric(14,2)",
}
PRIMARY_KEYS = {"bronze.odoo_expense_events": "event_id", "bronze.odoo_vendor_events": "event_id",
                "silver.vendors": "vendor_id", "silver.employees": "employee_id",
                "silver.expense_categories": "code", "silver.expenses": "expense_id"}


@pytest.fixture(scope="module")
def loaded(migrated):
    return demo.load(1)


def _one(query: str, *params):
    with db.connection() as conn:
        return conn.execute(query, params).fetchone()


def test_tables_and_columns_match_the_contract(loaded):
    assert set(loaded.row_counts) == set(CONTRACT)
    for table, columns in CONTRACT.items():
        actual = _one(
            "SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)"
            " FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            table)[0]
        assert actual == columns, table
    for table, key in PRIMARY_KEYS.items():
        assert _one("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                    " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
                    table)[0] == key


def test_reported_row_counts_are_the_tables_row_counts(loaded):
    for table, reported in loaded.row_counts.items():
        assert _one(f"SELECT count(*) FROM {table}")[0] == reported, table


def test_scale_one_sizes(loaded):
    counts = loaded.row_counts
    assert counts["silver.expenses"] == 100_000
    assert counts["gold.finance_expenses"] == 100_000
    assert counts["silver.vendors"] == 500
    assert counts["silver.employees"] == 300
    assert counts["silver.expense_categories"] == 12
    assert _one("SELECT min(expense_date), max(expense_date) FROM silver.expenses") == (
        generate.FIRST_DAY, generate.LAST_DAY)


def test_raw_data_has_the_promised_flaws(loaded):
    events = loaded.row_counts["bronze.odoo_expense_events"]
    duplicates = _one("SELECT count(*) - count(DISTINCT payload) FROM bronze.odoo_expense_events")[0]
    malformed = _one(
        "SELECT count(*) FROM bronze.odoo_expense_events WHERE NOT coalesce(payload ? 'id' AND"
        " jsonb_typeof(payload -> 'total_amount') = 'number' AND payload ->> 'date' ~ '^\\d{4}-\\d{2}-\\d{2}$',"
        " false)")[0]
    assert 0.008 < duplicates / events < 0.012
    assert 0.004 < malformed / events < 0.006
    null_vendor, unknown_category = _one(
        "SELECT avg((vendor_id IS NULL)::int), avg((category_code NOT IN"
        " (SELECT code FROM silver.expense_categories))::int) FROM silver.expenses")
    assert 0.015 < null_vendor < 0.025
    assert 0.04 < unknown_category < 0.06
    statuses = {r for (r,) in _query("SELECT DISTINCT status FROM silver.expenses")}
    assert statuses == {"draft", "submitted", "approved", "paid", "refused"}
    assert {r for (r,) in _query("SELECT DISTINCT currency FROM silver.expenses")} == {"PHP", "USD", "EUR"}


def _query(q: str, params: tuple | None = None):
    with db.connection() as conn:
        return conn.execute(q, params).fetchall()


def test_gold_and_platinum_agree_with_silver(loaded):
    php = _one("SELECT sum(amount_php) FROM gold.finance_expenses WHERE status IN ('approved', 'paid')"
               " AND vendor_id IS NOT NULL")[0]
    assert _one("SELECT sum(total_amount_php) FROM gold.vendor_monthly_spend")[0] == php
    assert _one("SELECT count(*) FROM gold.finance_expenses WHERE currency = 'PHP' AND amount <> amount_php")[0] == 0
    assert _one("SELECT count(*) FROM platinum.bir_withholding_summary WHERE withholding_tax_php > gross_amount_php"
                " * 0.10 + 0.01 * 400")[0] == 0
    assert _one("SELECT count(DISTINCT quarter) FROM platinum.bir_withholding_summary")[0] == 8


def test_every_table_and_column_has_a_description(loaded):
    missing = _query(
        "SELECT c.oid::regclass::text || coalesce('.' || a.attname, '') FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        "   AND col_description(c.oid, a.attnum) IS NULL"
        " WHERE c.oid = ANY(%s::regclass[]) AND c.relkind = 'r'"
        "   AND (obj_description(c.oid, 'pg_class') IS NULL OR a.attname IS NOT NULL)", (list(demo.DEMO_TABLES),))
    assert missing == []


def test_tables_are_registered_in_the_catalog(loaded):
    registered = {f"{s}.{t}" for s, t in _query("SELECT schema_name, table_name FROM ip_workbench.tables")}
    assert set(CONTRACT) <= registered
    assert _one("SELECT count(*) FROM ip_workbench.table_metadata m JOIN ip_workbench.tables t ON t.id = m.table_id"
                " WHERE t.schema_name = 'silver' AND t.table_name = 'expenses'")[0] == 10


def test_generation_is_deterministic():
    first_vendors, first_expenses = generate.all_events(1)
    second_vendors, second_expenses = generate.all_events(1)
    assert list(first_vendors) == list(second_vendors)
    assert list(itertools.islice(first_expenses, 5000)) == list(itertools.islice(second_expenses, 5000))


def test_build_sql_lives_in_files_in_order():
    names = [p.name for p in demo.build_files()]
    assert names[0] == "00_bronze_tables.sql" and names[-1] == "30_platinum_bir_withholding_summary.sql"
    assert any("silver" in n for n in names) and any("gold" in n for n in names)
