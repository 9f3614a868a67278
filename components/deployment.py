"""CanaryDeployment: a Lambda alias shifted from one published version to the next by CodeDeploy, in a
canary or linear pattern, and rolled back automatically when the service's alarms fire.

Two bounds are checked at construction: each step bakes at least as long as the alarms need to fire (else
the release is promoted before they can judge it: CodeDeploy watches alarms only while it shifts), and the
time a bad version can serve before CodeDeploy has moved the alias back (the alarms' evaluation plus one
step) stays under `max_rollback_minutes` (default 15, the checklist's bound).
A release is `aws deploy create-deployment` with an AppSpec naming the alias and the current and target
versions (README: Shipping an LLM feature); CodeDeploy moves the alias, so Pulumi never does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import AwsContext, assume_role_policy, child, merge_tags, require, token, validate_positive

MODES = ("canary", "linear")
LAMBDA_DEPLOY_POLICY = "service-role/AWSCodeDeployRoleForLambdaLimited"


@dataclass
class CanaryDeploymentArgs:
    function_name: pulumi.Input[str]
    alias_name: pulumi.Input[str]
    """The alias callers use (ModelGateway.alias.name); CodeDeploy shifts it."""
    alarm_names: Sequence[pulumi.Input[str]]
    """Alarms whose ALARM state stops the deployment and rolls it back (ServiceDashboard.rollback_alarm_names)."""
    mode: str = "canary"
    """'canary' (percentage first, the rest after one interval) or 'linear' (percentage every interval)."""
    percentage: int = 10
    """Traffic on the new version in the first step (canary) or added each step (linear): 1-99."""
    interval_minutes: int = 5
    alarm_evaluation_minutes: int = 5
    """How long the rollback alarms need to fire (period x evaluation periods of the slowest one)."""
    max_rollback_minutes: int = 15
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(self.mode in MODES, f"CanaryDeploymentArgs.mode {self.mode!r} must be one of {', '.join(MODES)}")
        require(isinstance(self.percentage, int) and not isinstance(self.percentage, bool)
                and 1 <= self.percentage <= 99,
                f"CanaryDeploymentArgs.percentage must be a whole percentage between 1 and 99 (got "
                f"{self.percentage!r}): the share of traffic the new version gets in its first step")
        validate_positive(self.interval_minutes, "CanaryDeploymentArgs.interval_minutes", minimum=1, maximum=2880)
        validate_positive(self.alarm_evaluation_minutes, "CanaryDeploymentArgs.alarm_evaluation_minutes",
                          minimum=1, maximum=1440)
        validate_positive(self.max_rollback_minutes, "CanaryDeploymentArgs.max_rollback_minutes", minimum=1)
        require(len(self.alarm_names) > 0,
                "CanaryDeploymentArgs.alarm_names is empty: nothing would tell CodeDeploy to roll back; pass the "
                "service's error and latency alarms (ServiceDashboard.rollback_alarm_names)")
        require(len(self.alarm_names) <= 10, "CanaryDeploymentArgs.alarm_names: CodeDeploy watches at most 10 alarms")
        require(self.interval_minutes >= self.alarm_evaluation_minutes,
                f"CanaryDeploymentArgs.interval_minutes {self.interval_minutes} is shorter than the "
                f"{self.alarm_evaluation_minutes} minutes the alarms need to fire (alarm_evaluation_minutes): each "
                f"step would be promoted before the alarms could judge it, and CodeDeploy stops watching them once "
                f"all traffic has moved; make the interval at least as long")
        bound = self.alarm_evaluation_minutes + self.interval_minutes
        require(bound <= self.max_rollback_minutes,
                f"CanaryDeploymentArgs: a bad version could serve for {bound} minutes before rollback "
                f"(alarm_evaluation_minutes {self.alarm_evaluation_minutes} + interval_minutes "
                f"{self.interval_minutes}), more than max_rollback_minutes {self.max_rollback_minutes}; "
                f"shorten the interval or the alarms' evaluation")

    @property
    def config_name(self) -> str:
        kind = "Canary" if self.mode == "canary" else "Linear"
        return f"Lambda{kind}{self.percentage}Percent{'Every' if self.mode == 'linear' else ''}" \
               f"{self.interval_minutes}Minute{'s' if self.interval_minutes != 1 else ''}"


class CanaryDeployment(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("infra.rollback",)
    application: aws.codedeploy.Application
    deployment_group: aws.codedeploy.DeploymentGroup
    deployment_config_name: pulumi.Output[str]

    def __init__(self, name: str, args: CanaryDeploymentArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("deployment", "CanaryDeployment"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        tags = merge_tags(args.tags)
        self.application = aws.codedeploy.Application(f"{name}-app", name=f"{name}-app", compute_platform="Lambda",
                                                      tags=tags, opts=child(self))
        step = {"interval": args.interval_minutes, "percentage": args.percentage}
        routing = ({"type": "TimeBasedCanary", "time_based_canary": step} if args.mode == "canary"
                   else {"type": "TimeBasedLinear", "time_based_linear": step})
        config = aws.codedeploy.DeploymentConfig(
            f"{name}-config", deployment_config_name=f"{name}-{args.config_name}", compute_platform="Lambda",
            traffic_routing_config=routing, opts=child(self))
        self.deployment_config_name = config.deployment_config_name
        role = aws.iam.Role(
            f"{name}-role", assume_role_policy=assume_role_policy("codedeploy.amazonaws.com", ctx.account_id),
            max_session_duration=3600, description=f"{name}: CodeDeploy shifts the Lambda alias", tags=tags,
            opts=child(self))
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-role-policy", role=role.name,
            policy_arn=ctx.partition.apply(lambda p: f"arn:{p}:iam::aws:policy/{LAMBDA_DEPLOY_POLICY}"),
            opts=child(self))
        alarms = list(args.alarm_names)
        self.deployment_group = aws.codedeploy.DeploymentGroup(
            f"{name}-group", app_name=self.application.name, deployment_group_name=f"{name}-group",
            service_role_arn=role.arn, deployment_config_name=self.deployment_config_name,
            deployment_style={"deployment_option": "WITH_TRAFFIC_CONTROL", "deployment_type": "BLUE_GREEN"},
            auto_rollback_configuration={"enabled": True,
                                         "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
            alarm_configuration={"enabled": True, "alarms": alarms, "ignore_poll_alarm_failure": False},
            tags=tags, opts=child(self, depends_on=[attachment]))
        self.function_name = args.function_name
        self.alias_name = args.alias_name
        self.register_outputs({"application": self.application.name,
                               "deployment_group": self.deployment_group.deployment_group_name,
                               "deployment_config": self.deployment_config_name})
