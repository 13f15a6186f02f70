"""The `workbench` command, assembled from its groups; each group's module is imported only when that
group runs (or `--help` lists them), so `workbench genie ask` does not load the agents or the migrations."""

from __future__ import annotations

import importlib

import click

from workbench.cli.base import WorkbenchGroup

# command name → (module, attribute)
COMMANDS: dict[str, tuple[str, str]] = {
    "agent": ("workbench.cli.agent", "agent_group"),
    "alerts": ("workbench.cli.alerts", "alerts_group"),
    "apikey": ("workbench.cli.apikey", "apikey_group"),
    "backup": ("workbench.cli.backup", "backup_command"),
    "catalog": ("workbench.cli.catalog", "catalog_group"),
    "cost-rate": ("workbench.cli.agent", "rate_group"),
    "costs": ("workbench.cli.agent", "costs_command"),
    "db": ("workbench.cli.setup", "db_group"),
    "dbt": ("workbench.cli.dbt", "dbt_group"),
    "demo": ("workbench.cli.demo", "demo_group"),
    "dq": ("workbench.cli.quality", "dq_group"),
    "genie": ("workbench.cli.genie", "genie_group"),
    "lineage": ("workbench.cli.lineage", "lineage_group"),
    "llm": ("workbench.cli.agent", "llm_group"),
    "odoo": ("workbench.cli.odoo", "odoo_group"),
    "pipeline": ("workbench.cli.pipeline", "pipeline_group"),
    "restore": ("workbench.cli.backup", "restore_command"),
    "secret-key": ("workbench.cli.setup", "secret_key"),
    "secrets": ("workbench.cli.setup", "secrets_group"),
    "setup": ("workbench.cli.setup", "setup"),
    "sql": ("workbench.cli.sql", "sql_command"),
    "status": ("workbench.cli.status", "status_command"),
    "user": ("workbench.cli.user", "user_group"),
    "worker": ("workbench.cli.pipeline", "worker_command"),
}


class LazyWorkbenchGroup(WorkbenchGroup):
    """A WorkbenchGroup that imports a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyWorkbenchGroup)
def main() -> None:
    """Workbench command line."""


if __name__ == "__main__":
    main()
