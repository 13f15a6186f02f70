"""Genie and gateway benchmarks with the local model.

- execution accuracy on tests/data/genie_questions.json (goal >= 70%), p50/p95 seconds per question
- gateway overhead per call: `services.llm.complete` against a direct `litellm.completion` to the same
  local llama.cpp server with the same prompt (goal <= 5 ms); the model's own time dominates both, so
  the overhead is the difference of medians over alternating calls with a 1-token answer
"""

from __future__ import annotations

import os
import time

from bench.common import bench_user, summary, write
from devtools import genie_eval

OVERHEAD_CALLS = 40


def _engineer():
    return bench_user("genie-bench@example.com", "engineer", "Genie bench")


def run_accuracy() -> None:
    _local_model_only()
    scored = genie_eval.evaluate(_engineer(), genie_eval.load())
    accuracy = sum(s.correct for s in scored) / len(scored)
    seconds = summary([s.seconds for s in scored])
    write("genie_execution_accuracy", figure=accuracy, unit="fraction correct", baseline=None,
          baseline_label="none", goal=">= 0.70",
          details={"questions": len(scored), "seconds_per_question": seconds,
                   "wrong": [{"question": s.question, "status": s.status, "sql": s.sql} for s in scored
                             if not s.correct]})
    write("genie_seconds_per_question", figure=seconds["p95"], unit="s p95", baseline=seconds["p50"],
          baseline_label="p50 of the same questions", goal=None, details=seconds)


def _local_model_only() -> None:
    for name in ("WORKBENCH_LLM_MODEL", "WORKBENCH_LLM_FALLBACKS", "WORKBENCH_LOCAL_LLM_BASE"):
        os.environ.pop(name, None)


def run_overhead() -> None:
    import litellm

    from services.llm import complete, local_server

    _local_model_only()
    base = local_server.api_base_on_demand()
    if base is None:
        raise SystemExit("the local model is not prepared: make model")
    messages = [{"role": "user", "content": "Reply with the single word: ok"}]
    direct, gateway = [], []
    complete(messages, purpose="bench", max_tokens=1)  # warm the server and the gateway
    for _ in range(OVERHEAD_CALLS):
        started = time.perf_counter()
        litellm.completion(model="openai/workbench-local", messages=messages, api_base=base, api_key="local",
                           max_tokens=1, temperature=0.0, timeout=60, num_retries=0)
        direct.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        complete(messages, purpose="bench", max_tokens=1)
        gateway.append((time.perf_counter() - started) * 1000)
    d, g = summary(direct), summary(gateway)
    write("llm_gateway_overhead", figure=g["p50"] - d["p50"], unit="ms at p50", baseline=d["p50"],
          baseline_label="direct litellm.completion to the same local server, p50", goal="<= 5 ms",
          details={"direct_ms": d, "gateway_ms": g, "calls": OVERHEAD_CALLS})

