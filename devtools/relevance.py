"""Scoring catalog search against a labelled set: hit@1 and hit@3 (used by the tests and the benchmark)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.catalog import search as catalog_search
from services.core.config import PROJECT_ROOT

LABELLED_SET = PROJECT_ROOT / "tests" / "data" / "catalog_relevance.json"


@dataclass(frozen=True)
class Relevance:
    hit_at_1: float
    hit_at_3: float
    cases: int
    misses: list[tuple[str, str, list[str]]]  # (query, expected table, top 3 found)


def labelled_cases(path: Path = LABELLED_SET) -> list[dict[str, str]]:
    """[{"query": ..., "expect": "schema.table"}, ...]."""
    return json.loads(path.read_text())


def top_tables(actor: Any, query: str, n: int = 3) -> list[str]:
    """The first n distinct tables in the ranking (a column hit stands for its table)."""
    tables: list[str] = []
    for hit in catalog_search.search(actor, query, limit=20):
        name = f"{hit.schema_name}.{hit.table_name}"
        if name not in tables:
            tables.append(name)
    return tables[:n]


def evaluate(actor: Any, cases: list[dict[str, str]]) -> Relevance:
    """Run every labelled query and score where its table landed."""
    ranked = {c["query"]: top_tables(actor, c["query"]) for c in cases}
    hits1 = sum(ranked[c["query"]][:1] == [c["expect"]] for c in cases)
    misses = [(c["query"], c["expect"], ranked[c["query"]]) for c in cases if c["expect"] not in ranked[c["query"]]]
    return Relevance(hits1 / len(cases), 1 - len(misses) / len(cases), len(cases), misses)
