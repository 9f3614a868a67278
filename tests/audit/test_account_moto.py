"""The account-level checks end to end against moto: partial set-ups fail for the right reason, denied
calls stop only the checks that need them (named in audit-role-permissions), and a trail whose log group
is in another region leaves the CIS alarm checks incomplete rather than passing or failing them."""
from __future__ import annotations

import json

from preflight.audit import catalog

from . import seeds
from .conftest import run_audit

ALARM_IDS = [c.id for c in catalog.ACCOUNT_CHECKS if c.id.startswith("alarm-")]


def trail_to_logs(moto, region="us-east-1", start=True):
    moto.client("s3").create_bucket(Bucket="trail-bucket")
    moto.client("logs").create_log_group(logGroupName="trail-events")
    trail = moto.client("cloudtrail")
    trail.create_trail(Name="main-trail", S3BucketName="trail-bucket", IsMultiRegionTrail=True,
                       CloudWatchLogsLogGroupArn=f"arn:aws:logs:{region}:{seeds.ACCOUNT}:log-group:trail-events:*",
                       CloudWatchLogsRoleArn=f"arn:aws:iam::{seeds.ACCOUNT}:role/trail-to-logs")
    if start:
        trail.start_logging(Name="main-trail")


def audit(moto, *args, **env):
    result = run_audit(moto.env(**env), "--format", "json", *args)
    assert result.returncode in (0, 1, 3), result.stderr
    report = json.loads(result.stdout)
    assert not any("internal error" in c.get("reason", "") for c in report["checks"])
    return report, {c["id"]: c for c in report["checks"]}, result.returncode


def messages(report, check_id):
    return [f["message"] for f in report["findings"] if f["check"] == check_id]


def test_alarm_checks_follow_filter_alarm_topic_and_subscriber(moto):
    trail_to_logs(moto)
    seeds.security_alarms(moto, "trail-events", only={"unauthorized-api-calls"})  # the whole chain
    logs, cloudwatch, sns = moto.client("logs"), moto.client("cloudwatch"), moto.client("sns")
    lonely = sns.create_topic(Name="nobody-listens")["TopicArn"]
    for name in ("root-usage", "cloudtrail-changes"):
        logs.put_metric_filter(logGroupName="trail-events", filterName=name, filterPattern=seeds.CIS_FILTERS[name],
                               metricTransformations=[{"metricName": name, "metricNamespace": "Sec",
                                                       "metricValue": "1"}])
    cloudwatch.put_metric_alarm(AlarmName="root", MetricName="root-usage", Namespace="Sec", Statistic="Sum",
                                Period=300, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[lonely])
    # A filter for VPC changes that forgot one event does not count.
    logs.put_metric_filter(logGroupName="trail-events", filterName="vpc", metricTransformations=[
        {"metricName": "vpc", "metricNamespace": "Sec", "metricValue": "1"}],
        filterPattern=seeds.CIS_FILTERS["vpc-changes"].replace(' || ($.eventName = "DeleteVpc")', ""))
    report, status, _ = audit(moto)
    assert status["alarm-unauthorized-api-calls"]["status"] == "pass"
    assert messages(report, "alarm-root-usage") == [
        "nobody is told about use of the root user: the filter on trail-events: no alarm on its metric notifies an "
        "SNS topic that has a confirmed subscriber"]
    assert messages(report, "alarm-cloudtrail-changes") == [
        "nobody is told about CloudTrail configuration changes: the filter on trail-events: its metric has no "
        "CloudWatch alarm"]
    assert messages(report, "alarm-vpc-changes") == [
        "no metric filter on the trail's log group (trail-events) matches VPC changes"]
    assert status["cloudtrail-cloudwatch-logs"]["status"] == "pass"


def test_a_stopped_trail_feeds_no_alarm(moto):
    trail_to_logs(moto, start=False)
    seeds.security_alarms(moto, "trail-events")
    report, status, _ = audit(moto)
    for check_id in ALARM_IDS:
        assert status[check_id]["status"] == "fail", check_id
    assert messages(report, "alarm-root-usage") == [
        "no logging multi-region CloudTrail trail delivers to CloudWatch Logs in us-east-1, so nothing can alarm on "
        "use of the root user"]


def test_log_group_in_another_region_leaves_the_alarm_checks_incomplete(moto):
    trail_to_logs(moto, region="eu-west-1")
    report, status, _ = audit(moto)
    for check_id in ALARM_IDS:
        assert status[check_id]["status"] == "not checked" and status[check_id]["notChecked"] == "could-not-run"
        assert "--region eu-west-1" in status[check_id]["reason"]
        assert check_id in report["incomplete"]


def test_denied_calls_stop_only_the_checks_that_need_them(moto):
    trail_to_logs(moto)
    denied = ["iam:GetAccountPasswordPolicy", "ec2:DescribeFlowLogs", "logs:DescribeMetricFilters",
              "config:DescribeConfigurationRecorders", "iam:ListEntitiesForPolicy"]
    iam = moto.client("iam")
    iam.create_user(UserName="auditor")
    iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": denied, "Resource": "*"}]}))
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    moto.enforce_auth(True)
    try:
        report, status, code = audit(moto, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                                     AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    finally:
        moto.enforce_auth(False)
    assert code == 1  # a denied call is a high audit-role-permissions finding
    stopped = {"iam:GetAccountPasswordPolicy": ["iam-password-policy"], "ec2:DescribeFlowLogs": ["vpc-flow-logs"],
               "logs:DescribeMetricFilters": ALARM_IDS,
               "config:DescribeConfigurationRecorders": ["config-recorder-enabled"],
               "iam:ListEntitiesForPolicy": ["iam-support-role", "cloudshell-full-access"]}
    role = {f["message"].split(" is not allowed ")[1].split(",")[0]: f for f in report["findings"]
            if f["check"] == "audit-role-permissions"}
    for action, check_ids in stopped.items():
        for check_id in check_ids:
            assert status[check_id]["status"] == "not checked", check_id
            assert status[check_id]["reason"] == f"access denied: the audit role lacks {action}", check_id
        assert set(check_ids) <= set(role[action]["message"].split(": ", 1)[1].split(", ")), action
        assert action in role[action]["remediation"]
    for check_id in ("iam-one-active-key", "iam-user-attached-policies", "nacl-admin-ports",
                     "default-security-group-closed", "cloudtrail-cloudwatch-logs"):
        assert status[check_id]["status"] in ("pass", "fail"), check_id  # the rest still ran
    text = json.dumps(report)
    assert key["SecretAccessKey"] not in text  # never a secret in the report
