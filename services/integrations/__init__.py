"""Integrations (PRD 3.9): secrets, connectors (Odoo, n8n, Apprise channels). Empty until its issue
lands."""
