"""Catalog results: search hits, a table's columns, a sync's summary."""

from __future__ import annotations

from dataclasses import fields

from pydantic import BaseModel

from services.catalog.search import SearchHit
from services.catalog.sync import SyncResult
from services.catalog.tables import ColumnInfo


class SearchHitOut(BaseModel):
    schema_name: str
    table_name: str
    column_name: str | None
    score: float
    match: str

    @classmethod
    def of(cls, hit: SearchHit) -> SearchHitOut:
        return cls(schema_name=hit.schema_name, table_name=hit.table_name, column_name=hit.column_name,
                   score=hit.score, match=hit.match)


class ColumnOut(BaseModel):
    name: str
    data_type: str
    is_nullable: bool
    is_primary_key: bool
    default: str | None
    description: str | None
    db_comment: str | None

    @classmethod
    def of(cls, column: ColumnInfo) -> ColumnOut:
        return cls(name=column.name, data_type=column.data_type, is_nullable=column.is_nullable,
                   is_primary_key=column.is_primary_key, default=column.column_default,
                   description=column.shown_description or None, db_comment=column.db_comment)


class SyncSummary(BaseModel):
    tables_added: int
    tables_updated: int
    tables_removed: int
    columns_added: int
    columns_updated: int
    columns_removed: int
    tables_total: int
    seconds: float
    fingerprint: str
    structure_checked: bool
    touched: list[str]
    writes: int

    @classmethod
    def of(cls, result: SyncResult) -> SyncSummary:
        values = {f.name: getattr(result, f.name) for f in fields(result)}
        return cls(**{**values, "touched": sorted(result.touched), "writes": result.writes})
