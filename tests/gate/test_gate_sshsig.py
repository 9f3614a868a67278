"""The pure-Python SSHSIG verifier and allowed_signers parser against real ssh-keygen output."""
from __future__ import annotations

import subprocess

import pytest

from tests.gate.gate_helpers import SSH_KEYGEN
from preflight.gate import sshsig


def _sign(approver, tmp_path, message: bytes, *options):
    path = tmp_path / "message.txt"
    path.write_bytes(message)
    subprocess.run([SSH_KEYGEN, "-q", "-Y", "sign", "-f", str(approver.key), "-n", "preflight",
                    *options, str(path)], check=True, capture_output=True)
    return sshsig.parse_armored((tmp_path / "message.txt.sig").read_text())


@pytest.mark.parametrize("name, key_type", [("alice", "ssh-ed25519"), ("carol", "ecdsa-sha2-nistp256"),
                                            ("dave", "ssh-rsa")])
def test_verifies_each_key_type_and_rejects_other_messages(tmp_path, approvers, name, key_type):
    signature = _sign(approvers[name], tmp_path, b"approve this\n")
    assert signature.public_key.key_type == key_type and signature.hash_algorithm == "sha512"
    signature.verify(b"approve this\n", "preflight")
    with pytest.raises(sshsig.SignatureError, match="does not match"):
        signature.verify(b"approve that\n", "preflight")
    with pytest.raises(sshsig.SignatureError, match="namespace"):
        signature.verify(b"approve this\n", "git")


def test_sha256_hash_option_is_supported(tmp_path, approvers):
    signature = _sign(approvers["alice"], tmp_path, b"x\n", "-O", "hashalg=sha256")
    assert signature.hash_algorithm == "sha256"
    signature.verify(b"x\n", "preflight")


def test_fingerprint_matches_ssh_keygen(approvers):
    pub = approvers["alice"].key.with_suffix(".pub")
    printed = subprocess.run([SSH_KEYGEN, "-l", "-f", str(pub)], capture_output=True, text=True,
                             check=True).stdout.split()[1]
    key = sshsig.AllowedSigners.parse(approvers["alice"].public_line).lines[0].public_key
    assert key.fingerprint == printed


def test_allowed_signers_forms(approvers):
    alice = approvers["alice"].public_line.split(" ", 1)[1]
    carol = approvers["carol"].public_line.split(" ", 1)[1]
    text = ("# comment\n\n"
            f"alice@example.com,alice@corp.example {alice} alice's laptop\n"
            f'carol@example.com namespaces="preflight,git",valid-after="20200101" {carol}\n')
    alice_entry, carol_entry = sshsig.AllowedSigners.parse(text).lines
    assert alice_entry.names == ["alice@example.com", "alice@corp.example"] and alice_entry.error is None
    assert alice_entry.options.namespaces is None
    assert carol_entry.options.namespaces == "preflight,git" and carol_entry.options.valid_after > 0


@pytest.mark.parametrize("line, message", [
    ("alice@example.com", "expected"),
    ("alice@example.com ssh-dss AAAAB3NzaC1kc3M=", "not a usable OpenSSH public key"),
    ("alice@example.com ssh-ed25519 %%%%", "not a usable"),
    ('alice@example.com namespaces="preflight ssh-ed25519 AAAA', "unterminated quote"),
    ("alice@example.com valid_before=\"20300101\" {alice}", "unknown option 'valid_before'"),
    ("alice@example.com valid-before=20300101 {alice}", "missing start quote"),
    ("alice@example.com namespaces=\"a\",namespaces=\"b\" {alice}", "multiple"),
    ("alice@example.com valid-before=\"2030\" {alice}", "bad time"),
])
def test_lines_openssh_refuses_are_refused_and_named(approvers, line, message):
    alice = approvers["alice"].public_line.split(" ", 1)[1]
    signers = sshsig.AllowedSigners.parse(f"# header\n{line.format(alice=alice)}\n")
    (entry,) = signers.lines
    assert entry.error and message in entry.error and entry.number == 2
    assert not signers.usable() and "line 2" in signers.problems[0]


def test_cert_authority_lines_never_count_for_a_plain_key(approvers):
    alice = approvers["alice"].public_line.split(" ", 1)[1]
    signers = sshsig.AllowedSigners.parse(f"*@example.com cert-authority {alice}\n")
    key = signers.lines[0].public_key
    assert signers.candidates(key) == [] and not signers.usable()
    assert "cert-authority" in signers.check(key, "alice@example.com", "preflight")
    assert "certificates" in signers.problems[0]


def test_key_type_must_match_the_key(approvers):
    alice_b64 = approvers["alice"].public_line.split()[2]
    (entry,) = sshsig.AllowedSigners.parse(f"alice ssh-rsa {alice_b64}\n").lines
    assert entry.error and entry.public_key is None


@pytest.mark.parametrize("text, message", [
    ("hello", "not an SSH signature"),
    ("-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n", "base64"),
    ("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n", "truncated"),
])
def test_malformed_signatures(text, message):
    with pytest.raises(sshsig.SignatureError, match=message):
        sshsig.parse_armored(text)
