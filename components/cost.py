"""CostGuard: a monthly budget with actual and forecast alerts, and cost anomaly detection,
all delivered to the alerting topic (and optionally to an email list)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import child, merge_tags, require, token


@dataclass
class CostGuardArgs:
    budget_name: str
    monthly_limit_usd: float
    alert_topic_arn: pulumi.Input[str]
    actual_thresholds_percent: Sequence[float] = (50, 80, 100)
    forecast_thresholds_percent: Sequence[float] = (100,)
    anomaly_threshold_usd: float = 100.0
    """Alert when an anomaly's total impact reaches this many dollars."""
    emails: Sequence[str] = ()
    cost_filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Limit the budget to part of the bill, e.g. {'TagKeyValue': ['user:preflight:service$chat']} for one
    service's own budget (the tag must be activated as a cost allocation tag)."""
    anomaly_detection: bool = True
    """Opt-out: False creates no anomaly monitor, when another stack or the organization's management account
    already monitors this account's costs (the pack flags it in prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(isinstance(self.monthly_limit_usd, (int, float)) and not isinstance(self.monthly_limit_usd, bool)
                and self.monthly_limit_usd > 0,
                f"CostGuardArgs.monthly_limit_usd must be a positive amount in USD (got {self.monthly_limit_usd!r})")
        require(len(self.actual_thresholds_percent) + len(self.forecast_thresholds_percent) > 0,
                "CostGuardArgs needs at least one actual or forecast threshold")
        for t in list(self.actual_thresholds_percent) + list(self.forecast_thresholds_percent):
            require(0 < t <= 1000, f"budget threshold {t!r}% must be between 0 and 1000 percent")
        require(self.anomaly_threshold_usd > 0, "CostGuardArgs.anomaly_threshold_usd must be positive")
        for key, values in self.cost_filters.items():
            require(isinstance(key, str) and key != "" and len(list(values)) > 0,
                    f"CostGuardArgs.cost_filters[{key!r}] must name a filter and at least one value")
        for email in self.emails:
            require("@" in email, f"CostGuardArgs.emails has {email!r}, which is not an email address")


class CostGuard(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("ai.cost", "observability.alerting")
    budget: aws.budgets.Budget

    def __init__(self, name: str, args: CostGuardArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("cost", "CostGuard"), name, {}, opts)
        tags = merge_tags(args.tags)
        notifications = []
        for kind, thresholds in (("ACTUAL", args.actual_thresholds_percent),
                                 ("FORECASTED", args.forecast_thresholds_percent)):
            for threshold in thresholds:
                notifications.append({
                    "comparison_operator": "GREATER_THAN", "notification_type": kind, "threshold": float(threshold),
                    "threshold_type": "PERCENTAGE", "subscriber_sns_topic_arns": [args.alert_topic_arn],
                    "subscriber_email_addresses": list(args.emails) or None})
        self.budget = aws.budgets.Budget(
            f"{name}-budget", name=args.budget_name, budget_type="COST", time_unit="MONTHLY",
            limit_amount=f"{float(args.monthly_limit_usd):.2f}", limit_unit="USD", notifications=notifications,
            cost_filters=[{"name": k, "values": list(v)} for k, v in sorted(args.cost_filters.items())] or None,
            tags=tags, opts=child(self))
        self.anomaly_monitor = self.anomaly_subscription = None
        if args.anomaly_detection:
            self.anomaly_monitor = aws.costexplorer.AnomalyMonitor(
                f"{name}-anomaly-monitor", name=f"{args.budget_name}-services", monitor_type="DIMENSIONAL",
                monitor_dimension="SERVICE", tags=tags, opts=child(self))
            self.anomaly_subscription = aws.costexplorer.AnomalySubscription(
                f"{name}-anomaly-subscription", name=f"{args.budget_name}-anomalies", frequency="IMMEDIATE",
                monitor_arn_lists=[self.anomaly_monitor.arn],
                subscribers=[{"type": "SNS", "address": args.alert_topic_arn}],
                threshold_expression={"dimension": {"key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                                                    "match_options": ["GREATER_THAN_OR_EQUAL"],
                                                    "values": [f"{float(args.anomaly_threshold_usd):.2f}"]}},
                tags=tags, opts=child(self))
        self.register_outputs({"budget_name": self.budget.name,
                               "anomaly_monitor_arn": self.anomaly_monitor.arn if self.anomaly_monitor else None})
