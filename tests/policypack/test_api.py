"""security.api policies through the Analyzer protocol: each passes a compliant input and fails a mutation."""
import json

import pytest

from tests.conftest import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE, link, res

METHOD = "aws:apigateway/method:Method"
STAGE = "aws:apigateway/stage:Stage"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan"
VALIDATOR = "aws:apigateway/requestValidator:RequestValidator"
DOMAIN = "aws:apigateway/domainName:DomainName"
V2_API = "aws:apigatewayv2/api:Api"
V2_ROUTE = "aws:apigatewayv2/route:Route"
V2_STAGE = "aws:apigatewayv2/stage:Stage"
V2_DOMAIN = "aws:apigatewayv2/domainName:DomainName"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION = "aws:lambda/permission:Permission"
FUNCTION = "aws:lambda/function:Function"
LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
ALB_LISTENER = "aws:alb/listener:Listener"
ACL = "aws:wafv2/webAcl:WebAcl"
ACL_RULE = "aws:wafv2/webAclRule:WebAclRule"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"


def names(result, policy):
    return [d.urn.rsplit("::", 1)[1] for d in result.violations(policy)]


# -- single-resource policies: (policy, type, compliant props, failing props) ---------------------------
CASES = [
    ("apigateway-method-authorization", METHOD, {"httpMethod": "GET", "authorization": "AWS_IAM"},
     {"httpMethod": "GET", "authorization": "NONE"}),
    ("apigateway-method-authorization", METHOD, {"httpMethod": "POST", "authorization": "NONE", "apiKeyRequired": True},
     {"httpMethod": "POST", "authorization": "NONE", "apiKeyRequired": False}),
    ("lambda-function-url-iam-auth", FUNCTION_URL, {"authorizationType": "AWS_IAM", "functionName": "f"},
     {"authorizationType": "NONE", "functionName": "f"}),
    ("lambda-permission-not-public", PERMISSION,
     {"principal": "apigateway.amazonaws.com", "sourceArn": "arn:aws:execute-api:us-east-1:1:abc/*", "action": "x"},
     {"principal": "*", "action": "lambda:InvokeFunction"}),
    ("lambda-permission-not-public", PERMISSION, {"principal": "111111111111", "action": "lambda:InvokeFunction"},
     {"principal": "s3.amazonaws.com", "action": "lambda:InvokeFunction"}),
    ("apigateway-method-request-validation", METHOD, {"httpMethod": "POST", "requestValidatorId": "v1"},
     {"httpMethod": "POST"}),
    ("apigateway-request-validator-validates", VALIDATOR, {"validateRequestBody": True},
     {"validateRequestBody": False, "validateRequestParameters": False}),
    ("apigatewayv2-stage-throttled", V2_STAGE,
     {"defaultRouteSettings": {"throttlingRateLimit": 100, "throttlingBurstLimit": 200}},
     {"defaultRouteSettings": {"throttlingRateLimit": 100}}),
    ("apigateway-usage-plan-throttled", USAGE_PLAN, {"throttleSettings": {"rateLimit": 10, "burstLimit": 20}},
     {"quotaSettings": {"limit": 1000, "period": "DAY"}}),
    ("apigateway-usage-plan-throttled", USAGE_PLAN,
     {"apiStages": [{"apiId": "a", "stage": "prod", "throttles": [{"path": "/x/GET", "rateLimit": 5, "burstLimit": 5}]}]},
     {"throttleSettings": {"rateLimit": 0, "burstLimit": 0}}),
    ("apigateway-usage-plan-quota", USAGE_PLAN, {"quotaSettings": {"limit": 1000, "period": "DAY"}},
     {"throttleSettings": {"rateLimit": 10, "burstLimit": 20}}),
    ("lambda-reserved-concurrency", FUNCTION, {"reservedConcurrentExecutions": 50}, {"runtime": "python3.12"}),
    ("api-custom-domain-tls12", DOMAIN, {"securityPolicy": "TLS_1_2", "domainName": "api.example.com"},
     {"securityPolicy": "TLS_1_0", "domainName": "api.example.com"}),
    ("api-custom-domain-tls12", V2_DOMAIN, {"domainNameConfiguration": {"securityPolicy": "TLS_1_2"}},
     {"domainNameConfiguration": {"endpointType": "REGIONAL"}}),
    ("lb-listener-https", LISTENER, {"protocol": "HTTP", "port": 80, "defaultActions": [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]},
     {"protocol": "HTTP", "port": 80, "defaultActions": [{"type": "forward", "targetGroupArn": "tg"}]}),
    ("lb-listener-https", ALB_LISTENER, {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
     {"protocol": "HTTP", "defaultActions": [{"type": "fixed-response"}]}),
    ("lb-listener-modern-tls", LISTENER, {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
     {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08"}),
    ("lb-listener-modern-tls", ALB_LISTENER, {"protocol": "TLS", "sslPolicy": "ELBSecurityPolicy-FS-1-2-Res-2020-10"},
     {"protocol": "HTTPS"}),
    ("alb-drop-invalid-headers", LB, {"dropInvalidHeaderFields": True}, {"loadBalancerType": "application"}),
]


@pytest.mark.parametrize("policy,type_,good,bad", CASES)
def test_resource_policies(pack, policy, type_, good, bad):
    assert not pack.analyze(type_, good).violations(policy)
    [d] = pack.analyze(type_, bad, name="edge").violations(policy)
    assert "'edge'" in d.message


@pytest.mark.parametrize("policy,type_,props", [
    ("apigateway-method-authorization", METHOD, {"httpMethod": "GET", "authorization": UNKNOWN_STRING_VALUE}),
    ("lambda-function-url-iam-auth", FUNCTION_URL, {"authorizationType": UNKNOWN_STRING_VALUE}),
    ("lambda-permission-not-public", PERMISSION, {"principal": UNKNOWN_STRING_VALUE}),
    ("apigateway-method-request-validation", METHOD, {"httpMethod": "PUT", "requestValidatorId": UNKNOWN_STRING_VALUE}),
    ("apigateway-request-validator-validates", VALIDATOR, {"validateRequestBody": UNKNOWN_BOOLEAN_VALUE}),
    ("lb-listener-https", LISTENER, {"protocol": UNKNOWN_STRING_VALUE}),
    ("lb-listener-modern-tls", LISTENER, {"protocol": "HTTPS", "sslPolicy": UNKNOWN_STRING_VALUE}),
    ("api-custom-domain-tls12", DOMAIN, {"securityPolicy": UNKNOWN_STRING_VALUE}),
    ("alb-drop-invalid-headers", LB, {"dropInvalidHeaderFields": UNKNOWN_BOOLEAN_VALUE}),
])
def test_unknown_inputs_never_misfire(pack, policy, type_, props):
    result = pack.analyze(type_, props)
    assert not result.violations(policy)
    assert "unknown" in result.not_applicable[policy]


@pytest.mark.parametrize("policy,type_,props,reason", [
    ("apigateway-method-authorization", METHOD, {"httpMethod": "OPTIONS", "authorization": "NONE"}, "CORS"),
    ("apigateway-method-request-validation", METHOD, {"httpMethod": "GET"}, "accept a body"),
    ("lb-listener-modern-tls", LISTENER, {"protocol": "TCP"}, "negotiate TLS"),
    ("alb-drop-invalid-headers", LB, {"loadBalancerType": "network"}, "application load balancers"),
])
def test_not_applicable(pack, policy, type_, props, reason):
    result = pack.analyze(type_, props)
    assert not result.violations(policy) and reason in result.not_applicable[policy]


def test_tls_allow_list_config(pack):
    listener = {"protocol": "HTTPS", "sslPolicy": "Custom-Legacy-Policy"}
    assert pack.analyze(LISTENER, listener).violations("lb-listener-modern-tls")
    with pack.configured({"lb-listener-modern-tls": {"allowedSslPolicies": ["Custom-Legacy-Policy"]}}):
        assert not pack.analyze(LISTENER, listener).violations("lb-listener-modern-tls")


def test_dev_is_advisory(dev_pack):
    [d] = dev_pack.analyze(FUNCTION_URL, {"authorizationType": "NONE"}).violations("lambda-function-url-iam-auth")
    assert d.level == "advisory" and d.severity == "critical"


# -- stack policies ----------------------------------------------------------------------------------------
def test_v2_route_authorization(pack):
    http = res(V2_API, "http", {"protocolType": "HTTP"})
    ws = res(V2_API, "ws", {"protocolType": "WEBSOCKET"})
    routes = [
        link(res(V2_ROUTE, "open-get", {"routeKey": "GET /items"}), "apiId", http),
        link(res(V2_ROUTE, "jwt-post", {"routeKey": "POST /items", "authorizationType": "JWT"}), "apiId", http),
        link(res(V2_ROUTE, "preflight", {"routeKey": "OPTIONS /items"}), "apiId", http),
        link(res(V2_ROUTE, "catch-all", {"routeKey": "$default"}), "apiId", http),
        link(res(V2_ROUTE, "ws-connect", {"routeKey": "$connect"}), "apiId", ws),
        link(res(V2_ROUTE, "ws-message", {"routeKey": "sendMessage"}), "apiId", ws),
        link(res(V2_ROUTE, "unknown", {"routeKey": "GET /x", "authorizationType": UNKNOWN_STRING_VALUE}), "apiId", http),
    ]
    result = pack.analyze_stack([http, ws] + routes)
    assert sorted(names(result, "apigatewayv2-route-authorization")) == ["catch-all", "open-get", "ws-connect"]


def _rest_stage():
    api = res("aws:apigateway/restApi:RestApi", "api", {"name": "api"})
    stage = link(res(STAGE, "prod", {"stageName": "prod"}), "restApi", api)
    return api, stage


def test_rest_stage_throttled_by_method_settings(pack):
    api, stage = _rest_stage()
    assert names(pack.analyze_stack([api, stage]), "apigateway-stage-throttled") == ["prod"]
    settings = link(link(res(METHOD_SETTINGS, "ms", {"methodPath": "*/*", "settings": {
        "throttlingRateLimit": 100, "throttlingBurstLimit": 200}}), "restApi", api), "stageName", stage, "prod")
    assert not pack.analyze_stack([api, stage, settings]).violations("apigateway-stage-throttled")
    unthrottled = link(link(res(METHOD_SETTINGS, "ms", {"methodPath": "*/*", "settings": {
        "throttlingRateLimit": -1}}), "restApi", api), "stageName", stage, "prod")
    assert pack.analyze_stack([api, stage, unthrottled]).violations("apigateway-stage-throttled")


def test_rest_stage_throttled_by_literal_stage_name(pack):
    api, stage = _rest_stage()
    settings = link(res(METHOD_SETTINGS, "ms", {"stageName": "prod", "methodPath": "*/*", "settings": {
        "throttlingRateLimit": 10, "throttlingBurstLimit": 10}}), "restApi", api)
    assert not pack.analyze_stack([api, stage, settings]).violations("apigateway-stage-throttled")


def test_rest_stage_throttled_by_usage_plan(pack):
    api, stage = _rest_stage()
    plan = res(USAGE_PLAN, "plan", {"apiStages": [{"apiId": "api", "stage": "prod"}],
                                    "throttleSettings": {"rateLimit": 5, "burstLimit": 10}})
    plan["propertyDependencies"] = {"apiStages": [api["urn"], stage["urn"]]}
    assert not pack.analyze_stack([api, stage, plan]).violations("apigateway-stage-throttled")
    plan["props"]["throttleSettings"] = {}
    assert pack.analyze_stack([api, stage, plan]).violations("apigateway-stage-throttled")


def test_stage_and_alb_waf(pack):
    api, stage = _rest_stage()
    public = res(LB, "public", {"loadBalancerType": "application"})
    internal = res(ALB, "internal", {"internal": True})
    nlb = res(LB, "nlb", {"loadBalancerType": "network"})
    base = [api, stage, public, internal, nlb]
    result = pack.analyze_stack(base)
    assert names(result, "apigateway-stage-waf") == ["prod"]
    assert names(result, "alb-waf") == ["public"]
    acl = res(ACL, "acl", {"scope": "REGIONAL"})
    associations = [link(link(res(ASSOCIATION, f"assoc-{t['name']}", {}), "resourceArn", t), "webAclArn", acl)
                    for t in (stage, public)]
    result = pack.analyze_stack(base + [acl] + associations)
    assert not result.violations("apigateway-stage-waf") and not result.violations("alb-waf")


RATE_RULE = {"name": "rate", "priority": 1, "action": {"block": {}},
             "statement": {"rateBasedStatement": {"limit": 1000, "aggregateKeyType": "IP"}},
             "visibilityConfig": {"cloudwatchMetricsEnabled": True, "metricName": "rate", "sampledRequestsEnabled": True}}
MANAGED_RULE = {"name": "common", "priority": 2, "overrideAction": {"none": {}},
                "statement": {"managedRuleGroupStatement": {"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}}}


@pytest.mark.parametrize("acl_props,split_rules,has_rules,has_rate", [
    ({"rules": [RATE_RULE, MANAGED_RULE]}, [], True, True),
    ({"rules": [MANAGED_RULE]}, [], True, False),
    ({}, [], False, False),
    ({"ruleJson": json.dumps([{"Name": "r", "Statement": {"RateBasedStatement": {"Limit": 500}}}])}, [], True, True),
    ({"ruleJson": json.dumps([{"Name": "g", "Statement": {"GeoMatchStatement": {"CountryCodes": ["XX"]}}}])}, [],
     True, False),
    ({}, [RATE_RULE], True, True),
])
def test_waf_rules(pack, acl_props, split_rules, has_rules, has_rate):
    acl = res(ACL, "acl", acl_props)
    rules = [link(res(ACL_RULE, f"rule{i}", dict(rule)), "webAclArn", acl) for i, rule in enumerate(split_rules)]
    result = pack.analyze_stack([acl] + rules)
    assert bool(result.violations("waf-web-acl-has-rules")) is not has_rules
    assert bool(result.violations("waf-web-acl-rate-based-rule")) is not has_rate


def test_waf_unknown_rule_json_never_misfires(pack):
    result = pack.analyze_stack([res(ACL, "acl", {"ruleJson": UNKNOWN_STRING_VALUE})])
    assert not result.violations("waf-web-acl-rate-based-rule") and not result.violations("waf-web-acl-has-rules")


def test_waf_logging(pack):
    acl = res(ACL, "acl", {"rules": [RATE_RULE]})
    assert names(pack.analyze_stack([acl]), "waf-web-acl-logging") == ["acl"]
    logging = link(res(WAF_LOGGING, "acl-logs", {"logDestinationConfigs": ["arn:aws:logs:x"]}), "resourceArn", acl)
    assert not pack.analyze_stack([acl, logging]).violations("waf-web-acl-logging")


def test_cloudfront_waf_is_advisory(pack):
    distribution = "aws:cloudfront/distribution:Distribution"
    acl = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/1"
    assert not pack.analyze(distribution, {"webAclId": acl}).violations("cloudfront-waf")
    [d] = pack.analyze(distribution, {}, name="cdn").violations("cloudfront-waf")
    assert d.level == "advisory" and "'cdn'" in d.message and "web_acl_id not set" in d.message
    assert pack.analyze(distribution, {"webAclId": ""}).violations("cloudfront-waf")
    result = pack.analyze(distribution, {"webAclId": UNKNOWN_STRING_VALUE})
    assert not result.violations("cloudfront-waf") and "cloudfront-waf" in result.not_applicable
