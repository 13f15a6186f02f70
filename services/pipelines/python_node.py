"""Custom Python nodes: run the snippet in its own process with a time limit, as the writer role, and
write the rows it returns into the node's target (typed from the values)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from services.core.config import PROJECT_ROOT, child_environment
from services.core.errors import QueryFailed
from services.pipelines.materialize import STAGING_SUFFIX, Target

MAX_OUTPUT_BYTES = 256 * 1024 * 1024


def run_snippet(code: str, conninfo: str, timeout_s: float,
                on_start: Callable[[subprocess.Popen], None] | None = None) -> list[dict[str, Any]]:
    """The rows `run(conn)` returns; QueryFailed with the snippet's traceback when it fails or overruns."""
    environment = {**child_environment(), "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen([sys.executable, "-I", "-m", "services.pipelines.python_sandbox"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=environment, cwd=PROJECT_ROOT)
    if on_start is not None:
        on_start(process)
    try:
        given = json.dumps({"code": code, "conninfo": conninfo}).encode()
        out, err = process.communicate(given, timeout=max(timeout_s, 0.1))
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise QueryFailed(f"The Python node ran past its {timeout_s:.0f} s limit and was stopped.",
                          sqlstate="57014") from None
    if process.returncode != 0:
        detail = err.decode(errors="replace").strip()[-4000:] or f"exit status {process.returncode}"
        raise QueryFailed(f"The Python node failed:\n{detail}")
    if len(out) > MAX_OUTPUT_BYTES:
        raise QueryFailed("The Python node returned more than 256 MB of rows.")
    return json.loads(out or b"[]")


def _column_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "bigint"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "double precision"
    if present and all(isinstance(v, dict | list) for v in present):
        return "jsonb"
    return "text"


def write_rows(writer: psycopg.Connection, target: Target, rows: list[dict[str, Any]]) -> int:
    """CREATE <target>__wb_new with a column per key (typed from the values) and COPY the rows in."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if str(key) not in columns:
                columns.append(str(key))
    if not columns:
        columns = ["value"]
    types = {c: _column_type([r.get(c) for r in rows]) for c in columns}
    staging = target.ident(STAGING_SUFFIX)
    with writer.transaction():
        writer.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(staging))
        definition = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types[c])) for c in columns)
        writer.execute(sql.SQL("CREATE TABLE {} ({})").format(staging, definition))
        names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        with writer.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(staging, names)) as copy:
            for row in rows:
                copy.write_row(tuple(_value(row.get(c), types[c]) for c in columns))
    return len(rows)


def _value(value: Any, type_name: str) -> Any:
    if value is None:
        return None
    if type_name == "jsonb":
        return Jsonb(value)
    if type_name == "text" and not isinstance(value, str):
        return json.dumps(value) if isinstance(value, dict | list) else str(value)
    return value
