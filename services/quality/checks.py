"""Data-quality test types: what each checks, its default dimension, and the SQL that finds its failing rows.

Generated SQL names only catalogued tables and columns (quoted) and puts every value a person gave
(accepted values, bounds, patterns) in as a literal. Custom SQL is a person's query returning the failing
rows: it must be one read-only SELECT (the SQL sandbox's policy) and runs as the least-privileged reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from services.core.errors import InvalidInput, PermissionDenied, QueryFailed
from services.sql import policy

DIMENSIONS = ("completeness", "uniqueness", "validity", "consistency", "freshness", "volume")
SEVERITIES = ("warn", "error")
DEFAULT_DIMENSION = {
    "not_null": "completeness", "unique": "uniqueness", "accepted_values": "validity",
    "relationships": "consistency", "range": "validity", "pattern": "validity", "freshness": "freshness",
    "row_count": "volume", "schema_change": "consistency", "custom_sql": "validity",
}
TYPES = tuple(DEFAULT_DIMENSION)
# dbt tests keep their generic test's name as their type; their dimension follows it.
DBT_DIMENSION = {"not_null": "completeness", "unique": "uniqueness", "accepted_values": "consistency",
                 "relationships": "consistency"}
DBT_REMEDIATION = "Read dbt's message and the compiled SQL: its rows are the ones the test calls failing."
COLUMN_TYPES = ("not_null", "accepted_values", "relationships", "range", "pattern", "freshness")
REMEDIATION = {
    "not_null": "Fill the missing values upstream, or filter the rows out before this table.",
    "unique": "Deduplicate upstream (keep the latest version per key), or widen the key.",
    "accepted_values": "Map the unexpected values to accepted ones upstream, or add them to the list.",
    "relationships": "Load the missing parent rows, or keep only rows whose key exists in the parent table.",
    "range": "Correct or exclude the out-of-range values upstream, or revisit the bounds.",
    "pattern": "Clean the malformed values upstream, or adjust the pattern.",
    "freshness": "Run the pipeline that loads this table, or check its schedule and source.",
    "row_count": "Check the last load: rows were lost, duplicated or the source changed size.",
    "schema_change": "Review the change with the table's consumers; update downstream SQL and tests.",
    "custom_sql": "Read the query and the sample rows: they are the rows it calls failing.",
}


@dataclass(frozen=True)
class TestSpec:
    """One test as written: its table, name, type, column (or columns), options, severity and dimension."""

    table: str
    name: str
    type: str
    column: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    severity: str = "error"
    dimension: str = ""

    @property
    def is_dbt(self) -> bool:
        """Imported from a dbt project: its SQL is dbt's compiled test, its type the generic test's name."""
        return "dbt_unique_id" in self.config

    def __post_init__(self) -> None:
        if self.is_dbt:
            if not self.type or self.severity not in SEVERITIES:
                raise InvalidInput(f"dbt test {self.name}: a type and a severity of warn or error are needed.")
            if not self.dimension:
                object.__setattr__(self, "dimension", DBT_DIMENSION.get(self.type, "validity"))
            return
        if self.type not in TYPES:
            raise InvalidInput(f"Unknown test type {self.type!r}; use one of {', '.join(TYPES)}.")
        if self.severity not in SEVERITIES:
            raise InvalidInput(f"Test {self.name}: severity is warn or error, not {self.severity!r}.")
        if not self.dimension:
            object.__setattr__(self, "dimension", DEFAULT_DIMENSION[self.type])
        if self.dimension not in DIMENSIONS:
            raise InvalidInput(f"Test {self.name}: dimension must be one of {', '.join(DIMENSIONS)}.")
        if self.type in COLUMN_TYPES and not self.column:
            raise InvalidInput(f"Test {self.name}: a {self.type} test names a column.")
        _check_config(self)


def _check_config(spec: TestSpec) -> None:
    c = spec.config
    where = f"Test {spec.name} ({spec.type})"
    if spec.type == "accepted_values" and (not isinstance(c.get("values"), list) or not c["values"]):
        raise InvalidInput(f"{where} needs values: a non-empty list.")
    if spec.type == "relationships" and not (isinstance(c.get("to"), str) and isinstance(c.get("field"), str)):
        raise InvalidInput(f"{where} needs to: schema.table and field: column.")
    if spec.type == "range" and c.get("min") is None and c.get("max") is None:
        raise InvalidInput(f"{where} needs min, max or both.")
    if spec.type == "pattern" and not isinstance(c.get("regex"), str):
        raise InvalidInput(f"{where} needs regex.")
    if spec.type == "unique" and not (spec.column or c.get("columns")):
        raise InvalidInput(f"{where} names a column or columns.")
    if spec.type == "custom_sql":
        check_custom_sql(c.get("sql"), spec.name)
    for key in ("min", "max", "hours", "change_pct"):
        if c.get(key) is not None and (isinstance(c[key], bool) or not isinstance(c[key], int | float | str)):
            raise InvalidInput(f"{where}: {key} must be a number or a date.")


def check_custom_sql(text: Any, name: str) -> str:
    """One read-only SELECT, or InvalidInput saying why not (nothing is run)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"Test {name}: custom_sql needs sql: a SELECT returning the failing rows.")
    try:
        classified = policy.classify(text.strip().rstrip(";"), may_write=True)
    except (QueryFailed, PermissionDenied) as exc:
        raise InvalidInput(f"Test {name}: {exc}") from None
    if classified.kind != "SelectStmt" or classified.writes:
        raise InvalidInput(f"Test {name}: custom SQL must be a SELECT returning the failing rows; "
                           f"{policy.describe(classified.kind)} is not one.")
    return text.strip().rstrip(";")


def _ident(qualified: str) -> sql.Composed:
    schema, table = qualified.split(".", 1)
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def remediation(test_type: str, *, dbt: bool = False) -> str:
    """What to do about a failure of this type."""
    return DBT_REMEDIATION if dbt else REMEDIATION.get(test_type, "")


def failing_rows_sql(spec: TestSpec, table: str) -> sql.Composable | None:
    """A SELECT of the failing rows for row-level tests; None for table-level ones (freshness, row_count,
    schema_change). A dbt test's is dbt's compiled SQL (InvalidInput when it was imported uncompiled)."""
    if spec.is_dbt:
        compiled = spec.config.get("sql")
        if not compiled:
            raise InvalidInput(f"dbt test {spec.name} was imported without compiled SQL; run `dbt compile` (or"
                               " build) and import the project again.")
        return sql.SQL(check_custom_sql(compiled, spec.name))
    t = _ident(table)
    col = sql.Identifier(spec.column) if spec.column else None
    c = spec.config
    if spec.type == "not_null":
        return sql.SQL("SELECT * FROM {} WHERE {} IS NULL").format(t, col)
    if spec.type == "unique":
        columns = [spec.column] if spec.column else list(c["columns"])
        keys = sql.SQL(", ").join(sql.Identifier(k) for k in columns)
        return sql.SQL("SELECT {}, count(*) AS occurrences FROM {} GROUP BY {} HAVING count(*) > 1").format(
            keys, t, keys)
    if spec.type == "accepted_values":
        values = [str(v) for v in c["values"]]
        return sql.SQL("SELECT * FROM {} WHERE {} IS NOT NULL AND {}::text <> ALL({})").format(
            t, col, col, sql.Literal(values))
    if spec.type == "relationships":
        return sql.SQL("SELECT * FROM {} c WHERE c.{} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {} p"
                       " WHERE p.{} = c.{})").format(t, col, _ident(c["to"]), sql.Identifier(c["field"]), col)
    if spec.type == "range":
        checks = []
        if c.get("min") is not None:
            checks.append(sql.SQL("{} < {}").format(col, sql.Literal(c["min"])))
        if c.get("max") is not None:
            checks.append(sql.SQL("{} > {}").format(col, sql.Literal(c["max"])))
        return sql.SQL("SELECT * FROM {} WHERE ").format(t) + sql.SQL(" OR ").join(checks)
    if spec.type == "pattern":
        return sql.SQL("SELECT * FROM {} WHERE {} IS NOT NULL AND {}::text !~ {}").format(
            t, col, col, sql.Literal(c["regex"]))
    if spec.type == "custom_sql":
        return sql.SQL(check_custom_sql(c.get("sql"), spec.name))
    return None
