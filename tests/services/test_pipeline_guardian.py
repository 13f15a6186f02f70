"""Guardian: each of the eight steps catches its own fault, the demo pipeline passes all eight, and bad
pipeline files get a clear error that leaves stored pipelines as they were."""

from __future__ import annotations

import json
import uuid

import pytest

from services.core import db
from services.core.errors import InvalidInput
from services.demo import pipeline as demo_pipeline
from services.pipelines import guardian, store
from services.pipelines.definition import parse_definition, parse_spec, parse_spec_text
from tests.warehouse import source_table


@pytest.fixture(scope="module")
def source(demo_warehouse) -> str:
    return source_table("id int, amount numeric, name text", "VALUES (1, 10, 'a'), (2, 20, 'b')", prefix="g")


def _node(node_id: str, node_type: str, sql: str, target: str, **data) -> dict:
    return {"id": node_id, "type": node_type, "position": {"x": 0, "y": 0},
            "data": {"label": node_id, "sql": sql, "target": target, **data}}


def _chain(source: str, suffix: str | None = None) -> dict:
    """silver → gold, valid."""
    suffix = suffix or uuid.uuid4().hex[:8]
    return {"nodes": [_node("clean", "silver", f"SELECT id, amount FROM {source} WHERE amount > 0",
                            f"silver.clean_{suffix}"),
                      _node("mart", "gold", f"SELECT sum(amount) AS total FROM silver.clean_{suffix}",
                            f"gold.mart_{suffix}")],
            "edges": [{"id": "e1", "source": "clean", "target": "mart"}]}


def _check(definition: dict, **options) -> guardian.Report:
    return guardian.validate(parse_definition(definition), owner_role=options.pop("owner_role", "engineer"),
                             **options)


def _failed(report: guardian.Report) -> dict[int, list[str]]:
    return {s.step: [f"{m.node}: {m.message}" for m in s.messages] for s in report.steps if not s.passed}


def test_the_demo_pipeline_passes_all_eight_steps(demo_warehouse):
    spec = demo_pipeline.spec()
    report = guardian.validate(spec.definition, owner_role="admin", schedule=spec.schedule, timezone=spec.timezone,
                               pipeline_name=spec.name)
    assert [s.step for s in report.steps] == list(range(1, 9))
    assert report.ok, report.summary()
    assert report.order.index("finance_expenses") < report.order.index("vendor_monthly_spend")
    assert ("amount_php", "numeric(12,2)") in report.outputs["finance_expenses"]


def test_a_valid_chain_passes(source):
    report = _check(_chain(source))
    assert report.ok, report.summary()


def test_step_1_structure_names_the_cycle_and_orphan_edges(source):
    definition = _chain(source)
    definition["edges"].append({"id": "back", "source": "mart", "target": "clean"})
    failed = _failed(_check(definition))
    assert list(failed) == [1]
    assert any("cycle" in m and "clean → mart → clean" in m for m in failed[1]) or \
        any("mart → clean → mart" in m for m in failed[1])
    orphan = _chain(source)
    orphan["edges"].append({"id": "e9", "source": "clean", "target": "ghost"})
    assert any("orphan" in m and "'ghost'" in m for m in _failed(_check(orphan))[1])
    assert _failed(_check({"nodes": [], "edges": []}))[1] == ["None: The pipeline has no nodes: drag at least one"
                                                             " onto the canvas."]


def test_step_2_sql_that_does_not_parse_names_node_and_position(source):
    definition = _chain(source)
    definition["nodes"][0]["data"]["sql"] = f"SELECT id, FROM FROM {source}"
    report = _check(definition)
    assert list(_failed(report)) == [2]
    message = next(m for s in report.steps if s.step == 2 for m in s.messages)
    assert message.node == "clean" and message.position is not None and "parse" in message.message


@pytest.mark.parametrize("sql", [
    "DELETE FROM {src}",
    "SELECT * INTO silver.copy_x FROM {src}",
    "WITH gone AS (DELETE FROM {src} RETURNING *) SELECT * FROM gone",
    "SELECT 1 AS a; SELECT 2 AS b",
])
def test_step_3_only_one_read_only_query(source, sql):
    definition = _chain(source)
    definition["nodes"][0]["data"]["sql"] = sql.format(src=source)
    failed = _failed(_check(definition))
    assert 3 in failed and all(step >= 3 for step in failed), failed
    assert any(m.startswith("clean:") for m in failed[3])


def test_step_4_tables_must_exist_and_upstream_reads_need_an_edge(source):
    missing = _chain(source)
    missing["nodes"][0]["data"]["sql"] = "SELECT id, amount FROM silver.no_such_table_here"
    failed = _failed(_check(missing))
    assert list(failed) == [4] and "silver.no_such_table_here" in failed[4][0]
    no_edge = _chain(source)
    no_edge["edges"] = []
    failed = _failed(_check(no_edge))
    assert list(failed) == [4] and "without an edge from clean" in failed[4][0]


def test_step_5_columns_resolve_against_catalog_and_upstream_outputs(source):
    definition = _chain(source)
    definition["nodes"][1]["data"]["sql"] = definition["nodes"][1]["data"]["sql"].replace("amount", "name")
    failed = _failed(_check(definition))  # `name` exists in the source but is not an output of node clean
    assert list(failed) == [5] and failed[5][0].startswith("mart:") and "name" in failed[5][0]


def test_step_6_medallion_rules(source):
    wrong_layer = _chain(source)
    wrong_layer["nodes"][1]["data"]["target"] = "silver.not_gold_" + uuid.uuid4().hex[:6]
    failed = _failed(_check(wrong_layer))
    assert list(failed) == [6] and "gold node writes gold.* or platinum.*" in failed[6][0]
    reads_up = {"nodes": [_node("x", "silver", "SELECT expense_id FROM gold.finance_expenses",
                                f"silver.up_{uuid.uuid4().hex[:6]}")], "edges": []}
    failed = _failed(_check(reads_up))
    assert list(failed) == [6] and "layer is above its own" in failed[6][0]
    taken = {"nodes": [_node("x", "gold", "SELECT expense_id FROM silver.expenses", "gold.finance_expenses")],
             "edges": []}
    with db.connection() as conn:
        owners = guardian.other_pipeline_targets(conn, None)
    if "gold.finance_expenses" in owners:
        failed = _failed(_check(taken))
        assert 6 in failed and "already written by pipeline" in " ".join(failed[6])


def test_step_7_dry_run_plans_against_the_live_warehouse(source):
    definition = _chain(source)
    # Parses, is read-only, columns resolve (sqlglot cannot type it), but Postgres cannot plan it.
    definition["nodes"][0]["data"]["sql"] = f"SELECT id, amount + name AS amount FROM {source}"
    failed = _failed(_check(definition))
    assert list(failed) == [7] and "SQLSTATE 42883" in failed[7][0] and failed[7][0].startswith("clean:")


def test_step_8_permissions_and_schedule(source):
    failed = _failed(_check(_chain(source), owner_role="viewer"))
    assert list(failed) == [8] and "owner's role (viewer)" in failed[8][0]
    failed = _failed(_check(_chain(source), schedule="61 * * * *"))
    assert list(failed) == [8] and "minute" in failed[8][0]
    failed = _failed(_check(_chain(source), schedule="0 2 * * *", timezone="Mars/Olympus"))
    assert list(failed) == [8] and "IANA" in failed[8][0]


@pytest.mark.parametrize(("text", "expected"), [
    ('{"name": "x", "definition": ', "not valid JSON"),
    ('{"name": "x", "definition": {"nodes": [{"id": "a", "type": "diamond"}], "edges": []}}', "unknown node type"),
    ('{"name": "x", "definition": {"nodes": [{"id": "a", "type": "gold", "data": {"sql": "' + "x" * 5_000_000
     + '"}}], "edges": []}}', "characters long"),
    ('{"name": "", "definition": {"nodes": [], "edges": []}}', "pipeline name"),
    ('[1, 2]', "must be a JSON object"),
])
def test_bad_files_are_clear_errors(text, expected):
    with pytest.raises(InvalidInput, match=expected):
        parse_spec_text(text)


def test_a_bad_cron_saves_only_a_disabled_draft_and_bad_input_changes_nothing(source, make_user):
    engineer, _ = make_user("engineer")
    name = f"guard_{uuid.uuid4().hex[:8]}"
    good = {"name": name, "domain": "finance", "schedule": "0 3 * * *", "definition": _chain(source)}
    applied = store.apply(engineer, parse_spec(good))
    assert applied.created and applied.pipeline.enabled and applied.pipeline.valid
    with db.connection() as conn:
        before = conn.execute("SELECT definition, version, enabled FROM ip_workbench.pipelines WHERE name = %s",
                              (name,)).fetchone()
    with pytest.raises(InvalidInput):
        store.apply(engineer, parse_spec_text(json.dumps({**good, "definition": {"nodes": [{"id": "a",
                                                                                            "type": "rhombus"}]}})))
    with db.connection() as conn:
        after = conn.execute("SELECT definition, version, enabled FROM ip_workbench.pipelines WHERE name = %s",
                             (name,)).fetchone()
    assert after == before
    draft = store.apply(engineer, parse_spec({**good, "schedule": "61 * * * *"}))
    assert not draft.report.ok and not draft.pipeline.enabled and not draft.pipeline.valid
    assert draft.pipeline.version == 2 and draft.pipeline.next_run_at is None
