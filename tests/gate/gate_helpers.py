"""Helpers for the gate tests: captures, the CLI as a user runs it, approvers with real keys."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
SSH_KEYGEN = shutil.which("ssh-keygen")


def capture(name: str) -> Path:
    return DATA / name


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """`python -m preflight ...` exactly as a user runs it."""
    return subprocess.run([sys.executable, "-m", "preflight", *map(str, args)], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=60)


def call_cli(*args) -> subprocess.CompletedProcess:
    """The same CLI in this process (fast); tests of exit codes as users see them use run_cli."""
    import contextlib
    import io

    from preflight.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:  # argparse usage errors
            code = e.code if isinstance(e.code, int) else 2
    return subprocess.CompletedProcess(["preflight", *map(str, args)], code, out.getvalue(), err.getvalue())


def gate_json(*args) -> tuple:
    result = call_cli("gate", *args, "--format", "json")
    return result.returncode, json.loads(result.stdout), result.stderr


@dataclass
class Approver:
    principal: str
    key: Path          # private key

    @property
    def public_line(self) -> str:
        key_type, key_b64 = self.key.with_suffix(".pub").read_text().split()[:2]
        return f"{self.principal} {key_type} {key_b64}"

    def sign(self, message_file: Path, namespace: str = "preflight") -> Path:
        subprocess.run([SSH_KEYGEN, "-q", "-Y", "sign", "-f", str(self.key), "-n", namespace,
                        str(message_file)], check=True, capture_output=True)
        return message_file.with_name(message_file.name + ".sig")
