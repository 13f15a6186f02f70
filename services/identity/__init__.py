"""Identity: who is acting and what they may do.

Users and their roles (`users`), passwords, sign-in sessions (`auth`), API keys, the PRD
permission matrix (`rbac`), the append-only audit trail (`audit` writes it, `audit_log` reads
it) and the server operator behind the CLI (`operator`)."""
