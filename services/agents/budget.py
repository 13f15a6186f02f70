"""Hard budgets, to the cent: before each model call its worst case — an upper bound of the prompt's tokens
plus max_tokens, at the highest price among the models the gateway may try — must fit in what the run has
left, or the run stops as budget_exceeded. The prompt bound is its UTF-8 length in bytes plus 8 tokens per
message: a token is at least one byte in every tokenizer the gateway meets, so the recorded cost (actual
usage at the same prices) can never pass the budget. Native tool calls add the JSON of the calls and of the
tool schemas, and TOOLS_PREAMBLE tokens for the text a chat template wraps tool definitions in."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from services.llm import gateway, prices

PER_MESSAGE_OVERHEAD = 8
CONSTANT_OVERHEAD = 16
TOOLS_PREAMBLE = 256
PER_TOOL_OVERHEAD = 16


def _bytes(value: Any) -> int:
    if value is None:
        return 0
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return len(text.encode())


def prompt_token_bound(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> int:
    """At least as many tokens as any tokenizer makes of these messages (and tool definitions)."""
    bound = sum(_bytes(m.get("content")) + _bytes(m.get("tool_calls")) + _bytes(m.get("tool_call_id"))
                + PER_MESSAGE_OVERHEAD for m in messages) + CONSTANT_OVERHEAD
    if tools:
        bound += TOOLS_PREAMBLE + sum(_bytes(t) + PER_TOOL_OVERHEAD for t in tools)
    return bound


def worst_case(messages: list[dict[str, Any]], max_tokens: int, model: str | None,
               tools: list[dict[str, Any]] | None = None) -> Decimal:
    """The most the next call can cost."""
    bound = prompt_token_bound(messages, tools)
    return max(prices.price_for(route.model).cost(bound, max_tokens) for route in gateway.routes_for(model))


def fits(spent: Decimal, budget: Decimal, worst: Decimal) -> bool:
    """Whether a call costing at most `worst` keeps the run within its budget."""
    return spent + worst <= budget
