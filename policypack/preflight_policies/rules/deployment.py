"""How a stack deploys: infra.separation (providers pinned to their account) and infra.rollback (circuit
breakers, automatic rollback, aliases for canaries)."""
from __future__ import annotations

import json

from ..helpers import why, as_list, links_to
from ..model import ADVISORY_EVERYWHERE, PROD_ONLY, Report, resource_policy, stack_policy
from ..resource import Resource, Stack, contains_unknown, is_unknown
from ..model import not_applicable, unknown_during_preview
from .. import environment as ENV
from .. import tokens as T


# -- providers pinned to their account -----------------------------------------------------------------
_ACCOUNTS_CONFIG = {"accountIds": {
    "type": "array", "items": {"type": "string"}, "default": [],
    "description": "The AWS account ids this stack may deploy to; when set, allowedAccountIds must name only these."}}
_PIN_REMEDIATION = ("Pin the provider to the stack's account: `pulumi config set --path 'aws:allowedAccountIds[0]' "
                    "111111111111` for the default provider, or aws.Provider('prod', allowed_account_ids=["
                    "'111111111111']) for an explicit one; credentials for any other account then fail before any "
                    "change.")


def _account_ids(props):
    """allowedAccountIds as the engine sends it: a list, or a JSON string when it comes from stack config."""
    value = props.get("allowedAccountIds")
    if isinstance(value, str) and not is_unknown(value):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    return value


PIN_DEFAULT = "the AWS provider checks no account ID and works in whichever account its credentials belong to"


def _pin_problem(provider, expected) -> str:
    """What is wrong with a provider's account pinning ('' when nothing is, None when unknown)."""
    ids = _account_ids(provider.props)
    if is_unknown(ids) or contains_unknown(ids):
        return None
    ids = [str(i) for i in as_list(ids)]
    if not ids:
        return f"deploys to whatever account the current credentials reach (allowed_account_ids not set: {PIN_DEFAULT})"
    if expected:
        wrong = [i for i in ids if i not in expected]
        if wrong:
            return f"allows account(s) {', '.join(wrong)}, not this stack's account ({', '.join(expected)})"
    return ""


def _is_default_provider(provider) -> bool:
    return provider.name == "default" or provider.name.startswith("default_")


@resource_policy(
    name="provider-allowed-account-ids",
    aws_default=PIN_DEFAULT,
    title="Explicit AWS providers in production must be pinned to the account (allowedAccountIds)",
    checklist=("infra.separation", "ai.agents"), severity="high",
    types=T.AWS_PROVIDER, levels=PROD_ONLY, config=_ACCOUNTS_CONFIG,
    remediation=_PIN_REMEDIATION,
)
def provider_allowed_account_ids(r: Resource, report: Report) -> None:
    if _is_default_provider(r):
        not_applicable("the default provider is judged by default-provider-allowed-account-ids")
    problem = _pin_problem(r, [str(i) for i in r.config.get("accountIds") or ()])
    if problem is None:
        unknown_during_preview("allowed_account_ids")
    if problem:
        report(f"provider '{r.name}' {problem}; set allowed_account_ids=[<this stack's account id>]")


@stack_policy(
    name="default-provider-allowed-account-ids",
    aws_default=PIN_DEFAULT,
    title="The default AWS provider in production must be pinned to the account (aws:allowedAccountIds)",
    checklist=("infra.separation", "ai.agents"), severity="high",
    types=(T.AWS_PROVIDER,), levels=PROD_ONLY, config=_ACCOUNTS_CONFIG,
    remediation=_PIN_REMEDIATION,
)
def default_provider_allowed_account_ids(stack: Stack, report: Report) -> None:
    expected = [str(i) for i in stack.config.get("accountIds") or ()]
    providers = {}
    for r in stack.resources:
        p = r.provider
        if p is not None and p.type == T.AWS_PROVIDER and _is_default_provider(p):
            providers.setdefault(p.urn, p)
    for r in stack.of_type(T.AWS_PROVIDER):
        if _is_default_provider(r):
            providers.setdefault(r.urn, r)
    for urn, provider in providers.items():
        problem = _pin_problem(provider, expected)
        if problem:
            report(f"the default AWS provider {problem}; run `pulumi config set --path 'aws:allowedAccountIds[0]' "
                   f"<account id>` for this stack", urn)


# -- the stack's environment -----------------------------------------------------------------------------
@stack_policy(
    name="stack-environment",
    title=("A stack's environment comes from its name or the policy pack config, "
           "never from stack config that relaxes it"),
    checklist=("infra.separation", "ai.agents"), severity="high",
    levels=ADVISORY_EVERYWHERE,
    config={"environments": {
        "type": "object", "additionalProperties": {"type": "string", "enum": list(ENV.ENVIRONMENTS)},
        "default": {},
        "description": "Stack name or glob -> prod, staging or dev. The only way to judge a stack more leniently "
                       "than its name says (a name that says neither prod nor dev is prod); an exact name wins, "
                       "else the strictest matching glob."}},
    remediation="Keep preflight:environment for making a stack stricter. To relax a stack, assign its environment "
                "in the reviewed policy pack config: {\"stack-environment\": {\"environments\": {\"<stack>\": "
                "\"dev\"}}}.",
)
def stack_environment(stack: Stack, report: Report) -> None:
    config, name = ENV.stack_of()
    requested = config.get(ENV.CONFIG_KEY)
    if requested is None:
        return
    wanted = ENV.normalize(str(requested)) or "prod"
    assigned = ENV.assigned(name, stack.config.get("environments"))
    base = assigned or ENV.from_stack_name(name) or "prod"
    if ENV.STRICTNESS[wanted] < ENV.STRICTNESS[base]:
        why = "the policy pack config assigns it" if assigned else (
            "its name says so" if ENV.from_stack_name(name) else "its name says neither prod nor dev")
        report(f"stack '{name}' asks for {ENV.CONFIG_KEY}={requested!r} but is judged as {base} ({why}): stack "
               f"config can make a stack stricter, never more lenient; to relax it, set "
               f"{{\"stack-environment\": {{\"environments\": {{\"{name}\": \"{wanted}\"}}}}}} in the reviewed "
               f"policy pack config")


# -- rollback --------------------------------------------------------------------------------------------
BREAKER_DEFAULT = "ECS leaves the deployment circuit breaker off for a service by default"


@resource_policy(
    name="ecs-service-circuit-breaker",
    aws_default=BREAKER_DEFAULT,
    title="ECS services must roll back failed deployments automatically (circuit breaker with rollback)",
    checklist="infra.rollback", severity="medium",
    types=T.ECS_SERVICE,
    remediation="Set deployment_circuit_breaker={'enable': True, 'rollback': True} on aws.ecs.Service (or deploy with "
                "CodeDeploy blue/green, deployment_controller={'type': 'CODE_DEPLOY'}).",
)
def ecs_service_circuit_breaker(r: Resource, report: Report) -> None:
    controller = r.peek("deploymentController.type", "ECS")
    breaker = r.peek("deploymentCircuitBreaker")
    if is_unknown(controller) or contains_unknown(breaker):
        unknown_during_preview("the deployment settings", "are")
    if controller in ("CODE_DEPLOY", "EXTERNAL"):
        not_applicable(f"deployments are controlled by {controller}, which rolls back on its own terms")
    breaker = breaker if isinstance(breaker, dict) else {}
    if breaker.get("enable") is not True or breaker.get("rollback") is not True:
        report(f"service '{r.name}' keeps a failing deployment running instead of rolling back "
               f"{why(r, 'deploymentCircuitBreaker', BREAKER_DEFAULT)}; set "
               f"deployment_circuit_breaker={{'enable': True, 'rollback': True}}")


ROLLBACK_DEFAULT = "CodeDeploy does not roll back a failed deployment by default"
ALARM_DEFAULT = ("CodeDeploy watches no CloudWatch alarm during a deployment unless alarm_configuration is enabled "
                 "with alarms")
# Inputs that give a deployment group EC2 or on-premises instances to deploy to; a group with none of them (and
# a group with ecs_service) shifts Lambda alias or ECS traffic, where only alarms can judge the new version.
_INSTANCE_TARGETS = ("ec2TagFilters", "ec2TagSets", "autoscalingGroups", "onPremisesInstanceTagFilters")


def _shifts_traffic(r) -> bool:
    if r.peek("ecsService") not in (None, {}, ""):
        return True
    return not any(r.peek(p) not in (None, [], "") for p in _INSTANCE_TARGETS)


@resource_policy(
    name="codedeploy-auto-rollback",
    aws_default=ROLLBACK_DEFAULT,
    title="CodeDeploy deployment groups must roll back automatically (on failure, and on alarm for Lambda/ECS)",
    checklist="infra.rollback", severity="medium",
    types=T.CODEDEPLOY_GROUP,
    remediation="Set auto_rollback_configuration={'enabled': True, 'events': ['DEPLOYMENT_FAILURE', "
                "'DEPLOYMENT_STOP_ON_ALARM']} and alarm_configuration={'enabled': True, 'alarms': [error_alarm.name, "
                "...]} on aws.codedeploy.DeploymentGroup (components.CanaryDeployment does).",
)
def codedeploy_auto_rollback(r: Resource, report: Report) -> None:
    config = r.peek("autoRollbackConfiguration")
    alarms = r.peek("alarmConfiguration")
    if contains_unknown(config):
        unknown_during_preview("auto_rollback_configuration")
    config = config if isinstance(config, dict) else {}
    events = as_list(config.get("events"))
    if config.get("enabled") is not True or "DEPLOYMENT_FAILURE" not in events:
        report(f"deployment group '{r.name}' does not roll back a failed deployment "
               f"{why(r, 'autoRollbackConfiguration', ROLLBACK_DEFAULT)}; set auto_rollback_configuration "
               f"enabled=True with events DEPLOYMENT_FAILURE (and DEPLOYMENT_STOP_ON_ALARM)")
        return
    if not _shifts_traffic(r):
        return  # EC2/on-premises: a failed lifecycle hook (ValidateService) fails the deployment, which rolls back
    if contains_unknown(alarms) or any(is_unknown(r.peek(p)) for p in ("ecsService",) + _INSTANCE_TARGETS):
        unknown_during_preview("alarm_configuration and the group's targets", "are")
    alarms = alarms if isinstance(alarms, dict) else {}
    if alarms.get("enabled") is not True or not as_list(alarms.get("alarms")):
        report(f"deployment group '{r.name}' shifts Lambda or ECS traffic but rolls back only when the deployment "
               f"itself fails, never because the new version raises errors or latency "
               f"{why(r, 'alarmConfiguration', ALARM_DEFAULT)}; set alarm_configuration enabled=True with the "
               f"service's error and latency alarms, and add DEPLOYMENT_STOP_ON_ALARM to the rollback events")
    elif "DEPLOYMENT_STOP_ON_ALARM" not in events:
        report(f"deployment group '{r.name}' stops a deployment when an alarm fires but leaves the new version "
               f"serving (DEPLOYMENT_STOP_ON_ALARM is not among auto_rollback_configuration events); add it")


@stack_policy(
    name="lambda-alias-for-canary",
    title="Production Lambda functions should be invoked through an alias (weighted canary, instant rollback)",
    checklist="infra.rollback", severity="low",
    types=(T.LAMBDA_FUNCTION, T.LAMBDA_ALIAS), levels=ADVISORY_EVERYWHERE,
    remediation="Publish versions (publish=True on aws.lambda_.Function) and point callers at an aws.lambda_.Alias; "
                "shift traffic with routing_config={'additional_version_weights': {...}} and roll back by moving "
                "the alias (CodeDeploy can automate it).",
)
def lambda_alias_for_canary(stack: Stack, report: Report) -> None:
    if stack.environment != "prod":
        return
    aliases = stack.of_type(T.LAMBDA_ALIAS)
    for fn in stack.of_type(T.LAMBDA_FUNCTION):
        if not any(links_to(a, "functionName", fn, "name", "arn") for a in aliases):
            report(f"function '{fn.name}' has no aws.lambda_.Alias, so a bad release cannot be canaried or rolled back "
                   f"by moving an alias; publish versions and invoke it through an alias", fn.urn)


ENDPOINT_ROLLBACK_DEFAULT = ("SageMaker watches no CloudWatch alarms while it deploys to an endpoint, so no alarm can "
                             "roll a deployment back")


@resource_policy(
    name="sagemaker-endpoint-auto-rollback",
    aws_default=ENDPOINT_ROLLBACK_DEFAULT,
    title="SageMaker endpoints should roll back deployments on alarm",
    checklist=("infra.rollback", "ai.agents"), severity="low",
    types=T.SAGEMAKER_ENDPOINT, levels=ADVISORY_EVERYWHERE,
    remediation="Set deployment_config={'blue_green_update_policy': {...}, 'auto_rollback_configuration': {'alarms': "
                "[{'alarm_name': error_alarm.name}]}} on aws.sagemaker.Endpoint.",
)
def sagemaker_endpoint_auto_rollback(r: Resource, report: Report) -> None:
    alarms = r.peek("deploymentConfig.autoRollbackConfiguration.alarms")
    if is_unknown(alarms) or contains_unknown(alarms):
        unknown_during_preview("the rollback alarms", "are")
    if not as_list(alarms):
        detail = (f" (deployment_config.auto_rollback_configuration.alarms not set: {ENDPOINT_ROLLBACK_DEFAULT})"
                  if alarms is None else "")
        report(f"endpoint '{r.name}' has no alarm-based automatic rollback, so a bad model version keeps serving"
               f"{detail}; set deployment_config auto_rollback_configuration alarms")


POLICIES = [
    provider_allowed_account_ids,
    default_provider_allowed_account_ids,
    stack_environment,
    ecs_service_circuit_breaker,
    codedeploy_auto_rollback,
    lambda_alias_for_canary,
    sagemaker_endpoint_auto_rollback,
]
