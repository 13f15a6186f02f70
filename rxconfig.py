"""Reflex configuration: the app module, port, theme and plugins, from WORKBENCH_* settings."""

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin
from reflex_components_radix.plugin import RadixThemesPlugin

from services.core.config import export_backend_environment, settings

export_backend_environment(settings())
config = rx.Config(
    app_name="workbench",
    telemetry_enabled=False,
    frontend_port=settings().port,
    backend_port=settings().port,
    show_built_with_reflex=False,
    plugins=[RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[SitemapPlugin],
    # With REDIS_URL Reflex keeps each browser's state in Redis, so any of WORKBENCH_WORKERS processes serves it.
    # An event holds its state's lock while it runs: a query may take the whole statement timeout.
    **({"redis_url": settings().redis_url,
        "redis_lock_expiration": int(max(settings().statement_timeout_s, 60) * 1000) + 60_000,
        "redis_lock_warning_threshold": 30_000} if settings().redis_url else {}),
)
