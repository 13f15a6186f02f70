"""Editing catalog descriptions and owners: engineers and admins; ours wins, a sync never overwrites it."""

from __future__ import annotations

import pytest

from services.catalog import sync as catalog_sync
from services.catalog import tables as catalog
from services.core import db
from services.core.errors import InvalidInput, NotFound, PermissionDenied


def test_engineer_describes_a_table_and_a_column_and_sync_keeps_it(demo_warehouse, make_user):
    engineer, _ = make_user("engineer")
    owner, _ = make_user("viewer")
    before = catalog.get_table(engineer, "silver.vendors")
    assert before.shown_description == before.db_comment  # nothing of ours yet: the comment shows
    edited = catalog.edit_table(engineer, "silver.vendors", description="Suppliers we pay, one row each",
                                owner_email=owner.email)
    assert edited.shown_description == "Suppliers we pay, one row each" and edited.owner_email == owner.email
    assert edited.db_comment == before.db_comment  # the database comment is kept too
    column = catalog.edit_column(engineer, "silver.vendors", "tin", "BIR taxpayer number")
    assert column.shown_description == "BIR taxpayer number" and column.db_comment
    catalog_sync.sync()
    after = catalog.get_table(engineer, "silver.vendors")
    assert after.description == "Suppliers we pay, one row each"
    assert next(c for c in after.columns if c.name == "tin").description == "BIR taxpayer number"
    catalog.edit_table(engineer, "silver.vendors", description="")  # clearing shows the comment again
    assert catalog.get_table(engineer, "silver.vendors").shown_description == before.db_comment
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM ip_workbench.audit_log WHERE action = 'catalog_edited'"
                            " AND actor_id = %s", (engineer.id,)).fetchone()[0] == 3


@pytest.mark.parametrize("role", ["viewer", "service"])
def test_viewers_and_service_accounts_may_not_edit(demo_warehouse, make_user, role):
    actor, _ = make_user(role)
    with pytest.raises(PermissionDenied):
        catalog.edit_table(actor, "gold.finance_expenses", description="hacked")
    with pytest.raises(PermissionDenied):
        catalog.edit_column(actor, "gold.finance_expenses", "vendor", "hacked")
    assert catalog.get_table(actor, "gold.finance_expenses").description != "hacked"


def test_bad_edits_are_refused(demo_warehouse, make_user):
    admin, _ = make_user("admin")
    with pytest.raises(InvalidInput):
        catalog.edit_table(admin, "gold.finance_expenses", description="x" * 5000)
    with pytest.raises(InvalidInput):
        catalog.edit_table(admin, "gold.finance_expenses", owner_email="nobody@example.com")
    with pytest.raises(NotFound):
        catalog.edit_column(admin, "gold.finance_expenses", "no_such_column", "x")
    with pytest.raises(NotFound):
        catalog.get_table(admin, "gold.no_such_table")
    with pytest.raises(InvalidInput):
        catalog.get_table(admin, "no_dot")
