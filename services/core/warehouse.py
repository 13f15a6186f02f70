"""The warehouse's medallion layers: the schemas user SQL may read and write, in flow order."""

from __future__ import annotations

# bronze (raw) → silver (clean) → gold (business) → platinum (reports): the query roles' grants,
# the editor's sidebar and the lineage colours all follow this order.
LAYERS: tuple[str, ...] = ("bronze", "silver", "gold", "platinum")
WAREHOUSE_SCHEMAS = LAYERS


def layer_of(schema_name: str) -> str:
    """The layer a schema belongs to, or "other"."""
    return schema_name if schema_name in LAYERS else "other"
