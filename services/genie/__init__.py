"""Genie: questions in plain language answered with SQL that checks itself (PRD 3.7)."""
