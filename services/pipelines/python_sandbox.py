"""The process a Custom (Python) node runs in: `python -m services.pipelines.python_sandbox`.

It gets, as JSON on stdin, the node's code and one connection string: the pipeline writer role's (never
the app's; its environment holds no credential either). The code defines `run(conn)` returning a list of
dicts; the rows go to stdout as JSON for the runner to write into the node's target."""

from __future__ import annotations

import json
import sys
import traceback

import psycopg


def main() -> int:
    """Run the snippet; exit 0 with JSON rows on stdout, or 1 with the traceback on stderr."""
    given = json.load(sys.stdin)
    code, conninfo = given["code"], given["conninfo"]
    namespace: dict[str, object] = {"__name__": "workbench_node"}
    try:
        exec(compile(code, "<node>", "exec"), namespace)  # noqa: S102 - running the engineer's code is the point
        run = namespace.get("run")
        if not callable(run):
            print("The node's code must define run(conn) returning a list of dicts.", file=sys.stderr)
            return 1
        with psycopg.connect(conninfo, autocommit=False) as conn:
            rows = run(conn)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            print("run(conn) must return a list of dicts (one per row).", file=sys.stderr)
            return 1
        json.dump(rows, sys.stdout, default=str)
        return 0
    except Exception:
        traceback.print_exc(limit=8)
        return 1


if __name__ == "__main__":
    sys.exit(main())
