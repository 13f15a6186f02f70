"""The tools an agent may use. Each runs server-side as the user the run acts for, through the service that
owns it (so that user's permissions apply): read-only warehouse SQL, catalog search, a table's schema,
lineage impact, Genie, the calculator, Odoo reads over the connection admins configured, and POSTs to the n8n
webhooks admins registered (no other URL can be called). Outputs are text for the model, cut at
MAX_OUTPUT_CHARS with the cut stated."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.activity import event_webhooks
from services.agents import calculator
from services.catalog import search as catalog_search
from services.catalog import tables as catalog_tables
from services.core.errors import InvalidInput
from services.genie import ask as genie
from services.integrations import odoo, odoo_client, odoo_pull
from services.lineage import graph as lineage_graph
from services.sql import execution
from services.sql.output import json_value

MAX_OUTPUT_CHARS = 4000
SQL_ROWS = 50
ODOO_ROWS = 20


@dataclass(frozen=True)
class Tool:
    id: str
    description: str
    argument: str  # the one argument's name
    argument_help: str
    run: Callable[[Any, str], str]

    def schema(self) -> dict[str, Any]:
        """The OpenAI function-calling description."""
        return {"type": "function", "function": {
            "name": self.id, "description": self.description,
            "parameters": {"type": "object", "properties": {self.argument: {"type": "string",
                                                                             "description": self.argument_help}},
                           "required": [self.argument]}}}


def _table_text(columns: list[str], rows: list[tuple], more: bool, shown: int) -> str:
    lines = [" | ".join(columns)]
    lines += [" | ".join("NULL" if v is None else str(json_value(v)) for v in row) for row in rows[:shown]]
    if more or len(rows) > shown:
        lines.append(f"(truncated: showing the first {min(shown, len(rows))} rows; there are more)")
    elif not rows:
        lines.append("(no rows)")
    return "\n".join(lines)


def _sql_query(actor: Any, text: str) -> str:
    result = execution.execute(actor, text, source="agent", read_only=True, page_size=SQL_ROWS)
    try:
        return _table_text([c.name for c in result.columns], result.rows, result.has_more, SQL_ROWS)
    finally:
        execution.close_result(actor, result.run_id)


def _catalog_search(actor: Any, text: str) -> str:
    hits = catalog_search.search(actor, text, limit=10)
    if not hits:
        return "(no tables or columns match)"
    return "\n".join(f"{h.schema_name}.{h.table_name}" + (f".{h.column_name}" if h.column_name else "")
                     + f" ({h.match})" for h in hits)


def _table_schema(actor: Any, text: str) -> str:
    table = catalog_tables.get_table(actor, text.strip())
    lines = [f"{table.schema_name}.{table.table_name}: {table.shown_description or 'no description'}"]
    lines += [f"- {c.name} {c.data_type}{'' if c.is_nullable else ' NOT NULL'}"
              + (f": {c.shown_description}" if c.shown_description else "") for c in table.columns]
    return "\n".join(lines)


def _lineage_impact(actor: Any, text: str) -> str:
    parts = text.strip().split(".")
    table, column = (".".join(parts[:2]), parts[2]) if len(parts) == 3 else (text.strip(), None)
    found = lineage_graph.impact(actor, table, column, depth=5)
    items = [f"{i.table}" + (f".{i.column}" if i.column else "") + f" (depth {i.depth})"
             for i in (found.columns if column else found.tables)]
    return "\n".join(items) or f"nothing downstream of {text.strip()}"


def _genie(actor: Any, text: str) -> str:
    answer = genie.ask(actor, text)
    if answer.status != "answered":
        return f"Genie could not answer ({answer.status}): {answer.message}"
    return f"SQL: {answer.sql}\n" + _table_text(answer.columns, answer.rows, False, SQL_ROWS)


def _calculator(_actor: Any, text: str) -> str:
    return calculator.render(calculator.evaluate(text))


def _json_input(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{what} (the input is not valid JSON: {exc.msg}).") from None


def _odoo_read(_actor: Any, text: str) -> str:
    stripped = text.strip()
    data = _json_input(stripped, 'Give {"model": "res.partner", "domain"?: [...], "fields"?: [...], "limit"?: N}') \
        if stripped.startswith("{") else {"model": stripped}
    model = data.get("model") if isinstance(data, dict) else None
    if not isinstance(model, str) or not odoo_pull.MODEL.match(model):
        raise InvalidInput("Name an Odoo model, like res.partner or hr.expense.")
    fields = data.get("fields")
    if fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
        raise InvalidInput("fields is a list of field names.")
    limit = data.get("limit") or ODOO_ROWS
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= ODOO_ROWS:
        raise InvalidInput(f"limit is a whole number from 1 to {ODOO_ROWS}.")
    connection = odoo.connection()
    uid = odoo_client.authenticate(connection)
    options: dict[str, Any] = {"limit": limit, "order": "id"}
    if fields:
        options["fields"] = fields
    rows = odoo_client.execute(connection, uid, model, "search_read", [odoo_pull.parse_domain(data.get("domain"))],
                               options)
    return json.dumps(rows, ensure_ascii=False, default=str) if rows else f"(no {model} records match)"


def _n8n_webhook(_actor: Any, text: str) -> str:
    data = _json_input(text, 'Give {"webhook": "<registered name>", "payload": {...}}')
    if not isinstance(data, dict) or not isinstance(data.get("webhook"), str):
        raise InvalidInput('Give {"webhook": "<registered name>", "payload": {...}}.')
    status, answer = event_webhooks.post_to(data["webhook"], data.get("payload", {}))
    return f"HTTP {status}: {answer}" if answer else f"HTTP {status}"


TOOLS: dict[str, Tool] = {t.id: t for t in (
    Tool("sql_query", "Run one read-only SQL SELECT on the PostgreSQL warehouse (schemas bronze, silver, gold,"
         " platinum) and get up to 50 rows.", "sql", "a single SELECT statement", _sql_query),
    Tool("catalog_search", "Find warehouse tables and columns by name or meaning.", "query", "words to look for",
         _catalog_search),
    Tool("table_schema", "The columns, types and descriptions of one table.", "table", "schema.table",
         _table_schema),
    Tool("lineage_impact", "What is downstream of a table or column.", "target", "schema.table or schema.table.column",
         _lineage_impact),
    Tool("genie", "Ask a question about the warehouse in plain language; Genie writes and runs the SQL.",
         "question", "the question", _genie),
    Tool("calculator", "Exact decimal arithmetic: numbers, + - * / // % **, parentheses, round(x, n), abs, min,"
         " max, sqrt.", "expression", "for example round(1234.5 * 0.12, 2)", _calculator),
    Tool("odoo_read", f"Read up to {ODOO_ROWS} records of an Odoo model (the connection an admin configured).",
         "query", 'a model name, or JSON {"model", "domain"?, "fields"?, "limit"?}', _odoo_read),
    Tool("n8n_webhook", "POST JSON to an n8n webhook an admin registered (Settings › Integrations) by name.",
         "request", 'JSON {"webhook": "<name>", "payload": {...}}', _n8n_webhook),
)}
PLANNED: dict[str, str] = {}  # tools announced but not available yet


def check_tool_ids(ids: list[Any]) -> list[str]:
    """The ids, checked; InvalidInput naming an unknown or not-yet-available one."""
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidInput("tools is a list of tool ids.")
    for tool_id in ids:
        if tool_id in PLANNED:
            raise InvalidInput(f"Tool {tool_id} is not available yet: {PLANNED[tool_id]}")
        if tool_id not in TOOLS:
            raise InvalidInput(f"Unknown tool {tool_id!r}; use any of {', '.join(TOOLS)}.")
    return list(dict.fromkeys(ids))


def run_tool(actor: Any, tool_id: str, argument: str) -> str:
    """Run one tool for `actor`; its text output for the model (cut at MAX_OUTPUT_CHARS, saying so).
    WorkbenchErrors propagate: the runner shows them to the model."""
    text = TOOLS[tool_id].run(actor, argument)
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + f"\n(truncated at {MAX_OUTPUT_CHARS} characters)"
    return text
