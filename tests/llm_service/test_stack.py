"""stacks/llm-service: the program built from the LLM components on a StackReference to the baseline.

- With the baseline's outputs known (the reference answered from baseline-outputs.json on the mock engine):
  the alarms page the baseline's topic; a missing output or a baseline of another environment stops the
  program with a message naming what to fix.
- Through the whole policy pack (`preflight check`), prod and dev, and each named opt-out of the components
  caught by its policy on the resource it names.
"""
from __future__ import annotations

import json
import os
import runpy
import textwrap
from typing import Dict, Optional

import pulumi
import pytest

from preflight.check.check import run_check
from preflight.check.project import load_project, load_stack
from tests.components.harness import AwsMocks, RecordingMonitor, Run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK_DIR = os.path.join(ROOT, "stacks", "llm-service")
PROGRAM = os.path.join(STACK_DIR, "__main__.py")
with open(os.path.join(STACK_DIR, "baseline-outputs.json")) as f:
    BASELINE_OUTPUTS = json.load(f)


class BaselineMocks(AwsMocks):
    """AwsMocks that answer the StackReference with the given outputs, as the engine reads them."""

    def __init__(self, outputs: Optional[Dict[str, dict]]):
        self.outputs = outputs

    def new_resource(self, args):
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs.get("name") or args.resource_id
            if self.outputs is None:  # a preview that cannot read the baseline: its outputs are unknown
                return [name, {"name": name}]
            return [name, {"name": name, "outputs": self.outputs.get(name, {}), "secretOutputNames": []}]
        return super().new_resource(args)


def run_program(stack: str, outputs: Optional[Dict[str, dict]], overrides: Optional[Dict[str, str]] = None,
                preview: bool = False) -> Run:
    config = dict(load_stack(load_project(STACK_DIR), stack).config)
    config.update(overrides or {})
    mocks = BaselineMocks(outputs)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="llm-service", stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(config)

    @pulumi.runtime.test
    def go():
        runpy.run_path(PROGRAM, run_name="__main__")
        return pulumi.Output.from_input(1)

    go()
    return Run(monitor.recorded, None)


def test_known_baseline_outputs_wire_alarms_and_budget_to_the_baseline_topic():
    run = run_program("prod", BASELINE_OUTPUTS)
    topic = BASELINE_OUTPUTS["acme/preflight/prod"]["alertTopicArn"]
    alarms = run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 8 and all(a.inputs["alarmActions"] == [topic] for a in alarms)
    budget = run.one("aws:budgets/budget:Budget").inputs
    assert all(n["subscriberSnsTopicArns"] == [topic] for n in budget["notifications"])
    assert budget["costFilters"] == [{"name": "TagKeyValue", "values": ["user:preflight:service$chat"]}]
    group = run.one("aws:codedeploy/deploymentGroup:DeploymentGroup").inputs
    assert group["alarmConfiguration"]["alarms"] == ["chat-ops-api-5xx-rate", "chat-ops-api-latency-p99",
                                                     "chat-ops-function-errors"]
    assert run.one("pulumi:providers:aws").inputs["allowedAccountIds"] in (["222222222222"], '["222222222222"]')
    assert run.one("aws:kms/key:Key").protect is True
    guardrail = run.one("aws:bedrock/guardrail:Guardrail").inputs
    assert [t["name"] for t in guardrail["topicPolicyConfig"]["topicsConfigs"]] == ["Investment advice",
                                                                                   "Medical diagnosis"]
    env = run.one("aws:lambda/function:Function").inputs["environment"]["variables"]
    assert env["MODEL_IDS"] == "anthropic.claude-3-5-haiku-20241022-v1:0"
    # The alarms read the metrics the handler writes: same namespace, same service dimension.
    blocked = {a.inputs["name"]: a.inputs for a in alarms}["chat-ops-guardrail-interventions"]
    metric = next(q["metric"] for q in blocked["metricQueries"] if q["id"] == "num")
    assert metric["namespace"] == env["METRIC_NAMESPACE"] and metric["dimensions"] == {"service": env["SERVICE_NAME"]}


def test_unknown_baseline_outputs_leave_what_depends_on_them_unknown():
    from pulumi.output import Unknown
    run = run_program("prod", None, preview=True)
    alarms = run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 8
    # The topic is not known in this preview: the alarms carry it as unknown, never as a made-up ARN.
    for alarm in alarms:
        actions = alarm.inputs["alarmActions"]
        assert len(actions) == 1 and isinstance(actions[0], Unknown), (alarm.name, actions)
    assert run.one("aws:codedeploy/deploymentGroup:DeploymentGroup")


def test_dev_stack_is_unprotected_and_uses_a_fast_linear_release():
    run = run_program("dev", BASELINE_OUTPUTS)
    assert run.one("aws:kms/key:Key").protect is False
    config = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig").inputs
    assert config["trafficRoutingConfig"]["timeBasedLinear"] == {"interval": 3, "percentage": 50}
    assert all(a.inputs["alarmActions"] == [BASELINE_OUTPUTS["acme/preflight/dev"]["alertTopicArn"]]
               for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"))


def test_a_missing_baseline_output_names_it():
    outputs = {"acme/preflight/prod": {"environment": "prod"}}
    with pytest.raises(Exception, match="has no output 'alertTopicArn'"):
        run_program("prod", outputs)


def test_a_baseline_of_another_environment_is_refused():
    outputs = {"acme/preflight/prod": dict(BASELINE_OUTPUTS["acme/preflight/dev"])}
    with pytest.raises(Exception, match="whose environment is dev"):
        run_program("prod", outputs)


def test_bad_config_fails_at_construction_naming_the_argument():
    prices = json.dumps({"anthropic.claude-3-5-haiku-20241022-v1:0": {"input": 0.0008, "output": 0.004}})
    models = json.dumps(["anthropic.claude-3-5-haiku-20241022-v1:0", "amazon.nova-lite-v1:0"])
    with pytest.raises(ValueError, match=r"prices has no price for \['amazon.nova-lite-v1:0'\]"):
        run_program("prod", BASELINE_OUTPUTS, {"llm-service:models": models, "llm-service:prices": prices})
    with pytest.raises(ValueError, match="allowed_models is empty"):
        run_program("prod", BASELINE_OUTPUTS, {"llm-service:models": "[]", "llm-service:prices": "{}"})
    with pytest.raises(ValueError, match="percentage must be a whole percentage"):
        run_program("prod", BASELINE_OUTPUTS, {"llm-service:canary": json.dumps({"percentage": 150})})


# -- through the policy pack ------------------------------------------------------------------------------
# Account-level controls (trail, GuardDuty, Bedrock invocation logging, ...) are the baseline stack's, one per
# account and region. The pack config that names the baseline (policy-pack-config.json, `coveredBy`) silences
# the one advisory summary an application stack otherwise gets.
PACK_CONFIG = os.path.join(STACK_DIR, "policy-pack-config.json")
OUTPUTS_FILE = os.path.join(STACK_DIR, "baseline-outputs.json")


def _describe(violations) -> str:
    return "\n".join(f"  [{v['level']}] {v['policy']}: {v['message']} ({v['urn'].split('::')[-1]})"
                     for v in violations)


@pytest.fixture(scope="module")
def prod_result():
    return run_check(STACK_DIR, "prod", policy_config_path=PACK_CONFIG, stack_outputs_path=OUTPUTS_FILE)


@pytest.fixture(scope="module")
def dev_result():
    return run_check(STACK_DIR, "dev")


def test_prod_service_passes_the_whole_pack_with_zero_violations(prod_result):
    assert prod_result.environment == "prod"
    assert prod_result.violations == [], "prod llm-service violations:\n" + _describe(prod_result.violations)
    assert all(p["level"] != "disabled" for p in prod_result.policies)


def test_prod_service_without_coverage_config_gets_one_advisory_account_summary():
    # Baseline outputs unknown (a preview that cannot read the baseline) and no pack config naming it.
    result = run_check(STACK_DIR, "prod")
    assert [(v["policy"], v["level"]) for v in result.violations] == [("account-baseline-controls", "advisory")], \
        _describe(result.violations)
    summary = result.violations[0]["message"]
    for control in ("bedrock-invocation-logging", "cloudtrail-present", "guardduty-present"):
        assert control in summary


def test_prod_service_contains_the_controls_the_checklist_asks_for(prod_result):
    types = {}
    for r in prod_result.resources:
        types.setdefault(r["type"], []).append(r)
    for required in ("aws:bedrock/guardrail:Guardrail", "aws:bedrock/guardrailVersion:GuardrailVersion",
                     "aws:wafv2/webAcl:WebAcl", "aws:wafv2/webAclAssociation:WebAclAssociation",
                     "aws:codedeploy/deploymentGroup:DeploymentGroup", "aws:cloudwatch/dashboard:Dashboard",
                     "aws:apigateway/requestValidator:RequestValidator", "aws:lambda/alias:Alias",
                     "aws:sqs/queue:Queue", "aws:apigateway/usagePlan:UsagePlan"):
        assert required in types, f"the prod stack has no {required}"
    alarms = types["aws:cloudwatch/metricAlarm:MetricAlarm"]
    assert len(alarms) >= 8 and all(a["props"].get("alarmActions") for a in alarms)
    group = types["aws:codedeploy/deploymentGroup:DeploymentGroup"][0]["props"]
    assert group["autoRollbackConfiguration"]["enabled"] is True and group["alarmConfiguration"]["enabled"] is True


def test_dev_service_has_zero_mandatory_violations(dev_result):
    assert dev_result.environment == "dev"
    mandatory = [v for v in dev_result.violations if v["level"] == "mandatory"]
    assert mandatory == [], "dev llm-service mandatory violations:\n" + _describe(mandatory)


# Each named opt-out, and the risky input the gateway allows, caught by its policy on the resource it names.
VARIANTS = {
    ("v-gw-no-xray-function", "lambda-xray-tracing"),
    ("v-gw-no-xray-protection-stage", "apigateway-stage-xray"),
    ("v-gw-no-validation-method", "apigateway-method-request-validation"),
    ("v-gw-opus-models", "bedrock-expensive-model-access"),
}

VARIANT_PROGRAM = f"""
import sys
sys.path.insert(0, {ROOT!r})
import pulumi, pulumi_aws as aws
import components as c

provider = aws.Provider("aws-prod", region="eu-west-1", allowed_account_ids=["222222222222"])
opts = pulumi.ResourceOptions(providers=[provider])
KEY = "arn:aws:kms:eu-west-1:222222222222:key/variant"
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
OPUS = "anthropic.claude-opus-4-20250514-v1:0"
CODE = pulumi.AssetArchive({{"app.py": pulumi.StringAsset("def handler(e, c): return {{}}")}})


def gateway(name, **kwargs):
    models = kwargs.pop("allowed_models", [HAIKU])
    return c.ModelGateway(name, c.ModelGatewayArgs(
        code=CODE, allowed_models=models, prices={{m: c.ModelPrice(0.001, 0.005) for m in models}},
        guardrail_id="g", guardrail_arn="arn:aws:bedrock:eu-west-1:222222222222:guardrail/g", guardrail_version="1",
        kms_key_arn=KEY, consumers=["web"], **kwargs), opts=opts)


gateway("v-gw-no-xray", xray_tracing=False)
gateway("v-gw-no-validation", request_validation=False)
gateway("v-gw-opus", allowed_models=[OPUS])
"""


@pytest.fixture(scope="module")
def variant_result(tmp_path_factory):
    from tests.conftest import write_project
    directory = tmp_path_factory.mktemp("llm-variants")
    write_project(directory, textwrap.dedent(VARIANT_PROGRAM), stack="prod",
                  config={"aws:region": "eu-west-1", "preflight:environment": "prod"}, project_name="llm-variants")
    return run_check(str(directory), "prod")


@pytest.mark.parametrize("resource, policy", sorted(VARIANTS))
def test_each_opt_out_is_caught_on_its_resource(variant_result, resource, policy):
    caught = [v for v in variant_result.violations if v["policy"] == policy and v["urn"].endswith(f"::{resource}")]
    assert caught, f"{resource}: expected a '{policy}' violation; got:\n" + _describe(
        [v for v in variant_result.violations if resource.rsplit("-", 1)[0] in v["urn"]])


def test_the_variants_violate_nothing_else(variant_result):
    # The variants are gateways alone: no ServiceDashboard, so the stack-level dashboard/alarm presence policies
    # fire as well (the full stack above shows the dashboard satisfies them).
    expected = {policy for _resource, policy in VARIANTS} | {
        "account-baseline-controls", "prod-alarms-present", "prod-dashboard-present"}
    unexpected = [v for v in variant_result.violations if v["policy"] not in expected]
    assert unexpected == [], "unexpected violations:\n" + _describe(unexpected)
