"""An Odoo stand-in on 127.0.0.1, written from Odoo's documented external API (XML-RPC): `/xmlrpc/2/common`
(`version`, `authenticate`) and `/xmlrpc/2/object` (`execute_kw` with `search_read`, `search_count`,
`fields_get`; domains in prefix notation with `&`, `|`, `!`; `fields`, `limit`, `offset`, `order`), answering
bad credentials and unknown models with Odoo's faults. Tests and the integrations bench pull from it; every
call's time is kept so a test can measure the client's rate at the server."""

from __future__ import annotations

import contextlib
import fnmatch
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xmlrpc.client import Fault
from xmlrpc.server import MultiPathXMLRPCServer, SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler

VERSION = {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""], "server_serie": "17.0",
           "protocol_version": 1}


@dataclass
class OdooPeer:
    url: str = ""
    database: str = "odoo"
    login: str = "integration@example.com"
    api_key: str = "odoo-api-key"
    uid: int = 7
    records: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)  # model → id → record
    calls: list[float] = field(default_factory=list)  # monotonic time of every object call
    fail_after: int | None = None  # object calls answered before every further one fails inside the server
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, model: str, record: dict[str, Any]) -> None:
        """Add or replace a record (its `id` required)."""
        with self.lock:
            self.records.setdefault(model, {})[int(record["id"])] = dict(record)

    def calls_in_any_minute(self) -> int:
        """The most object calls within any 60 s window."""
        times = sorted(self.calls)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 60:
                start += 1
            best = max(best, end - start + 1)
        return best


def _value(record: dict[str, Any], name: str) -> Any:
    value = record.get(name, False)
    return value[0] if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) else value


def _leaf(record: dict[str, Any], name: str, operator: str, wanted: Any) -> bool:
    value = _value(record, name)
    if operator in ("=", "=="):
        return value == wanted
    if operator in ("!=", "<>"):
        return value != wanted
    if operator in ("in", "not in"):
        return (value in wanted) == (operator == "in")
    if operator in ("like", "ilike", "not like", "not ilike", "=like", "=ilike"):
        text, pattern = str(value or ""), str(wanted)
        if operator.endswith("ilike"):
            text, pattern = text.lower(), pattern.lower()
        found = fnmatch.fnmatchcase(text, pattern.replace("%", "*").replace("_", "?")) if operator.startswith("=") \
            else pattern in text
        return not found if operator.startswith("not") else found
    if value is False or value is None:
        return False
    comparisons = {">": value > wanted, ">=": value >= wanted, "<": value < wanted, "<=": value <= wanted}
    if operator not in comparisons:
        raise Fault(1, f"Invalid leaf {[name, operator, wanted]!r}")
    return comparisons[operator]


def matches(record: dict[str, Any], domain: list) -> bool:
    """Odoo's prefix-notation domain over one record (implicit AND between top-level terms)."""
    stack: list[bool] = []
    for term in reversed(domain):
        if term == "!":
            stack.append(not stack.pop())
        elif term in ("&", "|"):
            first, second = stack.pop(), stack.pop()
            stack.append(first and second if term == "&" else first or second)
        elif isinstance(term, list | tuple) and len(term) == 3:
            stack.append(_leaf(record, *term))
        else:
            raise Fault(1, f"Invalid domain term {term!r}")
    return all(stack)


def _ordered(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    for part in reversed([p.strip() for p in (order or "id").split(",") if p.strip()]):
        name, _, direction = part.partition(" ")
        rows.sort(key=lambda r, n=name: (_value(r, n) is False, _value(r, n)), reverse=direction.lower() == "desc")
    return rows


def _object_api(peer: OdooPeer):
    def execute_kw(database: str, uid: int, password: str, model: str, method: str, args: list,
                   kwargs: dict | None = None) -> Any:
        kwargs = kwargs or {}
        with peer.lock:
            peer.calls.append(time.monotonic())
            failing = peer.fail_after is not None and peer.fail_after <= 0
            if peer.fail_after is not None:
                peer.fail_after -= 1
        if failing:
            raise Fault(1, "Internal Server Error")
        if database != peer.database:
            raise Fault(1, f'database "{database}" does not exist')
        if uid != peer.uid or password != peer.api_key:
            raise Fault(3, "Access Denied")
        if model not in peer.records:
            raise Fault(1, f"Object {model} doesn't exist")
        with peer.lock:
            rows = [dict(r) for r in peer.records[model].values()]
        if method == "fields_get":
            names = sorted({name for row in rows for name in row})
            return {name: {"string": name.replace("_", " ").title(), "type": "char"} for name in names}
        domain = (args[0] if args else kwargs.get("domain")) or []
        found = [r for r in rows if matches(r, domain)]
        if method == "search_count":
            return len(found)
        if method != "search_read":
            raise Fault(1, f"The method '{method}' does not exist on the model '{model}'")
        found = _ordered(found, kwargs.get("order") or "id")
        offset, limit = int(kwargs.get("offset") or 0), kwargs.get("limit")
        found = found[offset:offset + int(limit)] if limit else found[offset:]
        wanted = kwargs.get("fields") or (args[1] if len(args) > 1 else None)
        return [{k: v for k, v in r.items() if k in wanted or k == "id"} for r in found] if wanted else found

    return execute_kw


@contextlib.contextmanager
def running_odoo(peer: OdooPeer | None = None) -> Iterator[OdooPeer]:
    """Serve `peer` (or an empty one) on a free port until the block ends."""
    peer = peer or OdooPeer()

    class Handler(SimpleXMLRPCRequestHandler):
        rpc_paths = ("/xmlrpc/2/common", "/xmlrpc/2/object")

        def log_message(self, *args) -> None:  # quiet
            return

    server = MultiPathXMLRPCServer(("127.0.0.1", 0), requestHandler=Handler, allow_none=True, logRequests=False)
    common = SimpleXMLRPCDispatcher(allow_none=True)
    common.register_function(lambda: VERSION, "version")
    common.register_function(lambda database, login, password, _env=None: peer.uid if (
        database == peer.database and login == peer.login and password == peer.api_key) else False, "authenticate")
    objects = SimpleXMLRPCDispatcher(allow_none=True)
    objects.register_function(_object_api(peer), "execute_kw")
    server.add_dispatcher("/xmlrpc/2/common", common)
    server.add_dispatcher("/xmlrpc/2/object", objects)
    peer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()


CATEGORIES = (("MEAL", "Meals & Entertainment", "6110"), ("TRVL", "Travel - Airfare", "6120"),
              ("LODG", "Travel - Lodging", "6121"), ("TRNS", "Local Transportation", "6130"),
              ("OFFC", "Office Supplies", "6210"), ("COMM", "Communications", "6220"),
              ("SOFT", "Software & Subscriptions", "6230"), ("TRNG", "Training & Seminars", "6310"),
              ("PROF", "Professional Fees", "6410"), ("RENT", "Rent", "6510"), ("UTIL", "Utilities", "6520"),
              ("REPR", "Repairs & Maintenance", "6610"))


def seed_demo(peer: OdooPeer, *, expenses: int | None = None) -> OdooPeer:
    """The demo warehouse's Odoo: its vendors (res.partner), expense categories (hr.expense.category) and the
    latest state of its expenses (hr.expense; the first `expenses` of them when given) — the same records the
    demo's bronze events carry, so a pull feeds the demo pipeline."""
    import json

    from services.demo import generate

    vendor_events, expense_events = generate.all_events(1)
    for model, events in (("res.partner", vendor_events), ("hr.expense", expense_events)):
        peer.records.setdefault(model, {})
        for _event_id, _received, payload in events:
            record = json.loads(payload)
            if isinstance(record.get("id"), int) and isinstance(record.get("write_date"), str):
                current = peer.records[model].get(record["id"])
                if current is None or current["write_date"] <= record["write_date"]:
                    peer.records[model][record["id"]] = record
            if model == "hr.expense" and expenses is not None and len(peer.records[model]) >= expenses:
                break
    peer.records["hr.expense.category"] = {
        i: {"id": i, "code": code, "name": name, "account_code": account, "write_date": "2023-12-01 08:00:00"}
        for i, (code, name, account) in enumerate(CATEGORIES, 1)}
    return peer
