"""A column is never lost in JSON: `SELECT 1 AS a, 2 AS a` keeps both columns (the second as `a_2`) in every
JSON output built from rows: the CLI, the JSON export, and a CSV upload's header."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from services.pipelines import ingest
from services.sql import execution as query_execution
from services.sql.output import json_records, unique_names

REPEATED = "SELECT 1 AS a, 2 AS a, 3 AS a_2, 4 AS b"


def test_repeated_names_are_suffixed_past_the_names_the_result_has():
    assert unique_names(["a", "a", "a_2", "b"]) == ["a", "a_3", "a_2", "b"]
    assert unique_names(["x", "x", "x"]) == ["x", "x_2", "x_3"]
    assert json_records(["a", "a"], [(1, 2)]) == [{"a": 1, "a_2": 2}]


def test_the_cli_keeps_every_column_and_says_so(demo_warehouse, make_user):
    engineer, _ = make_user("engineer")
    ran = subprocess.run([str(Path(sys.executable).parent / "workbench"), "sql", "--as", engineer.email,
                          "--format", "json", REPEATED], capture_output=True, text=True, env=dict(os.environ),
                         timeout=180)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == [{"a": 1, "a_3": 2, "a_2": 3, "b": 4}]
    assert "a second column named 'a' is 'a_3' in the JSON" in ran.stderr


def test_the_json_export_keeps_every_column(api_url, key_for):
    user, key = key_for("engineer")
    result = query_execution.execute(user, REPEATED)
    query_execution.close_result(user, result.run_id)
    exported = httpx.get(f"{api_url}/api/export/{result.history_id}.json", headers={"Authorization": f"Bearer {key}"},
                         timeout=60)
    assert exported.status_code == 200, exported.text
    assert json.loads(exported.content) == [{"a": 1, "a_3": 2, "a_2": 3, "b": 4}]


def test_a_csv_upload_with_a_repeated_header_keeps_both_columns():
    parsed = ingest.parse(b"id,amount,amount\n1,10,20\n", "csv")
    assert parsed.records == [{"id": "1", "amount": "10", "amount_2": "20"}]
