"""Deployment policies (providers pinned to their account, rollback paths) through the Analyzer protocol."""
import json

import pytest

from tests.conftest import UNKNOWN_STRING_VALUE, link, res

PROVIDER = "pulumi:providers:aws"
FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
SERVICE = "aws:ecs/service:Service"
GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"


def provider(name="default", **props):
    return {"type": PROVIDER, "name": name, "urn": f"urn:pulumi:prod::app::{PROVIDER}::{name}", "props": props}


# -- explicit providers (Analyze on the provider resource) ------------------------------------------------
def test_explicit_provider_pinned(pack, dev_pack):
    policy = "provider-allowed-account-ids"
    assert not pack.analyze(PROVIDER, {"region": "us-east-1", "allowedAccountIds": ["111111111111"]},
                            name="prod-east").violations(policy)
    [d] = pack.analyze(PROVIDER, {"region": "us-east-1"}, name="prod-east").violations(policy)
    assert "'prod-east'" in d.message and d.level == "mandatory"
    [d] = dev_pack.analyze(PROVIDER, {"region": "us-east-1"}, name="sandbox").violations(policy)
    assert d.level == "advisory"
    result = pack.analyze(PROVIDER, {"allowedAccountIds": UNKNOWN_STRING_VALUE}, name="p")
    assert not result.violations(policy) and policy in result.not_applicable
    # The default provider is judged once per stack by the stack policy, not here.
    assert "default-provider" in pack.analyze(PROVIDER, {}, name="default").not_applicable[policy]


def test_explicit_provider_expected_accounts(pack):
    policy = "provider-allowed-account-ids"
    with pack.configured({policy: {"accountIds": ["111111111111"]}}):
        assert not pack.analyze(PROVIDER, {"allowedAccountIds": ["111111111111"]}, name="p").violations(policy)
        [d] = pack.analyze(PROVIDER, {"allowedAccountIds": ["222222222222"]}, name="p").violations(policy)
        assert "222222222222" in d.message


# -- the default provider (its props arrive on every resource's provider field) ------------------------------
@pytest.mark.parametrize("props,pinned", [
    ({"region": "us-east-1", "allowedAccountIds": ["111111111111"]}, True),
    ({"region": "us-east-1", "allowedAccountIds": json.dumps(["111111111111"])}, True),  # config values as strings
    ({"region": "us-east-1"}, False),
    ({"region": "us-east-1", "allowedAccountIds": []}, False),
])
def test_default_provider_pinned(pack, props, pinned):
    default = provider(**props)
    resources = [res(FUNCTION, name, {}, providerResource=default) for name in ("a", "b")]
    violations = pack.analyze_stack(resources).violations("default-provider-allowed-account-ids")
    assert len(violations) == (0 if pinned else 1)  # one report per provider, not per resource
    if violations:
        assert violations[0].urn == default["urn"] and "aws:allowedAccountIds" in violations[0].message


def test_default_provider_wrong_account_and_dev(pack, dev_pack):
    policy = "default-provider-allowed-account-ids"
    default = provider(allowedAccountIds=["222222222222"])
    resources = [res(FUNCTION, "a", {}, providerResource=default)]
    with pack.configured({policy: {"accountIds": ["111111111111"]}}):
        [d] = pack.analyze_stack(resources).violations(policy)
        assert "222222222222" in d.message
    [d] = dev_pack.analyze_stack([res(FUNCTION, "a", {}, providerResource=provider())]).violations(policy)
    assert d.level == "advisory"


def test_explicit_provider_is_not_judged_by_the_default_rule(pack):
    explicit = provider("east")
    assert not pack.analyze_stack([res(FUNCTION, "a", {}, providerResource=explicit)]).violations(
        "default-provider-allowed-account-ids")


def test_check_program_default_provider_from_stack_config(run_program, pack):
    """The recording engine hands the stack's aws: config to every resource as its default provider."""
    source = "import pulumi_aws as aws\naws.sns.Topic('alerts')\n"
    pinned = run_program(source, config={"aws:region": "us-east-1", "aws:allowedAccountIds": ["111111111111"]})
    assert not pack.analyze_stack(pinned).violations("default-provider-allowed-account-ids")
    loose = run_program(source, config={"aws:region": "us-east-1"})
    assert pack.analyze_stack(loose).violations("default-provider-allowed-account-ids")


# -- rollback ---------------------------------------------------------------------------------------------------
ROLLBACK_ON_ALARM = {"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
ALARMS = {"enabled": True, "alarms": ["api-5xx-rate", "api-latency-p99"]}
CASES = [
    ("ecs-service-circuit-breaker", SERVICE, {"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
     {"deploymentCircuitBreaker": {"enable": True, "rollback": False}}),
    ("ecs-service-circuit-breaker", SERVICE, {"deploymentController": {"type": "CODE_DEPLOY"}}, {"desiredCount": 2}),
    ("codedeploy-auto-rollback", GROUP, {"autoRollbackConfiguration": ROLLBACK_ON_ALARM, "alarmConfiguration": ALARMS},
     {"autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_STOP_ON_REQUEST"]}}),
    # EC2/on-premises groups (instance targets): a failed ValidateService hook fails the deployment, which rolls back.
    ("codedeploy-auto-rollback", GROUP, {"autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
                                         "ec2TagFilters": [{"key": "app", "type": "KEY_AND_VALUE", "value": "web"}]},
     {"ec2TagFilters": [{"key": "app", "type": "KEY_AND_VALUE", "value": "web"}]}),
    ("sagemaker-endpoint-auto-rollback", ENDPOINT,
     {"deploymentConfig": {"autoRollbackConfiguration": {"alarms": [{"alarmName": "5xx"}]}}}, {"endpointConfigName": "c"}),
]


@pytest.mark.parametrize("policy,type_,good,bad", CASES)
def test_rollback_policies(pack, policy, type_, good, bad):
    assert not pack.analyze(type_, good).violations(policy)
    [d] = pack.analyze(type_, bad, name="svc").violations(policy)
    assert "'svc'" in d.message


@pytest.mark.parametrize("policy,type_,props", [
    ("ecs-service-circuit-breaker", SERVICE, {"deploymentCircuitBreaker": UNKNOWN_STRING_VALUE}),
    ("codedeploy-auto-rollback", GROUP, {"autoRollbackConfiguration": {"enabled": UNKNOWN_STRING_VALUE}}),
    ("sagemaker-endpoint-auto-rollback", ENDPOINT, {"deploymentConfig": UNKNOWN_STRING_VALUE}),
])
def test_rollback_unknown_inputs_never_misfire(pack, policy, type_, props):
    result = pack.analyze(type_, props)
    assert not result.violations(policy) and policy in result.not_applicable


@pytest.mark.parametrize("props,problem", [
    # Lambda/ECS: traffic shifts on a timer; without alarms nothing judges the new version.
    ({"autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}},
     "alarm_configuration not set: CodeDeploy watches no CloudWatch alarm"),
    ({"autoRollbackConfiguration": ROLLBACK_ON_ALARM, "alarmConfiguration": {"enabled": False, "alarms": ["a"]}},
     "rolls back only when the deployment itself fails"),
    ({"autoRollbackConfiguration": ROLLBACK_ON_ALARM, "alarmConfiguration": {"enabled": True, "alarms": []},
      "ecsService": {"clusterName": "c", "serviceName": "s"}}, "rolls back only when the deployment itself fails"),
    ({"autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}, "alarmConfiguration": ALARMS},
     "DEPLOYMENT_STOP_ON_ALARM is not among"),
])
def test_codedeploy_traffic_shifting_groups_roll_back_on_alarm(pack, props, problem):
    [d] = pack.analyze(GROUP, props, name="release").violations("codedeploy-auto-rollback")
    assert problem in d.message and "'release'" in d.message and d.level == "mandatory"


def test_codedeploy_alarm_rollback_unknown_is_judged_at_update(pack):
    props = {"autoRollbackConfiguration": ROLLBACK_ON_ALARM, "alarmConfiguration": {"enabled": UNKNOWN_STRING_VALUE}}
    result = pack.analyze(GROUP, props)
    assert not result.violations("codedeploy-auto-rollback") and "codedeploy-auto-rollback" in result.not_applicable


def test_lambda_alias_for_canary(pack, dev_pack):
    fn = res(FUNCTION, "api", {"name": "api", "publish": True})
    [d] = pack.analyze_stack([fn]).violations("lambda-alias-for-canary")
    assert d.level == "advisory" and d.urn == fn["urn"]
    alias = link(res(ALIAS, "live", {"name": "live", "functionVersion": "1"}), "functionName", fn, "api")
    assert not pack.analyze_stack([fn, alias]).violations("lambda-alias-for-canary")
    assert not dev_pack.analyze_stack([fn]).violations("lambda-alias-for-canary")
