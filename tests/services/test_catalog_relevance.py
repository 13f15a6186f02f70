"""Relevance of catalog search over the demo catalog: a labelled set (names, prefixes, synonyms, business
phrases), each with the table that must appear in the top 3 (a hit on one of its columns counts).
Prints hit@1 and hit@3; every query must hit at 3."""

from __future__ import annotations

from devtools import relevance
from services.catalog import sync as catalog_sync
from services.identity.operator import current_operator

CASES = relevance.labelled_cases()


def test_the_labelled_set_is_big_enough():
    assert len(CASES) >= 30


def test_hit_at_3_and_report(demo_warehouse, capsys):
    catalog_sync.sync()
    scored = relevance.evaluate(current_operator(), CASES)
    with capsys.disabled():
        print(f"\ncatalog search relevance: hit@1 {scored.hit_at_1:.2f}, hit@3 {scored.hit_at_3:.2f}"
              f" over {scored.cases} queries")
    assert not scored.misses, scored.misses
