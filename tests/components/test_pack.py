"""The components through the whole policy pack, over the analyzer protocol (`preflight check`).

The repo's baseline must pass the full pack with zero violations in prod (mandatory or advisory) and
zero mandatory in dev. Each component with one default turned off (by its named opt-out argument) must
be caught by the pack.
"""
from __future__ import annotations

import os

import pytest

from preflight.check.check import run_check

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def prod_result():
    return run_check(ROOT, "prod")


@pytest.fixture(scope="module")
def dev_result():
    return run_check(ROOT, "dev")


def _describe(violations) -> str:
    return "\n".join(f"  [{v['level']}] {v['policy']}: {v['message']} ({v['urn'].split('::')[-1]})"
                     for v in violations)


def test_prod_baseline_passes_the_full_pack_with_zero_violations(prod_result):
    assert prod_result.environment == "prod"
    assert len(prod_result.resources) > 100
    assert prod_result.violations == [], "prod baseline violations:\n" + _describe(prod_result.violations)
    # Every policy of the pack was enabled: no subset, no exemption config.
    assert all(p["level"] != "disabled" for p in prod_result.policies)


def test_dev_baseline_has_zero_mandatory_violations(dev_result):
    assert dev_result.environment == "dev"
    mandatory = [v for v in dev_result.violations if v["level"] == "mandatory"]
    assert mandatory == [], "dev baseline mandatory violations:\n" + _describe(mandatory)


def test_prod_and_dev_are_separate_accounts_with_separate_ranges(prod_result, dev_result):
    providers = {}
    for name, result in (("prod", prod_result), ("dev", dev_result)):
        explicit = [r for r in result.resources if r["type"] == "pulumi:providers:aws"]
        assert len(explicit) == 1, f"{name}: expected one explicit aws provider"
        providers[name] = explicit[0]["props"]["allowedAccountIds"]
        custom = [r for r in result.resources if r["type"].startswith("aws:")]
        # In a preview a new provider's id is unknown, so the reference is read by its URN.
        assert all(r["providerResource"]["name"].startswith(f"aws-{name}") for r in custom), \
            f"{name}: every AWS resource must use the pinned provider"
    assert providers["prod"] != providers["dev"]
    import ipaddress
    cidrs = {n: [r["props"]["cidrBlock"] for r in res.resources if r["type"] == "aws:ec2/vpc:Vpc"][0]
             for n, res in (("prod", prod_result), ("dev", dev_result))}
    assert not ipaddress.ip_network(cidrs["prod"]).overlaps(ipaddress.ip_network(cidrs["dev"]))


# -- Variants: one default turned off each, in a prod stack -----------------------------------------
# Resource-level: (variant component name) -> (the policy that must catch it, its level in prod).
VARIANTS = {
    "v-bucket-unprotected": ("prod-data-stores-protected", "mandatory"),
    "v-key-unprotected": ("prod-data-stores-protected", "mandatory"),
    "v-db-no-deletion-protection": ("rds-deletion-protection", "mandatory"),
    "v-db-unprotected": ("prod-data-stores-protected", "mandatory"),
    "v-backup-unprotected": ("prod-data-stores-protected", "mandatory"),
    "v-secret-unprotected": ("prod-data-stores-protected", "mandatory"),
    "v-account-unprotected": ("prod-data-stores-protected", "mandatory"),
    "v-trail-unprotected": ("prod-data-stores-protected", "mandatory"),
    "v-trail-no-data-events": ("cloudtrail-s3-data-events", "advisory"),
    "v-bucket-unversioned": ("s3-bucket-versioning", "mandatory"),
    "v-bucket-no-access-logs": ("s3-bucket-access-logging", "mandatory"),
    "v-key-no-rotation": ("kms-key-rotation", "mandatory"),
    "v-secret-no-rotation": ("secretsmanager-secret-rotation", "mandatory"),
    "v-network-no-flow-logs": ("vpc-flow-logs", "mandatory"),
    "v-db-single-az": ("rds-multi-az", "mandatory"),
    "v-llm-logs-unprotected": ("prod-data-stores-protected", "mandatory"),
    "v-api-no-xray": ("apigateway-stage-xray", "mandatory"),
    "v-backup-unlocked": ("backup-vault-locked", "mandatory"),
    "v-backup-untested": ("backup-restore-tested", "mandatory"),
    # Not an opt-out but the risky input AgentAccess allows: a grant on an expensive model needs approval.
    "v-agent-expensive-model": ("bedrock-expensive-model-access", "mandatory"),
}

VARIANT_PROGRAM = f"""
import sys
sys.path.insert(0, {ROOT!r})
import pulumi, pulumi_aws as aws
import components as c

provider = aws.Provider("aws-prod", region="eu-west-1", allowed_account_ids=["222222222222"])
opts = pulumi.ResourceOptions(providers=[provider])
KEY = "arn:aws:kms:eu-west-1:222222222222:key/variant"
DATA = ["arn:aws:s3:::variant-data"]
CONTACT = c.SecurityContact(name="Sec", title="Security", email="security@example.com", phone="+44 20 7946 0000")

c.SecureBucket("v-bucket-unprotected", c.SecureBucketArgs(kms_key_arn=KEY, access_log_bucket="logs",
                                                         protect=False), opts=opts)
c.KmsKey("v-key-unprotected", c.KmsKeyArgs(description="variant", protect=False), opts=opts)
c.Database("v-db-no-deletion-protection", c.DatabaseArgs(
    identifier="v-db-no-deletion-protection", vpc_id="vpc-1", subnet_ids=["s1", "s2"], kms_key_arn=KEY,
    allowed_cidrs=["10.20.64.0/20"], deletion_protection=False), opts=opts)
c.Database("v-db-unprotected", c.DatabaseArgs(
    identifier="v-db-unprotected", vpc_id="vpc-1", subnet_ids=["s1", "s2"], kms_key_arn=KEY,
    allowed_cidrs=["10.20.64.0/20"], protect=False), opts=opts)
c.BackupPlan("v-backup-unprotected", c.BackupPlanArgs(plan_name="v-backup", kms_key_arn=KEY,
                                                      rules=c.PROD.backup_rules, protect=False), opts=opts)
c.BackupPlan("v-backup-unlocked", c.BackupPlanArgs(plan_name="v-backup-unlocked", kms_key_arn=KEY,
                                                   rules=c.PROD.backup_rules, vault_lock=False), opts=opts)
c.BackupPlan("v-backup-untested", c.BackupPlanArgs(plan_name="v-backup-untested", kms_key_arn=KEY,
                                                   rules=c.PROD.backup_rules, restore_test_resource_types=()),
             opts=opts)
c.Secret("v-secret-unprotected", c.SecretArgs(secret_name="v/secret", kms_key_arn=KEY, description="variant",
                                              no_rotation_reason="test variant", protect=False), opts=opts)
c.AccountBaseline("v-account-unprotected", c.AccountBaselineArgs(
    prefix="v-account", state_bucket_name="v-account-state", security_contact=CONTACT, protect=False), opts=opts)
c.AuditTrail("v-trail-unprotected", c.AuditTrailArgs(trail_name="v-trail", access_log_bucket="logs",
                                                     s3_data_event_bucket_arns=DATA, protect=False), opts=opts)
c.SecureBucket("v-bucket-unversioned", c.SecureBucketArgs(kms_key_arn=KEY, access_log_bucket="logs",
                                                         versioning=False), opts=opts)
c.SecureBucket("v-bucket-no-access-logs", c.SecureBucketArgs(kms_key_arn=KEY, access_logging=False), opts=opts)
c.KmsKey("v-key-no-rotation", c.KmsKeyArgs(description="variant", enable_key_rotation=False), opts=opts)
c.Secret("v-secret-no-rotation", c.SecretArgs(secret_name="v/secret-2", kms_key_arn=KEY, description="variant",
                                              no_rotation_reason="vendor key, rotated in the vendor console"),
         opts=opts)
c.Network("v-network-no-flow-logs", c.NetworkArgs(cidr_block="10.30.0.0/16", availability_zones=["eu-west-1a",
                                                                                                "eu-west-1b"],
                                                  flow_log_kms_key_arn=KEY, flow_logs=False), opts=opts)
c.Database("v-db-single-az", c.DatabaseArgs(
    identifier="v-db-single-az", vpc_id="vpc-1", subnet_ids=["s1", "s2"], kms_key_arn=KEY,
    allowed_cidrs=["10.20.64.0/20"], multi_az=False), opts=opts)
c.ModelInvocationLogging("v-llm-logs-unprotected", c.ModelInvocationLoggingArgs(
    kms_key_arn=KEY, access_log_bucket="logs", protect=False), opts=opts)
c.AuditTrail("v-trail-no-data-events", c.AuditTrailArgs(trail_name="v-trail-2", access_log_bucket="logs"), opts=opts)
c.ApiProtection("v-api-no-xray", c.ApiProtectionArgs(rest_api_id="api-1", deployment_id="dep-1", stage_name="v1",
                                                     kms_key_arn=KEY, consumers=["web"], xray_tracing=False), opts=opts)
c.AgentAccess("v-agent-expensive-model", c.AgentAccessArgs(role_name="v-agent", statements=[c.AgentStatement(
    actions=["bedrock:InvokeModel"],
    resources=["arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-opus-4-20250514-v1:0"])],
    trusted_principal_arns=["arn:aws:iam::222222222222:role/runner"]), opts=opts)
"""

# Account-level opt-outs: each removes the only resource of its kind from an otherwise complete prod
# environment that declares itself the account baseline (so account-level controls are mandatory in prod), so
# the pack's stack policies (which blame the stack) attribute each violation to it.
ACCOUNT_VARIANTS = {
    "security_hub=False": ("securityhub-enabled", "mandatory"),
    "record_configuration=False": ("config-recorder-present", "mandatory"),
    "security_contact_managed_elsewhere=True": ("security-contact-registered", "mandatory"),
    "profile macie=False": ("macie-enabled", "mandatory"),
    # bedrock_invocation_logging=False is not here: the agent role's policy (the only sign of Bedrock use in
    # this program) is computed from new resources' ARNs, so it is unknown in a preview, as under
    # `pulumi preview`, and the pack cannot see the use. tests/policypack covers the policy itself.
    "cost_anomaly_detection=False": ("cost-anomaly-detection", "mandatory"),
}

ACCOUNT_VARIANT_PROGRAM = f"""
import sys
sys.path.insert(0, {ROOT!r})
import pulumi, pulumi_aws as aws
import components as c

provider = aws.Provider("aws-prod", region="eu-west-1", allowed_account_ids=["222222222222"])
c.Environment("v-env", c.EnvironmentArgs(
    prefix="v-env", profile=c.PROD.with_overrides(macie=False), cidr_block="10.20.0.0/16",
    availability_zones=["eu-west-1a", "eu-west-1b"], runbook_base_url="https://runbooks.example.com/v",
    oncall_email="oncall@example.com", database=False, security_hub=False, record_configuration=False,
    security_contact_managed_elsewhere=True, bedrock_invocation_logging=False, cost_anomaly_detection=False,
    agent_trusted_principal_arns=["arn:aws:iam::222222222222:role/runner"],
    agent_model_arns=["arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"]),
    opts=pulumi.ResourceOptions(providers=[provider]))
"""


def _run_program(tmp_path_factory, folder: str, program: str, account_baseline: bool = False):
    from tests.conftest import write_project
    directory = tmp_path_factory.mktemp(folder)
    config = {"aws:region": "eu-west-1", "preflight:environment": "prod"}
    if account_baseline:  # the stack that creates the account-level controls says so (as stacks/baseline does)
        config["preflight:accountBaseline"] = True
    write_project(directory, program, stack="prod", config=config, project_name=folder)
    return run_check(str(directory), "prod")


@pytest.fixture(scope="module")
def variant_result(tmp_path_factory):
    return _run_program(tmp_path_factory, "variants", VARIANT_PROGRAM)


@pytest.fixture(scope="module")
def account_variant_result(tmp_path_factory):
    return _run_program(tmp_path_factory, "account-variants", ACCOUNT_VARIANT_PROGRAM, account_baseline=True)


@pytest.mark.parametrize("component, expected", sorted(VARIANTS.items()))
def test_component_with_a_default_turned_off_is_caught(variant_result, component, expected):
    policy, level = expected
    caught = [v for v in variant_result.violations
              if v["policy"] == policy and f"::{component}-" in v["urn"] and v["level"] == level]
    assert caught, (f"{component}: expected a {level} '{policy}' violation; got:\n"
                    + _describe([v for v in variant_result.violations if component in v["urn"]]))


@pytest.mark.parametrize("opt_out, expected", sorted(ACCOUNT_VARIANTS.items()))
def test_account_level_opt_out_is_caught(account_variant_result, opt_out, expected):
    policy, level = expected
    caught = [v for v in account_variant_result.violations if v["policy"] == policy and v["level"] == level
              and v["resourceType"] == "pulumi:pulumi:Stack"]
    assert caught, f"{opt_out}: expected a {level} '{policy}' violation on the stack; got:\n" + \
        _describe(account_variant_result.violations)


def test_account_variant_environment_violates_nothing_but_its_opt_outs(account_variant_result):
    # The same Environment as the baseline minus the opt-outs: anything else would be a component defect.
    expected = {policy for policy, _level in ACCOUNT_VARIANTS.values()}
    unexpected = [v for v in account_variant_result.violations if v["policy"] not in expected]
    assert unexpected == [], "unexpected violations:\n" + _describe(unexpected)
