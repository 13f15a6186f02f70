"""Genie (PRD 3.7): questions in plain language answered with SQL that checks itself.

`ask` is the entry point, `context` finds the tables to show the model, `validate` checks the SQL
it writes before anything runs."""
