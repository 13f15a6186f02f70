"""The REST API (/api/...), mounted in the Reflex app: the same services, for API keys (Service role)."""
