"""What counts as destructive, what holds state, and which protection changes are downgrades."""
from __future__ import annotations

import pytest

from tests.gate.gate_helpers import capture
from preflight.gate import plan as plan_mod
from preflight.gate.plan import PREVIEW, UPDATE_PLAN, ResourceChange
from preflight.gate.rules import (KNOWN_OPS, STATEFUL_TYPES, classify, classify_all,
                                  needs_approval, stateful_category)

RDS = "aws:rds/instance:Instance"


def findings_of(name):
    loaded = plan_mod.load(str(capture(name)))
    return {f.change.name: f for f in classify_all(loaded.changes, loaded.format)}


def change(ops, type_=RDS, old=None, new=None, input_diff=None):
    return ResourceChange(urn=f"urn:pulumi:prod::shop::{type_}::x", type=type_, name="x",
                          ops=list(ops), old=old, new=new, input_diff=input_diff)


@pytest.mark.parametrize("op, kind", [
    ("delete", "delete"), ("replace", "replace"), ("create-replacement", "replace"),
    ("delete-replaced", "replace"), ("import-replacement", "replace"), ("discard", "discard"),
    ("discard-replaced", "discard"), ("remove-pending-replace", "discard"),
    ("vaporize", "unknown-op"),
])
def test_destructive_ops(op, kind):
    finding = classify(change([op]), UPDATE_PLAN)
    assert finding is not None and finding.kind == kind
    assert needs_approval(finding)  # an RDS instance is stateful


@pytest.mark.parametrize("op", ["same", "create", "update", "read", "refresh", "import",
                                "read-replacement"])
def test_harmless_ops_are_not_findings(op):
    assert classify(change([op]), UPDATE_PLAN) is None


def test_unknown_op_is_gated_even_on_a_stateless_type():
    finding = classify(change(["teleport"], type_="aws:ec2/securityGroup:SecurityGroup"), PREVIEW)
    assert finding.kind == "unknown-op" and finding.unknown_ops == ["teleport"]
    assert needs_approval(finding)
    assert "teleport" not in KNOWN_OPS


def test_real_preview_capture_reports_but_does_not_gate_stateless_changes():
    found = findings_of("pulumi-preview.json")
    assert set(found) == {"random-str-0", "random-str-extra-0"}
    assert found["random-str-0"].kind == "replace" and found["random-str-extra-0"].kind == "delete"
    assert not any(f.gated for f in found.values())


def test_protected_rds_delete_is_gated_as_stateful_and_protected():
    finding = findings_of("prod-delete-protected-rds.json")["orders-db"]
    assert finding.gated and finding.kind == "delete"
    assert finding.stateful == "database" and finding.protected is True


def test_dynamodb_replace_names_the_replace_reasons():
    finding = findings_of("prod-replace-dynamodb.json")["orders"]
    assert finding.gated and finding.kind == "replace"
    assert finding.change.replace_reasons == ["attributes", "hashKey"]
    assert any("hashKey" in r for r in finding.reasons)


def test_unprotect_then_replace_in_one_update_is_seen():
    found = findings_of("prod-unprotect-then-replace.json")
    cluster = found["ledger"]
    assert cluster.kind == "replace" and cluster.protected is True
    assert {d.property for d in cluster.downgrades} == {"protect", "deletionProtection"}
    key = found["ledger-key"]  # a `same` step kept only because protect flipped
    assert key.kind == "downgrade" and key.change.ops == ["same"]
    assert [d.property for d in key.downgrades] == ["protect"] and key.gated


def test_rds_downgrades_with_provider_defaults():
    finding = findings_of("prod-downgrade-rds.json")["orders-db"]
    assert finding.kind == "downgrade" and finding.gated
    by_property = {d.property: d for d in finding.downgrades}
    assert set(by_property) == {"skipFinalSnapshot", "deleteAutomatedBackups", "backupRetentionPeriod"}
    assert (by_property["backupRetentionPeriod"].old, by_property["backupRetentionPeriod"].new) == (14, 1)
    # deleteAutomatedBackups removed from the program: the provider default (true) deletes them
    assert by_property["deleteAutomatedBackups"].new == "(provider default)"


def test_raising_protection_is_not_a_downgrade():
    old = {"inputs": {"deletionProtection": False, "backupRetentionPeriod": 7, "skipFinalSnapshot": True}}
    new = {"inputs": {"deletionProtection": True, "backupRetentionPeriod": 14, "skipFinalSnapshot": False},
           "protect": True}
    assert classify(change(["update"], old=old, new=new), PREVIEW) is None


@pytest.mark.parametrize("path, old_value, new_value, type_", [
    ("deletionProtectionEnabled", True, False, "aws:dynamodb/table:Table"),
    ("enableDeletionProtection", True, False, "aws:lb/loadBalancer:LoadBalancer"),
    ("disableApiTermination", True, False, "aws:ec2/instance:Instance"),
    ("deletionProtection", "ACTIVE", "INACTIVE", "aws:cognito/userPool:UserPool"),
    ("forceDestroy", False, True, "aws:s3/bucketV2:BucketV2"),
    ("recoveryWindowInDays", 30, 0, "aws:secretsmanager/secret:Secret"),
    ("deletionWindowInDays", 30, 7, "aws:kms/key:Key"),
    ("retentionInDays", 365, 1, "aws:cloudwatch/logGroup:LogGroup"),
])
def test_each_guard_detects_its_downgrade(path, old_value, new_value, type_):
    finding = classify(change(["update"], type_=type_, old={"inputs": {path: old_value}},
                              new={"inputs": {path: new_value}}), PREVIEW)
    assert finding is not None and [d.property for d in finding.downgrades] == [path]
    assert needs_approval(finding)


def test_unknown_new_value_during_preview_fails_closed():
    finding = classify(change(["update"], old={"inputs": {"deletionProtection": True}},
                              new={"inputs": {"deletionProtection": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}}),
                       PREVIEW)
    assert finding is not None and finding.downgrades[0].new == "(unknown)"


def test_log_retention_zero_means_forever_so_setting_it_is_not_a_cut():
    log = "aws:cloudwatch/logGroup:LogGroup"
    assert classify(change(["update"], type_=log, old={"inputs": {"retentionInDays": 30}},
                           new={"inputs": {"retentionInDays": 0}}), PREVIEW) is None
    assert classify(change(["update"], type_=log, old={"inputs": {}},
                           new={"inputs": {"retentionInDays": 90}}), PREVIEW) is not None


def test_retain_on_delete_is_reported_not_gated_but_deleted_with_never_excuses():
    found = findings_of("prod-retain-and-deleted-with.json")
    assert found["feature-flag"].retain_on_delete and not found["feature-flag"].gated
    logs = found["app-logs"]
    assert logs.deleted_with and logs.gated
    assert any("does not excuse" in r for r in logs.reasons)


def test_update_plan_downgrades_judge_the_new_value():
    found = findings_of("prod-update-plan-destructive.json")
    assert found["orders-db"].kind == "delete" and found["orders-db"].protected is None
    assert [d.property for d in found["invoices"].downgrades] == ["forceDestroy"]
    assert [d.property for d in found["db-password"].downgrades] == ["recoveryWindowInDays"]
    assert "api" not in found  # memorySize is not a protection


def test_update_plan_flag_turned_back_on_is_not_a_downgrade():
    finding = classify(change(["update"], input_diff={"updates": {"deletionProtection": True,
                                                                  "skipFinalSnapshot": False}}),
                       UPDATE_PLAN)
    assert finding is None


def test_stateful_list_is_documented_and_extendable():
    for token in ("aws:rds/instance:Instance", "aws:dynamodb/table:Table", "aws:kms/key:Key",
                  "aws:s3/bucketV2:BucketV2", "aws:backup/vault:Vault", "aws:cloudwatch/logGroup:LogGroup",
                  "aws:secretsmanager/secret:Secret"):
        assert token in STATEFUL_TYPES
    assert stateful_category("aws:mwaa/environment:Environment") is None
    assert stateful_category("aws:mwaa/environment:Environment", ["aws:mwaa/*"]) == "stateful (configured)"
    airflow = change(["delete"], type_="aws:mwaa/environment:Environment")
    assert not needs_approval(classify(airflow, UPDATE_PLAN))
    assert needs_approval(classify(airflow, UPDATE_PLAN, ["aws:mwaa/*"]))


def test_digest_items_are_the_same_for_a_preview_and_a_saved_plan():
    preview_change = change(["delete"], old={"inputs": {}, "protect": True})
    plan_change = change(["delete"])
    assert classify(preview_change, PREVIEW).digest_lines == classify(plan_change, UPDATE_PLAN).digest_lines


def test_docs_list_every_stateful_type_and_guard():
    from pathlib import Path

    from preflight.gate.rules import GUARDS
    docs = (Path(__file__).resolve().parents[2] / "docs" / "gate.md").read_text()
    missing = [t for t in STATEFUL_TYPES if f"`{t}`" not in docs]
    missing += [g.path for g in GUARDS if f"`{g.path}`" not in docs]
    assert missing == [], f"docs/gate.md does not list: {missing}"


def test_delete_before_replace_is_named():
    dbr = classify(change(["delete-replaced", "replace", "create-replacement"]), PREVIEW)
    assert dbr.reasons[0].startswith("delete-before-replace")
    plan_dbr = change(["create-replacement", "replace", "delete-replaced"])
    plan_dbr.goal = {"deleteBeforeReplace": True}
    assert classify(plan_dbr, UPDATE_PLAN).reasons[0].startswith("delete-before-replace")
    normal = classify(change(["create-replacement", "replace", "delete-replaced"]), PREVIEW)
    assert normal.reasons[0].startswith("replaced")
