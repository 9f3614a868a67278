"""`--state FILE` (`pulumi stack export`) beside a saved plan: `protect` true -> false, which a saved
plan alone cannot show; the warning without it; `requireState`; the state file as untrusted input
(strict, bound to the plan's stack and to the plan, never quoting a value)."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.gate.gate_helpers import call_cli, gate_json, run_cli

PROJECT, STACK = "shop", "prod"
ROOT = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
TABLE = f"urn:pulumi:{STACK}::{PROJECT}::aws:dynamodb/table:Table::carts"
ROLE = f"urn:pulumi:{STACK}::{PROJECT}::aws:iam/role:Role::deployer"
DB = f"urn:pulumi:{STACK}::{PROJECT}::aws:rds/instance:Instance::orders-db"
SECRET_TEXT = "hunter2-plaintext-never-printed"
CIPHERTEXT = "v1:Q2lwaGVydGV4dE5ldmVyUHJpbnRlZA==:abc"
SIG = "4dabf18193072939515e22adb298388d"
SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"


def goal(urn, protect=False, **extra):
    name = urn.rsplit("::", 1)[-1]
    type_ = urn.split("::")[2]
    return {"type": type_, "name": name, "custom": type_ != "pulumi:pulumi:Stack", "protect": protect,
            "parent": ROOT if urn != ROOT else "", **extra}


def saved_plan(entries):
    """entries: {urn: (ops, goal protect)}; the root stack is always there, unchanged."""
    plans = {ROOT: {"goal": goal(ROOT), "steps": ["same"]}}
    for urn, (ops, protect) in entries.items():
        plans[urn] = {"steps": ops} if "delete" in ops and len(ops) == 1 else \
            {"goal": goal(urn, protect), "steps": ops}
    return {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": "3.276.0"},
            "resourcePlans": plans}


def resource(urn, protect=False, **extra):
    type_ = urn.split("::")[2]
    record = {"urn": urn, "custom": type_ != "pulumi:pulumi:Stack", "type": type_,
              "inputs": {"name": urn.rsplit("::", 1)[-1],
                         "masterPassword": {SIG: SIG_VALUE, "ciphertext": CIPHERTEXT}},
              "outputs": {"password": {SIG: SIG_VALUE, "plaintext": json.dumps(SECRET_TEXT)}}}
    if protect:
        record["protect"] = protect
    record.update(extra)
    return record


def stack_state(records, version=3):
    return {"version": version, "deployment": {
        "manifest": {"time": "2026-01-01T00:00:00Z", "magic": "x", "version": "v3.276.0"},
        "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:c2FsdA==:secretsalt"}},
        "resources": [resource(ROOT), *records]}}


def write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def never_leaks(*texts):
    for text in texts:
        for secret in (SECRET_TEXT, CIPHERTEXT, "secretsalt", "Q2lwaGVydGV4"):
            assert secret not in text


# --- the downgrade ---------------------------------------------------------------------------------

def test_unprotect_in_a_saved_plan_is_seen_with_state_and_matches_the_preview_digest(tmp_path):
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False)}))
    state = write(tmp_path, "state.json", stack_state([resource(TABLE, protect=True)]))
    code, verdict, err = gate_json(plan, "--stack", STACK, "--state", state)
    assert code == 1 and verdict["decision"] == "needs-approval", verdict
    (finding,) = verdict["destructive"]
    assert finding["urn"] == TABLE and finding["kind"] == "downgrade" and finding["needsApproval"]
    assert finding["downgrades"] == [{"property": "protect", "change": "protect turned off",
                                      "old": True, "new": False}]
    assert "the resource is protected (protect=True in state)" in finding["reasons"]
    assert verdict["state"] == {"file": str(state), "version": 3, "resources": 2}
    assert verdict["protectUnknown"] == [] and not any("--state" in w for w in verdict["warnings"])
    # The same change as `pulumi preview --json` shows it: the same digest, so one approval serves both.
    preview = {"steps": [{"op": "same", "urn": TABLE,
                          "oldState": {"urn": TABLE, "type": "aws:dynamodb/table:Table", "custom": True,
                                       "protect": True},
                          "newState": {"urn": TABLE, "type": "aws:dynamodb/table:Table", "custom": True}}]}
    _, from_preview, _ = gate_json(write(tmp_path, "preview.json", preview), "--stack", STACK)
    assert from_preview["decision"] == "needs-approval"
    assert verdict["digest"] == from_preview["digest"]
    digest = call_cli("digest", plan, "--stack", STACK, "--state", state)
    assert digest.returncode == 0 and digest.stdout.rstrip("\n") == verdict["digest"]
    never_leaks(json.dumps(verdict), err, digest.stdout, digest.stderr)


@pytest.mark.parametrize("ops", [["update"], ["create-replacement", "replace", "delete-replaced"]])
def test_unprotect_on_update_or_replace_of_a_non_stateful_resource_is_gated(tmp_path, ops):
    plan = write(tmp_path, "plan.json", saved_plan({ROLE: (ops, False)}))
    state = write(tmp_path, "state.json", stack_state([resource(ROLE, protect=True)]))
    code, verdict, _ = gate_json(plan, "--stack", STACK, "--state", state)
    assert code == 1 and verdict["destructive"][0]["needsApproval"]
    assert "protect" in [d["property"] for d in verdict["destructive"][0]["downgrades"]]


def test_no_change_plan_with_state_is_allowed_without_warning(tmp_path):
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], True), ROLE: (["same"], False)}))
    state = write(tmp_path, "state.json", stack_state([resource(TABLE, protect=True), resource(ROLE)]))
    code, verdict, _ = gate_json(plan, "--stack", STACK, "--state", state)
    assert code == 0 and verdict["decision"] == "allowed" and verdict["destructive"] == []
    assert verdict["warnings"] == []


def test_state_only_makes_the_gate_stricter(tmp_path):
    # retainOnDelete in state does not excuse a saved plan's delete of a data store ...
    plan = write(tmp_path, "plan.json", saved_plan({DB: (["delete"], False)}))
    state = write(tmp_path, "state.json", stack_state([resource(DB, retainOnDelete=True)]))
    _, without, _ = gate_json(plan, "--stack", STACK)
    _, with_state, _ = gate_json(plan, "--stack", STACK, "--state", state)
    assert without["decision"] == with_state["decision"] == "needs-approval"
    assert without["digest"] == with_state["digest"]
    # ... while protect in state gates the delete of a resource that is not a data store.
    plan = write(tmp_path, "plan2.json", saved_plan({ROLE: (["delete"], False)}))
    state = write(tmp_path, "state2.json", stack_state([resource(ROLE, protect=True)]))
    code, without, _ = gate_json(plan, "--stack", STACK)
    assert code == 0 and not without["destructive"][0]["needsApproval"]
    assert "a saved plan does not record whether it was protected" in without["destructive"][0]["reasons"]
    code, with_state, _ = gate_json(plan, "--stack", STACK, "--state", state)
    assert code == 1 and with_state["destructive"][0]["needsApproval"]
    assert with_state["destructive"][0]["protected"] is True


def test_approvals_signed_over_the_state_digest_count(tmp_path, approvers, signers_file):
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False)}))
    state = write(tmp_path, "state.json", stack_state([resource(TABLE, protect=True)]))
    folder = tmp_path / "approvals"
    folder.mkdir()
    for name in ("alice", "bob"):
        digest = call_cli("digest", plan, "--stack", STACK, "--state", state)
        message = tmp_path / f"{name}.txt"
        message.write_text(digest.stdout)
        shutil.copy(approvers[name].sign(message), folder / f"{name}.txt.sig")
    code, verdict, _ = gate_json(plan, "--stack", STACK, "--state", state, "--approvals", folder,
                                 "--signers", signers_file)
    assert code == 0 and verdict["decision"] == "allowed", verdict["reasons"]
    # A reviewer's hint names the state: the digest without it is another line.
    code, verdict, _ = gate_json(plan, "--stack", STACK, "--state", state)
    assert f"--state {state}" in verdict["next"][0]


# --- without state -----------------------------------------------------------------------------------

def test_saved_plan_without_state_warns_in_every_format(tmp_path):
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False), ROLE: (["update"], True)}))
    code, verdict, _ = gate_json(plan, "--stack", STACK)
    assert code == 0 and verdict["decision"] == "allowed"
    assert verdict["protectUnknown"] == [TABLE] and verdict["state"] is None
    (warning,) = [w for w in verdict["warnings"] if "protect" in w]
    assert "cannot see `protect` turned off" in warning and "1 existing resource is unprotected" in warning
    assert "pulumi stack export --stack prod --file state.json" in warning and "--state state.json" in warning
    table = call_cli("gate", plan, "--stack", STACK)
    assert f"warning: {warning}" in table.stdout
    digest = call_cli("digest", plan, "--stack", STACK)
    assert digest.stdout.count("\n") == 1 and f"warning: {warning}" in digest.stderr


@pytest.mark.parametrize("entries", [{TABLE: (["same"], True)}, {TABLE: (["create"], False)},
                                     {DB: (["delete"], False)}])
def test_no_warning_when_no_protect_downgrade_is_possible(tmp_path, entries):
    document = saved_plan(entries)
    document["resourcePlans"][ROOT]["goal"]["protect"] = True
    plan = write(tmp_path, "plan.json", document)
    _, verdict, _ = gate_json(plan, "--stack", STACK)
    assert verdict["protectUnknown"] == [] and not any("--state" in w for w in verdict["warnings"])


def test_require_state_denies_a_saved_plan_without_it_in_prod_only(tmp_path):
    config = write(tmp_path, "gate.yaml", "requireState: true\n")
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False)}))
    code, verdict, _ = gate_json(plan, "--stack", STACK, "--config", config)
    assert code == 1 and verdict["decision"] == "denied" and verdict["settings"]["requireState"] is True
    assert any("requireState" in r and "--state state.json" in r for r in verdict["reasons"])
    code, verdict, _ = gate_json(plan, "--stack", STACK, "--config", config,
                                 "--state", write(tmp_path, "s.json", stack_state([resource(TABLE)])))
    assert code == 0 and verdict["decision"] == "allowed"
    dev = write(tmp_path, "dev.json", json.loads(json.dumps(saved_plan({TABLE: (["same"], False)}))
                                      .replace("urn:pulumi:prod::", "urn:pulumi:dev::")))
    code, verdict, _ = gate_json(dev, "--stack", "dev", "--config", config)
    assert code == 0 and any("would be denied in prod" in w and "requireState" in w for w in verdict["warnings"])
    bad = write(tmp_path, "bad.yaml", "requireState: yes please\n")
    result = call_cli("gate", plan, "--stack", STACK, "--config", bad)
    assert result.returncode == 2 and "requireState must be true or false" in result.stderr


# --- the state file is untrusted input ----------------------------------------------------------------

def _state_with(**changes):
    document = stack_state([resource(TABLE, protect=True)])
    document.update(changes)
    return document


REFUSED = {
    "not json": ("{not json", "not valid JSON"),
    "truncated": (json.dumps(stack_state([resource(TABLE)]))[:-2], "truncated"),
    "empty": ("", "empty"),
    "array": ("[]", "expected an object"),
    "two documents": (json.dumps(_state_with()) + "\n{}", "more than one JSON document"),
    "duplicate key": ('{"version": 3, "version": 4, "deployment": {}}', "appears twice"),
    "case variant": (json.dumps({"version": 3, "Deployment": {}}), "case variant of 'deployment'"),
    "nested case variant": (json.dumps({"version": 3, "deployment": {"Resources": []}}),
                            "case variant of 'resources'"),
    "unknown key": (json.dumps(_state_with(approved=True)), "unknown top-level key 'approved'"),
    "checkpoint": (json.dumps({"version": 3, "checkpoint": {}}), "backend checkpoint file"),
    "a plan": (json.dumps(saved_plan({})), "a plan or a preview"),
    "old version": (json.dumps(_state_with(version=1)), "deployment version 1"),
    "no version": (json.dumps({"deployment": {}}), "deployment version missing"),
    "NaN": ('{"version": 3, "deployment": {"x": NaN}}', "NaN"),
    "huge number": ('{"version": 3, "deployment": {"x": 1e999}}', "out of float64 range"),
    "long int": ('{"version": 3, "deployment": {"x": ' + "9" * 400 + "}}", "out of float64 range"),
    "protect a string": (json.dumps(stack_state([resource(TABLE, protect="true")])), "should be a boolean"),
    "resources not a list": (json.dumps({"version": 3, "deployment": {"resources": {}}}), "should be a list"),
    "deep": ('{"version": 3, "deployment": {"x": ' + "[" * 400 + "]" * 400 + "}}", "deeper"),
    "surrogate": ('{"version": 3, "deployment": {"x": "\\ud800"}}', "surrogate"),
    "bad urn": (json.dumps(stack_state([{"urn": "nope", "type": "x"}])), "no Pulumi URN"),
    "two live records": (json.dumps(stack_state([resource(TABLE), resource(TABLE, protect=True)])),
                         "two live records"),
    "mixed stacks": (json.dumps(stack_state([resource(TABLE.replace(":prod::", ":dev::"))])), "mixes stacks"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_malformed_state_is_refused_in_one_line(tmp_path, name):
    text, message = REFUSED[name]
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False)}))
    state = tmp_path / "state.json"
    state.write_text(text)
    result = call_cli("gate", plan, "--stack", STACK, "--state", state)
    assert result.returncode == 2, result
    assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert "pulumi stack export --stack prod --file state.json" in result.stderr or "version" in result.stderr
    code, verdict, _ = gate_json(plan, "--stack", STACK, "--state", state)
    assert code == 2 and verdict["decision"] == "denied" and verdict["exitCode"] == 2
    never_leaks(result.stderr, json.dumps(verdict))


def test_malformed_state_as_a_user_runs_it(tmp_path):
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False)}))
    for text in ('{"version": 3, "deployment": ' + "[" * 100_000 + "]" * 100_000 + "}", "\ufeff{}",
                 '{"version": 3, "deployment": {"resources": [{"urn": "%s", "protect": 1}]}}' % TABLE):
        state = tmp_path / "state.json"
        state.write_text(text)
        result = run_cli("gate", plan, "--stack", STACK, "--state", state)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
    missing = run_cli("gate", plan, "--stack", STACK, "--state", tmp_path / "nope.json")
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "pulumi stack export" in missing.stderr


def test_a_number_in_state_is_never_quoted(tmp_path):
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False)}))
    state = write(tmp_path, "state.json", '{"version": 3, "deployment": {"resources": [{"urn": "%s", '
                  '"inputs": {"pin": 31415926535e999}}]}}' % TABLE)
    result = call_cli("gate", plan, "--stack", STACK, "--state", state)
    assert result.returncode == 2 and "31415926535" not in result.stderr


def test_state_of_another_stack_or_project_is_refused(tmp_path):
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False)}))
    for old, new in ((":prod::", ":staging::"), ("::shop::", "::other::")):
        text = json.dumps(stack_state([resource(TABLE, protect=True)])).replace(old, new)
        result = call_cli("gate", plan, "--stack", STACK, "--state", write(tmp_path, "state.json", text))
        assert result.returncode == 2 and "not of the plan's stack 'shop/prod'" in result.stderr, result.stderr
        assert "pulumi stack export --stack prod" in result.stderr


def test_state_that_does_not_match_the_plan_is_refused(tmp_path):
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False)}))
    older = write(tmp_path, "older.json", stack_state([]))
    result = call_cli("gate", plan, "--stack", STACK, "--state", older)
    assert result.returncode == 2 and "does not hold" in result.stderr and "older than the plan" in result.stderr
    created_plan = saved_plan({TABLE: (["create"], False)})
    created_plan["resourcePlans"][ROOT]["steps"] = ["create"]
    created = write(tmp_path, "plan2.json", created_plan)
    newer = write(tmp_path, "newer.json", stack_state([resource(TABLE)]))
    result = call_cli("gate", created, "--stack", STACK, "--state", newer)
    assert result.returncode == 2 and "which the plan creates" in result.stderr
    # An old copy waiting for deletion (a replace in progress) is not a second live record.
    pending = write(tmp_path, "pending.json", stack_state([resource(TABLE, protect=True),
                                                          resource(TABLE, delete=True)]))
    code, verdict, _ = gate_json(plan, "--stack", STACK, "--state", pending)
    assert code == 1 and verdict["destructive"][0]["kind"] == "downgrade"
    # An empty stack's export matches a plan that only creates.
    code, verdict, _ = gate_json(created, "--stack", STACK, "--state",
                                 write(tmp_path, "empty.json", {"version": 3, "deployment": {
                                     "manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": ""}}}))
    assert code == 0, verdict


def test_state_beside_a_preview_is_checked_and_not_needed(tmp_path):
    preview = {"steps": [{"op": "same", "urn": TABLE, "oldState": {"urn": TABLE, "type": "aws:dynamodb/table:Table",
                                                                   "custom": True, "protect": True},
                          "newState": {"urn": TABLE, "type": "aws:dynamodb/table:Table", "custom": True,
                                       "protect": True}}]}
    path = write(tmp_path, "preview.json", preview)
    code, verdict, _ = gate_json(path, "--stack", STACK, "--state", write(
        tmp_path, "state.json", stack_state([resource(TABLE, protect=True)])))
    assert code == 0 and any("--state is not needed" in w for w in verdict["warnings"])
    text = json.dumps(stack_state([resource(TABLE)])).replace(":prod::", ":dev::")
    result = call_cli("gate", path, "--stack", STACK, "--state", write(tmp_path, "other.json", text))
    assert result.returncode == 2 and "not of the plan's stack" in result.stderr


def test_approve_shows_the_downgrade_with_state_and_the_warning_without(tmp_path, approvers):
    plan = write(tmp_path, "plan.json", saved_plan({TABLE: (["same"], False)}))
    state = write(tmp_path, "state.json", stack_state([resource(TABLE, protect=True)]))
    key = approvers["alice"].key
    with_state = call_cli("approve", plan, "--stack", STACK, "--state", state, "--key", key,
                          "--out", tmp_path / "with")
    assert with_state.returncode == 0, with_state.stderr
    assert "downgrade shop/carts" in with_state.stderr and "protect turned off" in with_state.stderr
    signed = next((tmp_path / "with").glob("*.txt")).read_text()
    assert signed == call_cli("digest", plan, "--stack", STACK, "--state", state).stdout
    without = call_cli("approve", plan, "--stack", STACK, "--key", key, "--out", tmp_path / "without")
    assert without.returncode == 0 and "nothing in this plan needs approval" in without.stderr
    assert "warning: a saved plan does not record whether a resource was protected" in without.stderr
    never_leaks(with_state.stdout, with_state.stderr, without.stdout, without.stderr)
