"""The REST API (FastAPI, mounted at /api by the Reflex app): `app` assembles it, `deps` authenticates,
`routes/` has one module per domain. Responses use the models in `workbench/responses`."""
