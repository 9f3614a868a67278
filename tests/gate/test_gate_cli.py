"""`preflight gate` end to end as a user runs it: every scenario and exit code (no approvals here)."""
from __future__ import annotations

import copy
import json

from tests.gate.gate_helpers import call_cli, capture, gate_json, run_cli


def _write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_real_preview_capture_in_an_unrecognised_stack_is_prod_and_allowed():
    # Nothing stateful or protected is destroyed: deletes are reported, exit 0.
    code, verdict, _ = gate_json(capture("pulumi-preview.json"), "--stack", "test-a692d456")
    assert code == 0 and verdict["decision"] == "allowed"
    assert verdict["environment"] == "prod"
    assert [d["kind"] for d in verdict["destructive"]] == ["replace", "delete"]
    assert verdict["summary"]["needApproval"] == 0


def test_real_update_plan_capture_in_dev_is_allowed():
    code, verdict, _ = gate_json(capture("pulumi-update-plan.json"), "--stack", "dev")
    assert code == 0 and verdict["environment"] == "dev" and verdict["destructive"] == []


def test_protected_prod_rds_delete_needs_two_approvals():
    result = run_cli("gate", capture("prod-delete-protected-rds.json"), "--stack", "prod")
    assert result.returncode == 1
    assert "NEEDS APPROVAL" in result.stdout and "orders-db" in result.stdout
    assert "0 of 2 required approvals" in result.stdout
    assert "ssh-keygen -Y sign" in result.stdout  # says how to get approved

    code, verdict, _ = gate_json(capture("prod-delete-protected-rds.json"), "--stack", "prod")
    assert code == 1 and verdict["decision"] == "needs-approval" and verdict["allowed"] is False
    (finding,) = verdict["destructive"]
    assert finding["needsApproval"] and finding["protected"] and finding["stateful"] == "database"
    assert verdict["approvals"]["required"] == 2
    assert verdict["digest"].startswith("preflight-gate v1 project=shop stack=prod changes=1 sha256=")


def test_preview_that_stopped_on_a_protect_error_is_denied_outright():
    code, verdict, _ = gate_json(capture("prod-delete-protected-rds-preview-error.json"), "--stack", "prod")
    assert code == 1 and verdict["decision"] == "denied"
    assert any("--ignore-protect" in r for r in verdict["reasons"])
    assert verdict["incomplete"]


def test_dynamodb_replace_needs_approval():
    code, verdict, _ = gate_json(capture("prod-replace-dynamodb.json"), "--stack", "prod")
    assert code == 1 and verdict["decision"] == "needs-approval"
    assert verdict["destructive"][0]["kind"] == "replace"
    assert verdict["destructive"][0]["replaceReasons"] == ["attributes", "hashKey"]


def test_unprotect_then_replace_needs_approval_and_lists_the_downgrades():
    code, verdict, _ = gate_json(capture("prod-unprotect-then-replace.json"), "--stack", "prod")
    assert code == 1
    by_name = {d["name"]: d for d in verdict["destructive"]}
    assert {g["property"] for g in by_name["ledger"]["downgrades"]} == {"protect", "deletionProtection"}
    assert by_name["ledger-key"]["kind"] == "downgrade"


def test_unknown_op_fails_closed():
    code, verdict, _ = gate_json(capture("prod-unknown-op.json"), "--stack", "prod")
    assert code == 1 and verdict["destructive"][0]["kind"] == "unknown-op"
    assert "obliterate" in verdict["destructive"][0]["reasons"][0]


def test_dev_stack_passes_with_a_warning():
    result = run_cli("gate", capture("dev-delete-rds.json"), "--stack", "dev")
    assert result.returncode == 0 and "ALLOWED" in result.stdout
    assert "warning: dev stack" in result.stdout
    code, verdict, _ = gate_json(capture("dev-delete-rds.json"), "--stack", "dev")
    assert code == 0 and verdict["warnings"] and verdict["destructive"][0]["needsApproval"]


def test_saved_update_plan_with_deletes_and_downgrades_in_a_stack_whose_name_says_nothing():
    code, verdict, _ = gate_json(capture("prod-update-plan-destructive.json"), "--stack", "shop-live")
    assert code == 1 and verdict["environment"] == "prod"
    assert verdict["environmentSource"].startswith("default")
    assert {d["name"] for d in verdict["destructive"]} == {"orders-db", "invoices", "db-password"}


def test_mass_create_in_prod_needs_approval():
    code, verdict, _ = gate_json(capture("prod-mass-create-plan.json"), "--stack", "prod")
    assert code == 1 and verdict["decision"] == "needs-approval"
    assert verdict["massCreate"] == {"creates": 8, "resources": 8}
    assert verdict["destructive"] == []


def test_mass_create_threshold_is_configurable(tmp_path):
    config = tmp_path / "gate.yaml"
    config.write_text("gate:\n  massCreate: {minimum: 9}\n")
    code, verdict, _ = gate_json(capture("prod-mass-create-plan.json"), "--stack", "prod", "--config", config)
    assert code == 0 and verdict["massCreate"] is None


def _many_deletes(count):
    base = json.loads(capture("prod-delete-protected-rds.json").read_text())
    root, template = base["steps"]
    steps = [root]
    for i in range(count):
        step = copy.deepcopy(template)
        step["urn"] = step["oldState"]["urn"] = step["urn"].replace("orders-db", f"db-{i}")
        steps.append(step)
    return {"steps": steps, "changeSummary": {"delete": count, "same": 3}}


def test_blast_radius_denies_outright_and_is_configurable(tmp_path):
    plan = _write(tmp_path, "plan.json", _many_deletes(11))
    code, verdict, _ = gate_json(plan, "--stack", "prod")
    assert code == 1 and verdict["decision"] == "denied"
    assert any("blast-radius limit of 10" in r for r in verdict["reasons"])
    assert "approvals cannot override this" in verdict["next"][0]

    code, verdict, _ = gate_json(plan, "--stack", "prod", "--max-destructive", "20")
    assert code == 1 and verdict["decision"] == "needs-approval"


def test_whole_stack_destroy_is_denied(tmp_path):
    document = json.loads(capture("prod-delete-protected-rds.json").read_text())
    document["steps"][0]["op"] = "delete"
    code, verdict, _ = gate_json(_write(tmp_path, "destroy.json", document), "--stack", "prod")
    assert code == 1 and verdict["decision"] == "denied"
    assert any("whole stack" in r for r in verdict["reasons"])


def test_summary_counting_steps_that_are_missing_means_incomplete(tmp_path):
    document = json.loads(capture("prod-replace-dynamodb.json").read_text())
    document["changeSummary"]["delete"] = 3  # three deletes counted, none listed
    code, verdict, _ = gate_json(_write(tmp_path, "plan.json", document), "--stack", "prod")
    assert code == 1 and verdict["decision"] == "denied"
    assert any("no 'delete' step" in r for r in verdict["incomplete"])


def test_maybe_corrupt_preview_is_denied(tmp_path):
    document = json.loads(capture("pulumi-preview.json").read_text())
    document["maybeCorrupt"] = True
    code, verdict, _ = gate_json(_write(tmp_path, "plan.json", document), "--stack", "prod-x-prod")
    # the plan's URNs name stack test-a692d456: mismatch is bad input, checked first
    assert code == 2
    code, verdict, _ = gate_json(_write(tmp_path, "plan.json", document), "--stack", "test-a692d456")
    assert code == 1 and verdict["decision"] == "denied"


def test_config_cannot_make_a_prod_named_stack_lenient(tmp_path):
    document = json.loads(capture("prod-delete-protected-rds.json").read_text())
    document["config"] = {"preflight:environment": "dev"}
    code, verdict, _ = gate_json(_write(tmp_path, "plan.json", document), "--stack", "prod")
    assert code == 1 and verdict["environment"] == "prod"
    assert any("cannot make a stack more lenient" in w and "environments" in w for w in verdict["warnings"])


def test_project_dir_config_can_only_make_the_stack_stricter(tmp_path):
    document = json.loads(capture("prod-delete-protected-rds.json").read_text().replace(
        "urn:pulumi:prod::", "urn:pulumi:shop-eu::"))
    plan = _write(tmp_path, "plan.json", document)
    code, verdict, _ = gate_json(plan, "--stack", "shop-eu")
    assert code == 1 and verdict["environment"] == "prod"  # unknown name: strict
    (tmp_path / "Pulumi.shop-eu.yaml").write_text("config:\n  preflight:environment: dev\n")
    code, verdict, _ = gate_json(plan, "--stack", "shop-eu", "--project-dir", tmp_path)
    assert code == 1 and verdict["environment"] == "prod"
    assert any("Pulumi.shop-eu.yaml" in w for w in verdict["warnings"])

    dev = json.loads(json.dumps(document).replace("urn:pulumi:shop-eu::", "urn:pulumi:shop-dev::"))
    plan = _write(tmp_path, "dev.json", dev)
    assert gate_json(plan, "--stack", "shop-dev")[0] == 0
    (tmp_path / "Pulumi.shop-dev.yaml").write_text("config:\n  preflight:environment: prod\n")
    code, verdict, _ = gate_json(plan, "--stack", "shop-dev", "--project-dir", tmp_path)
    assert code == 1 and verdict["environment"] == "prod"
    assert verdict["environmentSource"].startswith("preflight:environment in Pulumi.shop-dev.yaml")


def test_stateful_types_extend_from_flag_and_config(tmp_path):
    document = json.loads(capture("prod-unknown-op.json").read_text())
    document["steps"][1]["op"] = "delete"
    document["changeSummary"] = {"delete": 1, "same": 20}
    plan = _write(tmp_path, "plan.json", document)
    assert gate_json(plan, "--stack", "prod")[0] == 0
    assert gate_json(plan, "--stack", "prod", "--stateful-type", "aws:ec2/*")[0] == 1
    config = tmp_path / "gate.yaml"
    config.write_text("statefulTypes: ['aws:ec2/securityGroup:SecurityGroup']\n")
    assert gate_json(plan, "--stack", "prod", "--config", config)[0] == 1


def test_bad_settings_are_usage_errors(tmp_path):
    plan = capture("prod-delete-protected-rds.json")
    config = tmp_path / "gate.yaml"
    config.write_text("gate:\n  maxDestructiv: 50\n")
    result = call_cli("gate", plan, "--stack", "prod", "--config", config)
    assert result.returncode == 2 and "unknown setting(s) maxDestructiv" in result.stderr
    result = call_cli("gate", plan, "--stack", "prod", "--required", "0")
    assert result.returncode == 2 and "--required must be" in result.stderr
    result = call_cli("gate", plan, "--stack", "prod", "--config", tmp_path / "missing.yaml")
    assert result.returncode == 2 and "does not exist" in result.stderr
    config.write_text("approvalEnvironments: [staging]\n")
    result = call_cli("gate", plan, "--stack", "prod", "--config", config)
    assert result.returncode == 2 and "must list prod" in result.stderr


def test_staging_can_be_made_strict(tmp_path):
    document = json.loads(capture("prod-delete-protected-rds.json").read_text())
    document["config"] = {"preflight:environment": "staging"}
    document = json.loads(json.dumps(document).replace("urn:pulumi:prod::", "urn:pulumi:stg::"))
    plan = _write(tmp_path, "plan.json", document)
    assert gate_json(plan, "--stack", "stg")[0] == 0
    config = tmp_path / "gate.yaml"
    config.write_text("approvalEnvironments: [prod, staging]\n")
    assert gate_json(plan, "--stack", "stg", "--config", config)[0] == 1


def test_help_lists_the_three_commands():
    result = call_cli("--help")
    assert result.returncode == 0
    for command in ("gate", "digest", "approve"):
        assert command in result.stdout
    assert "exit codes" in call_cli("gate", "--help").stdout
