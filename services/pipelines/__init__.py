"""Pipelines (PRD 3.4): bronze → silver → gold DAGs, their validation, schedules and runs. Empty until
the pipelines issue lands; it will contribute its scheduled jobs through `jobs` like the catalog."""
