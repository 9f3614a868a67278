"""Environment: one AWS account made production-ready from a profile (dev, staging or prod).

Composes AccountBaseline, KmsKey, Network, AuditTrail (with AWS Config), Alerting, CostGuard,
BackupPlan, a data bucket, an optional Database, an optional AgentAccess role and, when the
environment uses Bedrock, model invocation logging, so a stack is a few lines. Everything
that differs between environments comes from the EnvironmentProfile (retention, protection,
Multi-AZ, NAT layout, vault lock mode, budget, agent approval, Macie).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi

from ._base import BACKUP_TAG, merge_tags, require, token, validate_name_prefix
from .account import AccountBaseline, AccountBaselineArgs, SecurityContact
from .agents import AgentAccess, AgentAccessArgs, AgentStatement
from .alerting import AlarmSpec, Alerting, AlertingArgs
from .backup import BackupPlan, BackupPlanArgs
from .bedrock import ModelInvocationLogging, ModelInvocationLoggingArgs
from .cost import CostGuard, CostGuardArgs
from .database import Database, DatabaseArgs
from .kms import KmsKey, KmsKeyArgs
from .network import Network, NetworkArgs
from .profiles import EnvironmentProfile
from .storage import SecureBucket, SecureBucketArgs
from .trail import AuditTrail, AuditTrailArgs


@dataclass
class EnvironmentArgs:
    prefix: str
    """Name prefix for the environment, e.g. 'acme-prod' (lowercase, hyphens)."""
    profile: EnvironmentProfile
    cidr_block: str
    availability_zones: Sequence[str]
    runbook_base_url: str
    security_contact: Optional[SecurityContact] = None
    """The account's SECURITY alternate contact; required unless security_contact_managed_elsewhere=True."""
    security_contact_managed_elsewhere: bool = False
    security_hub: bool = True
    """Opt-out: False when the organization enables Security Hub centrally (delegated administrator)."""
    record_configuration: bool = True
    """Opt-out: False when AWS Config already records in this account (e.g. Control Tower's recorder)."""
    oncall_https_endpoint: Optional[pulumi.Input[str]] = None
    oncall_email: Optional[str] = None
    other_environment_cidrs: Sequence[str] = ()
    state_bucket_name: Optional[str] = None
    monthly_budget_usd: Optional[float] = None
    """Overrides the profile's budget."""
    budget_emails: Sequence[str] = ()
    cost_anomaly_detection: bool = True
    """Opt-out: False when another stack or the organization's management account already monitors costs."""
    database: bool = True
    agent_trusted_principal_arns: Sequence[pulumi.Input[str]] = ()
    """Roles that run AI agents; empty means no agent role is created."""
    agent_model_arns: Sequence[str] = ()
    """Bedrock model / inference-profile ARNs the agent may invoke (named, never '*')."""
    bedrock_runtime_endpoint: bool = False
    bedrock_invocation_logging: bool = True
    """Log every Bedrock prompt and completion when the environment uses Bedrock (agent models or the
    runtime endpoint). Opt-out: False, e.g. when another stack of this account and region configures it."""
    backup_copy_vault_arn: Optional[pulumi.Input[str]] = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_name_prefix(self.prefix, "EnvironmentArgs.prefix")
        require(isinstance(self.profile, EnvironmentProfile),
                "EnvironmentArgs.profile must be an EnvironmentProfile (components.profiles.profile_for('prod'))")
        require(self.security_contact is not None or self.security_contact_managed_elsewhere,
                "EnvironmentArgs.security_contact is missing; pass SecurityContact(name=..., title=..., email=..., "
                "phone=...) (stack config preflight:securityContact), or security_contact_managed_elsewhere=True "
                "when another stack sets the account's SECURITY contact")
        if self.agent_model_arns:
            require(bool(self.agent_trusted_principal_arns),
                    "agent_model_arns is set but agent_trusted_principal_arns is empty; name the agent runner role")

    @property
    def uses_bedrock(self) -> bool:
        """Agents may invoke models, or the VPC has a Bedrock runtime endpoint: then invocations are logged."""
        return bool(self.agent_model_arns) or self.bedrock_runtime_endpoint


class Environment(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("infra.separation", "infra.iac")
    account: AccountBaseline
    data_key: KmsKey
    network: Network
    alerting: Alerting
    trail: AuditTrail
    backup: BackupPlan
    data_bucket: SecureBucket
    database: Optional[Database]
    agent: Optional[AgentAccess]
    invocation_logging: Optional[ModelInvocationLogging]

    def __init__(self, name: str, args: EnvironmentArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("environment", "Environment"), name, {}, opts)
        p = args.profile
        tags = merge_tags({"preflight:environment": p.name}, args.tags)
        under = pulumi.ResourceOptions(parent=self)

        self.account = AccountBaseline(f"{name}-account", AccountBaselineArgs(
            prefix=args.prefix, state_bucket_name=args.state_bucket_name, security_contact=args.security_contact,
            security_contact_managed_elsewhere=args.security_contact_managed_elsewhere,
            security_hub=args.security_hub, macie=p.macie, protect=p.protect, tags=tags), opts=under)
        log_invocations = args.uses_bedrock and args.bedrock_invocation_logging
        self.data_key = KmsKey(f"{name}-data", KmsKeyArgs(
            description=f"{args.prefix}: data at rest (S3, RDS, backups, logs, alerts)", alias=f"{args.prefix}-data",
            services=("logs", "cloudwatch", "budgets", "costalerts")
            + (("bedrock-logging",) if log_invocations else ()),
            protect=p.protect, tags=tags), opts=under)
        self.network = Network(f"{name}-network", NetworkArgs(
            cidr_block=args.cidr_block, availability_zones=args.availability_zones,
            flow_log_kms_key_arn=self.data_key.arn, nat_per_az=p.nat_per_az,
            min_availability_zones=p.min_availability_zones, flow_log_retention_days=p.log_retention_days,
            other_environment_cidrs=args.other_environment_cidrs,
            bedrock_runtime_endpoint=args.bedrock_runtime_endpoint, tags=tags), opts=under)
        self.alerting = Alerting(f"{name}-alerts", AlertingArgs(
            topic_name=f"{args.prefix}-alerts", kms_key_arn=self.data_key.arn, runbook_base_url=args.runbook_base_url,
            oncall_https_endpoint=args.oncall_https_endpoint, oncall_email=args.oncall_email, tags=tags), opts=under)
        CostGuard(f"{name}-cost", CostGuardArgs(
            budget_name=f"{args.prefix}-monthly", monthly_limit_usd=args.monthly_budget_usd or p.monthly_budget_usd,
            alert_topic_arn=self.alerting.topic_arn, emails=args.budget_emails,
            anomaly_detection=args.cost_anomaly_detection, tags=tags), opts=under)

        plan_name = f"{args.prefix}-backup"
        self.data_bucket = SecureBucket(f"{name}-data", SecureBucketArgs(
            kms_key_arn=self.data_key.arn, access_log_bucket=self.account.access_logs.name,
            noncurrent_version_expiration_days=p.noncurrent_version_days, protect=p.protect,
            tags=merge_tags(tags, {BACKUP_TAG: plan_name})), opts=under)
        # Object-level events of the buckets that matter: application data and the Pulumi state.
        self.trail = AuditTrail(f"{name}-trail", AuditTrailArgs(
            trail_name=f"{args.prefix}-audit", access_log_bucket=self.account.access_logs.name,
            log_retention_days=max(p.log_retention_days, 365), s3_retention_days=p.trail_retention_days,
            alarm_topic_arn=self.alerting.topic_arn, runbook_url=args.runbook_base_url,
            s3_data_event_bucket_arns=[self.data_bucket.arn, self.account.state_bucket.arn],
            record_configuration=args.record_configuration,
            protect=p.protect, tags=tags), opts=under)

        self.database = None
        restore_types = ["S3"]
        overrides = {}
        if args.database:
            self.database = Database(f"{name}-db", DatabaseArgs(
                identifier=f"{args.prefix}-db", vpc_id=self.network.vpc_id,
                subnet_ids=self.network.isolated_subnet_ids, kms_key_arn=self.data_key.arn,
                backup_plan_tag=plan_name, allowed_cidrs=self.network.private_cidrs,
                instance_class=p.db_instance_class, multi_az=p.multi_az,
                backup_retention_days=p.db_backup_retention_days, deletion_protection=p.deletion_protection,
                log_retention_days=p.log_retention_days, protect=p.protect, tags=tags), opts=under)
            restore_types = ["RDS", "S3"]
            overrides = {"dbsubnetgroupname": f"{args.prefix}-db-subnets"}
            for alarm_id, spec in (
                ("db-cpu-high", AlarmSpec("Database CPU above 80% for 15 minutes", "CPUUtilization", "AWS/RDS", 80,
                                          statistic="Average", evaluation_periods=3,
                                          dimensions={"DBInstanceIdentifier": f"{args.prefix}-db"})),
                ("db-storage-low", AlarmSpec("Database free storage below 5 GiB", "FreeStorageSpace", "AWS/RDS",
                                             5 * 1024 ** 3, comparison_operator="LessThanThreshold",
                                             statistic="Minimum",
                                             dimensions={"DBInstanceIdentifier": f"{args.prefix}-db"})),
            ):
                self.alerting.alarm(alarm_id, spec, parent=self.database)

        self.backup = BackupPlan(f"{name}-backup", BackupPlanArgs(
            plan_name=plan_name, kms_key_arn=self.data_key.arn, rules=p.backup_rules,
            vault_lock_mode=p.vault_lock_mode, copy_to_vault_arn=args.backup_copy_vault_arn,
            restore_test_resource_types=restore_types, restore_metadata_overrides=overrides,
            protect=p.protect, tags=tags), opts=under)

        self.agent = None
        if args.agent_trusted_principal_arns:
            statements = [AgentStatement(actions=["s3:GetObject", "s3:ListBucket"],
                                         resources=[self.data_bucket.arn,
                                                    pulumi.Output.concat(self.data_bucket.arn, "/*")],
                                         sid="ReadAppData"),
                          AgentStatement(actions=["kms:Decrypt"], resources=[self.data_key.arn], sid="DecryptAppData")]
            if args.agent_model_arns:
                statements.append(AgentStatement(actions=["bedrock:InvokeModel",
                                                          "bedrock:InvokeModelWithResponseStream"],
                                                 resources=list(args.agent_model_arns), sid="InvokeApprovedModels"))
            self.agent = AgentAccess(f"{name}-agent", AgentAccessArgs(
                role_name=f"{args.prefix}-agent", statements=statements,
                trusted_principal_arns=args.agent_trusted_principal_arns,
                require_approval_tag=p.require_agent_approval, tags=tags), opts=under)

        self.invocation_logging = None
        if log_invocations:
            self.invocation_logging = ModelInvocationLogging(f"{name}-bedrock-logging", ModelInvocationLoggingArgs(
                kms_key_arn=self.data_key.arn, access_log_bucket=self.account.access_logs.name,
                log_retention_days=max(p.log_retention_days, 365), protect=p.protect, tags=tags), opts=under)

        self.register_outputs({
            "backend_url": self.account.backend_url, "secrets_provider": self.account.secrets_provider,
            "vpc_id": self.network.vpc_id, "alert_topic_arn": self.alerting.topic_arn,
            "trail_arn": self.trail.trail_arn, "backup_vault_arn": self.backup.vault_arn,
            "data_bucket": self.data_bucket.name,
            "bedrock_log_group": self.invocation_logging.log_group.name if self.invocation_logging else None,
        })
