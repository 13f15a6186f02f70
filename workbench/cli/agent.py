"""`workbench agent …`, `workbench llm price …` and `workbench costs`: agents as files, runs, prices, spend."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from services.activity import costs as spending
from services.activity import rates
from services.agents import registry, runner, runs
from services.core.errors import InvalidInput
from services.llm import prices, provider_check, providers
from workbench.cli.base import acting_user, echo_json, operator, read_secret
from workbench.responses.agents import AgentOut, AppliedAgentOut, CostsOut, PriceOut, RateOut, RunOut
from workbench.responses.integrations import ProviderOut, ProviderTestOut


def _actor(email: str | None):
    return acting_user(email) if email else operator()


@click.group("agent")
def agent_group() -> None:
    """AI agents: registry and runs."""


@agent_group.command("apply")
@click.argument("file")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def agent_apply(file: str, email: str, as_json: bool) -> None:
    """Create or update the agent FILE names (JSON: name, description, tools, model?, system_prompt?,
    temperature?, max_tokens?, budget_usd, max_steps?)."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {file}: {exc}.") from None
    agent, created = registry.apply(acting_user(email), registry.parse_spec_text(text))
    if as_json:
        echo_json(AppliedAgentOut(created=created, agent=AgentOut.of(agent)))
    else:
        click.echo(f"{agent.spec.name}: {'created' if created else 'updated'} (version {agent.version})")


@agent_group.command("list")
@click.option("--as", "email", default=None, help="Acting user (default: this machine's operator).")
@click.option("--json", "as_json", is_flag=True)
def agent_list(email: str | None, as_json: bool) -> None:
    """Every agent."""
    found = registry.list_agents(_actor(email))
    if as_json:
        echo_json([AgentOut.of(a) for a in found])
        return
    for a in found:
        click.echo(f"{a.spec.name:<30} v{a.version:<3} {', '.join(a.spec.tools) or '-':<40} ${a.spec.budget_usd}"
                   f" {'deployed' if a.deployed else ''}")


@agent_group.command("run")
@click.argument("name")
@click.argument("prompt")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--queue", "queued", is_flag=True, help="Queue it for a worker and print the run id.")
def agent_run(name: str, prompt: str, email: str, as_json: bool, queued: bool) -> None:
    """Run agent NAME on PROMPT and wait for its answer; exits 1 unless it completes."""
    user = acting_user(email)
    if queued:
        click.echo(runs.start(user, name, prompt))
        return
    run_id = runs.begin_now(user, name, prompt)
    runner.run(run_id)
    run = runs.get(user, run_id)
    if as_json:
        echo_json(RunOut.of(run))
    else:
        click.echo(run.output or "")
        click.echo(f"[{run.status}; {run.tokens_used or 0} tokens; ${run.cost_usd or 0}; {run.model or '-'}]"
                   + (f" {run.error} {run.suggestion or ''}" if run.error else ""), err=True)
    if run.status != "completed":
        sys.exit(1)


@agent_group.command("runs")
@click.argument("name", required=False)
@click.option("--as", "email", default=None, help="Acting user (default: this machine's operator).")
@click.option("--json", "as_json", is_flag=True)
def agent_runs(name: str | None, email: str | None, as_json: bool) -> None:
    """Runs of agent NAME (or of all), newest first."""
    found = runs.list_runs(_actor(email), name)
    if as_json:
        echo_json([RunOut.of(r) for r in found])
        return
    for r in found:
        click.echo(f"{r.created_at:%Y-%m-%d %H:%M:%S} {r.id[:8]} {r.agent:<24} {r.status:<16} ${r.cost_usd or 0}"
                   f" {(r.output or r.error or '')[:60]}")


@agent_group.command("show")
@click.argument("run_id")
@click.option("--as", "email", default=None)
def agent_show(run_id: str, email: str | None) -> None:
    """One run with its steps, as JSON."""
    echo_json(RunOut.of(runs.get(_actor(email), run_id)))


@agent_group.command("cancel")
@click.argument("run_id")
@click.option("--as", "email", required=True)
def agent_cancel(run_id: str, email: str) -> None:
    """Stop a run at its next step."""
    click.echo(runs.cancel(acting_user(email), run_id).status)


@agent_group.command("deploy")
@click.argument("name")
@click.option("--as", "email", required=True)
def agent_deploy(name: str, email: str) -> None:
    """Let API keys start runs of NAME (POST /api/agents/{id}/runs)."""
    agent = registry.deploy(acting_user(email), name)
    click.echo(f"{agent.spec.name}: deployed; trigger POST /api/agents/{agent.id}/runs")


@agent_group.command("delete")
@click.argument("name")
@click.option("--as", "email", required=True)
def agent_delete(name: str, email: str) -> None:
    """Delete an agent and its runs (admins)."""
    registry.delete(acting_user(email), name)
    click.echo(f"deleted {name}")


@click.group("llm")
def llm_group() -> None:
    """The AI gateway's prices."""


@llm_group.group("price")
def price_group() -> None:
    """USD per 1M tokens, per model (admins)."""


@price_group.command("set")
@click.argument("model")
@click.option("--input-per-1m", type=float, required=True)
@click.option("--output-per-1m", type=float, required=True)
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def price_set(model: str, input_per_1m: float, output_per_1m: float, email: str, as_json: bool) -> None:
    """Set MODEL's price (as runs report the model, e.g. openai/workbench-local for the local one)."""
    price = prices.set_price(acting_user(email), model, input_per_1m, output_per_1m)
    if as_json:
        echo_json(PriceOut.of(price))
    else:
        click.echo(f"{price.model}: ${price.input_per_1m} in, ${price.output_per_1m} out per 1M tokens")


@price_group.command("list")
@click.option("--as", "email", default=None)
@click.option("--json", "as_json", is_flag=True)
def price_list(email: str | None, as_json: bool) -> None:
    """The prices admins set."""
    found = prices.list_prices(_actor(email))
    if as_json:
        echo_json([PriceOut.of(p) for p in found])
        return
    for p in found:
        click.echo(f"{p.model:<40} in ${p.input_per_1m:<10} out ${p.output_per_1m}")


@click.command("costs")
@click.option("--since", default=None, help="YYYY-MM-DD (default: 30 days ago).")
@click.option("--as", "email", default=None)
@click.option("--json", "as_json", is_flag=True)
def costs_command(since: str | None, email: str | None, as_json: bool) -> None:
    """Spend since a day: by service, day, model, agent and user (admins)."""
    found = spending.report(_actor(email), spending.parse_day(since))
    if as_json:
        echo_json(CostsOut.of(found))
        return
    click.echo(f"since {found.since}: ${found.total_usd:.4f}")
    for service, amount in found.by_service.items():
        click.echo(f"  {service:<10} ${amount:.4f}")


@click.group("cost-rate")
def rate_group() -> None:
    """What pipeline compute and table storage cost (admins)."""


@rate_group.command("set")
@click.argument("name", type=click.Choice(list(rates.RATES)))
@click.argument("usd")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def rate_set(name: str, usd: str, email: str, as_json: bool) -> None:
    """Set NAME (pipeline_run_minute: USD per run-minute; storage_gb_month: USD per GB-month) to USD."""
    found = rates.set_rate(acting_user(email), name, usd)
    if as_json:
        echo_json(RateOut.of(found))
    else:
        click.echo(f"{found.name}: ${found.usd} ({found.meaning})")


@rate_group.command("list")
@click.option("--as", "email", default=None)
@click.option("--json", "as_json", is_flag=True)
def rate_list(email: str | None, as_json: bool) -> None:
    """Both rates."""
    found = rates.list_rates(_actor(email))
    if as_json:
        echo_json([RateOut.of(r) for r in found])
        return
    for r in found:
        click.echo(f"{r.name:<22} ${r.usd:<10} {r.meaning}")


@llm_group.group("provider")
def provider_group() -> None:
    """LLM providers and the models they offer (admins)."""


@provider_group.command("add")
@click.argument("name")
@click.option("--kind", required=True, help="The LiteLLM provider: openai, anthropic, azure, groq, ollama, …")
@click.option("--models", required=True, help="Comma-separated models to offer, as LiteLLM names them.")
@click.option("--api-base", default=None, help="For an OpenAI-compatible server.")
@click.option("--keep-key", is_flag=True, help="Keep the stored key (change only the other settings).")
@click.option("--no-key", is_flag=True, help="The server takes no key (needs --api-base).")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def provider_add(name: str, kind: str, models: str, api_base: str | None, keep_key: bool, no_key: bool, email: str,
                 as_json: bool) -> None:
    """Add or change provider NAME; its API key is read from standard input (never from the command line)."""
    actor = acting_user(email)
    api_key = None
    if not keep_key and not no_key:
        api_key = read_secret("API key")
    found = providers.save_provider(actor, name, kind, models.split(","), api_key=api_key, api_base=api_base)
    if as_json:
        echo_json(ProviderOut.of(found))
    else:
        click.echo(f"{found.name} ({found.kind}): {', '.join(found.models)}; key {found.key_hint or 'none'}")


@provider_group.command("list")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def provider_list(email: str, as_json: bool) -> None:
    """Every provider, keys masked."""
    found = providers.list_providers(acting_user(email))
    if as_json:
        echo_json([ProviderOut.of(p) for p in found])
        return
    for p in found:
        click.echo(f"{p.name:<20} {p.kind:<12} {', '.join(p.models)}  key {p.key_hint or 'none'}")


@provider_group.command("test")
@click.argument("name")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def provider_test(name: str, email: str, as_json: bool) -> None:
    """A one-token request to the provider's first model."""
    found = provider_check.test_provider(acting_user(email), name)
    if as_json:
        echo_json(ProviderTestOut.of(found))
    else:
        click.echo(found.message)
    if not found.ok:
        raise SystemExit(1)


@provider_group.command("delete")
@click.argument("name")
@click.option("--as", "email", required=True)
def provider_delete(name: str, email: str) -> None:
    """Remove a provider and its key."""
    providers.delete_provider(acting_user(email), name)
    click.echo(f"provider {name} deleted")
