"""Hard budgets, to the cent: before each model call its worst case — an upper bound of the prompt's tokens
plus max_tokens, at the highest price among the models the gateway may try — must fit in what the run has
left, or the run stops as budget_exceeded. The prompt bound is its UTF-8 length in bytes plus 8 tokens per
message: a token is at least one byte in every tokenizer the gateway meets, so the recorded cost (actual
usage at the same prices) can never pass the budget."""

from __future__ import annotations

from decimal import Decimal

from services.llm import gateway, prices

PER_MESSAGE_OVERHEAD = 8
CONSTANT_OVERHEAD = 16


def prompt_token_bound(messages: list[dict[str, str]]) -> int:
    """At least as many tokens as any tokenizer makes of these messages."""
    return sum(len(m.get("content", "").encode()) + PER_MESSAGE_OVERHEAD for m in messages) + CONSTANT_OVERHEAD


def worst_case(messages: list[dict[str, str]], max_tokens: int, model: str | None) -> Decimal:
    """The most the next call can cost."""
    bound = prompt_token_bound(messages)
    return max(prices.price_for(route.model).cost(bound, max_tokens) for route in gateway.routes_for(model))


def fits(spent: Decimal, budget: Decimal, worst: Decimal) -> bool:
    """Whether a call costing at most `worst` keeps the run within its budget."""
    return spent + worst <= budget
