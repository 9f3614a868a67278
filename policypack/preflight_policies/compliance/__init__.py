"""Compliance maps, kept apart from the checks (one JSON data file per framework version)."""
