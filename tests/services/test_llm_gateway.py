"""The AI gateway against a real OpenAI-compatible server on 127.0.0.1 answering from a script:
retries with backoff, the circuit breaker (open, half-open probe, closed), fallback, rate limit,
and what llm_requests and cost_tracker record."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import pytest

from devtools.openai_peer import running_peer
from services.core import db
from services.core.config import settings
from services.core.errors import ExternalServiceError, InvalidInput, RateLimited
from services.llm import complete, gateway, local_server

ASK = [{"role": "user", "content": "Say hello."}]


@pytest.fixture
def peer(migrated, monkeypatch):
    with running_peer() as server:
        monkeypatch.setenv("WORKBENCH_LLM_MODEL", "openai/peer-model")
        monkeypatch.setenv("WORKBENCH_LLM_API_BASE", server.url)
        monkeypatch.setenv("WORKBENCH_LLM_API_KEY", "not-needed")
        monkeypatch.setenv("WORKBENCH_LLM_BACKOFF_S", "0.05")
        monkeypatch.setenv("WORKBENCH_LLM_TIMEOUT_S", "5")
        monkeypatch.delenv("WORKBENCH_LLM_FALLBACKS", raising=False)
        gateway.reset_breakers()
        gateway.reset_limits()
        yield server
        gateway.reset_breakers()
        gateway.reset_limits()


def _rows(purpose: str) -> list[tuple]:
    with db.connection() as conn:
        return conn.execute("SELECT model, status, attempt, prompt_tokens, completion_tokens, cost_usd, error"
                            " FROM ip_workbench.llm_requests WHERE purpose = %s ORDER BY created_at, attempt",
                            (purpose,)).fetchall()


def test_an_answer_is_recorded_with_tokens_and_cost(peer, make_user):
    user, _ = make_user("engineer")
    peer.will(("ok", "Hello!"))
    answer = complete(ASK, purpose="test-ok", actor=user)
    assert (answer.text, answer.attempts, answer.prompt_tokens, answer.completion_tokens) == ("Hello!", 1, 12, 5)
    assert peer.requests[-1]["messages"] == ASK
    assert _rows("test-ok") == [("openai/peer-model", "completed", 1, 12, 5, 0, None)]
    with db.connection() as conn:
        tracked = conn.execute("SELECT service, cost_usd FROM ip_workbench.cost_tracker WHERE resource_id = %s",
                               (answer.request_id,)).fetchone()
        by_user = conn.execute("SELECT user_id::text FROM ip_workbench.llm_requests WHERE id = %s",
                               (answer.request_id,)).fetchone()[0]
    assert tracked == ("llm", 0) and by_user == str(user.id)


def test_cost_comes_from_litellms_local_price_map(peer, monkeypatch):
    import litellm

    monkeypatch.setenv("WORKBENCH_LLM_MODEL", "openai/gpt-4o-mini")
    answer = complete(ASK, purpose="test-cost")
    expected = litellm.cost_per_token(model="gpt-4o-mini", prompt_tokens=12, completion_tokens=5)
    assert answer.cost_usd == pytest.approx(sum(expected)) and answer.cost_usd > 0
    assert float(_rows("test-cost")[0][5]) == pytest.approx(answer.cost_usd)


@pytest.mark.parametrize("failure", [("status", 500), ("status", 429), ("malformed",), ("status", 503)],
                         ids=["500", "429", "malformed", "503"])
def test_retryable_failures_are_retried_with_backoff(peer, failure):
    peer.will(failure, failure, ("ok", "third time"))
    started = time.monotonic()
    answer = complete(ASK, purpose=f"test-retry-{failure[-1]}")
    assert answer.text == "third time" and answer.attempts == 3 and len(peer.requests) == 3
    assert time.monotonic() - started >= 0.05 + 0.1  # waited 1x then 2x the base backoff
    assert [r[1:3] for r in _rows(f"test-retry-{failure[-1]}")] == [("failed", 1), ("failed", 2), ("completed", 3)]


def test_a_slow_answer_times_out_and_is_retried(peer, monkeypatch):
    monkeypatch.setenv("WORKBENCH_LLM_TIMEOUT_S", "0.5")
    peer.will(("slow", 2.0, "too late"), ("ok", "in time"))
    answer = complete(ASK, purpose="test-slow")
    assert answer.text == "in time" and answer.attempts == 2
    first = _rows("test-slow")[0]
    assert first[1] == "failed" and "imeout" in first[6]


def test_a_bad_request_is_not_retried(peer):
    peer.will(("status", 400))
    with pytest.raises(ExternalServiceError, match="No model answered"):
        complete(ASK, purpose="test-400")
    assert len(peer.requests) == 1


def test_breaker_opens_after_five_failures_then_one_probe_closes_it(peer, monkeypatch):
    monkeypatch.setenv("WORKBENCH_LLM_BREAKER_OPEN_S", "0.6")
    peer.will(*[("status", 500)] * 5)
    with pytest.raises(ExternalServiceError):
        complete(ASK, purpose="test-breaker")  # 3 failures
    with pytest.raises(ExternalServiceError, match="circuit open"):
        complete(ASK, purpose="test-breaker")  # 2 more: open, third attempt not made
    assert len(peer.requests) == 5
    assert gateway.gateway_status()[0]["state"] == "open"
    with pytest.raises(ExternalServiceError, match="circuit open"):
        complete(ASK, purpose="test-breaker")  # fails fast: the server is not asked
    assert len(peer.requests) == 5
    time.sleep(0.7)
    assert gateway.gateway_status()[0]["state"] == "half-open"
    peer.will(("status", 500))
    with pytest.raises(ExternalServiceError):
        complete(ASK, purpose="test-breaker")  # the probe fails: open again at once
    assert len(peer.requests) == 6 and gateway.gateway_status()[0]["state"] == "open"
    time.sleep(0.7)
    assert complete(ASK, purpose="test-breaker").text == "peer says hello"  # the probe succeeds
    assert gateway.gateway_status()[0]["state"] == "closed"


def test_fallback_to_the_next_model(peer, monkeypatch):
    with running_peer() as backup:
        monkeypatch.setenv("WORKBENCH_LLM_FALLBACKS", f"openai/backup-model|{backup.url}")
        peer.will(*[("status", 502)] * 3)
        backup.will(("ok", "from the backup"))
        answer = complete(ASK, purpose="test-fallback")
    assert (answer.text, answer.model, answer.attempts) == ("from the backup", "openai/backup-model", 4)
    assert [r[:2] for r in _rows("test-fallback")] == [("openai/peer-model", "failed")] * 3 + [
        ("openai/backup-model", "completed")]


def test_rate_limit_says_when_to_retry(peer, monkeypatch):
    monkeypatch.setenv("WORKBENCH_LLM_REQUESTS_PER_MINUTE", "2")
    complete(ASK, purpose="test-rate")
    complete(ASK, purpose="test-rate")
    with pytest.raises(RateLimited, match=r"2 requests a minute; retry in \d+ s") as refused:
        complete(ASK, purpose="test-rate")
    assert 1 <= refused.value.retry_after_s <= 60 and len(peer.requests) == 2


def test_no_local_model_and_no_configured_one_is_a_clear_error(migrated, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))  # nothing prepared there
    monkeypatch.delenv("WORKBENCH_LLM_MODEL", raising=False)
    monkeypatch.delenv("WORKBENCH_LOCAL_LLM_BASE", raising=False)
    monkeypatch.delenv("WORKBENCH_LLM_FALLBACKS", raising=False)
    with pytest.raises(ExternalServiceError, match="local model is not running"):
        complete(ASK, purpose="test-none")
    with pytest.raises(InvalidInput):
        complete([], purpose="test-none")


def test_traces_go_to_langfuse_only_when_keys_are_set(peer, monkeypatch):
    import base64
    import gzip

    from devtools.http_receiver import running_receiver
    from services.llm import tracing

    with running_receiver() as langfuse_host:
        for name in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("LANGFUSE_BASE_URL", langfuse_host.url)
        complete(ASK, purpose="test-untraced")
        tracing.shutdown()
        assert langfuse_host.requests == []
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-lf-test")
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-test")
        peer.will(("ok", "traced answer"))
        complete(ASK, purpose="test-traced")
        tracing.shutdown()
    posted = [r for r in langfuse_host.requests if r.method == "POST" and "otel" in r.path]
    assert posted, [(r.method, r.path) for r in langfuse_host.requests]
    headers = {k.lower(): v for k, v in posted[0].headers.items()}
    assert headers.get("authorization") == "Basic " + base64.b64encode(b"pk-lf-test:sk-lf-test").decode()
    body = b"".join(gzip.decompress(r.body) if r.headers.get("Content-Encoding") == "gzip" else r.body
                    for r in posted)
    assert b"test-traced" in body and b"openai/peer-model" in body and b"traced answer" in body


@pytest.mark.model
def test_two_processes_asking_at_once_share_one_model_server(migrated, local_model):
    """Two processes (an app worker and `workbench genie ask`, say) asking the local model at the same moment,
    with no server running yet: one model host starts, both are answered by it, and it outlives them both."""
    local_server.stop()
    assert local_server.running() is None
    script = ("import json; from services.llm import complete, local_server\n"
              "answer = complete([{'role': 'user', 'content': 'Say yes.'}], purpose='test-shared', max_tokens=4)\n"
              "print(json.dumps({'text': answer.text, 'pid': local_server.running().pid,"
              " 'port': local_server.running().port}))")
    askers = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for _ in range(2)]
    outputs = [asker.communicate(timeout=300) for asker in askers]
    assert all(asker.returncode == 0 for asker in askers), [err[-2000:] for _out, err in outputs]
    answers = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]
    assert all(a["text"].strip() for a in answers), answers
    assert answers[0]["pid"] == answers[1]["pid"] and answers[0]["port"] == answers[1]["port"]
    record = str(settings().home / local_server.RECORD_FILE)
    hosts = [p for p in pathlib.Path("/proc").iterdir() if p.name.isdigit() and _cmdline_has(p, record)]
    assert [int(p.name) for p in hosts] == [answers[0]["pid"]], "one model host for this home, no second"
    still = local_server.running()  # both askers have exited: the shared server did not leave with them
    assert still is not None and still.pid == answers[0]["pid"]
    assert local_server.api_base_on_demand() == f"http://127.0.0.1:{answers[0]['port']}/v1"


def _cmdline_has(proc: pathlib.Path, text: str) -> bool:
    try:
        return text.encode() in (proc / "cmdline").read_bytes() and b"model_host" in (proc / "cmdline").read_bytes()
    except OSError:
        return False


def test_a_model_server_killed_mid_answer_is_started_again_and_the_call_retried(migrated, local_model):
    first = local_server.running()
    assert first is not None
    result: dict = {}

    def ask() -> None:
        result["answer"] = complete([{"role": "user", "content": "Count from 1 to 100, separated by commas."}],
                                    purpose="test-kill", max_tokens=200)

    asker = threading.Thread(target=ask)
    asker.start()
    time.sleep(1.5)  # the server is generating
    os.kill(first.pid, signal.SIGKILL)
    asker.join(300)
    answer = result["answer"]
    assert answer.text.strip() and answer.attempts >= 2
    again = local_server.running()
    assert again is not None and again.pid != first.pid
    with db.connection() as conn:
        statuses = [r[0] for r in conn.execute("SELECT status FROM ip_workbench.llm_requests WHERE purpose ="
                                               " 'test-kill' ORDER BY created_at").fetchall()]
    assert statuses[0] == "failed" and statuses[-1] == "completed"
