"""Agents against a scripted OpenAI-compatible peer on 127.0.0.1 (real HTTP through LiteLLM and the gateway):
tool-call sequences, a tool's error shown to the model, max steps, cancel mid-call, the fallback model, hard
budgets across 100 randomised sizes; the registry, the calculator and the matrix."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from decimal import Decimal

import pytest

from services.agents import calculator, registry, runner, runs, tools
from services.core import db
from services.core.errors import InvalidInput, PermissionDenied, WorkbenchError
from services.identity import users
from services.llm import gateway, prices


@pytest.fixture
def engineer(make_user):
    return make_user("engineer")[0]


def _agent(actor, **fields) -> str:
    name = f"agent {uuid.uuid4().hex[:8]}"
    registry.apply(actor, registry.parse_spec({"name": name, "tools": ["sql_query", "calculator"],
                                               "budget_usd": 1, **fields}))
    return name


def _say(*replies: str) -> list[tuple]:
    return [("ok", r) for r in replies]


def _run(actor, name: str, prompt: str) -> runs.Run:
    run_id = runs.begin_now(actor, name, prompt)
    runner.run(run_id)
    return runs.get(actor, run_id)


def test_a_tool_sequence_is_recorded_step_by_step(peer, engineer):
    name = _agent(engineer)
    peer.will(*_say('{"tool": "sql_query", "input": "SELECT count(*) AS n FROM gold.finance_expenses"}',
                    'I will multiply. {"tool": "calculator", "input": "100000 * 0.12"}',
                    '{"answer": "12000"}'))
    run = _run(engineer, name, "What is 12% of the number of expenses?")
    assert (run.status, run.output) == ("completed", "12000")
    assert [(s.kind, s.tool) for s in run.steps] == [("model", None), ("tool", "sql_query"), ("model", None),
                                                     ("tool", "calculator"), ("model", None)]
    assert "100000" in run.steps[1].output and run.steps[3].output == "12000"
    assert "Result of sql_query" in peer.requests[1]["messages"][-1]["content"]
    assert run.tokens_used == 3 * 17 and run.model == "openai/peer-model"
    with db.connection() as conn:
        linked = conn.execute("SELECT count(*) FROM ip_workbench.llm_requests WHERE agent_run_id = %s",
                              (run.id,)).fetchone()[0]
    assert linked == 3


def test_a_tool_error_goes_back_to_the_model(peer, engineer):
    name = _agent(engineer)
    peer.will(*_say('{"tool": "sql_query", "input": "DELETE FROM gold.finance_expenses"}',
                    '{"tool": "odoo_read", "input": "res.partner"}', '{"answer": "could not"}'))
    run = _run(engineer, name, "Delete everything")
    assert run.status == "completed"
    assert run.steps[1].error and run.steps[1].output is None
    assert "failed" in peer.requests[1]["messages"][-1]["content"]
    assert "may not use" in run.steps[3].error or "unknown tool" in run.steps[3].error
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM gold.finance_expenses").fetchone()[0] > 0


def test_prose_instead_of_an_action_gets_one_reminder(peer, engineer):
    name = _agent(engineer)
    peer.will(*_say("You could run SELECT count(*) FROM silver.vendors.",
                    '{"tool": "sql_query", "input": "SELECT count(*) AS n FROM silver.vendors"}',
                    "There are some vendors.", "unused"))
    run = _run(engineer, name, "How many vendors?")
    assert (run.status, run.output) == ("completed", "There are some vendors.")  # the second drift is the answer
    assert "not in the format" in peer.requests[1]["messages"][-1]["content"]
    assert [(s.kind, s.tool) for s in run.steps] == [("model", None), ("model", None), ("tool", "sql_query"),
                                                     ("model", None)]


def test_max_steps_stop_a_run_with_a_suggestion(peer, engineer):
    name = _agent(engineer, max_steps=3)
    peer.will(*_say(*['{"tool": "calculator", "input": "1+1"}'] * 5))
    run = _run(engineer, name, "Loop forever")
    assert run.status == "failed" and "max_steps" in run.error and "Raise max_steps" in run.suggestion
    assert len([s for s in run.steps if s.kind == "model"]) == 3


def test_cancel_stops_a_run_waiting_on_a_model_call(peer, engineer):
    name = _agent(engineer)
    peer.will(("slow", 8, '{"answer": "late"}'))
    run_id = runs.begin_now(engineer, name, "Take your time")
    outcome: dict = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("status", runner.run(run_id)))
    worker.start()
    time.sleep(1.0)
    runs.cancel(engineer, run_id)
    started = time.monotonic()
    worker.join(timeout=12)
    # Well before the model's answer (7 s after the cancel): the run stopped waiting for it.
    assert outcome.get("status") == "cancelled" and time.monotonic() - started < 6
    assert runs.get(engineer, run_id).status == "cancelled"
    for _ in range(60):  # the dropped call still ends (and is recorded) on its own thread; let it, before moving on
        with db.connection() as conn:
            if conn.execute("SELECT count(*) FROM ip_workbench.llm_requests WHERE agent_run_id = %s",
                            (run_id,)).fetchone()[0]:
                break
        time.sleep(0.2)


def test_the_fallback_model_answers_when_the_first_fails(peer, engineer, monkeypatch):
    monkeypatch.setenv("WORKBENCH_LLM_FALLBACKS", f"openai/peer-fallback|{peer.url}|k")
    name = _agent(engineer)
    peer.will(("status", 500), ("status", 500), ("status", 500), ("ok", '{"answer": "from the fallback"}'))
    run = _run(engineer, name, "Anyone there?")
    assert (run.status, run.output, run.model) == ("completed", "from the fallback", "openai/peer-fallback")


def test_native_tool_calls_go_through_function_calling(peer, engineer):
    name = _agent(engineer, tool_calling="native")
    peer.will(("tools", [("sql_query", {"sql": "SELECT count(*) AS n FROM gold.finance_expenses"})]),
              ("tools", [("calculator", {"expression": "2 * 3"}), ("calculator", "{not json")]),
              ("ok", "The answer is 6."))
    run = _run(engineer, name, "Count, then multiply")
    assert (run.status, run.output, run.tool_calling) == ("completed", "The answer is 6.", "native")
    assert [(s.kind, s.tool) for s in run.steps] == [("model", None), ("tool", "sql_query"), ("model", None),
                                                     ("tool", "calculator"), ("tool", "calculator"), ("model", None)]
    assert run.steps[3].output == "6" and "not valid JSON" in run.steps[4].error
    first, second, third = peer.requests
    assert [t["function"]["name"] for t in first["tools"]] == ["sql_query", "calculator"]
    assert "JSON object" not in first["messages"][0]["content"]  # no JSON-action protocol in native mode
    assert second["messages"][-1]["role"] == "tool" and second["messages"][-1]["tool_call_id"] == "call_0"
    assert second["messages"][-2]["tool_calls"][0]["function"]["name"] == "sql_query"
    assert [m["content"].startswith("Error") for m in third["messages"][-2:]] == [False, True]


def test_auto_tool_calling_follows_the_models_map(peer, engineer):
    assert gateway.supports_native_tools("gpt-4o-mini")
    assert not gateway.supports_native_tools("openai/workbench-local")
    assert not gateway.supports_native_tools("openai/peer-model")  # unknown to LiteLLM: JSON actions
    name = _agent(engineer)
    peer.will(*_say('{"answer": "42"}'))
    run = _run(engineer, name, "The answer?")
    assert (run.output, run.tool_calling) == ("42", "json") and "tools" not in peer.requests[0]
    with pytest.raises(InvalidInput, match="tool_calling"):
        registry.parse_spec({"name": "x", "tool_calling": "telepathy"})


@pytest.mark.parametrize("mode", ["json", "native"])
def test_budgets_hold_to_the_cent_across_100_random_sizes(peer, engineer, make_user, mode):
    admin = make_user("admin")[0]
    prices.set_price(admin, "openai/peer-model", 150, 600)  # USD per 1M tokens: dear, so budgets bite
    peer.measured_usage = True
    generator = random.Random(13)
    stopped = 0
    for _ in range(100):
        name = _agent(engineer, budget_usd=round(generator.uniform(0.002, 0.05), 4),
                      max_tokens=generator.randint(16, 2000), max_steps=50, tool_calling=mode)
        sums = ["1+" * generator.randint(1, 60) + "1" for _ in range(60)]
        if mode == "json":
            peer.will(*_say(*[json.dumps({"tool": "calculator", "input": e}) for e in sums]))
        else:
            peer.will(*[("tools", [("calculator", {"expression": e})]) for e in sums])
        run = _run(engineer, name, "x" * generator.randint(1, 4000))
        budget = registry.get(engineer, name).spec.budget_usd
        recorded = sum((s.cost_usd for s in run.steps), Decimal(0))
        assert run.cost_usd == recorded <= budget, (run.cost_usd, budget)
        assert run.status in ("budget_exceeded", "failed")
        stopped += run.status == "budget_exceeded"
        peer.script.clear()
    assert stopped >= 95


def test_registry_versions_and_bad_files(engineer, make_user):
    name = _agent(engineer)
    agent = registry.get(engineer, name)
    assert agent.version == 1 and agent.spec.tools == ["sql_query", "calculator"]
    same, created = registry.apply(engineer, agent.spec)
    assert (same.version, created) == (1, False)
    changed, _ = registry.apply(engineer, registry.parse_spec({**agent.spec.as_json(), "max_steps": 4}))
    assert changed.version == 2
    for data, message in [({"name": "x", "tools": ["rm_rf"]}, "Unknown tool"),
                          ({"name": "x", "tools": "odoo_read"}, "list of tool ids"),
                          ({"name": "x", "budget_usd": 0}, "budget_usd"),
                          ({"name": "x", "colour": "red"}, "Unknown fields"),
                          ({"name": "", "tools": []}, "name")]:
        with pytest.raises(InvalidInput, match=message):
            registry.parse_spec(data)
    viewer = make_user("viewer")[0]
    for call in (lambda: registry.list_agents(viewer), lambda: registry.apply(viewer, agent.spec),
                 lambda: runs.begin_now(viewer, name, "hi"), lambda: registry.delete(engineer, name)):
        with pytest.raises(PermissionDenied):
            call()
    registry.delete(make_user("admin")[0], name)


@pytest.mark.parametrize("expression", ["__import__('os')", "(1).real", "().__class__", "2 ** 100000",
                                        "9 ** 9 ** 9", "open('/etc/passwd')", "[1] * 10", "lambda: 1", "x",
                                        "'a' * 3", "1 if 1 else 2"])
def test_the_calculator_refuses_code(expression):
    with pytest.raises(InvalidInput):
        calculator.evaluate(expression)


def test_the_calculator_keeps_money_exact():
    assert calculator.render(calculator.evaluate("0.1 + 0.2")) == "0.3"
    assert calculator.render(calculator.evaluate("round(1234.5678 * 0.12, 2)")) == "148.15"
    assert calculator.render(calculator.evaluate("(100 - 2.5) * 3 // 2")) == "146"


def test_a_run_acting_for_a_viewer_cannot_write(peer, engineer, operator):
    name = _agent(engineer)
    run_id = runs.start(engineer, name, "Drop the gold table")
    users.set_role(operator, engineer.email, "viewer")  # demoted before the worker takes the run
    peer.will(*_say('{"tool": "sql_query", "input": "DROP TABLE gold.finance_expenses"}', '{"answer": "no"}'))
    assert runner.execute(run_id, "test") == "completed"
    run = runs.get(operator, run_id)
    assert run.steps[1].error
    with pytest.raises(WorkbenchError, match="read-only"):
        tools.run_tool(users.require_active(engineer.email), "sql_query", "CREATE TABLE silver.x (i int)")
    with db.connection() as conn:
        assert conn.execute("SELECT to_regclass('gold.finance_expenses') IS NOT NULL").fetchone()[0]


def test_monthly_budgets_alert_once_at_80_and_at_100_percent(make_user):
    from services.activity import budgets

    admin = make_user("admin")[0]
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.cost_tracker WHERE service = 'compute'")
    budgets.set_budget(admin, "service", "compute", 10)
    with pytest.raises(InvalidInput):
        budgets.set_budget(admin, "service", "coffee", 10)
    with pytest.raises(PermissionDenied):
        budgets.set_budget(make_user("engineer")[0], "service", "compute", 10)

    def spend(amount: str) -> None:
        with db.connection() as conn:
            conn.execute("INSERT INTO ip_workbench.cost_tracker (service, cost_usd) VALUES ('compute', %s)", (amount,))

    spend("7.99")
    assert not [s for s in budgets.check_budgets() if ":compute:" in s]
    spend("0.01")
    assert [s.rsplit(":", 1)[1] for s in budgets.check_budgets() if ":compute:" in s] == ["80"]
    assert not [s for s in budgets.check_budgets() if ":compute:" in s]  # once per level
    spend("2")
    assert [s.rsplit(":", 1)[1] for s in budgets.check_budgets() if ":compute:" in s] == ["100"]
    used = next(b for b in budgets.list_budgets(admin) if b.key == "compute")
    assert used.used == Decimal("1.0")


def test_a_run_stopped_by_its_budget_raises_cost_overrun(peer, engineer, make_user):
    from services.activity import alert_rules, channels

    admin = make_user("admin")[0]
    channel = channels.add_channel(admin, f"c-{uuid.uuid4().hex[:6]}", "json://127.0.0.1:9/x")
    rule = alert_rules.add_rule(admin, f"r-{uuid.uuid4().hex[:6]}", event="cost_overrun", threshold=0,
                                channel=channel.name)
    prices.set_price(admin, "openai/peer-model", 1000, 1000)
    name = _agent(engineer, budget_usd=0.001)
    run = _run(engineer, name, "hello")
    assert run.status == "budget_exceeded" and run.cost_usd == 0
    with db.connection() as conn:
        queued = conn.execute("SELECT subject FROM ip_workbench.alert_deliveries WHERE rule_id = %s",
                              (rule.id,)).fetchall()
    assert queued == [(f"agent:{name}",)]


def test_samples_judge_answers_and_test_runs_them(peer, engineer):
    from services.agents import samples

    assert samples.judge("number", "1500", Decimal("0.5"), "The total is 1,500.2 pesos")
    assert not samples.judge("number", "1500", Decimal("0.1"), "about 1,500.2")
    assert samples.judge("contains", "Manila", Decimal(0), "it is in manila")
    assert samples.judge("regex", r"^\d{3}$", Decimal(0), "500")
    for kind, expected, message in [("number", "many", "number"), ("regex", "(", "regular expression"),
                                    ("guess", "1", "one of")]:
        with pytest.raises(InvalidInput, match=message):
            samples.add_sample(engineer, _agent(engineer), "q", kind, expected)
    name = _agent(engineer)
    samples.add_sample(engineer, name, "What is 2+2?", "number", "4")
    samples.add_sample(engineer, name, "Name the capital", "contains", "Manila")
    assert [s.passed for s in samples.list_samples(engineer, name)] == [None, None]
    run_ids = samples.test_agent(engineer, name)
    peer.will(("ok", '{"answer": "4"}'), ("ok", '{"answer": "Cebu"}'))
    for run_id in run_ids:
        assert runner.execute(run_id, "test") == "completed"
    assert [s.passed for s in samples.list_samples(engineer, name)] == [True, False]


def test_a_run_links_its_langfuse_trace_when_langfuse_is_configured(peer, engineer, monkeypatch):
    from devtools.http_receiver import running_receiver
    from services.llm import tracing

    name = _agent(engineer)
    with running_receiver() as langfuse_host:
        langfuse_host.answers["/api/public/projects"] = json.dumps({"data": [
            {"id": "proj-7", "name": "workbench", "organization": {"id": "org-1", "name": "acme"},
             "metadata": {}}]}).encode()
        monkeypatch.setenv("LANGFUSE_BASE_URL", langfuse_host.url)
        # The Langfuse SDK keeps one exporter per public key for the process: a key of this test's own.
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-lf-agent-runs")
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-agent-runs")
        tracing.shutdown()
        peer.will(*_say('{"tool": "calculator", "input": "2 + 2"}', '{"answer": "4"}'))
        run = _run(engineer, name, "Two plus two?")
        tracing.shutdown()
    trace_id = tracing.trace_id_for(run.id)
    assert run.trace_url == f"{langfuse_host.url}/project/proj-7/traces/{trace_id}"
    spans = b"".join(__import__("gzip").decompress(r.body) if r.headers.get("Content-Encoding") == "gzip"
                     else r.body for r in langfuse_host.requests if "otel" in r.path)
    assert bytes.fromhex(trace_id) in spans  # both model calls went to the run's trace


def test_without_langfuse_a_run_has_no_trace_link(peer, engineer, monkeypatch):
    for variable in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"):
        monkeypatch.delenv(variable, raising=False)
    peer.will(*_say('{"answer": "4"}'))
    assert _run(engineer, _agent(engineer), "Two plus two?").trace_url is None


def test_odoo_read_and_n8n_webhook_tools(peer, engineer, make_user):
    from devtools.http_receiver import running_receiver
    from devtools.odoo_peer import OdooPeer, running_odoo, seed_demo
    from services.activity import event_webhooks
    from services.integrations import odoo

    admin = make_user("admin")[0]
    name = _agent(engineer, tools=["odoo_read", "n8n_webhook"])
    hook = f"agent-hook-{uuid.uuid4().hex[:6]}"
    with running_odoo(seed_demo(OdooPeer(), expenses=5)) as server, running_receiver() as receiver:
        odoo.configure(admin, server.url, server.database, server.login, server.api_key)
        event_webhooks.add_webhook(admin, hook, f"{receiver.url}/webhook/agent", ["agent_run.finished"])
        try:
            peer.will(*_say(
                json.dumps({"tool": "odoo_read", "input": json.dumps({"model": "res.partner", "fields": ["name"],
                                                                      "domain": [["id", "=", 3]]})}),
                json.dumps({"tool": "odoo_read", "input": "no.such.model"}),
                json.dumps({"tool": "n8n_webhook", "input": json.dumps({"webhook": hook, "payload": {"vendor": 3}})}),
                json.dumps({"tool": "n8n_webhook", "input": json.dumps({"webhook": "https://evil.example.com"})}),
                '{"answer": "done"}'))
            run = _run(engineer, name, "Look vendor 3 up in Odoo and tell n8n")
        finally:
            event_webhooks.delete_webhook(admin, hook)
    tools_run = [s for s in run.steps if s.kind == "tool"]
    assert json.loads(tools_run[0].output) == [{"id": 3, "name": server.records["res.partner"][3]["name"]}]
    assert "doesn't exist" in tools_run[1].error
    assert tools_run[2].output.startswith("HTTP 200")
    assert "No webhook is registered" in tools_run[3].error  # only registered webhooks can be called
    posted = [r for r in receiver.requests if r.method == "POST" and r.path == "/webhook/agent"]
    assert [json.loads(r.body) for r in posted] == [{"vendor": 3}]
