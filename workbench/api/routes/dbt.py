"""dbt over the API (engineers and admins import; everyone who may see the catalog lists): import uploaded
artifacts or a project folder under WORKBENCH_DBT_PROJECTS_DIR. Same shapes as `workbench dbt … --json`."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.core.errors import InvalidInput
from services.identity.users import User
from services.integrations.dbt import importer
from workbench.api.deps import client_address, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.dbt import DbtImportOut, DbtProjectOut

router = APIRouter(tags=["dbt"])


class FolderRequest(BaseModel):
    path: str = Field(..., max_length=500, description="A project folder (or its target/) under "
                                                         "WORKBENCH_DBT_PROJECTS_DIR, relative to it")


def _parts(raw: bytes) -> tuple[bytes, bytes | None, bytes | None]:
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput("The body is not JSON: send {\"manifest\": …, \"run_results\": …, \"catalog\": …}.") \
            from None
    if not isinstance(document, dict) or not isinstance(document.get("manifest"), dict):
        raise InvalidInput('The body is an object with "manifest" (the content of manifest.json) and optionally'
                           ' "run_results" and "catalog".')
    extra = sorted(set(document) - {"manifest", "run_results", "catalog"})
    if extra:
        raise InvalidInput(f"Unknown keys: {', '.join(extra)}.")
    return tuple(json.dumps(document[k]).encode() if document.get(k) is not None else None  # type: ignore[return-value]
                 for k in ("manifest", "run_results", "catalog"))


@router.post("/api/dbt/import", responses=error_responses(*COMMON), openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": {"type": "object"}}}}})
async def import_artifacts(request: Request, user: User = Depends(principal)) -> DbtImportOut:  # noqa: B008
    """Import uploaded dbt artifacts into the catalog, lineage and data quality; idempotent."""
    manifest, run_results, catalog = _parts(await request.body())
    return DbtImportOut.of(await asyncio.to_thread(importer.import_files, user, manifest, run_results, catalog,
                                                   client_address=client_address(request)))


@router.post("/api/dbt/import-folder", responses=error_responses(*COMMON))
async def import_folder(body: FolderRequest, request: Request,
                        user: User = Depends(principal)) -> DbtImportOut:  # noqa: B008
    """Import a project folder on the server (inside WORKBENCH_DBT_PROJECTS_DIR)."""
    return DbtImportOut.of(await asyncio.to_thread(importer.import_folder, user, body.path, within_projects_dir=True,
                                                   client_address=client_address(request)))


@router.get("/api/dbt/projects", responses=error_responses(*COMMON))
async def list_projects(user: User = Depends(principal)) -> list[DbtProjectOut]:  # noqa: B008
    """Imported dbt projects, newest import first."""
    return [DbtProjectOut.of(p) for p in await asyncio.to_thread(importer.projects, user)]
