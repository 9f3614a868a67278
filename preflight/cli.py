"""`preflight`: one entry point, one module per subcommand, imported only when it runs.

Each subcommand module exposes `register(subparsers)`, which adds its parser(s) and sets
`func=run`; `run(args) -> int` returns the exit code. A UsageError becomes one line on stderr and
exit 2; anything else unexpected is a bug and is reported as such.

Start-up cost: `preflight --help` (and a mistyped command) imports no command module; the lines of
its help come from COMMANDS below. `preflight CMD ...` imports CMD's module only (a test keeps the
help lines here equal to the ones the modules register).
"""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
from typing import List, Optional, Sequence, Tuple

from . import __version__
from .errors import UsageError

# (command, module that registers it, its one-line help), in the order `preflight --help` lists them.
COMMANDS: Tuple[Tuple[str, str, str], ...] = (
    ("check", "preflight.check.command",
     "run a Pulumi program and the policy pack offline (no AWS credentials, no Pulumi CLI)"),
    ("policies", "preflight.policies", "list every policy of the pack with its metadata"),
    ("pack-path", "preflight.pack",
     "print the policy pack's folder (for pulumi preview --policy-pack), or copy it"),
    ("gate", "preflight.gate.command", "allow, deny, or require approvals for a plan's destructive changes"),
    ("digest", "preflight.gate.command", "print the line approvers sign for a plan's destructive changes"),
    ("approve", "preflight.gate.command", "sign a plan's digest with your SSH key (wraps ssh-keygen -Y sign)"),
    ("audit", "preflight.audit.command", "audit a live AWS account against the production readiness checklist"),
)


def _command_in(argv: Sequence[str]) -> Optional[str]:
    """The subcommand argv names: the first argument that is not an option (top-level options take no value)."""
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: Optional[Sequence[str]] = None, load_all: bool = False) -> argparse.ArgumentParser:
    """The parser; the module of the command argv names is imported and registers its full parser(s),
    every other command gets a one-line stub (enough for --help and for a mistyped command)."""
    parser = argparse.ArgumentParser(
        prog="preflight",
        description="Make an AWS environment production-ready with Pulumi, and keep it that way.",
        epilog="Run `preflight COMMAND --help` for a command's options.")
    parser.add_argument("--version", action="version", version=f"preflight {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _command_in(sys.argv[1:] if argv is None else argv)
    modules = {name: module for name, module, _ in COMMANDS}
    load = {module for module in modules.values()} if load_all else {modules.get(wanted)}
    registered = set()
    for name, module, help_line in COMMANDS:
        if module in load:
            if module not in registered:
                importlib.import_module(module).register(sub)
                registered.add(module)
        else:
            sub.add_parser(name, help=help_line, add_help=False)
    return parser


def _terminate_as_interrupt(signum, frame) -> None:
    # SIGTERM (CI cancelling a job) must unwind like Ctrl-C so that child processes are shut down.
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    parser = build_parser(argv)
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
