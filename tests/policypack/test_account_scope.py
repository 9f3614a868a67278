"""Account scope over the protocol: account-level controls are required of the account baseline stack only.

Application stacks are not failed for them: at most one advisory summary names what the baseline must
provide, and none when the policy pack config says which stack covers the account.
"""
import pytest

from tests.conftest import res

FUNCTION = "aws:lambda/function:Function"
BUDGET = "aws:budgets/budget:Budget"
TRAIL = "aws:cloudtrail/trail:Trail"
MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
ACCOUNT_POLICIES = ["prod-budget-present", "cloudtrail-present", "guardduty-present", "config-recorder-present",
                    "securityhub-enabled", "access-analyzer-present", "cost-anomaly-detection",
                    "security-contact-registered", "macie-enabled", "bedrock-invocation-logging"]
APP = [res(FUNCTION, "api", {"runtime": "python3.12"}), res("aws:s3/bucket:Bucket", "uploads", {"bucket": "u"})]


def test_every_account_level_policy_is_marked_so_on_the_wire(pack):
    tagged = {p.name for p in pack.info.policies if "scope:account" in p.tags}
    assert tagged == set(ACCOUNT_POLICIES)


def test_application_stack_is_not_failed_for_account_controls(pack):
    result = pack.analyze_stack(APP)
    for policy in ACCOUNT_POLICIES:
        assert not result.violations(policy), policy
    # One advisory summary says what the account baseline must provide.
    [summary] = result.violations("account-baseline-controls")
    assert summary.level == "advisory"
    for policy in ("prod-budget-present", "cloudtrail-present", "guardduty-present"):
        assert policy in summary.message
    assert "preflight:accountBaseline" in summary.message and "preflight audit" in summary.message
    assert not [d for d in result.diagnostics if d.level == "mandatory" and d.policy in ACCOUNT_POLICIES]


def test_the_account_baseline_must_have_them_mandatory_in_prod(baseline_pack):
    result = baseline_pack.analyze_stack(APP)
    # bedrock-invocation-logging applies only to a stack that uses Bedrock (tests/policypack/test_ai.py).
    for policy in (p for p in ACCOUNT_POLICIES if p != "bedrock-invocation-logging"):
        [d] = result.violations(policy)
        assert d.level == "mandatory", policy
    assert not result.violations("account-baseline-controls")  # the baseline gets the findings, not a summary


def test_baseline_declared_by_configure_stack_as_well(pack_for):
    # The CLI sends stack config both in PULUMI_CONFIG and ConfigureStack; either declares the baseline.
    client = pack_for("prod", stack="acct-prod")
    client.process.context.config = {"preflight:environment": "prod", "preflight:accountBaseline": "true"}
    client.process.configure_stack()
    [d] = client.analyze_stack(APP).violations("prod-budget-present")
    assert d.level == "mandatory"


def test_no_summary_when_the_config_says_the_account_is_covered(pack):
    with pack.configured({"account-baseline-controls": {"coveredBy": "acme/preflight/prod"}}):
        result = pack.analyze_stack(APP)
        assert not result.violations("account-baseline-controls")
        assert not [d for d in result.diagnostics if d.policy in ACCOUNT_POLICIES]


def test_no_summary_when_the_app_stack_has_the_controls_itself(pack):
    loud_budget = res(BUDGET, "b", {"notifications": [{"subscriberEmailAddresses": ["a@example.com"]}]})
    result = pack.analyze_stack(APP + [loud_budget])
    [summary] = result.violations("account-baseline-controls")
    assert "prod-budget-present" not in summary.message and "cloudtrail-present" in summary.message


def test_a_resource_an_app_stack_defines_is_still_judged_but_never_fails_it(pack, baseline_pack):
    # A monitor without a subscription is a defect of that resource: reported, advisory outside the baseline.
    monitor = res(MONITOR, "spend", {"monitorType": "DIMENSIONAL"})
    [d] = pack.analyze_stack(APP + [monitor]).violations("cost-anomaly-detection")
    assert d.urn == monitor["urn"] and d.level == "advisory"
    [d] = baseline_pack.analyze_stack(APP + [monitor]).violations("cost-anomaly-detection")
    assert d.urn == monitor["urn"] and d.level == "mandatory"


@pytest.mark.parametrize("value", ["false", "no", "", "0"])
def test_only_true_declares_the_baseline(pack_for, value):
    client = pack_for("prod", stack=f"app-{value or 'empty'}", config={"preflight:accountBaseline": value})
    result = client.analyze_stack(APP)
    assert not result.violations("prod-budget-present")
    assert result.violations("account-baseline-controls")


def test_stack_config_cannot_switch_off_resource_policies(pack_for):
    # Declaring (or not declaring) the baseline only adds account checks: resource policies stay mandatory.
    for value in ("true", "false"):
        client = pack_for("prod", stack=f"rds-{value}", config={"preflight:accountBaseline": value})
        [d] = client.analyze("aws:rds/instance:Instance", {"storageEncrypted": False}).violations(
            "rds-storage-encrypted")
        assert d.level == "mandatory"


def test_dev_application_stack_gets_nothing(dev_pack):
    result = dev_pack.analyze_stack(APP)
    assert not [d for d in result.diagnostics if d.policy in ACCOUNT_POLICIES + ["account-baseline-controls"]]


def test_bundled_baseline_declares_itself():
    import os
    import yaml
    from tests.conftest import ROOT
    for stack in ("prod", "dev"):
        with open(os.path.join(ROOT, f"Pulumi.{stack}.yaml")) as f:
            assert yaml.safe_load(f)["config"]["preflight:accountBaseline"] is True
