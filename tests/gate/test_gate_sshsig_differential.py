"""Differential: the gate's allowed_signers reading against the real `ssh-keygen -Y verify`.

For generated allowed_signers files (principal pattern-lists, negations, quoting, options with
every spelling users get wrong, validity times in every format, cert-authority, broken keys,
"revoked" markers) and real signatures made by ssh-keygen (ed25519, ecdsa, rsa; right and wrong
namespace, hash, message; tampered armor), our verdict for `-I PRINCIPAL -n preflight` equals
ssh-keygen's, at a fixed verify time (-O verify-time) so boundaries are exact.
"""
from __future__ import annotations

import calendar
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.gate import sshsig
from tests.gate.gate_helpers import SSH_KEYGEN

VERIFY_TIME = "20250601000000Z"
NOW = calendar.timegm((2025, 6, 1, 0, 0, 0, 0, 0, 0))
MESSAGE = b"preflight-gate v1 project=shop stack=prod changes=1 sha256=" + b"ab" * 32 + b"\n"
PRINCIPALS = ["alice@example.com", "carol@example.com", "dave@example.com", "bob", "*"]


def ssh_keygen_accepts(signers: Path, signature: Path, principal: str) -> bool:
    result = subprocess.run([SSH_KEYGEN, "-Y", "verify", "-f", str(signers), "-I", principal, "-n",
                             "preflight", "-s", str(signature), f"-Overify-time={VERIFY_TIME}"],
                            input=MESSAGE, capture_output=True, timeout=30)
    return result.returncode == 0


@pytest.fixture(scope="module")
def material(approvers, tmp_path_factory):
    """Real signatures: per signer, the right one and ones that must fail for other reasons."""
    folder = tmp_path_factory.mktemp("differential")
    signatures = {}
    for name in ("alice", "carol", "dave", "mallory"):
        key = approvers[name].key
        for variant, namespace, extra, message in [
                ("ok", "preflight", [], MESSAGE), ("sha256", "preflight", ["-O", "hashalg=sha256"], MESSAGE),
                ("git", "git", [], MESSAGE), ("other", "preflight", [], MESSAGE.replace(b"ab", b"cd"))]:
            done = subprocess.run([SSH_KEYGEN, "-q", "-Y", "sign", "-f", str(key), "-n", namespace, *extra],
                                  input=message, capture_output=True, check=True)
            signatures[(name, variant)] = done.stdout
        good = signatures[(name, "ok")]
        lines = good.split(b"\n")
        body = bytearray(lines[-3])
        body[10] = ord("A") if body[10] != ord("A") else ord("B")
        signatures[(name, "tampered")] = b"\n".join(lines[:-3] + [bytes(body)] + lines[-2:])
        signatures[(name, "junk-after")] = good + b"trailing words\n"
        signatures[(name, "leading-space")] = b" " + good
    keys = {name: approvers[name].public_line.split(" ", 1)[1] for name in ("alice", "carol", "dave", "mallory")}
    return folder, signatures, keys


TIMES = ["20200101", "20300101Z", "20250601000000Z", "20250601000001Z", "20250531235959Z", "2030 101",
         "20300231", "19700101Z", "20301301", "2030010", "20300101UTC", "202506010000Z", "20250601T0000",
         "", "20250601000060Z", "99991231"]
NAMESPACES = ["preflight", "*", "*,!preflight", "!preflight,*", "git", "pre*", "git,preflight", "preflight?",
              "", "pre*,!pref*"]

principal_entry = st.sampled_from(["alice@example.com", "carol@example.com", "dave@example.com", "bob",
                                   "*", "*@example.com", "a*", "!alice@example.com", "!*", "?ob",
                                   "ALICE@example.com", "", "@revoked"])


@st.composite
def principal_field(draw):
    entries = draw(st.lists(principal_entry, min_size=1, max_size=3))
    text = ",".join(entries)
    style = draw(st.sampled_from(["plain", "plain", "quoted", "half-quoted"]))
    if style == "quoted":
        return f'"{text}"'
    if style == "half-quoted":
        return f'"{text}'
    return text or "x"


@st.composite
def option(draw):
    kind = draw(st.sampled_from(["ns", "after", "before", "ca", "unknown", "misspelt", "unquoted", "flagcase"]))
    if kind == "ns":
        return f'namespaces="{draw(st.sampled_from(NAMESPACES))}"'
    if kind == "after":
        return f'valid-after="{draw(st.sampled_from(TIMES))}"'
    if kind == "before":
        return f'valid-before="{draw(st.sampled_from(TIMES))}"'
    if kind == "ca":
        return draw(st.sampled_from(["cert-authority", "Cert-Authority", "cert-authorityx"]))
    if kind == "unknown":
        return draw(st.sampled_from(["revoked", "no-touch-required", "foo=\"bar\"", "verify-required"]))
    if kind == "misspelt":
        return f'{draw(st.sampled_from(["valid_before", "valid-before ", "validbefore", "namespace"]))}="20300101"'
    if kind == "unquoted":
        return f"{draw(st.sampled_from(['valid-before', 'namespaces']))}={draw(st.sampled_from(['20300101', 'preflight']))}"
    return f'{draw(st.sampled_from(["NAMESPACES", "Valid-Before"]))}="{draw(st.sampled_from(["preflight", "20300101"]))}"'


@st.composite
def key_field(draw, keys):
    name = draw(st.sampled_from(sorted(keys)))
    key_type, b64 = keys[name].split(" ")[:2]
    form = draw(st.sampled_from(["ok", "ok", "ok", "short-name", "lower-short", "wrong-type", "truncated",
                                 "bad-padding", "rsa-sha2"]))
    if form == "short-name":
        key_type = {"ssh-ed25519": "ED25519", "ssh-rsa": "RSA"}.get(key_type, "ECDSA")
    elif form == "lower-short":
        key_type = {"ssh-ed25519": "ed25519", "ssh-rsa": "rsa"}.get(key_type, "ecdsa")
    elif form == "wrong-type":
        key_type = "ssh-rsa" if key_type != "ssh-rsa" else "ssh-ed25519"
    elif form == "truncated":
        b64 = b64[:-8]
    elif form == "bad-padding":
        b64 = b64.rstrip("=")
    elif form == "rsa-sha2" and key_type == "ssh-rsa":
        key_type = "rsa-sha2-512"
    return f"{key_type} {b64}"


@st.composite
def signers_line(draw, keys):
    kind = draw(st.sampled_from(["entry"] * 6 + ["comment", "blank", "revoked-marker"]))
    if kind == "comment":
        return draw(st.sampled_from(["# approvers", "   # indented comment", "#alice@example.com " + keys["alice"]]))
    if kind == "blank":
        return draw(st.sampled_from(["", "   ", "\t"]))
    principals = draw(principal_field())
    options = draw(st.lists(option(), max_size=3))
    separator = draw(st.sampled_from([",", ",", ", "]))
    key = draw(key_field(keys))
    comment = draw(st.sampled_from(["", "", " laptop", " alice's key"]))
    lead = draw(st.sampled_from(["", "", "  ", "\t"]))
    parts = [lead + principals] + ([separator.join(options)] if options else []) + [key]
    line = " ".join(parts) + comment
    if kind == "revoked-marker":
        line = "@revoked " + line
    return line


@st.composite
def case(draw, keys):
    lines = draw(st.lists(signers_line(keys), min_size=1, max_size=4))
    ending = draw(st.sampled_from(["\n", "\n", "\r\n", ""]))
    text = ending.join(lines) + (ending if draw(st.booleans()) else "")
    signer = draw(st.sampled_from(["alice", "carol", "dave", "mallory"]))
    variant = draw(st.sampled_from(["ok"] * 5 + ["sha256", "git", "other", "tampered", "junk-after",
                                                 "leading-space"]))
    principal = draw(st.sampled_from(PRINCIPALS))
    return text, signer, variant, principal


def test_differential_against_ssh_keygen_verify(material):
    folder, signatures, keys = material
    checked = {"agree": 0, "accepted": 0}

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(case(keys))
    def run(example):
        text, signer, variant, principal = example
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            signers_path = Path(tmp) / "allowed_signers"
            signers_path.write_bytes(text.encode())
            sig_path = Path(tmp) / "digest.txt.sig"
            sig_path.write_bytes(signatures[(signer, variant)])
            signers = sshsig.AllowedSigners.parse(signers_path.read_bytes())
            ours = signers.verify(sig_path.read_bytes(), MESSAGE, principal, "preflight", now=NOW)
            theirs = ssh_keygen_accepts(signers_path, sig_path, principal)
            assert (ours is None) == theirs, (text, signer, variant, principal, ours)
            checked["agree"] += 1
            checked["accepted"] += theirs
            # What the gate counts: the principal names written next to the key that verify.
            try:
                key = sshsig.parse_armored(sig_path.read_bytes()).public_key
            except sshsig.SignatureError:
                return
            for name in signers.candidates(key):
                ours = signers.verify(sig_path.read_bytes(), MESSAGE, name, "preflight", now=NOW)
                assert (ours is None) == ssh_keygen_accepts(signers_path, sig_path, name), (text, name)

    run()
    # The generator must reach both verdicts often enough to mean something.
    assert checked["agree"] >= 100 and 10 <= checked["accepted"] <= checked["agree"] - 10, checked


@pytest.mark.parametrize("line, principal, accepted", [
    ('alice@example.com namespaces="*,!preflight" {alice}', "alice@example.com", False),
    ('alice@example.com valid_before="20300101" {alice}', "alice@example.com", False),
    ('alice@example.com valid-before=20300101 {alice}', "alice@example.com", False),
    ('alice@example.com valid-before="20250531" {alice}', "alice@example.com", False),
    ('alice@example.com valid-before="20250601000000Z" {alice}', "alice@example.com", True),
    ('@revoked alice@example.com {alice}', "alice@example.com", False),
    ('alice@example.com revoked {alice}', "alice@example.com", False),
    ('*@example.com,!alice@example.com {alice}', "alice@example.com", False),
    ('*@example.com {alice}', "alice@example.com", True),
    ('alice@example.com cert-authority {alice}', "alice@example.com", False),
])
def test_known_leniencies_are_gone(material, line, principal, accepted):
    """The cases issue 10 named: each one decided as ssh-keygen decides it."""
    folder, signatures, keys = material
    text = line.format(alice=keys["alice"]) + "\n"
    signers_path = folder / "named_signers"
    signers_path.write_text(text)
    sig_path = folder / "named.sig"
    sig_path.write_bytes(signatures[("alice", "ok")])
    assert ssh_keygen_accepts(signers_path, sig_path, principal) is accepted
    ours = sshsig.AllowedSigners.parse(text).verify(signatures[("alice", "ok")], MESSAGE, principal,
                                                    "preflight", now=NOW)
    assert (ours is None) is accepted, ours
