"""Preflight's command line tool: check (offline preview + policy pack), gate, audit, policies."""
__version__ = "0.1.0"
