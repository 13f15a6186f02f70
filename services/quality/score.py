"""A table's data-quality score, 0–100, from its tests' latest results.

    score = 100 × Σ w·s / Σ w        w = severity weight × dimension weight

Severity weights: error 3, warn 1. Dimension weights: completeness 1.0, uniqueness 1.0, freshness 1.0,
validity 0.8, consistency 0.8, volume 0.6. A passing test has s = 1. A failing row-level test keeps the
share of rows that passed, s = 1 − failing_rows / rows_checked (a column with 2 % nulls still scores 0.98
on not_null); a failing table-level test (freshness, row count, schema change) has s = 0. No results → no
score. Dimension scores use the same formula over one dimension's tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SEVERITY_WEIGHT = {"error": 3.0, "warn": 1.0}
DIMENSION_WEIGHT = {"completeness": 1.0, "uniqueness": 1.0, "freshness": 1.0, "validity": 0.8,
                    "consistency": 0.8, "volume": 0.6}
TABLE_LEVEL = ("freshness", "row_count", "schema_change")


@dataclass(frozen=True)
class Outcome:
    """What the score needs of one test's latest result."""

    type: str
    severity: str
    dimension: str
    passed: bool
    failing_rows: int | None
    rows_checked: int | None


def test_score(outcome: Outcome) -> float:
    """s for one result: 1 when passed, the passing share of rows for row-level tests, else 0."""
    if outcome.passed:
        return 1.0
    if outcome.type in TABLE_LEVEL or not outcome.rows_checked:
        return 0.0
    return max(0.0, 1.0 - (outcome.failing_rows or 0) / outcome.rows_checked)


def weight(outcome: Outcome) -> float:
    return SEVERITY_WEIGHT[outcome.severity] * DIMENSION_WEIGHT[outcome.dimension]


def score(outcomes: Iterable[Outcome]) -> float | None:
    """The weighted score, rounded to 0.1, or None without results."""
    found = list(outcomes)
    total = sum(weight(o) for o in found)
    if not total:
        return None
    return round(100 * sum(weight(o) * test_score(o) for o in found) / total, 1)


def by_dimension(outcomes: Iterable[Outcome]) -> dict[str, float]:
    """{dimension: score} for the dimensions that have results."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.dimension, []).append(outcome)
    return {dimension: score(items) for dimension, items in groups.items()}
