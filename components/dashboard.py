"""ServiceDashboard: the CloudWatch dashboard and alarms of an LLM feature, paging the baseline's on-call topic.

Widgets: API latency p50/p90/p99, 4xx and 5xx rates, Lambda errors, throttles, duration and concurrency,
guardrail interventions (Bedrock's metric and the handler's own count), Bedrock input and output tokens
per model, estimated cost per request (metric math: tokens x the caller's price table / requests), the
handler's own cost estimate, dead letters and the alarms' state.

Alarms (each links its runbook and notifies on ALARM and OK): 5xx rate, p99 latency, function errors
(these three also roll a canary back: `rollback_alarm_names`), throttles, 4xx rate, guardrail
intervention rate, dead letters, and cost per request.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import AwsContext, child, merge_tags, require, token, validate_positive
from .models import ModelPrice, validate_model_ids, validate_prices

ROLLBACK_ALARMS = ("api-5xx-rate", "api-latency-p99", "function-errors")


@dataclass
class ServiceDashboardArgs:
    alert_topic_arn: pulumi.Input[str]
    """The on-call topic (the baseline's alertTopicArn)."""
    runbook_base_url: str
    """https:// base of the service's runbooks; each alarm links '<base>#<alarm id>'."""
    api_name: pulumi.Input[str]
    stage_name: str
    function_name: pulumi.Input[str]
    alias_name: pulumi.Input[str]
    guardrail_arn: pulumi.Input[str]
    guardrail_version: pulumi.Input[str]
    models: Sequence[str]
    """The allow-listed models (the ModelId dimension of Bedrock's token metrics)."""
    prices: Mapping[str, ModelPrice]
    """Price of every model in `models`, USD per 1,000 input and output tokens."""
    service_name: str
    """The 'service' dimension of the handler's embedded metrics (ModelGateway.service_name)."""
    dead_letter_queue_name: Optional[pulumi.Input[str]] = None
    metric_namespace: str = "Preflight/LLM"
    """The namespace of the handler's embedded metrics (ModelGateway.metric_namespace)."""
    latency_p99_ms: float = 10000.0
    error_rate_5xx_percent: float = 1.0
    error_rate_4xx_percent: float = 10.0
    guardrail_intervention_percent: float = 20.0
    """A share of blocked requests above this looks like an attack (or a guardrail too strict for the feature)."""
    max_cost_per_request_usd: float = 0.05
    period_seconds: int = 60
    evaluation_periods: int = 3
    dashboard_name: Optional[str] = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(isinstance(self.runbook_base_url, str) and self.runbook_base_url.startswith("https://"),
                f"ServiceDashboardArgs.runbook_base_url {self.runbook_base_url!r} must be an https:// link to the "
                f"service's runbooks")
        require(self.alert_topic_arn is not None and self.alert_topic_arn != "",
                "ServiceDashboardArgs.alert_topic_arn is required: alarms must page someone (the baseline stack's "
                "alertTopicArn output)")
        require(isinstance(self.service_name, str) and self.service_name.strip() != "",
                "ServiceDashboardArgs.service_name is empty; pass ModelGateway.service_name so the guardrail and "
                "cost widgets read the handler's metrics")
        validate_model_ids(self.models, "ServiceDashboardArgs.models")
        validate_prices(self.models, self.prices, "ServiceDashboardArgs.prices")
        for what in ("latency_p99_ms", "error_rate_5xx_percent", "error_rate_4xx_percent",
                     "guardrail_intervention_percent", "max_cost_per_request_usd"):
            value = getattr(self, what)
            require(isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0,
                    f"ServiceDashboardArgs.{what} must be a positive number (got {value!r})")
        for what in ("error_rate_5xx_percent", "error_rate_4xx_percent", "guardrail_intervention_percent"):
            require(getattr(self, what) <= 100, f"ServiceDashboardArgs.{what} is a percentage (at most 100)")
        require(self.period_seconds in (10, 30) or (self.period_seconds >= 60 and self.period_seconds % 60 == 0),
                "ServiceDashboardArgs.period_seconds must be 10, 30 or a multiple of 60")
        validate_positive(self.evaluation_periods, "ServiceDashboardArgs.evaluation_periods", maximum=100)
        if self.dashboard_name is not None:
            require(bool(re.match(r"^[A-Za-z0-9_-]{1,255}$", self.dashboard_name)),
                    f"ServiceDashboardArgs.dashboard_name {self.dashboard_name!r} must be letters, digits, - or _")

    @property
    def alarm_minutes(self) -> int:
        """How long a rollback alarm takes to fire: what CanaryDeploymentArgs.alarm_evaluation_minutes needs."""
        return -(-self.period_seconds * self.evaluation_periods // 60)


def _metric(mid: str, namespace: str, metric: str, dimensions: Mapping[str, Any], stat: str, period: int,
            label: Optional[str] = None) -> Dict[str, Any]:
    return {"id": mid, "return_data": False, "label": label,
            "metric": {"namespace": namespace, "metric_name": metric, "dimensions": dict(dimensions), "stat": stat,
                       "period": period}}


def cost_expression(models: Sequence[str], prices: Mapping[str, ModelPrice]) -> str:
    """Metric math for the dollars the models cost: sum over models of tokens x price per token.

    Query ids follow the models' order: in<i> and out<i> are model i's input and output token counts.
    FILL(..., 0) makes a model without traffic count as zero instead of blanking the sum."""
    terms = []
    for i, model in enumerate(models):
        price = prices[model]
        terms.append(f"FILL(in{i},0)*{price.input_per_1k / 1000:.10g}")
        terms.append(f"FILL(out{i},0)*{price.output_per_1k / 1000:.10g}")
    return " + ".join(terms)


class ServiceDashboard(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("observability.metrics", "observability.alerting", "ai.cost")
    dashboard: aws.cloudwatch.Dashboard
    alarms: Dict[str, aws.cloudwatch.MetricAlarm]
    rollback_alarm_names: List[pulumi.Output[str]]

    def __init__(self, name: str, args: ServiceDashboardArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("dashboard", "ServiceDashboard"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        self._name, self._args, self._tags = name, args, merge_tags(args.tags)
        self._runbook = args.runbook_base_url.rstrip("/")
        p = args.period_seconds
        api = {"ApiName": args.api_name, "Stage": args.stage_name}
        fn = {"FunctionName": args.function_name,
              "Resource": pulumi.Output.concat(args.function_name, ":", args.alias_name)}
        emf = {"service": args.service_name}
        self.alarms = {}

        def rate(numerator: str, denominator_metric: str, namespace: str, dims, label: str):
            return [_metric("num", namespace, numerator, dims, "Sum", p),
                    _metric("den", namespace, denominator_metric, dims, "Sum", p),
                    {"id": "rate", "expression": "100 * num / MAX([den, 1])", "label": label, "return_data": True}]

        self._alarm("api-5xx-rate", f"more than {args.error_rate_5xx_percent}% of requests fail with 5xx",
                    args.error_rate_5xx_percent, queries=rate("5XXError", "Count", "AWS/ApiGateway", api, "5xx %"))
        self._alarm("api-latency-p99", f"p99 latency above {args.latency_p99_ms:g} ms", args.latency_p99_ms,
                    namespace="AWS/ApiGateway", metric="Latency", dimensions=api, extended_statistic="p99")
        self._alarm("function-errors", "the handler raises errors (bad release, model or guardrail failures)", 1,
                    namespace="AWS/Lambda", metric="Errors", dimensions=fn, statistic="Sum")
        self._alarm("function-throttles", "the handler is throttled: reserved concurrency is exhausted", 1,
                    namespace="AWS/Lambda", metric="Throttles", dimensions=fn, statistic="Sum")
        self._alarm("api-4xx-rate", f"more than {args.error_rate_4xx_percent}% of requests are rejected (4xx)",
                    args.error_rate_4xx_percent, queries=rate("4XXError", "Count", "AWS/ApiGateway", api, "4xx %"),
                    evaluation_periods=max(args.evaluation_periods, 5))
        self._alarm("guardrail-interventions",
                    f"the guardrail blocks more than {args.guardrail_intervention_percent}% of requests (a prompt "
                    f"injection campaign, or a guardrail too strict for the feature)",
                    args.guardrail_intervention_percent,
                    queries=rate("GuardrailIntervened", "Requests", args.metric_namespace, emf, "blocked %"),
                    evaluation_periods=max(args.evaluation_periods, 5))
        token_queries: List[Dict[str, Any]] = []
        for i, model in enumerate(args.models):
            token_queries.append(_metric(f"in{i}", "AWS/Bedrock", "InputTokenCount", {"ModelId": model}, "Sum", 300))
            token_queries.append(_metric(f"out{i}", "AWS/Bedrock", "OutputTokenCount", {"ModelId": model}, "Sum",
                                         300))
        self._alarm("cost-per-request", f"estimated model cost per request above ${args.max_cost_per_request_usd:g}",
                    args.max_cost_per_request_usd, period=300, queries=token_queries + [
                        _metric("requests", "AWS/ApiGateway", "Count", api, "Sum", 300),
                        {"id": "cost", "expression": cost_expression(args.models, args.prices), "label": "USD",
                         "return_data": False},
                        {"id": "perrequest", "expression": "cost / MAX([requests, 1])", "label": "USD per request",
                         "return_data": True}])
        if args.dead_letter_queue_name is not None:
            self._alarm("dead-letters", "failed asynchronous invocations are waiting in the dead-letter queue", 1,
                        namespace="AWS/SQS", metric="ApproximateNumberOfMessagesVisible",
                        dimensions={"QueueName": args.dead_letter_queue_name}, statistic="Maximum", period=300,
                        evaluation_periods=1)
        self.rollback_alarm_names = [self.alarms[a].name for a in ROLLBACK_ALARMS]

        body = pulumi.Output.all(
            region=ctx.region, api_name=args.api_name, function_name=args.function_name, alias=args.alias_name,
            guardrail_arn=args.guardrail_arn, guardrail_version=args.guardrail_version,
            queue=args.dead_letter_queue_name, alarm_arns=[a.arn for a in self.alarms.values()],
        ).apply(lambda v: json.dumps(self._body(v), sort_keys=True))
        self.dashboard = aws.cloudwatch.Dashboard(f"{name}-dashboard", dashboard_name=args.dashboard_name or name,
                                                  dashboard_body=body, opts=child(self))
        self.register_outputs({"dashboard_name": self.dashboard.dashboard_name,
                               "alarm_names": [a.name for a in self.alarms.values()]})

    def runbook(self, alarm_id: str) -> str:
        return f"{self._runbook}#{alarm_id}"

    def _alarm(self, alarm_id: str, description: str, threshold: float, *, queries=None, namespace=None,
               metric=None, dimensions=None, statistic=None, extended_statistic=None, period=None,
               evaluation_periods=None) -> aws.cloudwatch.MetricAlarm:
        args = self._args
        topic = [args.alert_topic_arn]
        single = {} if queries is not None else {
            "namespace": namespace, "metric_name": metric, "dimensions": dimensions, "statistic": statistic,
            "extended_statistic": extended_statistic, "period": period or args.period_seconds}
        alarm = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{alarm_id}", name=f"{self._name}-{alarm_id}",
            alarm_description=f"{self._name}: {description}. Runbook: {self.runbook(alarm_id)}",
            comparison_operator="GreaterThanOrEqualToThreshold", threshold=threshold,
            evaluation_periods=evaluation_periods or args.evaluation_periods,
            datapoints_to_alarm=evaluation_periods or args.evaluation_periods,
            metric_queries=queries, treat_missing_data="notBreaching", actions_enabled=True,
            alarm_actions=topic, ok_actions=topic, tags=self._tags, opts=child(self), **single)
        self.alarms[alarm_id] = alarm
        return alarm

    def _body(self, v: Mapping[str, Any]) -> Dict[str, Any]:
        a = self._args
        region, p = v["region"], a.period_seconds
        api = ["ApiName", v["api_name"], "Stage", a.stage_name]
        fn = ["FunctionName", v["function_name"], "Resource", f"{v['function_name']}:{v['alias']}"]
        emf = ["service", a.service_name]

        def widget(title: str, metrics: List[Any], x: int, y: int, *, w: int = 12, h: int = 6, stat: str = "Sum",
                   **extra) -> Dict[str, Any]:
            return {"type": "metric", "x": x, "y": y, "width": w, "height": h,
                    "properties": {"title": title, "region": region, "metrics": metrics, "stat": stat, "period": p,
                                   "view": "timeSeries", **extra}}

        latency = [["AWS/ApiGateway", "Latency", *api, {"stat": s, "label": s}] for s in ("p50", "p90", "p99")]
        errors = [["AWS/ApiGateway", "4XXError", *api, {"id": "e4", "visible": False}],
                  ["AWS/ApiGateway", "5XXError", *api, {"id": "e5", "visible": False}],
                  ["AWS/ApiGateway", "Count", *api, {"id": "n", "visible": False}],
                  [{"expression": "100*e4/MAX([n,1])", "label": "4xx %", "id": "r4"}],
                  [{"expression": "100*e5/MAX([n,1])", "label": "5xx %", "id": "r5"}]]
        function = [["AWS/Lambda", "Errors", *fn], ["AWS/Lambda", "Throttles", *fn],
                    ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", v["function_name"], {"stat": "Maximum"}]]
        duration = [["AWS/Lambda", "Duration", *fn, {"stat": s, "label": s}] for s in ("p50", "p99")]
        guardrail = [["AWS/Bedrock/Guardrails", "InvocationsIntervened", "GuardrailArn", v["guardrail_arn"],
                      "GuardrailVersion", v["guardrail_version"], {"label": "Bedrock: interventions"}],
                     [a.metric_namespace, "GuardrailIntervened", *emf, {"label": "handler: blocked requests"}],
                     [a.metric_namespace, "OutputRejected", *emf, {"label": "handler: outputs rejected"}]]
        tokens: List[Any] = []
        for i, model in enumerate(a.models):
            tokens.append(["AWS/Bedrock", "InputTokenCount", "ModelId", model,
                           {"id": f"in{i}", "label": f"{model} in"}])
            tokens.append(["AWS/Bedrock", "OutputTokenCount", "ModelId", model,
                           {"id": f"out{i}", "label": f"{model} out"}])
        cost = [*[[*t[:4], {**t[4], "visible": False}] for t in tokens],
                ["AWS/ApiGateway", "Count", *api, {"id": "requests", "visible": False}],
                [{"expression": cost_expression(a.models, a.prices), "id": "cost", "label": "USD (tokens x prices)",
                  "visible": False}],
                [{"expression": "cost / MAX([requests, 1])", "id": "perrequest", "label": "USD per request"}],
                [a.metric_namespace, "EstimatedCostUSD", *emf, {"stat": "Average",
                                                                "label": "handler: USD per request"}]]
        widgets = [
            {"type": "text", "x": 0, "y": 0, "width": 24, "height": 2,
             "properties": {"markdown": f"## {self._name}\nLatency, errors, guardrail and cost of the LLM feature. "
                                        f"Runbooks: {self._runbook}"}},
            widget("API latency (ms)", latency, 0, 2, stat="p99"),
            widget("API error rates (%)", errors, 12, 2),
            widget("Handler errors, throttles, concurrency", function, 0, 8),
            widget("Handler duration (ms)", duration, 12, 8, stat="p99"),
            widget("Guardrail interventions", guardrail, 0, 14),
            widget("Bedrock tokens per model", tokens, 12, 14, period=300),
            widget("Estimated cost per request (USD)", cost, 0, 20, period=300),
            {"type": "alarm", "x": 12, "y": 20, "width": 12, "height": 6,
             "properties": {"title": "Alarms", "alarms": list(v["alarm_arns"])}},
        ]
        if v.get("queue"):
            widgets.append(widget("Dead letters", [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
                                                    v["queue"]]], 0, 26, stat="Maximum"))
        return {"widgets": widgets}
