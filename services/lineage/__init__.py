"""Lineage: which tables and columns feed which.

`extract` reads lineage out of SQL (sqlglot), `store` keeps it in ip_workbench.lineage from every
source (views, build scripts, write queries, edges added by hand), `graph` answers graph questions
(neighbourhood, impact, column sources) in Postgres or, when configured, through the Neo4j mirror
(`neo4j_mirror`)."""
