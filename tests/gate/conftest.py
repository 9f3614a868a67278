"""Fixtures for the gate tests: real OpenSSH keys made with ssh-keygen in a temporary folder."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict

import pytest

from tests.gate.gate_helpers import SSH_KEYGEN, Approver


@pytest.fixture(scope="session")
def approvers(tmp_path_factory) -> Dict[str, Approver]:
    """Real OpenSSH keys: alice/bob ed25519, carol ecdsa, dave rsa; mallory is never listed."""
    if SSH_KEYGEN is None:
        pytest.fail("ssh-keygen is required for the approval tests (apt-get install openssh-client)")
    keys = tmp_path_factory.mktemp("keys")
    specs = {"alice@example.com": ["-t", "ed25519"], "bob@example.com": ["-t", "ed25519"],
             "carol@example.com": ["-t", "ecdsa", "-b", "256"],
             "dave@example.com": ["-t", "rsa", "-b", "2048"],
             "mallory@example.com": ["-t", "ed25519"]}
    out = {}
    for principal, spec in specs.items():
        name = principal.split("@")[0]
        path = keys / f"id_{name}"
        subprocess.run([SSH_KEYGEN, "-q", *spec, "-N", "", "-C", principal, "-f", str(path)], check=True)
        out[name] = Approver(principal, path)
    return out


@pytest.fixture(scope="session")
def signers_file(approvers, tmp_path_factory) -> Path:
    """allowed_signers listing everyone except mallory."""
    path = tmp_path_factory.mktemp("signers") / "allowed_signers"
    path.write_text("# who may approve destructive changes in prod\n" + "".join(
        approvers[n].public_line + "\n" for n in ("alice", "bob", "carol", "dave")))
    return path
