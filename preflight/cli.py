"""`preflight`: one entry point, one module per subcommand, imported only when it runs.

Each subcommand module exposes `register(subparsers)`, which adds its parser(s) and sets
`func=run`; `run(args) -> int` returns the exit code. A UsageError becomes one line on stderr and
exit 2; anything else unexpected is a bug and is reported as such.

Output errors: a command whose result could not be written (stdout closed, a broken pipe, EIO,
ENOSPC...) exits OUTPUT_ERROR_EXIT (2), never 0 and never the code of a verdict nobody saw: a
`preflight gate ... | grep -q X` pipeline under `set -o pipefail` must not pass because grep
stopped reading.

Start-up cost: `preflight --help` (and a mistyped command) imports no command module; the lines of
its help come from COMMANDS below. `preflight CMD ...` imports CMD's module only (a test keeps the
help lines here equal to the ones the modules register).
"""
from __future__ import annotations

import argparse
import errno
import importlib
import os
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


OUTPUT_ERROR_EXIT = 2


class OutputError(Exception):
    """The command's output could not be written (stdout closed, broken pipe, disk full...)."""


class _GuardedStdout:
    """Wraps sys.stdout: any failure to write or flush becomes OutputError.

    A closed file descriptor 1 (`preflight gate ... >&-`) leaves Python with sys.stdout = None,
    where print() silently discards everything; the wrapper turns that into an error too."""

    def __init__(self, stream):
        self._stream = stream

    def _fail(self, error: Optional[BaseException]) -> "OutputError":
        reason = getattr(error, "strerror", None) or (str(error) if error else "")
        return OutputError(f"cannot write the result to stdout ({reason or 'stdout is closed'})")

    def write(self, text: str) -> int:
        if self._stream is None:
            raise self._fail(OSError(errno.EBADF, "stdout is closed"))
        try:
            return self._stream.write(text)
        except (OSError, ValueError) as e:  # ValueError: I/O operation on closed file
            raise self._fail(e) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except (OSError, ValueError) as e:
            raise self._fail(e) from None

    def isatty(self) -> bool:
        try:
            return bool(self._stream is not None and self._stream.isatty())
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self._stream is None:
            raise OSError(errno.EBADF, "stdout is closed")
        return self._stream.fileno()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _say(text: str) -> None:
    """One line on stderr; stderr may be closed too, which must not turn into a traceback."""
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass


def _silence_stdout() -> None:
    """After an output error, point fd 1 at /dev/null so that the interpreter's final flush
    does not fail again (which would print a traceback and exit 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
        finally:
            os.close(devnull)
    except OSError:
        pass


def main(argv: Optional[List[str]] = None) -> int:
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    original = sys.stdout
    sys.stdout = _GuardedStdout(original)
    command = "preflight"
    try:
        try:
            parser = build_parser(argv)
            args = parser.parse_args(argv)
            command = f"preflight {args.command}" if getattr(args, "command", None) else command
            if not getattr(args, "func", None):
                parser.print_help(sys.stderr)
                return 2
            try:
                code = int(args.func(args) or 0)
            except UsageError as e:
                _say(f"{command}: error: {e}")
                code = e.exit_code
            sys.stdout.flush()
            return code
        except OutputError as e:
            _say(f"{command}: error: {e}; the result was not delivered, so this run does not "
                 f"count (exit {OUTPUT_ERROR_EXIT}); let the reader consume all of the output, or "
                 "redirect it to a file")
            if original is not None and original is sys.__stdout__:
                _silence_stdout()
            return OUTPUT_ERROR_EXIT
        except KeyboardInterrupt:
            _say(f"{command}: interrupted")
            return 130
    finally:
        sys.stdout = original


if __name__ == "__main__":
    raise SystemExit(main())
