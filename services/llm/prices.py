"""What a model costs: USD per 1M input and output tokens. Admins' prices (`model_prices`, Settings › Cost
Tracking, `workbench llm price set`) win; otherwise LiteLLM's local price map (never fetched); otherwise free.
A notional price for the local model makes budgets bite offline too. Every recorded cost and every budget
check reads prices here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from services.core import db
from services.core.errors import InvalidInput
from services.identity import audit
from services.identity.rbac import Permission, authorize

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the price list
MILLION = Decimal(1_000_000)
MAX_PRICE_PER_1M = Decimal(10_000)


@dataclass(frozen=True)
class Price:
    model: str
    input_per_1m: Decimal
    output_per_1m: Decimal
    source: str  # "admin", "litellm" or "none"
    updated_at: datetime | None = None

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        """USD for one call."""
        return (self.input_per_1m * prompt_tokens + self.output_per_1m * completion_tokens) / MILLION


def _litellm_price(model: str) -> tuple[Decimal, Decimal] | None:
    import litellm

    names = [model, model.split("/", 1)[1]] if "/" in model else [model]
    for name in names:
        entry = litellm.model_cost.get(name)
        if entry and entry.get("input_cost_per_token") is not None:
            return (Decimal(str(entry["input_cost_per_token"])) * MILLION,
                    Decimal(str(entry.get("output_cost_per_token") or 0)) * MILLION)
    return None


def price_for(model: str, conn: psycopg.Connection | None = None) -> Price:
    """The price of `model` (as the gateway names it, e.g. openai/workbench-local)."""
    def read(c: psycopg.Connection) -> tuple | None:
        return c.execute("SELECT input_per_1m, output_per_1m, updated_at FROM ip_workbench.model_prices"
                         " WHERE model = %s", (model,)).fetchone()

    if conn is not None:
        row = read(conn)
    else:
        with db.connection() as own:
            row = read(own)
    if row:
        return Price(model, Decimal(row[0]), Decimal(row[1]), "admin", row[2])
    known = _litellm_price(model)
    if known:
        return Price(model, known[0], known[1], "litellm")
    return Price(model, Decimal(0), Decimal(0), "none")


def set_price(actor: Any, model: str, input_per_1m: float, output_per_1m: float, *,
              client_address: str | None = None) -> Price:
    """Set or override a model's price (admins: Settings › Cost Tracking)."""
    authorize(actor, Permission.VIEW_COST_TRACKING, client_address=client_address)
    model = (model or "").strip()
    if not model or len(model) > 200:
        raise InvalidInput("Name the model as runs report it, e.g. openai/workbench-local or gpt-4o-mini.")
    prices = []
    for label, value in (("input", input_per_1m), ("output", output_per_1m)):
        try:
            amount = Decimal(str(value))
        except ArithmeticError:
            raise InvalidInput(f"The {label} price is a number of USD per 1M tokens.") from None
        if not (0 <= amount <= MAX_PRICE_PER_1M) or not amount.is_finite():
            raise InvalidInput(f"The {label} price is between 0 and {MAX_PRICE_PER_1M} USD per 1M tokens.")
        prices.append(amount)
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO ip_workbench.model_prices (model, input_per_1m, output_per_1m, updated_by) VALUES"
            " (%s, %s, %s, %s) ON CONFLICT (model) DO UPDATE SET input_per_1m = excluded.input_per_1m,"
            " output_per_1m = excluded.output_per_1m, updated_by = excluded.updated_by, updated_at = now()",
            (model, prices[0], prices[1], actor.id))
        audit.record(action="llm_price_set", actor=actor, target=model, client_address=client_address, conn=conn,
                     details={"input_per_1m": str(prices[0]), "output_per_1m": str(prices[1])})
        return price_for(model, conn)


def list_prices(actor: Any) -> list[Price]:
    """The admins' price table."""
    authorize(actor, Permission.VIEW_COST_TRACKING)
    with db.connection() as conn:
        rows = conn.execute("SELECT model, input_per_1m, output_per_1m, updated_at FROM ip_workbench.model_prices"
                            " ORDER BY model").fetchall()
    return [Price(r[0], Decimal(r[1]), Decimal(r[2]), "admin", r[3]) for r in rows]
