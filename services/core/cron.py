"""Cron schedules: checked with croniter, read aloud with cron-descriptor, next runs in an IANA timezone."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime

from cron_descriptor import get_description
from croniter import croniter

from services.core.errors import InvalidInput

MAX_CRON_CHARS = 120


@dataclass(frozen=True)
class SchedulePreview:
    """What the Schedule modal shows: the expression in words and the next run times."""

    cron: str
    timezone: str
    description: str
    next_runs: tuple[datetime, ...]


def check_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA timezone `name`, or InvalidInput."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(f"{name!r} is not an IANA timezone (for example UTC or Asia/Manila).") from None


def check_cron(expression: str) -> str:
    """A five-field cron expression (minute hour day month weekday), or InvalidInput saying which is wrong."""
    text = (expression or "").strip()
    if not text or len(text) > MAX_CRON_CHARS:
        raise InvalidInput("A schedule is a cron expression of five fields: minute hour day month weekday.")
    fields = text.split()
    if len(fields) != 5:
        raise InvalidInput(f"{text!r} has {len(fields)} fields; a cron expression has five: minute hour day"
                           " month weekday.")
    if not croniter.is_valid(text):
        names = ("minute (0–59)", "hour (0–23)", "day of month (1–31)", "month (1–12)", "weekday (0–6)")
        for index, name in enumerate(names):
            probe = ["*"] * 5
            probe[index] = fields[index]
            if not croniter.is_valid(" ".join(probe)):
                raise InvalidInput(f"{text!r}: the {name} field {fields[index]!r} is out of range or malformed.")
        raise InvalidInput(f"{text!r} is not a valid cron expression.")
    return text


def next_runs(expression: str, timezone: str, count: int = 5, *, after: datetime | None = None
              ) -> tuple[datetime, ...]:
    """The next `count` run times, in `timezone`."""
    zone = check_timezone(timezone)
    start = (after or datetime.now(UTC)).astimezone(zone)
    walker = croniter(check_cron(expression), start)
    return tuple(walker.get_next(datetime) for _ in range(count))


def next_run_utc(expression: str | None, timezone: str, *, after: datetime | None = None) -> datetime | None:
    """The next run time in UTC, or None without a schedule."""
    if not expression:
        return None
    return next_runs(expression, timezone, 1, after=after)[0].astimezone(UTC)


def describe(expression: str) -> str:
    """The expression in plain words, e.g. "At 02:00 AM"."""
    return get_description(check_cron(expression))


def preview(expression: str, timezone: str) -> SchedulePreview:
    """Words and next five runs for the Schedule modal; InvalidInput for a bad expression or timezone."""
    cron = check_cron(expression)
    return SchedulePreview(cron=cron, timezone=timezone, description=describe(cron),
                           next_runs=next_runs(cron, timezone, 5))
