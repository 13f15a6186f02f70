"""404: a clear page for unknown addresses."""

from __future__ import annotations

import reflex as rx


def not_found_page() -> rx.Component:
    """Says the page does not exist and offers the way Home."""
    return rx.center(
        rx.vstack(
            rx.heading("404", size="9", color_scheme="gray"),
            rx.heading("This page does not exist", size="5", id="not-found"),
            rx.text("Check the address, or go back to the dashboard.", color_scheme="gray"),
            rx.link(rx.button("Go to Home"), href="/"),
            align="center", spacing="3",
        ),
        min_height="100vh",
    )
