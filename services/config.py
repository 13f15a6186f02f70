"""Settings from WORKBENCH_* environment variables (and a .env file), parsed once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; defaults give the embedded set-up."""

    home: Path
    database_url: str | None
    session_hours: float
    lockout_attempts: int
    lockout_minutes: int
    port: int
    host: str
    statement_timeout_s: float
    query_row_cap: int
    export_row_cap: int

    @property
    def pgdata(self) -> Path:
        """Folder of the embedded Postgres cluster."""
        return self.home / "pgdata"

    @property
    def admin_credentials_file(self) -> Path:
        """File holding the first admin's generated password (mode 600)."""
        return self.home / "admin-credentials.txt"


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Read the configuration once per process."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)
    home = Path(os.environ.get("WORKBENCH_HOME") or PROJECT_ROOT / ".workbench").resolve()
    return Settings(
        home=home,
        database_url=os.environ.get("WORKBENCH_DATABASE_URL") or None,
        session_hours=_number("WORKBENCH_SESSION_HOURS", 12),
        lockout_attempts=int(_number("WORKBENCH_LOCKOUT_ATTEMPTS", 5)),
        lockout_minutes=int(_number("WORKBENCH_LOCKOUT_MINUTES", 15)),
        port=int(_number("WORKBENCH_PORT", 3000)),
        host=os.environ.get("WORKBENCH_HOST", "127.0.0.1"),
        statement_timeout_s=_number("WORKBENCH_STATEMENT_TIMEOUT_S", 30),
        query_row_cap=int(_number("WORKBENCH_QUERY_ROW_CAP", 100_000)),
        export_row_cap=int(_number("WORKBENCH_EXPORT_ROW_CAP", 1_000_000)),
    )
