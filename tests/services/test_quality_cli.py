"""The data-quality and alerts commands as real processes: the JSON shapes the issue spells out (contracts),
exit codes, and a test notification reaching a real HTTP receiver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from services.catalog import sync as catalog_sync
from tests.receivers import free_port, http_receiver
from tests.warehouse import source_table

WORKBENCH = str(Path(sys.executable).parent / "workbench")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([WORKBENCH, *args], capture_output=True, text=True, timeout=180, env={**os.environ})


@pytest.fixture(scope="module")
def table(demo_warehouse) -> str:
    name = source_table("id int, vendor_id int", "SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE g END"
                        " FROM generate_series(1, 20) g", prefix="cli_dq")
    catalog_sync.sync(embed=False)
    return name


def test_dq_profile_apply_and_run_keep_their_json_shapes(table, make_user):
    engineer, _ = make_user("engineer")
    profiled = _run("dq", "profile", table, "--json")
    assert profiled.returncode == 0, profiled.stderr
    body = json.loads(profiled.stdout)
    assert {"table", "rows", "sampled", "columns"} <= set(body) and body["rows"] == 20
    vendor = next(c for c in body["columns"] if c["name"] == "vendor_id")
    assert {k: vendor[k] for k in ("nulls", "null_fraction", "distinct", "distinct_exact", "min", "max")} == {
        "nulls": 5, "null_fraction": 0.25, "distinct": 15, "distinct_exact": True, "min": "1", "max": "19"}
    assert {"name", "type"} <= set(vendor)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        handle.write(f"version: 2\nmodels:\n  - name: {table}\n    columns:\n      - name: vendor_id\n"
                     "        tests: [not_null]\n      - name: id\n        tests: [unique]\n")
    applied = _run("dq", "apply", handle.name, "--as", engineer.email)
    assert applied.returncode == 0 and "2 added" in applied.stdout
    ran = _run("dq", "run", table, "--as", engineer.email, "--json")
    assert ran.returncode == 1  # an error-severity test failed
    result = json.loads(ran.stdout)
    assert (result["table"], result["score"]) == (table, 87.5)
    assert sorted((t["name"], t["type"], t["column"], t["passed"], t["failing_rows"], t["severity"])
                  for t in result["tests"]) == [("not_null_vendor_id", "not_null", "vendor_id", False, 5, "error"),
                                                ("unique_id", "unique", "id", True, 0, "error")]
    bad = _run("dq", "apply", "/nonexistent.yaml", "--as", engineer.email)
    assert bad.returncode == 1 and bad.stderr.startswith("error: Cannot read")


def test_alerts_commands_add_channels_and_rules_and_send_tests(table, make_user):
    admin, _ = make_user("admin")
    engineer, _ = make_user("engineer")
    name = f"cli-{uuid.uuid4().hex[:6]}"
    with http_receiver() as peer:
        added = _run("alerts", "channel", "add", name, f"json://127.0.0.1:{peer.port}/cli", "--as", admin.email)
        assert added.returncode == 0, added.stderr
        assert "JSON" in added.stdout
        denied = _run("alerts", "channel", "add", name + "x", "json://127.0.0.1/x", "--as", engineer.email)
        assert denied.returncode == 1 and "error:" in denied.stderr
        rule = _run("alerts", "rule", "add", name, "--event", "score_below", "--channel", name, "--table", table,
                    "--threshold", "90", "--as", admin.email, "--json")
        assert rule.returncode == 0, rule.stderr
        assert {k: json.loads(rule.stdout)[k] for k in ("event", "channel", "table", "threshold")} == {
            "event": "score_below", "channel": name, "table": table, "threshold": 90.0}
        no_threshold = _run("alerts", "rule", "add", name + "y", "--event", "score_below", "--channel", name,
                            "--as", admin.email)
        assert no_threshold.returncode == 1 and "threshold" in no_threshold.stderr
        sent = _run("alerts", "test", name)
        assert sent.returncode == 0, sent.stderr
    assert peer.posts and peer.posts[0].path == "/cli"
    _run("alerts", "channel", "add", name + "-down", f"json://127.0.0.1:{free_port()}/x", "--as", admin.email)
    down = _run("alerts", "test", name + "-down")
    assert down.returncode == 1 and "not sent" in down.stderr
