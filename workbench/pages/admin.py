"""Admin Console (/admin, PRD section 1): the Settings pages an admin reaches, and how the system is doing."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.auth import AuthState
from workbench.state.system import SystemState as S


def _page_card(entry: rx.Var) -> rx.Component:
    return rx.link(rx.card(rx.hstack(rx.icon(entry["icon"], size=18), rx.text(entry["label"], weight="medium"),
                                     align="center", spacing="2"), width="220px"),
                   href=entry["route"], class_name="admin-page-link", underline="none")


def _status_row(label: str, value: rx.Var | str, element_id: str) -> rx.Component:
    return rx.table.row(rx.table.cell(rx.text(label, weight="medium")), rx.table.cell(value, id=element_id))


def _check_detail(name: str) -> rx.Var:
    """The detail of one readiness check by name ('' when absent)."""
    return rx.foreach(S.checks, lambda c: rx.cond(c["name"] == name, rx.text(c["state"], ": ", c["detail"]),
                                                   rx.fragment()))


def admin_page() -> rx.Component:
    """The page."""
    return page_frame(
        "Admin Console",
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%")),
        rx.heading("Settings", size="4"),
        rx.flex(rx.foreach(AuthState.admin_pages, _page_card), wrap="wrap", spacing="3", id="admin-pages"),
        rx.hstack(rx.heading("System status", size="4"),
                  rx.badge(rx.cond(S.ready, "ready", "not ready"), color_scheme=rx.cond(S.ready, "green", "red"),
                           id="admin-ready"),
                  rx.link("Details", href="/settings/system", size="2"), align="center", spacing="3"),
        rx.table.root(rx.table.body(
            _status_row("Version", S.version, "admin-version"),
            _status_row("Migrations", _check_detail("migrations"), "admin-migrations"),
            _status_row("Model server", _check_detail("model_server"), "admin-model-server"),
            _status_row("Task queue", _check_detail("queue"), "admin-queue"),
            _status_row("App processes", S.processes, "admin-processes"),
            _status_row("Last backup", rx.cond(S.last_backup != "",
                                               rx.text(S.last_backup_when, " · ", S.last_backup_size, " · ",
                                                       S.last_backup),
                                               rx.cond(S.backup_folder != "", rx.text("none yet"),
                                                       rx.text("no backup folder (WORKBENCH_BACKUP_DIR unset)"))),
                        "admin-last-backup"),
        ), size="1", variant="surface", width="100%", id="admin-status"),
    )
