"""`workbench`: the command line, an adapter over the same services as the UI and the API.

One module per command group (`db`, `setup`, `user`, `apikey`, `sql`, `catalog`, `lineage`, `genie`,
`demo`), assembled in `main.py`. `--json` output uses the API's response models (`workbench/responses`)."""

from workbench.cli.main import main

__all__ = ["main"]
