"""The Reflex app: pages, their routes and server-side access checks."""

from __future__ import annotations

import contextlib

import reflex as rx

from services.core import secrets
from services.core.config import settings
from services.core.scheduler import Scheduler
from services.identity.rbac import Permission
from services.runtime.jobs import scheduled_jobs
from services.runtime.worker import BackgroundWorker, default_name
from workbench import socket_owners
from workbench.api.app import api
from workbench.pages.admin import admin_page
from workbench.pages.agents import registry_page, run_page, runs_page
from workbench.pages.audit import audit_page
from workbench.pages.catalog import catalog_page
from workbench.pages.catalog_detail import column_detail_page, schema_detail_page
from workbench.pages.costs import costs_page, observability_page
from workbench.pages.genie import genie_page
from workbench.pages.home import home_page
from workbench.pages.integrations import integrations_page
from workbench.pages.job_logs import job_logs_page, run_detail_page
from workbench.pages.lineage import lineage_page
from workbench.pages.login import login_page
from workbench.pages.not_found import not_found_page
from workbench.pages.pipeline_editor import pipeline_editor_page
from workbench.pages.pipelines import pipelines_page, schedules_page
from workbench.pages.quality import results_page, scorecards_page, table_page
from workbench.pages.quality_alerts import alerts_page
from workbench.pages.snippet_detail import snippet_detail_page
from workbench.pages.sql_editor import sql_editor_page
from workbench.pages.system import system_page
from workbench.pages.user_detail import user_detail_page
from workbench.pages.users import users_page
from workbench.state.agents import AgentRunsState, AgentsState
from workbench.state.alerts import AlertsState
from workbench.state.audit import AuditState
from workbench.state.auth import AuthState
from workbench.state.catalog import CatalogState
from workbench.state.catalog_detail import ColumnDetailState, SchemaDetailState
from workbench.state.costs import CostsState, ObservabilityState
from workbench.state.genie import GenieState
from workbench.state.home import HomeState
from workbench.state.integrations import IntegrationsState
from workbench.state.job_logs import JobLogsState
from workbench.state.lineage import LineageState
from workbench.state.pipeline_editor import PipelineEditorState
from workbench.state.pipelines import PipelinesState
from workbench.state.quality import ResultsState, ScorecardsState, TableQualityState
from workbench.state.snippet_detail import SnippetDetailState
from workbench.state.sql_editor import SqlEditorState
from workbench.state.system import SystemState
from workbench.state.user_detail import UserDetailState
from workbench.state.users import UsersState

app = rx.App(api_transformer=api)


@contextlib.asynccontextmanager
async def _scheduler():
    """Every domain's scheduled jobs run in whichever app process leads; each process also runs
    WORKBENCH_APP_WORKERS task-queue workers (pipeline runs, test runs, webhook and alert deliveries). A key
    that cannot read the stored secrets stops the start with what to do."""
    secrets.verify_key()
    running = Scheduler(scheduled_jobs)
    running.start()
    workers = [BackgroundWorker(name=f"{default_name()}-app{i + 1}") for i in range(settings().app_workers)]
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        for worker in workers:
            worker.stop()
        running.stop()  # the local model's server is the install's, shared: it stops itself when idle


app.register_lifespan_task(_scheduler)
if settings().redis_url:  # several processes: a browser reconnecting after one died keeps its state
    socket_owners.install()
    app.register_lifespan_task(socket_owners.lifespan_task(app))

app.add_page(login_page, route="/login", title="Sign in · Workbench", on_load=AuthState.login_page_load)
app.add_page(home_page, route="/", title="Home · Workbench",
             on_load=[AuthState.check_access(""), HomeState.load])
app.add_page(schema_detail_page, route="/catalog/schemas/[schema]", title="Schema · Workbench",
             on_load=[AuthState.check_access(Permission.VIEW_CATALOG.value), SchemaDetailState.load])
app.add_page(column_detail_page, route="/catalog/columns/[table]/[column]", title="Column · Workbench",
             on_load=[AuthState.check_access(Permission.VIEW_CATALOG.value), ColumnDetailState.load])
app.add_page(catalog_page, route="/catalog", title="Catalog · Workbench",
             on_load=[AuthState.check_access(Permission.VIEW_CATALOG.value), CatalogState.load])
_VIEW_PIPELINES = AuthState.check_access(Permission.VIEW_PIPELINES.value)
_VIEW_JOB_LOGS = AuthState.check_access(Permission.VIEW_JOB_LOGS.value)
app.add_page(pipelines_page, route="/pipelines", title="Pipelines · Workbench",
             on_load=[_VIEW_PIPELINES, PipelinesState.load])
app.add_page(pipeline_editor_page, route="/pipelines/editor", title="Pipeline Editor · Workbench",
             on_load=[_VIEW_PIPELINES, PipelineEditorState.load])
app.add_page(job_logs_page, route="/pipelines/runs", title="Job Logs · Workbench",
             on_load=[_VIEW_JOB_LOGS, JobLogsState.load_list])
app.add_page(run_detail_page, route="/pipelines/runs/[run_id]", title="Run Detail · Workbench",
             on_load=[_VIEW_JOB_LOGS, JobLogsState.load_run])
app.add_page(schedules_page, route="/pipelines/schedules", title="Schedules · Workbench",
             on_load=[_VIEW_PIPELINES, PipelinesState.load])
_VIEW_QUALITY = AuthState.check_access(Permission.VIEW_DATA_QUALITY.value)
app.add_page(scorecards_page, route="/quality", title="Data Quality · Workbench",
             on_load=[_VIEW_QUALITY, ScorecardsState.load])
app.add_page(table_page, route="/quality/table", title="Table Scorecard · Workbench",
             on_load=[_VIEW_QUALITY, TableQualityState.load])
app.add_page(results_page, route="/quality/results", title="Test Results · Workbench",
             on_load=[_VIEW_QUALITY, ResultsState.load])
app.add_page(alerts_page, route="/quality/alerts", title="Alerts · Workbench",
             on_load=[AuthState.check_access(Permission.CONFIGURE_DQ_ALERTS.value), AlertsState.load])
app.add_page(lineage_page, route="/lineage", title="Lineage & Graph · Workbench",
             on_load=[AuthState.check_access(Permission.VIEW_LINEAGE.value), LineageState.load])
_VIEW_AGENTS = AuthState.check_access(Permission.VIEW_AGENT_RUNS.value)
app.add_page(registry_page, route="/agents", title="Agent Registry · Workbench",
             on_load=[_VIEW_AGENTS, AgentsState.load])
app.add_page(runs_page, route="/agents/runs", title="Agent Runs · Workbench",
             on_load=[_VIEW_AGENTS, AgentRunsState.load_list])
app.add_page(run_page, route="/agents/runs/[run_id]", title="Agent Run · Workbench",
             on_load=[_VIEW_AGENTS, AgentRunsState.load_run])
app.add_page(observability_page, route="/observability", title="Observability · Workbench",
             on_load=[AuthState.check_access(Permission.ACCESS_LANGFUSE.value), ObservabilityState.load])
app.add_page(costs_page, route="/settings/costs", title="Cost Tracking · Workbench",
             on_load=[AuthState.check_access(Permission.VIEW_COST_TRACKING.value), CostsState.load])
app.add_page(integrations_page, route="/settings/integrations", title="Integrations · Workbench",
             on_load=[AuthState.check_access(Permission.CONFIGURE_INTEGRATIONS.value), IntegrationsState.load,
                      AlertsState.load])
app.add_page(genie_page, route="/genie", title="Genie · Workbench",
             on_load=[AuthState.check_access(Permission.USE_AI_ASSIST.value), GenieState.load])
app.add_page(sql_editor_page, route="/sql", title="SQL Editor · Workbench",
             on_load=[AuthState.check_access(Permission.RUN_SQL_QUERIES.value), SqlEditorState.load])
app.add_page(snippet_detail_page, route="/sql/snippets/[snippet_id]", title="Snippet · Workbench",
             on_load=[AuthState.check_access(Permission.RUN_SQL_QUERIES.value), SnippetDetailState.load])
app.add_page(users_page, route="/settings/users", title="Users & Roles · Workbench",
             on_load=[AuthState.check_access(Permission.MANAGE_USERS.value), UsersState.load])
app.add_page(admin_page, route="/admin", title="Admin Console · Workbench",
             on_load=[AuthState.check_access(Permission.MANAGE_USERS.value), SystemState.load])
app.add_page(system_page, route="/settings/system", title="System · Workbench",
             on_load=[AuthState.check_access(Permission.MANAGE_USERS.value), SystemState.load])
app.add_page(user_detail_page, route="/settings/users/[user_id]", title="User · Workbench",
             on_load=[AuthState.check_access(Permission.MANAGE_USERS.value), UserDetailState.load])
app.add_page(audit_page, route="/settings/audit", title="Audit Logs · Workbench",
             on_load=[AuthState.check_access(Permission.VIEW_AUDIT_LOGS.value), AuditState.load])
app.add_page(not_found_page, route="404", title="Not found · Workbench")
