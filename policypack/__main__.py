"""Preflight policy pack entry point: the CLI runs this file (python -m pulumi.policy ... <pack dir>).

It only assembles the pack; policies live in preflight_policies/rules, the catalog collects them.
"""
from preflight_policies.catalog import build_pack

build_pack().serve()
