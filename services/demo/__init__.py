"""The finance demo warehouse: deterministic Odoo-like events (`generate`) and the load that builds
bronze → silver → gold → platinum from them with the SQL files in `sql/` (`load`)."""
