"""`preflight audit` end to end: a subprocess with boto3 talking to moto's HTTP server."""
from __future__ import annotations

import json
import socket

import pytest

from preflight.audit import catalog
from preflight.audit.model import SEVERITY_RANK

from . import seeds
from .conftest import run_audit

# What moto cannot show (no root row in its credential report, no restore testing API): reported as
# "not checked" with the reason, never as a pass.
NOT_CHECKED_ON_MOTO = {"backup-restore-testing", "root-mfa", "root-access-keys", "root-hardware-mfa"}
ACCOUNT_CHECK_IDS = {c.id for c in catalog.ACCOUNT_CHECKS}


@pytest.fixture(scope="module")
def insecure(moto_server):
    moto_server.reset()
    seeds.seed_insecure(moto_server)
    # Keys made during seeding are seconds old: a 0-day limit makes the key-age check judge them.
    result = run_audit(moto_server.env(), "--format", "json", "--max-key-age-days", "0",
                       "--max-unused-days", "0")
    table = run_audit(moto_server.env(), "--fail-on", "critical")
    moto_server.reset()
    return result, table


@pytest.fixture(scope="module")
def secure(moto_server):
    moto_server.reset()
    seeds.seed_secure(moto_server)
    result = run_audit(moto_server.env(), "--format", "json", "--fail-on", "low")
    moto_server.reset()
    return result


def test_insecure_account_every_check_fires(insecure):
    result, _ = insecure
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["account"] == seeds.ACCOUNT and report["region"] == "us-east-1"
    fired = {f["check"] for f in report["findings"]}
    assert fired == ACCOUNT_CHECK_IDS - NOT_CHECKED_ON_MOTO
    statuses = {c["id"]: c for c in report["checks"]}
    for check_id in NOT_CHECKED_ON_MOTO:
        assert statuses[check_id]["status"] == "not checked" and statuses[check_id]["reason"]
    assert not any("internal error" in c.get("reason", "") for c in report["checks"])


def test_insecure_findings_are_sorted_and_complete(insecure):
    report = json.loads(insecure[0].stdout)
    ranks = [SEVERITY_RANK[f["severity"]] for f in report["findings"]]
    assert ranks == sorted(ranks, reverse=True)
    for finding in report["findings"]:
        assert set(finding) == {"check", "checklist", "severity", "resource", "message", "remediation"}
        assert finding["checklist"] and finding["message"] and finding["remediation"]
    assert sum(report["summary"].values()) == len(report["findings"])
    by_resource = {(f["check"], f["resource"]): f for f in report["findings"]}
    assert by_resource[("s3-bucket-encryption", "s3://sse-s3-only")]["severity"] == "low"
    assert by_resource[("s3-bucket-encryption", "s3://customer-uploads")]["severity"] == "high"
    assert "no snapshot or recovery point" in by_resource[
        ("rds-recent-backup", f"arn:aws:rds:us-east-1:{seeds.ACCOUNT}:db:orders-db")]["message"]


def test_checklist_summary_covers_every_item(insecure):
    report = json.loads(insecure[0].stdout)
    rows = {row["id"]: row for row in report["checklist"]}
    assert len(rows) == 18
    assert rows["compliance.audit-logging"]["status"] == "fail"
    assert rows["ai.prompt-injection"]["status"] == "not checked"
    assert rows["infra.rollback"]["status"] == "not checked"


def test_table_report_reads_top_down(insecure):
    _, table = insecure
    assert table.returncode == 1  # criticals exist, so --fail-on critical still fails
    out = table.stdout
    assert out.index("CRITICAL") < out.index("HIGH ") < out.index("MEDIUM") < out.index("LOW ")
    assert "CHECKLIST" in out and "NOT CHECKED (4 checks)" in out
    assert "FAIL: 4 finding(s) at or above critical." in out
    assert table.stderr == ""  # no progress output when stderr is not a terminal


def test_secure_account_nothing_fires(secure):
    assert secure.returncode == 0, secure.stdout + secure.stderr
    report = json.loads(secure.stdout)
    assert report["findings"] == [] and set(report["summary"].values()) == {0}
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert {i for i, s in statuses.items() if s == "pass"} == ACCOUNT_CHECK_IDS - NOT_CHECKED_ON_MOTO
    rows = {row["id"]: row["status"] for row in report["checklist"]}
    assert rows["security.encryption"] == rows["infra.backups"] == rows["compliance.audit-logging"] == "pass"


def test_fail_on_threshold(moto):
    seeds.rds_instance(moto, "lonely-db", StorageEncrypted=True, BackupRetentionPeriod=7, DeletionProtection=True)
    # The bare account has high findings (no trail, no budget...) but nothing low-only matters here:
    high = run_audit(moto.env(), "--format", "json")
    critical = json.loads(high.stdout)["summary"]["critical"]
    assert high.returncode == 1
    only_critical = run_audit(moto.env(), "--format", "json", "--fail-on", "critical")
    assert only_critical.returncode == (1 if critical else 0)


def test_restore_drill_restores_measures_and_cleans_up(moto):
    rds = moto.client("rds")
    seeds.rds_instance(moto, "drill-db", StorageEncrypted=True, BackupRetentionPeriod=7, DeletionProtection=True,
                       Tags=[{"Key": "preflight:restore-drill", "Value": "true"},
                             {"Key": "preflight:environment", "Value": "dev"}])
    seeds.rds_instance(moto, "prod-db", Tags=[{"Key": "preflight:restore-drill", "Value": "true"},
                                              {"Key": "environment", "Value": "production"}])
    before = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}

    result = run_audit(moto.env(), "--format", "json", "--restore-drill")
    report = json.loads(result.stdout)
    drills = {d["database"]: d for d in report["restoreDrill"]}
    dev = drills["drill-db"]
    assert dev["status"] == "restored" and dev["cleanedUp"] is True
    assert dev["rtoSeconds"] is not None and 0 <= dev["rpoHours"] < 1
    assert dev["snapshot"].startswith("rds:drill-db-") and dev["scratchInstance"].startswith("preflight-drill-drill-db-")
    assert drills["prod-db"]["status"] == "skipped" and "--allow-prod" in drills["prod-db"]["reason"]
    after = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    assert set(after) == set(before)  # scratch gone, sources still there
    for ident, record in before.items():
        for key in ("DBInstanceStatus", "DeletionProtection", "TagList", "StorageEncrypted"):
            assert after[ident][key] == record[key]
    assert not [s for s in rds.describe_db_snapshots()["DBSnapshots"] if "preflight-drill" in s["DBInstanceIdentifier"]]

    # With --allow-prod the prod database is drilled too; a tiny RPO makes the drill report it as missed.
    forced = run_audit(moto.env(), "--format", "json", "--restore-drill", "--allow-prod", "--rpo-hours", "0.0001")
    report = json.loads(forced.stdout)
    assert {d["database"]: d["status"] for d in report["restoreDrill"]} == {"drill-db": "restored",
                                                                            "prod-db": "restored"}
    assert {f["resource"] for f in report["findings"] if f["check"] == "restore-drill-rpo"} == {"drill-db", "prod-db"}
    assert set(d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]) == set(before)


def test_restore_drill_without_snapshot_is_a_finding(moto):
    seeds.rds_instance(moto, "bare-db", Tags=[{"Key": "preflight:restore-drill", "Value": "yes"},
                                              {"Key": "env", "Value": "sandbox"}])
    rds = moto.client("rds")
    for snap in rds.describe_db_snapshots(DBInstanceIdentifier="bare-db")["DBSnapshots"]:
        rds.delete_db_snapshot(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
    result = run_audit(moto.env(), "--format", "table", "--restore-drill")
    assert result.returncode == 1
    assert "restore-drill-failed" in result.stdout and "no available snapshot to restore" in result.stdout
    assert "FAILED    instance bare-db (dev)" in result.stdout


def test_denied_call_is_a_finding_about_the_audit_role(moto):
    iam = moto.client("iam")
    iam.create_user(UserName="auditor")
    iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "cloudtrail:DescribeTrails", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    moto.enforce_auth(True)
    result = run_audit(moto.env(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"]),
                       "--format", "json")
    moto.enforce_auth(False)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    # moto's server (auth on) also refuses the SigV4 of REST-protocol calls (guardduty, lambda...), so
    # those show up as denied too; the cloudtrail one is the deny this test wrote.
    role = [f for f in report["findings"] if f["check"] == "audit-role-permissions"
            and "cloudtrail:" in f["message"]]
    assert len(role) == 1 and role[0]["severity"] == "high"
    assert "cloudtrail:DescribeTrails" in role[0]["message"] and "cloudtrail:DescribeTrails" in role[0]["remediation"]
    assert role[0]["resource"].endswith("user/auditor")
    statuses = {c["id"]: c for c in report["checks"]}
    for check_id in ("cloudtrail-multi-region-logging", "cloudtrail-log-validation", "cloudtrail-kms-encryption",
                     "cloudtrail-recent-delivery"):
        assert statuses[check_id]["status"] == "not checked"
        assert "cloudtrail:DescribeTrails" in statuses[check_id]["reason"]
    assert statuses["kms-key-rotation"]["status"] == "pass"  # the other checks still ran
    assert statuses["budgets-notifications"]["status"] == "fail"


def test_rejected_credentials_exit_2(moto):
    moto.enforce_auth(True)
    result = run_audit(moto.env(AWS_ACCESS_KEY_ID="AKIAWRONGWRONGWRONG0", AWS_SECRET_ACCESS_KEY="nope"))
    moto.enforce_auth(False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("preflight audit: error: AWS rejected the credentials (InvalidClientTokenId")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_credentials_exit_2(moto):
    result = run_audit(moto.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None))
    assert result.returncode == 2
    assert "no AWS credentials found; set AWS_PROFILE" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_endpoint_exit_2(moto):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the with-block ends: nothing listens there
    result = run_audit(moto.env(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"preflight audit: error: cannot reach http://127.0.0.1:{port}")
    assert "AWS_ENDPOINT_URL" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args, env_change, message", [
    (["--allow-prod"], {}, "--allow-prod only applies to --restore-drill"),
    ([], {"AWS_DEFAULT_REGION": None}, "no AWS region configured; pass --region"),
    (["--rpo-hours", "0"], {}, "must be greater than 0"),
    (["--format", "xml"], {}, "invalid choice"),
    ([], {"AWS_PROFILE": "no-such-profile"}, "no-such-profile"),
])
def test_bad_input_exit_2(moto, args, env_change, message):
    result = run_audit(moto.env(**env_change), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
