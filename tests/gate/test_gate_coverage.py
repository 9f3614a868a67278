"""What the gate protects: stateful types (finding: aws-native, CloudFormation, more services passed
without approval) and destructive updates (retention cut, expire-all lifecycle, KMS disabled or
locked out, SQS retention, object lock), on saved plans and previews, through the CLI."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from preflight.gate import rules
from tests.conftest import PACK_DIR, ROOT
from tests.gate.gate_helpers import gate_json


def _write(tmp_path, document, name="plan.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def _urn(type_, name="r"):
    return f"urn:pulumi:prod::shop::{type_}::{name}"


def saved_plan(type_, ops, updates=None):
    goal = {"type": type_, "name": "r", "custom": True}
    if updates is not None:
        goal["inputDiff"] = {"updates": updates}
    return {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": "3.276.0"},
            "resourcePlans": {_urn(type_): {"goal": goal, "steps": ops}}}


def preview(type_, op, old_inputs, new_inputs=None):
    urn = _urn(type_)
    step = {"op": op, "urn": urn, "oldState": {"urn": urn, "type": type_, "custom": True, "inputs": old_inputs}}
    if new_inputs is not None:
        step["newState"] = {"urn": urn, "type": type_, "custom": True, "inputs": new_inputs}
    return {"steps": [step], "changeSummary": {op: 1}}


NEWLY_STATEFUL = [
    "aws-native:rds:DbInstance", "aws-native:dynamodb:Table", "aws-native:kms:Key",
    "aws-native:secretsmanager:Secret", "aws-native:s3:Bucket", "aws:cloudformation/stack:Stack",
    "aws-native:cloudformation:Stack", "aws:elasticsearch/domain:Domain",
    "aws:fsx/lustreFileSystem:LustreFileSystem", "aws:fsx/ontapVolume:OntapVolume", "aws:glacier/vault:Vault",
    "aws:msk/cluster:Cluster", "aws:keyspaces/table:Table", "aws:timestreamwrite/table:Table",
    "aws:lightsail/database:Database", "aws:ssm/parameter:Parameter",
    "aws:secretsmanager/secretVersion:SecretVersion", "aws:dynamodb/tableItem:TableItem",
    "aws:s3/bucketObjectv2:BucketObjectv2", "aws:redshiftserverless/namespace:Namespace",
    "aws:acmpca/certificateAuthority:CertificateAuthority",
    "aws-native:fsx:FileSystem",          # by family: a token nobody listed
]


@pytest.mark.parametrize("type_", NEWLY_STATEFUL)
def test_deleting_a_data_store_needs_approval(tmp_path, type_):
    for document in (saved_plan(type_, ["delete"]), preview(type_, "delete", {})):
        code, verdict, _ = gate_json(_write(tmp_path, document), "--stack", "prod")
        assert code == 1 and verdict["decision"] == "needs-approval", (type_, verdict["destructive"])
        assert verdict["destructive"][0]["needsApproval"]


def test_every_data_store_the_pack_protects_is_stateful_for_the_gate():
    """Read from the pack's catalog (the gate itself never imports the pack's rules)."""
    sys.path.insert(0, PACK_DIR)
    from preflight_policies import catalog
    not_data = {  # protected by a data-related policy, but holding no data themselves
        "aws:apigateway/methodSettings:MethodSettings", "aws:apigatewayv2/stage:Stage",
        "aws:bedrock/guardrail:Guardrail", "aws:cfg/recorder:Recorder", "aws:macie2/account:Account",
        # sharing grants (snapshot-not-public): deleting one un-shares, it destroys nothing
        "aws:ec2/amiLaunchPermission:AmiLaunchPermission",
        "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission",
        # code, judged for secrets in its environment; redeployed from source, not data
        "aws:lambda/function:Function"}
    protected = {t for p in catalog.all_policies()
                 if set(p.meta.checklist) & {"infra.backups", "compliance.data"} for t in p.types}
    assert len(protected) > 30
    missing = sorted(t for t in protected - not_data if not rules.stateful_category(t))
    assert not missing, f"the pack protects these data stores but the gate lets them go: {missing}"


def test_stateful_list_in_docs_is_generated_and_current():
    text = (Path(ROOT) / "docs" / "gate.md").read_text(encoding="utf-8")
    start, end = text.index(rules.DOCS_BEGIN) + len(rules.DOCS_BEGIN) + 1, text.index(rules.DOCS_END)
    assert text[start:end] == rules.stateful_markdown(), (
        "docs/gate.md's stateful list is stale: run `python -m preflight.gate.rules --update docs/gate.md`")
    for token in NEWLY_STATEFUL[:-1]:
        assert f"`{token}`" in text


# --- destructive updates: each on a saved plan and on a preview -------------------------------------

BACKUP = "aws:backup/plan:Plan"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
KEY = "aws:kms/key:Key"
QUEUE = "aws:sqs/queue:Queue"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"


def _rule(days):
    return [{"ruleName": "daily", "targetVaultName": "v", "schedule": "cron(0 5 * * ? *)",
             "lifecycle": {"deleteAfter": days}}]


def _expire(days=None, noncurrent=None, prefix=None):
    rule = {"id": "r", "status": "Enabled", "filter": {"prefix": prefix} if prefix is not None else {}}
    if days is not None:
        rule["expiration"] = {"days": days}
    if noncurrent is not None:
        rule["noncurrentVersionExpiration"] = {"noncurrentDays": noncurrent}
    return [rule]


DENY_ALL = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
     "Action": "kms:*", "Resource": "*"},
    {"Sid": "nobody", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]})
OPEN = json.dumps({"Version": "2012-10-17", "Statement": [json.loads(DENY_ALL)["Statement"][0]]})

DOWNGRADES = [  # (type, property, old inputs, new inputs)
    (BACKUP, "rules.lifecycle.deleteAfter", {"rules": _rule(35)}, {"rules": _rule(1)}),
    (LIFECYCLE, "rules.expiration", {"rules": _expire(noncurrent=90, prefix="tmp/")},
     {"rules": _expire(days=1, noncurrent=1)}),
    (KEY, "isEnabled", {"isEnabled": True}, {"isEnabled": False}),
    (KEY, "keyPolicy", {"policy": OPEN}, {"policy": DENY_ALL}),
    (QUEUE, "messageRetentionSeconds", {"messageRetentionSeconds": 1209600}, {"messageRetentionSeconds": 60}),
    (LOCK, "rule.defaultRetention", {"rule": {"defaultRetention": {"mode": "COMPLIANCE", "years": 7}}},
     {"rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 1}}}),
    (LOCK, "rule.defaultRetention", {"rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 30}}},
     {"rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 30}}}),
]


@pytest.mark.parametrize("type_, prop, old, new", DOWNGRADES, ids=[f"{d[0]}:{d[1]}" for d in DOWNGRADES])
def test_destructive_update_needs_approval_in_a_preview(tmp_path, type_, prop, old, new):
    code, verdict, _ = gate_json(_write(tmp_path, preview(type_, "update", old, new)), "--stack", "prod")
    assert code == 1, verdict
    [finding] = verdict["destructive"]
    assert finding["kind"] == "downgrade" and prop in {d["property"] for d in finding["downgrades"]}
    # ...and the reverse change is not a downgrade
    code, verdict, _ = gate_json(_write(tmp_path, preview(type_, "update", new, old)), "--stack", "prod")
    assert prop not in {d["property"] for f in verdict["destructive"] for d in f["downgrades"]}


@pytest.mark.parametrize("type_, prop, old, new", DOWNGRADES, ids=[f"{d[0]}:{d[1]}" for d in DOWNGRADES])
def test_destructive_update_needs_approval_in_a_saved_plan(tmp_path, type_, prop, old, new):
    code, verdict, _ = gate_json(_write(tmp_path, saved_plan(type_, ["update"], new)), "--stack", "prod")
    assert code == 1, verdict
    [finding] = verdict["destructive"]
    assert prop in {d["property"] for d in finding["downgrades"]}


def test_harmless_updates_stay_harmless(tmp_path):
    for type_, updates in ((LIFECYCLE, {"rules": _expire(days=30, prefix="tmp/")}),
                           (KEY, {"policy": OPEN, "description": "x"}), (KEY, {"isEnabled": True}),
                           (BACKUP, {"rules": [{"ruleName": "daily", "targetVaultName": "v"}]})):
        code, verdict, _ = gate_json(_write(tmp_path, saved_plan(type_, ["update"], updates)), "--stack", "prod")
        assert code == 0 and verdict["destructive"] == [], (type_, verdict["destructive"])


def test_a_disabled_key_in_a_secret_is_unknown_and_fails_closed(tmp_path):
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "x"}
    code, verdict, _ = gate_json(_write(tmp_path, preview(KEY, "update", {"isEnabled": True},
                                                          {"isEnabled": secret})), "--stack", "prod")
    assert code == 1 and verdict["destructive"][0]["downgrades"][0]["new"] == "(secret)"
