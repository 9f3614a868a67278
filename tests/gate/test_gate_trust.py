"""Approvals and signer files the gate must not trust, hang on, or print raw (issue 10: 8, 9, 11)."""
from __future__ import annotations

import json
import os
import shutil

from tests.gate.gate_helpers import call_cli, capture, run_cli
from tests.gate.test_gate_approvals import approvals_dir, gate

PLAN = capture("prod-delete-protected-rds.json")


def _signers(tmp_path, approvers, template: str):
    path = tmp_path / "allowed_signers"
    keys = {n: approvers[n].public_line.split(" ", 1)[1] for n in ("alice", "bob")}
    path.write_text(template.format(**keys))
    return path


def test_openssh_refused_lines_never_count(tmp_path, approvers):
    """namespaces negation, a misspelt or unquoted validity option, a revoked marker: ssh-keygen
    refuses each of these lines, so none of these approvals may count."""
    signers = _signers(tmp_path, approvers,
                       'alice@example.com namespaces="*,!preflight" {alice}\n'
                       'bob@example.com valid_before="20200101" {bob}\n')
    folder = approvals_dir(tmp_path, approvers, ["alice", "bob"])
    code, verdict, _ = gate(folder, signers)
    assert code == 1 and verdict["approvals"]["counted"] == [], verdict["approvals"]
    signers = _signers(tmp_path, approvers, 'alice@example.com valid-before=20200101 {alice}\n'
                                            '@revoked bob@example.com {bob}\n')
    code, verdict, _ = gate(folder, signers)
    assert code == 2 and "no usable approver" in verdict["error"]


def test_expired_approver_stops_counting(tmp_path, approvers):
    signers = _signers(tmp_path, approvers, 'alice@example.com valid-before="20200101" {alice}\n'
                                            'bob@example.com {bob}\n')
    code, verdict, _ = gate(approvals_dir(tmp_path, approvers, ["alice", "bob"]), signers)
    assert code == 1 and [a["principal"] for a in verdict["approvals"]["counted"]] == ["bob@example.com"]
    assert any("expired" in r["reason"] for r in verdict["approvals"]["rejected"])


def test_cert_authority_line_does_not_count_a_plain_signature(tmp_path, approvers):
    signers = _signers(tmp_path, approvers, '*@example.com cert-authority {alice}\nbob@example.com {bob}\n')
    code, verdict, _ = gate(approvals_dir(tmp_path, approvers, ["alice", "bob"]), signers)
    assert code == 1 and [a["principal"] for a in verdict["approvals"]["counted"]] == ["bob@example.com"]
    assert any("cert-authority" in r["reason"] for r in verdict["approvals"]["rejected"])


def test_approve_never_writes_through_a_planted_symlink(tmp_path, approvers):
    out = tmp_path / "approvals"
    first = run_cli("approve", PLAN, "--stack", "prod", "--key", approvers["alice"].key, "--out", out)
    assert first.returncode == 0, first.stderr
    names = sorted(p.name for p in out.iterdir())
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    for name in names:
        (out / name).unlink()
        os.symlink(victim, out / name)
    again = run_cli("approve", PLAN, "--stack", "prod", "--key", approvers["alice"].key, "--out", out)
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    assert victim.read_text() == "precious\n"
    # only one of the two names planted: still refused, still nothing written through it
    (out / names[0]).unlink()
    third = run_cli("approve", PLAN, "--stack", "prod", "--key", approvers["alice"].key, "--out", out)
    assert third.returncode == 2 and victim.read_text() == "precious\n"


def test_fifo_device_link_and_huge_files_are_rejected_not_read(tmp_path, approvers, signers_file):
    folder = approvals_dir(tmp_path, approvers, ["alice"])
    os.mkfifo(folder / "x.sig")                       # would hang a plain open()
    os.symlink("/dev/zero", folder / "zero.sig")      # would exhaust memory on read()
    outside = tmp_path / "outside.sig"
    shutil.copy(folder / "alice.txt.sig", outside)
    os.symlink(outside, folder / "link.sig")          # a link out of the folder
    (folder / "huge.sig").write_bytes(b"-----BEGIN SSH SIGNATURE-----\n" + b"A" * (1 << 20))
    result = run_cli("gate", PLAN, "--stack", "prod", "--approvals", folder, "--signers", signers_file,
                     "--format", "json")
    assert result.returncode == 1, result.stderr
    verdict = json.loads(result.stdout)
    reasons = {r["file"]: r["reason"] for r in verdict["approvals"]["rejected"]}
    assert "not a regular file" in reasons["x.sig"]
    assert "symbolic link" in reasons["zero.sig"] and "symbolic link" in reasons["link.sig"]
    assert "more than" in reasons["huge.sig"]
    assert [a["principal"] for a in verdict["approvals"]["counted"]] == ["alice@example.com"]


def test_signers_file_that_is_a_fifo_or_device_exits_2(tmp_path, signers_file):
    folder = tmp_path / "approvals"
    folder.mkdir()
    fifo = tmp_path / "signers.fifo"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        result = run_cli("gate", PLAN, "--stack", "prod", "--approvals", folder, "--signers", path)
        assert result.returncode == 2 and "not a regular file" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_names_from_signers_and_approvals_reach_the_terminal_escaped(tmp_path, approvers):
    key = approvers["alice"].public_line.split(" ", 1)[1]
    signers = tmp_path / "allowed_signers"
    signers.write_bytes(f"alice\x1b[2J\x07@example.com {key}\n".encode())
    folder = approvals_dir(tmp_path, approvers, ["alice"])
    shutil.copy(folder / "alice.txt.sig", folder / "evil\x1b]0;owned\x07\n.sig")
    result = call_cli("gate", PLAN, "--stack", "prod", "--approvals", folder, "--signers", signers)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "alice\\x1b[2J\\x07@example.com" in result.stdout and "evil\\x1b]0;owned\\x07\\x0a.sig" in result.stdout


def test_signers_problems_are_one_plain_line(tmp_path):
    folder = tmp_path / "approvals"
    folder.mkdir()
    bad = tmp_path / "bad_signers"
    bad.write_bytes(b"\xff\xfe alice ssh-ed25519 AAAA\x1b[31m\n")
    result = run_cli("gate", PLAN, "--stack", "prod", "--approvals", folder, "--signers", bad)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "\x1b" not in result.stderr
