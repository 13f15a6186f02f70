"""Alerts over the API (admins): channels (Apprise URLs, never returned), rules, test sends, the delivery log.
Same shapes as `workbench alerts … --json`."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.activity import alert_rules, channels, notify
from services.identity.users import User
from workbench.api.deps import client_address, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.quality import ChannelOut, DeliveryOut, RuleOut

router = APIRouter(tags=["alerts"])


class ChannelRequest(BaseModel):
    name: str = Field(..., max_length=63)
    url: str = Field(..., max_length=2000, description="An Apprise URL: slack://…, mmost://…, mailto://…, json://…")


class RuleRequest(BaseModel):
    name: str = Field(..., max_length=63)
    event: str = Field(..., description=" | ".join(alert_rules.EVENTS))
    channel: str = Field(..., max_length=63)
    table: str | None = Field(None, max_length=200)
    threshold: float | None = None
    recipients: list[str] = Field(default_factory=list, max_length=50)
    cooldown_minutes: int = alert_rules.DEFAULT_COOLDOWN_MINUTES


class TestSendOut(BaseModel):
    sent: bool
    error: str | None


@router.get("/api/alerts/channels", responses=error_responses(*COMMON))
async def list_channels(user: User = Depends(principal)) -> list[ChannelOut]:  # noqa: B008
    """Every channel with its masked URL."""
    return [ChannelOut.of(c) for c in await asyncio.to_thread(channels.list_channels, user)]


@router.post("/api/alerts/channels", status_code=201, responses=error_responses(*COMMON, 409))
async def add_channel(body: ChannelRequest, request: Request,
                      user: User = Depends(principal)) -> ChannelOut:  # noqa: B008
    """Store a channel; its URL is encrypted and never shown again."""
    return ChannelOut.of(await asyncio.to_thread(channels.add_channel, user, body.name, body.url,
                                                 client_address=client_address(request)))


@router.delete("/api/alerts/channels/{name}", status_code=204, responses=error_responses(*COMMON))
async def delete_channel(name: str, request: Request, user: User = Depends(principal)) -> None:  # noqa: B008
    """Remove a channel and its rules."""
    await asyncio.to_thread(channels.delete_channel, user, name, client_address=client_address(request))


@router.post("/api/alerts/channels/{name}/test", responses=error_responses(*COMMON))
async def test_channel(name: str, request: Request, user: User = Depends(principal)) -> TestSendOut:  # noqa: B008
    """Send a test notification now."""
    error = await asyncio.to_thread(notify.send_test, user, name, client_address=client_address(request))
    return TestSendOut(sent=error is None, error=error)


@router.get("/api/alerts/rules", responses=error_responses(*COMMON))
async def list_rules(user: User = Depends(principal)) -> list[RuleOut]:  # noqa: B008
    """Every rule."""
    return [RuleOut.of(r) for r in await asyncio.to_thread(alert_rules.list_rules, user)]


@router.post("/api/alerts/rules", status_code=201, responses=error_responses(*COMMON, 409))
async def add_rule(body: RuleRequest, request: Request, user: User = Depends(principal)) -> RuleOut:  # noqa: B008
    """Create a rule."""
    rule = await asyncio.to_thread(alert_rules.add_rule, user, body.name, event=body.event, channel=body.channel,
                                   table=body.table, threshold=body.threshold, recipients=body.recipients,
                                   cooldown_minutes=body.cooldown_minutes, client_address=client_address(request))
    return RuleOut.of(rule)


@router.delete("/api/alerts/rules/{name}", status_code=204, responses=error_responses(*COMMON))
async def delete_rule(name: str, request: Request, user: User = Depends(principal)) -> None:  # noqa: B008
    """Remove a rule."""
    await asyncio.to_thread(alert_rules.delete_rule, user, name, client_address=client_address(request))


@router.get("/api/alerts/deliveries", responses=error_responses(*COMMON))
async def list_deliveries(limit: int = 100, user: User = Depends(principal)) -> list[DeliveryOut]:  # noqa: B008
    """The delivery log, newest first."""
    return [DeliveryOut.of(d) for d in await asyncio.to_thread(notify.deliveries, user, max(1, min(limit, 1000)))]
