"""Bronze ingestion of an uploaded file: CSV, JSON (an array of objects) or JSON Lines, each record kept as a
JSON payload. A record that cannot be read is rejected, counted and reported with its line, never dropped
silently."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from services.core import db
from services.core.config import settings
from services.core.errors import InvalidInput, NotFound, PermissionDenied
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.pipelines.definition import UPLOAD_FORMATS
from services.pipelines.materialize import STAGING_SUFFIX, Target
from services.sql.output import unique_names

MAX_REPORTED = 20


@dataclass
class Parsed:
    records: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "line 7: reason", the first MAX_REPORTED
    rejected_count: int = 0

    def reject(self, where: str, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REPORTED:
            self.rejected.append(f"{where}: {reason}")


@dataclass(frozen=True)
class Upload:
    id: str
    filename: str
    format: str
    size_bytes: int


def upload(actor: Any, filename: str, content: bytes, file_format: str | None = None, *,
           client_address: str | None = None) -> Upload:
    """Keep a file for a bronze ingestion node (engineers and admins: Create Pipelines)."""
    authorize(actor, Permission.CREATE_PIPELINES, client_address=client_address)
    name = (filename or "").strip()[:200] or "upload"
    chosen = (file_format or name.rsplit(".", 1)[-1]).lower()
    if chosen == "ndjson":
        chosen = "jsonl"
    if chosen not in UPLOAD_FORMATS:
        raise InvalidInput(f"Upload a CSV, JSON or JSON Lines file (.csv, .json, .jsonl); {name!r} is neither.")
    limit = int(settings().upload_max_mb * 1024 * 1024)
    if len(content) > limit:
        raise InvalidInput(f"The file is {len(content) / 1048576:.1f} MB; the limit is"
                           f" {settings().upload_max_mb:g} MB.")
    if not content:
        raise InvalidInput("The file is empty.")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"The file is not UTF-8 text (byte {exc.start}).") from None
    with db.connection() as conn:
        upload_id = conn.execute(
            "INSERT INTO ip_workbench.pipeline_uploads (filename, format, content, size_bytes, uploaded_by)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id::text", (name, chosen, content, len(content), actor.id)
        ).fetchone()[0]
        audit.record(action="pipeline_upload", actor=actor, target=f"upload:{upload_id}", conn=conn,
                     client_address=client_address, details={"filename": name, "bytes": len(content)})
    return Upload(upload_id, name, chosen, len(content))


def _rows_csv(text: str, parsed: Parsed) -> Iterator[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        parsed.reject("line 1", "the CSV file has no header row")
        return
    names = unique_names([h.strip() or f"column_{i + 1}" for i, h in enumerate(header)])  # a repeated header kept
    for row in reader:
        if not row or row == [""]:
            continue
        if len(row) != len(names):
            parsed.reject(f"line {reader.line_num}", f"{len(row)} fields where the header has {len(names)}")
            continue
        yield dict(zip(names, row, strict=True))


def parse(content: bytes, file_format: str) -> Parsed:
    """Every readable record as a dict; the rest counted with their line numbers."""
    parsed = Parsed()
    text = content.decode("utf-8-sig", errors="replace")
    if file_format == "csv":
        try:
            parsed.records.extend(_rows_csv(text, parsed))
        except csv.Error as exc:
            parsed.reject("file", f"CSV error: {exc}")
    elif file_format == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                parsed.reject(f"line {number}", f"not JSON ({exc.msg})")
                continue
            if not isinstance(value, dict):
                parsed.reject(f"line {number}", "not a JSON object")
                continue
            parsed.records.append(value)
    else:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            parsed.reject(f"line {exc.lineno}", f"the file is not JSON ({exc.msg})")
            return parsed
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, dict):
                parsed.records.append(item)
            else:
                parsed.reject(f"item {index}", "not a JSON object")
    return parsed


def load_upload(conn: psycopg.Connection, upload_id: str) -> tuple[str, str, bytes]:
    """(filename, format, content) of an upload."""
    row = conn.execute("SELECT filename, format, content FROM ip_workbench.pipeline_uploads WHERE id::text = %s",
                       (upload_id,)).fetchone()
    if row is None:
        raise NotFound(f"The uploaded file {upload_id} does not exist.")
    return row[0], row[1], bytes(row[2])


def write(writer: psycopg.Connection, target: Target, filename: str, records: list[dict[str, Any]], *,
          append: bool) -> int:
    """COPY the records into <target>__wb_new (or straight into the target when appending) as the writer."""
    into = target.ident() if append else target.ident(STAGING_SUFFIX)
    with writer.transaction():
        if not append:
            writer.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(into))
        writer.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (record_id bigint, source_file text,"
                               " loaded_at timestamptz NOT NULL DEFAULT now(), payload jsonb NOT NULL)").format(into))
        start = writer.execute(sql.SQL("SELECT coalesce(max(record_id), 0) FROM {}").format(into)).fetchone()[0]
        with writer.cursor().copy(sql.SQL("COPY {} (record_id, source_file, payload) FROM STDIN").format(into)) as cp:
            for offset, record in enumerate(records, start=1):
                cp.write_row((start + offset, filename, Jsonb(record)))
    return len(records)


def delete_upload(actor: Any, upload_id: str) -> None:
    """Remove an upload no pipeline uses (its uploader or an admin)."""
    authorize(actor, Permission.CREATE_PIPELINES)
    with db.connection() as conn:
        row = conn.execute("SELECT uploaded_by::text FROM ip_workbench.pipeline_uploads WHERE id::text = %s",
                           (upload_id,)).fetchone()
        if row is None:
            raise NotFound("That upload does not exist.")
        if row[0] != str(actor.id) and actor.role != "admin":
            raise PermissionDenied("Only the uploader or an admin removes an upload.")
        conn.execute("DELETE FROM ip_workbench.pipeline_uploads WHERE id::text = %s", (upload_id,))
