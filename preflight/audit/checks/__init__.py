"""Audit checks, one module per concern; catalog.py collects them explicitly."""
