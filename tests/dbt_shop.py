"""tests/data/dbt_shop built for real, once per test session: a pipeline whose bronze node loads payments and
whose dbt node runs `dbt build` on the project (copied under WORKBENCH_DBT_PROJECTS_DIR) as the dbt role, then
imports the artifacts — twice, so that the incremental model and the snapshot merge on the second run. Browser
and service tests read the result of the second run."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from services.core import db
from services.core.config import settings
from services.identity import users
from services.identity.operator import current_operator
from services.integrations.dbt import importer
from services.pipelines import runner, runs, store
from services.pipelines.definition import parse_spec

SHOP = Path(__file__).resolve().parent / "data" / "dbt_shop"
OWNER = "dana@workbench.local"
ENGINEER = "dbt-engineer@example.com"
PASSWORD = "correct-horse-battery"
PIPELINE = "dbt shop"
PAYMENTS = ("SELECT * FROM (VALUES (1, 101, 'card', 2500), (2, 102, 'gift_card', 1000), (3, 103, 'bank_transfer',"
            " 12000), (4, 104, 'card', 800), (5, 105, 'card', 4300), (6, 106, 'card', 999))"
            " AS p(payment_id, order_id, method, amount_cents)")


@dataclass(frozen=True)
class BuiltShop:
    status: str  # the run's
    run_id: str
    artifacts: Path  # where the node kept manifest.json and run_results.json
    engineer: users.User


def _user(email: str, role: str) -> users.User:
    found = users.find_by_email(email)
    if found is not None:
        return found
    return users.create_user(current_operator(), email, role, full_name=email.split("@")[0].title(),
                             password=PASSWORD).user


def build() -> BuiltShop:
    """Run the pipeline once (its automatic retry is cancelled: nothing runs it twice behind a test's back)."""
    _user(OWNER, "engineer")  # the models' meta.owner
    engineer = _user(ENGINEER, "engineer")
    project = settings().dbt_projects_dir / "shop"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(SHOP, project)
    spec = {"name": PIPELINE, "domain": "shop", "description": "Bronze payments, then the shop's dbt project.",
            "definition": {
                "nodes": [{"id": "payments", "type": "bronze", "position": {"x": 0, "y": 0},
                           "data": {"label": "Payments", "target": "bronze.shop_payments", "sql": PAYMENTS}},
                          {"id": "shop", "type": "silver", "position": {"x": 280, "y": 0},
                           "data": {"label": "Silver Transform (dbt)", "dbt": {"project": "shop"}}}],
                "edges": [{"id": "e1", "source": "payments", "target": "shop"}]}}
    store.apply(engineer, parse_spec(spec))
    for _time in range(2):  # the second run merges the incremental model and the snapshot (temporary tables)
        started = runs.start(engineer, PIPELINE)
        status = runner.execute(started.id, "test")
        with db.connection() as conn:
            retries = [r[0] for r in conn.execute("SELECT id::text FROM ip_workbench.job_runs WHERE retry_of = %s",
                                                  (started.id,)).fetchall()]
        for retry in retries:
            runs.cancel(engineer, retry)
    return BuiltShop(status, started.id, importer.kept_artifacts(project), engineer)
