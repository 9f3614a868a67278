"""CIS 4.x: CloudTrail events in CloudWatch Logs with a metric filter, an alarm and a subscribed topic.

A filter serves a recommendation when its pattern names every condition the benchmark's pattern names
(compared without spaces and quotes, so `$.eventName = "CreateTrail"` and `$.eventName=CreateTrail`
are the same); extra conditions that narrow it further are allowed, as the benchmark allows them.
"""
from __future__ import annotations

import re
from typing import Dict, List, Set, Tuple

from ..aws import Incomplete
from ..model import Check, check
from .trail import logs_management_events, status, trails


def events(*names: str) -> Tuple[str, ...]:
    return tuple(f"$.eventName={name}" for name in names)


# (slug, what it watches, required conditions, whether components.AuditTrail's filter satisfies it: all of
# them do, tests/audit/test_account_units.py checks each claim against the component's pattern)
ALARMS: Tuple[Tuple[str, str, Tuple[str, ...], bool], ...] = (
    ("unauthorized-api-calls", "unauthorized API calls",
     ("$.errorCode=*UnauthorizedOperation", "$.errorCode=AccessDenied*"), True),
    ("console-login-without-mfa", "console sign-in without MFA",
     ("$.eventName=ConsoleLogin", "$.additionalEventData.MFAUsed!=Yes"), True),
    ("root-usage", "use of the root user",
     ("$.userIdentity.type=Root", "$.userIdentity.invokedByNOTEXISTS", "$.eventType!=AwsServiceEvent"), True),
    ("iam-policy-changes", "IAM policy changes",
     events("DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
            "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
            "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
            "DetachGroupPolicy"), True),
    ("cloudtrail-changes", "CloudTrail configuration changes",
     events("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"), True),
    ("console-auth-failures", "console authentication failures",
     ("$.eventName=ConsoleLogin", "$.errorMessage=Failedauthentication"), True),
    ("kms-key-disable-or-deletion", "disabling or scheduled deletion of KMS keys",
     ("$.eventSource=kms.amazonaws.com",) + events("DisableKey", "ScheduleKeyDeletion"), True),
    ("s3-bucket-policy-changes", "S3 bucket policy changes",
     ("$.eventSource=s3.amazonaws.com",) + events(
         "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
         "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication"), True),
    ("config-changes", "AWS Config configuration changes",
     ("$.eventSource=config.amazonaws.com",) + events(
         "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"),
     True),
    ("security-group-changes", "security group changes",
     events("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"), True),
    ("nacl-changes", "network ACL changes",
     events("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"), True),
    ("network-gateway-changes", "network gateway changes",
     events("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
            "DeleteInternetGateway", "DetachInternetGateway"), True),
    ("route-table-changes", "route table changes",
     events("CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
            "DeleteRoute", "DisassociateRouteTable"), True),
    ("vpc-changes", "VPC changes",
     events("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink"), True),
    ("organizations-changes", "AWS Organizations changes",
     ("$.eventSource=organizations.amazonaws.com",) + events(
         "AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
         "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
         "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization",
         "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit"), True),
)
LOG_GROUP_ARN_RE = re.compile(r"^arn:[a-z-]+:logs:([a-z0-9-]+):[0-9]*:log-group:([^:]+)")


def normalize(pattern: str) -> str:
    return re.sub(r"[\s\"']", "", pattern or "")


def matches(pattern: str, required: Tuple[str, ...]) -> bool:
    """Every condition appears whole: `$.eventName=DeleteVpc` is not found in `...=DeleteVpcPeeringConnection`."""
    text = normalize(pattern)
    return all(re.search(re.escape(condition) + r"(?![A-Za-z0-9_.*])", text) for condition in required)


def monitored_log_groups(ctx) -> List[str]:
    """Log groups in this region that a logging multi-region trail recording management events writes to."""
    def load():
        here: List[str] = []
        elsewhere: Set[str] = set()
        for trail in trails(ctx):
            found = LOG_GROUP_ARN_RE.match(trail.get("CloudWatchLogsLogGroupArn") or "")
            if not (found and trail.get("IsMultiRegionTrail")):
                continue
            if not status(ctx, trail).get("IsLogging") or not logs_management_events(ctx, trail):
                continue
            region, group = found.groups()
            if region == ctx.region:
                here.append(group)
            else:
                elsewhere.add(region)
        if not here and elsewhere:
            raise Incomplete(f"the multi-region trail's CloudWatch Logs group is in {', '.join(sorted(elsewhere))}: "
                             f"audit that region (--region {sorted(elsewhere)[0]}) to check the CIS metric filters")
        return here
    return ctx.memo(("monitoring", "log-groups"), load)


def confirmed_subscribers(ctx, topic_arn: str) -> int:
    subscriptions = ctx.items("sns", "list_subscriptions_by_topic", "Subscriptions", TopicArn=topic_arn)
    return sum(1 for s in subscriptions if str(s.get("SubscriptionArn", "")).startswith("arn:"))


def alarm_problem(ctx, metrics: List[Tuple[str, str]]) -> str:
    """'' when one of the metrics has an enabled alarm notifying a topic with a subscriber, else why not."""
    alarms = [a for a in ctx.items("cloudwatch", "describe_alarms", "MetricAlarms")
              if (a.get("MetricName"), a.get("Namespace")) in metrics]
    if not alarms:
        return "its metric has no CloudWatch alarm"
    for alarm in alarms:
        if alarm.get("ActionsEnabled") is False:
            continue
        for action in alarm.get("AlarmActions") or []:
            if ":sns:" in action and confirmed_subscribers(ctx, action):
                return ""
    return "no alarm on its metric notifies an SNS topic that has a confirmed subscriber"


def make_alarm_check(slug: str, what: str, required: Tuple[str, ...], by_component: bool) -> Check:
    conditions = ", ".join(c.replace("$.", "") for c in required[:4]) + (" ..." if len(required) > 4 else "")
    fix = ("components.AuditTrail with alarm_topic_arn creates this filter and alarm" if by_component else
           "aws.cloudwatch.LogMetricFilter + aws.cloudwatch.MetricAlarm, as the CIS benchmark gives them")

    @check(id=f"alarm-{slug}", title=f"A CloudTrail metric filter and alarm watch {what}",
           checklist=("observability.alerting", "compliance.audit-logging"), severity="medium",
           remediation=(f"Send the multi-region trail to CloudWatch Logs and add a metric filter matching {what} "
                        f"({conditions}) with an alarm that notifies a subscribed SNS topic ({fix})."))
    def run(ctx):
        groups = monitored_log_groups(ctx)
        if not groups:
            yield f"account {ctx.account}", (f"no logging multi-region CloudTrail trail delivers to CloudWatch Logs "
                                             f"in {ctx.region}, so nothing can alarm on {what}")
            return
        metrics: Dict[str, List[Tuple[str, str]]] = {}
        for group in groups:
            for flt in ctx.items("logs", "describe_metric_filters", "metricFilters", logGroupName=group):
                if matches(flt.get("filterPattern", ""), required):
                    metrics.setdefault(group, []).extend(
                        (m.get("metricName"), m.get("metricNamespace")) for m in flt.get("metricTransformations", []))
        if not metrics:
            yield f"account {ctx.account}", (f"no metric filter on the trail's log group ({', '.join(groups)}) matches "
                                             f"{what}")
            return
        problems = []
        for group, found in metrics.items():
            problem = alarm_problem(ctx, found)
            if not problem:
                return
            problems.append(f"the filter on {group}: {problem}")
        yield f"account {ctx.account}", f"nobody is told about {what}: " + "; ".join(problems)
    return run


CHECKS = tuple(make_alarm_check(*alarm) for alarm in ALARMS)
