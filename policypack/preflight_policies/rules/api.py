"""API protection (security.api): authentication, rate limits, WAF, TLS and input validation on
API Gateway (REST and HTTP/WebSocket), Lambda function URLs and Application Load Balancers."""
from __future__ import annotations

import re

from ..helpers import why, as_list, json_keys, links_to, property_policy
from ..model import ADVISORY_EVERYWHERE, Report, resource_policy, stack_policy
from ..resource import UNKNOWN, Resource, Stack, contains_unknown, is_unknown
from ..model import not_applicable, unknown_during_preview
from .. import tokens as T



# -- authentication ------------------------------------------------------------------------------
METHOD_AUTH_DEFAULT = ("the provider requires authorization and has no default for it, and api_key_required "
                       "defaults to False, so 'NONE' without an API key lets anyone call the method")


@resource_policy(
    name="apigateway-method-authorization",
    aws_default=METHOD_AUTH_DEFAULT,
    title="API Gateway REST methods must require an authorizer, IAM auth or an API key",
    checklist="security.api", severity="high",
    cross_references=("Checkov:CKV2_AWS_70", "Checkov:CKV_AWS_59", "Prowler:apigateway_restapi_authorizers_enabled"),
    types=T.APIGW_METHOD,
    remediation="Set authorization='AWS_IAM', 'COGNITO_USER_POOLS' or 'CUSTOM' (with authorizer_id) on "
                "aws.apigateway.Method, or at least api_key_required=True with a usage plan; only CORS "
                "preflight (OPTIONS) methods may stay open.",
)
def apigateway_method_authorization(r: Resource, report: Report) -> None:
    method, auth, key = r.peek("httpMethod"), r.peek("authorization"), r.peek("apiKeyRequired", False)
    if method == "OPTIONS":
        not_applicable("CORS preflight (OPTIONS) methods carry no data and cannot be authenticated")
    if is_unknown(auth) or is_unknown(key):
        unknown_during_preview("authorization")
    if (auth in (None, "", "NONE")) and key is not True:
        detail = (f"authorization not set: {METHOD_AUTH_DEFAULT}" if auth in (None, "")
                  else "authorization is 'NONE' and no API key is required")
        report(f"method '{r.name}' ({method or 'ANY'}) is open to anyone ({detail}); set "
               f"authorization='AWS_IAM'/'COGNITO_USER_POOLS'/'CUSTOM' or api_key_required=True")


def _route_needs_auth(route_key, protocol) -> bool:
    if not isinstance(route_key, str):
        return True
    if route_key.startswith("OPTIONS "):
        return False
    if protocol == "WEBSOCKET":
        return route_key == "$connect"  # WebSocket APIs authorize the connection only
    return " " in route_key or route_key == "$default" or protocol == "HTTP"


@stack_policy(
    name="apigatewayv2-route-authorization",
    title="API Gateway HTTP routes and WebSocket $connect routes must specify an authorization type",
    checklist="security.api", severity="high",
    cross_references=("Checkov:CKV_AWS_309", "Prowler:apigatewayv2_api_authorizers_enabled"),
    types=(T.APIGWV2_ROUTE, T.APIGWV2_API),
    remediation="Set authorization_type='JWT' (with authorizer_id), 'AWS_IAM' or 'CUSTOM' on "
                "aws.apigatewayv2.Route; on WebSocket APIs on the $connect route.",
)
def apigatewayv2_route_authorization(stack: Stack, report: Report) -> None:
    for route in stack.of_type(T.APIGWV2_ROUTE):
        apis = [a for a in stack.of_type(T.APIGWV2_API) if links_to(route, "apiId", a)]
        protocol = apis[0].peek("protocolType") if apis else None
        key, auth = route.peek("routeKey"), route.peek("authorizationType", "NONE")
        if is_unknown(key) or is_unknown(auth) or is_unknown(protocol):
            continue
        if _route_needs_auth(key, protocol) and auth == "NONE":
            report(f"route '{route.name}' ({key}) has authorization_type NONE, so anyone can call it; set "
                   f"authorization_type='JWT', 'AWS_IAM' or 'CUSTOM' with an authorizer", route.urn)


lambda_function_url_iam_auth = property_policy(
    name="lambda-function-url-iam-auth",
    title="Lambda function URLs must use AWS_IAM authorization",
    checklist=("security.api", "ai.cost"), severity="critical",
    cross_references=("Checkov:CKV_AWS_258", "Prowler:awslambda_function_url_public"),
    types=T.LAMBDA_FUNCTION_URL, path="authorizationType", expect=lambda v: v == "AWS_IAM",
    message="function URL '{name}' lets anyone on the internet invoke the function and run up its bill; set "
            "authorization_type='AWS_IAM' or put API Gateway with an authorizer in front",
    remediation="Set authorization_type='AWS_IAM' on aws.lambda_.FunctionUrl and grant callers "
                "lambda:InvokeFunctionUrl; for public APIs use API Gateway with an authorizer, throttling and WAF.",
    aws_default=("the provider requires authorization_type and has no default for it, and 'NONE' lets anyone on "
                 "the internet call the URL"),
)


@resource_policy(
    name="lambda-permission-not-public",
    title="Lambda permissions must not let any principal invoke a function without a source condition",
    checklist="security.api", severity="critical",
    cross_references=("Checkov:CKV_AWS_301", "Checkov:CKV_AWS_364",
                      "Prowler:awslambda_function_not_publicly_accessible"),
    types=T.LAMBDA_PERMISSION,
    remediation="Set principal to the calling service or account (e.g. 'apigateway.amazonaws.com') and pin it "
                "with source_arn (or source_account / principal_org_id) on aws.lambda_.Permission.",
)
def lambda_permission_not_public(r: Resource, report: Report) -> None:
    principal = r.peek("principal")
    if is_unknown(principal):
        unknown_during_preview("principal")
    scoped = any(r.peek(k) not in (None, "") for k in ("sourceArn", "sourceAccount", "principalOrgId"))
    if principal == "*" and not scoped:
        report(f"permission '{r.name}' lets any AWS principal invoke the function; name the calling service or "
               f"account in principal and set source_arn or source_account")
    elif isinstance(principal, str) and principal.endswith(".amazonaws.com") and not scoped:
        report(f"permission '{r.name}' lets {principal} invoke the function on behalf of any account "
               f"(confused deputy); set source_arn (or source_account) to your own resource")


# -- input validation ------------------------------------------------------------------------------
_BODY_METHODS = ("POST", "PUT", "PATCH", "ANY")

@resource_policy(
    name="apigateway-method-request-validation",
    title="API Gateway methods that accept a body should validate requests",
    checklist=("security.api", "ai.prompt-injection"), severity="medium",
    cross_references=("Checkov:CKV2_AWS_53",),
    types=T.APIGW_METHOD, levels=ADVISORY_EVERYWHERE,
    remediation="Create an aws.apigateway.RequestValidator(validate_request_body=True, "
                "validate_request_parameters=True) with a request model, and set request_validator_id on "
                "aws.apigateway.Method so malformed input is rejected before it reaches your code (or a model).",
)
def apigateway_request_validation(r: Resource, report: Report) -> None:
    method = r.peek("httpMethod")
    if method not in _BODY_METHODS:
        not_applicable("only methods that accept a body (POST, PUT, PATCH, ANY) are judged")
    validator = r.peek("requestValidatorId")
    if validator is UNKNOWN:
        unknown_during_preview("request_validator_id")
    if validator in (None, ""):
        report(f"method '{r.name}' ({method}) accepts a body without validation; attach an "
               f"aws.apigateway.RequestValidator via request_validator_id")


VALIDATOR_DEFAULT = "validate_request_body and validate_request_parameters both default to False"


@resource_policy(
    name="apigateway-request-validator-validates",
    aws_default=VALIDATOR_DEFAULT,
    title="API Gateway request validators must validate the body or the parameters",
    checklist="security.api", severity="low",
    types=T.APIGW_REQUEST_VALIDATOR, levels=ADVISORY_EVERYWHERE,
    remediation="Set validate_request_body=True and/or validate_request_parameters=True on "
                "aws.apigateway.RequestValidator; a validator with both off validates nothing.",
)
def apigateway_request_validator_validates(r: Resource, report: Report) -> None:
    body, params = r.peek("validateRequestBody", False), r.peek("validateRequestParameters", False)
    if UNKNOWN in (body, params):
        unknown_during_preview("the validator's settings", "are")
    if body is not True and params is not True:
        unset = r.peek("validateRequestBody") is None and r.peek("validateRequestParameters") is None
        detail = f" (neither is set: {VALIDATOR_DEFAULT})" if unset else ""
        report(f"request validator '{r.name}' validates neither the body nor the parameters{detail}; set "
               f"validate_request_body=True and/or validate_request_parameters=True")


# -- rate limits -----------------------------------------------------------------------------------
def _positive(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


def _same_rest_api(a, b) -> bool:
    """Two API Gateway v1 resources name the same REST API (same dependency or same literal id)."""
    da, db = set(a.property_dependency_urns.get("restApi", ())), set(b.property_dependency_urns.get("restApi", ()))
    if da and db:
        return bool(da & db)
    va, vb = a.peek("restApi"), b.peek("restApi")
    return isinstance(va, str) and va == vb and not is_unknown(va)


def _settings_for_stage(ms, stage) -> bool:
    if stage.urn in ms.property_dependency_urns.get("stageName", ()):
        return True
    name, mine = ms.peek("stageName"), stage.peek("stageName")
    return isinstance(name, str) and name == mine and not is_unknown(name) and _same_rest_api(ms, stage)


def _plan_covers_stage(plan, stage) -> bool:
    if stage.urn in plan.property_dependency_urns.get("apiStages", ()):
        return True
    mine = stage.peek("stageName")
    return any(isinstance(s, dict) and s.get("stage") == mine and isinstance(mine, str)
               for s in as_list(plan.peek("apiStages")))


def _plan_throttled(plan) -> bool:
    throttle = plan.peek("throttleSettings") or {}
    if isinstance(throttle, dict) and _positive(throttle.get("rateLimit")) and _positive(throttle.get("burstLimit")):
        return True
    return any(isinstance(s, dict) and any(isinstance(t, dict) and _positive(t.get("rateLimit"))
                                           for t in as_list(s.get("throttles")))
               for s in as_list(plan.peek("apiStages")))


@stack_policy(
    name="apigateway-stage-throttled",
    title="API Gateway REST stages must be rate limited (method settings or a usage plan)",
    checklist=("security.api", "ai.cost"), severity="high",
    types=(T.APIGW_STAGE, T.APIGW_METHOD_SETTINGS, T.APIGW_USAGE_PLAN),
    remediation="Add aws.apigateway.MethodSettings(rest_api=api.id, stage_name=stage.stage_name, method_path='*/*', "
                "settings={'throttling_rate_limit': 100, 'throttling_burst_limit': 200}) or an "
                "aws.apigateway.UsagePlan with throttle_settings covering the stage.",
)
def apigateway_stage_throttled(stack: Stack, report: Report) -> None:
    for stage in stack.of_type(T.APIGW_STAGE):
        settings = [ms for ms in stack.of_type(T.APIGW_METHOD_SETTINGS) if _settings_for_stage(ms, stage)]
        plans = [p for p in stack.of_type(T.APIGW_USAGE_PLAN) if _plan_covers_stage(p, stage)]
        if any(contains_unknown(ms.peek("settings")) for ms in settings) or \
                any(contains_unknown(p.props) for p in plans):
            continue
        throttled = any(_positive((ms.peek("settings") or {}).get("throttlingRateLimit"))
                        and _positive((ms.peek("settings") or {}).get("throttlingBurstLimit")) for ms in settings)
        if not throttled and not any(_plan_throttled(p) for p in plans):
            report(f"stage '{stage.name}' has no throttling: one client can use the account's whole 10,000 rps "
                   f"budget and your backend's capacity; add aws.apigateway.MethodSettings with "
                   f"throttling_rate_limit/throttling_burst_limit or a usage plan with throttle_settings", stage.urn)


# Account-level throttling per Region: 10,000 requests per second with a burst of 5,000 by default (some Regions
# lower), shared by every REST, HTTP and WebSocket API of the account.
ACCOUNT_THROTTLE = "10,000 requests per second with a burst of 5,000 per Region by default"
V2_THROTTLE_DEFAULT = ("an HTTP or WebSocket API stage has no throttling of its own, only the account-level limit it "
                       "shares with every API in the account, " + ACCOUNT_THROTTLE)


@resource_policy(
    name="apigatewayv2-stage-throttled",
    aws_default=V2_THROTTLE_DEFAULT,
    title="API Gateway HTTP/WebSocket stages must set default route throttling",
    checklist=("security.api", "ai.cost"), severity="high",
    types=T.APIGWV2_STAGE,
    remediation="Set default_route_settings={'throttling_rate_limit': 100, 'throttling_burst_limit': 200} on "
                "aws.apigatewayv2.Stage (route_settings can tune single routes).",
)
def apigatewayv2_stage_throttled(r: Resource, report: Report) -> None:
    settings = r.peek("defaultRouteSettings")
    if is_unknown(settings) or contains_unknown(settings):
        unknown_during_preview("default_route_settings")
    settings = settings if isinstance(settings, dict) else {}
    if not (_positive(settings.get("throttlingRateLimit")) and _positive(settings.get("throttlingBurstLimit"))):
        detail = (f" (default_route_settings throttling not set: {V2_THROTTLE_DEFAULT})"
                  if settings.get("throttlingRateLimit") is None and settings.get("throttlingBurstLimit") is None
                  else "")
        report(f"stage '{r.name}' has no default route throttling, so a single client can flood the API{detail}; "
               f"set default_route_settings throttling_rate_limit and throttling_burst_limit")


PLAN_THROTTLE_DEFAULT = ("a usage plan sets no per-key rate limit of its own, so each key is held only by the stage "
                         "and account-level throttling, " + ACCOUNT_THROTTLE)


@resource_policy(
    name="apigateway-usage-plan-throttled",
    aws_default=PLAN_THROTTLE_DEFAULT,
    title="API Gateway usage plans must set a rate and burst limit",
    checklist=("security.api", "ai.cost"), severity="medium",
    types=T.APIGW_USAGE_PLAN,
    remediation="Set throttle_settings={'rate_limit': 50, 'burst_limit': 100} on aws.apigateway.UsagePlan (or "
                "per-stage throttles in api_stages), so each API key gets its own rate limit.",
)
def apigateway_usage_plan_throttled(r: Resource, report: Report) -> None:
    if contains_unknown(r.peek("throttleSettings")) or contains_unknown(r.peek("apiStages")):
        unknown_during_preview("throttle settings", "are")
    if not _plan_throttled(r):
        detail = f" (throttle_settings not set: {PLAN_THROTTLE_DEFAULT})" if r.peek("throttleSettings") is None else ""
        report(f"usage plan '{r.name}' gives its API keys no rate or burst limit{detail}; set throttle_settings "
               f"rate_limit and burst_limit")


PLAN_QUOTA_DEFAULT = "a usage plan counts no requests per key and caps none per day, week or month"


@resource_policy(
    name="apigateway-usage-plan-quota",
    aws_default=PLAN_QUOTA_DEFAULT,
    title="API Gateway usage plans must cap requests per key with a quota",
    checklist=("ai.cost", "security.api"), severity="medium",
    types=T.APIGW_USAGE_PLAN,
    remediation="Set quota_settings={'limit': 10000, 'period': 'DAY'} on aws.apigateway.UsagePlan: a per-user "
                "cap on requests is the per-user cost limit for an LLM-backed API.",
)
def apigateway_usage_plan_quota(r: Resource, report: Report) -> None:
    quota = r.peek("quotaSettings")
    if contains_unknown(quota):
        unknown_during_preview("quota_settings")
    if not (isinstance(quota, dict) and _positive(quota.get("limit")) and quota.get("period")):
        detail = f" (quota_settings not set: {PLAN_QUOTA_DEFAULT})" if quota is None else ""
        report(f"usage plan '{r.name}' has no quota, so one API key can make unlimited calls{detail}; set "
               f"quota_settings limit and period")


lambda_reserved_concurrency = property_policy(
    name="lambda-reserved-concurrency",
    title="Lambda functions should cap their concurrency",
    checklist=("ai.cost", "security.api"), severity="low",
    cross_references=("Checkov:CKV_AWS_115",),
    types=T.LAMBDA_FUNCTION, path="reservedConcurrentExecutions", expect=lambda v: _positive(v),
    levels=ADVISORY_EVERYWHERE,
    message="function '{name}' has no concurrency cap: a traffic spike (or a loop) scales it, and what it "
            "calls (a model, a database), without limit; set reserved_concurrent_executions",
    remediation="Set reserved_concurrent_executions to the most concurrent executions the function and what it "
                "calls can afford on aws.lambda_.Function (0 disables the function; -1 removes the cap).",
    aws_default=("Lambda reserves no concurrency for a function, so it may use all of the account's unreserved "
                 "concurrency in the Region"),
)


# -- WAF ---------------------------------------------------------------------------------------------
def _associated(stack, target) -> bool:
    return any(links_to(a, "resourceArn", target) for a in stack.of_type(T.WAF_ASSOCIATION))


def _public_alb(lb) -> bool:
    kind = lb.peek("loadBalancerType", "application")
    internal = lb.peek("internal", False)
    return kind == "application" and internal is not True and not is_unknown(internal)


@stack_policy(
    name="apigateway-stage-waf",
    title="API Gateway REST stages must be protected by a WAF web ACL",
    checklist="security.api", severity="high",
    cross_references=("Checkov:CKV2_AWS_29", "Prowler:apigateway_restapi_waf_acl_attached"),
    types=(T.APIGW_STAGE, T.WAF_ASSOCIATION),
    remediation="Add aws.wafv2.WebAclAssociation(resource_arn=stage.arn, web_acl_arn=acl.arn) with a REGIONAL "
                "aws.wafv2.WebAcl carrying managed rule groups and a rate-based rule.",
)
def apigateway_stage_waf(stack: Stack, report: Report) -> None:
    for stage in stack.of_type(T.APIGW_STAGE):
        if not _associated(stack, stage):
            report(f"stage '{stage.name}' has no WAF web ACL; add aws.wafv2.WebAclAssociation(resource_arn="
                   f"stage.arn, ...) with rate-based and managed rules", stage.urn)


@stack_policy(
    name="alb-waf",
    title="Internet-facing Application Load Balancers must be protected by a WAF web ACL",
    checklist="security.api", severity="high",
    cross_references=("Checkov:CKV2_AWS_28", "Prowler:elbv2_waf_acl_attached"),
    types=T.LOAD_BALANCERS + (T.WAF_ASSOCIATION,),
    remediation="Add aws.wafv2.WebAclAssociation(resource_arn=lb.arn, web_acl_arn=acl.arn) for every internet-facing "
                "aws.lb.LoadBalancer of type 'application'.",
)
def alb_waf(stack: Stack, report: Report) -> None:
    for lb in stack.of_type(*T.LOAD_BALANCERS):
        if _public_alb(lb) and not _associated(stack, lb):
            report(f"load balancer '{lb.name}' is internet-facing without a WAF web ACL; add "
                   f"aws.wafv2.WebAclAssociation(resource_arn=lb.arn, ...)", lb.urn)


def _waf_rule_statements(stack, acl):
    """The statements of a web ACL's rules (inline `rules`, raw `ruleJson`, split WebAclRule resources),
    as sets of lower-cased keys; None while any of them is unknown."""
    found = []
    rules, raw = acl.peek("rules"), acl.peek("ruleJson")
    if contains_unknown(rules) or is_unknown(raw):
        return None
    for rule in as_list(rules):
        if isinstance(rule, dict):
            found.append(json_keys(rule.get("statement") or {}))
    if isinstance(raw, str) and raw.strip():
        for rule in as_list(_load(raw)):
            if isinstance(rule, dict):
                found.append(json_keys(rule.get("Statement") or rule.get("statement") or {}))
    for rule in stack.of_type(T.WAF_WEB_ACL_RULE):
        if links_to(rule, "webAclArn", acl):
            statement = rule.peek("statement")
            if contains_unknown(statement):
                return None
            found.append(json_keys(statement or {}))
    return found


def _load(raw):
    import json
    try:
        return json.loads(raw)
    except ValueError:
        return []


@stack_policy(
    name="waf-web-acl-has-rules",
    title="WAF web ACLs must contain rules",
    checklist="security.api", severity="medium",
    cross_references=("Checkov:CKV_AWS_175", "Prowler:wafv2_webacl_with_rules"),
    types=(T.WAF_WEB_ACL, T.WAF_WEB_ACL_RULE),
    remediation="Add rules to aws.wafv2.WebAcl: AWS managed rule groups (AWSManagedRulesCommonRuleSet, "
                "AWSManagedRulesKnownBadInputsRuleSet) and a rate_based_statement.",
)
def waf_web_acl_has_rules(stack: Stack, report: Report) -> None:
    for acl in stack.of_type(T.WAF_WEB_ACL):
        statements = _waf_rule_statements(stack, acl)
        if statements is not None and not statements:
            report(f"web ACL '{acl.name}' has no rules, so it only applies its default action; add managed rule "
                   f"groups and a rate-based rule", acl.urn)


@stack_policy(
    name="waf-web-acl-rate-based-rule",
    title="WAF web ACLs must include a rate-based rule",
    checklist=("security.api", "ai.cost"), severity="high",
    types=(T.WAF_WEB_ACL, T.WAF_WEB_ACL_RULE),
    remediation="Add a rule with statement={'rate_based_statement': {'limit': 1000, 'aggregate_key_type': 'IP'}} "
                "and action={'block': {}} to aws.wafv2.WebAcl (or an aws.wafv2.WebAclRule): it caps requests per "
                "client IP over 5 minutes.",
)
def waf_web_acl_rate_based_rule(stack: Stack, report: Report) -> None:
    for acl in stack.of_type(T.WAF_WEB_ACL):
        statements = _waf_rule_statements(stack, acl)
        if statements is None:
            continue
        if not any("ratebasedstatement" in keys for keys in statements):
            report(f"web ACL '{acl.name}' has no rate-based rule, so one client can send unlimited requests; add a "
                   f"rule with a rate_based_statement (limit per IP per 5 minutes)", acl.urn)


@stack_policy(
    name="waf-web-acl-logging",
    title="WAF web ACLs must log requests",
    checklist=("security.api", "observability.logging"), severity="medium",
    cross_references=("Checkov:CKV2_AWS_31", "Prowler:wafv2_webacl_logging_enabled"),
    types=(T.WAF_WEB_ACL, T.WAF_LOGGING),
    remediation="Add aws.wafv2.WebAclLoggingConfiguration(resource_arn=acl.arn, log_destination_configs=["
                "log_group.arn]) (the log group name must start with 'aws-waf-logs-').",
)
def waf_web_acl_logging(stack: Stack, report: Report) -> None:
    for acl in stack.of_type(T.WAF_WEB_ACL):
        if not any(links_to(c, "resourceArn", acl) for c in stack.of_type(T.WAF_LOGGING)):
            report(f"web ACL '{acl.name}' does not log the requests it sees; add "
                   f"aws.wafv2.WebAclLoggingConfiguration for it", acl.urn)


# -- TLS -------------------------------------------------------------------------------------------------
_MODERN_TLS = re.compile(r"TLS[-_]?1[-_]?[23]|TLS13|FS-1-2", re.I)


def _modern_tls(policy, allowed) -> bool:
    return isinstance(policy, str) and (policy in allowed or bool(_MODERN_TLS.search(policy)))


# CreateDomainName documents no default securityPolicy; API Gateway's own default endpoints use TLS-1-0 for
# edge-optimized and Regional APIs, and HTTP/WebSocket custom domains support TLS_1_2 only (the provider requires it).
DOMAIN_TLS_DEFAULT = ("the API Gateway API documents no default security policy for a REST API custom domain, and "
                      "its default endpoints for edge-optimized and Regional APIs accept TLS 1.0 (TLS-1-0); only "
                      "TLS_1_2 or a SecurityPolicy_TLS13_* policy is sure to refuse it")


@resource_policy(
    name="api-custom-domain-tls12",
    aws_default=DOMAIN_TLS_DEFAULT,
    title="API Gateway custom domains must use a TLS 1.2+ security policy",
    checklist=("security.api", "security.encryption"), severity="medium",
    cross_references=("Checkov:CKV_AWS_206",),
    types=(T.APIGW_DOMAIN, T.APIGWV2_DOMAIN),
    remediation="Set security_policy='TLS_1_2' (or a TLS 1.3 'SecurityPolicy_TLS13_*' policy) on "
                "aws.apigateway.DomainName, or domain_name_configuration.security_policy='TLS_1_2' on "
                "aws.apigatewayv2.DomainName.",
)
def api_custom_domain_tls12(r: Resource, report: Report) -> None:
    path = "securityPolicy" if r.type == T.APIGW_DOMAIN else "domainNameConfiguration.securityPolicy"
    policy = r.peek(path)
    if is_unknown(policy):
        unknown_during_preview("security_policy")
    if not _modern_tls(policy, ()):
        unset = policy in (None, "")
        detail = f"security_policy not set: {DOMAIN_TLS_DEFAULT}" if unset else f"security_policy is {policy!r}"
        report(f"custom domain '{r.name}' {'may accept' if unset else 'accepts'} TLS 1.0 ({detail}); set "
               f"security_policy='TLS_1_2'")


def _http_redirects_to_https(listener) -> bool:
    for action in as_list(listener.peek("defaultActions")):
        if (isinstance(action, dict) and action.get("type") == "redirect"
                and ((action.get("redirect") or {}).get("protocol") or "").upper() == "HTTPS"):
            return True
    return False


LISTENER_DEFAULT = ("a listener without protocol serves HTTP, the provider's default for an application load "
                    "balancer")


@resource_policy(
    name="lb-listener-https",
    aws_default=LISTENER_DEFAULT,
    title="Load balancer HTTP listeners must redirect to HTTPS",
    checklist=("security.api", "security.encryption"), severity="high",
    cross_references=("Checkov:CKV2_AWS_20", "Checkov:CKV_AWS_2", "Prowler:elbv2_ssl_listeners"),
    types=T.LB_LISTENERS,
    remediation="Serve traffic on an HTTPS listener (protocol='HTTPS', certificate_arn, a TLS 1.2+ ssl_policy) and "
                "make the port-80 listener's default action {'type': 'redirect', 'redirect': {'protocol': 'HTTPS', "
                "'port': '443', 'status_code': 'HTTP_301'}} on aws.lb.Listener.",
)
def lb_listener_https(r: Resource, report: Report) -> None:
    protocol, actions = r.peek("protocol"), r.peek("defaultActions")
    if is_unknown(protocol) or contains_unknown(actions):
        unknown_during_preview("the listener's protocol or actions", "are")
    implicit = protocol in (None, "") and r.peek("certificateArn") in (None, "")
    if (protocol == "HTTP" or implicit) and not _http_redirects_to_https(r):
        how = "plain HTTP (protocol not set: " + LISTENER_DEFAULT + ")" if implicit \
            else "plain HTTP"
        report(f"listener '{r.name}' serves {how}; make its default action a redirect to HTTPS and serve "
               f"the application on an HTTPS listener")


@resource_policy(
    name="lb-listener-modern-tls",
    title="Load balancer HTTPS/TLS listeners must use a TLS 1.2+ security policy",
    checklist=("security.api", "security.encryption"), severity="medium",
    cross_references=("Checkov:CKV_AWS_103", "Checkov:CKV2_AWS_74", "Prowler:elbv2_insecure_ssl_ciphers"),
    types=T.LB_LISTENERS,
    config={"allowedSslPolicies": {
        "type": "array", "items": {"type": "string"}, "default": [],
        "description": "Extra ssl_policy names to accept besides the TLS 1.2/1.3 ELBSecurityPolicy-* policies."}},
    remediation="Set ssl_policy='ELBSecurityPolicy-TLS13-1-2-2021-06' (TLS 1.3 and 1.2) on aws.lb.Listener; the "
                "default ELBSecurityPolicy-2016-08 still accepts TLS 1.0 and 1.1.",
)
def lb_listener_modern_tls(r: Resource, report: Report) -> None:
    protocol, policy = r.peek("protocol"), r.peek("sslPolicy")
    if is_unknown(protocol) or is_unknown(policy):
        unknown_during_preview("protocol or ssl_policy")
    if protocol not in ("HTTPS", "TLS"):
        not_applicable("only HTTPS and TLS listeners negotiate TLS")
    if not _modern_tls(policy, r.config.get("allowedSslPolicies") or ()):
        report(f"listener '{r.name}' uses ssl_policy {policy or 'ELBSecurityPolicy-2016-08 (the default)'}, which "
               f"accepts TLS 1.0/1.1; set ssl_policy='ELBSecurityPolicy-TLS13-1-2-2021-06'")


DROP_HEADERS_DEFAULT = ("an application load balancer forwards HTTP headers with invalid names to its targets by "
                        "default")


@resource_policy(
    name="alb-drop-invalid-headers",
    aws_default=DROP_HEADERS_DEFAULT,
    title="Application Load Balancers should drop invalid HTTP header fields",
    checklist="security.api", severity="low",
    types=T.LOAD_BALANCERS, levels=ADVISORY_EVERYWHERE,
    remediation="Set drop_invalid_header_fields=True on aws.lb.LoadBalancer (application load balancers).",
)
def lb_drop_invalid_headers(r: Resource, report: Report) -> None:
    kind, drop = r.peek("loadBalancerType", "application"), r.peek("dropInvalidHeaderFields", False)
    if kind != "application":
        not_applicable("only application load balancers parse HTTP headers")
    if drop is UNKNOWN:
        unknown_during_preview("drop_invalid_header_fields")
    if drop is not True:
        report(f"load balancer '{r.name}' forwards invalid HTTP header fields (a request-smuggling vector) "
               f"{why(r, 'dropInvalidHeaderFields', DROP_HEADERS_DEFAULT)}; set "
               f"drop_invalid_header_fields=True")


_VIEWER_OK = ("redirect-to-https", "https-only")


@resource_policy(
    name="cloudfront-viewer-https",
    title="CloudFront distributions must send viewers to HTTPS on every cache behavior",
    checklist=("security.api", "security.encryption"), severity="high",
    cross_references=("Checkov:CKV_AWS_34", "Prowler:cloudfront_distributions_https_enabled"),
    types=(T.CLOUDFRONT_DISTRIBUTION,),
    remediation="Set viewer_protocol_policy='redirect-to-https' (or 'https-only') on default_cache_behavior and on "
                "every ordered_cache_behaviors entry of aws.cloudfront.Distribution.",
)
def cloudfront_viewer_https(r: Resource, report: Report) -> None:
    behaviors = [("the default cache behavior", r.peek("defaultCacheBehavior.viewerProtocolPolicy"))]
    for i, b in enumerate(as_list(r.peek("orderedCacheBehaviors"))):
        if isinstance(b, dict):
            behaviors.append((f"ordered behavior '{b.get('pathPattern') or i}'", b.get("viewerProtocolPolicy")))
    plain = [where for where, policy in behaviors if isinstance(policy, str) and policy not in _VIEWER_OK]
    if plain:
        report(f"distribution '{r.name}' serves plain HTTP on {', '.join(plain)} (viewer_protocol_policy "
               f"'allow-all'); set viewer_protocol_policy='redirect-to-https'")


CLOUDFRONT_WAF_DEFAULT = "CloudFront attaches no AWS WAF web ACL to a distribution unless web_acl_id is set"


# Advisory: a distribution serving only static files from a private bucket gains less from a web ACL than one in
# front of an API or a dynamic origin, and the ACL has a monthly and per-request price; the team decides.
@resource_policy(
    name="cloudfront-waf",
    aws_default=CLOUDFRONT_WAF_DEFAULT,
    title="CloudFront distributions should be protected by an AWS WAF web ACL",
    checklist="security.api", severity="medium", levels=ADVISORY_EVERYWHERE,
    types=(T.CLOUDFRONT_DISTRIBUTION,),
    remediation="Create an aws.wafv2.WebAcl with scope='CLOUDFRONT' (in us-east-1) carrying AWS managed rule groups "
                "and a rate-based rule, and set web_acl_id=acl.arn on aws.cloudfront.Distribution (AWS WAF's "
                "WebAclAssociation does not accept CloudFront distributions).",
)
def cloudfront_waf(r: Resource, report: Report) -> None:
    acl = r.peek("webAclId")
    if is_unknown(acl):
        unknown_during_preview("webAclId")
    if not acl:
        report(f"distribution '{r.name}' reaches its origins with no web application firewall in front "
               f"{why(r, 'webAclId', CLOUDFRONT_WAF_DEFAULT)}; set web_acl_id to the ARN of an aws.wafv2.WebAcl with "
               f"scope='CLOUDFRONT'")


@resource_policy(
    name="apigatewayv2-no-quick-create",
    title="HTTP APIs must not be quick-created (an open $default route and stage, no throttling, no logs)",
    checklist=("security.api", "observability.logging", "ai.cost"), severity="high",
    types=(T.APIGWV2_API,),
    remediation="Remove target (and route_key) from aws.apigatewayv2.Api; declare an aws.apigatewayv2.Integration, "
                "aws.apigatewayv2.Route with authorization_type='JWT'/'AWS_IAM'/'CUSTOM', and an "
                "aws.apigatewayv2.Stage with default_route_settings throttling and access_log_settings.",
)
def apigatewayv2_no_quick_create(r: Resource, report: Report) -> None:
    target = r.peek("target")
    if (is_unknown(target) or target not in (None, "")) and r.peek("protocolType", "HTTP") == "HTTP":
        report(f"HTTP API '{r.name}' is quick-created (target=...): API Gateway adds a $default route with no "
               f"authorization and a $default stage with no throttling and no access logs; declare the route "
               f"(with an authorizer) and the stage (throttling, access logs) yourself")


POLICIES = [
    cloudfront_viewer_https,
    cloudfront_waf,
    apigatewayv2_no_quick_create,
    apigateway_method_authorization,
    apigatewayv2_route_authorization,
    lambda_function_url_iam_auth,
    lambda_permission_not_public,
    apigateway_request_validation,
    apigateway_request_validator_validates,
    apigateway_stage_throttled,
    apigatewayv2_stage_throttled,
    apigateway_usage_plan_throttled,
    apigateway_usage_plan_quota,
    lambda_reserved_concurrency,
    apigateway_stage_waf,
    alb_waf,
    waf_web_acl_has_rules,
    waf_web_acl_rate_based_rule,
    waf_web_acl_logging,
    api_custom_domain_tls12,
    lb_listener_https,
    lb_listener_modern_tls,
    lb_drop_invalid_headers,
]
