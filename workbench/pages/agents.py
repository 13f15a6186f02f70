"""AI Assist (PRD 3.7): Agent Registry (New Agent, Deploy, run one), Agent Runs, and a run's AgentRunPanel."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.agents import TOOL_IDS, AgentRunsState, AgentsState

A = AgentsState
R = AgentRunsState


def _tabs(active: str) -> rx.Component:
    items = [("Agent Registry", "/agents"), ("Agent Runs", "/agents/runs")]
    return rx.hstack(*[rx.link(rx.button(label, variant="solid" if label == active else "soft", size="2"),
                               href=href, underline="none") for label, href in items], spacing="2")


def _new_modal() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(rx.cond(A.editing, "Configure " + A.new_name, "New Agent")),
        rx.vstack(
            rx.cond(~A.editing, rx.vstack(
                rx.text("Name", size="2"),
                rx.input(value=A.new_name, on_change=A.set_new_name, id="agent-name",
                         placeholder="BIR Tax Calculator", width="100%"), spacing="1", width="100%")),
            rx.text("Description", size="2"),
            rx.input(value=A.new_description, on_change=A.set_new_description, id="agent-description", width="100%"),
            rx.text("Tools", size="2"),
            rx.hstack(*[rx.checkbox(tool, checked=A.new_tools.contains(tool), on_change=lambda _v, t=tool:
                                    A.toggle_tool(t), id=f"tool-{tool}") for tool in TOOL_IDS],
                      spacing="3", wrap="wrap"),
            rx.hstack(
                rx.vstack(rx.text("Model (empty: the local model)", size="2"),
                          rx.input(value=A.new_model, on_change=A.set_new_model, id="agent-model",
                                   placeholder="gpt-4o-mini"),
                          rx.cond(A.offered_models != "", rx.text("Offered: ", A.offered_models, size="1",
                                                                  color_scheme="gray", id="offered-models")),
                          spacing="1"),
                rx.vstack(rx.text("Budget per run (USD)", size="2"),
                          rx.input(value=A.new_budget, on_change=A.set_new_budget, id="agent-budget", width="120px"),
                          spacing="1"),
                rx.vstack(rx.text("Max steps", size="2"),
                          rx.input(value=A.new_max_steps, on_change=A.set_new_max_steps, id="agent-steps",
                                   width="80px"), spacing="1"),
                spacing="3"),
            rx.hstack(
                rx.vstack(rx.text("Temperature", size="2"),
                          rx.input(value=A.new_temperature, on_change=A.set_new_temperature, id="agent-temperature",
                                   width="100px"), spacing="1"),
                rx.vstack(rx.text("Max tokens per call", size="2"),
                          rx.input(value=A.new_max_tokens, on_change=A.set_new_max_tokens, id="agent-max-tokens",
                                   width="120px"), spacing="1"),
                rx.vstack(rx.text("Tool calling", size="2"),
                          rx.select(["auto", "native", "json"], value=A.new_tool_calling,
                                    on_change=A.set_new_tool_calling, id="agent-tool-calling"), spacing="1"),
                spacing="3"),
            rx.text("System prompt", size="2"),
            rx.text_area(value=A.new_prompt, on_change=A.set_new_prompt, id="agent-prompt", width="100%", rows="4"),
            rx.cond(A.error != "", rx.callout(A.error, color_scheme="red", size="1", id="agent-error")),
            rx.hstack(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=A.close_new),
                      rx.button(rx.cond(A.editing, "Save", "Create"), on_click=A.create, id="create-agent"),
                      justify="end", width="100%"),
            spacing="2", width="100%"),
        max_width="720px"), open=A.new_open)


def _sample_row(row: rx.Var) -> rx.Component:
    return rx.table.row(rx.table.cell(row["prompt"]), rx.table.cell(row["expect"]), rx.table.cell(row["output"]),
                        rx.table.cell(row["status"]),
                        rx.table.cell(rx.badge(row["verdict"], color_scheme=row["colour"])), class_name="sample-row")


def _test_modal() -> rx.Component:
    """Test Agent: sample prompts with expected answers, run them, pass/fail per sample."""
    return rx.dialog.root(rx.dialog.content(
        rx.hstack(rx.dialog.title("Test ", A.test_agent, margin="0"), rx.spacer(),
                  rx.button("Close", variant="soft", color_scheme="gray", on_click=A.close_test), width="100%"),
        rx.vstack(
            rx.text(A.test_summary, size="2", id="test-summary"),
            rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Prompt", "Expected", "Answer", "Run", "Verdict")])),
                rx.table.body(rx.foreach(A.sample_rows, _sample_row)), width="100%", size="1", id="samples"),
            rx.hstack(
                rx.input(value=A.sample_prompt, on_change=A.set_sample_prompt, placeholder="sample prompt",
                         id="sample-prompt", width="100%"),
                rx.select(["contains", "regex", "number"], value=A.sample_kind, on_change=A.set_sample_kind,
                          id="sample-kind"),
                rx.input(value=A.sample_expected, on_change=A.set_sample_expected, placeholder="expected",
                         id="sample-expected", width="140px"),
                rx.input(value=A.sample_tolerance, on_change=A.set_sample_tolerance, id="sample-tolerance",
                         width="70px"),
                rx.button("Add", on_click=A.add_sample, variant="soft", id="add-sample"), width="100%"),
            rx.cond(A.error != "", rx.callout(A.error, color_scheme="red", size="1")),
            rx.button(rx.icon("play", size=14), "Run samples", on_click=A.run_samples, id="run-samples"),
            spacing="3", width="100%"),
        max_width="900px", id="test-modal"), open=A.test_open)


def _agent_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(row["name"], weight="bold"), rx.text(row["description"], size="1",
                                                                            color_scheme="gray"), spacing="0")),
        rx.table.cell(row["tools"]), rx.table.cell(row["model"]), rx.table.cell(row["budget"]),
        rx.table.cell(row["steps"]), rx.table.cell(row["version"]), rx.table.cell(row["deployed"]),
        rx.table.cell(rx.hstack(
            rx.button("Test", size="1", variant="soft", on_click=A.open_test(row["name"]),
                      id="test-" + row["id"].to(str)),
            rx.cond(A.can_create, rx.button("Config", size="1", variant="soft", on_click=A.open_config(row["name"]),
                                            id="config-" + row["id"].to(str))),
            rx.cond(A.can_deploy, rx.button("Deploy", size="1", variant="soft", on_click=A.deploy(row["name"]),
                                            id="deploy-" + row["id"].to(str))), spacing="2")),
        class_name="agent-row")


def registry_page() -> rx.Component:
    """/agents"""
    return page_frame(
        "Agent Registry",
        rx.hstack(_tabs("Agent Registry"), rx.spacer(),
                  rx.cond(A.can_create, rx.button(rx.icon("plus", size=14), "New Agent", on_click=A.open_new,
                                                  id="new-agent")), width="100%", align="center"),
        rx.cond((A.error != "") & ~A.new_open & ~A.test_open, rx.callout(A.error, color_scheme="red", size="1")),
        rx.cond(A.notice != "", rx.callout(A.notice, color_scheme="green", size="1", id="agents-notice")),
        rx.cond(A.workflow_href != "", rx.link(rx.button(rx.icon("download", size=14), "n8n workflow (JSON)",
                                                         variant="soft"), href=A.workflow_href, is_external=True,
                                               id="n8n-workflow")),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Agent", "Tools", "Model", "Budget / run", "Max steps", "Version", "Deployed", "")])),
            rx.table.body(rx.foreach(A.rows, _agent_row)), width="100%", id="agents"),
        rx.cond(A.rows.length() == 0, rx.text("No agents yet.", color_scheme="gray")),
        rx.card(rx.vstack(
            rx.text("Run an agent", weight="bold", size="2"),
            rx.hstack(rx.select(A.agent_names, value=A.run_agent, on_change=A.set_run_agent,
                                placeholder="agent", id="run-agent"),
                      rx.input(value=A.run_prompt, on_change=A.set_run_prompt, placeholder="Ask it something",
                               id="run-prompt", width="100%"),
                      rx.button(rx.icon("play", size=14), "Run", on_click=A.start_run, id="start-run"),
                      width="100%"),
            spacing="2", width="100%"), width="100%"),
        _new_modal(),
        _test_modal(),
    )


def _run_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["short"], href=row["href"], class_name="run-link")),
        rx.table.cell(row["agent"]), rx.table.cell(rx.badge(row["status"], color_scheme=row["colour"])),
        rx.table.cell(row["input"]), rx.table.cell(row["output"]), rx.table.cell(row["tokens"]),
        rx.table.cell(row["cost"]), rx.table.cell(row["model"]), rx.table.cell(row["created"]),
        class_name="agent-run-row")


def runs_page() -> rx.Component:
    """/agents/runs"""
    return page_frame(
        "Agent Runs", _tabs("Agent Runs"),
        rx.cond(R.error != "", rx.callout(R.error, color_scheme="red", size="1")),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Run", "Agent", "Status", "Input", "Output", "Tokens", "Cost", "Model", "Started")])),
            rx.table.body(rx.foreach(R.rows, _run_row)), width="100%", id="agent-runs"),
        rx.cond(R.rows.length() == 0, rx.text("No runs yet.", color_scheme="gray")),
    )


def _step(step: rx.Var) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.badge(step["position"]), rx.badge(step["kind"], variant="soft"),
                  rx.text(step["tool"], weight="bold"), rx.spacer(),
                  rx.text(step["model"], " ", step["tokens"], " ", step["cost"], " ", step["ms"], size="1",
                          color_scheme="gray"), width="100%", align="center"),
        rx.cond(step["input"] != "", rx.code_block(step["input"], wrap_long_lines=True, width="100%")),
        rx.cond(step["output"] != "", rx.code_block(step["output"], wrap_long_lines=True, width="100%")),
        rx.cond(step["error"] != "", rx.callout(step["error"], color_scheme="red", size="1")),
        spacing="2", width="100%"), width="100%", class_name="agent-step")


def run_page() -> rx.Component:
    """/agents/runs/[run_id]: the AgentRunPanel."""
    return page_frame(
        "Agent Run", _tabs("Agent Runs"),
        rx.cond(R.error != "", rx.callout(R.error, color_scheme="red", size="1")),
        rx.card(rx.vstack(
            rx.hstack(rx.heading(R.run["agent"], size="4"), rx.badge(R.run["status"], color_scheme=R.run["colour"],
                                                                    size="2", id="run-status"),
                      rx.spacer(),
                      rx.cond(R.run["finished"] == "no", rx.button("Cancel", color_scheme="red", variant="soft",
                                                                   on_click=R.cancel, id="cancel-run"),
                              rx.button("Retry", variant="soft", on_click=R.retry, id="retry-run")),
                      width="100%", align="center"),
            rx.text("Input", weight="bold", size="2"), rx.text(R.run["input"], id="run-input"),
            rx.hstack(rx.text("Output", weight="bold", size="2"),
                      rx.button(rx.icon("copy", size=12), "Copy", size="1", variant="ghost",
                                on_click=rx.set_clipboard(R.run["output"]), id="copy-output"), align="center"),
            rx.text(R.run["output"], id="run-output"),
            rx.cond(R.run["error"] != "", rx.callout(R.run["error"].to(str) + " " + R.run["suggestion"].to(str),
                                                     color_scheme="amber", size="1", id="run-error")),
            rx.hstack(rx.text("Tokens ", R.run["tokens"], size="2", id="run-tokens"),
                      rx.text("Cost ", R.run["cost"], " of ", R.run["budget"], size="2", id="run-cost"),
                      rx.text("Model ", R.run["model"], size="2", id="run-model"),
                      rx.cond(R.run["trace"] != "", rx.link("Trace", href=R.run["trace"], is_external=True)),
                      spacing="4"),
            spacing="2", width="100%"), width="100%", id="run-panel"),
        rx.text("Steps", weight="bold", size="3"),
        rx.foreach(R.steps, _step),
    )
