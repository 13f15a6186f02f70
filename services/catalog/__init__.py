"""Catalog: the warehouse's tables and columns as Workbench knows them.

`sync` brings ip_workbench.tables in line with pg_catalog (and refreshes search documents and
lineage), `tables` reads and edits entries, `browse` lists them for the page, `search` ranks them
(names, full text, meaning), `ddl` exports CREATE statements, `favorites` stars them and
`postgrest` parses the API's PostgREST-style filters. Its scheduled job is in `jobs`."""
