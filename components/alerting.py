"""Alerting: an encrypted SNS topic that reaches the on-call rotation, and alarms that page through it.

The topic is KMS-encrypted, accepts publishes only from CloudWatch, Budgets and Cost Anomaly
Detection in this account, refuses non-TLS, and has one on-call subscription (an HTTPS endpoint for
PagerDuty or Opsgenie, or an email). `Alerting.alarm(...)` builds alarms that always carry actions and
a runbook link.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_aws as aws

from ._base import AwsContext, child, merge_tags, policy_document, require, token, validate_positive

PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class AlertingArgs:
    topic_name: str
    kms_key_arn: pulumi.Input[str]
    """Key for the topic; its policy must grant cloudwatch, budgets and costalerts (KmsKeyArgs.services)."""
    runbook_base_url: str
    """https:// base of your runbooks; each alarm links '<base>#<alarm id>' unless it names its own."""
    oncall_https_endpoint: Optional[pulumi.Input[str]] = None
    """PagerDuty / Opsgenie integration URL (https). Prefer a secret config value."""
    oncall_email: Optional[str] = None
    """Email of the on-call list, when there is no paging integration yet."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(isinstance(self.topic_name, str) and bool(re.match(r"^[A-Za-z0-9_-]{1,256}$", self.topic_name)),
                f"AlertingArgs.topic_name {self.topic_name!r} must be letters, digits, '-' or '_'")
        require(isinstance(self.runbook_base_url, str) and self.runbook_base_url.startswith("https://"),
                f"AlertingArgs.runbook_base_url {self.runbook_base_url!r} must be an https:// link to your runbooks")
        require(self.oncall_https_endpoint is not None or self.oncall_email is not None,
                "Alerting needs an on-call destination: set oncall_https_endpoint (PagerDuty/Opsgenie) or oncall_email")
        if isinstance(self.oncall_https_endpoint, str):
            require(self.oncall_https_endpoint.startswith("https://"),
                    "AlertingArgs.oncall_https_endpoint must start with https:// (plain http would leak alerts)")
        if self.oncall_email is not None:
            require(bool(_EMAIL.match(self.oncall_email)),
                    f"AlertingArgs.oncall_email {self.oncall_email!r} is not an email address")


@dataclass
class AlarmSpec:
    """A metric alarm. Threshold semantics follow aws.cloudwatch.MetricAlarm."""
    description: str
    metric_name: str
    namespace: str
    threshold: float
    comparison_operator: str = "GreaterThanOrEqualToThreshold"
    statistic: str = "Sum"
    period: int = 300
    evaluation_periods: int = 1
    dimensions: Optional[Mapping[str, pulumi.Input[str]]] = None
    treat_missing_data: str = "notBreaching"
    runbook_url: Optional[str] = None

    def __post_init__(self) -> None:
        require(self.description.strip() != "", "AlarmSpec.description is empty; say what is wrong when it fires")
        validate_positive(self.period, "AlarmSpec.period", minimum=10)
        validate_positive(self.evaluation_periods, "AlarmSpec.evaluation_periods")
        if self.runbook_url is not None:
            require(self.runbook_url.startswith("https://"), "AlarmSpec.runbook_url must be an https:// link")


class Alerting(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("observability.alerting", "security.encryption")
    topic: aws.sns.Topic
    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlertingArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("alerting", "Alerting"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        self._name = name
        self._runbook_base = args.runbook_base_url.rstrip("/")
        self._tags = merge_tags(args.tags)
        self.topic = aws.sns.Topic(f"{name}-topic", name=args.topic_name, kms_master_key_id=args.kms_key_arn,
                                   tags=self._tags, opts=child(self))
        aws.sns.TopicPolicy(f"{name}-topic-policy", arn=self.topic.arn, policy=policy_document([
            pulumi.Output.all(self.topic.arn, ctx.account_id).apply(lambda v: {
                "Sid": "AllowAlertPublishersInThisAccount", "Effect": "Allow",
                "Principal": {"Service": list(PUBLISHERS)}, "Action": "sns:Publish", "Resource": v[0],
                "Condition": {"StringEquals": {"aws:SourceAccount": v[1]}}}),
            self.topic.arn.apply(lambda arn: {
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
                "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        ]), opts=child(self))
        if args.oncall_https_endpoint is not None:
            aws.sns.TopicSubscription(f"{name}-oncall-https", topic=self.topic.arn, protocol="https",
                                      endpoint=args.oncall_https_endpoint, endpoint_auto_confirms=True,
                                      opts=child(self))
        if args.oncall_email is not None:
            aws.sns.TopicSubscription(f"{name}-oncall-email", topic=self.topic.arn, protocol="email",
                                      endpoint=args.oncall_email, opts=child(self))
        self.topic_arn = self.topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})

    def runbook(self, alarm_id: str) -> str:
        return f"{self._runbook_base}#{alarm_id}"

    def alarm(self, alarm_id: str, spec: AlarmSpec, parent: Optional[pulumi.Resource] = None
              ) -> aws.cloudwatch.MetricAlarm:
        """A metric alarm that notifies on-call on ALARM and OK and links its runbook."""
        require(bool(re.match(r"^[a-z0-9][a-z0-9-]*$", alarm_id)),
                f"alarm id {alarm_id!r} must be lowercase letters, digits and hyphens")
        runbook = spec.runbook_url or self.runbook(alarm_id)
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{alarm_id}", alarm_description=f"{spec.description}. Runbook: {runbook}",
            namespace=spec.namespace, metric_name=spec.metric_name, statistic=spec.statistic, period=spec.period,
            evaluation_periods=spec.evaluation_periods, threshold=spec.threshold,
            comparison_operator=spec.comparison_operator, dimensions=spec.dimensions,
            treat_missing_data=spec.treat_missing_data, actions_enabled=True,
            alarm_actions=[self.topic.arn], ok_actions=[self.topic.arn], tags=self._tags,
            opts=pulumi.ResourceOptions(parent=parent or self))
