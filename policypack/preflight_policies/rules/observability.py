"""Observability: observability.logging, observability.metrics, observability.alerting, observability.tracing."""
from __future__ import annotations

import json
import re

from ..helpers import (why, as_list, is_true, links_to, non_empty, presence_policy,
                       property_policy, snake_path)
from ..model import ADVISORY_EVERYWHERE, PROD_ONLY, Report, resource_policy, stack_policy
from ..resource import UNKNOWN, Resource, Stack, contains_unknown, is_unknown
from ..model import not_applicable, unknown_during_preview
from .. import tokens as T


# What serves traffic or runs work: a prod stack with any of these needs alarms and a dashboard.
WORKLOADS = (T.LAMBDA_FUNCTION, T.ECS_SERVICE, T.APIGW_STAGE, T.APIGWV2_STAGE, T.SAGEMAKER_ENDPOINT,
             T.SFN_STATE_MACHINE) + T.LOAD_BALANCERS


def runs_workloads(stack) -> bool:
    return bool(stack.of_type(*WORKLOADS))


# -- logging -------------------------------------------------------------------------------------
log_group_retention_set = property_policy(
    name="log-group-retention-set",
    title="CloudWatch log groups must set a retention period",
    checklist=("observability.logging", "compliance.data"), severity="low",
    cross_references=("Checkov:CKV_AWS_66",),
    types=T.LOG_GROUP, path="retentionInDays", expect=lambda v: isinstance(v, int) and v > 0,
    message="log group '{name}' keeps logs forever: personal data in logs is never deleted "
            "and storage grows without bound; set retention_in_days (e.g. 365)",
    remediation="Set retention_in_days on aws.cloudwatch.LogGroup to what your retention policy says (365 for "
                "audit-relevant logs, 30-90 for debug logs); never-expire is rarely a decision anyone made.",
    aws_default="CloudWatch Logs keeps a log group's events forever (Never expire)",
)


@resource_policy(
    name="log-group-retention-minimum",
    title="CloudWatch log groups in production must keep logs for the configured minimum (365 days by default)",
    checklist=("compliance.audit-logging", "observability.logging"), severity="medium",
    cross_references=("Checkov:CKV_AWS_338", "Prowler:cloudwatch_log_group_retention_policy_specific_days_enabled"),
    types=T.LOG_GROUP, levels=PROD_ONLY,
    config={"minimumDays": {"type": "integer", "default": 365,
                            "description": "Fewest days a log group may keep its logs (0/absent = forever passes)."}},
    remediation="Set retention_in_days on aws.cloudwatch.LogGroup to at least the configured minimum (365 by "
                "default; lower it per policy with --policy-pack-config for debug-only log groups).",
)
def log_group_retention_minimum(r: Resource, report: Report) -> None:
    days = r.peek("retentionInDays", 0)
    if days is UNKNOWN:
        unknown_during_preview("retention_in_days")
    minimum = r.config.get("minimumDays", 365)
    if isinstance(days, int) and 0 < days < minimum:
        report(f"log group '{r.name}' keeps logs for {days} days, less than the required {minimum}; set "
               f"retention_in_days={minimum} or more")


# Advisory, low: CloudWatch Logs encrypts every log group at rest whatever is set, and who reads it is decided by
# logs:* IAM permissions. A key of your own adds defence in depth (disable it to cut off the data; CloudTrail logs
# each use of it) rather than closing an exposure, and it costs a key policy that allows the logs service, so it is
# recommended everywhere and required nowhere.
log_group_kms = property_policy(
    name="log-group-kms",
    title="CloudWatch log groups should be encrypted with a KMS key you control",
    checklist=("security.encryption", "observability.logging"), severity="low", levels=ADVISORY_EVERYWHERE,
    cross_references=("Checkov:CKV_AWS_158", "Prowler:cloudwatch_log_group_kms_encryption_enabled"),
    types=T.LOG_GROUP, path="kmsKeyId", expect=non_empty,
    message="log group '{name}' is not encrypted with a KMS key you control, so you cannot cut off its data by "
            "disabling the key or see each use of it in CloudTrail; set kms_key_id (the key policy must allow "
            "logs.<region>.amazonaws.com)",
    remediation="Set kms_key_id=key.arn on aws.cloudwatch.LogGroup and allow the CloudWatch Logs service principal "
                "in the key policy (the log groups of components.Network, AuditTrail and Database are).",
    aws_default=("CloudWatch Logs always encrypts log data at rest, but with a key the service manages, not a KMS "
                 "key you control"),
)


ACCESS_LOG_DEFAULT = "API Gateway turns access logging off for a new stage"


@resource_policy(
    name="api-stage-access-logging",
    aws_default=ACCESS_LOG_DEFAULT,
    title="API Gateway stages must write access logs",
    checklist=("observability.logging", "security.api"), severity="medium",
    cross_references=("Checkov:CKV_AWS_76", "Prowler:apigatewayv2_api_access_logging_enabled"),
    types=T.API_STAGES,
    remediation="Set access_log_settings={'destination_arn': log_group.arn, 'format': json.dumps({'requestId': "
                "'$context.requestId', ...})} on aws.apigateway.Stage / aws.apigatewayv2.Stage.",
)
def api_stage_access_logging(r: Resource, report: Report) -> None:
    destination = r.peek("accessLogSettings.destinationArn")
    if destination is UNKNOWN:
        return  # an ARN of a log group created in the same update: it is there
    if destination in (None, ""):
        report(f"stage '{r.name}' writes no access logs "
               f"{why(r, 'accessLogSettings', ACCESS_LOG_DEFAULT)}; set access_log_settings"
               f" with a destination_arn and a JSON "
               f"format carrying $context.requestId")


_CONTEXT_VAR = re.compile(r"\$context\.[A-Za-z0-9_.]+")


def _json_format(fmt: str) -> bool:
    """An access-log format is JSON once its $context variables are substituted (quoted or not)."""
    try:
        return isinstance(json.loads(_CONTEXT_VAR.sub("0", fmt)), dict)
    except ValueError:
        return False


@resource_policy(
    name="api-access-log-json-request-id",
    title="API access logs must be JSON and carry the request id",
    checklist="observability.logging", severity="medium",
    types=T.API_STAGES,
    remediation="Set access_log_settings.format to a JSON object including \"requestId\": \"$context.requestId\" "
                "(plus ip, requestTime, httpMethod, routeKey/resourcePath, status, responseLength, "
                "integrationLatency), e.g. format=json.dumps({...}).",
)
def api_access_log_json_request_id(r: Resource, report: Report) -> None:
    settings = r.peek("accessLogSettings")
    if settings is None:
        not_applicable("the stage writes no access logs (api-stage-access-logging reports that)")
    fmt = r.peek("accessLogSettings.format")
    if fmt is UNKNOWN or is_unknown(settings):
        unknown_during_preview("the access log format")
    if not isinstance(fmt, str) or not _json_format(fmt):
        report(f"stage '{r.name}' writes access logs that are not JSON; use a JSON format so logs can be queried "
               f"by field, with \"requestId\": \"$context.requestId\"")
    elif "$context.requestId" not in fmt:
        report(f"stage '{r.name}' access log format has no $context.requestId, so a request cannot be followed from "
               f"the edge to the backend's logs; add \"requestId\": \"$context.requestId\"")


_LOGGING_LEVELS = ("ERROR", "INFO")


EXEC_LOG_DEFAULT = "API Gateway turns execution logging off for a stage's methods by default"


@resource_policy(
    name="apigateway-execution-logging",
    aws_default=EXEC_LOG_DEFAULT,
    title="API Gateway method settings must turn on execution logging (ERROR or INFO)",
    checklist="observability.logging", severity="medium",
    cross_references=("Checkov:CKV2_AWS_4", "Prowler:apigateway_restapi_logging_enabled"),
    types=(T.APIGW_METHOD_SETTINGS, T.APIGWV2_STAGE),
    remediation="Set settings={'logging_level': 'ERROR', ...} on aws.apigateway.MethodSettings (method_path='*/*'), "
                "or default_route_settings={'logging_level': 'ERROR'} on a WebSocket aws.apigatewayv2.Stage.",
)
def apigateway_execution_logging(r: Resource, report: Report) -> None:
    path = "settings.loggingLevel" if r.type == T.APIGW_METHOD_SETTINGS else "defaultRouteSettings.loggingLevel"
    if r.type == T.APIGWV2_STAGE and r.peek("defaultRouteSettings.loggingLevel") is None:
        not_applicable("HTTP APIs have no execution logs; only WebSocket stages set a logging level")
    level = r.peek(path, "OFF")
    if level is UNKNOWN:
        unknown_during_preview("logging_level")
    if level not in _LOGGING_LEVELS:
        report(f"'{r.name}' has execution logging {level} "
               f"{why(r, path, EXEC_LOG_DEFAULT)}; set logging_level='ERROR' (or 'INFO')")


@resource_policy(
    name="api-no-data-trace",
    title="API Gateway must not log full request and response bodies (data trace)",
    checklist=("compliance.data", "security.secrets", "observability.logging"), severity="medium",
    cross_references=("Checkov:CKV_AWS_276",),
    types=(T.APIGW_METHOD_SETTINGS, T.APIGWV2_STAGE),
    remediation="Set data_trace_enabled=False in aws.apigateway.MethodSettings settings (or the aws.apigatewayv2.Stage "
                "default_route_settings); log request ids and metadata instead of bodies.",
)
def api_no_data_trace(r: Resource, report: Report) -> None:
    path = "settings.dataTraceEnabled" if r.type == T.APIGW_METHOD_SETTINGS else "defaultRouteSettings.dataTraceEnabled"
    trace = r.peek(path, False)
    if trace is UNKNOWN:
        unknown_during_preview("data_trace_enabled")
    if trace is True:
        report(f"'{r.name}' logs full request and response bodies (tokens, personal data, prompts); set "
               f"data_trace_enabled=False")


lambda_json_logs = property_policy(
    name="lambda-json-logs",
    title="Lambda functions must write structured JSON logs",
    checklist="observability.logging", severity="medium",
    types=T.LAMBDA_FUNCTION, path="loggingConfig.logFormat", expect=lambda v: v == "JSON",
    message="function '{name}' writes plain-text logs; set logging_config={{'log_format': 'JSON'}} so every line "
            "carries the request id and can be queried by field",
    remediation="Set logging_config={'log_format': 'JSON', 'application_log_level': 'INFO', 'system_log_level': "
                "'WARN'} on aws.lambda_.Function; Lambda then adds requestId to every log record.",
    aws_default="the default log format of Lambda is plain text ('Text')",
)

LB_ACCESS_LOGS_DEFAULT = "Elastic Load Balancing turns access logging off by default"


@resource_policy(
    name="lb-access-logs",
    aws_default=LB_ACCESS_LOGS_DEFAULT,
    title="Load balancers (including Classic Load Balancers) must write access logs",
    checklist=("observability.logging", "security.api"), severity="medium",
    cross_references=("Checkov:CKV_AWS_91", "Prowler:elbv2_logging_enabled"),
    types=T.LOAD_BALANCERS + (T.CLASSIC_LOAD_BALANCER,),
    remediation="Set access_logs={'bucket': logs_bucket.bucket, 'prefix': 'alb', 'enabled': True} on "
                "aws.lb.LoadBalancer, or access_logs={'bucket': logs_bucket.bucket, 'bucket_prefix': 'elb'} on a "
                "Classic aws.elb.LoadBalancer (the bucket policy must allow the ELB log delivery principal).",
)
def lb_access_logs(r: Resource, report: Report) -> None:
    enabled = r.peek("accessLogs.enabled")
    if is_unknown(enabled):
        unknown_during_preview("accessLogs.enabled")
    if r.type == T.CLASSIC_LOAD_BALANCER:
        # The classic block's `enabled` defaults to true: a bucket is what turns logging on.
        bucket = r.peek("accessLogs.bucket")
        if is_unknown(bucket):
            unknown_during_preview("accessLogs.bucket")
        if bucket and enabled is not False:
            return
        reason = (why(r, "accessLogs", LB_ACCESS_LOGS_DEFAULT) if r.peek("accessLogs") is None
                  else why(r, "accessLogs.enabled", LB_ACCESS_LOGS_DEFAULT))
        report(f"Classic load balancer '{r.name}' writes no access logs {reason}; set access_logs={{'bucket': "
               f"logs_bucket.bucket}} (enabled defaults to True in that block)")
        return
    if enabled is not True:
        # Unlike the classic block, aws.lb's `enabled` defaults to false even when a bucket is given.
        report(f"load balancer '{r.name}' writes no access logs {why(r, 'accessLogs.enabled', LB_ACCESS_LOGS_DEFAULT)}"
               f"; set access_logs={{'bucket': ..., 'enabled': True}}")


# -- tracing ------------------------------------------------------------------------------------------
lambda_xray_tracing = property_policy(
    name="lambda-xray-tracing",
    title="Lambda functions must send traces to X-Ray (tracing mode Active)",
    checklist="observability.tracing", severity="medium",
    cross_references=("Checkov:CKV_AWS_50",),
    types=T.LAMBDA_FUNCTION, path="tracingConfig.mode", expect=lambda v: v == "Active",
    message="function '{name}' is not traced; set tracing_config={{'mode': 'Active'}} (and allow "
            "xray:PutTraceSegments in its role)",
    remediation="Set tracing_config={'mode': 'Active'} on aws.lambda_.Function and attach the "
                "AWSXRayDaemonWriteAccess policy (or xray:PutTraceSegments/PutTelemetryRecords) to its role.",
    aws_default=("Lambda's default tracing mode is PassThrough: it traces only requests that arrive already "
                 "sampled upstream"),
)

apigateway_stage_xray = property_policy(
    name="apigateway-stage-xray",
    title="API Gateway REST stages must have X-Ray tracing on",
    checklist="observability.tracing", severity="medium",
    cross_references=("Checkov:CKV_AWS_73", "Prowler:apigateway_restapi_tracing_enabled"),
    types=T.APIGW_STAGE, path="xrayTracingEnabled", expect=is_true,
    message="stage '{name}' is not traced, so a slow request cannot be followed into the backend; set "
            "xray_tracing_enabled=True",
    remediation="Set xray_tracing_enabled=True on aws.apigateway.Stage (HTTP APIs have no X-Ray: trace in the "
                "integration instead).",
    aws_default="API Gateway does not trace a REST API stage with X-Ray by default",
)

stepfunctions_xray_tracing = property_policy(
    name="stepfunctions-xray-tracing",
    title="Step Functions state machines must have X-Ray tracing on",
    checklist="observability.tracing", severity="low",
    cross_references=("Checkov:CKV_AWS_284",),
    types=T.SFN_STATE_MACHINE, path="tracingConfiguration.enabled", expect=is_true,
    message="state machine '{name}' is not traced; set tracing_configuration={{'enabled': True}}",
    remediation="Set tracing_configuration={'enabled': True} on aws.sfn.StateMachine.",
    aws_default="Step Functions does not trace a state machine with X-Ray by default",
)

# -- metrics --------------------------------------------------------------------------------------------


INSIGHTS_DEFAULT = ("ECS turns Container Insights off for a new cluster unless the account setting "
                    "containerInsights turns it on")


@resource_policy(
    name="ecs-container-insights",
    aws_default=INSIGHTS_DEFAULT,
    title="ECS clusters must have Container Insights on",
    checklist="observability.metrics", severity="low",
    cross_references=("Checkov:CKV_AWS_65", "Prowler:ecs_cluster_container_insights_enabled"),
    types=T.ECS_CLUSTER,
    remediation="Set settings=[{'name': 'containerInsights', 'value': 'enhanced'}] (or 'enabled') on aws.ecs.Cluster.",
)
def ecs_container_insights(r: Resource, report: Report) -> None:
    settings = r.peek("settings")
    if contains_unknown(settings):
        unknown_during_preview("settings", "are")
    on = any(isinstance(s, dict) and s.get("name") == "containerInsights" and s.get("value") in ("enabled", "enhanced")
             for s in as_list(settings))
    if not on:
        report(f"cluster '{r.name}' has Container Insights off ("
               + ("settings not set: " + INSIGHTS_DEFAULT if settings is None else "settings do not turn it on")
               + "), so there are no "
               "per-service CPU/memory/restart metrics; add "
               "settings=[{'name': 'containerInsights', 'value': 'enhanced'}]")


DETAILED_METRICS_DEFAULT = ("API Gateway publishes API- and stage-level metrics only; per-method (REST) and per-route "
                            "(HTTP) metrics are off by default")


@resource_policy(
    name="api-detailed-metrics",
    aws_default=DETAILED_METRICS_DEFAULT,
    title="API Gateway should publish per-method or per-route metrics",
    checklist="observability.metrics", severity="low",
    types=(T.APIGW_METHOD_SETTINGS, T.APIGWV2_STAGE), levels=ADVISORY_EVERYWHERE,
    remediation="Set settings={'metrics_enabled': True} on aws.apigateway.MethodSettings, or "
                "default_route_settings={'detailed_metrics_enabled': True} on aws.apigatewayv2.Stage, to see "
                "latency and error rate per route.",
)
def api_detailed_metrics(r: Resource, report: Report) -> None:
    path = ("settings.metricsEnabled" if r.type == T.APIGW_METHOD_SETTINGS
            else "defaultRouteSettings.detailedMetricsEnabled")
    on = r.peek(path, False)
    if on is UNKNOWN:
        unknown_during_preview("the metrics setting")
    if on is not True:
        block, flag = snake_path(path).split(".")
        detail = f" ({block}.{flag} not set: {DETAILED_METRICS_DEFAULT})" if r.peek(path) is None else ""
        report(f"'{r.name}' publishes no per-method/per-route latency and error metrics{detail}; set "
               f"{block}={{'{flag}': True}}")


prod_dashboard_present = presence_policy(
    name="prod-dashboard-present",
    title="Production stacks that run workloads should define a CloudWatch dashboard",
    checklist="observability.metrics", severity="low",
    types=(T.DASHBOARD,), levels=ADVISORY_EVERYWHERE, when=runs_workloads,
    message="this production stack runs workloads but defines no aws.cloudwatch.Dashboard; add one with latency, "
            "error rate and cost per request so an on-call engineer sees the service's health at a glance",
    remediation="Add aws.cloudwatch.Dashboard(dashboard_body=json.dumps({...})) with latency (p50/p99), error rate, "
                "throttles and model/token cost widgets for the stack's services.",
)

# -- alerting ----------------------------------------------------------------------------------------------


ALARM_ACTIONS_DEFAULT = "CloudWatch only records an alarm's state changes: no notification or action runs by default"


@resource_policy(
    name="alarm-actions-configured",
    aws_default=ALARM_ACTIONS_DEFAULT,
    title="CloudWatch alarms must notify someone (alarm actions)",
    checklist="observability.alerting", severity="medium",
    cross_references=("Prowler:cloudwatch_alarm_actions_alarm_state_configured",),
    types=T.ALARMS,
    remediation="Set alarm_actions=[oncall_topic.arn] on aws.cloudwatch.MetricAlarm / CompositeAlarm, with the topic "
                "subscribed to your paging tool (PagerDuty, Opsgenie...).",
)
def alarm_actions_configured(r: Resource, report: Report) -> None:
    actions = r.peek("alarmActions")
    if is_unknown(actions):
        unknown_during_preview("alarm_actions")
    if not as_list(actions):
        detail = f" (alarm_actions not set: {ALARM_ACTIONS_DEFAULT})" if actions is None else ""
        report(f"alarm '{r.name}' changes state and nobody hears about it{detail}; set alarm_actions=[topic.arn]")


alarm_actions_enabled = property_policy(
    name="alarm-actions-enabled",
    title="CloudWatch alarm actions must not be disabled",
    checklist="observability.alerting", severity="medium",
    cross_references=("Checkov:CKV_AWS_319", "Prowler:cloudwatch_alarm_actions_enabled"),
    types=T.ALARMS, path="actionsEnabled", expect=lambda v: v is not False, missing=True,
    message="alarm '{name}' has actions_enabled=False, so it never notifies anyone; remove it or set True",
    remediation="Remove actions_enabled=False from aws.cloudwatch.MetricAlarm / CompositeAlarm (the default is True); "
                "silence alarms with an aws.cloudwatch.AlarmMuteRule for a bounded time instead.",
)


@resource_policy(
    name="alarm-runbook-link",
    title="CloudWatch alarms must link a runbook in their description",
    checklist=("compliance.incident-response", "observability.alerting"), severity="low",
    types=T.ALARMS,
    config={"runbookPattern": {"type": "string", "default": r"https://\S+",
                               "description": "Regular expression a runbook link in alarm_description must match."}},
    remediation="Put the runbook's URL in alarm_description on aws.cloudwatch.MetricAlarm / CompositeAlarm, e.g. "
                "alarm_description='p99 latency > 2s. Runbook: https://wiki.example.com/runbooks/api-latency'.",
)
def alarm_runbook_link(r: Resource, report: Report) -> None:
    description = r.peek("alarmDescription")
    if description is UNKNOWN:
        unknown_during_preview("alarm_description")
    pattern = r.config.get("runbookPattern") or r"https://\S+"
    try:
        matcher = re.compile(pattern)
    except re.error as e:
        report(f"the alarm-runbook-link runbookPattern {pattern!r} is not a valid regular expression ({e}); fix it "
               f"in the policy pack config")
        return
    if not isinstance(description, str) or not matcher.search(description):
        report(f"alarm '{r.name}' links no runbook, so whoever is paged must guess what to do; put the runbook URL "
               f"in alarm_description (pattern {pattern})")


sns_topic_kms = property_policy(
    name="sns-topic-kms",
    title="SNS topics must be encrypted with a KMS key",
    checklist=("security.encryption", "observability.alerting"), severity="medium",
    cross_references=("Checkov:CKV_AWS_26", "Prowler:sns_topics_kms_encryption_at_rest_enabled"),
    types=T.SNS_TOPIC, path="kmsMasterKeyId", expect=non_empty,
    message="topic '{name}' is not encrypted at rest; set kms_master_key_id (a customer key that allows "
            "cloudwatch.amazonaws.com if alarms publish to it)",
    remediation="Set kms_master_key_id=key.arn on aws.sns.Topic (alias/aws/sns works for most publishers, but "
                "CloudWatch alarms need a customer managed key whose policy allows cloudwatch.amazonaws.com).",
    aws_default="SNS turns server-side encryption on only for a topic that names a KMS key",
)


@stack_policy(
    name="alarm-topic-subscribed",
    title="SNS topics that alarms notify must have a subscriber",
    checklist="observability.alerting", severity="medium",
    types=T.ALARMS + (T.SNS_TOPIC, T.SNS_SUBSCRIPTION),
    remediation="Add aws.sns.TopicSubscription(topic=topic.arn, protocol='https', endpoint=<PagerDuty/Opsgenie "
                "integration URL>) (or email/lambda/chatbot) for every topic an alarm notifies.",
)
def alarm_topic_subscribed(stack: Stack, report: Report) -> None:
    topics = {}
    for alarm in stack.of_type(*T.ALARMS):
        for topic in stack.of_type(T.SNS_TOPIC):
            if links_to(alarm, "alarmActions", topic, "name", "arn"):
                topics[topic.urn] = topic
    for topic in topics.values():
        if not any(links_to(s, "topic", topic, "name", "arn") for s in stack.of_type(T.SNS_SUBSCRIPTION)):
            report(f"alarms notify topic '{topic.name}' but nothing subscribes to it, so the alert reaches nobody; "
                   f"add an aws.sns.TopicSubscription to your paging tool", topic.urn)


def _alarm_notifies(alarm) -> bool:
    actions = alarm.peek("alarmActions")
    return is_unknown(actions) or bool(as_list(actions))


prod_alarms_present = presence_policy(
    name="prod-alarms-present",
    title="Production stacks that run workloads must define alarms that notify someone",
    checklist="observability.alerting", severity="high",
    types=T.ALARMS, levels=PROD_ONLY, when=runs_workloads, satisfied_by=_alarm_notifies,
    message="this production stack runs workloads but no aws.cloudwatch.MetricAlarm with alarm_actions; add alarms "
            "on error rate, latency and throttles that notify your on-call topic",
    remediation="Add aws.cloudwatch.MetricAlarm resources (5xx rate, p99 latency, throttles, DLQ depth) with "
                "alarm_actions=[oncall_topic.arn] (components.Alerting creates the topic and standard alarms).",
)

guardduty_detector_enabled = property_policy(
    name="guardduty-detector-enabled",
    title="GuardDuty detectors must be enabled",
    checklist=("observability.alerting", "compliance.incident-response"), severity="high",
    cross_references=("Checkov:CKV_AWS_238", "Prowler:guardduty_is_enabled"),
    types=T.GUARDDUTY_DETECTOR, path="enable", expect=lambda v: v is not False, missing=True,
    message="GuardDuty detector '{name}' is disabled (enable=False), so threats go unnoticed; set enable=True",
    remediation="Set enable=True (the default) on aws.guardduty.Detector.",
)

guardduty_present = presence_policy(
    name="guardduty-present",
    title="Production accounts must run GuardDuty (a detector in the account baseline stack)",
    checklist=("observability.alerting", "compliance.incident-response"), severity="medium",
    cross_references=("Checkov:CKV2_AWS_3", "Prowler:guardduty_is_enabled"),
    types=(T.GUARDDUTY_DETECTOR,), levels=PROD_ONLY, account=True,
    message="this account baseline stack defines no aws.guardduty.Detector; GuardDuty is off until a detector is "
            "created, so threats in the account go unnoticed",
    remediation="Create aws.guardduty.Detector(enable=True) once per account and region in the account baseline "
                "stack (stacks/baseline does); application stacks are not asked for it.",
)

POLICIES = [
    log_group_retention_set,
    log_group_retention_minimum,
    log_group_kms,
    api_stage_access_logging,
    api_access_log_json_request_id,
    apigateway_execution_logging,
    api_no_data_trace,
    lambda_json_logs,
    lb_access_logs,
    lambda_xray_tracing,
    apigateway_stage_xray,
    stepfunctions_xray_tracing,
    ecs_container_insights,
    api_detailed_metrics,
    prod_dashboard_present,
    alarm_actions_configured,
    alarm_actions_enabled,
    alarm_runbook_link,
    sns_topic_kms,
    alarm_topic_subscribed,
    prod_alarms_present,
    guardduty_detector_enabled,
    guardduty_present,
]


# -- issue 13: containers, state machines, Lambda log groups, alarm topics, runtimes -----------------
from .. import secretscan as _secretscan  # noqa: E402


@resource_policy(
    name="ecs-container-logging",
    title="ECS containers must send their logs somewhere (log_configuration)",
    checklist="observability.logging", severity="medium",
    cross_references=("Checkov:CKV_AWS_97", "Prowler:ecs_task_definitions_logging_enabled"),
    types=(T.ECS_TASK_DEFINITION,),
    remediation="Add \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": "
                "{\"awslogs-group\": log_group.name, "
                "\"awslogs-region\": region, \"awslogs-stream-prefix\": \"app\"}} (or awsfirelens) to every container "
                "definition of aws.ecs.TaskDefinition.",
)
def ecs_container_logging(r: Resource, report: Report) -> None:
    raw = r.peek("containerDefinitions")
    if is_unknown(raw):
        unknown_during_preview("container definitions", "are")
    containers = _secretscan.json_value(raw)
    silent = [str(c.get("name", "?")) for c in as_list(containers) if isinstance(c, dict)
              and not ((c.get("logConfiguration") or {}).get("logDriver") if isinstance(c.get("logConfiguration"), dict)
                       else None)]
    if silent:
        report(f"task definition '{r.name}' runs container(s) {', '.join(silent)} with no log configuration: their "
               f"output is lost; add logConfiguration with the awslogs (or awsfirelens) driver")


SFN_LOGGING_DEFAULT = "the default logging level of a Step Functions state machine is OFF"


@resource_policy(
    name="stepfunctions-logging",
    aws_default=SFN_LOGGING_DEFAULT,
    title="Step Functions state machines must log executions to CloudWatch Logs",
    checklist="observability.logging", severity="medium",
    cross_references=("Checkov:CKV_AWS_285", "Prowler:stepfunctions_statemachine_logging_enabled"),
    types=(T.SFN_STATE_MACHINE,),
    remediation="Set logging_configuration={'level': 'ERROR' (or 'ALL'), 'include_execution_data': False, "
                "'log_destination': f\"{log_group.arn}:*\"} on aws.sfn.StateMachine (the default level is OFF).",
)
def stepfunctions_logging(r: Resource, report: Report) -> None:
    level = r.peek("loggingConfiguration.level", "OFF")
    destination = r.peek("loggingConfiguration.logDestination")
    if is_unknown(level):
        unknown_during_preview("the logging level")
    if level == "OFF" or (destination in (None, "") and not is_unknown(destination)):
        report(f"state machine '{r.name}' logs nothing "
               f"{why(r, 'loggingConfiguration', SFN_LOGGING_DEFAULT)}; set logging_configuration with "
               f"level 'ERROR' or 'ALL' and a log_destination")


def _lambda_log_groups(stack, fn):
    """LogGroups of the stack that a function writes to: loggingConfig.logGroup, or /aws/lambda/<name>."""
    groups = stack.of_type(T.LOG_GROUP)
    found = [g for g in groups if fn.urn in g.property_dependency_urns.get("name", ())]
    target = fn.peek("loggingConfig.logGroup")
    if target is not None:
        found += [g for g in groups if links_to(fn, "loggingConfig", g, "name")
                  or (isinstance(target, str) and target == g.peek("name"))]
    fn_name = fn.peek("name")
    for candidate in (fn_name, fn.name):
        if isinstance(candidate, str) and not is_unknown(candidate):
            found += [g for g in groups if g.peek("name") == f"/aws/lambda/{candidate}"]
    return found


@stack_policy(
    name="lambda-log-group-retention",
    title="Every Lambda function's log group must be declared with a retention period",
    checklist=("observability.logging", "compliance.data"), severity="medium",
    types=(T.LAMBDA_FUNCTION, T.LOG_GROUP),
    remediation="Declare aws.cloudwatch.LogGroup(name=pulumi.Output.concat('/aws/lambda/', fn.name), "
                "retention_in_days=365) (or set logging_config={'log_group': group.name}) for every function: the "
                "group Lambda creates by itself keeps logs forever and is left behind when the stack is destroyed.",
)
def lambda_log_group_retention(stack: Stack, report: Report) -> None:
    for fn in stack.of_type(T.LAMBDA_FUNCTION):
        if _lambda_log_groups(stack, fn):
            continue  # declared: log-group-retention-set judges its retention
        if fn.peek("loggingConfig.logGroup") is not None:
            continue  # writes to a named group (perhaps another stack's); not the implicit one
        report(f"function '{fn.name}' has no declared log group: Lambda creates /aws/lambda/<name> itself, with "
               f"no retention (logs kept forever); declare aws.cloudwatch.LogGroup with retention_in_days", fn.urn)


@stack_policy(
    name="alarm-topic-customer-key",
    title="SNS topics that CloudWatch alarms notify must not use the AWS managed key (alias/aws/sns)",
    checklist=("observability.alerting", "security.encryption"), severity="high",
    types=T.ALARMS + (T.SNS_TOPIC,),
    remediation="Encrypt the alarm topic with a customer managed KMS key whose policy allows "
                "cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* (kms_master_key_id=key.arn): the "
                "AWS managed alias/aws/sns key's policy cannot be changed, so CloudWatch cannot publish and the "
                "alarm notifies nobody.",
)
def alarm_topic_customer_key(stack: Stack, report: Report) -> None:
    for topic in stack.of_type(T.SNS_TOPIC):
        key = topic.peek("kmsMasterKeyId")
        if not isinstance(key, str) or key.strip().lower() not in ("alias/aws/sns", "arn:aws:kms:alias/aws/sns") \
                and not key.lower().endswith(":alias/aws/sns"):
            continue
        if any(links_to(a, "alarmActions", topic, "name", "arn") or links_to(a, "okActions", topic, "name", "arn")
               for a in stack.of_type(*T.ALARMS)):
            report(f"alarms notify topic '{topic.name}', which is encrypted with the AWS managed key alias/aws/sns: "
                   f"CloudWatch is not allowed to use that key, so every alarm notification is dropped; use a "
                   f"customer managed key that allows cloudwatch.amazonaws.com", topic.urn)


DEPRECATED_RUNTIMES = ("nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
                       "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x", "python2.7", "python3.6", "python3.7",
                       "python3.8", "python3.9", "ruby2.5", "ruby2.7", "ruby3.2", "java8", "dotnetcore1.0",
                       "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6", "dotnet7", "go1.x",
                       "provided")


@resource_policy(
    name="lambda-runtime-supported",
    title="Lambda functions must not use a deprecated runtime",
    checklist=("security.api", "infra.rollback"), severity="high",
    cross_references=("Checkov:CKV_AWS_363", "Prowler:awslambda_function_using_supported_runtimes"),
    types=(T.LAMBDA_FUNCTION,),
    config={"deprecatedRuntimes": {"type": "array", "items": {"type": "string"}, "default": list(DEPRECATED_RUNTIMES),
                                   "description": "Lambda runtime identifiers that no longer get security patches."}},
    remediation="Move to a supported runtime (python3.12/3.13, nodejs22.x, java21, dotnet8, provided.al2023) on "
                "aws.lambda_.Function: deprecated runtimes get no security patches, and AWS blocks creating and then "
                "updating functions that use them, which breaks a rollback.",
)
def lambda_runtime_supported(r: Resource, report: Report) -> None:
    runtime = r.peek("runtime")
    if is_unknown(runtime):
        unknown_during_preview("the runtime")
    deprecated = {str(x) for x in (r.config.get("deprecatedRuntimes") or DEPRECATED_RUNTIMES)}
    if isinstance(runtime, str) and runtime in deprecated:
        report(f"function '{r.name}' runs on {runtime}, a deprecated runtime with no security patches (and soon no "
               f"updates); move to a supported runtime such as python3.12 or nodejs22.x")


POLICIES += [ecs_container_logging, stepfunctions_logging, lambda_log_group_retention, alarm_topic_customer_key,
             lambda_runtime_supported]


from ..helpers import glob_any  # noqa: E402
from ..helpers import why as why_text  # noqa: E402

# -- Lambda: asynchronous invocations keep their failed events ------------------------------------------
LAMBDA_EVENT_INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
# Services whose events reach Lambda as asynchronous invocations (Lambda Developer Guide: S3, SNS, EventBridge, SES,
# CloudWatch Logs subscriptions); each needs an aws.lambda_.Permission naming the service as principal. API Gateway,
# function URLs and load balancers invoke synchronously (the caller sees the error), and event source mappings (SQS,
# Kinesis, DynamoDB streams) poll: none of them has an asynchronous event to lose.
ASYNC_PRINCIPALS = ("s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com", "ses.amazonaws.com",
                    "logs.amazonaws.com", "logs.*.amazonaws.com")
ASYNC_FAILURE_DEFAULT = ("Lambda retries a failed asynchronous invocation twice and keeps an event for up to 6 hours, "
                         "then discards it, unless dead_letter_config or an on-failure destination is set")


def _async_sources(stack) -> dict:
    """function URN -> the service that invokes it asynchronously, from the stack's aws.lambda_.Permission."""
    out = {}
    for perm in stack.of_type(T.LAMBDA_PERMISSION):
        principal = perm.peek("principal")
        if not isinstance(principal, str) or is_unknown(principal) or not glob_any(principal, ASYNC_PRINCIPALS):
            continue
        for fn in stack.referenced(perm, "function", T.LAMBDA_FUNCTION):
            out.setdefault(fn.urn, principal)
    return out


def _on_failure_configured(stack, fn) -> bool:
    """An aws.lambda_.FunctionEventInvokeConfig for `fn` sends failed events somewhere (or is unknown)."""
    for config in stack.of_type(LAMBDA_EVENT_INVOKE_CONFIG):
        if not links_to(config, "functionName", fn, "name", "arn"):
            continue
        destination = config.peek("destinationConfig.onFailure.destination")
        if is_unknown(destination) or non_empty(destination):
            return True
    return False


@stack_policy(
    name="lambda-async-failure-destination",
    aws_default=ASYNC_FAILURE_DEFAULT,
    title="Lambda functions invoked asynchronously must keep failed events (dead-letter queue or failure destination)",
    checklist="observability.alerting", severity="medium",
    cross_references=("Checkov:CKV_AWS_116", "Prowler:awslambda_function_no_dead_letter_queue"),
    types=(T.LAMBDA_FUNCTION, T.LAMBDA_PERMISSION, LAMBDA_EVENT_INVOKE_CONFIG),
    remediation="Set dead_letter_config={'target_arn': queue.arn} on aws.lambda_.Function (components.ModelGateway "
                "does, with a KMS-encrypted SQS queue), or add aws.lambda_.FunctionEventInvokeConfig("
                "function_name=..., destination_config={'on_failure': {'destination': queue.arn}}); alarm on the "
                "queue's depth.",
)
def lambda_async_failure_destination(stack: Stack, report: Report) -> None:
    # Judged only where the stack shows an asynchronous invoker (a Permission for S3, SNS, EventBridge, SES or
    # CloudWatch Logs): a function called only synchronously (API Gateway, as behind an LLM API) loses no event.
    sources = _async_sources(stack)
    for fn in stack.of_type(T.LAMBDA_FUNCTION):
        if fn.urn not in sources:
            continue
        dlq = fn.peek("deadLetterConfig.targetArn")
        if is_unknown(dlq) or contains_unknown(fn.peek("deadLetterConfig")) or non_empty(dlq):
            continue
        if _on_failure_configured(stack, fn):
            continue
        report(f"function '{fn.name}' is invoked asynchronously by {sources[fn.urn]} but keeps no failed event "
               f"{why_text(fn, 'deadLetterConfig', ASYNC_FAILURE_DEFAULT)}; set dead_letter_config target_arn to an "
               f"SQS queue or add a FunctionEventInvokeConfig with an on_failure destination", fn.urn)


POLICIES += [lambda_async_failure_destination]
