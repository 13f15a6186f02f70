"""One rule for table names (catalog, lineage, API alike) and one lookup of users by email."""

from __future__ import annotations

import pytest

from services.catalog import sync as catalog_sync
from services.catalog import tables as catalog
from services.core import db
from services.core.errors import InvalidInput, NotFound
from services.core.identifiers import quoted, split_column_reference, split_name
from services.core.table_names import find_table
from services.identity import users
from services.lineage import graph as lineage_graph


@pytest.mark.parametrize(("text", "parts"), [
    ("gold.finance_expenses", [("gold", False), ("finance_expenses", False)]),
    (' Gold . Finance_Expenses ', [("Gold", False), ("Finance_Expenses", False)]),
    ('"Sales"."Q1 ""Totals"""', [("Sales", True), ('Q1 "Totals"', True)]),
    ('silver."a.b"', [("silver", False), ("a.b", True)]),
])
def test_split_name_honours_quotes(text, parts):
    assert [(p.text, p.quoted) for p in split_name(text)] == parts


@pytest.mark.parametrize("text", ['"open', '"a"b', "gold.", ".x"])
def test_malformed_names_are_refused(text):
    with pytest.raises(InvalidInput):
        split_name(text)


def test_column_references_and_quoting():
    assert split_column_reference("gold.finance_expenses.amount_php") == ("gold.finance_expenses", "amount_php")
    assert split_column_reference('silver."Odd Table"') == ('silver."Odd Table"', None)
    assert quoted("s.evil\nDROP TABLE x; --") == '"s"."evil\nDROP TABLE x; --"'


@pytest.fixture
def viewer(demo_warehouse, make_user):
    return make_user("viewer")[0]


@pytest.fixture(scope="module")
def mixed_case_table(demo_warehouse):
    with db.connection() as conn:
        conn.execute('DROP TABLE IF EXISTS silver."MixedCase"')
        conn.execute('CREATE TABLE silver."MixedCase" (id int)')
    catalog_sync.sync(trigger="cli", embed=False)
    yield "silver.MixedCase"
    with db.connection() as conn:
        conn.execute('DROP TABLE IF EXISTS silver."MixedCase"')
    catalog_sync.sync(trigger="cli", embed=False)


@pytest.mark.parametrize(("text", "found"), [
    ("gold.finance_expenses", "gold.finance_expenses"),
    ("Gold.Finance_Expenses", "gold.finance_expenses"),
    ('"gold"."finance_expenses"', "gold.finance_expenses"),
    ('"Gold"."finance_expenses"', None),  # quoted: exact, and no schema is called "Gold"
    ("silver.MixedCase", "silver.MixedCase"),
    ('silver."MixedCase"', "silver.MixedCase"),
    ('silver."mixedcase"', None),
    ("silver.mixedcase", None),
])
def test_the_same_name_resolves_the_same_in_catalog_and_lineage(mixed_case_table, viewer, text, found):
    with db.connection() as conn:
        ref = find_table(conn, text)
    assert (ref.qualified if ref else None) == found
    if found is None:
        with pytest.raises(NotFound):
            catalog.get_table(viewer, text)
        with pytest.raises(NotFound):
            lineage_graph.neighbourhood(viewer, text, depth=1)
        return
    table = catalog.get_table(viewer, text)
    assert f"{table.schema_name}.{table.table_name}" == found
    assert lineage_graph.neighbourhood(viewer, text, depth=1).center == found


def test_users_are_found_by_email_one_way(make_user, operator):
    user, _ = make_user("viewer")
    shouted = f"  {user.email.upper()} "
    assert users.find_by_email(shouted).id == user.id
    assert users.require_active(shouted).id == user.id
    users.set_active(operator, user.email, False)
    with pytest.raises(NotFound, match=f"No active user with email {user.email}."):
        users.require_active(shouted)
    assert users.find_by_email("nobody@example.com") is None
