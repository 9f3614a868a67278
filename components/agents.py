"""AgentAccess: an IAM role for AI agents that can do only what it is given, and never destroy.

Least-privilege statements (no wildcard actions, no '*' resources unless stated per statement), a
permissions boundary that denies destructive actions and anything that turns protection off, a short
session, and -- where approval is required (prod) -- no access at all unless the session carries an
approval tag set by the human approval flow.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import AwsContext, child, merge_tags, policy_document, require, token, validate_positive

APPROVAL_TAG = "preflight-approval"

# Destructive actions and protection switches; the boundary denies them whatever the role allows.
DESTRUCTIVE_ACTIONS = sorted([
    "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:DeleteObjectVersion", "s3:PutBucketPolicy",
    "s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock", "s3:PutAccountPublicAccessBlock",
    "s3:PutBucketObjectLockConfiguration", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration",
    "s3:DeleteBucketOwnershipControls",
    "ec2:TerminateInstances", "ec2:DeleteVolume", "ec2:DeleteSnapshot", "ec2:DeleteVpc", "ec2:DeleteSubnet",
    "ec2:DeleteFlowLogs", "ec2:ModifyInstanceAttribute", "ec2:DisableEbsEncryptionByDefault",
    "ec2:AuthorizeSecurityGroupIngress",
    "rds:DeleteDBInstance", "rds:DeleteDBCluster", "rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot",
    "rds:ModifyDBInstance", "rds:ModifyDBCluster", "rds:StopDBInstance", "rds:StopDBCluster",
    "dynamodb:DeleteTable", "dynamodb:DeleteBackup", "dynamodb:UpdateContinuousBackups", "dynamodb:UpdateTable",
    "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy", "kms:DeleteAlias",
    "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors",
    "logs:DeleteLogGroup", "logs:DeleteLogStream", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
    "backup:DeleteBackupVault", "backup:DeleteBackupPlan", "backup:DeleteRecoveryPoint",
    "backup:DeleteBackupVaultLockConfiguration", "backup:UpdateBackupPlan", "backup:DeleteBackupSelection",
    "secretsmanager:DeleteSecret", "secretsmanager:CancelRotateSecret", "secretsmanager:PutResourcePolicy",
    "guardduty:DeleteDetector", "guardduty:UpdateDetector", "guardduty:DisassociateFromMasterAccount",
    "access-analyzer:DeleteAnalyzer", "config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder",
    "config:DeleteDeliveryChannel", "config:PutConfigurationRecorder", "securityhub:DisableSecurityHub",
    "securityhub:BatchDisableStandards", "macie2:DisableMacie", "macie2:UpdateMacieSession",
    "bedrock:DeleteModelInvocationLoggingConfiguration", "bedrock:PutModelInvocationLoggingConfiguration",
    "account:DeleteAlternateContact", "account:PutAlternateContact",
    "iam:CreateUser", "iam:CreateAccessKey", "iam:DeleteRole", "iam:DeleteRolePolicy",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy",
    "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:UpdateAccountPasswordPolicy",
    "lambda:DeleteFunction", "sns:DeleteTopic", "sqs:DeleteQueue", "ecr:DeleteRepository",
    "elasticfilesystem:DeleteFileSystem", "eks:DeleteCluster", "elasticache:DeleteReplicationGroup",
    "es:DeleteDomain", "bedrock:DeleteGuardrail", "bedrock:DeleteAgent", "bedrock:DeleteKnowledgeBase",
    "cloudformation:DeleteStack", "route53:DeleteHostedZone", "organizations:LeaveOrganization",
    "budgets:DeleteBudget", "ce:DeleteAnomalyMonitor", "ce:DeleteAnomalySubscription",
    "wafv2:DeleteWebACL", "wafv2:DisassociateWebACL", "apigateway:DELETE",
])
_DESTRUCTIVE_PREFIXES = ("Delete", "Terminate", "ScheduleKeyDeletion", "StopLogging", "Disable")


@dataclass
class AgentStatement:
    """One allowed capability: named actions on named resources."""
    actions: Sequence[str]
    resources: Sequence[pulumi.Input[str]]
    any_resource: bool = False
    """Allow Resource '*' (only for actions that take no resource, e.g. 'bedrock:ListFoundationModels')."""
    sid: Optional[str] = None

    def __post_init__(self) -> None:
        require(len(self.actions) > 0, "AgentStatement.actions is empty; list the actions the agent needs")
        for action in self.actions:
            require(isinstance(action, str) and re.match(r"^[a-z0-9-]+:[A-Za-z0-9]+$", action) is not None,
                    f"agent action {action!r} is a wildcard or malformed; name exact actions such as "
                    f"'s3:GetObject' (no '*')")
            verb = action.split(":", 1)[1]
            require(not verb.startswith(_DESTRUCTIVE_PREFIXES) and action not in DESTRUCTIVE_ACTIONS,
                    f"agent action {action!r} is destructive or turns protection off; agents cannot have it -- a "
                    f"human runs it through the approval gate")
        resources = list(self.resources)
        require(len(resources) > 0 or self.any_resource,
                "AgentStatement.resources is empty; list ARNs, or set any_resource=True for resource-less actions")
        require(self.any_resource or "*" not in resources,
                "AgentStatement.resources contains '*'; list the ARNs, or set any_resource=True when the actions "
                "take no resource")


@dataclass
class AgentAccessArgs:
    role_name: str
    statements: Sequence[AgentStatement]
    trusted_principal_arns: Sequence[pulumi.Input[str]] = ()
    """Roles (e.g. the agent runner's) allowed to assume this role."""
    trusted_services: Sequence[str] = ()
    """Service principals allowed to assume it (e.g. 'bedrock.amazonaws.com'), limited to this account."""
    external_id: Optional[pulumi.Input[str]] = None
    require_approval_tag: bool = True
    """Deny everything unless the session carries the '{APPROVAL_TAG}' tag (set by the approval flow). Prod."""
    max_session_seconds: int = 3600
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(bool(re.match(r"^[A-Za-z0-9+=,.@_-]{1,64}$", self.role_name)),
                f"AgentAccessArgs.role_name {self.role_name!r} is not a valid IAM role name")
        require(len(self.statements) > 0, "AgentAccessArgs.statements is empty; grant what the agent needs")
        require(bool(self.trusted_principal_arns) or bool(self.trusted_services),
                "AgentAccessArgs needs trusted_principal_arns or trusted_services: who runs the agent?")
        for principal in self.trusted_principal_arns:
            require(principal != "*", "AgentAccessArgs.trusted_principal_arns contains '*'; name the runner's role")
        validate_positive(self.max_session_seconds, "AgentAccessArgs.max_session_seconds", minimum=900, maximum=3600)


class AgentAccess(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("ai.agents", "security.iam", "infra.separation")
    role: aws.iam.Role
    boundary: aws.iam.Policy
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AgentAccessArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("agents", "AgentAccess"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        tags = merge_tags(args.tags, {"preflight:agent": "true"})
        allow = [self._statement(i, s) for i, s in enumerate(args.statements)]
        deny: List[Any] = [{"Sid": "DenyDestructiveAndProtectionChanges", "Effect": "Deny",
                            "Action": DESTRUCTIVE_ACTIONS, "Resource": "*"}]
        if args.require_approval_tag:
            deny.append({"Sid": "DenyWithoutApprovalSession", "Effect": "Deny", "NotAction": ["sts:GetCallerIdentity"],
                         "Resource": "*", "Condition": {"Null": {f"aws:PrincipalTag/{APPROVAL_TAG}": "true"}}})
        self.boundary = aws.iam.Policy(
            f"{name}-boundary", name=f"{args.role_name}-boundary",
            description=f"Permissions boundary for AI agent role {args.role_name}: no destructive actions"
                        + (", nothing without an approval session" if args.require_approval_tag else ""),
            policy=policy_document(allow + deny), tags=tags, opts=child(self))

        trust: List[Any] = []
        if args.trusted_principal_arns:
            condition = {"StringEquals": {"sts:ExternalId": args.external_id}} if args.external_id is not None else None
            stmt = {"Sid": "RunnerAssumes", "Effect": "Allow",
                    "Principal": {"AWS": list(args.trusted_principal_arns)},
                    "Action": ["sts:AssumeRole", "sts:TagSession"]}
            if condition:
                stmt["Condition"] = condition
            trust.append(stmt)
        if args.trusted_services:
            trust.append(ctx.account_id.apply(lambda account: {
                "Sid": "ServiceAssumesForThisAccount", "Effect": "Allow",
                "Principal": {"Service": list(args.trusted_services)}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}}}))
        self.role = aws.iam.Role(
            f"{name}-role", name=args.role_name, assume_role_policy=policy_document(trust),
            permissions_boundary=self.boundary.arn, max_session_duration=args.max_session_seconds,
            description="AI agent role: least privilege, bounded, short sessions", tags=tags, opts=child(self))
        aws.iam.RolePolicy(f"{name}-permissions", role=self.role.id, policy=policy_document(allow), opts=child(self))
        self.role_arn = self.role.arn
        self.register_outputs({"role_arn": self.role_arn, "boundary_arn": self.boundary.arn})

    @staticmethod
    def _statement(index: int, s: AgentStatement) -> Any:
        sid = s.sid or f"Allow{index}"
        resources = ["*"] if s.any_resource and not s.resources else list(s.resources)
        return pulumi.Output.from_input(resources).apply(
            lambda res: {"Sid": sid, "Effect": "Allow", "Action": sorted(s.actions), "Resource": res})
