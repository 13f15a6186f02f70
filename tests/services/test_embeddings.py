"""The real embedding model, loaded from installed packages: shapes and meaning."""

from __future__ import annotations

import numpy as np

from services.llm import embeddings


def test_vectors_are_unit_length_and_deterministic():
    first = embeddings.embed(["supplier spend per month", "staff expense claims", ""])
    again = embeddings.embed(["supplier spend per month"])
    assert first.shape == (3, embeddings.DIMENSIONS)
    assert np.allclose(np.linalg.norm(first[:2], axis=1), 1.0, atol=1e-5)
    assert np.allclose(first[0], again[0], atol=1e-5)


def test_similar_meanings_are_closer():
    query, vendor, weather = embeddings.embed(
        ["supplier spend", "vendor monthly spend: total amount paid to each vendor per month",
         "daily rainfall measured at weather stations"])
    assert float(query @ vendor) > float(query @ weather) + 0.2
    staff, employees, invoices = embeddings.embed(
        ["staff", "employees: staff who file expenses, with department and hire date",
         "bir withholding tax per quarter"])
    assert float(staff @ employees) > float(staff @ invoices)


def test_long_texts_are_truncated_not_refused():
    assert embeddings.embed(["word " * 5000]).shape == (1, embeddings.DIMENSIONS)
