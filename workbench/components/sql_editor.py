"""The CodeMirror 6 SQL editor (assets/sql_editor.jsx), wrapped for Reflex with pinned packages."""

from __future__ import annotations

from typing import Any

import reflex as rx


class SqlEditor(rx.NoSSRComponent):
    """Postgres SQL editing with schema-aware completion; Mod-Enter runs the selection or everything."""

    library = "$/public/sql_editor.jsx"
    tag = "SqlEditor"
    lib_dependencies: list[str] = [
        "@uiw/react-codemirror@4.25.12",
        "@codemirror/lang-sql@6.10.0",
        "@codemirror/view@6.43.15",
        "@codemirror/state@6.7.6",
        "@codemirror/lint@6.9.8",
        "@codemirror/autocomplete@6.20.4",
    ]

    value: rx.Var[str]
    revision: rx.Var[int]  # bumped when the server replaces the text (Format, Load)
    schema: rx.Var[dict[str, Any]]
    error_pos: rx.Var[int]
    error_message: rx.Var[str]
    height: rx.Var[str]

    on_change: rx.EventHandler[lambda text: [text]]
    on_run: rx.EventHandler[lambda text, offset: [text, offset]]


sql_editor = SqlEditor.create
