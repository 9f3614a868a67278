"""KmsKey: a customer managed key with rotation, a 30-day deletion window and an explicit key policy.

The policy names its administrators and users (the account, through IAM) and grants AWS services only
what they need, each scoped with a condition (encryption context or source account).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import AwsContext, child, merge_tags, policy_document, require, token, validate_positive

# Explicit actions instead of kms:* so that no statement grants every action.
KEY_ADMIN_ACTIONS = sorted([
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:DeleteAlias", "kms:DescribeKey",
    "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies",
    "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RetireGrant", "kms:RevokeGrant", "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
])
KEY_USER_ACTIONS = sorted([
    "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom", "kms:ReEncryptTo",
])


def _service_statement(sid: str, principal: Any, actions: List[str], condition: Dict[str, Any]) -> Dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"Service": principal}, "Action": actions,
            "Resource": "*", "Condition": condition}


def _logs(ctx: AwsContext) -> Dict[str, Any]:
    return pulumi.Output.all(ctx.region, ctx.account_id, ctx.partition).apply(lambda v: _service_statement(
        "AllowCloudWatchLogsForThisAccount", f"logs.{v[0]}.amazonaws.com",
        ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom",
         "kms:ReEncryptTo"],
        {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:{v[2]}:logs:{v[0]}:{v[1]}:log-group:*"}}))


def _publisher(service: str, sid: str) -> Callable[[AwsContext], Any]:
    """Services that publish to an encrypted SNS topic (alarms, budgets, anomaly alerts) or write logs."""
    def build(ctx: AwsContext) -> Any:
        return ctx.account_id.apply(lambda account: _service_statement(
            sid, service, ["kms:Decrypt", "kms:GenerateDataKey"],
            {"StringEquals": {"aws:SourceAccount": account}}))
    return build


SERVICE_GRANTS: Mapping[str, Callable[[AwsContext], Any]] = {
    "logs": _logs,
    "cloudwatch": _publisher("cloudwatch.amazonaws.com", "AllowCloudWatchAlarmsToPublish"),
    "budgets": _publisher("budgets.amazonaws.com", "AllowBudgetsToPublish"),
    "costalerts": _publisher("costalerts.amazonaws.com", "AllowCostAnomalyAlertsToPublish"),
    "s3-logging": _publisher("logging.s3.amazonaws.com", "AllowS3ServerAccessLogDelivery"),
    "delivery-logs": _publisher("delivery.logs.amazonaws.com", "AllowLogDelivery"),
    "bedrock-logging": _publisher("bedrock.amazonaws.com", "AllowBedrockInvocationLogDelivery"),
}


@dataclass
class KmsKeyArgs:
    """Inputs of KmsKey. Rotation on and a 30-day window unless you say otherwise, by name."""
    description: str
    alias: Optional[str] = None
    """Alias without the 'alias/' prefix, e.g. 'acme-prod-data'."""
    services: Sequence[str] = ()
    """AWS services to grant, from SERVICE_GRANTS: logs, cloudwatch, budgets, costalerts, s3-logging, delivery-logs,
    bedrock-logging."""
    admin_arns: Sequence[pulumi.Input[str]] = ()
    """Extra key administrators (roles). The account root (i.e. IAM policies) always administers the key."""
    user_arns: Sequence[pulumi.Input[str]] = ()
    """Roles allowed to encrypt and decrypt with the key."""
    extra_statements: Sequence[pulumi.Input[Mapping[str, Any]]] = ()
    """More key policy statements (e.g. CloudTrail's, built by AuditTrail)."""
    deletion_window_in_days: int = 30
    enable_key_rotation: bool = True
    rotation_period_in_days: int = 365
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(isinstance(self.description, str) and self.description.strip() != "",
                "KmsKeyArgs.description is empty; describe what the key protects (e.g. 'prod data at rest')")
        validate_positive(self.deletion_window_in_days, "KmsKeyArgs.deletion_window_in_days", minimum=7, maximum=30)
        validate_positive(self.rotation_period_in_days, "KmsKeyArgs.rotation_period_in_days", minimum=90,
                          maximum=2560)
        unknown = [s for s in self.services if s not in SERVICE_GRANTS]
        require(not unknown, f"KmsKeyArgs.services has unknown service(s) {unknown}; use any of "
                             f"{sorted(SERVICE_GRANTS)} or pass extra_statements")
        if self.alias is not None:
            require(isinstance(self.alias, str) and not self.alias.startswith("alias/") and self.alias != "",
                    f"KmsKeyArgs.alias {self.alias!r} must be the name without the 'alias/' prefix")


class KmsKey(pulumi.ComponentResource):
    """A customer managed KMS key (rotating) with an explicit, least-privilege key policy."""
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("security.encryption",)
    key: aws.kms.Key
    arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    alias_name: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: KmsKeyArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("kms", "KmsKey"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        statements: List[Any] = [
            ctx.root_arn.apply(lambda root: {
                "Sid": "AccountAdministersKeyThroughIam", "Effect": "Allow", "Principal": {"AWS": root},
                "Action": KEY_ADMIN_ACTIONS + [a for a in KEY_USER_ACTIONS if a not in KEY_ADMIN_ACTIONS],
                "Resource": "*"}),
        ]
        if args.admin_arns:
            statements.append(pulumi.Output.from_input(list(args.admin_arns)).apply(lambda arns: {
                "Sid": "KeyAdministrators", "Effect": "Allow", "Principal": {"AWS": arns},
                "Action": KEY_ADMIN_ACTIONS, "Resource": "*"}))
        if args.user_arns:
            statements.append(pulumi.Output.from_input(list(args.user_arns)).apply(lambda arns: {
                "Sid": "KeyUsers", "Effect": "Allow", "Principal": {"AWS": arns},
                "Action": KEY_USER_ACTIONS, "Resource": "*"}))
        statements.extend(SERVICE_GRANTS[s](ctx) for s in args.services)
        statements.extend(args.extra_statements)

        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=args.enable_key_rotation,
            rotation_period_in_days=args.rotation_period_in_days if args.enable_key_rotation else None,
            deletion_window_in_days=args.deletion_window_in_days,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            bypass_policy_lockout_safety_check=False,
            policy=policy_document(statements),
            tags=merge_tags(args.tags),
            opts=child(self, protect=args.protect),
        )
        self.alias_name = None
        if args.alias:
            alias = aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=self.key.key_id,
                                  opts=child(self))
            self.alias_name = alias.name
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.register_outputs({"arn": self.arn, "key_id": self.key_id, "alias_name": self.alias_name})
