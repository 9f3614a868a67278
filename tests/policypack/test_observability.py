"""Observability policies (logging, metrics, alerting, tracing) through the Analyzer protocol."""
import json

import pytest

from tests.conftest import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, link, res

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
STAGE = "aws:apigateway/stage:Stage"
V2_STAGE = "aws:apigatewayv2/stage:Stage"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
FUNCTION = "aws:lambda/function:Function"
LB = "aws:lb/loadBalancer:LoadBalancer"
CLASSIC_LB = "aws:elb/loadBalancer:LoadBalancer"
SFN = "aws:sfn/stateMachine:StateMachine"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
DETECTOR = "aws:guardduty/detector:Detector"

JSON_FORMAT = json.dumps({"requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                          "status": "$context.status"})
ACCESS_LOGS = {"destinationArn": "arn:aws:logs:us-east-1:1:log-group:api", "format": JSON_FORMAT}
RUNBOOK = "p99 latency above 2s. Runbook: https://wiki.example.com/runbooks/api-latency"

CASES = [
    ("log-group-retention-set", LOG_GROUP, {"retentionInDays": 30}, {"name": "forever"}),
    ("log-group-retention-set", LOG_GROUP, {"retentionInDays": 365}, {"retentionInDays": 0}),
    ("log-group-retention-minimum", LOG_GROUP, {"retentionInDays": 400}, {"retentionInDays": 30}),
    ("log-group-kms", LOG_GROUP, {"kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"}, {"retentionInDays": 30}),
    ("api-stage-access-logging", STAGE, {"accessLogSettings": ACCESS_LOGS}, {"stageName": "prod"}),
    ("api-stage-access-logging", V2_STAGE, {"accessLogSettings": ACCESS_LOGS}, {"name": "$default"}),
    ("api-access-log-json-request-id", STAGE, {"accessLogSettings": ACCESS_LOGS},
     {"accessLogSettings": {**ACCESS_LOGS, "format": "$context.identity.sourceIp $context.requestId"}}),
    ("api-access-log-json-request-id", V2_STAGE,
     {"accessLogSettings": {**ACCESS_LOGS, "format": '{"requestId":"$context.requestId","status":$context.status}'}},
     {"accessLogSettings": {**ACCESS_LOGS, "format": json.dumps({"ip": "$context.identity.sourceIp"})}}),
    ("apigateway-execution-logging", METHOD_SETTINGS, {"settings": {"loggingLevel": "ERROR"}},
     {"settings": {"loggingLevel": "OFF"}}),
    ("apigateway-execution-logging", V2_STAGE, {"defaultRouteSettings": {"loggingLevel": "INFO"}},
     {"defaultRouteSettings": {"loggingLevel": "OFF"}}),
    ("api-no-data-trace", METHOD_SETTINGS, {"settings": {"dataTraceEnabled": False}},
     {"settings": {"dataTraceEnabled": True}}),
    ("api-no-data-trace", V2_STAGE, {"defaultRouteSettings": {}}, {"defaultRouteSettings": {"dataTraceEnabled": True}}),
    ("lambda-json-logs", FUNCTION, {"loggingConfig": {"logFormat": "JSON"}}, {"loggingConfig": {"logFormat": "Text"}}),
    ("lb-access-logs", LB, {"accessLogs": {"bucket": "logs", "enabled": True}}, {"accessLogs": {"bucket": "logs"}}),
    ("lb-access-logs", CLASSIC_LB, {"accessLogs": {"bucket": "logs"}}, {}),
    ("lb-access-logs", CLASSIC_LB, {"accessLogs": {"bucket": "logs", "enabled": True}},
     {"accessLogs": {"bucket": "logs", "enabled": False}}),
    ("lambda-xray-tracing", FUNCTION, {"tracingConfig": {"mode": "Active"}}, {"tracingConfig": {"mode": "PassThrough"}}),
    ("apigateway-stage-xray", STAGE, {"xrayTracingEnabled": True}, {"stageName": "prod"}),
    ("stepfunctions-xray-tracing", SFN, {"tracingConfiguration": {"enabled": True}}, {"definition": "{}"}),
    ("ecs-container-insights", ECS_CLUSTER, {"settings": [{"name": "containerInsights", "value": "enhanced"}]},
     {"settings": [{"name": "containerInsights", "value": "disabled"}]}),
    ("api-detailed-metrics", METHOD_SETTINGS, {"settings": {"metricsEnabled": True}}, {"settings": {}}),
    ("api-detailed-metrics", V2_STAGE, {"defaultRouteSettings": {"detailedMetricsEnabled": True}}, {}),
    ("alarm-actions-configured", ALARM, {"alarmActions": ["arn:aws:sns:us-east-1:1:oncall"]}, {"alarmActions": []}),
    ("alarm-actions-configured", COMPOSITE, {"alarmActions": ["arn:aws:sns:us-east-1:1:oncall"]}, {"alarmRule": "x"}),
    ("alarm-actions-enabled", ALARM, {"alarmActions": ["t"]}, {"actionsEnabled": False}),
    ("alarm-runbook-link", ALARM, {"alarmDescription": RUNBOOK}, {"alarmDescription": "p99 latency above 2s"}),
    ("alarm-runbook-link", COMPOSITE, {"alarmDescription": RUNBOOK}, {}),
    ("sns-topic-kms", TOPIC, {"kmsMasterKeyId": "alias/oncall"}, {"name": "oncall"}),
    ("guardduty-detector-enabled", DETECTOR, {}, {"enable": False}),
]


@pytest.mark.parametrize("policy,type_,good,bad", CASES)
def test_resource_policies(pack, policy, type_, good, bad):
    assert not pack.analyze(type_, good).violations(policy)
    [d] = pack.analyze(type_, bad, name="svc").violations(policy)
    assert "'svc'" in d.message


@pytest.mark.parametrize("policy,type_,props", [
    ("log-group-retention-minimum", LOG_GROUP, {"retentionInDays": UNKNOWN_NUMBER_VALUE}),
    ("log-group-kms", LOG_GROUP, {"kmsKeyId": UNKNOWN_STRING_VALUE}),
    ("api-access-log-json-request-id", STAGE, {"accessLogSettings": {"destinationArn": "a", "format": UNKNOWN_STRING_VALUE}}),
    ("apigateway-execution-logging", METHOD_SETTINGS, {"settings": {"loggingLevel": UNKNOWN_STRING_VALUE}}),
    ("api-no-data-trace", METHOD_SETTINGS, {"settings": {"dataTraceEnabled": UNKNOWN_BOOLEAN_VALUE}}),
    ("lambda-xray-tracing", FUNCTION, {"tracingConfig": {"mode": UNKNOWN_STRING_VALUE}}),
    ("alarm-actions-configured", ALARM, {"alarmActions": UNKNOWN_STRING_VALUE}),
    ("alarm-runbook-link", ALARM, {"alarmDescription": UNKNOWN_STRING_VALUE}),
    ("ecs-container-insights", ECS_CLUSTER, {"settings": [{"name": "containerInsights", "value": UNKNOWN_STRING_VALUE}]}),
])
def test_unknown_inputs_never_misfire(pack, policy, type_, props):
    result = pack.analyze(type_, props)
    assert not result.violations(policy)
    assert policy in result.not_applicable


def test_access_log_destination_unknown_in_preview_passes(pack):
    stage = {"accessLogSettings": {"destinationArn": UNKNOWN_STRING_VALUE, "format": JSON_FORMAT}}
    assert not pack.analyze(STAGE, stage).violations("api-stage-access-logging")


def test_retention_minimum_is_configurable_and_prod_only(pack, dev_pack):
    assert pack.analyze(LOG_GROUP, {"retentionInDays": 90}).violations("log-group-retention-minimum")
    with pack.configured({"log-group-retention-minimum": {"minimumDays": 90}}):
        assert not pack.analyze(LOG_GROUP, {"retentionInDays": 90}).violations("log-group-retention-minimum")
    [d] = dev_pack.analyze(LOG_GROUP, {"retentionInDays": 30}).violations("log-group-retention-minimum")
    assert d.level == "advisory"


def test_runbook_pattern_is_configurable(pack):
    alarm = {"alarmDescription": "see RB-1234 in the runbook wiki"}
    assert pack.analyze(ALARM, alarm).violations("alarm-runbook-link")
    with pack.configured({"alarm-runbook-link": {"runbookPattern": r"RB-\d+"}}):
        assert not pack.analyze(ALARM, alarm).violations("alarm-runbook-link")
    with pack.configured({"alarm-runbook-link": {"runbookPattern": "("}}):
        [d] = pack.analyze(ALARM, alarm).violations("alarm-runbook-link")
        assert "not a valid regular expression" in d.message


def test_http_api_stage_has_no_execution_logs(pack):
    result = pack.analyze(V2_STAGE, {"name": "$default"})
    assert "WebSocket" in result.not_applicable["apigateway-execution-logging"]


def test_alarm_topic_subscribed(pack):
    topic = res(TOPIC, "oncall", {"name": "oncall"})
    alarm = link(res(ALARM, "errors", {}), "alarmActions", topic, ["arn:aws:sns:us-east-1:1:oncall"])
    quiet = res(TOPIC, "unused", {})
    assert [d.urn.rsplit("::", 1)[1] for d in pack.analyze_stack([topic, quiet, alarm]).violations(
        "alarm-topic-subscribed")] == ["oncall"]
    sub = link(res(SUBSCRIPTION, "pager", {"protocol": "https", "endpoint": "https://events.pagerduty.com/x"}),
               "topic", topic, "arn:aws:sns:us-east-1:1:oncall")
    assert not pack.analyze_stack([topic, quiet, alarm, sub]).violations("alarm-topic-subscribed")


def test_prod_alarms_and_dashboard_present(pack, dev_pack):
    fn = res(FUNCTION, "api", {"runtime": "python3.12"})
    result = pack.analyze_stack([fn])
    [alarms] = result.violations("prod-alarms-present")
    assert alarms.level == "mandatory"
    [dashboard] = result.violations("prod-dashboard-present")
    assert dashboard.level == "advisory"
    silent = res(ALARM, "errors", {"alarmActions": []})
    assert pack.analyze_stack([fn, silent]).violations("prod-alarms-present")
    loud = res(ALARM, "errors", {"alarmActions": ["arn:aws:sns:us-east-1:1:oncall"]})
    board = res(DASHBOARD, "ops", {"dashboardBody": "{}"})
    result = pack.analyze_stack([fn, loud, board])
    assert not result.violations("prod-alarms-present") and not result.violations("prod-dashboard-present")
    # A stack without workloads needs neither; dev is never asked.
    assert not pack.analyze_stack([res(TOPIC, "t", {})]).violations("prod-alarms-present")
    assert not dev_pack.analyze_stack([fn]).violations("prod-alarms-present")


def test_guardduty_present_in_the_account_baseline(baseline_pack, dev_pack):
    pack = baseline_pack
    [d] = pack.analyze_stack([res(FUNCTION, "f", {})]).violations("guardduty-present")
    assert d.level == "mandatory" and "GuardDuty is off until a detector is created" in d.message
    assert not pack.analyze_stack([res(DETECTOR, "gd", {"enable": True})]).violations("guardduty-present")
    assert not dev_pack.analyze_stack([res(FUNCTION, "f", {})]).violations("guardduty-present")


def test_classic_lb_access_logs_defaults_and_unknowns(pack):
    [d] = pack.analyze(CLASSIC_LB, {}).violations("lb-access-logs")
    assert "access_logs not set" in d.message and "Classic" in d.message
    [d] = pack.analyze(CLASSIC_LB, {"accessLogs": {"bucket": "logs", "enabled": False}}).violations("lb-access-logs")
    assert "access_logs.enabled is False" in d.message
    for props in ({"accessLogs": {"bucket": UNKNOWN_STRING_VALUE}},
                  {"accessLogs": {"bucket": "logs", "enabled": UNKNOWN_BOOLEAN_VALUE}}):
        result = pack.analyze(CLASSIC_LB, props)
        assert not result.violations("lb-access-logs") and "lb-access-logs" in result.not_applicable
