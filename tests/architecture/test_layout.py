"""The house rules a newcomer relies on: domain packages only, no imports hidden in functions, one
settings module that the README documents variable by variable."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from services.core import config

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"


def test_services_top_level_holds_only_packages():
    loose = sorted(p.name for p in SERVICES.iterdir() if p.is_file() and p.name != "__init__.py")
    assert loose == [], f"feature modules belong in a domain package: {loose}"
    packages = sorted(p.name for p in SERVICES.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert {"core", "identity", "catalog", "sql", "lineage", "llm", "genie", "activity", "demo", "pipelines",
            "quality", "agents", "integrations", "runtime"} <= set(packages)
    for package in packages:
        doc = ast.get_docstring(ast.parse((SERVICES / package / "__init__.py").read_text()))
        assert doc, f"services/{package}/__init__.py says what the package owns"


def _function_imports(path: Path) -> list[str]:
    """`services` or `workbench` modules imported inside a function of `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                names = []
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    names = [inner.module]
                elif isinstance(inner, ast.Import):
                    names = [a.name for a in inner.names]
                found += [f"{path.relative_to(ROOT)}:{inner.lineno} {n}" for n in names
                          if n.split(".")[0] in ("services", "workbench")]
    return found


def test_no_module_imports_another_inside_a_function():
    """Imports inside functions are for heavy optional libraries only, never to dodge a cycle."""
    hidden = [hit for folder in ("services", "workbench") for path in sorted((ROOT / folder).rglob("*.py"))
              for hit in _function_imports(path)]
    assert hidden == []


def _readme_variables() -> dict[str, str]:
    section = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]+?) \|", section, re.M)
    return {name: default.strip().strip("`") for name, default in rows}


def test_readme_lists_every_setting_with_its_default():
    documented = _readme_variables()
    declared = {v.name: v.default for v in config.VARIABLES}
    tooling = {name for name in documented if name not in declared}
    assert tooling <= {"WORKBENCH_TEST_EXTERNAL_PG", "WORKBENCH_BENCH_HOME", "WORKBENCH_KEEP_TEST_HOME"}, \
        "every variable in the README is read by services/core/config.py (or is for tests and benchmarks)"
    assert {name: documented.get(name) for name in declared} == declared


def test_settings_module_is_the_only_reader_of_the_environment():
    readers = []
    for path in sorted(SERVICES.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"os\.environ(\.get|\[)|os\.getenv", line) and path.name != "config.py":
                readers.append(f"{path.relative_to(ROOT)}:{number}")
    # local_model passes the whole environment on to a compiler subprocess; it reads no setting from it.
    assert readers == []


def test_bad_values_fail_alike(monkeypatch):
    for name, value, message in [("WORKBENCH_PORT", "http", "WORKBENCH_PORT must be a whole number, got 'http'"),
                                 ("WORKBENCH_QUERY_ROW_CAP", "0", "WORKBENCH_QUERY_ROW_CAP must be at least 1"),
                                 ("WORKBENCH_LLM_TIMEOUT_S", "soon", "WORKBENCH_LLM_TIMEOUT_S must be a number")]:
        monkeypatch.setenv(name, value)
        try:
            config.settings()
        except ValueError as exc:
            assert str(exc).startswith(message)
        else:
            raise AssertionError(f"{name}={value!r} was accepted")
        monkeypatch.delenv(name)


def test_settings_follow_the_environment(monkeypatch):
    monkeypatch.setenv("WORKBENCH_CATALOG_SYNC_MINUTES", "5")
    assert config.settings().catalog_sync_minutes == 5
    monkeypatch.setenv("WORKBENCH_CATALOG_SYNC_MINUTES", "0")
    assert config.settings().catalog_sync_minutes == 0
