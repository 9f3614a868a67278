"""Start-up cost of the CLI: `preflight --help`, `preflight pack-path`, and the import time of each command.

    .venv/bin/python benchmarks/startup.py [--runs 5]

Prints the median wall time of each command as a subprocess (what a user waits for). Not run by CI.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = (
    ("preflight --help", ["-m", "preflight", "--help"]),
    ("preflight pack-path", ["-m", "preflight", "pack-path"]),
    ("import preflight.check.command", ["-c", "import preflight.check.command"]),
    ("import preflight.policies", ["-c", "import preflight.policies"]),
    ("import preflight.gate.command", ["-c", "import preflight.gate.command"]),
    ("import preflight.audit.command", ["-c", "import preflight.audit.command"]),
    ("policy pack import (catalog)", ["-c", "import sys; sys.path.insert(0, 'policypack'); "
                                            "import preflight_policies.catalog as c; c.all_policies()"]),
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for label, argv in CASES:
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, *argv], cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - t)
        print(f"{label:<40} {statistics.median(times) * 1000:7.0f} ms (median of {args.runs})")


if __name__ == "__main__":
    main()
