"""Export a query's whole result (up to the export cap) as CSV, Excel or JSON, streamed in chunks."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.core.errors import InvalidInput
from services.sql import execution as query_execution
from services.sql import history as query_history
from services.sql.output import json_value, unique_names
from services.sql.split import split_statements

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass
class Export:
    media_type: str
    filename: str
    chunks: Iterator[bytes]


def export_history_entry(actor: Any, history_id: str, fmt: str, *, client_address: str | None = None) -> Export:
    """Re-run the last statement of a query from the actor's history, read-only, and stream it as `fmt`."""
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown export format '{fmt}'. Use csv, xlsx or json.")
    entry = query_history.get_entry(actor, history_id)
    statements = split_statements(entry.sql)
    if not statements:
        raise InvalidInput("That query has nothing to export.")
    filename = f"query-{history_id[:8]}.{fmt}"
    if fmt == "csv":  # Postgres writes the CSV itself: the fastest path, with its exact NULL/'' rules
        chunks = query_execution.copy_csv(actor, statements[-1].text, client_address=client_address)
        return Export(FORMATS[fmt], filename, _with_bom(chunks))
    streamed = query_execution.stream(actor, statements[-1].text, client_address=client_address)
    names = [c.name for c in streamed.columns]
    writer = {"json": _json, "xlsx": _xlsx}[fmt]
    return Export(FORMATS[fmt], filename, writer(names, streamed.batches))


def _with_bom(chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield "\ufeff".encode()  # Excel opens UTF-8 CSV correctly with it
    yield from chunks


def _json(names: list[str], batches: Iterator[list[tuple]]) -> Iterator[bytes]:
    keys = unique_names(names)  # a repeated column name is suffixed, not lost
    yield b"["
    first = True
    for rows in batches:
        parts = []
        for row in rows:
            record = json.dumps({k: json_value(v) for k, v in zip(keys, row, strict=True)}, ensure_ascii=False)
            parts.append(record if first else "," + record)
            first = False
        yield "\n".join(parts).encode()
    yield b"]\n"


def _xlsx(names: list[str], batches: Iterator[list[tuple]]) -> Iterator[bytes]:
    """xlsxwriter in constant-memory mode writes row by row to a temporary file, which is then streamed."""
    import datetime as dt
    import decimal

    import xlsxwriter

    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="wb-export-")
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False,
                                          "strings_to_formulas": False, "strings_to_urls": False})
        sheet = book.add_worksheet("result")
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        time_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        sheet.write_row(0, 0, names, book.add_format({"bold": True}))
        line = 1
        for rows in batches:
            for row in rows:
                for col, value in enumerate(row):
                    if value is None:
                        continue  # an empty cell; an empty string is written as a string
                    if isinstance(value, dt.datetime):
                        sheet.write_datetime(line, col, value.replace(tzinfo=None), time_format)
                    elif isinstance(value, dt.date):
                        sheet.write_datetime(line, col, dt.datetime(value.year, value.month, value.day), date_format)
                    elif isinstance(value, bool):
                        sheet.write_boolean(line, col, value)
                    elif isinstance(value, int | float) and abs(value) < 1e15:
                        sheet.write_number(line, col, value)
                    elif isinstance(value, decimal.Decimal) and len(value.as_tuple().digits) <= 15:
                        sheet.write_number(line, col, float(value))
                    else:
                        sheet.write_string(line, col, str(value))
                line += 1
        book.close()
        with open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                yield chunk
    finally:
        os.unlink(path)
