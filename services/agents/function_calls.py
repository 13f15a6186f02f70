"""How an agent talks to a model with native tool calls (LiteLLM's OpenAI-style function calling): the tools go
as function schemas, the model answers with tool calls or with text (the final answer), and each call's
result goes back as a `tool` message. Models without native tool calls use protocol.py instead."""

from __future__ import annotations

import json
from typing import Any

from services.agents.tools import TOOLS
from services.llm.gateway import Completion, ToolCall


def system_message(system_prompt: str) -> str:
    """The agent's prompt and how to finish."""
    return (f"{system_prompt}\n\nCall the tools you need, one or more times. When you know the final answer, "
            "reply with it in plain text and call no tool.")


def schemas(tool_ids: list[str]) -> list[dict[str, Any]]:
    """The agent's tools as OpenAI function schemas."""
    return [TOOLS[t].schema() for t in tool_ids]


def argument(call: ToolCall) -> str:
    """The tool's one text argument from the call's JSON; ValueError saying what is wrong."""
    try:
        data = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"the arguments are not valid JSON ({exc.msg})") from None
    if isinstance(data, str):
        return data
    if not isinstance(data, dict):
        raise ValueError("the arguments are not a JSON object")
    expected = TOOLS[call.name].argument if call.name in TOOLS else None
    if expected and expected in data:
        return str(data[expected])
    if len(data) == 1:
        return str(next(iter(data.values())))
    raise ValueError(f"expected one argument {expected!r}" if expected else "expected one argument")


def assistant_message(answer: Completion) -> dict[str, Any]:
    """The model's tool-calling turn, as the conversation keeps it."""
    return {"role": "assistant", "content": answer.text or None,
            "tool_calls": [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                           for c in answer.tool_calls]}


def tool_message(call: ToolCall, output: str | None, error: str | None) -> dict[str, Any]:
    """A call's result (or its error, for the model to correct) as a `tool` message."""
    content = f"Error: {error}\nFix the arguments or use another tool." if error is not None else (output or "")
    return {"role": "tool", "tool_call_id": call.id, "content": content or "(empty)"}
