"""Every setting Workbench reads from its environment (and a `.env` file), parsed and validated here.

Nothing else reads `os.environ` for a setting: call `settings()`. The result is cached per distinct
environment, so a test or an operator that changes a variable sees the change on the next call.
`VARIABLES` lists every variable with its default as the README documents it (a test compares them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from croniter import croniter
from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name and its default as a person reads it."""

    name: str
    default: str


# Every variable the app reads, in the README's order; defaults as written there.
VARIABLES: tuple[Variable, ...] = (
    Variable("WORKBENCH_HOME", "./.workbench"),
    Variable("WORKBENCH_DATABASE_URL", "unset: embedded Postgres"),
    Variable("WORKBENCH_PORT", "3000"),
    Variable("WORKBENCH_HOST", "127.0.0.1"),
    Variable("WORKBENCH_ADMIN_EMAIL", "admin@workbench.local"),
    Variable("WORKBENCH_SESSION_HOURS", "12"),
    Variable("WORKBENCH_LOCKOUT_ATTEMPTS", "5"),
    Variable("WORKBENCH_LOCKOUT_MINUTES", "15"),
    Variable("WORKBENCH_STATEMENT_TIMEOUT_S", "30"),
    Variable("WORKBENCH_QUERY_ROW_CAP", "100000"),
    Variable("WORKBENCH_EXPORT_ROW_CAP", "1000000"),
    Variable("WORKBENCH_RESULT_MAX_MB", "50"),
    Variable("WORKBENCH_EXPORT_MAX_MB", "1024"),
    Variable("WORKBENCH_AUTH_FAILURES_PER_MINUTE", "20"),
    Variable("WORKBENCH_API_REQUESTS_PER_MINUTE", "1000"),
    Variable("WORKBENCH_CATALOG_SYNC_MINUTES", "60"),
    Variable("WORKBENCH_APP_WORKERS", "1"),
    Variable("WORKBENCH_WORKERS", "1"),
    Variable("REDIS_URL", "unset: one app process, browser state on disk"),
    Variable("WORKBENCH_PIPELINE_PARALLEL_NODES", "2"),
    Variable("WORKBENCH_PIPELINE_TIMEOUT_S", "600"),
    Variable("WORKBENCH_PIPELINE_RETRY_DELAY_S", "300"),
    Variable("WORKBENCH_WEBHOOK_TIMEOUT_S", "5"),
    Variable("WORKBENCH_UPLOAD_MAX_MB", "100"),
    Variable("WORKBENCH_AGENT_TIMEOUT_S", "300"),
    Variable("WORKBENCH_ODOO_REQUESTS_PER_MINUTE", "100"),
    Variable("WORKBENCH_ODOO_PAGE_SIZE", "1000"),
    Variable("WORKBENCH_ODOO_TIMEOUT_S", "30"),
    Variable("WORKBENCH_DBT_PROJECTS_DIR", "WORKBENCH_HOME/dbt"),
    Variable("WORKBENCH_SECRET_KEY", "unset: a key file in WORKBENCH_HOME"),
    Variable("WORKBENCH_SLACK_WEBHOOK_BASE", "https://hooks.slack.com/services"),
    Variable("WORKBENCH_QDRANT_URL", "unset: an in-memory Qdrant per process"),
    Variable("WORKBENCH_NEO4J_URI", "unset: lineage graph questions in Postgres"),
    Variable("WORKBENCH_NEO4J_USER", "neo4j"),
    Variable("WORKBENCH_NEO4J_PASSWORD", "empty"),
    Variable("WORKBENCH_NEO4J_DATABASE", "lineage"),
    Variable("WORKBENCH_LLM_MODEL", "unset: the local model"),
    Variable("WORKBENCH_LLM_API_BASE", "unset"),
    Variable("WORKBENCH_LLM_API_KEY", "unset"),
    Variable("WORKBENCH_LLM_FALLBACKS", "none"),
    Variable("WORKBENCH_LLM_TIMEOUT_S", "60"),
    Variable("WORKBENCH_LLM_BACKOFF_S", "1"),
    Variable("WORKBENCH_LLM_BREAKER_OPEN_S", "60"),
    Variable("WORKBENCH_LLM_REQUESTS_PER_MINUTE", "500"),
    Variable("WORKBENCH_LOCAL_LLM_BASE", "unset: the managed local server"),
    Variable("WORKBENCH_LLM_IDLE_MINUTES", "30"),
    Variable("WORKBENCH_CACHE", "~/.cache/workbench"),
    Variable("WORKBENCH_METRICS_TOKEN", "unset: /metrics is off"),
    Variable("WORKBENCH_BACKUP_DIR", "unset: no nightly backup"),
    Variable("WORKBENCH_BACKUP_CRON", "30 2 * * *"),
    Variable("WORKBENCH_BACKUP_KEEP", "7"),
    Variable("PROMETHEUS_MULTIPROC_DIR", "unset: each process reports its own requests"),
    Variable("LANGFUSE_PUBLIC_KEY", "unset: no tracing"),
    Variable("LANGFUSE_SECRET_KEY", "unset: no tracing"),
    Variable("LANGFUSE_BASE_URL", "Langfuse's cloud"),
)


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; the defaults give the embedded set-up."""

    home: Path
    database_url: str | None
    port: int
    host: str
    admin_email: str
    session_hours: float
    lockout_attempts: int
    lockout_minutes: int
    statement_timeout_s: float
    query_row_cap: int
    export_row_cap: int
    result_max_mb: float
    export_max_mb: float
    auth_failures_per_minute: int
    api_requests_per_minute: int
    catalog_sync_minutes: float
    app_workers: int
    workers: int
    redis_url: str | None
    pipeline_parallel_nodes: int
    pipeline_timeout_s: float
    pipeline_retry_delay_s: float
    webhook_timeout_s: float
    upload_max_mb: float
    agent_timeout_s: float
    odoo_requests_per_minute: int
    odoo_page_size: int
    odoo_timeout_s: float
    dbt_projects_dir: Path
    secret_key: str | None
    slack_webhook_base: str
    qdrant_url: str | None
    neo4j_uri: str | None
    neo4j_user: str
    neo4j_password: str
    neo4j_database: str
    llm_model: str | None
    llm_api_base: str | None
    llm_api_key: str | None
    llm_fallbacks: tuple[str, ...]
    llm_timeout_s: float
    llm_backoff_s: float
    llm_breaker_open_s: float
    llm_requests_per_minute: int
    local_llm_base: str | None
    llm_idle_minutes: float
    cache: Path
    metrics_token: str | None
    metrics_multiprocess_dir: str | None
    backup_dir: Path | None
    backup_cron: str
    backup_keep: int
    langfuse_public_key: str | None
    langfuse_secret_key: str | None
    langfuse_base_url: str | None

    @property
    def pgdata(self) -> Path:
        """Folder of the embedded Postgres cluster."""
        return self.home / "pgdata"

    @property
    def admin_credentials_file(self) -> Path:
        """File holding the first admin's generated password (mode 600)."""
        return self.home / "admin-credentials.txt"

    @property
    def secret_key_file(self) -> Path:
        """The generated key that encrypts stored secrets when WORKBENCH_SECRET_KEY is unset (mode 600)."""
        return self.home / "secret.key"

    @property
    def langfuse_enabled(self) -> bool:
        """Both Langfuse keys are set."""
        return bool(self.langfuse_public_key and self.langfuse_secret_key)


class SettingError(ValueError):
    """A setting's value is malformed or does not fit the others; the message names the variable."""


class _Reader:
    """Reads variables from one environment snapshot; every bad value fails the same way."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env

    def text(self, name: str, default: str | None = None) -> str | None:
        raw = self._env.get(name, "").strip()
        return raw or default

    def number(self, name: str, default: float, *, minimum: float = 0.0, whole: bool = False) -> float:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingError(f"{name} must be a {'whole ' if whole else ''}number, got {raw!r}") from None
        if whole and not value.is_integer():
            raise SettingError(f"{name} must be a whole number, got {raw!r}")
        if value < minimum:
            raise SettingError(f"{name} must be at least {minimum:g}, got {raw!r}")
        return value

    def whole(self, name: str, default: int, *, minimum: int = 0) -> int:
        return int(self.number(name, default, minimum=minimum, whole=True))

    def cron(self, name: str, default: str) -> str:
        raw = self.text(name, default) or default
        if len(raw.split()) != 5 or not croniter.is_valid(raw):
            raise SettingError(f"{name} must be a cron expression of five fields (e.g. {default!r}), got {raw!r}")
        return raw


def _backend_processes(read: _Reader) -> int:
    """WORKBENCH_WORKERS app processes; more than one needs Redis, where Reflex keeps each browser's state so
    that any process can serve its next event."""
    workers = read.whole("WORKBENCH_WORKERS", 1, minimum=1)
    if workers > 1 and not read.text("REDIS_URL"):
        raise SettingError(f"WORKBENCH_WORKERS={workers} needs REDIS_URL (e.g. redis://127.0.0.1:6379/0): several app"
                           " processes keep each browser's state in Redis. Set REDIS_URL or run one process.")
    return workers


def _folder(text: str | None) -> Path | None:
    return Path(text).expanduser().resolve() if text else None


def _parse(env: dict[str, str]) -> Settings:
    read = _Reader(env)
    home = Path(read.text("WORKBENCH_HOME") or PROJECT_ROOT / ".workbench").expanduser().resolve()
    return Settings(
        home=home,
        database_url=read.text("WORKBENCH_DATABASE_URL"),
        port=read.whole("WORKBENCH_PORT", 3000, minimum=1),
        host=read.text("WORKBENCH_HOST", "127.0.0.1"),
        admin_email=read.text("WORKBENCH_ADMIN_EMAIL", "admin@workbench.local").lower(),
        session_hours=read.number("WORKBENCH_SESSION_HOURS", 12, minimum=0.01),
        lockout_attempts=read.whole("WORKBENCH_LOCKOUT_ATTEMPTS", 5, minimum=1),
        lockout_minutes=read.whole("WORKBENCH_LOCKOUT_MINUTES", 15),
        statement_timeout_s=read.number("WORKBENCH_STATEMENT_TIMEOUT_S", 30, minimum=0.001),
        query_row_cap=read.whole("WORKBENCH_QUERY_ROW_CAP", 100_000, minimum=1),
        export_row_cap=read.whole("WORKBENCH_EXPORT_ROW_CAP", 1_000_000, minimum=1),
        result_max_mb=read.number("WORKBENCH_RESULT_MAX_MB", 50, minimum=0.001),
        export_max_mb=read.number("WORKBENCH_EXPORT_MAX_MB", 1024, minimum=0.001),
        auth_failures_per_minute=read.whole("WORKBENCH_AUTH_FAILURES_PER_MINUTE", 20, minimum=1),
        api_requests_per_minute=read.whole("WORKBENCH_API_REQUESTS_PER_MINUTE", 1000, minimum=1),
        catalog_sync_minutes=read.number("WORKBENCH_CATALOG_SYNC_MINUTES", 60),
        app_workers=read.whole("WORKBENCH_APP_WORKERS", 1),
        workers=_backend_processes(read),
        redis_url=read.text("REDIS_URL"),
        pipeline_parallel_nodes=read.whole("WORKBENCH_PIPELINE_PARALLEL_NODES", 2, minimum=1),
        pipeline_timeout_s=read.number("WORKBENCH_PIPELINE_TIMEOUT_S", 600, minimum=0.1),
        pipeline_retry_delay_s=read.number("WORKBENCH_PIPELINE_RETRY_DELAY_S", 300),
        webhook_timeout_s=read.number("WORKBENCH_WEBHOOK_TIMEOUT_S", 5, minimum=0.1),
        upload_max_mb=read.number("WORKBENCH_UPLOAD_MAX_MB", 100, minimum=0.001),
        agent_timeout_s=read.number("WORKBENCH_AGENT_TIMEOUT_S", 300, minimum=1),
        odoo_requests_per_minute=int(read.number("WORKBENCH_ODOO_REQUESTS_PER_MINUTE", 100, minimum=1, whole=True)),
        odoo_page_size=int(read.number("WORKBENCH_ODOO_PAGE_SIZE", 1000, minimum=1, whole=True)),
        odoo_timeout_s=read.number("WORKBENCH_ODOO_TIMEOUT_S", 30, minimum=1),
        dbt_projects_dir=Path(read.text("WORKBENCH_DBT_PROJECTS_DIR") or home / "dbt").expanduser().resolve(),
        secret_key=read.text("WORKBENCH_SECRET_KEY"),
        slack_webhook_base=read.text("WORKBENCH_SLACK_WEBHOOK_BASE", "https://hooks.slack.com/services").rstrip("/"),
        qdrant_url=read.text("WORKBENCH_QDRANT_URL"),
        neo4j_uri=read.text("WORKBENCH_NEO4J_URI"),
        neo4j_user=read.text("WORKBENCH_NEO4J_USER", "neo4j"),
        neo4j_password=env.get("WORKBENCH_NEO4J_PASSWORD", ""),
        neo4j_database=read.text("WORKBENCH_NEO4J_DATABASE", "lineage"),
        llm_model=read.text("WORKBENCH_LLM_MODEL"),
        llm_api_base=read.text("WORKBENCH_LLM_API_BASE"),
        llm_api_key=read.text("WORKBENCH_LLM_API_KEY"),
        llm_fallbacks=tuple(m.strip() for m in (read.text("WORKBENCH_LLM_FALLBACKS") or "").split(",") if m.strip()),
        llm_timeout_s=read.number("WORKBENCH_LLM_TIMEOUT_S", 60, minimum=0.001),
        llm_backoff_s=read.number("WORKBENCH_LLM_BACKOFF_S", 1),
        llm_breaker_open_s=read.number("WORKBENCH_LLM_BREAKER_OPEN_S", 60),
        llm_requests_per_minute=read.whole("WORKBENCH_LLM_REQUESTS_PER_MINUTE", 500, minimum=1),
        local_llm_base=read.text("WORKBENCH_LOCAL_LLM_BASE"),
        llm_idle_minutes=read.number("WORKBENCH_LLM_IDLE_MINUTES", 30, minimum=0.05),
        cache=Path(read.text("WORKBENCH_CACHE") or Path.home() / ".cache" / "workbench").expanduser(),
        metrics_token=read.text("WORKBENCH_METRICS_TOKEN"),
        metrics_multiprocess_dir=read.text("PROMETHEUS_MULTIPROC_DIR"),
        backup_dir=_folder(read.text("WORKBENCH_BACKUP_DIR")),
        backup_cron=read.cron("WORKBENCH_BACKUP_CRON", "30 2 * * *"),
        backup_keep=read.whole("WORKBENCH_BACKUP_KEEP", 7, minimum=1),
        langfuse_public_key=read.text("LANGFUSE_PUBLIC_KEY"),
        langfuse_secret_key=read.text("LANGFUSE_SECRET_KEY"),
        langfuse_base_url=read.text("LANGFUSE_BASE_URL") or read.text("LANGFUSE_HOST"),
    )


_READ = (*(v.name for v in VARIABLES), "LANGFUSE_HOST")


@lru_cache(maxsize=8)
def _cached(snapshot: tuple[str | None, ...]) -> Settings:
    return _parse({name: value for name, value in zip(_READ, snapshot, strict=True) if value is not None})


_dotenv_loaded = False


def settings() -> Settings:
    """The configuration of the current environment (parsed once per distinct set of values).

    Raises SettingError (a ValueError) naming the variable when a value is malformed."""
    global _dotenv_loaded
    if not _dotenv_loaded:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        _dotenv_loaded = True
    return _cached(tuple(os.environ.get(name) for name in _READ))


def export_backend_environment(current: Settings) -> None:
    """Settings the app server's own libraries read from the environment: granian's number of backend
    processes and, with several, one folder where their Prometheus counters are summed (called by rxconfig)."""
    os.environ["GRANIAN_WORKERS"] = str(current.workers)
    if current.workers > 1 and not current.metrics_multiprocess_dir:
        folder = current.home / "metrics"
        folder.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(folder))


def child_environment() -> dict[str, str]:
    """The environment a sandboxed child process (a Custom pipeline node) gets: PATH, HOME and a UTF-8
    locale of this process, and none of its settings or credentials."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8"}
