"""Text that comes in from people and programs: refuse what Postgres and JSON cannot carry."""

from __future__ import annotations

from services.core.errors import InvalidInput


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored or sent on (a NUL character, a lone UTF-16 surrogate), or None."""
    if "\x00" in value:
        return "contains a NUL character (\\0)"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "contains an unpaired surrogate (not valid Unicode)"
    return None


def check_text(value: str, what: str) -> str:
    """`value`, or InvalidInput saying what is wrong with it (`what` names the field, e.g. "The SQL")."""
    if problem := text_problem(value):
        raise InvalidInput(f"{what} {problem}.")
    return value
