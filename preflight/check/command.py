"""`preflight check [PROJECT_DIR] --stack NAME ...`: exit 0 clean, 1 mandatory violations, 2 bad input."""
from __future__ import annotations

import argparse
import sys

from ..report import write_output
from .check import DEFAULT_PACK, run_check
from .engine import ProgramFailed
from .formats import FORMATS


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "check", help="run a Pulumi program and the policy pack offline (no AWS credentials, no Pulumi CLI)",
        description="Run a Pulumi Python program on a recording mock engine (no cloud calls) and send every "
                    "resource through the policy pack over the same gRPC protocol `pulumi preview "
                    "--policy-pack` uses. Exit 0: no mandatory violation; 1: mandatory violations; 2: bad input "
                    "or the program failed.")
    p.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                   help="folder with Pulumi.yaml (default: current folder)")
    p.add_argument("--stack", "-s", required=True, help="stack name; reads Pulumi.<stack>.yaml")
    p.add_argument("--policy-pack", default=DEFAULT_PACK, metavar="DIR",
                   help="policy pack folder (default: Preflight's own pack)")
    p.add_argument("--policy-pack-config", metavar="FILE",
                   help="JSON policy config, the same file `pulumi preview --policy-pack-config` takes")
    p.add_argument("--format", choices=sorted(FORMATS), default="table", help="output format (default: table)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--timings", action="store_true",
                   help="print how long the program run, pack start-up and analysis took (to stderr)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        result = run_check(args.project_dir, args.stack, args.policy_pack, args.policy_pack_config)
    except ProgramFailed as e:
        print(f"preflight check: error: the Pulumi program failed, so nothing was checked. Its error:\n\n"
              f"{e.details}\n\nFix the program (it fails the same way under `pulumi preview`).", file=sys.stderr)
        return 2
    write_output(FORMATS[args.format](result), args.output)
    if args.timings:
        t = result.timings
        print(f"timings: program {t.get('program', 0):.2f}s, pack start-up {t.get('packStartup', 0):.2f}s, "
              f"analysis {t.get('analysis', 0):.2f}s", file=sys.stderr)
    return 1 if result.mandatory else 0
