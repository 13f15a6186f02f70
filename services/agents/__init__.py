"""Agents (PRD 3.7): the agent registry, tool-using runs with budgets, and their traces. Empty until
its issue lands."""
