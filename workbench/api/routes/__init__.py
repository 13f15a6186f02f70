"""One router per domain: sql, catalog, lineage, genie, and meta (health)."""
