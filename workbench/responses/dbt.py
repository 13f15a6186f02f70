"""dbt imports: one shape for the API and `workbench dbt import … --json`. The first nine keys are a contract
(scripts read them); the rest may grow."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from services.integrations.dbt.importer import ImportReport, ProjectRow


class DbtImportOut(BaseModel):
    models: int = Field(description="dbt models in the manifest (not seeds, snapshots or sources)")
    seeds: int
    snapshots: int
    sources: int
    columns_described: int = Field(description="catalogued columns carrying a dbt description of this project")
    table_edges: int = Field(description="lineage table edges of origin dbt")
    column_edges: int = Field(description="lineage column edges of origin dbt")
    tests: int = Field(description="dbt tests imported as data-quality tests")
    results: int = Field(description="run_results.json outcomes of those tests")
    project: str
    dbt_version: str
    written: int = Field(description="rows this import changed (0 when the same artifacts are imported again)")
    unmatched: list[str] = Field(description="relations of the manifest the warehouse does not have")

    @classmethod
    def of(cls, found: ImportReport) -> DbtImportOut:
        return cls(**found.__dict__)


class DbtProjectOut(BaseModel):
    name: str
    path: str | None
    dbt_version: str
    counts: dict[str, int]
    imported_at: datetime
    imported_by: str | None

    @classmethod
    def of(cls, found: ProjectRow) -> DbtProjectOut:
        return cls(**found.__dict__)
