"""Profiling in one scan: the numbers equal exact SQL on a table built with known nulls, duplicates,
out-of-range and malformed values; the estimate and sample paths say so; profiles are kept."""

from __future__ import annotations

import math

import pytest

from services.catalog import sync as catalog_sync
from services.core import db
from services.core.errors import PermissionDenied
from services.quality import profile as profiling
from tests.warehouse import source_table


@pytest.fixture(scope="module")
def messy(demo_warehouse) -> str:
    name = source_table(
        "id int, amount numeric(10,2), vendor text, active boolean, seen date, code text",
        "SELECT g, CASE WHEN g % 20 = 0 THEN NULL WHEN g % 97 = 0 THEN -5000 ELSE g * 1.5 END,"
        " CASE WHEN g % 100 = 0 THEN NULL ELSE 'vendor ' || (g % 37) END, g % 3 = 0,"
        " DATE '2025-01-01' + (g % 365),"
        " CASE WHEN g % 50 = 0 THEN 'not-a-code!' ELSE 'C' || lpad((g % 10)::text, 3, '0') END"
        " FROM generate_series(1, 1000) g", prefix="dq")
    catalog_sync.sync(embed=False)
    return name


def _exact(table: str, column: str) -> dict:
    with db.connection() as conn:
        row = conn.execute(f"SELECT count(*) - count({column}), count(DISTINCT {column}) FROM {table}").fetchone()
    return {"nulls": row[0], "distinct": row[1]}


def test_profile_numbers_equal_exact_sql(messy, make_user):
    engineer, _ = make_user("engineer")
    found = profiling.profile(engineer, messy)
    assert found.rows == 1000 and not found.sampled and found.profiled_at is not None
    by_name = {c.name: c for c in found.columns}
    assert list(by_name) == ["id", "amount", "vendor", "active", "seen", "code"]
    for column in by_name.values():
        exact = _exact(messy, column.name)
        assert (column.nulls, column.distinct, column.distinct_exact) == (exact["nulls"], exact["distinct"], True)
        assert column.null_fraction == exact["nulls"] / 1000
    with db.connection() as conn:
        low, high, mean, stddev = conn.execute(
            f"SELECT min(amount), max(amount), avg(amount)::float8, stddev_samp(amount)::float8 FROM {messy}"
        ).fetchone()
        lengths = conn.execute(f"SELECT min(length(vendor)), avg(length(vendor))::float8, max(length(vendor))"
                               f" FROM {messy}").fetchone()
    amount = by_name["amount"]
    assert (amount.min, amount.max) == (str(low), str(high)) and amount.min == "-5000.00"
    assert math.isclose(amount.mean, mean) and math.isclose(amount.stddev, stddev)
    vendor = by_name["vendor"]
    assert (vendor.min_length, vendor.max_length) == (lengths[0], lengths[2])
    assert math.isclose(vendor.mean_length, lengths[1])
    assert (by_name["active"].min, by_name["active"].max) == ("false", "true")
    assert (by_name["seen"].min, by_name["seen"].max) == ("2025-01-01", "2025-12-31")
    assert by_name["code"].max == "not-a-code!"
    history = profiling.history(engineer, messy, "amount")
    assert history[-1]["nulls"] == 50 and history[-1]["rows"] == 1000


def test_estimates_and_samples_are_labelled(messy, make_user, monkeypatch):
    engineer, _ = make_user("engineer")
    with db.connection() as conn:
        conn.execute(f"ANALYZE {messy}")
    monkeypatch.setattr(profiling, "EXACT_DISTINCT_MAX_ROWS", 10)
    monkeypatch.setattr(profiling, "SAMPLE_ABOVE_ROWS", 500)
    monkeypatch.setattr(profiling, "SAMPLE_TARGET_ROWS", 500)
    found = profiling.profile(engineer, messy)
    assert found.sampled and found.sample_percent == 50.0
    assert "estimated" in found.distinct_method
    by_name = {c.name: c for c in found.columns}
    assert not by_name["id"].distinct_exact and by_name["id"].distinct is not None
    assert by_name["vendor"].top_values and all(0 < v["fraction"] <= 1 for v in by_name["vendor"].top_values)


def test_viewers_read_profiles_but_do_not_run_them(messy, make_user):
    viewer, _ = make_user("viewer")
    with pytest.raises(PermissionDenied, match="viewer"):
        profiling.profile(viewer, messy)
    assert profiling.history(viewer, messy, "id") is not None
