"""Settings › System (Admin): readiness checks, app processes, backups."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.system import SystemState as S


def _check(check: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(check["name"]),
        rx.table.cell(rx.badge(check["state"], color_scheme=rx.match(
            check["state"], ("ok", "green"), ("failed", "red"), "amber"))),
        rx.table.cell(check["detail"]),
        class_name="system-check")


def _fact(label: str, value: rx.Var | str, element_id: str) -> rx.Component:
    return rx.hstack(rx.text(label, weight="medium", size="2", min_width="140px"),
                     rx.text(value, size="2", id=element_id), spacing="3", align="start")


def _backups() -> rx.Component:
    last = rx.cond(
        S.last_backup != "",
        rx.vstack(_fact("Last backup", S.last_backup, "last-backup"),
                  _fact("Size", S.last_backup_size, "last-backup-size"),
                  _fact("Written", S.last_backup_when, "last-backup-when"), spacing="1"),
        _fact("Last backup", "none yet", "last-backup"))
    return rx.card(rx.vstack(
        rx.heading("Backups", size="4"),
        rx.cond(
            S.backup_folder != "",
            rx.vstack(_fact("Folder", S.backup_folder, "backup-folder"),
                      _fact("Schedule", S.backup_schedule, "backup-schedule"),
                      _fact("Next", S.next_backup, "next-backup"), last, spacing="1"),
            rx.callout("WORKBENCH_BACKUP_DIR is unset: no nightly backup. Set it to a folder (and restart), or run"
                       " `workbench backup FILE`.", color_scheme="amber", id="backup-unset")),
        rx.vstack(rx.text("Not in a backup:", size="1", weight="medium", color_scheme="gray"),
                  rx.unordered_list(rx.foreach(S.left_out, lambda item: rx.list_item(
                      rx.text(item, size="1", color_scheme="gray")))), spacing="1", id="backup-left-out"),
        rx.hstack(rx.button("Back up now", on_click=S.back_up_now, id="back-up-now",
                            disabled=S.backup_folder == ""),
                  rx.cond(S.notice != "", rx.text(S.notice, size="2", id="backup-notice")), align="center"),
        spacing="3", width="100%"), width="100%")


def system_page() -> rx.Component:
    """The page."""
    return page_frame(
        "System",
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%")),
        rx.card(rx.vstack(
            rx.hstack(rx.heading("Readiness", size="4"),
                      rx.badge(rx.cond(S.ready, "ready", "not ready"), color_scheme=rx.cond(S.ready, "green", "red"),
                               id="system-ready")),
            rx.text(S.processes, size="2", id="system-processes"),
            rx.table.root(rx.table.body(rx.foreach(S.checks, _check)), size="1", width="100%", id="system-checks"),
            spacing="3", width="100%"), width="100%"),
        _backups(),
    )
