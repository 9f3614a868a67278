"""Approvals made with real ssh-keygen keys and signatures, counted by `preflight gate`."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.gate.gate_helpers import SSH_KEYGEN, call_cli, capture, gate_json, run_cli

PLAN = capture("prod-delete-protected-rds.json")
OTHER_PLAN = capture("prod-replace-dynamodb.json")


def digest_file(folder, plan=PLAN, name="digest.txt"):
    result = call_cli("digest", plan, "--stack", "prod")
    assert result.returncode == 0 and result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    path = folder / name
    path.write_text(result.stdout)
    return path


def approvals_dir(tmp_path, approvers, names, plan=PLAN):
    """Each approver signs the digest in their own folder, as they would on their machine."""
    folder = tmp_path / "approvals"
    folder.mkdir(exist_ok=True)
    for name in names:
        own = tmp_path / f"home-{name}"
        own.mkdir(exist_ok=True)
        signature = approvers[name].sign(digest_file(own, plan))
        shutil.copy(signature, folder / f"{name}.txt.sig")
        shutil.copy(signature.with_suffix(""), folder / f"{name}.txt")
    return folder


def gate(folder, signers_file, plan=PLAN, *extra):
    return gate_json(plan, "--stack", "prod", "--approvals", folder, "--signers", signers_file, *extra)


def test_zero_approvals_needs_approval(tmp_path, signers_file):
    folder = tmp_path / "approvals"
    folder.mkdir()
    code, verdict, _ = gate(folder, signers_file)
    assert code == 1 and verdict["decision"] == "needs-approval"
    assert verdict["approvals"]["counted"] == [] and verdict["approvals"]["rejected"] == []


def test_one_approval_is_not_enough(tmp_path, approvers, signers_file):
    code, verdict, _ = gate(approvals_dir(tmp_path, approvers, ["alice"]), signers_file)
    assert code == 1 and verdict["decision"] == "needs-approval"
    assert [a["principal"] for a in verdict["approvals"]["counted"]] == ["alice@example.com"]
    assert "1 of 2 required approvals (alice@example.com)" in verdict["reasons"]


def test_two_distinct_approvers_allow_it(tmp_path, approvers, signers_file):
    code, verdict, _ = gate(approvals_dir(tmp_path, approvers, ["alice", "bob"]), signers_file)
    assert code == 0 and verdict["decision"] == "allowed" and verdict["allowed"] is True
    assert sorted(a["principal"] for a in verdict["approvals"]["counted"]) == [
        "alice@example.com", "bob@example.com"]
    assert all(a["key"].startswith("SHA256:") for a in verdict["approvals"]["counted"])


@pytest.mark.parametrize("names", [["carol", "dave"]], ids=["ecdsa+rsa"])
def test_ecdsa_and_rsa_signatures_count(tmp_path, approvers, signers_file, names):
    code, verdict, _ = gate(approvals_dir(tmp_path, approvers, names), signers_file)
    assert code == 0, verdict["approvals"]


def test_required_can_be_raised(tmp_path, approvers, signers_file):
    folder = approvals_dir(tmp_path, approvers, ["alice", "bob"])
    code, verdict, _ = gate(folder, signers_file, PLAN, "--required", "3")
    assert code == 1 and "2 of 3 required approvals" in verdict["reasons"][-1]


def test_approval_for_another_plan_never_counts(tmp_path, approvers, signers_file):
    folder = approvals_dir(tmp_path, approvers, ["alice", "bob"], plan=OTHER_PLAN)
    code, verdict, _ = gate(folder, signers_file)
    assert code == 1 and verdict["approvals"]["counted"] == []
    rejected = verdict["approvals"]["rejected"]
    assert len(rejected) == 2
    assert all("approves a different plan" in r["reason"] for r in rejected)
    # without the signed text next to it, the gate still refuses it
    for text in folder.glob("*.txt"):
        text.unlink()
    code, verdict, _ = gate(folder, signers_file)
    assert code == 1
    assert all("does not match this plan's digest" in r["reason"] for r in verdict["approvals"]["rejected"])


def test_unknown_signer_never_counts(tmp_path, approvers, signers_file):
    folder = approvals_dir(tmp_path, approvers, ["alice", "mallory"])
    code, verdict, _ = gate(folder, signers_file)
    assert code == 1 and len(verdict["approvals"]["counted"]) == 1
    (rejected,) = verdict["approvals"]["rejected"]
    assert rejected["file"] == "mallory.txt.sig"
    assert "not in the allowed signers file" in rejected["reason"]


def test_same_person_twice_counts_once(tmp_path, approvers, signers_file):
    folder = approvals_dir(tmp_path, approvers, ["alice"])
    shutil.copy(folder / "alice.txt.sig", folder / "alice-again.txt.sig")
    code, verdict, _ = gate(folder, signers_file)
    assert code == 1 and len(verdict["approvals"]["counted"]) == 1
    assert "already approved" in verdict["approvals"]["rejected"][0]["reason"]


def test_one_person_listed_under_two_names_counts_once(tmp_path, approvers):
    # The same key listed twice must not become two approvers.
    signers = tmp_path / "allowed_signers"
    alice_key = approvers["alice"].public_line.split(" ", 1)[1]
    signers.write_text(f"alice@example.com {alice_key}\nalice-alt@example.com {alice_key}\n")
    folder = approvals_dir(tmp_path, approvers, ["alice"])
    shutil.copy(folder / "alice.txt.sig", folder / "alice2.txt.sig")
    code, verdict, _ = gate(folder, signers)
    assert code == 1 and len(verdict["approvals"]["counted"]) == 1


def test_tampered_and_garbage_signatures_are_rejected(tmp_path, approvers, signers_file):
    folder = approvals_dir(tmp_path, approvers, ["alice", "bob"])
    lines = (folder / "bob.txt.sig").read_text().splitlines()
    body = list(lines[-2])  # the last body line holds the signature bytes
    body[5] = "A" if body[5] != "A" else "B"
    lines[-2] = "".join(body)
    (folder / "bob.txt.sig").write_text("\n".join(lines) + "\n")
    (folder / "junk.sig").write_text("approved!\n")
    code, verdict, _ = gate(folder, signers_file)
    assert code == 1 and [a["principal"] for a in verdict["approvals"]["counted"]] == ["alice@example.com"]
    reasons = {r["file"]: r["reason"] for r in verdict["approvals"]["rejected"]}
    assert "not an SSH signature" in reasons["junk.sig"]
    assert reasons["bob.txt.sig"].startswith("bad signature")


def test_signature_in_another_namespace_is_rejected(tmp_path, approvers, signers_file):
    folder = tmp_path / "approvals"
    folder.mkdir()
    signature = approvers["alice"].sign(digest_file(folder), namespace="git")
    code, verdict, _ = gate(folder, signers_file)
    assert code == 1 and "namespace 'git'" in verdict["approvals"]["rejected"][0]["reason"]
    assert signature.exists()


def test_signers_options_restrict_namespace_and_validity(tmp_path, approvers):
    signers = tmp_path / "allowed_signers"
    alice_key = approvers["alice"].public_line.split(" ", 1)[1]
    bob_key = approvers["bob"].public_line.split(" ", 1)[1]
    signers.write_text(f'alice@example.com namespaces="git" {alice_key}\n'
                       f'bob@example.com valid-before="20200101" {bob_key}\n')
    folder = approvals_dir(tmp_path, approvers, ["alice", "bob"])
    code, verdict, _ = gate(folder, signers)
    assert code == 1 and verdict["approvals"]["counted"] == []
    reasons = " ".join(r["reason"] for r in verdict["approvals"]["rejected"])
    assert "namespaces=" in reasons and "valid-before" in reasons


def test_table_output_lists_counted_and_rejected(tmp_path, approvers, signers_file):
    folder = approvals_dir(tmp_path, approvers, ["alice", "mallory"])
    result = call_cli("gate", PLAN, "--stack", "prod", "--approvals", folder, "--signers", signers_file)
    assert result.returncode == 1
    assert "approvals counted (1): alice@example.com" in result.stdout
    assert "rejected mallory.txt.sig" in result.stdout


def test_approvals_input_errors_exit_2(tmp_path, signers_file):
    folder = tmp_path / "approvals"
    folder.mkdir()
    result = run_cli("gate", PLAN, "--stack", "prod", "--approvals", folder)
    assert result.returncode == 2 and "--approvals needs --signers" in result.stderr
    result = call_cli("gate", PLAN, "--stack", "prod", "--approvals", tmp_path / "nope", "--signers", signers_file)
    assert result.returncode == 2 and "is not a directory" in result.stderr
    result = call_cli("gate", PLAN, "--stack", "prod", "--approvals", folder, "--signers", tmp_path / "nope")
    assert result.returncode == 2 and "allowed_signers" in result.stderr
    bad = tmp_path / "bad_signers"
    bad.write_text("alice@example.com ssh-ed25519 not-base64!!\n")
    result = run_cli("gate", PLAN, "--stack", "prod", "--approvals", folder, "--signers", bad)
    assert result.returncode == 2 and "line 1" in result.stderr and "Traceback" not in result.stderr


def test_ssh_keygen_verifies_the_same_bytes_the_gate_does(tmp_path, approvers, signers_file):
    """Interop: what the gate accepts, `ssh-keygen -Y verify` accepts, and vice versa."""
    digest = digest_file(tmp_path)
    signature = approvers["carol"].sign(digest)
    verify = [SSH_KEYGEN, "-Y", "verify", "-f", str(signers_file), "-n", "preflight", "-s", str(signature)]
    ok = subprocess.run([*verify, "-I", "carol@example.com"], stdin=digest.open("rb"), capture_output=True)
    assert ok.returncode == 0
    other = subprocess.run([*verify, "-I", "carol@example.com"],
                           input=call_cli("digest", OTHER_PLAN, "--stack", "prod").stdout.encode(),
                           capture_output=True)
    assert other.returncode != 0


def test_preflight_approve_wraps_ssh_keygen(tmp_path, approvers, signers_file):
    out = tmp_path / "approvals"
    for name in ("alice", "dave"):
        result = run_cli("approve", PLAN, "--stack", "prod", "--key", approvers[name].key, "--out", out)
        assert result.returncode == 0, result.stderr
        assert "orders-db" in result.stderr  # the approver sees what they sign
        assert "signed preflight-gate v1" in result.stdout
    assert len(list(out.glob("*.txt.sig"))) == 2
    code, verdict, _ = gate(out, signers_file)
    assert code == 0 and verdict["decision"] == "allowed"


def test_approve_input_errors_exit_2(tmp_path, approvers):
    result = call_cli("approve", PLAN, "--stack", "prod", "--key", tmp_path / "nokey", "--out", tmp_path)
    assert result.returncode == 2 and "does not exist" in result.stderr
    not_a_key = tmp_path / "not_a_key"
    not_a_key.write_text("hello\n")
    result = call_cli("approve", PLAN, "--stack", "prod", "--key", not_a_key, "--out", tmp_path / "out")
    assert result.returncode == 2 and "ssh-keygen could not sign" in result.stderr


def test_approvals_for_a_re_planned_change_stop_counting(tmp_path, approvers, signers_file):
    """Approve one plan; a later plan that destroys one more thing needs fresh approvals."""
    import json
    folder = approvals_dir(tmp_path, approvers, ["alice", "bob"])
    document = json.loads(PLAN.read_text())
    extra = json.loads(json.dumps(document["steps"][1]).replace("orders-db", "orders-db-replica"))
    document["steps"].append(extra)
    document["changeSummary"]["delete"] = 2
    replanned = tmp_path / "replanned.json"
    replanned.write_text(json.dumps(document))
    code, verdict, _ = gate(folder, signers_file, replanned)
    assert code == 1 and verdict["approvals"]["counted"] == []


def test_exit_codes_as_a_user_runs_them(tmp_path, approvers, signers_file):
    """The CI step: a subprocess per exit code, with real approvals for the allowed case."""
    digest = run_cli("digest", PLAN, "--stack", "prod")
    assert digest.returncode == 0 and digest.stdout.startswith("preflight-gate v1 ")
    folder = tmp_path / "approvals"
    folder.mkdir()
    base = ["gate", PLAN, "--stack", "prod", "--approvals", folder, "--signers", signers_file]
    assert run_cli(*base).returncode == 1
    for name in ("alice", "carol"):
        own = tmp_path / name
        own.mkdir()
        text = own / "digest.txt"
        text.write_text(digest.stdout)
        shutil.copy(approvers[name].sign(text), folder / f"{name}.sig")
    allowed = run_cli(*base)
    assert allowed.returncode == 0, allowed.stdout
    assert "ALLOWED" in allowed.stdout and "approved by alice@example.com, carol@example.com" in allowed.stdout
    assert run_cli(*base, "--required", "abc").returncode == 2


# --- allowed_signers lines that can never count an approval: warned about, with the fix ---------

def _fingerprint(approver):
    result = subprocess.run([SSH_KEYGEN, "-l", "-f", str(approver.key.with_suffix(".pub"))],
                            capture_output=True, text=True, check=True)
    return result.stdout.split()[1]


@pytest.mark.parametrize("line, message, fix", [
    ("bob@example.com valid_before=\"20300101\" {bob}", "unknown option 'valid_before'", "fix the line"),
    ("bob@example.com namespaces=\"git\" {bob}", "does not include 'preflight'", "add preflight"),
    ("bob@example.com valid-before=\"20200101Z\" {bob}", "expired", "renew valid-before"),
    ("bob@example.com valid-after=\"20990101Z\" {bob}", "not valid yet", "valid-after"),
    ("*@example.com cert-authority {bob}", "cert-authority", "list each approver's own key"),
])
def test_an_unusable_signer_line_is_a_warning_naming_the_key(tmp_path, approvers, line, message, fix):
    bob_key = approvers["bob"].public_line.split(" ", 1)[1]
    signers = tmp_path / "allowed_signers"
    signers.write_text(approvers["alice"].public_line + "\n" + line.format(bob=bob_key) + "\n")
    folder = approvals_dir(tmp_path, approvers, ["alice", "bob"])
    code, verdict, _ = gate(folder, signers)
    assert code == 1 and verdict["decision"] == "needs-approval"   # bob's approval does not count
    (warning,) = [w for w in verdict["warnings"] if "line 2" in w]
    assert warning.startswith(f"{signers} line 2 (principal ") and message in warning and fix in warning
    assert f"key {_fingerprint(approvers['bob'])}" in warning
    table = call_cli("gate", PLAN, "--stack", "prod", "--approvals", folder, "--signers", signers)
    assert f"warning: {warning}" in table.stdout
    for out in (json.dumps(verdict), table.stdout):
        assert bob_key.split()[1] not in out   # the key itself is never printed, only its fingerprint


def test_a_malformed_key_is_warned_about_without_echoing_it(tmp_path, approvers):
    broken = approvers["bob"].public_line.split()
    broken[2] = broken[2][:20] + "!" + broken[2][21:]
    signers = tmp_path / "allowed_signers"
    signers.write_text(approvers["alice"].public_line + "\n# bob\n" + " ".join(broken) + "\n")
    code, verdict, _ = gate(approvals_dir(tmp_path, approvers, ["alice", "bob"]), signers)
    assert code == 1
    (warning,) = verdict["warnings"]
    assert "line 3 (principal bob@example.com)" in warning and "not a usable OpenSSH public key" in warning
    assert "paste the approver's .pub line" in warning and broken[2] not in warning
    assert broken[2][:20] not in json.dumps(verdict)


def test_a_clean_signers_file_gives_no_warning(tmp_path, approvers, signers_file):
    code, verdict, _ = gate(approvals_dir(tmp_path, approvers, ["alice", "bob"]), signers_file)
    assert code == 0 and verdict["warnings"] == []
