"""Sign-in page."""

from __future__ import annotations

import reflex as rx

from workbench.state.auth import AuthState


def login_page() -> rx.Component:
    """Email and password form; errors show inline."""
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(
                        rx.box(rx.text("W", weight="bold", color="white"), background="var(--indigo-9)",
                               border_radius="6px", padding_x="8px", padding_y="2px"),
                        rx.heading("Workbench", size="5"),
                        align="center",
                    ),
                    rx.text("Sign in to your data workbench", color_scheme="gray", size="2"),
                    rx.text("Email", size="2", weight="medium"),
                    rx.input(name="email", id="email", type="email", placeholder="you@company.com",
                             required=True, width="100%", auto_focus=True),
                    rx.text("Password", size="2", weight="medium"),
                    rx.input(name="password", id="password", type="password", required=True, width="100%"),
                    rx.cond(
                        AuthState.login_error != "",
                        rx.callout(AuthState.login_error, color_scheme="red", id="login-error", width="100%"),
                    ),
                    rx.button("Sign in", type="submit", width="100%", id="sign-in"),
                    spacing="3", width="100%",
                ),
                on_submit=AuthState.handle_login,
                reset_on_submit=False,
            ),
            width="360px", padding="24px",
        ),
        min_height="100vh", background="var(--gray-2)",
    )
