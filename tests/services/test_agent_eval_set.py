"""The agent evaluation set: at least 20 tasks with a held-out part, each answer one value the warehouse gives
now; and the scorer, which passes a right answer and fails a wrong one (through real runs on the scripted
peer). The local model's score is measured by `make bench BENCH_ARGS="--only agents"`."""

from __future__ import annotations

from collections import Counter

from devtools import agent_eval
from services.agents import registry


def test_the_set_is_large_labelled_and_answerable(demo_warehouse):
    tasks = agent_eval.load()
    assert len(tasks) >= 20
    assert Counter(t["split"] for t in tasks)["held_out"] >= 5
    assert set(Counter(t["split"] for t in tasks)) == {"dev", "held_out"}
    assert len({t["id"] for t in tasks}) == len({t["prompt"] for t in tasks}) == len(tasks)
    for task in tasks:
        assert task["kind"] in ("number", "text"), task["id"]
        answer = agent_eval.expected(task)
        if task["kind"] == "number":
            assert float(answer) != 0, task["id"]  # a zero would pass on an empty warehouse
        assert agent_eval.judge(task, answer, f"The answer is {answer}.") is True
        assert agent_eval.judge(task, answer, "I do not know.") is False


def test_the_scorer_passes_right_answers_and_fails_wrong_ones(peer, make_user):
    engineer = make_user("engineer")[0]
    tasks = [t for t in agent_eval.load() if t["id"] in ("vendors-count", "fewest-employees")]
    right, _wrong = agent_eval.expected(tasks[0]), agent_eval.expected(tasks[1])
    peer.will(("ok", '{"tool": "sql_query", "input": "SELECT count(*) FROM silver.vendors"}'),
              ("ok", '{"answer": "There are ' + right + ' vendors."}'),
              ("ok", '{"answer": "Sales"}' if _wrong != "Sales" else '{"answer": "IT"}'))
    scored = agent_eval.evaluate(engineer, tasks)
    assert [(s.id, s.passed, s.status) for s in scored] == [("vendors-count", True, "completed"),
                                                            ("fewest-employees", False, "completed")]
    assert scored[0].tool_calls == 1 and scored[0].model_calls == 2
    assert registry.get(engineer, agent_eval.AGENT["name"]).spec.tools == agent_eval.AGENT["tools"]
