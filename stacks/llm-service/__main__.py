"""An LLM feature on top of the account baseline: one stack = one environment = one AWS account.

Reads what it needs from the baseline stack of the same account through a StackReference (the on-call
topic; the baseline's environment, which must match this stack's), and builds the service from
components: a KMS key of its own, a Bedrock guardrail, the ModelGateway (API Gateway + WAF + Lambda),
the ServiceDashboard (dashboard and alarms paging the baseline's topic), a CanaryDeployment (CodeDeploy
shifts the 'live' alias and rolls back on those alarms) and a budget for the service alone.

When the baseline's outputs are not known (an offline preview without `--stack-outputs`), everything
built from them is unknown too and is judged again at update time; when they are known, a missing
output or an environment mismatch stops the program with a message that says what to fix.
"""
from __future__ import annotations

import asyncio
import os
import sys

import pulumi
import pulumi_aws as aws

# The repository root holds the `components` package; make it importable when Pulumi runs this folder.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from components import (CanaryDeployment, CanaryDeploymentArgs, CostGuard, CostGuardArgs, DeniedTopic,  # noqa: E402
                        Guardrail, GuardrailArgs, KmsKey, KmsKeyArgs, ModelGateway, ModelGatewayArgs, ModelPrice,
                        ServiceDashboard, ServiceDashboardArgs, profile_for, resolve_environment)
from components._base import assume_role_policy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
config = pulumi.Config()
aws_config = pulumi.Config("aws")
environment = resolve_environment(pulumi.Config("preflight").get("environment"), pulumi.get_stack())
profile = profile_for(environment)
service = config.get("serviceName") or "chat"

allowed_accounts = aws_config.require_object("allowedAccountIds")
if not isinstance(allowed_accounts, list) or len(allowed_accounts) != 1 or not str(allowed_accounts[0]).isdigit():
    raise ValueError("aws:allowedAccountIds must list exactly one 12-digit account id for this stack (the account "
                     "of the baseline stack it builds on); set it in Pulumi.<stack>.yaml")

provider = aws.Provider(
    f"aws-{environment}", region=aws_config.require("region"),
    allowed_account_ids=[str(a) for a in allowed_accounts],
    default_tags={"tags": {"preflight:environment": environment, "preflight:stack": pulumi.get_stack(),
                           "preflight:service": service, "managed-by": "pulumi"}})
opts = pulumi.ResourceOptions(providers=[provider])

# -- what the baseline stack provides ---------------------------------------------------------------------
baseline_stack = config.require("baselineStack")
baseline = pulumi.StackReference(baseline_stack)


def _unknown() -> pulumi.Output:
    loop = asyncio.get_event_loop()

    def done(value):
        future = loop.create_future()
        future.set_result(value)
        return future
    return pulumi.Output(set(), done(None), done(False), done(False))


REQUIRED_OUTPUTS = ("alertTopicArn",)


def baseline_output(name: str) -> pulumi.Output:
    """An output of the baseline stack; unknown while the reference's outputs are unknown (a preview without
    them). _check_baseline reports a missing one."""
    def pick(outputs):
        if not isinstance(outputs, dict) or outputs.get(name) in (None, ""):
            return _unknown()  # unknown, or missing (then _check_baseline stops the program saying so)
        return outputs[name]
    return baseline.outputs.apply(pick)


def _check_baseline(outputs):
    """With the baseline's outputs known: the ones this stack needs are there, and the environments match."""
    if not isinstance(outputs, dict):  # an engine that returned no outputs at all: nothing is known
        return None
    missing = [n for n in REQUIRED_OUTPUTS if outputs.get(n) in (None, "")]
    if missing:
        raise ValueError(f"the baseline stack '{baseline_stack}' has no output {', '.join(map(repr, missing))}; "
                         f"deploy stacks/baseline to that stack first, or point llm-service:baselineStack at the "
                         f"baseline stack of this account")
    theirs = outputs.get("environment")
    if isinstance(theirs, str) and theirs != environment:
        raise ValueError(f"this {environment} stack builds on baseline stack '{baseline_stack}', whose environment is "
                         f"{theirs}; point llm-service:baselineStack at the {environment} baseline (one account per "
                         f"environment)")
    return None


baseline.outputs.apply(_check_baseline)
alert_topic_arn = baseline_output("alertTopicArn")

# -- the service --------------------------------------------------------------------------------------------
models = config.require_object("models")
prices = {model: ModelPrice(input_per_1k=float(p["input"]), output_per_1k=float(p["output"]))
          for model, p in (config.require_object("prices") or {}).items()}
runbooks = config.require("runbookBaseUrl")
canary = config.get_object("canary") or {}

key = KmsKey(f"{service}-key", KmsKeyArgs(
    description=f"{service} ({environment}): guardrail, function environment, logs, dead letters",
    alias=f"{service}-{environment}", services=("logs",), protect=profile.protect), opts=opts)

guardrail = Guardrail(f"{service}-guardrail", GuardrailArgs(
    kms_key_arn=key.arn,
    denied_topics=[DeniedTopic(name=t["name"], definition=t["definition"], examples=t.get("examples") or ())
                   for t in config.get_object("deniedTopics") or []],
    no_denied_topics_reason=config.get("noDeniedTopicsReason"),
    grounding_threshold=config.get_float("groundingThreshold"),
    relevance_threshold=config.get_float("relevanceThreshold")), opts=opts)

logging_role_arn = None
if config.get_bool("apiGatewayLoggingRole"):
    # The account-wide role API Gateway writes execution logs with (one per account and region).
    logging_role = aws.iam.Role(
        f"{service}-apigateway-logging", description="API Gateway writes execution logs to CloudWatch Logs",
        assume_role_policy=assume_role_policy(
            "apigateway.amazonaws.com",
            aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=provider)).account_id),
        max_session_duration=3600, opts=opts)
    aws.iam.RolePolicyAttachment(
        f"{service}-apigateway-logging-policy", role=logging_role.name,
        policy_arn="arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs", opts=opts)
    logging_role_arn = logging_role.arn

gateway = ModelGateway(service, ModelGatewayArgs(
    code=pulumi.FileArchive(os.path.join(HERE, "handler")), handler="app.handler",
    allowed_models=models, prices=prices, guardrail_id=guardrail.guardrail_id,
    guardrail_arn=guardrail.guardrail_arn, guardrail_version=guardrail.version_number, kms_key_arn=key.arn,
    consumers=config.require_object("consumers"), auth=config.get("auth") or "AWS_IAM",
    cognito_user_pool_arns=config.get_object("cognitoUserPoolArns") or [],
    max_prompt_chars=config.get_int("maxPromptChars") or 4000,
    max_output_tokens=config.get_int("maxOutputTokens") or 512,
    reserved_concurrency=config.get_int("reservedConcurrency") or 10,
    rate_limit_per_second=config.get_float("rateLimitPerSecond") or 10.0,
    burst_limit=config.get_int("burstLimit") or 20, daily_quota=config.get_int("dailyQuota") or 10000,
    log_retention_days=profile.log_retention_days if environment == "dev" else max(profile.log_retention_days, 365),
    cloudwatch_role_arn=logging_role_arn), opts=opts)

dashboard_args = ServiceDashboardArgs(
    alert_topic_arn=alert_topic_arn, runbook_base_url=runbooks, api_name=gateway.api_name,
    stage_name=gateway.stage_name, function_name=gateway.function_name, alias_name=gateway.alias.name,
    guardrail_arn=guardrail.guardrail_arn, guardrail_version=guardrail.version_number, models=models, prices=prices,
    dead_letter_queue_name=gateway.dead_letter_queue.name, service_name=gateway.service_name,
    metric_namespace=gateway.metric_namespace,
    latency_p99_ms=config.get_float("latencyP99Ms") or 10000.0,
    max_cost_per_request_usd=config.get_float("maxCostPerRequestUsd") or 0.05)
dashboard = ServiceDashboard(f"{service}-ops", dashboard_args, opts=opts)

deployment = CanaryDeployment(f"{service}-release", CanaryDeploymentArgs(
    function_name=gateway.function_name, alias_name=gateway.alias.name,
    alarm_names=dashboard.rollback_alarm_names, mode=canary.get("mode", "canary"),
    percentage=int(canary.get("percentage", 10)), interval_minutes=int(canary.get("intervalMinutes", 5)),
    alarm_evaluation_minutes=dashboard_args.alarm_minutes), opts=opts)

budget = config.get_float("monthlyBudgetUsd")
if budget:
    CostGuard(f"{service}-cost", CostGuardArgs(
        budget_name=f"{service}-{environment}-monthly", monthly_limit_usd=budget, alert_topic_arn=alert_topic_arn,
        cost_filters={"TagKeyValue": [f"user:preflight:service${service}"]},
        # The account's anomaly monitor belongs to the baseline (AWS allows one per dimension and account).
        anomaly_detection=False), opts=opts)

pulumi.export("environment", environment)
pulumi.export("invokeUrl", gateway.invoke_url)
pulumi.export("functionName", gateway.function_name)
pulumi.export("alias", gateway.alias.name)
pulumi.export("guardrailId", guardrail.guardrail_id)
pulumi.export("guardrailVersion", guardrail.version_number)
pulumi.export("codedeployApplication", deployment.application.name)
pulumi.export("deploymentGroup", deployment.deployment_group.deployment_group_name)
pulumi.export("dashboard", dashboard.dashboard.dashboard_name)
