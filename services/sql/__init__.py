"""SQL: running user SQL safely, and everything around the editor.

`execution` runs statements as the least-privileged query `roles` once the `policy` allows them
(PostgreSQL's own parser decides what each statement is), `split` cuts
scripts into statements, `history` and `snippets` keep what people ran and saved, `export` streams
whole results, `output` renders rows for the CLI and the API, `formatting` pretty-prints and
`completion` lists the warehouse for the editor's autocomplete."""
