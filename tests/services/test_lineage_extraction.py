"""Column-level lineage extraction against the project's corpus (tests/data/lineage, 150+ cases)."""

from __future__ import annotations

import pytest

from devtools import lineage_corpus
from services.errors import InvalidInput
from services.lineage import extract_lineage

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
