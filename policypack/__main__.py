"""Preflight policy pack entry point: the CLI runs this file (python -m pulumi.policy ... <pack dir>).

It only assembles the pack; policies live in preflight_policies/rules, the catalog collects them.
"""
import os
import sys

from preflight_policies.catalog import build_pack

build_pack().serve()
# Stopped cleanly (SIGTERM or SIGINT, or the engine went away). Exit as pulumi.policy would after a program
# that returned (streams flushed, status 0), without the interpreter's teardown of every loaded module, which
# the engine waits for at the end of each preview and which takes 0.1-0.25 s here (benchmarks/check_overhead.py).
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
