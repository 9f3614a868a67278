"""What the internet can reach: security groups, Lambda function URLs, API Gateway stages."""
from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from ..aws import NotSupported
from ..model import check

ADMIN_PORTS: Dict[int, str] = {22: "SSH", 3389: "RDP", 3306: "MySQL", 5432: "PostgreSQL", 1433: "SQL Server",
                               1521: "Oracle", 6379: "Redis", 27017: "MongoDB", 9200: "Elasticsearch"}
WORLD = ("0.0.0.0/0", "::/0")


def open_ports(permission) -> List[str]:
    """Admin/database ports this ingress rule opens to the whole internet."""
    world = [r.get("CidrIp") for r in permission.get("IpRanges", [])] + \
        [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
    if not any(cidr in WORLD for cidr in world):
        return []
    if permission.get("IpProtocol") in ("-1", "all"):
        return ["all ports"]
    if permission.get("IpProtocol") not in ("tcp", "6"):
        return []
    low, high = permission.get("FromPort", 0), permission.get("ToPort", 65535)
    return [f"{port} ({name})" for port, name in ADMIN_PORTS.items() if low <= port <= high]


@check(id="security-group-admin-ports", title="No security group opens admin or database ports to the world",
       checklist=("security.api", "infra.separation"), severity="high",
       remediation="Remove the 0.0.0.0/0 (::/0) ingress rule; reach hosts through SSM Session Manager and keep "
                   "databases in private subnets (components.Network does).")
def security_group_admin_ports(ctx):
    for group in ctx.items("ec2", "describe_security_groups", "SecurityGroups"):
        ports: List[str] = []
        for permission in group.get("IpPermissions", []):
            ports.extend(p for p in open_ports(permission) if p not in ports)
        if ports:
            yield group["GroupId"], (f"security group '{group.get('GroupName', group['GroupId'])}' allows the whole "
                                     f"internet to {', '.join(ports)}")


def function_urls(ctx, function_name: str) -> List[dict]:
    try:
        return ctx.items("lambda", "list_function_url_configs", "FunctionUrlConfigs", FunctionName=function_name)
    except NotSupported:
        # Emulators without ListFunctionUrlConfigs: the unqualified function URL is still checked.
        got = ctx.call("lambda", "get_function_url_config", FunctionName=function_name,
                       absent=("ResourceNotFoundException",))
        return [got] if got else []


@check(id="lambda-url-auth", title="Lambda function URLs require authentication",
       checklist="security.api", severity="high",
       remediation="Use aws.lambda_.FunctionUrl(authorization_type='AWS_IAM'), or put the function behind API "
                   "Gateway with auth and throttling (components.ApiProtection).")
def lambda_url_auth(ctx):
    for function in ctx.items("lambda", "list_functions", "Functions"):
        name = function["FunctionName"]
        for url in function_urls(ctx, name):
            if url.get("AuthType") == "NONE":
                yield url.get("FunctionArn", function.get("FunctionArn", name)), (
                    f"Lambda function '{name}' has a public URL with no authentication ({url.get('FunctionUrl', '')})")


def rest_stages(ctx) -> Iterable[Tuple[dict, dict]]:
    for api in ctx.items("apigateway", "get_rest_apis", "items"):
        stages = ctx.memo(("apigateway", "stages", api["id"]), lambda api=api: ctx.call(
            "apigateway", "get_stages", restApiId=api["id"]).get("item", []))
        for stage in stages:
            yield api, stage


def http_stages(ctx) -> Iterable[Tuple[dict, dict]]:
    for api in ctx.items("apigatewayv2", "get_apis", "Items"):
        stages = ctx.memo(("apigatewayv2", "stages", api["ApiId"]), lambda api=api: ctx.call(
            "apigatewayv2", "get_stages", ApiId=api["ApiId"]).get("Items", []))
        for stage in stages:
            yield api, stage


def throttled_by_usage_plan(ctx) -> set:
    covered = set()
    for plan in ctx.items("apigateway", "get_usage_plans", "items"):
        for api_stage in plan.get("apiStages", []):
            if plan.get("throttle", {}).get("rateLimit") or api_stage.get("throttle"):
                covered.add((api_stage.get("apiId"), api_stage.get("stage")))
    return covered


@check(id="apigateway-throttling", title="API Gateway stages are throttled",
       checklist=("security.api", "ai.cost"), severity="medium",
       remediation="Set method settings throttling_rate_limit/throttling_burst_limit on the stage, or attach a "
                   "usage plan with throttle and quota (components.ApiProtection does).")
def apigateway_throttling(ctx):
    covered = throttled_by_usage_plan(ctx)
    for api, stage in rest_stages(ctx):
        limits = (stage.get("methodSettings") or {}).get("*/*", {})
        if not limits.get("throttlingRateLimit") and (api["id"], stage["stageName"]) not in covered:
            yield (f"apigateway:{api['id']}/{stage['stageName']}",
                   f"REST API '{api.get('name', api['id'])}' stage '{stage['stageName']}' has no throttling "
                   f"(only the account-wide default)")
    for api, stage in http_stages(ctx):
        if not (stage.get("DefaultRouteSettings") or {}).get("ThrottlingRateLimit"):
            yield (f"apigateway:{api['ApiId']}/{stage['StageName']}",
                   f"HTTP API '{api.get('Name', api['ApiId'])}' stage '{stage['StageName']}' has no throttling")


@check(id="apigateway-access-logs", title="API Gateway stages write access logs",
       checklist=("observability.logging", "security.api"), severity="medium",
       remediation="Set access_log_settings (destination_arn and a JSON format with $context.requestId) on the "
                   "stage (components.ApiProtection does).")
def apigateway_access_logs(ctx):
    for api, stage in rest_stages(ctx):
        if not (stage.get("accessLogSettings") or {}).get("destinationArn"):
            yield (f"apigateway:{api['id']}/{stage['stageName']}",
                   f"REST API '{api.get('name', api['id'])}' stage '{stage['stageName']}' writes no access logs")
    for api, stage in http_stages(ctx):
        if not (stage.get("AccessLogSettings") or {}).get("DestinationArn"):
            yield (f"apigateway:{api['ApiId']}/{stage['StageName']}",
                   f"HTTP API '{api.get('Name', api['ApiId'])}' stage '{stage['StageName']}' writes no access logs")


CHECKS = (security_group_admin_ports, lambda_url_auth, apigateway_throttling, apigateway_access_logs)
