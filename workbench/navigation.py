"""The left navigation (PRD section 2) and Home's quick actions: only pages that exist, by permission."""

from __future__ import annotations

from dataclasses import dataclass

from services.identity.rbac import Permission, is_allowed


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    route: str
    permission: Permission | None  # None: any signed-in user
    icon: str


NAV: tuple[NavItem, ...] = (
    NavItem("", "Home", "/", None, "house"),
    NavItem("", "Catalog", "/catalog", Permission.VIEW_CATALOG, "library"),
    NavItem("", "SQL Editor", "/sql", Permission.RUN_SQL_QUERIES, "square-terminal"),
    NavItem("Pipelines", "Pipeline List", "/pipelines", Permission.VIEW_PIPELINES, "workflow"),
    NavItem("Pipelines", "Job Logs", "/pipelines/runs", Permission.VIEW_JOB_LOGS, "list-checks"),
    NavItem("Pipelines", "Schedules", "/pipelines/schedules", Permission.VIEW_PIPELINES, "clock"),
    NavItem("Data Quality", "Scorecards", "/quality", Permission.VIEW_DATA_QUALITY, "gauge"),
    NavItem("Data Quality", "Test Results", "/quality/results", Permission.VIEW_DATA_QUALITY, "clipboard-check"),
    NavItem("Data Quality", "Alerts", "/quality/alerts", Permission.CONFIGURE_DQ_ALERTS, "bell"),
    NavItem("", "Lineage & Graph", "/lineage", Permission.VIEW_LINEAGE, "git-fork"),
    NavItem("AI Assist", "Genie", "/genie", Permission.USE_AI_ASSIST, "sparkles"),
    NavItem("AI Assist", "Agent Registry", "/agents", Permission.VIEW_AGENT_RUNS, "bot"),
    NavItem("AI Assist", "Agent Runs", "/agents/runs", Permission.VIEW_AGENT_RUNS, "activity"),
    NavItem("AI Assist", "Observability", "/observability", Permission.ACCESS_LANGFUSE, "gauge"),
    NavItem("Settings", "Users & Roles", "/settings/users", Permission.MANAGE_USERS, "users"),
    NavItem("Settings", "Cost Tracking", "/settings/costs", Permission.VIEW_COST_TRACKING, "receipt"),
    NavItem("Settings", "Integrations", "/settings/integrations", Permission.CONFIGURE_INTEGRATIONS, "plug"),
    NavItem("Settings", "Audit Logs", "/settings/audit", Permission.VIEW_AUDIT_LOGS, "scroll-text"),
    NavItem("Settings", "System", "/settings/system", Permission.MANAGE_USERS, "server"),
)

QUICK_ACTIONS: tuple[NavItem, ...] = (  # PRD 3.1's three first, then the rest, each for the roles it serves
    NavItem("", "New Pipeline", "/pipelines?new=1", Permission.CREATE_PIPELINES, "workflow"),
    NavItem("", "Run Query", "/sql", Permission.RUN_SQL_QUERIES, "play"),
    NavItem("", "Ask Genie", "/genie", Permission.USE_AI_ASSIST, "sparkles"),
    NavItem("", "Browse the catalog", "/catalog", Permission.VIEW_CATALOG, "library"),
    NavItem("", "Add a user", "/settings/users", Permission.MANAGE_USERS, "user-plus"),
    NavItem("", "Review audit log", "/settings/audit", Permission.VIEW_AUDIT_LOGS, "scroll-text"),
)


ADMIN_CONSOLE: tuple[NavItem, ...] = tuple(
    item for item in NAV if item.section == "Settings" or item.route in ("/observability", "/quality/alerts"))


def _visible(items: tuple[NavItem, ...], role: str) -> list[dict[str, str]]:
    """Items the role may open; `heading` carries the section name on the first item of each section."""
    shown, previous = [], None
    for item in items:
        if not role or (item.permission is not None and not is_allowed(role, item.permission)):
            continue
        heading = item.section if item.section != previous else ""
        previous = item.section
        shown.append({"heading": heading, "label": item.label, "route": item.route, "icon": item.icon})
    return shown


def nav_for(role: str) -> list[dict[str, str]]:
    """Navigation entries the role may open."""
    return _visible(NAV, role)


def quick_actions_for(role: str) -> list[dict[str, str]]:
    """Quick actions the role may use."""
    return _visible(QUICK_ACTIONS, role)


def admin_pages_for(role: str) -> list[dict[str, str]]:
    """The Admin Console's pages (Settings, Observability, Data Quality › Alerts) the role may open."""
    return [{**entry, "heading": ""} for entry in _visible(ADMIN_CONSOLE, role)]


def page_label(route: str) -> str:
    """'Settings › Users & Roles' for a route (trailing slash or not), for messages."""
    route = route.rstrip("/") or "/"
    if route == "/admin":
        return "the Admin Console"
    for item in NAV:
        if item.route == route:
            return f"{item.section} › {item.label}" if item.section else item.label
    for item in NAV:  # a detail page under a listed one, e.g. /settings/users/<id>
        if item.route != "/" and route.startswith(item.route + "/"):
            return f"{item.section} › {item.label}" if item.section else item.label
    return route


def safe_next(target: str | None) -> str:
    """Only same-site paths may be redirected to after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and not target.startswith("/login") \
            and "\\" not in target:
        return target
    return "/"
