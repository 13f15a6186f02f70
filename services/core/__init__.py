"""Core: what every domain stands on and nothing above it reaches down past.

Settings (`config`), the database pool (`db`), the error tree (`errors`), migrations, warehouse
layer names (`warehouse`), identifier quoting and table-name resolution (`identifiers`,
`table_names`), rate limiting and the scheduler (which runs the jobs domains register). Core
imports no domain."""
