"""The process a pipeline's dbt node runs in: `python -m services.integrations.dbt.invoke`.

It gets, as JSON on stdin, dbt's arguments (the command, --select, and the project, profiles, target and
log folders the runner chose) and calls dbt-core's programmatic runner, `dbtRunner`. dbt's own log goes to
stdout, line by line, for the runner to stream into the job run's log. The profile it reads names the
writer role; its password comes in the environment (WORKBENCH_DBT_PASSWORD), never in a file.
Exit status: 0 when dbt succeeded, 1 when it ran and something failed, 2 when it could not run."""

from __future__ import annotations

import json
import sys
import traceback

from dbt.cli.main import dbtRunner


def main() -> int:
    """Run dbt with the given arguments."""
    arguments = json.load(sys.stdin)["args"]
    try:
        result = dbtRunner().invoke(arguments)
    except Exception:
        traceback.print_exc(limit=8)
        return 2
    if result.exception is not None:
        print(f"dbt could not run: {result.exception}", flush=True)
        return 2
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
