"""An agent on the real local model, offline and without an API key: it looks a number up in the demo
warehouse with the warehouse-query tool and computes with the calculator; the answer is checked against SQL."""

from __future__ import annotations

import uuid

import pytest

from services.agents import registry, runner, runs
from services.core import db


@pytest.mark.model
def test_the_local_model_answers_from_the_warehouse_with_tools(demo_warehouse, make_user, local_model):
    engineer, _ = make_user("engineer")
    name = f"vendor counter {uuid.uuid4().hex[:6]}"
    registry.apply(engineer, registry.parse_spec({"name": name, "tools": ["sql_query", "calculator"],
                                                  "budget_usd": 0.5}))
    run_id = runs.begin_now(engineer, name, "Count the rows of silver.vendors with sql_query, then use the"
                                            " calculator to multiply that count by 3. Answer with the final number.")
    assert runner.run(run_id) == "completed"
    run = runs.get(engineer, run_id)
    with db.connection() as conn:
        expected = conn.execute("SELECT count(*) * 3 FROM silver.vendors").fetchone()[0]
    assert str(expected) in run.output
    assert {s.tool for s in run.steps if s.kind == "tool"} == {"sql_query", "calculator"}
    assert run.model == "openai/workbench-local" and run.tokens_used > 0
