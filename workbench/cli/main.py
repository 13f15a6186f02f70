"""The `workbench` command, assembled from its groups."""

from __future__ import annotations

import click

from workbench.cli import (
    agent,
    alerts,
    apikey,
    catalog,
    dbt,
    demo,
    genie,
    lineage,
    odoo,
    pipeline,
    quality,
    setup,
    sql,
    user,
)
from workbench.cli.base import WorkbenchGroup


@click.group(cls=WorkbenchGroup)
def main() -> None:
    """Workbench command line."""


for command in (setup.db_group, setup.setup, user.user_group, apikey.apikey_group, sql.sql_command,
                catalog.catalog_group, lineage.lineage_group, genie.genie_group, demo.demo_group,
                pipeline.pipeline_group, pipeline.worker_command, quality.dq_group, alerts.alerts_group,
                setup.secret_key, setup.secrets_group, agent.agent_group, agent.llm_group, agent.costs_command,
                agent.rate_group, odoo.odoo_group, dbt.dbt_group):
    main.add_command(command)


if __name__ == "__main__":
    main()
