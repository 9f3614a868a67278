"""The LLM service components on the mock engine: each child's security-relevant inputs, and a clear error at
construction (naming the argument) for bad input."""
from __future__ import annotations

import json

import pulumi
import pytest

import components as c
from components.dashboard import cost_expression
from components.gateway import request_schema
from .harness import ACCOUNT, REGION, build

KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/test"
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
NOVA = "eu.amazon.nova-lite-v1:0"
PRICES = {HAIKU: c.ModelPrice(0.0008, 0.004), NOVA: c.ModelPrice(0.00006, 0.00024)}
TOPIC = "arn:aws:sns:eu-west-1:111122223333:alerts"
GUARDRAIL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/abc"


def statements(policy_json: str) -> dict:
    return {s.get("Sid"): s for s in json.loads(policy_json)["Statement"]}


def _guardrail(**kwargs):
    args = {"kms_key_arn": KEY_ARN, "denied_topics": [c.DeniedTopic("Investment advice", "Advice on securities")]}
    args.update(kwargs)
    return c.GuardrailArgs(**args)


def _gateway_args(**kwargs):
    args = dict(code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(e, c): pass")}),
                allowed_models=[HAIKU, NOVA], prices=PRICES, guardrail_id="abc", guardrail_arn=GUARDRAIL_ARN,
                guardrail_version="1", kms_key_arn=KEY_ARN, consumers=["web-app"])
    args.update(kwargs)
    return c.ModelGatewayArgs(**args)


def _dashboard_args(**kwargs):
    args = dict(alert_topic_arn=TOPIC, runbook_base_url="https://runbooks.example.com/chat", api_name="chat-api",
                stage_name="v1", function_name="chat-handler", alias_name="live", guardrail_arn=GUARDRAIL_ARN,
                guardrail_version="1", models=[HAIKU, NOVA], prices=PRICES, dead_letter_queue_name="chat-dlq",
                service_name="chat")
    args.update(kwargs)
    return c.ServiceDashboardArgs(**args)


# -- Guardrail ---------------------------------------------------------------------------------------
def test_guardrail_blocks_prompt_attacks_masks_pii_denies_topics_and_publishes_a_version():
    run = build(lambda: c.Guardrail("chat", _guardrail(grounding_threshold=0.75, relevance_threshold=0.5)))
    g = run.one("aws:bedrock/guardrail:Guardrail").inputs
    filters = {f["type"]: f for f in g["contentPolicyConfig"]["filtersConfigs"]}
    assert filters["PROMPT_ATTACK"]["inputStrength"] == "HIGH" and filters["PROMPT_ATTACK"]["inputAction"] == "BLOCK"
    for kind in ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT"):
        assert filters[kind]["inputStrength"] == filters[kind]["outputStrength"] == "HIGH"
    pii = {p["type"]: p for p in g["sensitiveInformationPolicyConfig"]["piiEntitiesConfigs"]}
    assert pii["EMAIL"]["outputAction"] == "ANONYMIZE" and pii["AWS_SECRET_KEY"]["inputAction"] == "BLOCK"
    assert pii["AWS_SECRET_KEY"]["outputAction"] == "BLOCK"
    assert g["topicPolicyConfig"]["topicsConfigs"] == [
        {"name": "Investment advice", "definition": "Advice on securities", "type": "DENY"}]
    grounding = {f["type"]: f["threshold"] for f in g["contextualGroundingPolicyConfig"]["filtersConfigs"]}
    assert grounding == {"GROUNDING": 0.75, "RELEVANCE": 0.5}
    assert g["kmsKeyArn"] == KEY_ARN
    version = run.one("aws:bedrock/guardrailVersion:GuardrailVersion")
    assert version.inputs["skipDestroy"] is True
    component = run.one("preflight:guardrail:Guardrail")
    assert {r.name for r in run.children_of(component.urn)} == {"chat-guardrail", "chat-version"}


def test_guardrail_without_retrieval_has_no_grounding_check_and_topics_need_a_reason_to_be_absent():
    run = build(lambda: c.Guardrail("chat", _guardrail(denied_topics=(), no_denied_topics_reason="general helper")))
    g = run.one("aws:bedrock/guardrail:Guardrail").inputs
    assert "contextualGroundingPolicyConfig" not in g and "topicPolicyConfig" not in g


@pytest.mark.parametrize("kwargs, message", [
    ({"denied_topics": ()}, "denied_topics is empty"),
    ({"kms_key_arn": ""}, "kms_key_arn is required"),
    ({"content_filter_strength": "LOW"}, "content_filter_strength"),
    ({"grounding_threshold": 1.5}, "grounding_threshold"),
    ({"masked_pii": ("EMAIL", "SOCIAL")}, "not Bedrock PII entity types"),
    ({"masked_pii": ("EMAIL",), "blocked_pii": ("EMAIL",)}, "both masked and blocked"),
    ({"denied_topics": [c.DeniedTopic("A", "x"), c.DeniedTopic("a", "y")]}, "same name"),
])
def test_guardrail_rejects_bad_args(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _guardrail(**kwargs)


def test_denied_topic_is_validated():
    with pytest.raises(ValueError, match="definition"):
        c.DeniedTopic("Investments", "x" * 201)
    with pytest.raises(ValueError, match="more than 5 examples"):
        c.DeniedTopic("Investments", "advice", examples=["q"] * 6)


# -- ModelGateway ------------------------------------------------------------------------------------
def test_gateway_authenticates_validates_protects_and_limits_the_function():
    run = build(lambda: c.ModelGateway("chat", _gateway_args()))
    method = run.one("aws:apigateway/method:Method").inputs
    assert method["authorization"] == "AWS_IAM" and method["apiKeyRequired"] is True
    assert method["requestValidatorId"] and method["requestModels"] == {"application/json": "ChatRequest"}
    validator = run.one("aws:apigateway/requestValidator:RequestValidator").inputs
    assert validator["validateRequestBody"] is True
    schema = json.loads(run.one("aws:apigateway/model:Model").inputs["schema"])
    assert schema["additionalProperties"] is False and schema["required"] == ["prompt"]
    assert schema["properties"]["prompt"]["maxLength"] == 4000
    assert schema["properties"]["model"]["enum"] == [HAIKU, NOVA]

    fn = run.one("aws:lambda/function:Function").inputs
    assert fn["loggingConfig"]["logFormat"] == "JSON" and fn["tracingConfig"] == {"mode": "Active"}
    assert fn["reservedConcurrentExecutions"] == 10 and fn["publish"] is True
    assert fn["kmsKeyArn"] == KEY_ARN and fn["deadLetterConfig"]["targetArn"].startswith("arn:aws:sqs:")
    env = fn["environment"]["variables"]
    assert env["MODEL_IDS"] == f"{HAIKU},{NOVA}" and env["GUARDRAIL_VERSION"] == "1"
    assert json.loads(env["PRICES"]) == {HAIKU: [0.0008, 0.004], NOVA: [0.00006, 0.00024]}
    assert run.one("aws:sqs/queue:Queue").inputs["kmsMasterKeyId"] == KEY_ARN
    log_group = run.one("aws:cloudwatch/logGroup:LogGroup", "chat-logs").inputs
    assert log_group["name"] == "/aws/lambda/chat-handler" and log_group["kmsKeyId"] == KEY_ARN

    models = statements(run.one("aws:iam/rolePolicy:RolePolicy", "chat-models").inputs["policy"])
    assert list(models) == ["InvokeAllowListedModels"]
    stmts = {**models, **statements(run.one("aws:iam/rolePolicy:RolePolicy", "chat-permissions").inputs["policy"])}
    assert stmts["InvokeAllowListedModels"]["Resource"] == [
        f"arn:aws:bedrock:{REGION}::foundation-model/{HAIKU}",
        f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{NOVA}",
        "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0"]
    assert stmts["ApplyTheGuardrail"]["Resource"] == [GUARDRAIL_ARN]
    assert all(r != "*" for s in stmts.values() if s["Sid"] != "WriteTraces" for r in s["Resource"])

    alias = run.one("aws:lambda/alias:Alias").inputs
    assert alias["name"] == "live"
    integration = run.one("aws:apigateway/integration:Integration").inputs
    assert integration["type"] == "AWS_PROXY"
    permission = run.one("aws:lambda/permission:Permission").inputs
    assert permission["qualifier"] == "live" and permission["sourceAccount"] == ACCOUNT
    assert permission["sourceArn"].endswith("/*/POST/chat")
    # ApiProtection on the stage: WAF, throttling, X-Ray, JSON access logs.
    assert run.one("aws:apigateway/stage:Stage").inputs["xrayTracingEnabled"] is True
    assert run.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    component = run.one("preflight:gateway:ModelGateway")
    assert all(r.parent for r in run.recorded if r.type != "preflight:gateway:ModelGateway")
    assert run.one("preflight:api:ApiProtection").parent == component.urn


def test_gateway_cognito_and_api_key_auth_modes():
    run = build(lambda: c.ModelGateway("chat", _gateway_args(
        auth="COGNITO_USER_POOLS", cognito_user_pool_arns=[f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/p"])))
    method = run.one("aws:apigateway/method:Method").inputs
    assert method["authorization"] == "COGNITO_USER_POOLS" and method["authorizerId"]
    assert run.one("aws:apigateway/authorizer:Authorizer").inputs["providerArns"]
    run = build(lambda: c.ModelGateway("chat", _gateway_args(auth="API_KEY")))
    method = run.one("aws:apigateway/method:Method").inputs
    assert method["authorization"] == "NONE" and method["apiKeyRequired"] is True


def test_gateway_opt_outs_drop_only_what_they_name():
    run = build(lambda: c.ModelGateway("chat", _gateway_args(xray_tracing=False, request_validation=False)))
    assert run.one("aws:lambda/function:Function").inputs["tracingConfig"] == {"mode": "PassThrough"}
    assert "requestValidatorId" not in run.one("aws:apigateway/method:Method").inputs
    assert not run.of_type("aws:apigateway/requestValidator:RequestValidator")
    assert run.one("aws:apigateway/model:Model")  # the schema stays documented
    assert "WriteTraces" not in statements(run.one("aws:iam/rolePolicy:RolePolicy", "permissions").inputs["policy"])


@pytest.mark.parametrize("kwargs, message", [
    ({"allowed_models": []}, "allowed_models is empty"),
    ({"allowed_models": ["anthropic.*"]}, "not a Bedrock model id"),
    ({"allowed_models": [f"arn:aws:bedrock:{REGION}::foundation-model/{HAIKU}"]}, "not a Bedrock model id"),
    ({"prices": {HAIKU: PRICES[HAIKU]}}, r"prices has no price for \['eu.amazon.nova-lite-v1:0'\]"),
    ({"prices": {**PRICES, "meta.llama3-8b-instruct-v1:0": c.ModelPrice(0.1, 0.1)}}, "not in the model allow-list"),
    ({"default_model": "meta.llama3-8b-instruct-v1:0"}, "default_model"),
    ({"auth": "NONE"}, "auth 'NONE' must be one of"),
    ({"auth": "COGNITO_USER_POOLS"}, "cognito_user_pool_arns is empty"),
    ({"consumers": []}, "consumers is empty"),
    ({"timeout_seconds": 60}, "timeout_seconds"),
    ({"reserved_concurrency": 0}, "reserved_concurrency"),
    ({"path": "Chat/Completions"}, "path"),
    ({"environment": {"GUARDRAIL_ID": "other"}}, "sets itself"),
    ({"metric_namespace": "AWS/Lambda"}, "custom namespace"),
])
def test_gateway_rejects_bad_args_naming_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _gateway_args(**kwargs)


def test_model_price_is_validated():
    with pytest.raises(ValueError, match="input_per_1k"):
        c.ModelPrice(-1, 0.1)
    with pytest.raises(ValueError, match="output_per_1k"):
        c.ModelPrice(0.1, True)


def test_request_schema_bounds_the_body():
    schema = request_schema([HAIKU], 100)
    assert schema["properties"]["prompt"] == {"type": "string", "minLength": 1, "maxLength": 100}
    assert set(schema["properties"]) == {"prompt", "model", "conversationId"}


# -- CanaryDeployment --------------------------------------------------------------------------------
def test_canary_deployment_shifts_the_alias_and_rolls_back_on_alarms():
    run = build(lambda: c.CanaryDeployment("chat-release", c.CanaryDeploymentArgs(
        function_name="chat-handler", alias_name="live", alarm_names=["chat-ops-api-5xx-rate", "chat-ops-errors"],
        percentage=10, interval_minutes=5, alarm_evaluation_minutes=3)))
    assert run.one("aws:codedeploy/application:Application").inputs["computePlatform"] == "Lambda"
    config = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig").inputs
    assert config["trafficRoutingConfig"] == {"type": "TimeBasedCanary",
                                              "timeBasedCanary": {"interval": 5, "percentage": 10}}
    group = run.one("aws:codedeploy/deploymentGroup:DeploymentGroup").inputs
    assert group["deploymentStyle"] == {"deploymentOption": "WITH_TRAFFIC_CONTROL", "deploymentType": "BLUE_GREEN"}
    assert group["autoRollbackConfiguration"] == {"enabled": True,
                                                  "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
    assert group["alarmConfiguration"]["enabled"] is True
    assert group["alarmConfiguration"]["alarms"] == ["chat-ops-api-5xx-rate", "chat-ops-errors"]
    assert group["deploymentConfigName"] == "chat-release-LambdaCanary10Percent5Minutes"
    attachment = run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"
    trust = statements(run.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["AllowServiceInThisAccount"]
    assert trust["Principal"] == {"Service": "codedeploy.amazonaws.com"}


def test_linear_deployment_config():
    run = build(lambda: c.CanaryDeployment("r", c.CanaryDeploymentArgs(
        function_name="f", alias_name="live", alarm_names=["a"], mode="linear", percentage=25, interval_minutes=2,
        alarm_evaluation_minutes=2)))
    config = run.one("aws:codedeploy/deploymentConfig:DeploymentConfig").inputs
    assert config["trafficRoutingConfig"]["timeBasedLinear"] == {"interval": 2, "percentage": 25}
    assert config["deploymentConfigName"] == "r-LambdaLinear25PercentEvery2Minutes"


@pytest.mark.parametrize("kwargs, message", [
    ({"percentage": 0}, "percentage must be a whole percentage between 1 and 99"),
    ({"percentage": 100}, "percentage must be a whole percentage between 1 and 99"),
    ({"percentage": 12.5}, "percentage"),
    ({"mode": "all-at-once"}, "mode"),
    ({"alarm_names": []}, "alarm_names is empty"),
    ({"interval_minutes": 30}, "more than max_rollback_minutes 15"),
    ({"alarm_evaluation_minutes": 8, "interval_minutes": 8}, "could serve for 16 minutes"),
    ({"alarm_evaluation_minutes": 5, "interval_minutes": 2}, "shorter than the 5 minutes the alarms need"),
])
def test_canary_deployment_rejects_bad_args(kwargs, message):
    args = {"function_name": "f", "alias_name": "live", "alarm_names": ["a"], **kwargs}
    with pytest.raises(ValueError, match=message):
        c.CanaryDeploymentArgs(**args)


# -- ServiceDashboard --------------------------------------------------------------------------------
def test_dashboard_alarms_page_the_topic_with_runbooks_and_compute_cost_per_request():
    run = build(lambda: c.ServiceDashboard("chat-ops", _dashboard_args()))
    alarms = {a.inputs["name"]: a.inputs for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert set(alarms) == {f"chat-ops-{a}" for a in (
        "api-5xx-rate", "api-latency-p99", "function-errors", "function-throttles", "api-4xx-rate",
        "guardrail-interventions", "cost-per-request", "dead-letters")}
    for name, alarm in alarms.items():
        assert alarm["alarmActions"] == [TOPIC] and alarm["okActions"] == [TOPIC], name
        assert alarm["actionsEnabled"] is True
        suffix = name[len("chat-ops-"):]
        assert f"Runbook: https://runbooks.example.com/chat#{suffix}" in alarm["alarmDescription"]
    assert alarms["chat-ops-api-latency-p99"]["extendedStatistic"] == "p99"
    cost = {q["id"]: q for q in alarms["chat-ops-cost-per-request"]["metricQueries"]}
    assert cost["in0"]["metric"]["dimensions"] == {"ModelId": HAIKU}
    assert cost["out1"]["metric"]["metricName"] == "OutputTokenCount"
    assert cost["cost"]["expression"] == "FILL(in0,0)*8e-07 + FILL(out0,0)*4e-06 + FILL(in1,0)*6e-08 + " \
                                         "FILL(out1,0)*2.4e-07"
    assert cost["perrequest"]["returnData"] is True and cost["perrequest"]["expression"] == "cost / MAX([requests, 1])"
    assert sum(1 for q in cost.values() if q.get("returnData")) == 1
    blocked = {q["id"]: q for q in alarms["chat-ops-guardrail-interventions"]["metricQueries"]}
    assert blocked["num"]["metric"] == {"namespace": "Preflight/LLM", "metricName": "GuardrailIntervened",
                                        "dimensions": {"service": "chat"}, "stat": "Sum", "period": 60}
    errors = alarms["chat-ops-function-errors"]
    assert errors["dimensions"] == {"FunctionName": "chat-handler", "Resource": "chat-handler:live"}

    body = json.loads(run.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    titles = {w["properties"].get("title") for w in body["widgets"]}
    assert {"API latency (ms)", "API error rates (%)", "Guardrail interventions", "Bedrock tokens per model",
            "Estimated cost per request (USD)", "Alarms"} <= titles
    latency = next(w for w in body["widgets"] if w["properties"].get("title") == "API latency (ms)")
    assert [m[-1]["stat"] for m in latency["properties"]["metrics"]] == ["p50", "p90", "p99"]
    alarm_widget = next(w for w in body["widgets"] if w["type"] == "alarm")
    assert len(alarm_widget["properties"]["alarms"]) == 8


def test_dashboard_rollback_alarms_are_errors_and_latency():
    holder = {}

    def program():
        holder["d"] = c.ServiceDashboard("chat-ops", _dashboard_args())
        return pulumi.Output.all(*holder["d"].rollback_alarm_names).apply(lambda names: holder.setdefault("n", names))
    build(program)
    assert holder["n"] == ["chat-ops-api-5xx-rate", "chat-ops-api-latency-p99", "chat-ops-function-errors"]
    assert _dashboard_args(period_seconds=60, evaluation_periods=3).alarm_minutes == 3


def test_cost_expression_prices_each_model():
    assert cost_expression([HAIKU], {HAIKU: c.ModelPrice(3.0, 15.0)}) == "FILL(in0,0)*0.003 + FILL(out0,0)*0.015"


@pytest.mark.parametrize("kwargs, message", [
    ({"prices": {HAIKU: PRICES[HAIKU]}}, r"ServiceDashboardArgs.prices has no price for \['eu.amazon.nova-lite-v1:0'\]"),
    ({"models": []}, "ServiceDashboardArgs.models is empty"),
    ({"runbook_base_url": "http://x"}, "runbook_base_url"),
    ({"alert_topic_arn": ""}, "alert_topic_arn is required"),
    ({"error_rate_5xx_percent": 150}, "percentage"),
    ({"period_seconds": 45}, "period_seconds"),
    ({"max_cost_per_request_usd": 0}, "max_cost_per_request_usd"),
    ({"service_name": ""}, "service_name is empty"),
])
def test_dashboard_rejects_bad_args(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _dashboard_args(**kwargs)


def test_cost_guard_cost_filters_scope_the_budget():
    run = build(lambda: c.CostGuard("svc", c.CostGuardArgs(
        budget_name="chat-monthly", monthly_limit_usd=100, alert_topic_arn=TOPIC, anomaly_detection=False,
        cost_filters={"TagKeyValue": ["user:preflight:service$chat"]})))
    budget = run.one("aws:budgets/budget:Budget").inputs
    assert budget["costFilters"] == [{"name": "TagKeyValue", "values": ["user:preflight:service$chat"]}]
    with pytest.raises(ValueError, match="cost_filters"):
        c.CostGuardArgs(budget_name="b", monthly_limit_usd=1, alert_topic_arn=TOPIC, cost_filters={"TagKeyValue": []})
