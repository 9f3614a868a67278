"""Helpers for the gate tests: captures, the CLI as a user runs it, approvers with real keys."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
SSH_KEYGEN = shutil.which("ssh-keygen")


def capture(name: str) -> Path:
    return DATA / name


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """`python -m preflight ...` exactly as a user runs it."""
    return subprocess.run([sys.executable, "-m", "preflight", *map(str, args)], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=60)


def gate_json(*args) -> tuple:
    result = run_cli("gate", *args, "--format", "json")
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
