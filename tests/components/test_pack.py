"""The components through the whole policy pack, over the analyzer protocol (`preflight check`).

The repo's baseline must pass the full pack with zero violations in prod (mandatory or advisory) and
zero mandatory in dev. Each component with one default turned off (by its named opt-out argument) must
be caught by the pack.
"""
from __future__ import annotations

import os
import textwrap

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
        assert all(r.get("provider", "").split("::")[-1].startswith(f"aws-{name}") for r in custom), \
            f"{name}: every AWS resource must use the pinned provider"
    assert providers["prod"] != providers["dev"]
    import ipaddress
    cidrs = {n: [r["props"]["cidrBlock"] for r in res.resources if r["type"] == "aws:ec2/vpc:Vpc"][0]
             for n, res in (("prod", prod_result), ("dev", dev_result))}
    assert not ipaddress.ip_network(cidrs["prod"]).overlaps(ipaddress.ip_network(cidrs["dev"]))


# -- Variants: one default turned off each, in a prod stack -----------------------------------------
# (variant component name, the policy that must catch it)
VARIANTS = {
    "v-bucket-unprotected": "prod-data-stores-protected",
    "v-key-unprotected": "prod-data-stores-protected",
    "v-db-no-deletion-protection": "rds-deletion-protection",
    "v-db-unprotected": "prod-data-stores-protected",
    "v-backup-unprotected": "prod-data-stores-protected",
    "v-secret-unprotected": "prod-data-stores-protected",
    "v-account-unprotected": "prod-data-stores-protected",
    "v-trail-unprotected": "prod-data-stores-protected",
}

VARIANT_PROGRAM = f"""
import sys
sys.path.insert(0, {ROOT!r})
import pulumi, pulumi_aws as aws
import components as c

provider = aws.Provider("aws-prod", region="eu-west-1", allowed_account_ids=["222222222222"])
opts = pulumi.ResourceOptions(providers=[provider])
KEY = "arn:aws:kms:eu-west-1:222222222222:key/variant"

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
c.Secret("v-secret-unprotected", c.SecretArgs(secret_name="v/secret", kms_key_arn=KEY, description="variant",
                                              no_rotation_reason="test variant", protect=False), opts=opts)
c.AccountBaseline("v-account-unprotected", c.AccountBaselineArgs(prefix="v-account", state_bucket_name="v-account-state",
                                                                              protect=False), opts=opts)
c.AuditTrail("v-trail-unprotected", c.AuditTrailArgs(trail_name="v-trail", access_log_bucket="logs",
                                                     protect=False), opts=opts)
"""


@pytest.fixture(scope="module")
def variant_result(tmp_path_factory):
    from tests.conftest import write_project
    directory = tmp_path_factory.mktemp("variants")
    write_project(directory, VARIANT_PROGRAM, stack="prod",
                  config={"aws:region": "eu-west-1", "preflight:environment": "prod"}, project_name="variants")
    return run_check(str(directory), "prod")


@pytest.mark.parametrize("component, policy", sorted(VARIANTS.items()))
def test_component_with_a_default_turned_off_is_caught(variant_result, component, policy):
    caught = [v for v in variant_result.violations
              if v["policy"] == policy and f"{component}" in v["urn"] and v["level"] == "mandatory"]
    assert caught, (f"{component}: expected a mandatory '{policy}' violation; got:\n"
                    + _describe([v for v in variant_result.violations if component in v["urn"]]))
