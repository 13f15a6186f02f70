"""Running dbt for a pipeline node: `dbt build|run|test|seed [--select …]` on a project folder under
WORKBENCH_DBT_PROJECTS_DIR, in a process of its own (services/integrations/dbt/invoke.py, dbt-core's
dbtRunner with the Postgres adapter) against the Workbench warehouse as the least-privileged writer role.

The profile is generated for each run in a private temporary folder, with the password passed in the
child's environment (nothing is written into the project); dbt's target and log folders live there too,
so the project folder is only read. dbt's log streams line by line to `on_line`; the artifacts it wrote
(manifest.json, run_results.json) are read back before the folder goes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from psycopg.conninfo import conninfo_to_dict

from services.core.config import PROJECT_ROOT, child_environment
from services.core.errors import InvalidInput, QueryFailed
from services.integrations.dbt import artifacts as dbt_artifacts
from services.integrations.dbt.artifacts import Artifacts

COMMANDS = ("build", "run", "test", "seed")
DEFAULT_SCHEMA = "silver"
MAX_SELECT_CHARS = 1000
PASSWORD_VARIABLE = "WORKBENCH_DBT_PASSWORD"
ARTIFACTS = ("manifest.json", "run_results.json")


@dataclass(frozen=True)
class DbtOutcome:
    ok: bool
    exit_code: int
    artifacts: Artifacts | None  # None when dbt wrote no manifest (it could not parse the project)
    error: str = ""


def project_profile(project: Path) -> str:
    """The profile name dbt_project.yml asks for (InvalidInput when the folder is not a dbt project)."""
    try:
        config = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{project} has no dbt_project.yml; it is not a dbt project.") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{project}/dbt_project.yml cannot be read: {exc}") from None
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise InvalidInput(f"{project}/dbt_project.yml names no project (name:).")
    profile = config.get("profile") or config["name"]
    return str(profile)


def check_select(select: str) -> str:
    """dbt node selection as typed: words, paths, tags, graph operators; no shell or option syntax."""
    select = (select or "").strip()
    if len(select) > MAX_SELECT_CHARS:
        raise InvalidInput(f"The dbt selection is longer than {MAX_SELECT_CHARS} characters.")
    if select.startswith("-") or " -" in f" {select}" or any(ch in select for ch in "\n\r\x00;|&`$"):
        raise InvalidInput("The dbt selection holds node names, paths, tags and graph operators (+, @, *),"
                           " not options or shell syntax.")
    return select


def _profile(profile: str, conninfo: str, schema: str, folder: Path) -> dict[str, str]:
    """Write profiles.yml for the writer role into `folder`; returns the child's extra environment."""
    params = conninfo_to_dict(conninfo)
    output = {"type": "postgres", "host": params.get("host") or "localhost", "port": int(params.get("port") or 5432),
              "user": params["user"], "password": "{{ env_var('" + PASSWORD_VARIABLE + "') }}",
              "dbname": params["dbname"], "schema": schema, "threads": 2, "connect_timeout": 10}
    if params.get("sslmode"):
        output["sslmode"] = params["sslmode"]
    document = {profile: {"target": "workbench", "outputs": {"workbench": output}}}
    (folder / "profiles.yml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return {PASSWORD_VARIABLE: params.get("password") or ""}


def _keep(target: Path, folder: Path) -> None:
    """Copy the run's artifacts (manifest, run results) into `folder`, replacing the previous run's."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ARTIFACTS:
        kept = folder / name
        if (target / name).is_file():
            shutil.copyfile(target / name, kept)
        elif kept.exists():
            kept.unlink()


def run(project: Path, command: str, select: str, conninfo: str, *, timeout_s: float,
        on_line: Callable[[str], None], on_start: Callable[[subprocess.Popen], None] | None = None,
        keep_in: Path | None = None) -> DbtOutcome:
    """Run dbt once; returns whether it succeeded and the artifacts it wrote (copied into `keep_in`, when
    given, for people and tools to read afterwards)."""
    if command not in COMMANDS:
        raise InvalidInput(f"dbt command {command!r} is not one of {', '.join(COMMANDS)}.")
    profile = project_profile(project)
    with tempfile.TemporaryDirectory(prefix="workbench-dbt-") as scratch:
        folder = Path(scratch)
        environment = {**child_environment(), "PYTHONPATH": str(PROJECT_ROOT),
                       **_profile(profile, conninfo, DEFAULT_SCHEMA, folder),
                       "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_VERSION_CHECK": "false",
                       "DBT_USE_COLORS": "false", "DBT_PARTIAL_PARSE": "false"}
        arguments = [command, "--project-dir", str(project), "--profiles-dir", str(folder), "--target-path",
                     str(folder / "target"), "--log-path", str(folder / "logs"), "--no-use-colors",
                     "--log-format", "text"]
        selection = check_select(select)
        if selection:
            arguments += ["--select", *selection.split()]
        process = subprocess.Popen([sys.executable, "-I", "-m", "services.integrations.dbt.invoke"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env=environment, cwd=scratch, text=True, bufsize=1)
        if on_start is not None:
            on_start(process)
        process.stdin.write(json.dumps({"args": arguments}))
        process.stdin.close()
        for line in process.stdout:
            on_line(line.rstrip("\n"))
        try:
            code = process.wait(timeout=max(timeout_s, 1))
        except subprocess.TimeoutExpired:
            process.kill()
            raise QueryFailed(f"dbt ran past its {timeout_s:.0f} s limit and was stopped.", sqlstate="57014") from None
        found = None
        if (folder / "target" / "manifest.json").is_file():
            found = dbt_artifacts.read_folder(folder / "target")
            if keep_in is not None:
                _keep(folder / "target", keep_in)
    error = "" if code == 0 else ("dbt reported failures (see the log)." if code == 1 else
                                  f"dbt could not run (exit status {code}; see the log).")
    return DbtOutcome(ok=code == 0, exit_code=code, artifacts=found, error=error)
