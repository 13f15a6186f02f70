"""Activity: what Home shows — the activity feed (`feed`), KPIs (`kpis`) and alerts (`alerts`).

Alerts are raised here by every domain (demo loads today; pipelines, data quality, agents and costs
next) and dismissed per user."""
