"""The gate under attack: every way found to reach a silent "allowed" (exit 0) for a plan that
destroys prod data. Each case goes through the CLI as a user (or an agent) runs it."""
from __future__ import annotations

import json

import pytest

from tests.gate.gate_helpers import call_cli, capture, gate_json, run_cli

RDS_URN = "urn:pulumi:{stack}::shop::aws:rds/instance:Instance::orders-db"
DELETE_RDS = json.loads(capture("prod-delete-protected-rds.json").read_text())


def _restack(document, stack):
    return json.loads(json.dumps(document).replace("urn:pulumi:prod::", f"urn:pulumi:{stack}::"))


def _unprotected(document):
    """The same delete with every protection a reader could rely on removed."""
    document = json.loads(json.dumps(document))
    for step in document["steps"]:
        (step.get("oldState") or {}).pop("protect", None)
    return document


def _write(tmp_path, document, name="plan.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


# --- 1. a config line must not switch the gate off ---------------------------------------------------

@pytest.mark.parametrize("stack", ["prod-eu-west-1", "production-eu", "eu-prod-1", "live", "prod"])
def test_stack_config_saying_dev_does_not_relax_a_prod_stack(tmp_path, stack):
    document = _restack(DELETE_RDS, stack)
    document["config"] = {"preflight:environment": "dev", "aws:region": "eu-west-1"}
    code, verdict, _ = gate_json(_write(tmp_path, document), "--stack", stack)
    assert code == 1 and verdict["decision"] == "needs-approval" and verdict["environment"] == "prod"
    assert any("never" not in w and "cannot make a stack more lenient" in w for w in verdict["warnings"])

    # The same line in Pulumi.<stack>.yaml, read with --project-dir when the plan has no config.
    del document["config"]
    (tmp_path / f"Pulumi.{stack}.yaml").write_text("config:\n  preflight:environment: dev\n")
    code, verdict, _ = gate_json(_write(tmp_path, document), "--stack", stack,
                                 "--project-dir", tmp_path)
    assert code == 1 and verdict["environment"] == "prod"


def test_only_the_reviewed_gate_config_relaxes_a_stack(tmp_path):
    document = _restack(DELETE_RDS, "live")
    plan = _write(tmp_path, document)
    config = _write(tmp_path, "environments:\n  live: dev\n", "gate.yaml")
    code, verdict, _ = gate_json(plan, "--stack", "live", "--config", config)
    assert code == 0 and verdict["environment"] == "dev"
    assert "--config" in verdict["environmentSource"]

    globbed = _write(tmp_path, "gate:\n  environments:\n    'li*': dev\n    'l*': prod\n", "glob.yaml")
    code, verdict, _ = gate_json(plan, "--stack", "live", "--config", globbed)
    assert code == 1 and verdict["environment"] == "prod"  # the strictest matching glob

    document["config"] = {"preflight:environment": "prod"}  # stack config may still tighten it
    code, verdict, _ = gate_json(_write(tmp_path, document), "--stack", "live", "--config", config)
    assert code == 1 and verdict["environment"] == "prod"


def test_bad_environments_config_is_bad_input(tmp_path):
    config = _write(tmp_path, "environments: {live: lenient}\n", "gate.yaml")
    result = run_cli("gate", capture("prod-delete-protected-rds.json"), "--stack", "prod",
                     "--config", config)
    assert result.returncode == 2 and "environments must map" in result.stderr


# --- 2. the gate and `pulumi up --plan` must read the same file -----------------------------------------

def _plan(resource_plans, **top):
    return {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": "3.200.0"},
            "resourcePlans": resource_plans, **top}


DB = RDS_URN.format(stack="prod")
BUCKET = "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::assets"
HARMLESS = {DB: {"goal": {"type": "aws:rds/instance:Instance", "name": "orders-db"}, "steps": ["same"]}}

TWO_READINGS = {
    "case variant of resourcePlans": '{"ResourcePlans": {"%s": {"steps": ["delete"]}}}' % DB,
    "case variant of steps": '{"resourcePlans": {"%s": {"Steps": ["delete"]}}}' % DB,
    "unicode fold of steps": '{"resourcePlans": {"%s": {"\u017fteps": ["delete"]}}}' % DB,
    "second resourcePlans key": json.dumps(_plan(HARMLESS))[:-1]
    + ', "resourcePlans": {"%s": {"steps": ["delete"]}}}' % DB,
    "duplicate steps key": '{"resourcePlans": {"%s": {"steps": ["same"], "steps": ["delete"]}}}' % DB,
    "duplicate URN key": '{"resourcePlans": {"%s": {"steps": ["same"]}, "%s": {"steps": ["delete"]}}}'
    % (DB, DB),
    "wrapper beside the plan": json.dumps({"version": 1, "plan": _plan(HARMLESS),
                                           "resourcePlans": {DB: {"steps": ["delete"]}}}),
    "wrapper alone": json.dumps({"version": 1, "plan": _plan({DB: {"steps": ["delete"]}})}),
    "plan and preview keys": json.dumps({"resourcePlans": {DB: {"steps": ["delete"]}},
                                         "steps": [{"op": "same", "urn": DB}]}),
    "preview case variant": json.dumps({"steps": [{"op": "same", "urn": DB}]})[:-1]
    + ', "Steps": [{"op": "delete", "urn": "%s"}]}' % DB,
    "step op case variant": '{"steps": [{"op": "same", "OP": "delete", "urn": "%s"}]}' % DB,
    "protect case variant": '{"steps": [{"op": "delete", "urn": "%s", "oldState": {"urn": "%s", '
    '"type": "aws:rds/instance:Instance", "protect": false, "Protect": true}}]}' % (DB, DB),
    "unknown top-level key": json.dumps({**_plan({DB: {"steps": ["delete"]}}), "approved": True}),
}


@pytest.mark.parametrize("name", sorted(TWO_READINGS))
def test_files_that_read_two_ways_are_refused(tmp_path, name):
    result = call_cli("gate", _write(tmp_path, TWO_READINGS[name]), "--stack", "prod")
    assert result.returncode == 2, (name, result.stdout)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "refused" in result.stderr and "pulumi preview" in result.stderr  # why, and what to do
    digest = call_cli("digest", _write(tmp_path, TWO_READINGS[name]), "--stack", "prod")
    assert digest.returncode == 2 and digest.stdout == ""


def test_type_comes_from_the_urn_not_the_goal(tmp_path):
    disguised = _plan({DB: {"goal": {"type": "random:index/randomString:RandomString",
                                     "name": "orders-db", "custom": True}, "steps": ["delete"]}})
    code, verdict, _ = gate_json(_write(tmp_path, disguised), "--stack", "prod")
    assert code == 1 and verdict["destructive"][0]["type"] == "aws:rds/instance:Instance"
    assert verdict["destructive"][0]["needsApproval"]

    preview = json.loads(json.dumps(_unprotected(DELETE_RDS)))
    preview["steps"][1]["oldState"]["type"] = "random:index/randomString:RandomString"
    code, verdict, _ = gate_json(_write(tmp_path, preview), "--stack", "prod")
    assert code == 1 and verdict["destructive"][0]["stateful"] == "database"


def test_parent_chain_urn_takes_the_last_type(tmp_path):
    urn = "urn:pulumi:prod::shop::preflight:database:Database$aws:rds/instance:Instance::orders-db"
    code, verdict, _ = gate_json(_write(tmp_path, _plan({urn: {"steps": ["delete"]}})), "--stack", "prod")
    assert code == 1 and verdict["destructive"][0]["type"] == "aws:rds/instance:Instance"


# --- 7. a secret-wrapped protection flag is unknown, and unknown fails closed --------------------------

SECRET_FALSE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                "ciphertext": "v1:AAAAbase64=="}


@pytest.mark.parametrize("wrapped", [SECRET_FALSE, {**{k: v for k, v in SECRET_FALSE.items()
                                                       if k != "ciphertext"}, "value": False},
                                     "[secret]"])
def test_secret_wrapped_protection_in_a_saved_plan_needs_approval(tmp_path, wrapped):
    plan = _plan({DB: {"goal": {"type": "aws:rds/instance:Instance", "name": "orders-db",
                                "inputDiff": {"updates": {"deletionProtection": wrapped}}},
                       "steps": ["update"]}})
    code, verdict, _ = gate_json(_write(tmp_path, plan), "--stack", "prod")
    assert code == 1, verdict
    [finding] = verdict["destructive"]
    assert finding["kind"] == "downgrade" and finding["needsApproval"]
    assert finding["downgrades"][0]["new"] == "(secret)"


def test_secret_wrapped_protection_in_a_preview_needs_approval(tmp_path):
    document = json.loads(json.dumps(DELETE_RDS))
    step = document["steps"][1]
    step["op"] = "update"
    step["oldState"].pop("protect")
    step["newState"] = json.loads(json.dumps(step["oldState"]))
    step["newState"]["inputs"]["deletionProtection"] = SECRET_FALSE
    document["changeSummary"] = {"update": 1, "same": 1}
    code, verdict, _ = gate_json(_write(tmp_path, document), "--stack", "prod")
    assert code == 1 and verdict["destructive"][0]["downgrades"][0]["property"] == "deletionProtection"


# --- 10. nothing from the plan reaches the terminal raw -----------------------------------------------

def test_control_characters_in_names_are_escaped(tmp_path):
    evil = "orders-db\r\x1b[2K\x1b[1A\nno destructive changes\x07\u202e"
    urn = f"urn:pulumi:prod::shop::aws:rds/instance:Instance::{evil}"
    plan = _write(tmp_path, _plan({urn: {"steps": ["delete"]}}))
    for args in (("gate", plan, "--stack", "prod"), ("digest", plan, "--stack", "prod")):
        result = run_cli(*args)
        assert result.returncode in (0, 1)
        printed = result.stdout + result.stderr
        assert not any(ch in printed for ch in "\r\x1b\x07\u202e"), printed
    gate = run_cli("gate", plan, "--stack", "prod")
    assert "\\x1b" in gate.stdout and "\\x0d" in gate.stdout and "\\u202e" in gate.stdout
    assert gate.returncode == 1 and all(not line.startswith("no destructive changes")
                                        for line in gate.stdout.splitlines())


# --- 11. no input gives a traceback ------------------------------------------------------------------

@pytest.mark.parametrize("name, content, message", [
    ("deep", "[" * 100_000 + "]" * 100_000, "deeper than"),
    ("deep-object", '{"steps": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}", "deeper than"),
    ("huge number", '{"resourcePlans": {"%s": {"steps": ["update"], "goal": {"inputDiff": {"updates": '
     '{"backupRetentionPeriod": 1%s}}}}}}' % (DB, "0" * 400), "out of range"),
    ("huge float", '{"resourcePlans": {"%s": {"steps": ["update"], "goal": {"inputDiff": {"updates": '
     '{"backupRetentionPeriod": 1e400}}}}}}' % DB, "out of range"),
    ("nan", '{"resourcePlans": {"%s": {"steps": ["update"], "goal": {"inputDiff": {"updates": '
     '{"backupRetentionPeriod": NaN}}}}}}' % DB, "NaN"),
    ("infinity", '{"resourcePlans": {"%s": {"steps": ["delete"], "state": {"x": -Infinity}}}}' % DB,
     "Infinity"),
    ("lone surrogate", '{"resourcePlans": {"%s\\ud800": {"steps": ["delete"]}}}' % DB, "surrogate"),
    ("bom", "\ufeff" + json.dumps(_plan({DB: {"steps": ["delete"]}})), "byte order mark"),
    ("not utf-8", b'{"resourcePlans": {"\xff": {}}}', "not UTF-8"),
])
def test_hostile_files_are_one_line_bad_input(tmp_path, name, content, message):
    path = tmp_path / "plan.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    result = run_cli("gate", path, "--stack", "prod")
    assert result.returncode == 2, (name, result.stdout, result.stderr[-500:])
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert message in result.stderr
