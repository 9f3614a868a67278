"""Programs in the styles application teams write, through `preflight check` (recording engine + the pack).

The hand review's complaints, each as a program: application stacks failed for account-level controls,
findings about AWS defaults that are secure today, and crashes presented as findings.
"""

from preflight.check.check import run_check
from tests.conftest import write_project

ACCOUNT_POLICIES = {"prod-budget-present", "cloudtrail-present", "guardduty-present", "config-recorder-present",
                    "securityhub-enabled", "access-analyzer-present", "cost-anomaly-detection",
                    "security-contact-registered", "macie-enabled"}

UPLOADS_SERVICE = '''
import json
import pulumi
import pulumi_aws as aws

uploads = aws.s3.Bucket("uploads", force_destroy=False)
aws.s3.BucketVersioning("uploads-versioning", bucket=uploads.id,
                        versioning_configuration={"status": "Enabled"})
role = aws.iam.Role("handler-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]}))
fn = aws.lambda_.Function("handler", runtime="python3.12", handler="app.handler", role=role.arn,
                          code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(e, c): return 1")}))
pulumi.export("bucket", uploads.bucket)
'''

ODD_SHAPES = '''
import pulumi
import pulumi_aws as aws

# Invocation logging that names an existing delivery role by ARN, as teams write it.
aws.bedrockmodel.InvocationLoggingConfiguration("llm-logs", logging_config={
    "cloudwatch_config": {"log_group_name": "/llm/invocations",
                          "role_arn": "arn:aws:iam::123456789012:role/bedrock-logging"},
    "text_data_delivery_enabled": True})
# A restore testing plan that names its vault by literal ARN.
aws.backup.RestoreTestingPlan("restore-test", name="restore_test", schedule_expression="cron(0 5 ? * 1 *)",
    recovery_point_selection={"algorithm": "LATEST_WITHIN_WINDOW", "recovery_point_types": ["SNAPSHOT"],
                              "include_vaults": ["arn:aws:backup:eu-west-1:123456789012:backup-vault:prod"]})
vault = aws.backup.Vault("vault", name="prod-vault")
aws.backup.Plan("plan", name="daily", rules=[{"rule_name": "daily", "target_vault_name": vault.name,
                                                "schedule": "cron(0 3 * * ? *)",
                                                "lifecycle": {"delete_after": 35}}])
'''


def _check(tmp_path, source, name):
    directory = tmp_path / name
    directory.mkdir()
    write_project(directory, source, stack="prod", config={"aws:region": "eu-west-1"}, project_name=name)
    return run_check(str(directory), "prod")


def test_application_stack_does_not_fail_on_account_level_policies(tmp_path):
    result = _check(tmp_path, UPLOADS_SERVICE, "uploads")
    account = [v for v in result.violations if v["policy"] in ACCOUNT_POLICIES]
    assert not [v for v in account if v["level"] == "mandatory"], account
    summaries = [v for v in result.violations if v["policy"] == "account-baseline-controls"]
    assert len(summaries) == 1 and summaries[0]["level"] == "advisory"


def test_secure_aws_defaults_are_not_reported_as_failures(tmp_path):
    result = _check(tmp_path, UPLOADS_SERVICE, "uploads-defaults")
    by_policy = {}
    for v in result.violations:
        by_policy.setdefault(v["policy"], []).append(v)
    assert "s3-bucket-ownership-enforced" not in by_policy  # nobody gave the bucket an ACL
    assert all(v["level"] == "advisory" for v in by_policy.get("s3-bucket-public-access-block", []))
    for v in by_policy.get("s3-bucket-kms-encryption", []):
        assert "has no server-side encryption" not in v["message"] and "SSE-S3" in v["message"]


def test_real_shapes_that_crashed_are_judged(tmp_path):
    result = _check(tmp_path, ODD_SHAPES, "odd")
    assert not [v for v in result.violations if "could not evaluate" in v["message"]]
