"""Genie and gateway benchmarks with the local model.

- execution accuracy on tests/data/genie_questions.json (goal >= 70%) and on the held-out set
  tests/data/genie_heldout.json (goal >= 80%), p50/p95 seconds per question
- a CLI question (`workbench genie ask`, a new process each time, the shared model server warm) against
  the same question asked in-process as the app asks it, p50 over the same questions (goal: within 2 s)
- gateway overhead per call: `services.llm.complete` against a direct `litellm.completion` to the same
  local llama.cpp server with the same prompt (goal <= 5 ms); the model's own time dominates both, so
  the overhead is the difference of medians over alternating calls with a 1-token answer
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import bench_user, summary, write
from devtools import genie_eval

OVERHEAD_CALLS = 40
CLI_QUESTIONS = 8


def _engineer():
    return bench_user("genie-bench@example.com", "engineer", "Genie bench")


def run_accuracy() -> None:
    _local_model_only()
    for name, path, goal in (("genie_execution_accuracy", genie_eval.QUESTIONS, ">= 0.70"),
                             ("genie_heldout_accuracy", genie_eval.HELD_OUT, ">= 0.80")):
        scored = genie_eval.evaluate(_engineer(), genie_eval.load(path))
        accuracy = sum(s.correct for s in scored) / len(scored)
        seconds = summary([s.seconds for s in scored])
        write(name, figure=accuracy, unit="fraction correct", baseline=None, baseline_label="none", goal=goal,
              details={"questions": len(scored), "set": path.name, "seconds_per_question": seconds,
                       "wrong": [{"question": s.question, "status": s.status, "sql": s.sql} for s in scored
                                 if not s.correct]})
        if path == genie_eval.QUESTIONS:
            write("genie_seconds_per_question", figure=seconds["p95"], unit="s p95", baseline=seconds["p50"],
                  baseline_label="p50 of the same questions", goal=None, details=seconds)


def run_cli() -> None:
    """Seconds per question through `workbench genie ask` against the same question asked in-process."""
    from services.genie.ask import ask

    _local_model_only()
    engineer = _engineer()
    questions = [c["question"] for c in genie_eval.load()[:CLI_QUESTIONS]]
    ask(engineer, questions[0])  # the shared model server and this process warm, as in a running app
    in_app, cli = [], []
    command = [str(Path(sys.executable).with_name("workbench")), "genie", "ask"]
    for index, question in enumerate(questions):
        # The model server keeps the last prompt's cache: whichever asks second profits, so take turns.
        for path in (("app", "cli") if index % 2 == 0 else ("cli", "app")):
            started = time.perf_counter()
            if path == "app":
                ask(engineer, question)
            else:
                subprocess.run([*command, question, "--as", engineer.email, "--json"], check=True,
                               capture_output=True, env=dict(os.environ))
            (in_app if path == "app" else cli).append(time.perf_counter() - started)
    app_s, cli_s = summary(in_app), summary(cli)
    write("genie_cli_seconds_per_question", figure=cli_s["p50"], unit="s p50", baseline=app_s["p50"],
          baseline_label="the same questions asked in-process (the app's path), p50", goal="within 2 s of the baseline",
          details={"questions": questions, "cli_s": cli_s, "in_app_s": app_s,
                   "difference_p50_s": cli_s["p50"] - app_s["p50"]})


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

