"""Relevance of catalog search over the demo catalog: a labelled set (names, prefixes, synonyms, business
phrases), each with the table that must appear in the top 3 (a hit on one of its columns counts).
Prints hit@1 and hit@3; every query must hit at 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services import catalog_search, catalog_sync

CASES = json.loads((Path(__file__).parent.parent / "data" / "catalog_relevance.json").read_text())


def _top_tables(actor, query: str, n: int = 3) -> list[str]:
    """The first n distinct tables in the ranking (a column hit stands for its table)."""
    tables: list[str] = []
    for hit in catalog_search.search(actor, query, limit=20):
        name = f"{hit.schema_name}.{hit.table_name}"
        if name not in tables:
            tables.append(name)
    return tables[:n]


@pytest.fixture(scope="module")
def ranked(demo_warehouse, operator_module):
    catalog_sync.sync()
    return {c["query"]: _top_tables(operator_module, c["query"]) for c in CASES}


@pytest.fixture(scope="module")
def operator_module():
    from services.operator import current_operator

    return current_operator()


def test_the_labelled_set_is_big_enough():
    assert len(CASES) >= 30


def test_hit_at_3_and_report(ranked, capsys):
    hit1 = sum(ranked[c["query"]][:1] == [c["expect"]] for c in CASES) / len(CASES)
    misses = [(c["query"], c["expect"], ranked[c["query"]]) for c in CASES if c["expect"] not in ranked[c["query"]]]
    hit3 = 1 - len(misses) / len(CASES)
    with capsys.disabled():
        print(f"\ncatalog search relevance: hit@1 {hit1:.2f}, hit@3 {hit3:.2f} over {len(CASES)} queries")
    assert not misses, misses
