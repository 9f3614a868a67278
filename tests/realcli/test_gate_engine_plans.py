"""`preflight gate` on plans the real engine made: `pulumi preview --json` and `--save-plan` for
deletes, replaces (incl. delete-before-replace), unprotects, destroy, protect errors and secret
config; `pulumi up --plan` refusing what the plan did not record; the approved plan applied.

One prod stack is brought up once; each scenario is one config change, previewed, judged and
(where the test says so) applied or reverted.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, TIMEOUT, copy_project

PROGRAMS = Path(__file__).resolve().parent / "programs"
PASSWORD = "hunter2-b7c1d9e0f3"
STACK = "prod"


def urn(type_, name):
    return f"urn:pulumi:{STACK}::datastore::{type_}::{name}"


ORDERS = urn("aws:dynamodb/table:Table", "orders")
CARTS = urn("aws:dynamodb/table:Table", "carts")
SESSIONS = urn("aws:dynamodb/table:Table", "sessions")
ARCHIVE = urn("aws:s3/bucket:Bucket", "archive")


def gate(plan: Path, *extra, stack=STACK):
    proc = subprocess.run([sys.executable, "-m", "preflight", "gate", str(plan), "--stack", stack,
                           "--format", "json", *extra], capture_output=True, text=True, timeout=TIMEOUT, cwd=REPO)
    assert proc.returncode in (0, 1, 2), proc.stderr
    verdict = json.loads(proc.stdout)
    assert verdict["exitCode"] == proc.returncode
    return verdict, proc


def by_urn(verdict):
    return {f["urn"]: f for f in verdict["destructive"]}


class Stack:
    def __init__(self, pulumi, proj, env, tmp):
        self.pulumi, self.proj, self.env, self.tmp = pulumi, proj, env, tmp
        self.n = 0

    def config(self, key, value):
        self.pulumi.run(["config", "set", "--stack", STACK, key, value], cwd=self.proj, env=self.env)

    def config_rm(self, key):
        self.pulumi.run(["config", "rm", "--stack", STACK, key], cwd=self.proj, env=self.env)

    def preview(self, *extra, expect=(0,)):
        """Both machine outputs the gate reads, from one engine: `--save-plan` and `--json`."""
        self.n += 1
        plan = self.tmp / f"plan-{self.n}.json"
        js = self.tmp / f"preview-{self.n}.json"
        self.pulumi.run(["preview", "--stack", STACK, "--save-plan", str(plan), *extra],
                        cwd=self.proj, env=self.env, expect=expect)
        proc = self.pulumi.run(["preview", "--stack", STACK, "--json", *extra], cwd=self.proj, env=self.env,
                               expect=expect)
        js.write_text(proc.stdout)
        return plan, js

    def up(self, *extra, expect=(0,)):
        return self.pulumi.run(["up", "--stack", STACK, "--yes", *extra], cwd=self.proj, env=self.env, expect=expect)


@pytest.fixture(scope="module")
def stack(pulumi, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gate-engine")
    proj = copy_project(PROGRAMS / "datastore", tmp / "datastore")
    env = pulumi.new_stack(proj, STACK, tmp / "state")
    env["PREFLIGHT_STANDIN_LOG"] = str(tmp / "provider.jsonl")
    s = Stack(pulumi, proj, env, tmp)
    pulumi.run(["config", "set", "--stack", STACK, "--secret", "dbPassword", PASSWORD], cwd=proj, env=env)
    s.up()
    return s


def provider_log(stack):
    path = Path(stack.env["PREFLIGHT_STANDIN_LOG"])
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_no_change_plan_is_allowed_and_holds_no_secret(stack):
    plan, js = stack.preview()
    for f in (plan, js):
        assert PASSWORD not in f.read_text()
        verdict, proc = gate(f)
        assert verdict["decision"] == "allowed", proc.stdout
        assert verdict["destructive"] == []
        assert PASSWORD not in proc.stdout + proc.stderr


def test_delete_needs_approval_then_the_approved_plan_applies(stack, tmp_path):
    stack.config("keepOrders", "false")
    plan, js = stack.preview()
    for f in (plan, js):
        verdict, _ = gate(f)
        assert verdict["decision"] == "needs-approval"
        assert by_urn(verdict)[ORDERS]["kind"] == "delete" and by_urn(verdict)[ORDERS]["needsApproval"]
        assert set(by_urn(verdict)) == {ORDERS}
    # Two approvers sign this plan's digest with ssh-keygen; the gate then allows it.
    signers, approvals = tmp_path / "allowed_signers", tmp_path / "approvals"
    lines = []
    for who in ("alice", "bob"):
        key = tmp_path / who
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(key)], check=True)
        lines.append(f"{who} " + " ".join(key.with_suffix(".pub").read_text().split()[:2]))
        subprocess.run([sys.executable, "-m", "preflight", "approve", str(plan), "--stack", STACK,
                        "--key", str(key), "--out", str(approvals)], check=True, capture_output=True,
                       timeout=TIMEOUT, cwd=REPO)
    signers.write_text("\n".join(lines) + "\n")
    verdict, proc = gate(plan, "--approvals", str(approvals), "--signers", str(signers))
    assert verdict["decision"] == "allowed", proc.stdout
    before = len(provider_log(stack))
    stack.up("--plan", str(plan))
    deletes = [e for e in provider_log(stack)[before:] if e["op"] == "Delete"]
    assert [e["urn"] for e in deletes] == [ORDERS]


def test_up_plan_refuses_a_step_the_plan_did_not_record(stack):
    plan, _ = stack.preview()  # nothing to do
    verdict, _ = gate(plan)
    assert verdict["decision"] == "allowed"
    stack.config("keepCarts", "false")
    stack.config("protectCarts", "false")
    try:
        before = len(provider_log(stack))
        proc = stack.up("--plan", str(plan), expect=None)
        assert proc.returncode != 0
        out = proc.stdout + proc.stderr
        assert "not allowed by the plan" in out or "violates plan" in out or "unexpectedly" in out, out
        assert not [e for e in provider_log(stack)[before:] if e["op"] == "Delete"]
    finally:
        stack.config_rm("keepCarts")
        stack.config_rm("protectCarts")


def test_replace_and_delete_before_replace(stack):
    stack.config("archiveBucket", "acme-archive-2")
    stack.config("sessionsTable", "sessions-2")
    try:
        plan, js = stack.preview()
        steps = json.loads(plan.read_text())["resourcePlans"]
        assert steps[ARCHIVE]["steps"] == ["create-replacement", "replace", "delete-replaced"]
        assert steps[SESSIONS]["steps"] == ["delete-replaced", "replace", "create-replacement"]
        for f in (plan, js):
            verdict, _ = gate(f)
            found = by_urn(verdict)
            assert verdict["decision"] == "needs-approval"
            assert {ARCHIVE, SESSIONS} <= set(found)
            assert found[ARCHIVE]["needsApproval"] and found[SESSIONS]["needsApproval"]
    finally:
        stack.config_rm("archiveBucket")
        stack.config_rm("sessionsTable")


def test_unprotect_is_a_downgrade_in_preview_json(stack):
    stack.config("protectCarts", "false")
    try:
        plan, js = stack.preview()
        verdict, proc = gate(js)
        assert verdict["decision"] == "needs-approval", proc.stdout
        assert CARTS in by_urn(verdict), proc.stdout
        # The saved plan records carts as a `same` step whose goal says protect=false; the old
        # protect=true is only in state (and in the --json digest's old state).
        steps = json.loads(plan.read_text())["resourcePlans"][CARTS]
        assert steps["steps"] == ["same"] and steps["goal"]["protect"] is False
    finally:
        stack.config_rm("protectCarts")


def export_state(stack, name, *extra):
    path = stack.tmp / name
    stack.pulumi.run(["stack", "export", "--stack", STACK, "--file", str(path), *extra], cwd=stack.proj,
                     env=stack.env)
    return path


def test_unprotect_is_a_downgrade_in_saved_plan_with_state(stack, tmp_path):
    # No change: the state beside the plan finds nothing and silences the warning.
    plan, _ = stack.preview()
    state = export_state(stack, "state-same.json")
    verdict, proc = gate(plan, "--state", str(state))
    assert verdict["decision"] == "allowed" and verdict["destructive"] == [], proc.stdout
    assert verdict["protectUnknown"] == [] and not any("--state" in w for w in verdict["warnings"])
    assert verdict["state"]["version"] == 3 and verdict["state"]["resources"] >= 6

    stack.config("protectCarts", "false")
    try:
        plan, js = stack.preview()
        steps = json.loads(plan.read_text())["resourcePlans"][CARTS]
        assert steps["steps"] == ["same"] and steps["goal"]["protect"] is False
        # The plan alone cannot show it: allowed, with a warning that says how to see it.
        verdict, proc = gate(plan)
        assert verdict["decision"] == "allowed"
        assert CARTS in verdict["protectUnknown"]
        assert any("pulumi stack export --stack prod" in w and "--state" in w for w in verdict["warnings"])
        table = subprocess.run([sys.executable, "-m", "preflight", "gate", str(plan), "--stack", STACK],
                               capture_output=True, text=True, timeout=TIMEOUT, cwd=REPO)
        assert "warning: a saved plan does not record whether a resource was protected" in table.stdout
        # With the state (secrets shown in it, even), the downgrade is gated like the --json preview's.
        state = export_state(stack, "state-unprotect.json", "--show-secrets")
        assert PASSWORD in state.read_text()
        verdict, proc = gate(plan, "--state", str(state))
        assert verdict["decision"] == "needs-approval", proc.stdout
        found = by_urn(verdict)
        assert set(found) == {CARTS} and found[CARTS]["kind"] == "downgrade"
        assert [d["property"] for d in found[CARTS]["downgrades"]] == ["protect"]
        assert found[CARTS]["protected"] is True
        preview_verdict, _ = gate(js)
        assert verdict["digest"] == preview_verdict["digest"]
        assert PASSWORD not in proc.stdout + proc.stderr
        assert "ciphertext" not in proc.stdout and "plaintext" not in proc.stdout
        # The state of another stack is refused (exit 2, one line), never judged.
        other = json.loads(state.read_text().replace("urn:pulumi:prod::", "urn:pulumi:staging::"))
        wrong = tmp_path / "other-stack.json"
        wrong.write_text(json.dumps(other))
        verdict, proc = gate(plan, "--state", str(wrong))
        assert proc.returncode == 2 and "not of the plan's stack" in proc.stderr
        assert PASSWORD not in proc.stdout + proc.stderr
    finally:
        stack.config_rm("protectCarts")


def test_protect_error_preview_is_denied(stack):
    stack.config("keepCarts", "false")  # carts is protected: the engine refuses to delete it
    try:
        proc = stack.pulumi.run(["preview", "--stack", STACK, "--json"], cwd=stack.proj, env=stack.env, expect=None)
        assert proc.returncode != 0
        assert "protect" in proc.stdout + proc.stderr
        js = stack.tmp / "protect-error.json"
        js.write_text(proc.stdout)
        verdict, out = gate(js)
        assert verdict["decision"] == "denied", out.stdout
        assert verdict["incomplete"]
    finally:
        stack.config_rm("keepCarts")


def test_destroy_preview_is_denied(stack):
    env = dict(stack.env, PULUMI_SKIP_CONFIRMATIONS="false")  # it counts as --yes, which --preview-only refuses
    proc = stack.pulumi.run(["destroy", "--stack", STACK, "--preview-only", "--json"], cwd=stack.proj,
                            env=env, expect=None)
    out = proc.stdout + proc.stderr
    # A protected resource stops even the destroy preview; with --exclude-protected it lists the rest.
    js = stack.tmp / "destroy.json"
    if proc.returncode != 0:
        assert "protect" in out, out
        proc = stack.pulumi.run(["destroy", "--stack", STACK, "--preview-only", "--json", "--exclude-protected"],
                                cwd=stack.proj, env=env)
    js.write_text(proc.stdout)
    verdict, gproc = gate(js)
    assert verdict["decision"] in ("denied", "needs-approval"), gproc.stdout
    found = by_urn(verdict)
    assert ARCHIVE in found and SESSIONS in found and all(f["kind"] == "delete" for f in found.values())
    assert PASSWORD not in gproc.stdout + js.read_text()
