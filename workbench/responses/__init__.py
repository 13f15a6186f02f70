"""Response models shared by the REST API and the CLI's `--json`: one shape per result, so the two cannot
drift. Each model builds itself from a service result (`of(...)`); the API returns it, the CLI prints
`model_dump_json`."""
