"""How an agent talks to its model: a JSON-action protocol that any chat model follows, the small local one
included (no native tool-calling needed, so a new install runs agents offline with no API key). The model
answers with one JSON object: `{"tool": "<id>", "input": "<text>"}` to use a tool, or `{"answer": "<text>"}`
when done. A reply with no such object gets one reminder of the format per run (small models drift into prose
or code blocks); after that it is taken as the final answer."""

from __future__ import annotations

import json
from dataclasses import dataclass

from services.agents.tools import TOOLS


@dataclass(frozen=True)
class Action:
    tool: str | None  # None: the final answer
    input: str
    answer: str = ""
    well_formed: bool = True  # False: the reply held no action object (prose taken as the answer)


REMINDER = ('Your reply was not in the format. Reply with only one JSON object: {"tool": "<tool id>", "input":'
            ' "<input>"} to use a tool, or {"answer": "<the final answer>"} when you know it.')


def system_message(system_prompt: str, tool_ids: list[str]) -> str:
    """The agent's prompt plus the protocol and its tools."""
    if not tool_ids:
        return f"{system_prompt}\n\nAnswer with only a JSON object: {{\"answer\": \"<your answer>\"}}"
    lines = [system_prompt, "", "You can use these tools:"]
    lines += [f"- {t}: {TOOLS[t].description} Input: {TOOLS[t].argument_help}." for t in tool_ids]
    lines += ["", "To use a tool, reply with only a JSON object, for example:",
              '{"tool": "' + tool_ids[0] + '", "input": "..."}',
              "You will get the tool's result and can use more tools.",
              'When you know the final answer, reply with only: {"answer": "<the answer>"}']
    return "\n".join(lines)


def _objects(text: str) -> list[str]:
    """Balanced {...} spans in `text`, in order (strings inside them respected)."""
    found, depth, start, quoted, escaped = [], 0, -1, False, False
    for index, char in enumerate(text):
        if quoted:
            escaped, quoted = (False, True) if escaped else (char == "\\", char != '"')
            continue
        if char == '"' and depth:
            quoted = True
        elif char == "{":
            start = index if depth == 0 else start
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                found.append(text[start:index + 1])
    return found


def parse(text: str) -> Action:
    """The model's reply → a tool call or the final answer."""
    for candidate in _objects(text or ""):
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            continue
        if isinstance(data.get("tool"), str):
            value = data.get("input", "")
            if isinstance(value, dict):  # {"sql": "..."} and the like: take the one value
                value = next(iter(value.values()), "") if len(value) == 1 else json.dumps(value)
            return Action(data["tool"].strip(), str(value))
        if "answer" in data:
            return Action(None, "", str(data["answer"]))
    return Action(None, "", (text or "").strip(), well_formed=False)


def observation(tool: str, output: str | None, error: str | None) -> str:
    """What the model is told after a tool call."""
    if error is not None:
        return f"The tool {tool} failed: {error}\nFix the input or use another tool."
    return f"Result of {tool}:\n{output}"
