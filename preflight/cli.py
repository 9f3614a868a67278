"""`preflight`: one entry point, one module per subcommand.

Each subcommand module exposes `register(subparsers)`, which adds its parser and sets
`func=run`; `run(args) -> int` returns the exit code. A UsageError becomes one line on stderr and
exit 2; anything else unexpected is a bug and is reported as such.
"""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
from typing import List, Optional

from . import __version__
from .errors import UsageError

# Subcommand modules, in the order `preflight --help` lists them.
COMMAND_MODULES = (
    "preflight.check.command",
    "preflight.policies",
    "preflight.gate.command",
    "preflight.audit.command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="preflight",
        description="Make an AWS environment production-ready with Pulumi, and keep it that way.",
        epilog="Run `preflight COMMAND --help` for a command's options.")
    parser.add_argument("--version", action="version", version=f"preflight {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name and name.startswith(e.name):
                continue  # a command not built yet
            raise
        module.register(sub)
    return parser


def _terminate_as_interrupt(signum, frame) -> None:
    # SIGTERM (CI cancelling a job) must unwind like Ctrl-C so that child processes are shut down.
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        print(f"preflight {args.command}: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"preflight {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
