"""`preflight check [PROJECT_DIR] --stack NAME ...`: exit 0 clean, 1 mandatory violations, 2 bad input."""
from __future__ import annotations

import argparse
import sys

from ..errors import UsageError
from ..report import write_output
from .check import DEFAULT_PACK, run_check
from .engine import DEFAULT_TIMEOUT, ProgramFailed
from .formats import FORMATS


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "check", help="run a Pulumi program and the policy pack offline (no AWS credentials, no Pulumi CLI)",
        description="Run a Pulumi Python program as `pulumi preview` does (a dry run; it runs the program's code, "
                    "without your cloud credentials) on a recording engine that makes no cloud calls, and send "
                    "every resource through the policy pack over the same gRPC protocol `pulumi preview "
                    "--policy-pack` uses. Exit 0: no mandatory violation; 1: mandatory violations, or a prod "
                    "stack with remote components check could not inspect; 2: bad input or the program failed. "
                    "See docs/check.md.")
    p.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                   help="folder with Pulumi.yaml (default: current folder)")
    p.add_argument("--stack", "-s", required=True, help="stack name; reads Pulumi.<stack>.yaml")
    p.add_argument("--policy-pack", default=DEFAULT_PACK, metavar="DIR",
                   help="policy pack folder (default: Preflight's own pack)")
    p.add_argument("--policy-pack-config", metavar="FILE",
                   help="JSON policy config, the same file `pulumi preview --policy-pack-config` takes")
    p.add_argument("--format", choices=sorted(FORMATS), default="table", help="output format (default: table)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--stack-outputs", metavar="FILE",
                   help="JSON outputs for the stacks the program references: "
                        "{\"org/project/stack\": {\"name\": value}}; "
                        "without it a StackReference's outputs are unknown, as for a stack that does not exist yet")
    p.add_argument("--allow-uninspected", action="store_true",
                   help="let a prod stack pass although it has remote components (awsx, eks...) whose children "
                        "check cannot see; `pulumi preview --policy-pack` judges those")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"stop the program after this long (default: {int(DEFAULT_TIMEOUT)})")
    p.add_argument("--save-recording", metavar="FILE",
                   help="also write what the offline engine recorded (each resource's inputs as the pack saw them, "
                        "unknowns as Pulumi's sentinel) to FILE as JSON")
    p.add_argument("--timings", action="store_true",
                   help="print how long the program run, pack start-up (it overlaps with the program) and analysis "
                        "took (to stderr)")
    p.set_defaults(func=run)


def _notice(text: str) -> None:
    print(f"preflight check: {text}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    if not args.timeout or args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds, e.g. --timeout 600")
    try:
        result = run_check(args.project_dir, args.stack, args.policy_pack, args.policy_pack_config,
                           stack_outputs_path=args.stack_outputs, timeout=args.timeout,
                           allow_uninspected=args.allow_uninspected, notice=_notice)
    except ProgramFailed as e:
        print(failure_message(e), file=sys.stderr)
        return 2
    if args.save_recording:
        import json
        write_output(json.dumps(result.recording_document(), indent=1), args.save_recording)
    write_output(FORMATS[args.format](result), args.output)
    if args.timings:
        t = result.timings
        print(f"timings: program {t.get('program', 0):.2f}s, pack start-up {t.get('packStartup', 0):.2f}s, "
              f"analysis {t.get('analysis', 0):.2f}s", file=sys.stderr)
    return result.exit_code


def failure_message(e: ProgramFailed) -> str:
    """Say whose fault it is: only the program's own code "fails the same way under `pulumi preview`"."""
    if e.origin == "timeout":
        return f"preflight check: error: {e.details}. {e.hint}".rstrip()
    if e.origin == "program":
        head = "the Pulumi program raised an error in its own code, so nothing was checked"
        tail = "Fix the program (it fails the same way under `pulumi preview`)."
        if e.hint:
            tail += e.hint
    elif e.origin == "library":
        head = "a library the Pulumi program calls raised an error, so nothing was checked"
        tail = (e.hint or "If `pulumi preview` runs this program without this error, the offline engine is the "
                          "cause: please report it (with the error above) at Preflight's issue tracker.")
        if e.hint and "boto3" not in e.hint and "Preflight's interpreter" not in e.hint:
            tail = ("If `pulumi preview` runs this program without this error, the offline engine is the cause: "
                    "give known values with --stack-outputs where it names stack references, or report it at "
                    "Preflight's issue tracker." + e.hint)
    else:
        head = "the offline engine could not run the Pulumi program, so nothing was checked"
        tail = (e.hint.strip() or "This is a limit of `preflight check`, not a fault in the program: run `pulumi "
                                  "preview --policy-pack <preflight>/policypack` instead, and please report it at "
                                  "Preflight's issue tracker.")
    return f"preflight check: error: {head}. The error:\n\n{e.details}\n\n{tail.strip()}"
