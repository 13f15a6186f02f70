"""Integrations over the API (Configure Integrations: admins): the Odoo connection (the API key is write-only:
sent, never returned), its test, and pulls into bronze. Same shapes as `workbench odoo … --json`."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.identity.users import User
from services.integrations import odoo, odoo_pull
from workbench.api.deps import client_address, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.integrations import OdooPullOut, OdooStatusOut, OdooTestOut

router = APIRouter(tags=["integrations"])


class OdooRequest(BaseModel):
    url: str = Field(..., max_length=500)
    database: str = Field(..., max_length=200)
    login: str = Field(..., max_length=200)
    api_key: str | None = Field(None, max_length=500, description="Omit to keep the stored key")


class PullRequest(BaseModel):
    model: str = Field(..., max_length=200, description="An Odoo model, e.g. hr.expense")
    into: str = Field(..., max_length=200, description="bronze.TABLE (created when missing)")
    fields: list[str] | None = Field(None, max_length=500)
    domain: list | None = Field(None, description='An Odoo domain, e.g. [["state", "=", "done"]]')


@router.get("/api/integrations/odoo", responses=error_responses(*COMMON))
async def odoo_status(user: User = Depends(principal)) -> OdooStatusOut:  # noqa: B008
    """The Odoo connection, its key masked, and its last outcome."""
    return OdooStatusOut.of(await asyncio.to_thread(odoo.status, user))


@router.put("/api/integrations/odoo", responses=error_responses(*COMMON))
async def odoo_configure(body: OdooRequest, request: Request,
                         user: User = Depends(principal)) -> OdooStatusOut:  # noqa: B008
    """Set the Odoo connection."""
    return OdooStatusOut.of(await asyncio.to_thread(odoo.configure, user, body.url, body.database, body.login,
                                                    body.api_key, client_address=client_address(request)))


@router.post("/api/integrations/odoo/test", responses=error_responses(*COMMON))
async def odoo_test(request: Request, user: User = Depends(principal)) -> OdooTestOut:  # noqa: B008
    """Ask Odoo its version and sign in with the stored settings."""
    return OdooTestOut.of(await asyncio.to_thread(odoo.test_connection, user,
                                                  client_address=client_address(request)))


@router.post("/api/integrations/odoo/pull", responses=error_responses(*COMMON))
async def odoo_pull_records(body: PullRequest, request: Request,
                            user: User = Depends(principal)) -> OdooPullOut:  # noqa: B008
    """Append the model's records changed since the last pull into the bronze table."""
    return OdooPullOut.of(await asyncio.to_thread(
        odoo_pull.pull, user, body.model, body.into, fields=body.fields, domain=odoo_pull.parse_domain(body.domain),
        client_address=client_address(request)))
