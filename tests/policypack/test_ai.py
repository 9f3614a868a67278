"""AI policies (Bedrock, SageMaker, agent roles, expensive models, budgets) through the Analyzer protocol."""
import json

import pytest

from tests.conftest import UNKNOWN_STRING_VALUE, link, res

GUARDRAIL = "aws:bedrock/guardrail:Guardrail"
AGENT = "aws:bedrock/agentAgent:AgentAgent"
ACTION_GROUP = "aws:bedrock/agentAgentActionGroup:AgentAgentActionGroup"
THROUGHPUT = "aws:bedrock/provisionedModelThroughput:ProvisionedModelThroughput"
AGREEMENT = "aws:bedrockfoundation/modelAgreement:ModelAgreement"
INVOCATION_LOGGING = "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration"
NOTEBOOK = "aws:sagemaker/notebookInstance:NotebookInstance"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
MODEL = "aws:sagemaker/model:Model"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY = "aws:iam/policy:Policy"
BUDGET = "aws:budgets/budget:Budget"
MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
KNOWLEDGE_BASE = "aws:bedrock/agentKnowledgeBase:AgentKnowledgeBase"

PROMPT_ATTACK = {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}
GUARDED = {"guardrailConfigurations": [{"guardrailIdentifier": "gr-1", "guardrailVersion": "1"}],
           "customerEncryptionKeyArn": "arn:aws:kms:us-east-1:1:key/k"}
LOGGING = {"loggingConfig": {"cloudwatchConfig": {"logGroupName": "bedrock", "roleArn": "arn:aws:iam::1:role/l"},
                             "textDataDeliveryEnabled": True}}


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


CASES = [
    ("bedrock-guardrail-prompt-attack", GUARDRAIL, {"contentPolicyConfig": {"filtersConfigs": [PROMPT_ATTACK]}},
     {"contentPolicyConfig": {"filtersConfigs": [{**PROMPT_ATTACK, "inputStrength": "MEDIUM"}]}}),
    ("bedrock-guardrail-prompt-attack", GUARDRAIL, {"contentPolicyConfig": {"filtersConfigs": [PROMPT_ATTACK]}},
     {"contentPolicyConfig": {"filtersConfigs": [{"type": "HATE", "inputStrength": "HIGH"}]}}),
    ("bedrock-guardrail-sensitive-info", GUARDRAIL,
     {"sensitiveInformationPolicyConfig": {"piiEntitiesConfigs": [{"type": "EMAIL", "action": "ANONYMIZE"}]}}, {}),
    ("bedrock-guardrail-kms", GUARDRAIL, {"kmsKeyArn": "arn:aws:kms:us-east-1:1:key/k"}, {}),
    ("bedrock-agent-guardrail", AGENT, GUARDED, {"customerEncryptionKeyArn": "k"}),
    ("bedrock-agent-kms", AGENT, GUARDED, {"guardrailConfigurations": GUARDED["guardrailConfigurations"]}),
    ("bedrock-action-group-human-approval", ACTION_GROUP,
     {"actionGroupName": "delete-records", "actionGroupExecutor": {"customControl": "RETURN_CONTROL"}},
     {"actionGroupName": "records", "actionGroupExecutor": {"lambda": "arn:aws:lambda:f"},
      "functionSchema": {"memberFunctions": {"functions": [{"name": "terminate_instance"}]}}}),
    ("bedrock-action-group-human-approval", ACTION_GROUP,
     {"actionGroupName": "lookup", "description": "read order status", "actionGroupExecutor": {"lambda": "arn"}},
     {"actionGroupName": "orders", "actionGroupExecutor": {"lambda": "arn"},
      "apiSchema": {"payload": "paths:\n  /orders/{id}:\n    delete:\n      operationId: deleteOrder"}}),
    ("bedrock-invocation-logging-destination", INVOCATION_LOGGING, LOGGING, {"loggingConfig": {}}),
    ("bedrock-invocation-logging-destination", INVOCATION_LOGGING, LOGGING,
     {"loggingConfig": {"s3Config": {"bucketName": "b"}, "textDataDeliveryEnabled": False}}),
    # text_data_delivery_enabled defaults to true in pulumi-aws 7.x: left out, text is delivered.
    ("bedrock-invocation-logging-destination", INVOCATION_LOGGING, {"loggingConfig": {"s3Config": {"bucketName": "b"}}},
     {"loggingConfig": {"textDataDeliveryEnabled": True}}),
    ("bedrock-guardrail-denied-topics", GUARDRAIL,
     {"topicPolicyConfig": {"topicsConfigs": [{"name": "Investment advice", "definition": "d", "type": "DENY"}]}},
     {"topicPolicyConfig": {"topicsConfigs": []}}),
    ("bedrock-guardrail-denied-topics", GUARDRAIL,
     {"topicPolicyConfig": {"topicsConfigs": [{"name": "Medical", "definition": "d", "type": "DENY"}]}}, {}),
    ("lambda-env-kms", FUNCTION, {"environment": {"variables": {"MODEL_IDS": "m"}}, "kmsKeyArn": "arn:aws:kms:k"},
     {"environment": {"variables": {"MODEL_IDS": "m"}}}),
    ("lambda-env-kms", FUNCTION, {"runtime": "python3.12"}, {"environment": {"variables": {"A": "1"}}, "kmsKeyArn": ""}),
    ("sagemaker-notebook-kms", NOTEBOOK, {"kmsKeyId": "k"}, {"instanceType": "ml.t3.medium"}),
    ("sagemaker-notebook-no-direct-internet", NOTEBOOK, {"directInternetAccess": "Disabled", "subnetId": "s"},
     {"instanceType": "ml.t3.medium"}),
    ("sagemaker-notebook-root-disabled", NOTEBOOK, {"rootAccess": "Disabled"}, {"rootAccess": "Enabled"}),
    ("sagemaker-endpoint-config-kms", ENDPOINT_CONFIG, {"kmsKeyArn": "k"}, {"productionVariants": []}),
    ("sagemaker-model-network-isolation", MODEL, {"enableNetworkIsolation": True}, {"executionRoleArn": "r"}),
    ("budget-has-notifications", BUDGET, {"notifications": [{"threshold": 80, "subscriberEmailAddresses": ["o@x.io"]}]},
     {"notifications": [{"threshold": 80}]}),
]


@pytest.mark.parametrize("policy,type_,good,bad", CASES)
def test_resource_policies(pack, policy, type_, good, bad):
    assert not pack.analyze(type_, good).violations(policy)
    [d] = pack.analyze(type_, bad, name="ai").violations(policy)
    assert "'ai'" in d.message


@pytest.mark.parametrize("policy,type_,props", [
    ("bedrock-guardrail-prompt-attack", GUARDRAIL, {"contentPolicyConfig": {"filtersConfigs": UNKNOWN_STRING_VALUE}}),
    ("bedrock-agent-guardrail", AGENT, {"guardrailConfigurations": [{"guardrailIdentifier": UNKNOWN_STRING_VALUE}]}),
    ("bedrock-action-group-human-approval", ACTION_GROUP,
     {"actionGroupName": "delete", "actionGroupExecutor": {"customControl": UNKNOWN_STRING_VALUE}}),
    ("bedrock-invocation-logging-destination", INVOCATION_LOGGING, {"loggingConfig": UNKNOWN_STRING_VALUE}),
    ("budget-has-notifications", BUDGET, {"notifications": [{"subscriberSnsTopicArns": [UNKNOWN_STRING_VALUE]}]}),
    ("bedrock-guardrail-content-filters", GUARDRAIL, {"contentPolicyConfig": {"filtersConfigs": UNKNOWN_STRING_VALUE}}),
    ("bedrock-guardrail-denied-topics", GUARDRAIL, {"topicPolicyConfig": {"topicsConfigs": UNKNOWN_STRING_VALUE}}),
    ("lambda-env-kms", FUNCTION, {"environment": {"variables": {"A": "1"}}, "kmsKeyArn": UNKNOWN_STRING_VALUE}),
])
def test_unknown_inputs_never_misfire(pack, policy, type_, props):
    result = pack.analyze(type_, props)
    assert not result.violations(policy) and policy in result.not_applicable


def test_destructive_words_are_configurable(pack):
    group = {"actionGroupName": "archive-tickets", "actionGroupExecutor": {"lambda": "arn"}}
    assert not pack.analyze(ACTION_GROUP, group).violations("bedrock-action-group-human-approval")
    with pack.configured({"bedrock-action-group-human-approval": {"destructiveWords": ["archive"]}}):
        assert pack.analyze(ACTION_GROUP, group).violations("bedrock-action-group-human-approval")


# -- expensive models -------------------------------------------------------------------------------------
HAIKU = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"
OPUS = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-20250514-v1:0"


@pytest.mark.parametrize("statement,expensive", [
    (allow("bedrock:InvokeModel", HAIKU), False),
    (allow(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], OPUS), True),
    # Converse and ConverseStream are API operations that IAM authorizes with InvokeModel and
    # InvokeModelWithResponseStream: "bedrock:Converse*" matches no IAM action and grants nothing.
    (allow("bedrock:Converse*", "arn:aws:bedrock:*::foundation-model/anthropic.*"), False),
    (allow(["bedrock:Converse", "bedrock:ConverseStream"], OPUS), False),
    (allow("bedrock:Invoke*", OPUS), True),
    (allow("bedrock:InvokeModel*", "arn:aws:bedrock:*::foundation-model/anthropic.*"), True),
    (allow("bedrock:InvokeModelWithResponseStream", OPUS), True),
    (allow("bedrock:CreateModelInvocationJob", OPUS), True),
    (allow("bedrock:*Model*", OPUS), True),
    ({"Effect": "Allow", "NotAction": "s3:*", "Resource": OPUS}, True),
    (allow("bedrock:Invoke*", "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-*"), False),
    (allow("bedrock:*"), True),
    (allow("*"), True),
    (allow("s3:GetObject"), False),
    ({"Effect": "Deny", "Action": "bedrock:InvokeModel", "Resource": OPUS}, False),
    (allow("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1:1:inference-profile/us.meta.llama3-1-405b-instruct-v1:0"),
     True),
    (allow("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1:1:provisioned-model/abc123"), True),
])
@pytest.mark.parametrize("type_", [POLICY, ROLE_POLICY])
def test_expensive_model_access(pack, type_, statement, expensive):
    # "*" on "*" is full administrator: that policy reports it and supersedes this one (one finding per cause).
    with pack.configured({"iam-no-wildcard-admin": "disabled"}):
        result = pack.analyze(type_, {"policy": doc(statement)}, name="app")
    assert bool(result.violations("bedrock-expensive-model-access")) is expensive


def test_expensive_model_access_inline_and_allow_list(pack):
    role = {"assumeRolePolicy": "{}", "inlinePolicies": [{"name": "llm", "policy": doc(allow("bedrock:InvokeModel", OPUS))}]}
    [d] = pack.analyze(ROLE, role).violations("bedrock-expensive-model-access")
    assert "llm" in d.message and "allowedModels" in d.message
    with pack.configured({"bedrock-expensive-model-access": {"allowedModels": [OPUS]}}):
        assert not pack.analyze(ROLE, role).violations("bedrock-expensive-model-access")
    with pack.configured({"bedrock-expensive-model-access": {"expensiveModels": ["*haiku*"]}}):
        assert not pack.analyze(ROLE, role).violations("bedrock-expensive-model-access")
        cheap = {"policy": doc(allow("bedrock:InvokeModel", HAIKU))}
        assert pack.analyze(POLICY, cheap).violations("bedrock-expensive-model-access")
    assert not pack.analyze(POLICY, {"policy": UNKNOWN_STRING_VALUE}).violations("bedrock-expensive-model-access")


@pytest.mark.parametrize("type_,props", [
    (THROUGHPUT, {"modelArn": OPUS, "modelUnits": 1, "commitmentDuration": "OneMonth", "provisionedModelName": "pt"}),
    (AGREEMENT, {"modelId": "anthropic.claude-opus-4", "offerToken": "t"}),
])
def test_provisioned_throughput_needs_approval(pack, dev_pack, type_, props):
    [d] = pack.analyze(type_, props, name="pt").violations("bedrock-provisioned-throughput-approved")
    assert d.level == "mandatory" and "approved" in d.message
    with pack.configured({"bedrock-provisioned-throughput-approved": {"approved": ["pt"]}}):
        assert not pack.analyze(type_, props, name="pt").violations("bedrock-provisioned-throughput-approved")
    [d] = dev_pack.analyze(type_, props, name="pt").violations("bedrock-provisioned-throughput-approved")
    assert d.level == "advisory"


# -- agent roles -----------------------------------------------------------------------------------------------
BEDROCK_TRUST = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"},
                                           "Action": "sts:AssumeRole"}]})
LAMBDA_TRUST = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                          "Action": "sts:AssumeRole"}]})


def test_agent_role_permissions_boundary(pack):
    policy = "agent-role-permissions-boundary"
    agent = {"assumeRolePolicy": BEDROCK_TRUST}
    [d] = pack.analyze_stack([res(ROLE, "agent", agent)]).violations(policy)
    assert "bedrock.amazonaws.com" in d.message and d.urn.endswith("::agent")
    bounded = {**agent, "permissionsBoundary": "arn:aws:iam::1:policy/b"}
    assert not pack.analyze_stack([res(ROLE, "agent", bounded)]).violations(policy)
    tagged = {"assumeRolePolicy": LAMBDA_TRUST, "tags": {"preflight:agent": "true"}}
    assert pack.analyze_stack([res(ROLE, "tagged", tagged)]).violations(policy)
    assert not pack.analyze_stack([res(ROLE, "plain", {"assumeRolePolicy": LAMBDA_TRUST})]).violations(policy)
    # Unknown trust policy (preview): judged at update, never a misfire.
    assert not pack.analyze_stack([res(ROLE, "agent", {"assumeRolePolicy": UNKNOWN_STRING_VALUE})]).violations(policy)


def test_bedrock_log_delivery_role_is_not_an_agent(pack):
    """Invocation logging needs a role Bedrock assumes; that role delivers logs, it is no agent."""
    delivery = res(ROLE, "bedrock-logging", {"assumeRolePolicy": BEDROCK_TRUST})
    logging = link(res(INVOCATION_LOGGING, "invocation-logging", {"loggingConfig": {
        "cloudwatchConfig": {"logGroupName": "/bedrock", "roleArn": "arn:aws:iam::1:role/bedrock-logging"}}}),
        "loggingConfig", delivery, value={"cloudwatchConfig": {"logGroupName": "/bedrock",
                                                                "roleArn": "arn:aws:iam::1:role/bedrock-logging"}})
    for policy in ("agent-role-permissions-boundary", "agent-role-no-destructive-actions"):
        assert not pack.analyze_stack([delivery, logging]).violations(policy)
    assert pack.analyze_stack([delivery]).violations("agent-role-permissions-boundary")


READ_ONLY = doc(allow(["s3:GetObject", "dynamodb:Query"], "arn:aws:s3:::kb/*"))


@pytest.mark.parametrize("grant,destructive", [
    ({"inline": READ_ONLY}, False),
    ({"inline": doc(allow("dynamodb:DeleteItem", "arn:aws:dynamodb:*:*:table/orders"))}, True),
    ({"inline": doc(allow("s3:*", "arn:aws:s3:::kb/*"))}, True),
    ({"inline": doc(allow("kms:ScheduleKeyDeletion"))}, True),
    ({"role_policy": doc(allow("cloudtrail:StopLogging"))}, True),
    ({"role_policy": READ_ONLY}, False),
    ({"managed": doc(allow("ec2:TerminateInstances"))}, True),
    ({"managed": READ_ONLY}, False),
    ({"aws_managed": "arn:aws:iam::aws:policy/AdministratorAccess"}, True),
    ({"aws_managed": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, False),
])
def test_agent_role_no_destructive_actions(pack, grant, destructive):
    role = res(ROLE, "agent", {"name": "agent", "assumeRolePolicy": BEDROCK_TRUST})
    resources = [role]
    if "inline" in grant:
        role["props"]["inlinePolicies"] = [{"name": "tools", "policy": grant["inline"]}]
    if "role_policy" in grant:
        resources.append(link(res(ROLE_POLICY, "tools", {"policy": grant["role_policy"]}), "role", role, "agent"))
    if "managed" in grant:
        managed = res(POLICY, "tools", {"policy": grant["managed"]})
        resources += [managed, link(link(res(ATTACHMENT, "attach", {}), "role", role, "agent"), "policyArn", managed,
                                    "arn:aws:iam::1:policy/tools")]
    if "aws_managed" in grant:
        resources.append(link(res(ATTACHMENT, "attach", {"policyArn": grant["aws_managed"]}), "role", role, "agent"))
    violations = pack.analyze_stack(resources).violations("agent-role-no-destructive-actions")
    assert bool(violations) is destructive
    if destructive:
        assert violations[0].urn == role["urn"] and violations[0].severity == "critical"


def test_agent_role_found_through_agent_or_tag(pack):
    destructive = [{"name": "ops", "policy": doc(allow("rds:DeleteDBInstance"))}]
    plain = res(ROLE, "worker", {"assumeRolePolicy": LAMBDA_TRUST, "inlinePolicies": destructive})
    assert not pack.analyze_stack([plain]).violations("agent-role-no-destructive-actions")
    agent = link(res(AGENT, "support", dict(GUARDED)), "agentResourceRoleArn", plain, "arn:aws:iam::1:role/worker")
    assert pack.analyze_stack([plain, agent]).violations("agent-role-no-destructive-actions")
    tagged = res(ROLE, "bot", {"assumeRolePolicy": LAMBDA_TRUST, "inlinePolicies": destructive,
                               "tags": {"agent": "true"}})
    assert pack.analyze_stack([tagged]).violations("agent-role-no-destructive-actions")


def test_agent_roles_not_shared(pack):
    role = res(ROLE, "shared", {"assumeRolePolicy": BEDROCK_TRUST})
    a = link(res(AGENT, "a", dict(GUARDED)), "agentResourceRoleArn", role, "arn:aws:iam::1:role/shared")
    b = link(res(AGENT, "b", dict(GUARDED)), "agentResourceRoleArn", role, "arn:aws:iam::1:role/shared")
    result = pack.analyze_stack([role, a, b])
    assert sorted(d.urn.rsplit("::", 1)[1] for d in result.violations("bedrock-agent-role-not-shared")) == ["a", "b"]
    own = res(ROLE, "own", {"assumeRolePolicy": BEDROCK_TRUST})
    b2 = link(res(AGENT, "b", dict(GUARDED)), "agentResourceRoleArn", own, "arn:aws:iam::1:role/own")
    assert not pack.analyze_stack([role, own, link(res(AGENT, "a", dict(GUARDED)), "agentResourceRoleArn", role,
                                                   "arn:aws:iam::1:role/shared"), b2]).violations(
        "bedrock-agent-role-not-shared")


# -- stack-level presence: invocation logging, budgets, anomaly detection -------------------------------------
def test_bedrock_invocation_logging_in_prod(baseline_pack, pack, dev_pack):
    # One setting per account and region: required of the account baseline; an application stack that uses
    # Bedrock is not failed for it (it appears in the account-baseline summary instead).
    guardrail = res(GUARDRAIL, "g", {"contentPolicyConfig": {"filtersConfigs": [PROMPT_ATTACK]}})
    app = pack.analyze_stack([guardrail])
    assert not app.violations("bedrock-invocation-logging")
    assert "bedrock-invocation-logging" in app.violations("account-baseline-controls")[0].message
    pack = baseline_pack
    guardrail = res(GUARDRAIL, "g", {"contentPolicyConfig": {"filtersConfigs": [PROMPT_ATTACK]}})
    [d] = pack.analyze_stack([guardrail]).violations("bedrock-invocation-logging")
    assert d.level == "mandatory"
    assert not pack.analyze_stack([guardrail, res(INVOCATION_LOGGING, "log", LOGGING)]).violations(
        "bedrock-invocation-logging")
    caller = res(POLICY, "invoke", {"policy": doc(allow("bedrock:InvokeModel", HAIKU))})
    assert pack.analyze_stack([caller]).violations("bedrock-invocation-logging")
    # Stacks that do not use Bedrock need no model invocation logging; an admin '*' is not "using Bedrock".
    assert not pack.analyze_stack([res(POLICY, "admin", {"policy": doc(allow("*"))})]).violations(
        "bedrock-invocation-logging")
    assert not dev_pack.analyze_stack([guardrail]).violations("bedrock-invocation-logging")


def test_prod_budget_present(baseline_pack):
    pack = baseline_pack  # an account-level control: required of the account baseline stack
    fn = res(FUNCTION, "f", {})
    [d] = pack.analyze_stack([fn]).violations("prod-budget-present")
    assert d.level == "mandatory" and d.severity == "high"
    silent = res(BUDGET, "b", {"budgetType": "COST", "limitAmount": "100", "timeUnit": "MONTHLY"})
    assert pack.analyze_stack([fn, silent]).violations("prod-budget-present")
    loud = res(BUDGET, "b", {"budgetType": "COST", "notifications": [
        {"threshold": 80, "thresholdType": "PERCENTAGE", "notificationType": "FORECASTED",
         "subscriberSnsTopicArns": ["arn:aws:sns:us-east-1:1:cost"]}]})
    assert not pack.analyze_stack([fn, loud]).violations("prod-budget-present")


def test_prod_budget_only_in_prod(pack_for):
    staging = pack_for("staging", config={"preflight:accountBaseline": "true"})
    assert not staging.analyze_stack([res(FUNCTION, "f", {})]).violations("prod-budget-present")


def test_cost_anomaly_detection(baseline_pack):
    pack = baseline_pack  # an account-level control: mandatory in the prod account baseline
    fn = res(FUNCTION, "f", {})
    [d] = pack.analyze_stack([fn]).violations("cost-anomaly-detection")
    assert d.level == "mandatory"
    monitor = res(MONITOR, "spend", {"monitorType": "DIMENSIONAL", "monitorDimension": "SERVICE"})
    [d] = pack.analyze_stack([fn, monitor]).violations("cost-anomaly-detection")
    assert d.urn == monitor["urn"]
    subscription = link(res(SUBSCRIPTION, "alerts", {"frequency": "IMMEDIATE"}), "monitorArnLists", monitor,
                        ["arn:aws:ce::1:anomalymonitor/x"])
    assert not pack.analyze_stack([fn, monitor, subscription]).violations("cost-anomaly-detection")


def test_converse_is_not_an_iam_action_so_it_does_not_count_as_using_bedrock(baseline_pack):
    # A policy naming only the Converse operations grants no invocation: the stack does not use Bedrock through it.
    converse = res(POLICY, "converse", {"policy": doc(allow(["bedrock:Converse", "bedrock:ConverseStream"], HAIKU))})
    assert not baseline_pack.analyze_stack([converse]).violations("bedrock-invocation-logging")
    invoke = res(POLICY, "invoke", {"policy": doc(allow("bedrock:Invoke*", HAIKU))})
    assert baseline_pack.analyze_stack([invoke]).violations("bedrock-invocation-logging")


# -- guardrail strength: content filters, denied topics, contextual grounding ----------------------------------
CATEGORIES = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")


def content(strength="HIGH", **overrides):
    filters = [PROMPT_ATTACK] + [{"type": c, "inputStrength": strength, "outputStrength": strength} for c in CATEGORIES]
    for kind, change in overrides.items():
        filters = [f if f["type"] != kind else ({**f, **change} if change is not None else None) for f in filters]
    return {"contentPolicyConfig": {"filtersConfigs": [f for f in filters if f is not None]}}


@pytest.mark.parametrize("props,weak", [
    (content("HIGH"), None),
    (content("MEDIUM"), None),
    (content("HIGH", HATE={"outputStrength": "LOW"}), "HATE (output LOW)"),
    (content("HIGH", INSULTS={"inputStrength": "NONE"}), "INSULTS (input NONE)"),
    (content("HIGH", SEXUAL={"inputEnabled": False}), "SEXUAL (input disabled)"),
    (content("HIGH", MISCONDUCT=None), "MISCONDUCT (missing)"),
    (content("LOW"), "VIOLENCE (input LOW, output LOW)"),
    ({}, "HATE (missing)"),
])
def test_guardrail_content_filters_below_medium_are_advised(pack, props, weak):
    found = pack.analyze(GUARDRAIL, props, name="g").violations("bedrock-guardrail-content-filters")
    if weak is None:
        assert not found
        return
    [d] = found
    assert weak in d.message and d.level == "advisory" and "'MEDIUM' or 'HIGH'" in d.message
    if "(missing)" in weak:
        assert "filters no harmful-content category" in d.message  # the AWS default, stated


def test_guardrail_content_filter_categories_are_configurable(pack):
    props = content("HIGH", VIOLENCE={"inputStrength": "LOW", "outputStrength": "LOW"})
    assert pack.analyze(GUARDRAIL, props).violations("bedrock-guardrail-content-filters")
    with pack.configured({"bedrock-guardrail-content-filters": {"categories": ["HATE", "INSULTS", "SEXUAL"]}}):
        assert not pack.analyze(GUARDRAIL, props).violations("bedrock-guardrail-content-filters")
    with pack.configured({"bedrock-guardrail-content-filters": {"categories": []}}):
        assert not pack.analyze(GUARDRAIL, {}).violations("bedrock-guardrail-content-filters")


def test_components_guardrail_filters_pass_the_strength_policies(pack):
    """What components.Guardrail builds (prompt attack HIGH, categories at MEDIUM or HIGH) passes."""
    result = pack.analyze(GUARDRAIL, content("MEDIUM"))
    assert not result.violations("bedrock-guardrail-content-filters")
    assert not result.violations("bedrock-guardrail-prompt-attack")


GROUNDED = {"contextualGroundingPolicyConfig": {"filtersConfigs": [{"type": "GROUNDING", "threshold": 0.75},
                                                                    {"type": "RELEVANCE", "threshold": 0.75}]}}
POLICY_GROUNDING = "bedrock-guardrail-contextual-grounding"


def test_contextual_grounding_is_asked_only_of_guardrails_that_can_serve_retrieval(pack):
    kb = res(KNOWLEDGE_BASE, "docs", {"name": "docs", "roleArn": "arn:aws:iam::1:role/kb"})
    bare = res(GUARDRAIL, "g", content())
    # No knowledge base in the stack: nothing says the guardrail guards retrieval-augmented answers (no false alarm).
    assert not pack.analyze_stack([bare]).violations(POLICY_GROUNDING)
    # A stack that retrieves: a guardrail no agent uses is the one RetrieveAndGenerate (or the app) applies.
    [d] = pack.analyze_stack([kb, bare]).violations(POLICY_GROUNDING)
    assert d.urn == bare["urn"] and d.level == "advisory" and "GROUNDING" in d.message
    assert "checks no answer against its retrieved sources" in d.message
    grounded = res(GUARDRAIL, "g", {**content(), **GROUNDED})
    assert not pack.analyze_stack([kb, grounded]).violations(POLICY_GROUNDING)
    # An agent's guardrail is conversational, which contextual grounding does not support: not asked of it.
    agent = link(res(AGENT, "support", dict(GUARDED)), "guardrailConfigurations", bare,
                 [{"guardrailIdentifier": "gr-1", "guardrailVersion": "1"}])
    assert not pack.analyze_stack([kb, bare, agent]).violations(POLICY_GROUNDING)
    by_id = res(GUARDRAIL, "g2", {**content(), "guardrailId": "gr-1"})
    assert not pack.analyze_stack([kb, by_id, res(AGENT, "a", dict(GUARDED))]).violations(POLICY_GROUNDING)
    # Unknown during preview: judged at update.
    unknown = res(GUARDRAIL, "g", {**content(), "contextualGroundingPolicyConfig": UNKNOWN_STRING_VALUE})
    assert not pack.analyze_stack([kb, unknown]).violations(POLICY_GROUNDING)


def test_contextual_grounding_threshold_zero_blocks_nothing(pack):
    zero = res(GUARDRAIL, "g", {"contextualGroundingPolicyConfig": {"filtersConfigs": [
        {"type": "GROUNDING", "threshold": 0}, {"type": "RELEVANCE", "threshold": 0.7}]}})
    [d] = pack.analyze_stack([zero]).violations(POLICY_GROUNDING)
    assert "GROUNDING threshold 0" in d.message and "blocks nothing" in d.message


# -- the Lambda function behind an LLM API ------------------------------------------------------------------------
ASYNC = "lambda-async-failure-destination"


def _invoked_by(fn, principal):
    return link(res(PERMISSION, f"from-{principal.split('.')[0]}", {"action": "lambda:InvokeFunction",
                                                                    "principal": principal}), "function", fn, "worker")


@pytest.mark.parametrize("principal,asynchronous", [
    ("sns.amazonaws.com", True), ("s3.amazonaws.com", True), ("events.amazonaws.com", True),
    ("logs.eu-west-1.amazonaws.com", True), ("apigateway.amazonaws.com", False),
    ("elasticloadbalancing.amazonaws.com", False),
])
def test_async_invoked_function_keeps_failed_events(pack, dev_pack, principal, asynchronous):
    fn = res(FUNCTION, "worker", {"name": "worker", "runtime": "python3.12"})
    stack = [fn, _invoked_by(fn, principal)]
    found = pack.analyze_stack(stack).violations(ASYNC)
    assert bool(found) is asynchronous
    if asynchronous:
        [d] = found
        assert d.urn == fn["urn"] and d.level == "mandatory" and principal in d.message
        assert "retries a failed asynchronous invocation twice" in d.message  # the AWS default, stated
        assert dev_pack.analyze_stack(stack).violations(ASYNC)[0].level == "advisory"


def test_async_failure_destination_by_dlq_or_event_invoke_config(pack):
    fn = res(FUNCTION, "worker", {"name": "worker", "deadLetterConfig": {"targetArn": "arn:aws:sqs:eu-west-1:1:dlq"}})
    assert not pack.analyze_stack([fn, _invoked_by(fn, "sns.amazonaws.com")]).violations(ASYNC)
    bare = res(FUNCTION, "worker", {"name": "worker"})
    on_failure = link(res(INVOKE_CONFIG, "async", {"destinationConfig": {"onFailure": {
        "destination": "arn:aws:sqs:eu-west-1:1:failed"}}}), "functionName", bare, "worker")
    assert not pack.analyze_stack([bare, _invoked_by(bare, "sns.amazonaws.com"), on_failure]).violations(ASYNC)
    only_success = link(res(INVOKE_CONFIG, "async", {"destinationConfig": {"onSuccess": {
        "destination": "arn:aws:sqs:eu-west-1:1:done"}}}), "functionName", bare, "worker")
    assert pack.analyze_stack([bare, _invoked_by(bare, "sns.amazonaws.com"), only_success]).violations(ASYNC)
    unknown = res(FUNCTION, "worker", {"name": "worker", "deadLetterConfig": {"targetArn": UNKNOWN_STRING_VALUE}})
    assert not pack.analyze_stack([unknown, _invoked_by(unknown, "sns.amazonaws.com")]).violations(ASYNC)


CONVERSE = "bedrock-iam-converse-not-an-action"


@pytest.mark.parametrize("statement,problem", [
    (allow("bedrock:Converse", HAIKU), "grants nothing"),
    (allow(["bedrock:ConverseStream", "bedrock:InvokeModel"], HAIKU), "grants nothing"),  # streaming needs the other
    (allow("bedrock:Converse*", HAIKU), "grants nothing"),
    ({"Effect": "Deny", "Action": ["bedrock:Converse", "bedrock:ConverseStream"], "Resource": OPUS}, "blocks nothing"),
    (allow(["bedrock:Converse", "bedrock:InvokeModel"], HAIKU), None),  # redundant, but the grant is real
    (allow(["bedrock:Converse*", "bedrock:InvokeModel*"], HAIKU), None),
    (allow(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], HAIKU), None),
    (allow("bedrock:*", HAIKU), None),
])
@pytest.mark.parametrize("type_", [POLICY, ROLE_POLICY])
def test_converse_named_as_an_iam_action(pack, type_, statement, problem):
    found = pack.analyze(type_, {"policy": doc(statement)}, name="app").violations(CONVERSE)
    if problem is None:
        assert not found
        return
    [d] = found
    assert problem in d.message and "bedrock:InvokeModel" in d.message and d.level == "advisory"


def test_converse_named_in_a_role_inline_policy(pack):
    role = {"assumeRolePolicy": LAMBDA_TRUST, "inlinePolicies": [{"name": "llm", "policy": doc(allow(
        "bedrock:Converse", HAIKU))}]}
    [d] = pack.analyze(ROLE, role).violations(CONVERSE)
    assert "inline policy llm" in d.message
    assert not pack.analyze(POLICY, {"policy": UNKNOWN_STRING_VALUE}).violations(CONVERSE)
