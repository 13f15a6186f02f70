"""Pipelines in the browser: an engineer builds a three-node pipeline by dragging and connecting, sees
Guardian fail and fixes it, saves, runs and reads the logs; a viewer sees no edit controls."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from services.core import db
from tests.browser.conftest import screenshot, sign_in
from tests.warehouse import source_table

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def source(app_url) -> str:
    return source_table("id int, amount numeric, vendor text",
                        "SELECT g, g * 2, 'v' || (g % 3) FROM generate_series(1, 30) g", prefix="ui")


def _drop(page: Page, kind: str, x: int, y: int) -> None:
    page.drag_and_drop(f"#palette-{kind}", "#pipeline-canvas .react-flow__pane", target_position={"x": x, "y": y})


def _connect(page: Page, source: str, target: str, edges_after: int) -> None:
    """Drag from the source node's right handle to the target node's left handle, as a person does."""
    for _attempt in range(3):
        out = page.locator(f"#node-{source} .wb-handle-out").bounding_box()
        into = page.locator(f"#node-{target} .wb-handle-in").bounding_box()
        page.mouse.move(out["x"] + out["width"] / 2, out["y"] + out["height"] / 2)
        page.mouse.down()
        page.mouse.move(out["x"] + 30, out["y"] + 10, steps=4)
        page.mouse.move(into["x"] + into["width"] / 2, into["y"] + into["height"] / 2, steps=12)
        page.mouse.up()
        try:
            expect(page.locator("#pipeline-canvas .react-flow__edge")).to_have_count(edges_after, timeout=5_000)
            return
        except AssertionError:
            page.wait_for_timeout(500)  # the canvas was still moving; drag again
    expect(page.locator("#pipeline-canvas .react-flow__edge")).to_have_count(edges_after)


def _configure(page: Page, node: str, target: str, sql: str) -> None:
    page.locator(f"#node-{node}").click()
    expect(page.locator("#node-panel code").first).to_have_text(node)
    page.fill("#node-target", target)
    editor = page.locator("#node-sql .cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    editor.type(sql)


def test_build_validate_fix_save_run_and_read_the_logs(page: Page, make_user, source):
    user, password = make_user("engineer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto("/pipelines")
    page.click("#new-pipeline")
    name = f"ui_{uuid.uuid4().hex[:6]}"
    page.fill("#new-pipeline-name", name)
    page.fill("#new-pipeline-domain", "finance")
    page.click("#create-pipeline")
    expect(page).to_have_url(re.compile(r"/pipelines/editor\?name="))
    expect(page.locator("#palette-silver")).to_be_visible()
    _drop(page, "silver", 60, 200)
    expect(page.locator("#node-silver_1")).to_be_visible()
    _drop(page, "gold", 340, 100)
    expect(page.locator("#node-gold_1")).to_be_visible()
    _drop(page, "gold", 340, 320)
    expect(page.locator("#node-gold_2")).to_be_visible()
    expect(page.locator("#node-gold_2")).to_be_in_viewport(ratio=1)
    _connect(page, "silver_1", "gold_1", 1)
    _connect(page, "silver_1", "gold_2", 2)
    expect(page.locator("#unsaved-badge")).to_be_visible()
    clean, by_vendor, total = (f"silver.{name}_clean", f"gold.{name}_by_vendor", f"gold.{name}_total")
    _configure(page, "silver_1", clean, f"SELECT id, amount, vendor FROM {source} WHERE amount > 10")
    # A mistake: the upstream node has no column `price`.
    _configure(page, "gold_1", by_vendor, f"SELECT vendor, sum(price) AS total FROM {clean} GROUP BY vendor")
    _configure(page, "gold_2", total, f"SELECT count(*) AS n, sum(amount) AS total FROM {clean}")
    page.click("#validate")
    expect(page.locator("#step-5.failed")).to_contain_text("price")
    expect(page.locator("#node-gold_1.status-error")).to_be_visible()
    expect(page.locator("#node-silver_1.status-ok")).to_be_visible()
    screenshot(page, "pipeline-editor-invalid")
    _configure(page, "gold_1", by_vendor, f"SELECT vendor, sum(amount) AS total FROM {clean} GROUP BY vendor")
    page.click("#validate")
    expect(page.locator("#editor-message")).to_have_text("All eight checks passed.")
    expect(page.locator("#validation-panel .step.failed")).to_have_count(0)
    page.click("#save")
    expect(page.locator("#editor-message")).to_have_text("Saved version 1.")
    expect(page.locator("#unsaved-badge")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/pipelines/editor\?name={name}$"))
    screenshot(page, "pipeline-editor")
    page.click("#run-now")
    page.click("#open-run")
    expect(page).to_have_url(re.compile(r"/pipelines/runs/[0-9a-f-]{36}$"))
    expect(page.locator("#run-status")).to_have_text("completed", timeout=120_000)
    expect(page.locator("#run-nodes .node-status")).to_have_text(["completed"] * 3)
    expect(page.locator("#run-nodes")).to_contain_text(f"swapped {total} in")
    expect(page.locator("#run-log")).to_contain_text("run completed")
    screenshot(page, "pipeline-run-detail")
    with db.connection() as conn:
        assert conn.execute(f"SELECT n FROM {total}").fetchone()[0] == 25
    page.goto("/pipelines/runs")
    expect(page.locator("#run-timeline .run-item").first).to_contain_text(name)
    screenshot(page, "pipeline-job-logs")
    page.goto("/pipelines")
    expect(page.locator("#pipeline-list")).to_contain_text(name)
    screenshot(page, "pipeline-list")


def test_schedule_modal_reads_the_cron_and_lists_next_runs(page: Page, make_user, source):
    user, password = make_user("admin")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto("/pipelines/editor?name=finance_medallion")
    expect(page.locator("#node-finance_expenses")).to_be_visible()
    page.click("#schedule")
    page.fill("#cron-input", "61 * * * *")
    expect(page.locator("#cron-reading")).to_contain_text("minute")
    expect(page.locator("#save-schedule")).to_be_disabled()
    page.fill("#cron-input", "30 6 * * 1-5")
    page.fill("#cron-timezone", "Asia/Manila")
    expect(page.locator("#cron-reading")).to_have_text("At 06:30 AM, Monday through Friday")
    expect(page.locator("#cron-next .next-run")).to_have_count(5)
    expect(page.locator("#cron-next .next-run").first).to_contain_text("06:30 PST")
    screenshot(page, "pipeline-schedule")
    page.click("#save-schedule")
    expect(page.locator("#editor-message")).to_contain_text("Scheduled")
    expect(page.locator("#version-list .version-row").first).to_contain_text("2")
    page.locator("#version-list .version-row").last.locator(".version-diff").click()
    expect(page.locator("#version-diff")).to_contain_text('+  "schedule": "30 6 * * 1-5"')
    screenshot(page, "pipeline-versions")
    page.goto("/pipelines/schedules")
    expect(page.locator("#schedule-list")).to_contain_text("30 6 * * 1-5")
    screenshot(page, "pipeline-schedules")


def test_a_viewer_sees_pipelines_and_logs_without_edit_controls(page: Page, make_user):
    user, password = make_user("viewer")
    sign_in(page, user.email, password)
    expect(page.locator("#kpi-tables")).to_be_visible()
    page.goto("/pipelines")
    expect(page.locator("#pipeline-list")).to_contain_text("finance_medallion")
    expect(page.locator("#new-pipeline")).to_have_count(0)
    page.goto("/pipelines/editor?name=finance_medallion")
    expect(page.locator("#node-finance_expenses")).to_be_visible()
    for control in ("#save", "#validate", "#run-now", "#delete-pipeline", "#schedule", "#palette-silver"):
        expect(page.locator(control)).to_have_count(0)
    page.locator("#node-finance_expenses").click()
    expect(page.locator("#node-panel")).to_contain_text("finance_expenses")
    expect(page.locator("#delete-node")).to_have_count(0)
    screenshot(page, "pipeline-editor-viewer")
    page.goto("/pipelines/runs")
    expect(page.locator("h1, h2").filter(has_text="Job Logs").first).to_be_visible()
