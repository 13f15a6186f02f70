"""Reflex configuration: the app module, port, theme and plugins, from WORKBENCH_* settings."""

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin
from reflex_components_radix.plugin import RadixThemesPlugin

from services.core.config import settings

config = rx.Config(
    app_name="workbench",
    telemetry_enabled=False,
    frontend_port=settings().port,
    backend_port=settings().port,
    show_built_with_reflex=False,
    plugins=[RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[SitemapPlugin],
)
