"""Workbench services: every behaviour of the app, callable without Reflex."""
